{#- One row per real-time counter record read from realtime_counters/, with its final
    status (accepted, exact_duplicate, quarantined) and reason. The key is customer,
    metric, window and emission time: a later emission for the same window is not a
    duplicate, it replaces the earlier one (int_realtime_counters). -#}

{%- set joins %}
    left join {{ ref('int_customers') }} as customers
        on well_formed.customer_id = customers.customer_id
    left join (select distinct metric_code from {{ ref('metric_catalog') }}) as metrics
        on well_formed.metric_code = metrics.metric_code
{%- endset %}

{{ checked_landing_records(
    ref('stg_landing__realtime_counters'),
    ['customer_id', 'metric_code', 'window_start_at', 'emitted_at'],
    "'counter ' || all_records.customer_id || '/' || all_records.metric_code || '/' || cast(all_records.window_start_at as " ~ dbt.type_string() ~ ") || ' emitted ' || cast(all_records.emitted_at as " ~ dbt.type_string() ~ ")",
    joins,
    [
        {'reason': 'unknown_customer', 'condition': 'customers.customer_id is null', 'detail': "'customer_id = ' || well_formed.customer_id"},
        {'reason': 'unknown_metric', 'condition': 'metrics.metric_code is null', 'detail': "'metric_code = ' || well_formed.metric_code"},
        {'reason': 'invalid_window', 'condition': "well_formed.window_start_at <> date_trunc('hour', well_formed.window_start_at)", 'detail': "'window_start is not an hour start: ' || cast(well_formed.window_start_at as " ~ dbt.type_string() ~ ")"},
    ]
) }}
