{#- One row per rate-card band record read from contract_rates/, with its final
    status (accepted, exact_duplicate, quarantined) and reason. A band's key is
    customer, metric, effective_from and band index. -#}

{%- set joins %}
    left join {{ ref('int_customers') }} as customers
        on well_formed.customer_id = customers.customer_id
    left join (select distinct metric_code from {{ ref('metric_catalog') }}) as metrics
        on well_formed.metric_code = metrics.metric_code
{%- endset %}

{{ checked_landing_records(
    ref('stg_landing__contract_rates'),
    ['customer_id', 'metric_code', 'effective_from', 'band_index'],
    "'rate card band ' || all_records.customer_id || '/' || all_records.metric_code || '/' || cast(all_records.effective_from as " ~ dbt.type_string() ~ ") || '/' || cast(all_records.band_index as " ~ dbt.type_string() ~ ")",
    joins,
    [
        {'reason': 'unknown_customer', 'condition': 'customers.customer_id is null', 'detail': "'customer_id = ' || well_formed.customer_id"},
        {'reason': 'unknown_metric', 'condition': 'metrics.metric_code is null', 'detail': "'metric_code = ' || well_formed.metric_code"},
    ]
) }}
