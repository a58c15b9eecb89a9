{{ config(meta={'dagster': {'ref': {'name': 'int_rating_inputs'}}}) }}

{#- Every rated quantity of a billable metric found a rate card (the customer's
    contract card or its plan's charge in its currency) in force at its price
    instant: otherwise its usage would silently go unbilled. -#}

with rating_inputs as (
    select * from {{ ref('int_rating_inputs') }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

usage_rated as (
    select * from {{ ref('int_usage_rated') }}
),

rated_items as (
    select distinct
        usage_rated.rating_segment_id,
        usage_rated.metric_code
    from usage_rated
),

final as (
    select
        rating_inputs.rating_segment_id,
        rating_inputs.customer_id,
        rating_inputs.plan_id,
        rating_inputs.currency,
        rating_inputs.metric_code,
        rating_inputs.price_effective_at
    from rating_inputs
    inner join metric_catalog
        on rating_inputs.metric_code = metric_catalog.metric_code
    left join rated_items
        on rating_inputs.rating_segment_id = rated_items.rating_segment_id
        and rating_inputs.metric_code = rated_items.metric_code
    where metric_catalog.is_billable
        and rated_items.rating_segment_id is null
)

select * from final
