{#- One row per review-decision record read from review_decisions/, with its final
    status (accepted, exact_duplicate, quarantined) and reason. -#}

{%- set joins %}
    left join {{ ref('int_customers') }} as customers
        on well_formed.customer_id = customers.customer_id
{%- endset %}

{{ checked_landing_records(
    ref('stg_landing__review_decisions'),
    ['customer_id', 'period_start_at', 'decided_at'],
    "'decision ' || all_records.customer_id || '/' || cast(all_records.period_start_at as " ~ dbt.type_string() ~ ") || ' at ' || cast(all_records.decided_at as " ~ dbt.type_string() ~ ")",
    joins,
    [
        {'reason': 'unknown_customer', 'condition': 'customers.customer_id is null', 'detail': "'customer_id = ' || well_formed.customer_id"},
    ]
) }}
