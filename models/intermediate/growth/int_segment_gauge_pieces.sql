{#- One row per plan segment, time-weighted metric and piece of constant gauge value
    inside the segment's measured range [segment_start, min(usage_segment_end, as-of)):
    the value held, the piece's integral and the segment's integral before it, in
    nano-value-microseconds (value x 1e9 x microseconds, whole numbers, exact).
    The gauge rule is int_segment_usage_daily's: a snapshot holds until the
    customer's next one, across segment and period boundaries; snapshots sharing a
    time take the greatest value; 0 before the first one (no piece).
    Usage to date at t = (integral before the piece holding t + value x (t - piece
    start)) / (unit_divisor x the whole period's seconds): what the funnel needs for
    crossings and projections of time-weighted metrics at any instant. -#}

with segments as (
    select
        *,
        case
            when usage_segment_end < {{ as_of() }} then usage_segment_end
            else {{ as_of() }}
        end as measured_until_at
    from {{ ref('int_subscription_segments') }}
),

metric_values as (
    select * from {{ ref('int_usage_metric_values') }}
    where aggregation = 'time_weighted_avg'
        and event_at <= {{ as_of() }}
),

snapshots as (
    select
        metric_values.customer_id,
        metric_values.metric_code,
        metric_values.event_at,
        max(metric_values.unit_divisor) as unit_divisor,
        max(metric_values.raw_value) as gauge_value
    from metric_values
    group by
        metric_values.customer_id,
        metric_values.metric_code,
        metric_values.event_at
),

held as (
    select
        snapshots.*,
        lead(snapshots.event_at) over (
            partition by snapshots.customer_id, snapshots.metric_code
            order by snapshots.event_at
        ) as held_until
    from snapshots
),

clipped as (
    select
        segments.segment_id,
        segments.billing_period_id,
        segments.subscription_id,
        segments.customer_id,
        segments.period_start,
        segments.period_end,
        segments.period_seconds,
        segments.segment_start,
        segments.measured_until_at,
        held.metric_code,
        held.unit_divisor,
        held.gauge_value,
        held.event_at as snapshot_at,
        case
            when held.event_at > segments.segment_start then held.event_at
            else segments.segment_start
        end as piece_start_at,
        case
            when held.held_until is not null and held.held_until < segments.measured_until_at then held.held_until
            else segments.measured_until_at
        end as piece_end_at
    from segments
    inner join held
        on segments.customer_id = held.customer_id
        and held.event_at < segments.measured_until_at
        and (held.held_until is null or held.held_until > segments.segment_start)
),

integrated as (
    select
        clipped.*,
        {{ usage_gauge_integral(
            'clipped.gauge_value',
            usage_microseconds_between('clipped.piece_start_at', 'clipped.piece_end_at')
        ) }} as piece_integral
    from clipped
    where clipped.piece_start_at < clipped.piece_end_at
),

final as (
    select
        -- keys
        integrated.segment_id,
        integrated.metric_code,
        integrated.piece_start_at,

        -- the segment
        integrated.billing_period_id,
        integrated.subscription_id,
        integrated.customer_id,
        integrated.period_start,
        integrated.period_end,
        cast(integrated.period_seconds as bigint) as period_seconds,
        integrated.segment_start,
        integrated.measured_until_at,

        -- the piece
        integrated.piece_end_at,
        integrated.snapshot_at,
        cast(integrated.gauge_value as decimal(38, 9)) as gauge_value,
        integrated.unit_divisor,
        cast(integrated.piece_integral as decimal(38, 0)) as piece_integral,
        cast(coalesce(sum(integrated.piece_integral) over (
            partition by integrated.segment_id, integrated.metric_code
            order by integrated.piece_start_at
            rows between unbounded preceding and 1 preceding
        ), 0) as decimal(38, 0)) as integral_before_piece
    from integrated
)

select * from final
