{{ config(meta={'dagster': {'ref': {'name': 'int_billing_periods'}}}) }}

{#- Billing periods of a subscription are contiguous and complete: indexes run
    0, 1, 2, ... with each period ending where the next starts; period 0 starts at
    the creation; no period starts after the as-of time or at/after the
    cancellation; and a subscription not cancelled by the as-of time has exactly one
    current period, its last; every subscription created by the as-of time has
    periods (unless cancelled at the very instant of its creation). Returns the
    offending periods and subscriptions. -#}

with periods as (
    select * from {{ ref('int_billing_periods') }}
),

events as (
    select * from {{ ref('int_subscription_events') }}
),

missing_subscriptions as (
    select
        cast(null as {{ dbt.type_string() }}) as billing_period_id,
        created.subscription_id,
        cast(null as integer) as period_index,
        'subscription created by the as-of time without periods' as problem
    from events as created
    left join periods
        on created.subscription_id = periods.subscription_id
    left join events as instant_cancels
        on created.subscription_id = instant_cancels.subscription_id
        and instant_cancels.event_type = 'canceled'
        and created.effective_at = instant_cancels.effective_at
    where created.event_type = 'created'
        and created.effective_at <= {{ as_of() }}
        and periods.subscription_id is null
        and instant_cancels.subscription_id is null
),

neighbours as (
    select
        periods.*,
        lead(periods.period_start) over (
            partition by periods.subscription_id order by periods.period_index
        ) as next_period_start,
        row_number() over (
            partition by periods.subscription_id order by periods.period_index
        ) - 1 as expected_index,
        count(*) over (partition by periods.subscription_id) as period_count,
        sum(case when periods.is_current_period then 1 else 0 end) over (
            partition by periods.subscription_id
        ) as current_count
    from periods
),

problems as (
    select
        neighbours.billing_period_id,
        neighbours.subscription_id,
        neighbours.period_index,
        case
            when neighbours.period_index <> neighbours.expected_index then 'period_index has a gap'
            when neighbours.period_start >= neighbours.period_end then 'empty period'
            when neighbours.next_period_start <> neighbours.period_end then 'not contiguous with the next period'
            when neighbours.period_index = 0 and neighbours.period_start <> neighbours.subscription_created_at
                then 'period 0 does not start at the creation'
            when neighbours.period_start > {{ as_of() }} then 'period starts after the as-of time'
            when neighbours.period_start >= neighbours.subscription_canceled_at
                then 'period starts at or after the cancellation'
            when (neighbours.subscription_canceled_at is null or neighbours.subscription_canceled_at > {{ as_of() }})
                and neighbours.current_count <> 1
                then 'live subscription without exactly one current period'
            when neighbours.is_current_period and neighbours.period_index <> neighbours.period_count - 1
                then 'current period is not the last'
        end as problem
    from neighbours
)

select * from problems
where problem is not null

union all

select * from missing_subscriptions
