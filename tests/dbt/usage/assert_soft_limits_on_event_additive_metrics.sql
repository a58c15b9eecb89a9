{#- Soft limits (grace, then overage) are computed event by event, so they are
    defined for count and sum metrics only (billing-rules.md: usage "goes above the
    limit at time c"). A seed putting a soft limit on another aggregation would be
    billed without its grace split: fail the build instead. Hard limits work on
    every aggregation. -#}
{{ config(meta={'dagster': {'ref': {'name': 'plan_limits'}}}) }}

with plan_limits as (
    select * from {{ ref('plan_limits') }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
)

select
    plan_limits.plan_id,
    plan_limits.metric_code,
    plan_limits.limit_type,
    metric_catalog.aggregation
from plan_limits
left join metric_catalog
    on plan_limits.metric_code = metric_catalog.metric_code
where plan_limits.limit_type = 'soft'
    and (metric_catalog.aggregation is null or metric_catalog.aggregation not in ('count', 'sum'))
