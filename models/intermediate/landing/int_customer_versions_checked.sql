{#- One row per customer-version record read from customers/, with its final status:
    accepted, exact_duplicate (same customer_id and updated_at, same content) or
    quarantined with a reason (record problems, duplicate_conflict,
    unsupported_currency, invalid_timezone). -#}

{%- set joins %}
    left join {{ ref('currencies') }} as currencies
        on well_formed.currency = currencies.currency
    left join {{ time_zone_names() }} as time_zones
        on well_formed.billing_timezone = time_zones.time_zone_name
{%- endset %}

{{ checked_landing_records(
    ref('stg_landing__customers'),
    ['customer_id', 'updated_at'],
    "'customer ' || all_records.customer_id || ' version ' || cast(all_records.updated_at as " ~ dbt.type_string() ~ ")",
    joins,
    [
        {'reason': 'unsupported_currency', 'condition': 'currencies.currency is null', 'detail': "'currency = ' || well_formed.currency"},
        {'reason': 'invalid_timezone', 'condition': 'time_zones.time_zone_name is null', 'detail': "'billing_timezone = ' || well_formed.billing_timezone"},
    ]
) }}
