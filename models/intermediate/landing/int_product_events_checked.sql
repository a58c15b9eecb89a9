{#- One row per product-event record read from product_events/, with its final status
    (accepted, exact_duplicate, quarantined) and reason. Deduplicated by source and id
    over all history, like usage events. -#}

{%- set joins %}
    left join {{ ref('int_customers') }} as customers
        on well_formed.customer_id = customers.customer_id
{%- endset %}

{{ checked_landing_records(
    ref('stg_landing__product_events'),
    ['event_source', 'event_id'],
    "'event ' || all_records.event_source || '/' || all_records.event_id",
    joins,
    [
        {'reason': 'unknown_customer', 'condition': 'customers.customer_id is null', 'detail': "'subject = ' || well_formed.customer_id"},
    ]
) }}
