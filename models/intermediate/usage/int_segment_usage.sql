{#- One row per plan segment and catalog metric (zero usage included: a first band's
    flat fee is charged every period): the quantity measured over the segment's
    usage range up to the as-of time, the plan's limit scaled by the segment's share,
    and the split of the usage above it (billing-rules.md, Soft limits and the grace
    period; Plan changes and proration).

    Soft limits (count and sum metrics): a segment crosses at the first event after
    which its usage to date is above its scaled limit (events at equal times count
    together). The first crossing of a period opens the grace window [c, c + grace
    days) if the previous period of the subscription was wholly under (no segment
    above its soft limit; no soft limit counts as under) or there is none. Periods
    last at least 28 days and windows 14, so the only window that can reach a period
    is its own or the previous period's: no recursion is needed. Usage above a
    segment's limit inside the window is grace (free); after it, overage. The part of
    one event above the limit is the part beyond the limit in cumulative order, so
    above-limit usage in [a, b) = max(0, U(b) - max(limit, U(a))), where U(t) is the
    segment's usage before t.
    Hard limits: usage beyond the limit is not billed, only reported.
    rated_quantity = measured - grace - hard-limit excess. -#}

with segments as (
    select
        *,
        case
            when usage_segment_end < {{ as_of() }} then usage_segment_end
            else {{ as_of() }}
        end as measured_until_at
    from {{ ref('int_subscription_segments') }}
),

usage_days as (
    select * from {{ ref('int_segment_usage_daily') }}
),

-- int_segment_usage_events (one row per event and metric, 30M rows at 10M events) is
-- read where it is used, not through an import CTE: DuckDB materializes a CTE that is
-- read several times, a copy of every event that took half this model's time.

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

plan_limits as (
    select * from {{ ref('plan_limits') }}
),

billing_settings as (
    select * from {{ ref('billing_settings') }}
),

grace_setting as (
    select cast(max(billing_settings.setting_value) as integer) as grace_days
    from billing_settings
    where billing_settings.setting_name = 'soft_limit_grace_days'
),

segment_metrics as (
    select
        segments.segment_id,
        segments.billing_period_id,
        segments.subscription_id,
        segments.customer_id,
        segments.period_index,
        segments.period_start,
        segments.period_end,
        segments.segment_index,
        segments.segment_start,
        segments.segment_end,
        segments.usage_segment_end,
        segments.measured_until_at,
        segments.segment_share,
        segments.billed_plan_id,
        segments.currency,
        metric_catalog.metric_code,
        metric_catalog.aggregation,
        metric_catalog.unit,
        cast(metric_catalog.unit_divisor as decimal(38, 9)) as unit_divisor,
        cast(metric_catalog.is_billable as boolean) as is_billable,
        coalesce(plan_limits.limit_type, 'none') as limit_type,
        case
            when plan_limits.limit_type in ('soft', 'hard')
                then {{ scale_by_share('plan_limits.limit_quantity', 'segments.segment_share') }}
        end as limit_quantity
    from segments
    cross join metric_catalog
    left join plan_limits
        on segments.billed_plan_id = plan_limits.plan_id
        and metric_catalog.metric_code = plan_limits.metric_code
),

daily_totals as (
    select
        usage_days.segment_id,
        usage_days.metric_code,
        sum(usage_days.quantity) as additive_quantity,
        max(usage_days.quantity) as max_quantity,
        sum(usage_days.event_count) as event_count,
        min(usage_days.first_event_at) as first_event_at,
        max(usage_days.last_event_at) as last_event_at
    from usage_days
    group by usage_days.segment_id, usage_days.metric_code
),

-- non-additive metrics over the whole segment, never from daily partials
latest_ranked as (
    select
        segment_events.segment_id,
        segment_events.metric_code,
        segment_events.unit_divisor,
        segment_events.raw_value,
        row_number() over (
            partition by segment_events.segment_id, segment_events.metric_code
            order by segment_events.event_at desc, segment_events.raw_value desc,
                segment_events.event_source desc, segment_events.event_id desc
        ) as value_rank
    from {{ ref('int_segment_usage_events') }} as segment_events
    where segment_events.aggregation = 'latest'
),

latest_values as (
    select * from latest_ranked
    where value_rank = 1
),

distinct_values as (
    select
        segment_events.segment_id,
        segment_events.metric_code,
        count(distinct segment_events.value_text) as distinct_value_count
    from {{ ref('int_segment_usage_events') }} as segment_events
    where segment_events.aggregation = 'unique_count'
    group by segment_events.segment_id, segment_events.metric_code
),

measured as (
    select
        segment_metrics.*,
        cast(
            case
                when segment_metrics.aggregation in ('count', 'sum', 'time_weighted_avg')
                    then coalesce(daily_totals.additive_quantity, 0)
                when segment_metrics.aggregation = 'max' then coalesce(daily_totals.max_quantity, 0)
                when segment_metrics.aggregation = 'latest'
                    then coalesce({{ usage_floor_divide('latest_values.raw_value', 'latest_values.unit_divisor') }}, 0)
                when segment_metrics.aggregation = 'unique_count' then coalesce(distinct_values.distinct_value_count, 0)
            end as decimal(38, 9)
        ) as measured_quantity,
        cast(coalesce(daily_totals.event_count, 0) as bigint) as event_count,
        daily_totals.first_event_at,
        daily_totals.last_event_at
    from segment_metrics
    left join daily_totals
        on segment_metrics.segment_id = daily_totals.segment_id
        and segment_metrics.metric_code = daily_totals.metric_code
    left join latest_values
        on segment_metrics.segment_id = latest_values.segment_id
        and segment_metrics.metric_code = latest_values.metric_code
    left join distinct_values
        on segment_metrics.segment_id = distinct_values.segment_id
        and segment_metrics.metric_code = distinct_values.metric_code
),

limited as (
    select
        measured.*,
        coalesce(
            measured.limit_type in ('soft', 'hard') and measured.measured_quantity > measured.limit_quantity,
            false
        ) as is_above_limit,
        -- the metrics whose usage to date grows event by event (limits are crossed at an event)
        measured.aggregation in ('count', 'sum') as is_event_additive
    from measured
),

-- The crossing: the first day whose running total is above the limit, then the first
-- instant of that day whose running total is. Only segments above a limit.
limited_days as (
    select
        usage_days.segment_id,
        usage_days.metric_code,
        usage_days.usage_date,
        limited.limit_quantity,
        limited.unit_divisor,
        sum(usage_days.quantity) over (
            partition by usage_days.segment_id, usage_days.metric_code
            order by usage_days.usage_date
            rows between unbounded preceding and current row
        ) as quantity_through_day,
        coalesce(sum(usage_days.raw_value_total) over (
            partition by usage_days.segment_id, usage_days.metric_code
            order by usage_days.usage_date
            rows between unbounded preceding and 1 preceding
        ), 0) as raw_value_before_day
    from usage_days
    inner join limited
        on usage_days.segment_id = limited.segment_id
        and usage_days.metric_code = limited.metric_code
    where limited.is_above_limit
        and limited.is_event_additive
),

crossing_days as (
    select
        limited_days.*,
        row_number() over (
            partition by limited_days.segment_id, limited_days.metric_code
            order by limited_days.usage_date
        ) as crossing_day_rank
    from limited_days
    where limited_days.quantity_through_day > limited_days.limit_quantity
),

crossing_instants as (
    select
        crossing_days.segment_id,
        crossing_days.metric_code,
        crossing_days.limit_quantity,
        crossing_days.unit_divisor,
        crossing_days.raw_value_before_day,
        segment_events.event_at,
        sum(segment_events.raw_value) as raw_value_at_instant
    from crossing_days
    inner join {{ ref('int_segment_usage_events') }} as segment_events
        on crossing_days.segment_id = segment_events.segment_id
        and crossing_days.metric_code = segment_events.metric_code
        and crossing_days.usage_date = segment_events.usage_date
    where crossing_days.crossing_day_rank = 1
    group by
        crossing_days.segment_id,
        crossing_days.metric_code,
        crossing_days.limit_quantity,
        crossing_days.unit_divisor,
        crossing_days.raw_value_before_day,
        segment_events.event_at
),

crossing_running as (
    select
        crossing_instants.*,
        crossing_instants.raw_value_before_day + sum(crossing_instants.raw_value_at_instant) over (
            partition by crossing_instants.segment_id, crossing_instants.metric_code
            order by crossing_instants.event_at
            rows between unbounded preceding and current row
        ) as raw_value_through_instant
    from crossing_instants
),

crossings as (
    select
        crossing_running.segment_id,
        crossing_running.metric_code,
        min(crossing_running.event_at) as crossed_at
    from crossing_running
    where {{ usage_floor_divide('crossing_running.raw_value_through_instant', 'crossing_running.unit_divisor') }}
        > crossing_running.limit_quantity
    group by crossing_running.segment_id, crossing_running.metric_code
),

crossed as (
    select
        limited.*,
        crossings.crossed_at
    from limited
    left join crossings
        on limited.segment_id = crossings.segment_id
        and limited.metric_code = crossings.metric_code
),

-- Periods of a subscription and metric: above the soft limit when any segment is.
period_states as (
    select
        crossed.subscription_id,
        crossed.metric_code,
        crossed.billing_period_id,
        crossed.period_index,
        {{ dbt.bool_or("crossed.limit_type = 'soft' and crossed.is_above_limit") }} as is_above_soft_limit,
        min(case when crossed.limit_type = 'soft' then crossed.crossed_at end) as first_soft_crossed_at
    from crossed
    group by
        crossed.subscription_id,
        crossed.metric_code,
        crossed.billing_period_id,
        crossed.period_index
),

-- A window opens at a period's first crossing only after a whole period under the limit.
period_openings as (
    select
        period_states.*,
        case
            when period_states.is_above_soft_limit
                and not coalesce(lag(period_states.is_above_soft_limit) over (
                    partition by period_states.subscription_id, period_states.metric_code
                    order by period_states.period_index
                ), false)
                then period_states.first_soft_crossed_at
        end as window_opened_at
    from period_states
),

-- The window in force in a period: its own, or the previous period's running on into it
-- (the two exclude each other: the previous one exists only if that period was above).
period_windows as (
    select
        period_openings.*,
        lag(period_openings.window_opened_at) over (
            partition by period_openings.subscription_id, period_openings.metric_code
            order by period_openings.period_index
        ) as previous_window_opened_at
    from period_openings
),

windowed as (
    select
        crossed.*,
        coalesce(period_windows.window_opened_at, period_windows.previous_window_opened_at) as window_start_at,
        {{ dbt.dateadd(
            'day',
            'grace_setting.grace_days',
            'coalesce(period_windows.window_opened_at, period_windows.previous_window_opened_at)'
        ) }} as window_end_at,
        period_windows.window_opened_at is null
            and period_windows.previous_window_opened_at is not null as is_window_carried_over
    from crossed
    inner join period_windows
        on crossed.billing_period_id = period_windows.billing_period_id
        and crossed.metric_code = period_windows.metric_code
    cross join grace_setting
),

-- the window's overlap [a, b) with the segment's measured usage range
grace_ranges as (
    select
        windowed.*,
        case
            when windowed.window_start_at > windowed.segment_start then windowed.window_start_at
            else windowed.segment_start
        end as grace_from_at,
        case
            when windowed.window_end_at < windowed.measured_until_at then windowed.window_end_at
            else windowed.measured_until_at
        end as grace_until_at
    from windowed
),

grace_candidates as (
    select grace_ranges.*
    from grace_ranges
    where grace_ranges.limit_type = 'soft'
        and grace_ranges.window_start_at is not null
        and grace_ranges.is_above_limit
        and grace_ranges.is_event_additive
        and grace_ranges.grace_from_at < grace_ranges.grace_until_at
),

-- U(t) is needed only at bounds strictly inside the range (at the start it is 0, at the
-- end the measured quantity): the running total before t's day plus t's day before t.
probes as (
    select segment_id, metric_code, unit_divisor, grace_from_at as probe_at
    from grace_candidates
    where grace_from_at > segment_start
    union all
    select segment_id, metric_code, unit_divisor, grace_until_at as probe_at
    from grace_candidates
    where grace_until_at < measured_until_at
),

probe_days_before as (
    select
        probes.segment_id,
        probes.metric_code,
        probes.probe_at,
        sum(usage_days.raw_value_total) as raw_value_before_day
    from probes
    inner join usage_days
        on probes.segment_id = usage_days.segment_id
        and probes.metric_code = usage_days.metric_code
        and usage_days.usage_date < cast(probes.probe_at as date)
    group by probes.segment_id, probes.metric_code, probes.probe_at
),

-- A scalar subquery per probe, not a join: DuckDB's estimate of the probes (a few per
-- segment) is off by orders of magnitude, so a join built its hash table on the events
-- (every event of the history: 5.5 of this model's 8 CPU seconds at 10M events); the
-- subquery is planned from the probes' distinct keys.
probe_day_events as (
    select
        probe_points.segment_id,
        probe_points.metric_code,
        probe_points.probe_at,
        (
            select sum(segment_events.raw_value)
            from {{ ref('int_segment_usage_events') }} as segment_events
            where segment_events.segment_id = probe_points.segment_id
                and segment_events.metric_code = probe_points.metric_code
                and segment_events.usage_date = cast(probe_points.probe_at as date)
                and segment_events.event_at < probe_points.probe_at
        ) as raw_value_on_day
    from (
        select distinct probes.segment_id, probes.metric_code, probes.probe_at
        from probes
    ) as probe_points
),

probe_usage as (
    select
        probes.segment_id,
        probes.metric_code,
        probes.probe_at,
        {{ usage_floor_divide(
            'coalesce(probe_days_before.raw_value_before_day, 0) + coalesce(probe_day_events.raw_value_on_day, 0)',
            'probes.unit_divisor'
        ) }} as usage_before_probe
    from probes
    left join probe_days_before
        on probes.segment_id = probe_days_before.segment_id
        and probes.metric_code = probe_days_before.metric_code
        and probes.probe_at = probe_days_before.probe_at
    left join probe_day_events
        on probes.segment_id = probe_day_events.segment_id
        and probes.metric_code = probe_day_events.metric_code
        and probes.probe_at = probe_day_events.probe_at
),

grace_bounds as (
    select
        grace_candidates.segment_id,
        grace_candidates.metric_code,
        case
            when grace_candidates.grace_from_at = grace_candidates.segment_start then cast(0 as decimal(38, 9))
            else usage_at_from.usage_before_probe
        end as usage_before_grace_from,
        case
            when grace_candidates.grace_until_at = grace_candidates.measured_until_at then grace_candidates.measured_quantity
            else usage_at_until.usage_before_probe
        end as usage_before_grace_until
    from grace_candidates
    left join probe_usage as usage_at_from
        on grace_candidates.segment_id = usage_at_from.segment_id
        and grace_candidates.metric_code = usage_at_from.metric_code
        and grace_candidates.grace_from_at = usage_at_from.probe_at
    left join probe_usage as usage_at_until
        on grace_candidates.segment_id = usage_at_until.segment_id
        and grace_candidates.metric_code = usage_at_until.metric_code
        and grace_candidates.grace_until_at = usage_at_until.probe_at
),

split as (
    select
        grace_ranges.*,
        cast(
            case
                when grace_ranges.is_above_limit
                    then grace_ranges.measured_quantity - grace_ranges.limit_quantity
                else 0
            end as decimal(38, 9)
        ) as above_limit_quantity,
        cast(
            case
                when grace_bounds.usage_before_grace_until > grace_ranges.limit_quantity
                    and grace_bounds.usage_before_grace_until > grace_bounds.usage_before_grace_from
                    then grace_bounds.usage_before_grace_until
                        - case
                            when grace_bounds.usage_before_grace_from > grace_ranges.limit_quantity
                                then grace_bounds.usage_before_grace_from
                            else grace_ranges.limit_quantity
                        end
                else 0
            end as decimal(38, 9)
        ) as grace_quantity
    from grace_ranges
    left join grace_bounds
        on grace_ranges.segment_id = grace_bounds.segment_id
        and grace_ranges.metric_code = grace_bounds.metric_code
),

final as (
    select
        -- keys
        {{ dbt.hash("split.segment_id || '|' || split.metric_code") }} as segment_usage_id,
        split.segment_id,
        split.metric_code,

        -- the segment
        split.billing_period_id,
        split.subscription_id,
        split.customer_id,
        split.period_index,
        split.period_start,
        split.period_end,
        split.segment_index,
        split.segment_start,
        split.segment_end,
        split.usage_segment_end,
        split.measured_until_at,
        split.segment_share,
        split.billed_plan_id,
        split.currency,

        -- the metric
        split.aggregation,
        split.unit,
        split.is_billable,
        split.aggregation in ('count', 'sum', 'time_weighted_avg') as is_additive,

        -- measured usage
        split.measured_quantity,
        split.event_count,
        split.first_event_at,
        split.last_event_at,

        -- the limit
        split.limit_type,
        split.limit_quantity,
        split.is_above_limit,
        split.crossed_at,
        -- the grace window in force in the period, when it reaches this soft-limited segment
        case when split.limit_type = 'soft' and split.window_start_at < split.segment_end
            and split.window_end_at > split.segment_start then split.window_start_at end as grace_window_start,
        case when split.limit_type = 'soft' and split.window_start_at < split.segment_end
            and split.window_end_at > split.segment_start then split.window_end_at end as grace_window_end,
        case when split.limit_type = 'soft' and split.window_start_at < split.segment_end
            and split.window_end_at > split.segment_start then split.is_window_carried_over end
            as is_grace_window_carried_over,

        -- the split
        split.grace_quantity,
        cast(
            case when split.limit_type = 'soft' then split.above_limit_quantity - split.grace_quantity else 0 end
            as decimal(38, 9)
        ) as overage_quantity,
        cast(case when split.limit_type = 'hard' then split.above_limit_quantity else 0 end as decimal(38, 9))
            as hard_limit_excess_quantity,
        cast(
            split.measured_quantity
            - split.grace_quantity
            - case when split.limit_type = 'hard' then split.above_limit_quantity else 0 end
            as decimal(38, 9)
        ) as rated_quantity
    from split
)

select * from final
