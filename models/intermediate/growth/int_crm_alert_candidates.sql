{#- One row per CRM alert candidate (metrics.md, The upgrade funnel and CRM alerts): a
    recorded crossing of a threshold whose stage is a CRM alert (80, 90, 100 %), with
    the recommended plan and both projected bills at crossed_at.
    - Every billable metric of the segment is projected the same way as the alert's:
      usage to date at crossed_at (counted from the segment start) x period length /
      time elapsed since the segment started.
    - Candidate plans: the current (billed) plan and the list-priced plans on sale at
      crossed_at. Each is priced at its base fee + every metric's projected quantity,
      full allowances, no grace, lines rounded (growth_price_quantities: the rating
      macro on the card billing would choose, a customer's contract card included).
    - Plans whose hard limit is below a projection are excluded (the current plan
      too: it cannot carry the usage); the current plan's bill is shown either way,
      with usage beyond a hard limit unbilled as billing does.
    - The cheapest wins; ties go to the current plan, then the lower rank.
    fct_crm_upsell_alerts records them with their status. -#}

with crossings as (
    select * from {{ ref('fct_usage_threshold_crossings') }}
    where is_crm_alert
),

segments as (
    select * from {{ ref('int_subscription_segments') }}
),

plans as (
    select * from {{ ref('plans') }}
),

plan_prices as (
    select * from {{ ref('plan_prices') }}
),

plan_limits as (
    select * from {{ ref('plan_limits') }}
),

alert_segments as (
    select
        crossings.*,
        segments.subscribed_plan_id,
        segments.base_fee_amount as current_base_fee_amount,
        segments.period_start_local_date,
        {{ usage_microseconds_between('crossings.period_start', 'crossings.period_end') }} as period_microseconds
    from crossings
    inner join segments
        on crossings.segment_id = segments.segment_id
),

probes as (
    select
        alert_segments.segment_id,
        alert_segments.crossed_at as probe_at
    from alert_segments
),

usage_at_crossings as (
    {{ growth_usage_at_instants('probes') }}
),

metric_projections as (
    select
        alert_segments.crossing_id,
        usage_at_crossings.metric_code,
        usage_at_crossings.usage_to_date_quantity,
        case
            when alert_segments.elapsed_microseconds > 0
                then {{ growth_quantity_ratio(
                    'usage_at_crossings.usage_to_date_quantity',
                    'alert_segments.period_microseconds',
                    'alert_segments.elapsed_microseconds'
                ) }}
        end as projected_quantity
    from alert_segments
    inner join usage_at_crossings
        on alert_segments.segment_id = usage_at_crossings.segment_id
        and alert_segments.crossed_at = usage_at_crossings.probe_at
),

-- the current plan and the list-priced plans on sale at crossed_at
candidate_plan_rows as (
    select
        alert_segments.crossing_id,
        alert_segments.plan_id as candidate_plan_id,
        true as is_current_plan
    from alert_segments
    union all
    select
        alert_segments.crossing_id,
        plans.plan_id as candidate_plan_id,
        plans.plan_id = alert_segments.plan_id as is_current_plan
    from alert_segments
    cross join plans
    where not plans.is_contract_priced
        and cast(plans.on_sale_from as timestamp) <= alert_segments.crossed_at
        and (plans.on_sale_until is null or alert_segments.crossed_at < cast(plans.on_sale_until as timestamp))
),

candidate_plans as (
    select
        candidate_plan_rows.crossing_id,
        candidate_plan_rows.candidate_plan_id,
        {{ dbt.bool_or('candidate_plan_rows.is_current_plan') }} as is_current_plan
    from candidate_plan_rows
    group by candidate_plan_rows.crossing_id, candidate_plan_rows.candidate_plan_id
),

pricing_items as (
    select
        candidate_plans.crossing_id || '|' || candidate_plans.candidate_plan_id as rating_segment_id,
        candidate_plans.crossing_id,
        candidate_plans.candidate_plan_id as plan_id,
        alert_segments.customer_id,
        alert_segments.currency,
        alert_segments.period_start as price_effective_at,
        metric_projections.metric_code,
        metric_projections.projected_quantity,
        plan_limits.limit_quantity as hard_limit_quantity,
        cast(
            case
                when plan_limits.limit_quantity < metric_projections.projected_quantity then plan_limits.limit_quantity
                else metric_projections.projected_quantity
            end as decimal(38, 9)
        ) as rated_quantity
    from candidate_plans
    inner join alert_segments
        on candidate_plans.crossing_id = alert_segments.crossing_id
    inner join metric_projections
        on candidate_plans.crossing_id = metric_projections.crossing_id
    left join plan_limits
        on candidate_plans.candidate_plan_id = plan_limits.plan_id
        and metric_projections.metric_code = plan_limits.metric_code
        and plan_limits.limit_type = 'hard'
    where metric_projections.projected_quantity is not null
),

metric_charges as (
    {{ growth_price_quantities('pricing_items') }}
),

hard_limit_exclusions as (
    select distinct pricing_items.rating_segment_id
    from pricing_items
    where pricing_items.hard_limit_quantity < pricing_items.projected_quantity
),

usage_charges as (
    select
        metric_charges.rating_segment_id,
        sum(metric_charges.charge_amount) as usage_amount
    from metric_charges
    group by metric_charges.rating_segment_id
),

-- base fees: the current plan's is the segment's (a contract price included); another
-- plan's is its list price version in force on the period's local start date
price_versions as (
    select
        candidate_plans.crossing_id,
        plan_prices.plan_id,
        cast(plan_prices.base_fee_amount as decimal(18, 4)) as base_fee_amount,
        row_number() over (
            partition by candidate_plans.crossing_id, plan_prices.plan_id
            order by plan_prices.effective_from desc
        ) as version_rank
    from candidate_plans
    inner join alert_segments
        on candidate_plans.crossing_id = alert_segments.crossing_id
    inner join plan_prices
        on candidate_plans.candidate_plan_id = plan_prices.plan_id
        and alert_segments.currency = plan_prices.currency
        and cast(plan_prices.effective_from as date) <= alert_segments.period_start_local_date
),

candidate_bills as (
    select
        candidate_plans.crossing_id,
        candidate_plans.candidate_plan_id,
        candidate_plans.is_current_plan,
        plans.plan_rank,
        hard_limit_exclusions.rating_segment_id is not null as is_excluded_by_hard_limit,
        cast(
            {{ round_money(
                'case when candidate_plans.is_current_plan then alert_segments.current_base_fee_amount'
                ~ ' else price_versions.base_fee_amount end'
            ) }}
            + coalesce(usage_charges.usage_amount, 0)
            as decimal(18, 2)
        ) as projected_amount
    from candidate_plans
    inner join alert_segments
        on candidate_plans.crossing_id = alert_segments.crossing_id
    inner join plans
        on candidate_plans.candidate_plan_id = plans.plan_id
    left join price_versions
        on candidate_plans.crossing_id = price_versions.crossing_id
        and candidate_plans.candidate_plan_id = price_versions.plan_id
        and price_versions.version_rank = 1
    left join usage_charges
        on candidate_plans.crossing_id || '|' || candidate_plans.candidate_plan_id = usage_charges.rating_segment_id
    left join hard_limit_exclusions
        on candidate_plans.crossing_id || '|' || candidate_plans.candidate_plan_id = hard_limit_exclusions.rating_segment_id
    where exists (
        select 1 from metric_projections
        where metric_projections.crossing_id = candidate_plans.crossing_id
            and metric_projections.projected_quantity is not null
    )
),

ranked_bills as (
    select
        candidate_bills.*,
        row_number() over (
            partition by candidate_bills.crossing_id
            order by
                candidate_bills.projected_amount,
                case when candidate_bills.is_current_plan then 0 else 1 end,
                candidate_bills.plan_rank,
                candidate_bills.candidate_plan_id
        ) as price_rank
    from candidate_bills
    where not candidate_bills.is_excluded_by_hard_limit
),

recommendations as (
    select
        ranked_bills.crossing_id,
        ranked_bills.candidate_plan_id as recommended_plan_id,
        ranked_bills.plan_rank as recommended_plan_rank,
        ranked_bills.projected_amount as recommended_plan_projected_amount
    from ranked_bills
    where ranked_bills.price_rank = 1
),

comparisons as (
    select
        candidate_bills.crossing_id,
        max(case when candidate_bills.is_current_plan then candidate_bills.projected_amount end)
            as current_plan_projected_amount,
        {{ dbt.bool_or('candidate_bills.is_current_plan and candidate_bills.is_excluded_by_hard_limit') }}
            as is_current_plan_over_hard_limit,
        {{ listagg_ordered(
            "candidate_bills.candidate_plan_id || ' ' || cast(candidate_bills.projected_amount as " ~ dbt.type_string() ~ ")"
            ~ " || case when candidate_bills.is_excluded_by_hard_limit then ' (over its hard limit)' else '' end",
            "'; '",
            ["candidate_bills.plan_rank", "candidate_bills.candidate_plan_id"]
        ) }} as candidate_bills_text
    from candidate_bills
    group by candidate_bills.crossing_id
),

final as (
    select
        -- keys
        alert_segments.crossing_id as alert_id,
        alert_segments.customer_id,
        alert_segments.subscription_id,
        alert_segments.billing_period_id,
        alert_segments.metric_code,
        alert_segments.threshold_pct,

        -- the stage and period
        alert_segments.stage_name,
        alert_segments.stage_action,
        alert_segments.period_start,
        alert_segments.period_end,
        alert_segments.counted_from_at,

        -- at crossed_at
        alert_segments.crossed_at,
        alert_segments.usage_to_date_quantity,
        alert_segments.limit_quantity,
        alert_segments.projected_period_end_quantity,
        alert_segments.limit_reached_projected_at,

        -- plans and projected bills
        alert_segments.plan_id as current_plan_id,
        alert_segments.currency,
        comparisons.current_plan_projected_amount,
        coalesce(comparisons.is_current_plan_over_hard_limit, false) as is_current_plan_over_hard_limit,
        recommendations.recommended_plan_id,
        recommendations.recommended_plan_projected_amount,
        coalesce(recommendations.recommended_plan_id <> alert_segments.plan_id, false) as is_plan_change_recommended,
        comparisons.candidate_bills_text
    from alert_segments
    left join comparisons
        on alert_segments.crossing_id = comparisons.crossing_id
    left join recommendations
        on alert_segments.crossing_id = recommendations.crossing_id
)

select * from final
