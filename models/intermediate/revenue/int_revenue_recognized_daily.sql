{#- One row per performance obligation and UTC service day with revenue, as computed
    from all the data known at the as-of time (metrics.md, Revenue recognition), before
    closed months are frozen (fct_revenue_schedule keeps what was first computed for a
    closed month and posts differences as catch-ups). Components are allocated by
    revenue_allocate_daily: fees and band flat fees ratably by the seconds of their
    service period in each day (a cancellation's unserved remainder on its day), usage
    by each day's share of the period's quantity (all units, allowances and grace
    included; for storage, the day's share of the integral). Daily amounts are
    unrounded (9 decimals, truncated on a running total so the days add up exactly). -#}

with components as (
    select * from {{ ref('int_revenue_obligation_components') }}
),

segment_usage_days as (
    select * from {{ ref('int_segment_usage_daily') }}
),

usage_days as (
    -- the period's quantity per day over all its segments (additive metrics only)
    select
        segment_usage_days.billing_period_id,
        segment_usage_days.metric_code,
        segment_usage_days.usage_date,
        sum(segment_usage_days.quantity) as quantity
    from segment_usage_days
    where segment_usage_days.is_additive
    group by
        segment_usage_days.billing_period_id,
        segment_usage_days.metric_code,
        segment_usage_days.usage_date
),

allocation_inputs as (
    select
        components.obligation_component_id as component_id,
        components.component_type,
        components.billing_period_id,
        components.metric_code,
        components.span_start_at,
        components.span_end_at,
        components.ended_at,
        components.amount
    from components
),

allocated as (
    {{ revenue_allocate_daily('allocation_inputs', 'usage_days') }}
),

obligations as (
    select distinct
        components.obligation_id,
        components.obligation_type,
        components.customer_id,
        components.subscription_id,
        components.currency,
        components.billing_period_id,
        components.metric_code
    from components
),

obligation_days as (
    select
        components.obligation_id,
        allocated.service_date,
        sum(allocated.amount) as recognized_amount
    from allocated
    inner join components
        on allocated.component_id = components.obligation_component_id
    group by components.obligation_id, allocated.service_date
),

final as (
    select
        md5(obligation_days.obligation_id || '|' || cast(obligation_days.service_date as {{ dbt.type_string() }}))
            as revenue_day_id,
        obligation_days.obligation_id,
        obligations.obligation_type,
        obligations.customer_id,
        obligations.subscription_id,
        obligations.currency,
        obligations.billing_period_id,
        obligations.metric_code,
        obligation_days.service_date,
        cast({{ dbt.date_trunc('month', 'obligation_days.service_date') }} as date) as revenue_month,
        cast(obligation_days.recognized_amount as decimal(38, 9)) as recognized_amount
    from obligation_days
    inner join obligations
        on obligation_days.obligation_id = obligations.obligation_id
    where obligation_days.recognized_amount <> 0
)

select * from final
