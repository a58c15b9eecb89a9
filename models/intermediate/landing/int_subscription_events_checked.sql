{#- One row per subscription-event record read from subscription_events/, with its
    final status: accepted, exact_duplicate (same event_id, same content) or
    quarantined with a reason (record problems, duplicate_conflict, unknown_customer,
    unknown_plan). Recomputed every run, so a record quarantined as unknown_customer
    is released as soon as its customer is known. -#}

{%- set joins %}
    left join {{ ref('int_customers') }} as customers
        on well_formed.customer_id = customers.customer_id
    left join {{ ref('plans') }} as plans
        on well_formed.plan_id = plans.plan_id
{%- endset %}

{{ checked_landing_records(
    ref('stg_landing__subscription_events'),
    ['event_id'],
    "'event_id ' || all_records.event_id",
    joins,
    [
        {'reason': 'unknown_customer', 'condition': 'customers.customer_id is null', 'detail': "'customer_id = ' || well_formed.customer_id"},
        {'reason': 'unknown_plan', 'condition': 'well_formed.plan_id is not null and plans.plan_id is null', 'detail': "'plan_id = ' || well_formed.plan_id"},
    ]
) }}
