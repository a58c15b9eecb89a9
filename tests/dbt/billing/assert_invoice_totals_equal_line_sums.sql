-- Every invoice's total is the sum of its rounded lines.
{{ config(meta={'dagster': {'ref': {'name': 'fct_invoices'}}}) }}

with line_sums as (
    select
        invoice_id,
        sum(amount) as line_total
    from {{ ref('fct_invoice_lines') }}
    group by invoice_id
)

select
    invoices.invoice_id,
    invoices.total_amount,
    line_sums.line_total
from {{ ref('fct_invoices') }} as invoices
left join line_sums
    on invoices.invoice_id = line_sums.invoice_id
where invoices.total_amount <> coalesce(line_sums.line_total, 0)
