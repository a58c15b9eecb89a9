-- For every billing period invoiced so far, the usage quantity billed (usage lines plus
-- adjustment lines for late usage) equals the rated quantity of its segments known now
-- less the included allowance deducted before the bands (`included_quantity`, as
-- volume-priced compute_hours has: the band lines carry only the hours beyond it), and
-- grace lines equal the grace quantity. The rating's quantity is also the staged one. The only allowed gap is late usage whose
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

rated as (
    -- one row per rated segment and metric: every band row repeats these quantities
    select
        rating_segment_id,
        metric_code,
        max(rated_quantity) as rated_quantity,
        max(quantity_after_included) as quantity_after_included
    from {{ ref('int_usage_rated') }}
    group by rating_segment_id, metric_code
),

segments as (
    select
        segment_usage.billing_period_id,
        segment_usage.metric_code,
        sum(segment_usage.rated_quantity) as staged_quantity,
        sum(coalesce(rated.rated_quantity, segment_usage.rated_quantity)) as rated_quantity,
        sum(coalesce(rated.quantity_after_included, segment_usage.rated_quantity)) as billable_quantity,
        sum(segment_usage.grace_quantity) as grace_quantity
    from {{ ref('int_segment_usage') }} as segment_usage
    left join rated
        on segment_usage.segment_id = rated.rating_segment_id
        and segment_usage.metric_code = rated.metric_code
    group by segment_usage.billing_period_id, segment_usage.metric_code
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
    segments.billable_quantity,
    segments.rated_quantity,
    segments.staged_quantity,
    lines.grace_quantity,
    segments.grace_quantity as segment_grace_quantity
from lines
inner join segments
    on lines.billing_period_id = segments.billing_period_id
    and lines.metric_code = segments.metric_code
where (
    lines.billed_quantity <> segments.billable_quantity
    or segments.rated_quantity <> segments.staged_quantity
    or lines.grace_quantity <> segments.grace_quantity
)
    and lines.subscription_id in (select subscription_id from open_invoices)
