{#- One row per funnel stage, plan at the crossing, behaviour segment (as of the run)
    and UTC month of the crossing (metrics.md, rpt_upgrade_funnel). The unit counted
    is (customer, billing period, stage) at the stage's earliest crossing over all
    metrics (int_funnel_stage_entries): reached, converted (a move to a higher-ranked
    plan within 720 hours), conversion rate = converted / reached (windows still
    open count as reached and not converted; they are shown apart), median days to
    convert (the mean of the two middle values for an even count, exactly, rounded
    half-up at 18 decimals), and the intent signals summed over the units. -#}

with entries as (
    select * from {{ ref('int_funnel_stage_entries') }}
),

-- the median from ranks, not percentile_cont: Spark interpolates that in DOUBLE
ranked_entries as (
    select
        entries.*,
        row_number() over (
            partition by
                entries.threshold_pct, entries.stage_name, entries.plan_id, entries.behaviour_segment,
                entries.crossing_month
            order by entries.days_to_convert asc nulls last
        ) as convert_rank,
        count(entries.days_to_convert) over (
            partition by
                entries.threshold_pct, entries.stage_name, entries.plan_id, entries.behaviour_segment,
                entries.crossing_month
        ) as convert_count
    from entries
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
        -- the middle value (2 x rank = count + 1) or the two middle values (2 x rank =
        -- count or count + 2), halved exactly
        cast(
            sum(case
                when 2 * entries.convert_rank in (entries.convert_count, entries.convert_count + 1, entries.convert_count + 2)
                    then entries.days_to_convert
            end)
            * case when max(entries.convert_count) % 2 = 1 then cast(1 as decimal(2, 1)) else cast(0.5 as decimal(2, 1)) end
            as decimal(38, 18)
        ) as median_days_to_convert,
        cast(sum(case when entries.is_window_open then 1 else 0 end) as bigint) as open_window_count,

        -- intent signals in [crossed_at, min(crossed_at + 30 days, as-of)]
        cast(sum(entries.pricing_page_views) as bigint) as pricing_page_views,
        cast(sum(entries.upgrade_clicks) as bigint) as upgrade_clicks,
        cast(sum(entries.gated_feature_attempts) as bigint) as gated_feature_attempts
    from ranked_entries as entries
    group by
        entries.threshold_pct,
        entries.stage_name,
        entries.plan_id,
        entries.behaviour_segment,
        entries.crossing_month
)

select * from final
