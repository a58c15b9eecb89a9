{#- PLACEHOLDER (typed and empty): the interface between billing periods and rating.
    One row per rating segment (one plan segment of one billing period) and metric,
    with the quantity to run through the bands. The real model replaces this one
    with exactly these columns and types (the YAML enforces them as a contract). -#}

with final as (
    select
        cast(null as varchar) as rating_segment_id,
        cast(null as varchar) as customer_id,
        cast(null as varchar) as subscription_id,
        cast(null as varchar) as currency,
        cast(null as timestamp) as period_start,
        cast(null as timestamp) as period_end,
        cast(null as timestamp) as segment_start,
        cast(null as timestamp) as segment_end,
        cast(null as decimal(38, 18)) as segment_share,
        cast(null as varchar) as plan_id,
        cast(null as timestamp) as price_effective_at,
        cast(null as varchar) as metric_code,
        cast(null as decimal(38, 9)) as rated_quantity
    where false
)

select * from final
