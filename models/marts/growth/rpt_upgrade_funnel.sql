{#- One row per funnel stage, plan at the crossing, behaviour segment (as of the run)
    and UTC month of the crossing (metrics.md, rpt_upgrade_funnel). The unit counted
    is (customer, billing period, stage) at the stage's earliest crossing over all
    metrics (int_funnel_stage_entries): reached, converted (a move to a higher-ranked
    plan within 720 hours), conversion rate = converted / reached (windows still
    open count as reached and not converted; they are shown apart), median days to
    convert (the mean of the two middle values for an even count), and the intent
    signals summed over the units. -#}

with entries as (
    select * from {{ ref('int_funnel_stage_entries') }}
),

final as (
    select
        -- grain
        entries.threshold_pct,
        entries.stage_name,
        entries.plan_id,
        entries.behaviour_segment,
        entries.crossing_month,

        -- the stage
        max(entries.stage_action) as stage_action,

        -- counts
        cast(count(*) as bigint) as reached_count,
        cast(count(distinct entries.customer_id) as bigint) as customers_reached,
        cast(sum(case when entries.is_converted then 1 else 0 end) as bigint) as converted_count,
        {{ exact_ratio(1, 'sum(case when entries.is_converted then 1 else 0 end)', 'count(*)') }}
            as conversion_rate,
        cast(
            percentile_cont(0.5) within group (order by entries.days_to_convert)
            as decimal(38, 18)
        ) as median_days_to_convert,
        cast(sum(case when entries.is_window_open then 1 else 0 end) as bigint) as open_window_count,

        -- intent signals in [crossed_at, min(crossed_at + 30 days, as-of)]
        cast(sum(entries.pricing_page_views) as bigint) as pricing_page_views,
        cast(sum(entries.upgrade_clicks) as bigint) as upgrade_clicks,
        cast(sum(entries.gated_feature_attempts) as bigint) as gated_feature_attempts
    from entries
    group by
        entries.threshold_pct,
        entries.stage_name,
        entries.plan_id,
        entries.behaviour_segment,
        entries.crossing_month
)

select * from final
