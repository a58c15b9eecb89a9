{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ delete_unfinalized(this, 'status') }}",
    )
}}

{#- One row per invoice: the append-only invoice ledger's headers. A finalized invoice
    is written once and never changes (`full_refresh: false`); draft and held invoices
    are recomputed every run. The total is the sum of the invoice's rounded lines. -#}

with invoices as (
    select * from {{ ref('int_invoices_issued') }}
),

lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

totals as (
    select
        invoice_id,
        sum(amount) as total_amount,
        count(*) as line_count
    from lines
    group by invoice_id
),

final as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        invoices.period_start,
        invoices.period_end,
        invoices.invoice_date,
        invoices.computed_status as status,
        invoices.currency,
        cast(coalesce(totals.total_amount, 0) as decimal(18, 2)) as total_amount,
        coalesce(totals.line_count, 0) as line_count,
        invoices.boundary_at,
        invoices.finalizes_at,
        invoices.usage_billing_period_id,
        invoices.billing_timezone,
        {{ as_of() }} as recorded_at
    from invoices
    left join totals
        on invoices.invoice_id = totals.invoice_id
    {% if is_incremental() %}
    where invoices.invoice_id not in (select invoice_id from {{ this }})
    {% endif %}
)

select * from final
