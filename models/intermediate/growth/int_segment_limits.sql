{#- One row per plan segment and billable metric that has a limit in the sense of the
    upgrade funnel (metrics.md, The upgrade funnel and CRM alerts): the charge that
    applies has an included quantity above zero.
    - The charge is the card rating uses (growth_selected_rate_card_bands: the
      customer's contract card for the metric, else the billed plan's card), the
      version in force at the period start.
    - On a plan card, the plan's soft or hard limit (plan_limits) is the allowance
      (a soft limit equals the free band; starter's hard limit has no free band).
    - Otherwise the card's included_quantity plus its free first band (price 0, no
      flat fee, not volume, not the open last band).
    - Before any plan change the full allowance applies; after a change at c in
      [s, e), usage counts from c against allowance x (e - c) / (e - s).
    Metrics whose usage to date is not a running sum or integral (max, latest,
    unique_count) are not tracked: none is billed today. -#}

with segments as (
    select * from {{ ref('int_subscription_segments') }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

plan_limits as (
    select * from {{ ref('plan_limits') }}
),

segment_metrics as (
    select
        segments.segment_id,
        segments.segment_id || '|' || metric_catalog.metric_code as rating_segment_id,
        segments.billing_period_id,
        segments.subscription_id,
        segments.customer_id,
        segments.period_index,
        segments.period_start,
        segments.period_end,
        segments.period_seconds,
        segments.segment_index,
        segments.segment_start,
        segments.segment_end,
        segments.usage_segment_end,
        case
            when segments.usage_segment_end < {{ as_of() }} then segments.usage_segment_end
            else {{ as_of() }}
        end as measured_until_at,
        segments.subscribed_plan_id,
        segments.billed_plan_id,
        segments.billed_plan_id as plan_id,
        segments.currency,
        segments.base_fee_amount,
        segments.period_start as price_effective_at,
        metric_catalog.metric_code,
        metric_catalog.aggregation,
        cast(metric_catalog.unit_divisor as decimal(38, 9)) as unit_divisor
    from segments
    cross join metric_catalog
    where cast(metric_catalog.is_billable as boolean)
        and metric_catalog.aggregation in ('count', 'sum', 'time_weighted_avg')
),

card_bands as (
    {{ growth_selected_rate_card_bands('segment_metrics') }}
),

card_bands_ranked as (
    select
        card_bands.*,
        card_bands.band_index = min(card_bands.band_index) over (
            partition by card_bands.rating_segment_id
        ) as is_first_band
    from card_bands
),

card_allowances as (
    select
        card_bands_ranked.rating_segment_id,
        max(card_bands_ranked.rate_card_type) as rate_card_type,
        max(card_bands_ranked.rate_card_id) as rate_card_id,
        max(card_bands_ranked.included_quantity) as included_quantity,
        max(
            case
                when card_bands_ranked.is_first_band
                    and card_bands_ranked.is_free_band
                    and card_bands_ranked.charge_model <> 'volume'
                    and not card_bands_ranked.is_last_band
                    then card_bands_ranked.up_to
            end
        ) as free_band_quantity
    from card_bands_ranked
    group by card_bands_ranked.rating_segment_id
),

resolved as (
    select
        segment_metrics.*,
        card_allowances.rate_card_type,
        card_allowances.rate_card_id,
        coalesce(plan_limits.limit_type, 'none') as plan_limit_type,
        case
            when card_allowances.rate_card_type = 'plan' and plan_limits.limit_type in ('soft', 'hard')
                then 'plan_' || plan_limits.limit_type || '_limit'
            when coalesce(card_allowances.included_quantity, 0) > 0 and coalesce(card_allowances.free_band_quantity, 0) > 0
                then 'included_quantity_and_free_band'
            when coalesce(card_allowances.included_quantity, 0) > 0 then 'included_quantity'
            when coalesce(card_allowances.free_band_quantity, 0) > 0 then 'free_band'
        end as limit_source,
        cast(
            case
                when card_allowances.rate_card_type = 'plan' and plan_limits.limit_type in ('soft', 'hard')
                    then plan_limits.limit_quantity
                else coalesce(card_allowances.included_quantity, 0) + coalesce(card_allowances.free_band_quantity, 0)
            end as decimal(38, 9)
        ) as full_limit_quantity
    from segment_metrics
    inner join card_allowances
        on segment_metrics.rating_segment_id = card_allowances.rating_segment_id
    left join plan_limits
        on segment_metrics.billed_plan_id = plan_limits.plan_id
        and segment_metrics.metric_code = plan_limits.metric_code
),

scaled as (
    select
        resolved.*,
        -- the full allowance before any change; after a change at c, (e - c) / (e - s) of it
        case
            when resolved.segment_index = 0 then cast(1 as decimal(38, 18))
            else {{ exact_ratio(
                1,
                dbt.datediff('resolved.segment_start', 'resolved.period_end', 'second'),
                'resolved.period_seconds'
            ) }}
        end as limit_share
    from resolved
    where resolved.full_limit_quantity > 0
),

final as (
    select
        -- keys
        scaled.segment_id,
        scaled.metric_code,

        -- the segment
        scaled.billing_period_id,
        scaled.subscription_id,
        scaled.customer_id,
        scaled.period_index,
        scaled.period_start,
        scaled.period_end,
        cast(scaled.period_seconds as bigint) as period_seconds,
        scaled.segment_index,
        scaled.segment_start as counted_from_at,
        scaled.segment_end,
        scaled.usage_segment_end,
        scaled.measured_until_at,
        scaled.subscribed_plan_id,
        scaled.billed_plan_id,
        scaled.currency,
        scaled.base_fee_amount,

        -- the metric
        scaled.aggregation,
        scaled.unit_divisor,

        -- the limit
        scaled.rate_card_type,
        scaled.rate_card_id,
        scaled.plan_limit_type,
        scaled.limit_source,
        scaled.full_limit_quantity,
        scaled.limit_share,
        case
            when scaled.segment_index = 0 then scaled.full_limit_quantity
            else {{ scale_by_share('scaled.full_limit_quantity', 'scaled.limit_share') }}
        end as limit_quantity
    from scaled
)

select * from final
