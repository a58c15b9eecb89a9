{#- One row per customer, calendar month (UTC), legacy plan and successor plan with
    revenue that grandfathering deferred (billing-rules.md, Grandfathering): what the
    legacy prices recognized in the month against what the successor's prices would
    have recognized for the same service, recognized the same way as revenue (fees
    ratably by seconds, usage by the days' usage). deferred = successor - legacy
    (positive: revenue given up for now). Usage at the successor's prices is a lower
    bound (usage above its soft limit counted as grace; see
    int_revenue_grandfathering_components). Each monthly amount is rounded half-up to
    cents. Not frozen: an analysis of prices, not booked revenue. -#}

with components as (
    select * from {{ ref('int_revenue_grandfathering_components') }}
),

segment_usage_days as (
    select * from {{ ref('int_segment_usage_daily') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

usage_days as (
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
        components.grandfathering_component_id as component_id,
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

monthly as (
    select
        components.customer_id,
        components.currency,
        components.subscribed_plan_id as legacy_plan_id,
        components.successor_plan_id,
        cast({{ dbt.date_trunc('month', 'allocated.service_date') }} as date) as revenue_month,
        {%- for measure in ['legacy', 'successor'] %}
        sum(case when components.measure = '{{ measure }}' and components.charge_type <> 'usage'
            then allocated.amount else 0 end) as {{ measure }}_base_fee_unrounded,
        sum(case when components.measure = '{{ measure }}' and components.charge_type = 'usage'
            then allocated.amount else 0 end) as {{ measure }}_usage_unrounded{% if not loop.last %},{% endif %}
        {%- endfor %}
    from allocated
    inner join components
        on allocated.component_id = components.grandfathering_component_id
    group by
        components.customer_id,
        components.currency,
        components.subscribed_plan_id,
        components.successor_plan_id,
        cast({{ dbt.date_trunc('month', 'allocated.service_date') }} as date)
),

rounded as (
    select
        monthly.customer_id,
        monthly.revenue_month,
        monthly.currency,
        monthly.legacy_plan_id,
        monthly.successor_plan_id,
        {{ round_money('monthly.legacy_base_fee_unrounded') }} as legacy_base_fee_amount,
        {{ round_money('monthly.successor_base_fee_unrounded') }} as successor_base_fee_amount,
        {{ round_money('monthly.legacy_usage_unrounded') }} as legacy_usage_amount,
        {{ round_money('monthly.successor_usage_unrounded') }} as successor_usage_amount
    from monthly
),

final as (
    select
        rounded.customer_id,
        rounded.revenue_month,
        rounded.currency,
        rounded.legacy_plan_id,
        rounded.successor_plan_id,
        rounded.legacy_base_fee_amount,
        rounded.successor_base_fee_amount,
        rounded.legacy_usage_amount,
        rounded.successor_usage_amount,
        cast(rounded.successor_base_fee_amount - rounded.legacy_base_fee_amount as decimal(18, 2))
            as deferred_base_fee_amount,
        cast(rounded.successor_usage_amount - rounded.legacy_usage_amount as decimal(18, 2))
            as deferred_usage_amount,
        cast(
            rounded.successor_base_fee_amount - rounded.legacy_base_fee_amount
            + rounded.successor_usage_amount - rounded.legacy_usage_amount
            as decimal(18, 2)
        ) as deferred_amount,
        fx_rates.rate_to_usd as fx_rate_to_usd,
        {{ round_money(
            '(rounded.successor_base_fee_amount - rounded.legacy_base_fee_amount
            + rounded.successor_usage_amount - rounded.legacy_usage_amount) * fx_rates.rate_to_usd'
        ) }} as deferred_amount_usd,
        rounded.revenue_month <= {{ revenue_last_closed_month() }} as is_month_closed
    from rounded
    left join fx_rates
        on rounded.revenue_month = fx_rates.fx_month
        and rounded.currency = fx_rates.currency
)

select * from final
