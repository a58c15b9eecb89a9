{#- One row per billing period, limited metric and funnel threshold reached (metrics.md,
    The upgrade funnel and CRM alerts), as computed from the data of this run: the
    first time in the period that usage to date reached the threshold share of the
    limit (int_segment_limits). fct_usage_threshold_crossings records them once.
    - count / sum metrics: crossed_at is the time of the first accepted event at or
      before the as-of time after which usage to date (counted from the segment
      start, events at equal times together, truncated at 9 decimals like billed
      quantities) is at least threshold % x limit. The day is found on daily running
      totals, then the instant among that day's events.
    - time-weighted metrics: usage to date is the gauge's integral from the segment
      start to t / the period's length; crossed_at is the first whole UTC second at or
      after the instant the exact integral reaches the threshold.
    - A threshold is crossed at most once per period and metric: after a plan change
      only thresholds not yet reached in an earlier segment can be crossed. -#}

with limits as (
    select * from {{ ref('int_segment_limits') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

usage_days as (
    select * from {{ ref('int_segment_usage_daily') }}
),

segment_events as (
    select * from {{ ref('int_segment_usage_events') }}
),

gauge_pieces as (
    select * from {{ ref('int_segment_gauge_pieces') }}
),

-- count and sum metrics: running totals per day, then the day's events
additive_days as (
    select
        usage_days.segment_id,
        usage_days.metric_code,
        usage_days.usage_date,
        limits.limit_quantity,
        limits.unit_divisor,
        usage_days.raw_value_total,
        sum(usage_days.raw_value_total) over (
            partition by usage_days.segment_id, usage_days.metric_code
            order by usage_days.usage_date
            rows between unbounded preceding and current row
        ) as raw_value_through_day
    from usage_days
    inner join limits
        on usage_days.segment_id = limits.segment_id
        and usage_days.metric_code = limits.metric_code
    where limits.aggregation in ('count', 'sum')
),

additive_crossing_days as (
    select
        additive_days.segment_id,
        additive_days.metric_code,
        stages.threshold_pct,
        min(additive_days.usage_date) as crossing_date
    from additive_days
    cross join stages
    where {{ usage_floor_divide('additive_days.raw_value_through_day', 'additive_days.unit_divisor') }} * 100
        >= additive_days.limit_quantity * stages.threshold_pct
    group by additive_days.segment_id, additive_days.metric_code, stages.threshold_pct
),

crossing_day_contexts as (
    select
        additive_crossing_days.segment_id,
        additive_crossing_days.metric_code,
        additive_crossing_days.threshold_pct,
        additive_crossing_days.crossing_date,
        additive_days.limit_quantity,
        additive_days.unit_divisor,
        additive_days.raw_value_through_day - additive_days.raw_value_total as raw_value_before_day
    from additive_crossing_days
    inner join additive_days
        on additive_crossing_days.segment_id = additive_days.segment_id
        and additive_crossing_days.metric_code = additive_days.metric_code
        and additive_crossing_days.crossing_date = additive_days.usage_date
),

crossing_dates as (
    select distinct
        crossing_day_contexts.segment_id,
        crossing_day_contexts.metric_code,
        crossing_day_contexts.crossing_date,
        crossing_day_contexts.raw_value_before_day
    from crossing_day_contexts
),

-- events at equal times count together
crossing_day_instants as (
    select
        crossing_dates.segment_id,
        crossing_dates.metric_code,
        crossing_dates.crossing_date,
        crossing_dates.raw_value_before_day,
        segment_events.event_at,
        sum(segment_events.raw_value) as raw_value_at_instant
    from crossing_dates
    inner join segment_events
        on crossing_dates.segment_id = segment_events.segment_id
        and crossing_dates.metric_code = segment_events.metric_code
        and crossing_dates.crossing_date = segment_events.usage_date
    group by
        crossing_dates.segment_id,
        crossing_dates.metric_code,
        crossing_dates.crossing_date,
        crossing_dates.raw_value_before_day,
        segment_events.event_at
),

crossing_day_running as (
    select
        crossing_day_instants.*,
        crossing_day_instants.raw_value_before_day + sum(crossing_day_instants.raw_value_at_instant) over (
            partition by
                crossing_day_instants.segment_id,
                crossing_day_instants.metric_code,
                crossing_day_instants.crossing_date
            order by crossing_day_instants.event_at
            rows between unbounded preceding and current row
        ) as raw_value_through_instant
    from crossing_day_instants
),

additive_crossing_candidates as (
    select
        crossing_day_contexts.segment_id,
        crossing_day_contexts.metric_code,
        crossing_day_contexts.threshold_pct,
        crossing_day_running.event_at as crossed_at,
        {{ usage_floor_divide('crossing_day_running.raw_value_through_instant', 'crossing_day_contexts.unit_divisor') }}
            as usage_to_date_quantity,
        row_number() over (
            partition by crossing_day_contexts.segment_id, crossing_day_contexts.metric_code, crossing_day_contexts.threshold_pct
            order by crossing_day_running.event_at
        ) as instant_rank
    from crossing_day_contexts
    inner join crossing_day_running
        on crossing_day_contexts.segment_id = crossing_day_running.segment_id
        and crossing_day_contexts.metric_code = crossing_day_running.metric_code
        and crossing_day_contexts.crossing_date = crossing_day_running.crossing_date
    where {{ usage_floor_divide('crossing_day_running.raw_value_through_instant', 'crossing_day_contexts.unit_divisor') }} * 100
        >= crossing_day_contexts.limit_quantity * crossing_day_contexts.threshold_pct
),

additive_crossings as (
    select
        additive_crossing_candidates.segment_id,
        additive_crossing_candidates.metric_code,
        additive_crossing_candidates.threshold_pct,
        additive_crossing_candidates.crossed_at,
        additive_crossing_candidates.usage_to_date_quantity
    from additive_crossing_candidates
    where additive_crossing_candidates.instant_rank = 1
),

-- time-weighted metrics: the integral (nano-value-microseconds) that reaches the threshold:
-- quantity = integral / (1e15 x unit_divisor x period_seconds) >= pct / 100 x limit
-- <=> integral >= pct x limit_nano x divisor_nano x period_seconds / 1e5
gauge_targets as (
    select
        limits.segment_id,
        limits.metric_code,
        stages.threshold_pct,
        limits.period_seconds,
        limits.unit_divisor,
        {{ growth_gauge_target_integral(
            'stages.threshold_pct', 'limits.limit_quantity', 'limits.unit_divisor', 'limits.period_seconds'
        ) }} as target_integral
    from limits
    cross join stages
    where limits.aggregation = 'time_weighted_avg'
),

gauge_crossing_pieces as (
    select
        gauge_targets.*,
        gauge_pieces.piece_start_at,
        gauge_pieces.gauge_value,
        gauge_pieces.integral_before_piece,
        row_number() over (
            partition by gauge_targets.segment_id, gauge_targets.metric_code, gauge_targets.threshold_pct
            order by gauge_pieces.piece_start_at
        ) as piece_rank
    from gauge_targets
    inner join gauge_pieces
        on gauge_targets.segment_id = gauge_pieces.segment_id
        and gauge_targets.metric_code = gauge_pieces.metric_code
    where gauge_pieces.integral_before_piece + gauge_pieces.piece_integral >= gauge_targets.target_integral
),

gauge_crossing_instants as (
    select
        gauge_crossing_pieces.segment_id,
        gauge_crossing_pieces.metric_code,
        gauge_crossing_pieces.threshold_pct,
        -- the first microsecond at which the integral reaches the target
        {{ growth_add_microseconds(
            'gauge_crossing_pieces.piece_start_at',
            growth_gauge_microseconds_to_reach(
                'gauge_crossing_pieces.target_integral',
                'gauge_crossing_pieces.integral_before_piece',
                'gauge_crossing_pieces.gauge_value'
            )
        ) }} as reached_at
    from gauge_crossing_pieces
    where gauge_crossing_pieces.piece_rank = 1
),

gauge_crossing_seconds as (
    select
        gauge_crossing_instants.segment_id,
        gauge_crossing_instants.metric_code,
        gauge_crossing_instants.threshold_pct,
        -- the first whole UTC second at or after it
        case
            when {{ dbt.date_trunc('second', 'gauge_crossing_instants.reached_at') }} = gauge_crossing_instants.reached_at
                then gauge_crossing_instants.reached_at
            else {{ dbt.dateadd('second', 1, dbt.date_trunc('second', 'gauge_crossing_instants.reached_at')) }}
        end as crossed_at
    from gauge_crossing_instants
),

gauge_probes as (
    select
        gauge_crossing_seconds.segment_id,
        gauge_crossing_seconds.crossed_at as probe_at
    from gauge_crossing_seconds
),

gauge_usage as (
    {{ growth_usage_at_instants('gauge_probes', aggregations=['time_weighted_avg']) }}
),

gauge_crossings as (
    select
        gauge_crossing_seconds.segment_id,
        gauge_crossing_seconds.metric_code,
        gauge_crossing_seconds.threshold_pct,
        gauge_crossing_seconds.crossed_at,
        gauge_usage.usage_to_date_quantity
    from gauge_crossing_seconds
    inner join gauge_usage
        on gauge_crossing_seconds.segment_id = gauge_usage.segment_id
        and gauge_crossing_seconds.crossed_at = gauge_usage.probe_at
        and gauge_crossing_seconds.metric_code = gauge_usage.metric_code
    where gauge_crossing_seconds.crossed_at <= {{ as_of() }}
),

segment_crossings as (
    select * from additive_crossings
    union all
    select * from gauge_crossings
),

-- at most once per period and metric: the first segment's crossing
period_ranked as (
    select
        limits.*,
        segment_crossings.threshold_pct,
        segment_crossings.crossed_at,
        segment_crossings.usage_to_date_quantity,
        row_number() over (
            partition by limits.billing_period_id, limits.metric_code, segment_crossings.threshold_pct
            order by segment_crossings.crossed_at, limits.segment_index
        ) as period_rank
    from segment_crossings
    inner join limits
        on segment_crossings.segment_id = limits.segment_id
        and segment_crossings.metric_code = limits.metric_code
),

{%- set crossing_key -%}
    period_ranked.customer_id
    || '|' || period_ranked.metric_code
    || '|' || {{ growth_iso_utc('period_ranked.period_start') }}
    || '|' || cast(period_ranked.threshold_pct as {{ dbt.type_string() }})
{%- endset %}

final as (
    select
        -- keys
        md5({{ crossing_key }}) as crossing_id,
        period_ranked.billing_period_id,
        period_ranked.metric_code,
        cast(period_ranked.threshold_pct as integer) as threshold_pct,

        -- who and which period
        period_ranked.customer_id,
        period_ranked.subscription_id,
        period_ranked.period_start,
        period_ranked.period_end,
        period_ranked.period_seconds,
        period_ranked.segment_id,
        period_ranked.segment_index,
        period_ranked.counted_from_at,
        period_ranked.billed_plan_id,
        period_ranked.currency,

        -- the limit
        period_ranked.aggregation,
        period_ranked.limit_source,
        period_ranked.full_limit_quantity,
        period_ranked.limit_quantity,

        -- the crossing
        period_ranked.crossed_at,
        cast(period_ranked.usage_to_date_quantity as decimal(38, 9)) as usage_to_date_quantity
    from period_ranked
    where period_ranked.period_rank = 1
)

select * from final
