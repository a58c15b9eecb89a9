{#- One row per plan segment of a billing period: the stretch of the period during
    which one plan (and contract price) was in force (billing-rules.md, Plan changes
    and proration; Grandfathering).
    A plan change at t inside [period_start, period_end) splits the period at t.
    A cancellation does not shorten the last segment: the last partial period keeps
    its full allowances, so segment_end stays the period end and segment_share is
    unchanged; usage_segment_end is where usage stops counting. -#}

with periods as (
    select * from {{ ref('int_billing_periods') }}
),

events as (
    select * from {{ ref('int_subscription_events') }}
),

customers as (
    select * from {{ ref('int_customers') }}
),

plans as (
    select * from {{ ref('plans') }}
),

plan_prices as (
    select * from {{ ref('plan_prices') }}
),

billing_settings as (
    select * from {{ ref('billing_settings') }}
),

cutover as (
    select cast(max(billing_settings.setting_value) as date) as cutover_date
    from billing_settings
    where billing_settings.setting_name = 'grandfathering_cutover_date'
),

subscriptions as (
    select distinct
        periods.subscription_id,
        periods.subscription_created_at,
        periods.subscription_canceled_at
    from periods
),

plan_events as (
    -- Events that set the plan: the creation and the changes effective from the
    -- creation up to (not including) the cancellation. A change effective before
    -- the creation or at/after the cancellation has no period to apply to.
    select
        events.subscription_id,
        events.event_id,
        events.plan_id,
        events.contract_price_amount,
        events.effective_at,
        row_number() over (
            partition by events.subscription_id, events.effective_at
            order by events.recorded_at desc, events.event_id desc
        ) as instant_rank
    from events
    inner join subscriptions
        on events.subscription_id = subscriptions.subscription_id
    where events.event_type in ('created', 'plan_changed')
        and events.effective_at >= subscriptions.subscription_created_at
        and (
            subscriptions.subscription_canceled_at is null
            or events.effective_at < subscriptions.subscription_canceled_at
        )
),

instant_states as (
    -- Two events effective at the same instant: the one recorded last wins.
    select
        plan_events.*,
        lag(plan_events.plan_id) over (
            partition by plan_events.subscription_id order by plan_events.effective_at
        ) as previous_plan_id,
        lag(plan_events.contract_price_amount) over (
            partition by plan_events.subscription_id order by plan_events.effective_at
        ) as previous_contract_price_amount,
        row_number() over (
            partition by plan_events.subscription_id order by plan_events.effective_at
        ) as state_number
    from plan_events
    where plan_events.instant_rank = 1
),

plan_states as (
    -- A "change" to the plan and price already in force changes nothing: it is
    -- merged into the state before it, so it neither splits a period nor prorates.
    select
        instant_states.subscription_id,
        instant_states.event_id,
        instant_states.plan_id,
        instant_states.contract_price_amount,
        instant_states.effective_at as state_start_at,
        lead(instant_states.effective_at) over (
            partition by instant_states.subscription_id order by instant_states.effective_at
        ) as state_end_at
    from instant_states
    where instant_states.state_number = 1
        or instant_states.plan_id <> instant_states.previous_plan_id
        or instant_states.contract_price_amount is distinct from instant_states.previous_contract_price_amount
),

period_states as (
    select
        periods.billing_period_id,
        periods.subscription_id,
        periods.customer_id,
        periods.period_index,
        periods.period_start,
        periods.period_end,
        periods.period_start_local,
        periods.billing_timezone,
        periods.period_seconds,
        periods.ended_at,
        plan_states.event_id as plan_event_id,
        plan_states.plan_id as subscribed_plan_id,
        plan_states.contract_price_amount,
        case
            when plan_states.state_start_at > periods.period_start then plan_states.state_start_at
            else periods.period_start
        end as segment_start,
        case
            when plan_states.state_end_at < periods.period_end then plan_states.state_end_at
            else periods.period_end
        end as segment_end
    from periods
    inner join plan_states
        on periods.subscription_id = plan_states.subscription_id
        and periods.period_end > plan_states.state_start_at
        and (plan_states.state_end_at is null or periods.period_start < plan_states.state_end_at)
),

measured as (
    select
        period_states.*,
        cast(row_number() over (
            partition by period_states.billing_period_id order by period_states.segment_start
        ) - 1 as integer) as segment_index,
        count(*) over (partition by period_states.billing_period_id) as segment_count,
        {{ dbt.datediff('period_states.segment_start', 'period_states.segment_end', 'second') }} as segment_seconds,
        {{ exact_ratio(
            1,
            dbt.datediff('period_states.segment_start', 'period_states.segment_end', 'second'),
            'period_states.period_seconds'
        ) }} as truncated_share
    from period_states
),

shared as (
    -- The last segment takes 1 minus the others, so the shares of a period add up
    -- to exactly 1 despite truncation at 18 decimals.
    select
        measured.*,
        case
            when measured.segment_index = measured.segment_count - 1
                then cast(1 as decimal(38, 18)) - coalesce(sum(measured.truncated_share) over (
                    partition by measured.billing_period_id
                    order by measured.segment_index
                    rows between unbounded preceding and 1 preceding
                ), cast(0 as decimal(38, 18)))
            else measured.truncated_share
        end as segment_share
    from measured
),

grandfathered as (
    -- Grandfathering is decided per period on the local date of its start: from the
    -- first period starting on or after the cutover, a legacy plan is billed on its
    -- successor for the whole period.
    select
        shared.*,
        customers.currency,
        cutover.cutover_date,
        subscribed_plans.successor_plan_id as subscribed_plan_successor_id,
        cast(shared.period_start_local as date) as period_start_local_date,
        case
            when cast(shared.period_start_local as date) >= cutover.cutover_date
                and subscribed_plans.successor_plan_id is not null
                then subscribed_plans.successor_plan_id
            else shared.subscribed_plan_id
        end as billed_plan_id,
        -- Grandfathered: kept on a legacy plan whose (different) successor was already
        -- on sale at the period's start, only because the cutover has not come yet.
        coalesce(
            subscribed_plans.successor_plan_id <> shared.subscribed_plan_id
            and cast(shared.period_start_local as date) < cutover.cutover_date
            and cast(shared.period_start_local as date) >= cast(successor_plans.on_sale_from as date),
            false
        ) as is_grandfathered
    from shared
    inner join customers
        on shared.customer_id = customers.customer_id
    inner join plans as subscribed_plans
        on shared.subscribed_plan_id = subscribed_plans.plan_id
    left join plans as successor_plans
        on subscribed_plans.successor_plan_id = successor_plans.plan_id
    cross join cutover
),

price_candidates as (
    -- Catalog price versions in force at the period's start (its local date), for the
    -- billed plan and, when grandfathered, the successor the customer would be on.
    select
        grandfathered.segment_start,
        grandfathered.billing_period_id,
        plan_prices.plan_id,
        cast(plan_prices.base_fee_amount as decimal(18, 4)) as base_fee_amount,
        row_number() over (
            partition by grandfathered.billing_period_id, grandfathered.segment_start, plan_prices.plan_id
            order by cast(plan_prices.effective_from as date) desc
        ) as version_rank
    from grandfathered
    inner join plan_prices
        on grandfathered.currency = plan_prices.currency
        and plan_prices.plan_id in (grandfathered.billed_plan_id, grandfathered.subscribed_plan_successor_id)
        and grandfathered.period_start_local_date >= cast(plan_prices.effective_from as date)
),

prices as (
    select * from price_candidates
    where version_rank = 1
),

priced as (
    select
        grandfathered.*,
        billed_plans.is_contract_priced as is_billed_plan_contract_priced,
        -- A contract-priced plan (enterprise) bills the contract price of the
        -- subscription event instead of a catalog price.
        case
            when billed_plans.is_contract_priced then grandfathered.contract_price_amount
            else billed_prices.base_fee_amount
        end as base_fee_amount,
        case when grandfathered.is_grandfathered then grandfathered.subscribed_plan_successor_id end
            as successor_plan_id,
        case when grandfathered.is_grandfathered then successor_prices.base_fee_amount end
            as successor_base_fee_amount
    from grandfathered
    inner join plans as billed_plans
        on grandfathered.billed_plan_id = billed_plans.plan_id
    left join prices as billed_prices
        on grandfathered.billing_period_id = billed_prices.billing_period_id
        and grandfathered.segment_start = billed_prices.segment_start
        and grandfathered.billed_plan_id = billed_prices.plan_id
    left join prices as successor_prices
        on grandfathered.billing_period_id = successor_prices.billing_period_id
        and grandfathered.segment_start = successor_prices.segment_start
        and grandfathered.subscribed_plan_successor_id = successor_prices.plan_id
),

final as (
    select
        md5(priced.billing_period_id || '|' || cast(priced.segment_start as {{ dbt.type_string() }})) as segment_id,
        priced.billing_period_id,
        priced.subscription_id,
        priced.customer_id,
        priced.period_index,
        priced.period_start,
        priced.period_end,
        priced.segment_index,
        priced.segment_start,
        priced.segment_end,
        -- Usage counts up to the cancellation; allowances use the full segment.
        case
            when priced.ended_at < priced.segment_end then priced.ended_at
            else priced.segment_end
        end as usage_segment_end,
        coalesce(priced.ended_at < priced.segment_end, false) as is_ended_by_cancellation,
        priced.segment_seconds,
        priced.period_seconds,
        priced.segment_share,

        priced.plan_event_id,
        priced.subscribed_plan_id,
        priced.billed_plan_id,
        priced.is_grandfathered,
        priced.successor_plan_id,
        priced.is_billed_plan_contract_priced,

        priced.currency,
        priced.contract_price_amount,
        cast(priced.base_fee_amount as decimal(18, 4)) as base_fee_amount,
        cast(priced.successor_base_fee_amount as decimal(18, 4)) as successor_base_fee_amount,
        priced.billing_timezone,
        priced.period_start_local_date,
        priced.cutover_date as grandfathering_cutover_date
    from priced
)

select * from final
