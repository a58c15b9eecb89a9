{#- One row per customer, billing period and funnel stage reached (metrics.md,
    rpt_upgrade_funnel): the stage's earliest crossing over all metrics of the
    period (fct_usage_threshold_crossings), counted under the plan and UTC month of
    that crossing and the customer's behaviour segment as of the run.
    - Converted: a `created` or `plan_changed` event of the customer to a plan of
      higher rank (plans.plan_rank: starter = explorer = 1, pro = professional = 2,
      scale = 3, enterprise = 4) than the plan at the crossing, effective in
      (crossed_at, crossed_at + 720 hours] and at or before the as-of time.
      Grandfathering is not an event, so never a move.
    - days_to_convert: fractional days from crossed_at to the first such event.
    - A window still open at the as-of time (not converted, crossed_at + 720 h after
      the as-of time) is flagged.
    - Intent signals: the customer's accepted (deduplicated) pricing-page views,
      upgrade clicks and gated-feature attempts in [crossed_at, min(crossed_at +
      30 days, as-of)]. -#}

with crossings as (
    select * from {{ ref('fct_usage_threshold_crossings') }}
),

plans as (
    select * from {{ ref('plans') }}
),

subscription_events as (
    select * from {{ ref('int_subscription_events') }}
    where event_type in ('created', 'plan_changed')
        and effective_at <= {{ as_of() }}
),

product_events as (
    select * from {{ ref('int_product_events_checked') }}
    where record_status = 'accepted'
        and event_type in ('app.pricing_page_viewed', 'app.upgrade_clicked', 'app.gated_feature_attempted')
        and event_at <= {{ as_of() }}
),

segments as (
    select * from {{ ref('dim_customer_segments') }}
),

ranked_crossings as (
    select
        crossings.*,
        row_number() over (
            partition by crossings.customer_id, crossings.billing_period_id, crossings.threshold_pct
            order by crossings.crossed_at, crossings.metric_code
        ) as crossing_rank
    from crossings
),

entries as (
    select
        ranked_crossings.*,
        plans.plan_rank,
        {{ dbt.dateadd('hour', growth_setting('conversion_window_hours', 'integer'), 'ranked_crossings.crossed_at') }}
            as conversion_window_end_at,
        {{ dbt.dateadd('day', growth_setting('intent_window_days', 'integer'), 'ranked_crossings.crossed_at') }}
            as intent_window_end_at
    from ranked_crossings
    inner join plans
        on ranked_crossings.plan_id = plans.plan_id
    where ranked_crossings.crossing_rank = 1
),

upgrades as (
    select
        entries.crossing_id,
        subscription_events.effective_at,
        subscription_events.plan_id,
        subscription_events.event_id,
        row_number() over (
            partition by entries.crossing_id
            order by subscription_events.effective_at, subscription_events.recorded_at, subscription_events.event_id
        ) as upgrade_rank
    from entries
    inner join subscription_events
        on entries.customer_id = subscription_events.customer_id
        and subscription_events.effective_at > entries.crossed_at
        and subscription_events.effective_at <= entries.conversion_window_end_at
    inner join plans as upgraded_plans
        on subscription_events.plan_id = upgraded_plans.plan_id
    where upgraded_plans.plan_rank > entries.plan_rank
),

intent as (
    select
        entries.crossing_id,
        sum(case when product_events.event_type = 'app.pricing_page_viewed' then 1 else 0 end) as pricing_page_views,
        sum(case when product_events.event_type = 'app.upgrade_clicked' then 1 else 0 end) as upgrade_clicks,
        sum(case when product_events.event_type = 'app.gated_feature_attempted' then 1 else 0 end)
            as gated_feature_attempts
    from entries
    inner join product_events
        on entries.customer_id = product_events.customer_id
        and product_events.event_at >= entries.crossed_at
        and product_events.event_at <= entries.intent_window_end_at
    group by entries.crossing_id
),

final as (
    select
        -- keys
        md5(
            entries.customer_id
            || '|' || entries.billing_period_id
            || '|' || cast(entries.threshold_pct as {{ dbt.type_string() }})
        ) as funnel_entry_id,
        entries.customer_id,
        entries.billing_period_id,
        entries.threshold_pct,

        -- the stage, as counted
        entries.stage_name,
        entries.stage_action,
        entries.subscription_id,
        entries.period_start,
        entries.crossing_id,
        entries.metric_code,
        entries.crossed_at,
        cast({{ dbt.date_trunc('month', 'entries.crossed_at') }} as date) as crossing_month,
        entries.plan_id,
        entries.plan_rank,
        coalesce(segments.behaviour_segment, 'inactive') as behaviour_segment,

        -- conversion
        entries.conversion_window_end_at,
        upgrades.effective_at as converted_at,
        upgrades.plan_id as converted_to_plan_id,
        upgrades.event_id as conversion_event_id,
        upgrades.effective_at is not null as is_converted,
        case
            when upgrades.effective_at is not null
                then {{ exact_ratio(
                    1,
                    usage_microseconds_between('entries.crossed_at', 'upgrades.effective_at'),
                    '86400000000'
                ) }}
        end as days_to_convert,
        upgrades.effective_at is null and entries.conversion_window_end_at > {{ as_of() }} as is_window_open,

        -- intent signals
        cast(coalesce(intent.pricing_page_views, 0) as bigint) as pricing_page_views,
        cast(coalesce(intent.upgrade_clicks, 0) as bigint) as upgrade_clicks,
        cast(coalesce(intent.gated_feature_attempts, 0) as bigint) as gated_feature_attempts
    from entries
    left join upgrades
        on entries.crossing_id = upgrades.crossing_id
        and upgrades.upgrade_rank = 1
    left join intent
        on entries.crossing_id = intent.crossing_id
    left join segments
        on entries.customer_id = segments.customer_id
)

select * from final
