{#- One row per subscription: when it is active, [started_at, ended_at), from its
    accepted lifecycle events. Used to check that usage has an active subscription. -#}

with events as (
    select * from {{ ref('int_subscription_events') }}
),

final as (
    select
        subscription_id,
        min(customer_id) as customer_id,
        min(case when event_type = 'created' then effective_at end) as started_at,
        min(case when event_type = 'canceled' then effective_at end) as ended_at
    from events
    group by subscription_id
)

select * from final
where started_at is not null
