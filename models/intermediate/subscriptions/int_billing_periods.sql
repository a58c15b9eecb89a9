{#- One row per subscription billing period: monthly, anniversary-based, cut in the
    customer's billing time zone (billing-rules.md, Billing periods).
    Period n starts at anchor + n calendar months in local wall-clock time, always
    counted from the anchor (a 31st anchor gives Jan 31, Feb 28, Mar 31), then
    converted to UTC with the rule of `local_to_utc` (non-existent local times move
    forward by the daylight-saving jump, ambiguous ones take their first occurrence).
    Periods run from creation through the one containing the as-of time; none starts
    at or after a cancellation. -#}

{%- set max_periods = 1200 -%}  {#- 100 years of monthly periods per subscription -#}

with customers as (
    select * from {{ ref('int_customers') }}
),

events as (
    select * from {{ ref('int_subscription_events') }}
),

period_offsets as (
    select generated_number - 1 as period_index
    from ({{ dbt.generate_series(max_periods) }}) as series
),

creations as (
    -- The anchor is the subscription's created event; should a subscription carry
    -- several, the earliest effective one (then first recorded) anchors it.
    select
        events.subscription_id,
        events.customer_id,
        events.effective_at as created_at,
        row_number() over (
            partition by events.subscription_id
            order by events.effective_at, events.recorded_at, events.event_id
        ) as creation_rank
    from events
    where events.event_type = 'created'
),

anchors as (
    select
        creations.subscription_id,
        creations.customer_id,
        creations.created_at
    from creations
    where creations.creation_rank = 1
),

cancellations as (
    -- The first cancellation at or after creation ends the subscription; a cancel
    -- effective before the creation cannot end it and is ignored.
    select
        events.subscription_id,
        min(events.effective_at) as canceled_at
    from events
    inner join anchors
        on events.subscription_id = anchors.subscription_id
    where events.event_type = 'canceled'
        and events.effective_at >= anchors.created_at
    group by events.subscription_id
),

subscriptions as (
    select
        anchors.subscription_id,
        anchors.customer_id,
        customers.billing_timezone,
        anchors.created_at,
        cancellations.canceled_at,
        {{ utc_to_local('anchors.created_at', 'customers.billing_timezone') }} as anchor_local,
        -- The last instant periods are generated for: the as-of time, or the
        -- cancellation when it comes first.
        case
            when cancellations.canceled_at < {{ as_of() }} then cancellations.canceled_at
            else {{ as_of() }}
        end as horizon_at
    from anchors
    inner join customers
        on anchors.customer_id = customers.customer_id
    left join cancellations
        on anchors.subscription_id = cancellations.subscription_id
),

candidate_periods as (
    -- Whole calendar months between anchor and horizon bound the period count;
    -- one more is generated and the exact rule is applied on UTC starts below.
    select
        subscriptions.*,
        period_offsets.period_index,
        {{ dbt.dateadd('month', 'period_offsets.period_index', 'subscriptions.anchor_local') }} as period_start_local,
        {{ dbt.dateadd('month', 'period_offsets.period_index + 1', 'subscriptions.anchor_local') }} as period_end_local
    from subscriptions
    inner join period_offsets
        on period_offsets.period_index <= {{ dbt.datediff(
            'subscriptions.anchor_local',
            utc_to_local('subscriptions.horizon_at', 'subscriptions.billing_timezone'),
            'month'
        ) }} + 1
),

converted as (
    select
        candidate_periods.*,
        -- Period 0 starts at the creation instant itself, which a wall-clock round
        -- trip could move when the creation falls in the repeated hour of a fall-back.
        case
            when candidate_periods.period_index = 0 then candidate_periods.created_at
            else {{ local_to_utc('candidate_periods.period_start_local', 'candidate_periods.billing_timezone') }}
        end as period_start,
        {{ local_to_utc('candidate_periods.period_end_local', 'candidate_periods.billing_timezone') }} as period_end
    from candidate_periods
),

kept as (
    -- A period exists when it has started by the as-of time and strictly before
    -- the cancellation (a cancellation exactly at a boundary opens no new period).
    select converted.*
    from converted
    where converted.period_start <= {{ as_of() }}
        and (converted.canceled_at is null or converted.period_start < converted.canceled_at)
),

final as (
    select
        md5(kept.subscription_id || '|' || cast(kept.period_start as {{ dbt.type_string() }})) as billing_period_id,
        kept.subscription_id,
        kept.customer_id,
        cast(kept.period_index as integer) as period_index,

        kept.period_start,
        kept.period_end,
        kept.period_start_local,
        kept.period_end_local,
        kept.billing_timezone,
        {{ dbt.datediff('kept.period_start', 'kept.period_end', 'second') }} as period_seconds,

        kept.created_at as subscription_created_at,
        kept.canceled_at as subscription_canceled_at,
        -- The cancellation that ends the subscription within this period or exactly
        -- at its end (the final invoice is dated then); null otherwise.
        case
            when kept.canceled_at > kept.period_start and kept.canceled_at <= kept.period_end
                then kept.canceled_at
        end as ended_at,
        coalesce(kept.canceled_at > kept.period_start and kept.canceled_at <= kept.period_end, false)
            as is_final_period,
        kept.period_start <= {{ as_of() }} and {{ as_of() }} < kept.period_end as is_current_period
    from kept
)

select * from final
