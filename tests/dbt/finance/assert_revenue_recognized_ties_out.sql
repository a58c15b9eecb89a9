{{ config(meta={'dagster': {'ref': {'name': 'rpt_revenue_rollforward'}}}) }}

-- Recognized revenue ties out between layers (metrics.md, Rounding; Balances):
-- - the roll-forward's recognized amount is rpt_revenue_monthly's, per customer,
--   currency and month, and in total per currency and month;
-- - per customer, currency and obligation type, the monthly amounts add up to the
--   schedule's total rounded half-up to cents (rounding on the running total).
with monthly as (
    select
        customer_id,
        currency,
        revenue_month,
        sum(recognized_amount) as recognized_amount
    from {{ ref('rpt_revenue_monthly') }}
    group by customer_id, currency, revenue_month
),

rollforward as (
    select
        customer_id,
        currency,
        balance_month,
        recognized_amount
    from {{ ref('rpt_revenue_rollforward') }}
),

per_customer as (
    select
        coalesce(monthly.customer_id, rollforward.customer_id) as customer_id,
        coalesce(monthly.currency, rollforward.currency) as currency,
        coalesce(monthly.revenue_month, rollforward.balance_month) as revenue_month,
        coalesce(monthly.recognized_amount, 0) as expected_amount,
        coalesce(rollforward.recognized_amount, 0) as actual_amount
    from monthly
    full outer join rollforward
        on monthly.customer_id = rollforward.customer_id
        and monthly.currency = rollforward.currency
        and monthly.revenue_month = rollforward.balance_month
),

totals as (
    select
        'all customers' as customer_id,
        currency,
        revenue_month,
        sum(expected_amount) as expected_amount,
        sum(actual_amount) as actual_amount
    from per_customer
    group by currency, revenue_month
),

schedule_totals as (
    select
        customer_id,
        currency,
        obligation_type,
        {{ round_money('sum(recognized_amount)') }} as schedule_amount
    from {{ ref('fct_revenue_schedule') }}
    group by customer_id, currency, obligation_type
),

monthly_type_totals as (
    select
        customer_id,
        currency,
        obligation_type,
        sum(recognized_amount) as monthly_amount
    from {{ ref('rpt_revenue_monthly') }}
    group by customer_id, currency, obligation_type
),

type_totals as (
    select
        coalesce(schedule_totals.customer_id, monthly_type_totals.customer_id) as customer_id,
        coalesce(schedule_totals.currency, monthly_type_totals.currency) as currency,
        cast(null as date) as revenue_month,
        coalesce(schedule_totals.schedule_amount, 0) as expected_amount,
        coalesce(monthly_type_totals.monthly_amount, 0) as actual_amount
    from schedule_totals
    full outer join monthly_type_totals
        on schedule_totals.customer_id = monthly_type_totals.customer_id
        and schedule_totals.currency = monthly_type_totals.currency
        and schedule_totals.obligation_type = monthly_type_totals.obligation_type
)

select per_customer.*
from per_customer
where per_customer.expected_amount <> per_customer.actual_amount
union all
select totals.*
from totals
where totals.expected_amount <> totals.actual_amount
union all
select type_totals.*
from type_totals
where type_totals.expected_amount <> type_totals.actual_amount
