{#- The bands partition the quantity: per rated segment and metric, the band
    quantities add up to the quantity after the included allowance (no gap, no
    overlap between bands). Returns the items that do not add up. -#}

with usage_rated as (
    select * from {{ ref('int_usage_rated') }}
),

per_item as (
    select
        usage_rated.rating_segment_id,
        usage_rated.metric_code,
        max(usage_rated.quantity_after_included) as quantity_after_included,
        sum(usage_rated.band_quantity) as band_quantity_total
    from usage_rated
    group by usage_rated.rating_segment_id, usage_rated.metric_code
),

final as (
    select
        per_item.rating_segment_id,
        per_item.metric_code,
        per_item.quantity_after_included,
        per_item.band_quantity_total
    from per_item
    where per_item.band_quantity_total <> per_item.quantity_after_included
)

select * from final
