{{ config(meta={'dagster': {'ref': {'name': 'rpt_revenue_rollforward'}}}) }}

-- Billed amounts tie to finalized invoices to the cent (metrics.md, Balances): per
-- customer, currency and UTC month of the invoice's boundary instant, and in total
-- per currency and month.
with invoiced as (
    select
        customer_id,
        currency,
        cast({{ dbt.date_trunc('month', 'boundary_at') }} as date) as balance_month,
        sum(total_amount) as invoiced_amount
    from {{ ref('fct_invoices') }}
    where status = 'finalized'
    group by customer_id, currency, cast({{ dbt.date_trunc('month', 'boundary_at') }} as date)
),

billed as (
    select
        customer_id,
        currency,
        balance_month,
        billed_amount
    from {{ ref('rpt_revenue_rollforward') }}
),

per_customer as (
    select
        coalesce(invoiced.customer_id, billed.customer_id) as customer_id,
        coalesce(invoiced.currency, billed.currency) as currency,
        coalesce(invoiced.balance_month, billed.balance_month) as balance_month,
        coalesce(invoiced.invoiced_amount, 0) as invoiced_amount,
        coalesce(billed.billed_amount, 0) as billed_amount
    from invoiced
    full outer join billed
        on invoiced.customer_id = billed.customer_id
        and invoiced.currency = billed.currency
        and invoiced.balance_month = billed.balance_month
),

totals as (
    select
        'all customers' as customer_id,
        currency,
        balance_month,
        sum(invoiced_amount) as invoiced_amount,
        sum(billed_amount) as billed_amount
    from per_customer
    group by currency, balance_month
)

select per_customer.*
from per_customer
where per_customer.invoiced_amount <> per_customer.billed_amount
union all
select totals.*
from totals
where totals.invoiced_amount <> totals.billed_amount
