{#- One row per rating segment (one plan segment of one billing period) and billable
    metric, with the quantity to run through the bands: the segment's usage to date
    with grace-period units and hard-limit excess removed (int_segment_usage).
    Only segments whose usage range has started by the as-of time; a period still
    open is rated on its usage so far (an estimate: invoices are cut only at period
    boundaries). Prices are those in force at the period start. -#}

with segment_usage as (
    select * from {{ ref('int_segment_usage') }}
),

final as (
    select
        cast(segment_usage.segment_id as {{ dbt.type_string() }}) as rating_segment_id,
        cast(segment_usage.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(segment_usage.subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(segment_usage.currency as {{ dbt.type_string() }}) as currency,
        cast(segment_usage.period_start as timestamp) as period_start,
        cast(segment_usage.period_end as timestamp) as period_end,
        cast(segment_usage.segment_start as timestamp) as segment_start,
        cast(segment_usage.segment_end as timestamp) as segment_end,
        cast(segment_usage.segment_share as decimal(38, 18)) as segment_share,
        cast(segment_usage.billed_plan_id as {{ dbt.type_string() }}) as plan_id,
        cast(segment_usage.period_start as timestamp) as price_effective_at,
        cast(segment_usage.metric_code as {{ dbt.type_string() }}) as metric_code,
        cast(segment_usage.rated_quantity as decimal(38, 9)) as rated_quantity
    from segment_usage
    where segment_usage.is_billable
        and segment_usage.segment_start <= {{ as_of() }}
)

select * from final
