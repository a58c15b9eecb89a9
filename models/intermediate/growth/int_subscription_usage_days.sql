{#- One row per subscription, billable metric and UTC day from the subscription start to
    the as-of day (or the cancellation's day), zero days included (metrics.md, Usage
    transparency): the day's usage, the usage to date of the billing period that
    contains the day's start (up to the day's end, the period's end, the
    cancellation or the as-of time, whichever comes first), its share of the limit as
    in the funnel (usage counted from the last plan change against the scaled
    allowance, int_segment_limits) and the projected period-end usage (to date x
    period length / elapsed at the day's end). Quantities are the billed ones
    (int_segment_usage_daily: exact, additive, truncated at 9 decimals).
    Billable metrics with a running sum or integral (count, sum, time_weighted_avg):
    non-additive metrics (active_users) are not projected or priced. -#}

{%- set max_days_per_period = 40 -%}  {#- a period spans at most 31 days plus a daylight-saving hour: 33 UTC dates -#}

with periods as (
    select * from {{ ref('int_billing_periods') }}
),

segments as (
    select * from {{ ref('int_subscription_segments') }}
),

usage_days as (
    select * from {{ ref('int_segment_usage_daily') }}
),

limits as (
    select * from {{ ref('int_segment_limits') }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
    where cast(is_billable as boolean)
        and aggregation in ('count', 'sum', 'time_weighted_avg')
),

day_offsets as (
    select cast(generated_number - 1 as integer) as day_offset
    from ({{ dbt.generate_series(max_days_per_period) }}) as series
),

-- where each period's measured range ends: its end, the cancellation or the as-of time
period_ranges as (
    select
        periods.*,
        case
            when periods.ended_at is not null and periods.ended_at < periods.period_end
                and periods.ended_at < {{ as_of() }} then periods.ended_at
            when periods.period_end < {{ as_of() }} then periods.period_end
            else {{ as_of() }}
        end as range_end_at,
        -- the period holding the as-of time keeps the as-of day, even when it has no seconds yet
        periods.period_start <= {{ as_of() }}
            and {{ as_of() }} < periods.period_end
            and (periods.ended_at is null or {{ as_of() }} < periods.ended_at) as is_as_of_period
    from periods
    where periods.period_start <= {{ as_of() }}
),

-- the UTC dates each period's measured range touches
period_dates as (
    select
        period_ranges.billing_period_id,
        period_ranges.subscription_id,
        period_ranges.customer_id,
        period_ranges.period_start,
        period_ranges.period_end,
        period_ranges.range_end_at,
        period_ranges.is_as_of_period,
        period_ranges.subscription_created_at,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'period_ranges.period_start')) }} as date)
            as usage_date
    from period_ranges
    cross join day_offsets
    where {{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'period_ranges.period_start')) }}
        < period_ranges.range_end_at
        or (
            period_ranges.is_as_of_period
            and {{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'period_ranges.period_start')) }}
            = {{ dbt.date_trunc('day', as_of()) }}
        )
),

-- each day belongs to the period containing its start (or the subscription's start)
calendar as (
    select
        period_dates.*,
        case
            when period_dates.subscription_created_at > cast(period_dates.usage_date as timestamp)
                then period_dates.subscription_created_at
            else cast(period_dates.usage_date as timestamp)
        end as day_start_at
    from period_dates
),

calendar_days as (
    select
        calendar.*,
        case
            when {{ dbt.dateadd('day', 1, 'cast(calendar.usage_date as timestamp)') }} < calendar.range_end_at
                then {{ dbt.dateadd('day', 1, 'cast(calendar.usage_date as timestamp)') }}
            else calendar.range_end_at
        end as to_date_end_at
    from calendar
    where calendar.day_start_at >= calendar.period_start
        and calendar.day_start_at < calendar.period_end
        and (
            calendar.day_start_at < calendar.range_end_at
            or (calendar.is_as_of_period and calendar.day_start_at = calendar.range_end_at)
        )
),

-- a subscription's usage per metric and day (all its segments)
subscription_day_usage as (
    select
        usage_days.subscription_id,
        usage_days.metric_code,
        usage_days.usage_date,
        sum(usage_days.quantity) as day_quantity
    from usage_days
    group by usage_days.subscription_id, usage_days.metric_code, usage_days.usage_date
),

period_day_quantities as (
    select
        period_dates.billing_period_id,
        period_dates.usage_date,
        metric_catalog.metric_code,
        coalesce(sum(usage_days.quantity), 0) as day_quantity
    from period_dates
    cross join metric_catalog
    left join usage_days
        on period_dates.billing_period_id = usage_days.billing_period_id
        and metric_catalog.metric_code = usage_days.metric_code
        and period_dates.usage_date = usage_days.usage_date
    group by period_dates.billing_period_id, period_dates.usage_date, metric_catalog.metric_code
),

-- running usage of each period, per metric, through each of its dates
period_day_usage as (
    select
        period_day_quantities.*,
        sum(period_day_quantities.day_quantity) over (
            partition by period_day_quantities.billing_period_id, period_day_quantities.metric_code
            order by period_day_quantities.usage_date
            rows between unbounded preceding and current row
        ) as period_to_date_quantity
    from period_day_quantities
),

-- the segment in force at the end of each day's range: the period's last one started before it
day_segment_candidates as (
    select
        calendar_days.billing_period_id,
        calendar_days.usage_date,
        segments.segment_id,
        segments.segment_start,
        segments.billed_plan_id,
        segments.base_fee_amount,
        segments.currency,
        row_number() over (
            partition by calendar_days.billing_period_id, calendar_days.usage_date
            order by segments.segment_start desc
        ) as segment_rank
    from calendar_days
    inner join segments
        on calendar_days.billing_period_id = segments.billing_period_id
        and (segments.segment_start < calendar_days.to_date_end_at or segments.segment_index = 0)
),

day_segments as (
    select * from day_segment_candidates
    where segment_rank = 1
),

-- running usage of that segment, per metric, through each date (the funnel's usage to
-- date). A segment is in force on a run of consecutive dates from its start's date, and
-- all its usage up to a date in that run falls on dates of the run.
segment_day_usage as (
    select
        day_segments.segment_id,
        day_segments.usage_date,
        metric_catalog.metric_code,
        sum(coalesce(usage_days.quantity, 0)) over (
            partition by day_segments.segment_id, metric_catalog.metric_code
            order by day_segments.usage_date
            rows between unbounded preceding and current row
        ) as limit_usage_to_date_quantity
    from day_segments
    cross join metric_catalog
    left join usage_days
        on day_segments.segment_id = usage_days.segment_id
        and metric_catalog.metric_code = usage_days.metric_code
        and day_segments.usage_date = usage_days.usage_date
),

final as (
    select
        -- keys
        md5(
            calendar_days.subscription_id
            || '|' || metric_catalog.metric_code
            || '|' || cast(calendar_days.usage_date as {{ dbt.type_string() }})
        ) as customer_usage_day_id,
        calendar_days.customer_id,
        calendar_days.subscription_id,
        metric_catalog.metric_code,
        calendar_days.usage_date,

        -- the metric
        metric_catalog.aggregation,
        metric_catalog.unit,

        -- the period and the plan in force
        calendar_days.billing_period_id,
        calendar_days.period_start,
        calendar_days.period_end,
        calendar_days.to_date_end_at,
        day_segments.segment_id,
        day_segments.segment_start as limit_counted_from_at,
        day_segments.billed_plan_id as plan_id,
        day_segments.base_fee_amount,
        day_segments.currency,

        -- usage
        cast(coalesce(subscription_day_usage.day_quantity, 0) as decimal(38, 9)) as day_quantity,
        cast(period_day_usage.period_to_date_quantity as decimal(38, 9)) as period_to_date_quantity,
        {{ usage_microseconds_between('calendar_days.period_start', 'calendar_days.to_date_end_at') }}
            as elapsed_microseconds,
        {{ usage_microseconds_between('calendar_days.period_start', 'calendar_days.period_end') }}
            as period_microseconds,

        -- the limit, as in the funnel
        limits.limit_source,
        limits.limit_quantity,
        cast(segment_day_usage.limit_usage_to_date_quantity as decimal(38, 9)) as limit_usage_to_date_quantity
    from calendar_days
    cross join metric_catalog
    inner join period_day_usage
        on calendar_days.billing_period_id = period_day_usage.billing_period_id
        and calendar_days.usage_date = period_day_usage.usage_date
        and metric_catalog.metric_code = period_day_usage.metric_code
    inner join day_segments
        on calendar_days.billing_period_id = day_segments.billing_period_id
        and calendar_days.usage_date = day_segments.usage_date
    left join segment_day_usage
        on day_segments.segment_id = segment_day_usage.segment_id
        and calendar_days.usage_date = segment_day_usage.usage_date
        and metric_catalog.metric_code = segment_day_usage.metric_code
    left join subscription_day_usage
        on calendar_days.subscription_id = subscription_day_usage.subscription_id
        and metric_catalog.metric_code = subscription_day_usage.metric_code
        and calendar_days.usage_date = subscription_day_usage.usage_date
    left join limits
        on day_segments.segment_id = limits.segment_id
        and metric_catalog.metric_code = limits.metric_code
)

select * from final
