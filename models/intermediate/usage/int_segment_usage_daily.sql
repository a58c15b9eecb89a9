{#- One row per plan segment, metric and UTC day with usage in the segment's usage
    range [segment_start, usage_segment_end), up to the as-of time: the day's
    contribution to the segment's quantity, in the metric's billing unit.
    - count, sum: the day's sum / unit_divisor;
    - time_weighted_avg: the day's share of the integral, in GB-months: the gauge's
      integral over the part of the day inside the range, in value-seconds, divided
      by unit_divisor x the whole period's seconds (billing-rules.md, Plan changes
      and proration). A gauge holds its last snapshot's value until the next one,
      across segment, period and subscription boundaries (the value in force at a
      segment start is the customer's last snapshot before it); before the
      customer's first snapshot it is 0;
    - max, latest, unique_count: the day's max, last value, distinct count: not
      additive (a segment's value is computed over the whole segment).
    Exactness: additive and time-weighted quantities are differences of a running
    total truncated at 9 decimals (floor(total through the day) - floor(total
    before it)), so the days of a segment add up exactly to the segment quantity
    and each day is within 1e-9 of its exact share. -#}

{%- set max_days_per_piece = 40 -%}  {#- a segment lies in one period: at most 31 days plus a daylight-saving hour, 33 UTC dates -#}

with segments as (
    select
        *,
        -- usage counts up to the cancellation, and up to the as-of time
        case
            when usage_segment_end < {{ as_of() }} then usage_segment_end
            else {{ as_of() }}
        end as usage_end_at
    from {{ ref('int_subscription_segments') }}
),

-- int_segment_usage_events (one row per event and metric) is read where it is used:
-- DuckDB materializes an import CTE that is read twice, a copy of every event.

metric_values as (
    select * from {{ ref('int_usage_metric_values') }}
    where event_at <= {{ as_of() }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

day_offsets as (
    select cast(generated_number - 1 as integer) as day_offset
    from ({{ dbt.generate_series(max_days_per_piece) }}) as series
),

-- event-based measures per segment, metric and day (snapshots included: counted, not summed)
event_days as (
    select
        segment_events.segment_id,
        segment_events.metric_code,
        segment_events.usage_date,
        sum(segment_events.raw_value) as raw_value_total,
        max(segment_events.raw_value) as max_raw_value,
        count(distinct segment_events.value_text) as distinct_value_count,
        min(segment_events.event_at) as first_event_at,
        max(segment_events.event_at) as last_event_at,
        count(*) as event_count
    from {{ ref('int_segment_usage_events') }} as segment_events
    group by
        segment_events.segment_id,
        segment_events.metric_code,
        segment_events.usage_date
),

-- `latest`: the day's last value; at equal times the greatest value (an order-free rule)
latest_ranked as (
    select
        segment_events.segment_id,
        segment_events.metric_code,
        segment_events.usage_date,
        segment_events.raw_value,
        row_number() over (
            partition by segment_events.segment_id, segment_events.metric_code, segment_events.usage_date
            order by segment_events.event_at desc, segment_events.raw_value desc,
                segment_events.event_source desc, segment_events.event_id desc
        ) as value_rank
    from {{ ref('int_segment_usage_events') }} as segment_events
    where segment_events.aggregation = 'latest'
),

latest_days as (
    select * from latest_ranked
    where value_rank = 1
),

-- time_weighted_avg: the customer's gauge, one value per instant (the greatest when
-- snapshots share a time), held until the customer's next snapshot
gauge_snapshots as (
    select
        metric_values.customer_id,
        metric_values.metric_code,
        metric_values.event_at,
        max(metric_values.raw_value) as gauge_value
    from metric_values
    where metric_values.aggregation = 'time_weighted_avg'
    group by
        metric_values.customer_id,
        metric_values.metric_code,
        metric_values.event_at
),

gauge_pieces as (
    select
        gauge_snapshots.*,
        lead(gauge_snapshots.event_at) over (
            partition by gauge_snapshots.customer_id, gauge_snapshots.metric_code
            order by gauge_snapshots.event_at
        ) as held_until
    from gauge_snapshots
),

-- the part of each held value inside a segment's usage range
segment_gauge_pieces as (
    select
        segments.segment_id,
        gauge_pieces.metric_code,
        gauge_pieces.gauge_value,
        case
            when gauge_pieces.event_at > segments.segment_start then gauge_pieces.event_at
            else segments.segment_start
        end as piece_start_at,
        case
            when gauge_pieces.held_until < segments.usage_end_at then gauge_pieces.held_until
            else segments.usage_end_at
        end as piece_end_at
    from segments
    inner join gauge_pieces
        on segments.customer_id = gauge_pieces.customer_id
        and gauge_pieces.event_at < segments.usage_end_at
        and (gauge_pieces.held_until is null or gauge_pieces.held_until > segments.segment_start)
),

-- ... cut at UTC midnights
gauge_piece_days as (
    select
        segment_gauge_pieces.segment_id,
        segment_gauge_pieces.metric_code,
        segment_gauge_pieces.gauge_value,
        segment_gauge_pieces.piece_start_at,
        segment_gauge_pieces.piece_end_at,
        {{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'segment_gauge_pieces.piece_start_at')) }}
            as day_start_at
    from segment_gauge_pieces
    cross join day_offsets
    where segment_gauge_pieces.piece_start_at < segment_gauge_pieces.piece_end_at
        and {{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'segment_gauge_pieces.piece_start_at')) }}
        < segment_gauge_pieces.piece_end_at
),

gauge_piece_day_spans as (
    select
        gauge_piece_days.segment_id,
        gauge_piece_days.metric_code,
        cast(gauge_piece_days.day_start_at as date) as usage_date,
        gauge_piece_days.gauge_value,
        case
            when gauge_piece_days.piece_start_at > gauge_piece_days.day_start_at then gauge_piece_days.piece_start_at
            else gauge_piece_days.day_start_at
        end as span_start_at,
        case
            when gauge_piece_days.piece_end_at < {{ dbt.dateadd('day', 1, 'gauge_piece_days.day_start_at') }}
                then gauge_piece_days.piece_end_at
            else {{ dbt.dateadd('day', 1, 'gauge_piece_days.day_start_at') }}
        end as span_end_at
    from gauge_piece_days
),

gauge_days as (
    select
        gauge_piece_day_spans.segment_id,
        gauge_piece_day_spans.metric_code,
        gauge_piece_day_spans.usage_date,
        sum(
            {{ usage_gauge_integral(
                'gauge_piece_day_spans.gauge_value',
                usage_microseconds_between('gauge_piece_day_spans.span_start_at', 'gauge_piece_day_spans.span_end_at')
            ) }}
        ) as gauge_integral
    from gauge_piece_day_spans
    group by
        gauge_piece_day_spans.segment_id,
        gauge_piece_day_spans.metric_code,
        gauge_piece_day_spans.usage_date
),

usage_days as (
    select
        coalesce(event_days.segment_id, gauge_days.segment_id) as segment_id,
        coalesce(event_days.metric_code, gauge_days.metric_code) as metric_code,
        coalesce(event_days.usage_date, gauge_days.usage_date) as usage_date,
        event_days.raw_value_total,
        event_days.max_raw_value,
        event_days.distinct_value_count,
        event_days.first_event_at,
        event_days.last_event_at,
        coalesce(event_days.event_count, 0) as event_count,
        cast(coalesce(gauge_days.gauge_integral, 0) as decimal(38, 0)) as gauge_integral
    from event_days
    full outer join gauge_days
        on event_days.segment_id = gauge_days.segment_id
        and event_days.metric_code = gauge_days.metric_code
        and event_days.usage_date = gauge_days.usage_date
),

running as (
    select
        usage_days.*,
        metric_catalog.aggregation,
        metric_catalog.unit,
        cast(metric_catalog.unit_divisor as decimal(38, 9)) as unit_divisor,
        segments.billing_period_id,
        segments.subscription_id,
        segments.customer_id,
        segments.period_start,
        segments.period_end,
        segments.period_seconds,
        segments.segment_start,
        segments.segment_end,
        latest_days.raw_value as latest_raw_value,
        -- running totals through the day, in the property's unit (count, sum) and
        -- in nano-value-microseconds (time_weighted_avg)
        sum(coalesce(usage_days.raw_value_total, 0)) over (
            partition by usage_days.segment_id, usage_days.metric_code
            order by usage_days.usage_date
            rows between unbounded preceding and current row
        ) as raw_value_through_day,
        sum(usage_days.gauge_integral) over (
            partition by usage_days.segment_id, usage_days.metric_code
            order by usage_days.usage_date
            rows between unbounded preceding and current row
        ) as gauge_integral_through_day
    from usage_days
    inner join segments
        on usage_days.segment_id = segments.segment_id
    inner join metric_catalog
        on usage_days.metric_code = metric_catalog.metric_code
    left join latest_days
        on usage_days.segment_id = latest_days.segment_id
        and usage_days.metric_code = latest_days.metric_code
        and usage_days.usage_date = latest_days.usage_date
),

measured as (
    select
        running.*,
        cast(
            case
                when running.aggregation in ('count', 'sum')
                    then {{ usage_floor_divide('running.raw_value_through_day', 'running.unit_divisor') }}
                        - {{ usage_floor_divide('running.raw_value_through_day - coalesce(running.raw_value_total, 0)', 'running.unit_divisor') }}
                when running.aggregation = 'time_weighted_avg'
                    then {{ usage_integral_to_quantity('running.gauge_integral_through_day', 'running.unit_divisor', 'running.period_seconds') }}
                        - {{ usage_integral_to_quantity('running.gauge_integral_through_day - running.gauge_integral', 'running.unit_divisor', 'running.period_seconds') }}
                when running.aggregation = 'max'
                    then {{ usage_floor_divide('running.max_raw_value', 'running.unit_divisor') }}
                when running.aggregation = 'latest'
                    then {{ usage_floor_divide('running.latest_raw_value', 'running.unit_divisor') }}
                when running.aggregation = 'unique_count' then running.distinct_value_count
            end as decimal(38, 9)
        ) as quantity
    from running
),

final as (
    select
        -- keys
        {{ dbt.hash("measured.segment_id || '|' || measured.metric_code || '|' || cast(measured.usage_date as " ~ dbt.type_string() ~ ")") }}
            as segment_usage_day_id,
        measured.segment_id,
        measured.metric_code,
        measured.usage_date,

        -- the segment
        measured.billing_period_id,
        measured.subscription_id,
        measured.customer_id,
        measured.period_start,
        measured.period_end,
        measured.segment_start,
        measured.segment_end,

        -- the metric
        measured.aggregation,
        measured.unit,
        measured.aggregation in ('count', 'sum', 'time_weighted_avg') as is_additive,

        -- quantities
        measured.quantity,
        cast(case when measured.aggregation in ('count', 'sum') then measured.raw_value_total end as decimal(38, 9))
            as raw_value_total,
        case
            when measured.aggregation = 'time_weighted_avg'
                then {{ usage_integral_to_value_seconds('measured.gauge_integral') }}
        end as gauge_value_seconds,

        -- lineage
        measured.first_event_at,
        measured.last_event_at,
        cast(measured.event_count as bigint) as event_count
    from measured
    -- a day where only a zero gauge was held has no usage
    where measured.event_count > 0 or measured.gauge_integral > 0
)

select * from final
