-- For every billing period invoiced so far, the usage quantity billed (usage lines plus
-- adjustment lines for late usage) equals the rated quantity of its segments known now,
-- and grace lines equal the grace quantity. The only allowed gap is late usage whose
-- adjustment waits for the subscription's next invoice (no open invoice issued yet).
{{ config(meta={'dagster': {'ref': {'name': 'fct_invoice_lines'}}}) }}

with lines as (
    select
        subscription_id,
        billing_period_id,
        metric_code,
        sum(case when line_type in ('usage', 'adjustment') then quantity else 0 end) as billed_quantity,
        sum(case when line_type = 'grace' then quantity else 0 end) as grace_quantity
    from {{ ref('fct_invoice_lines') }}
    where line_type in ('usage', 'grace', 'adjustment')
    group by subscription_id, billing_period_id, metric_code
),

segments as (
    select
        billing_period_id,
        metric_code,
        sum(rated_quantity) as rated_quantity,
        sum(grace_quantity) as grace_quantity
    from {{ ref('int_segment_usage') }}
    group by billing_period_id, metric_code
),

open_invoices as (
    select distinct subscription_id
    from {{ ref('fct_invoices') }}
    where status <> 'finalized'
)

select
    lines.billing_period_id,
    lines.metric_code,
    lines.billed_quantity,
    segments.rated_quantity,
    lines.grace_quantity,
    segments.grace_quantity as segment_grace_quantity
from lines
inner join segments
    on lines.billing_period_id = segments.billing_period_id
    and lines.metric_code = segments.metric_code
where (lines.billed_quantity <> segments.rated_quantity or lines.grace_quantity <> segments.grace_quantity)
    and lines.subscription_id in (select subscription_id from open_invoices)
