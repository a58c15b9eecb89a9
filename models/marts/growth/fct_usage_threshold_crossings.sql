{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

{#- One row per billing period, limited metric and funnel threshold (70, 80, 90, 100 %)
    reached: the first time in the period that the customer's usage to date reached
    the threshold share of the limit (metrics.md, The upgrade funnel and CRM alerts).
    A ledger: a crossing is recorded by the first run that sees it and never moves
    (append-only, full_refresh: false), so late usage cannot rewrite a crossing that
    alerts, funnel and CRM already used.
    At crossed_at: usage to date (counted from the period start, or the last plan
    change), the limit, the projected period-end usage (usage to date x period length
    / time elapsed since the period or segment started, unrounded) and the projected
    time the limit is reached (start + elapsed x limit / usage; empty at or after the
    period end; crossed_at itself at 100 %). -#}

with computed as (
    select * from {{ ref('int_usage_threshold_crossings') }}
),

stages as (
    select * from {{ ref('funnel_stages') }}
),

new_crossings as (
    select computed.*
    from computed
    {% if is_incremental() %}
    where computed.crossing_id not in (select recorded.crossing_id from {{ this }} as recorded)
    {% endif %}
),

timed as (
    select
        new_crossings.*,
        {{ usage_microseconds_between('new_crossings.counted_from_at', 'new_crossings.crossed_at') }}
            as elapsed_microseconds,
        {{ usage_microseconds_between('new_crossings.period_start', 'new_crossings.period_end') }}
            as period_microseconds
    from new_crossings
),

projected as (
    select
        timed.*,
        case
            when timed.elapsed_microseconds > 0
                then {{ growth_quantity_ratio(
                    'timed.usage_to_date_quantity', 'timed.period_microseconds', 'timed.elapsed_microseconds'
                ) }}
        end as projected_period_end_quantity,
        case
            when timed.threshold_pct >= 100 then timed.crossed_at
            when timed.elapsed_microseconds > 0 and timed.usage_to_date_quantity > 0
                then {{ growth_add_microseconds(
                    'timed.counted_from_at',
                    growth_scale_microseconds(
                        'timed.elapsed_microseconds', 'timed.limit_quantity', 'timed.usage_to_date_quantity'
                    )
                ) }}
        end as limit_reached_projected_at
    from timed
),

final as (
    select
        -- keys
        projected.crossing_id,
        projected.customer_id,
        projected.subscription_id,
        projected.billing_period_id,
        projected.metric_code,
        projected.threshold_pct,

        -- the stage
        stages.stage_name,
        stages.stage_action,
        cast(stages.is_crm_alert as boolean) as is_crm_alert,

        -- the period and the plan at the crossing
        projected.period_start,
        projected.period_end,
        projected.segment_id,
        projected.counted_from_at,
        projected.billed_plan_id as plan_id,
        projected.currency,

        -- the limit
        projected.aggregation,
        projected.limit_source,
        projected.full_limit_quantity,
        projected.limit_quantity,
        cast(projected.limit_quantity * projected.threshold_pct / 100 as decimal(38, 9)) as threshold_quantity,

        -- the crossing and the projections at it
        projected.crossed_at,
        projected.usage_to_date_quantity,
        cast(projected.elapsed_microseconds as bigint) as elapsed_microseconds,
        projected.projected_period_end_quantity,
        case
            when projected.limit_reached_projected_at < projected.period_end then projected.limit_reached_projected_at
        end as limit_reached_projected_at,

        -- lineage
        {{ as_of() }} as recorded_at
    from projected
    inner join stages
        on projected.threshold_pct = stages.threshold_pct
)

select * from final
