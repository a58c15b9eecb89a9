{{ config(meta={'dagster': {'ref': {'name': 'fct_customer_usage_daily'}}}) }}

-- The usage dashboard's days add up to the billed usage: per subscription and metric,
-- the sum of fct_customer_usage_daily.day_quantity equals the measured quantity of the
-- subscription's segments (int_segment_usage, up to the as-of time), and the last day of
-- every period shows the period's whole usage to date.
with days as (
    select
        subscription_id,
        metric_code,
        sum(day_quantity) as day_total
    from {{ ref('fct_customer_usage_daily') }}
    group by subscription_id, metric_code
),

segments as (
    select
        subscription_id,
        metric_code,
        sum(measured_quantity) as measured_total
    from {{ ref('int_segment_usage') }}
    where aggregation in ('count', 'sum', 'time_weighted_avg') and is_billable
    group by subscription_id, metric_code
),

period_last_days as (
    select
        billing_period_id,
        metric_code,
        period_to_date_quantity,
        row_number() over (partition by billing_period_id, metric_code order by usage_date desc) as day_rank
    from {{ ref('fct_customer_usage_daily') }}
),

period_usage as (
    select
        billing_period_id,
        metric_code,
        sum(measured_quantity) as measured_total
    from {{ ref('int_segment_usage') }}
    where aggregation in ('count', 'sum', 'time_weighted_avg') and is_billable
    group by billing_period_id, metric_code
)

select
    coalesce(days.subscription_id, segments.subscription_id) as subscription_id,
    coalesce(days.metric_code, segments.metric_code) as metric_code,
    cast(null as {{ dbt.type_string() }}) as billing_period_id,
    days.day_total as shown,
    segments.measured_total as measured
from days
full outer join segments
    on days.subscription_id = segments.subscription_id
    and days.metric_code = segments.metric_code
where coalesce(days.day_total, 0) <> coalesce(segments.measured_total, 0)

union all

select
    cast(null as {{ dbt.type_string() }}) as subscription_id,
    period_last_days.metric_code,
    period_last_days.billing_period_id,
    period_last_days.period_to_date_quantity as shown,
    period_usage.measured_total as measured
from period_last_days
inner join period_usage
    on period_last_days.billing_period_id = period_usage.billing_period_id
    and period_last_days.metric_code = period_usage.metric_code
where period_last_days.day_rank = 1
    and period_last_days.period_to_date_quantity <> period_usage.measured_total
