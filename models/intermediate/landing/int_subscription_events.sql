{#- One row per accepted subscription lifecycle event (well-formed, first of its
    event_id, known customer and plan). -#}

with checked as (
    select * from {{ ref('int_subscription_events_checked') }}
    where record_status = 'accepted'
),

final as (
    select
        event_id,
        subscription_id,
        customer_id,
        event_type,
        plan_id,
        contract_price_amount,
        effective_at,
        recorded_at,
        ingested_at
    from checked
)

select * from final
