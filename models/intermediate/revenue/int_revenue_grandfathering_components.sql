{#- One row per grandfathered charge or (billing period, metric) and measure (`legacy`
    or `successor`): what the legacy plan billed and what its successor plan would
    have billed for the same service (billing-rules.md, Grandfathering: "finance can
    see the revenue that grandfathering deferred"). Input of
    rpt_grandfathering_deferral, which recognizes both like revenue.
    - Base fees and proration of grandfathered segments: the charge (legacy) and the
      charge at the successor's fee (int_base_fee_charges.grandfathering_deferred_amount
      added), recognized ratably over the service period.
    - Usage of grandfathered segments: the legacy lines (int_usage_rated) and the
      successor's plan card run through the same rating engine (rate_usage) on the
      measured quantity, each line rounded to cents, recognized by the days' usage.
      The successor's soft limit is applied as if every unit above it were in a grace
      window (free): grace windows are not simulated, so this is a lower bound of
      what the successor would bill. Metrics priced by a customer's contract card
      are left out (the card replaces both plans' charges: nothing deferred). -#}

with charges as (
    select * from {{ ref('int_base_fee_charges') }}
),

segments as (
    select * from {{ ref('int_subscription_segments') }}
),

segment_usage as (
    select * from {{ ref('int_segment_usage') }}
),

rated as (
    select * from {{ ref('int_usage_rated') }}
),

rate_card_bands as (
    select * from {{ ref('int_rate_card_bands') }}
),

plan_limits as (
    select * from {{ ref('plan_limits') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

fee_measures as (
    select
        'fee|' || charges.charge_id || '|legacy' as component_key,
        'legacy' as measure,
        case when charges.charge_type = 'base_fee' then 'base_fee' else 'proration' end as charge_type,
        charges.customer_id,
        charges.subscription_id,
        charges.currency,
        charges.billing_period_id,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        charges.subscribed_plan_id,
        charges.successor_plan_id,
        'ratable' as component_type,
        charges.service_period_start as span_start_at,
        charges.service_period_end as span_end_at,
        cast(charges.amount as decimal(38, 9)) as amount
    from charges
    where charges.is_grandfathered
    union all
    select
        'fee|' || charges.charge_id || '|successor' as component_key,
        'successor' as measure,
        case when charges.charge_type = 'base_fee' then 'base_fee' else 'proration' end as charge_type,
        charges.customer_id,
        charges.subscription_id,
        charges.currency,
        charges.billing_period_id,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        charges.subscribed_plan_id,
        charges.successor_plan_id,
        'ratable' as component_type,
        charges.service_period_start as span_start_at,
        charges.service_period_end as span_end_at,
        cast(charges.amount + charges.grandfathering_deferred_amount as decimal(38, 9)) as amount
    from charges
    where charges.is_grandfathered
),

contract_rated_metrics as (
    select distinct
        rated.rating_segment_id,
        rated.metric_code
    from rated
    where rated.rate_card_type = 'contract'
),

grandfathered_usage as (
    select
        segment_usage.*,
        segments.successor_plan_id,
        segments.subscribed_plan_id
    from segment_usage
    inner join segments
        on segment_usage.segment_id = segments.segment_id
    left join contract_rated_metrics
        on segment_usage.segment_id = contract_rated_metrics.rating_segment_id
        and segment_usage.metric_code = contract_rated_metrics.metric_code
    where segments.is_grandfathered
        and segment_usage.is_billable
        and segment_usage.segment_start <= {{ as_of() }}
        and contract_rated_metrics.rating_segment_id is null
),

successor_inputs as (
    select
        grandfathered_usage.segment_id as rating_segment_id,
        grandfathered_usage.metric_code,
        grandfathered_usage.billing_period_id,
        grandfathered_usage.customer_id,
        grandfathered_usage.subscription_id,
        grandfathered_usage.currency,
        grandfathered_usage.subscribed_plan_id,
        grandfathered_usage.successor_plan_id as plan_id,
        grandfathered_usage.period_start as price_effective_at,
        grandfathered_usage.segment_share,
        cast(
            case
                when plan_limits.limit_type = 'soft'
                    and grandfathered_usage.measured_quantity
                        > {{ scale_by_share('plan_limits.limit_quantity', 'grandfathered_usage.segment_share') }}
                    then {{ scale_by_share('plan_limits.limit_quantity', 'grandfathered_usage.segment_share') }}
                else grandfathered_usage.measured_quantity
            end as decimal(38, 9)
        ) as rated_quantity
    from grandfathered_usage
    left join plan_limits
        on grandfathered_usage.successor_plan_id = plan_limits.plan_id
        and grandfathered_usage.metric_code = plan_limits.metric_code
),

successor_bands as (
    select
        successor_inputs.rating_segment_id,
        successor_inputs.metric_code,
        rate_card_bands.charge_model,
        rate_card_bands.band_index,
        rate_card_bands.lower_bound,
        rate_card_bands.up_to,
        rate_card_bands.unit_amount,
        rate_card_bands.flat_amount,
        rate_card_bands.package_size,
        rate_card_bands.included_quantity
    from successor_inputs
    inner join rate_card_bands
        on successor_inputs.plan_id = rate_card_bands.plan_id
        and successor_inputs.metric_code = rate_card_bands.metric_code
        and successor_inputs.currency = rate_card_bands.currency
        and successor_inputs.price_effective_at >= rate_card_bands.effective_from
        and (rate_card_bands.effective_to is null or successor_inputs.price_effective_at < rate_card_bands.effective_to)
    where rate_card_bands.rate_card_type = 'plan'
),

successor_rated as (
    {{ rate_usage('successor_inputs', 'successor_bands') }}
),

usage_lines as (
    select
        successor_rated.billing_period_id,
        successor_rated.metric_code,
        successor_rated.customer_id,
        successor_rated.subscription_id,
        successor_rated.currency,
        successor_rated.subscribed_plan_id,
        successor_rated.plan_id as successor_plan_id,
        'successor' as measure,
        {{ round_money('successor_rated.amount') }} as line_amount
    from successor_rated
    union all
    select
        grandfathered_usage.billing_period_id,
        grandfathered_usage.metric_code,
        grandfathered_usage.customer_id,
        grandfathered_usage.subscription_id,
        grandfathered_usage.currency,
        grandfathered_usage.subscribed_plan_id,
        grandfathered_usage.successor_plan_id,
        'legacy' as measure,
        {{ round_money('rated.amount') }} as line_amount
    from grandfathered_usage
    inner join rated
        on grandfathered_usage.segment_id = rated.rating_segment_id
        and grandfathered_usage.metric_code = rated.metric_code
),

usage_measures as (
    select
        'usage|' || usage_lines.billing_period_id || '|' || usage_lines.metric_code || '|' || usage_lines.measure
            as component_key,
        usage_lines.measure,
        'usage' as charge_type,
        usage_lines.customer_id,
        usage_lines.subscription_id,
        usage_lines.currency,
        usage_lines.billing_period_id,
        usage_lines.metric_code,
        max(usage_lines.subscribed_plan_id) as subscribed_plan_id,
        max(usage_lines.successor_plan_id) as successor_plan_id,
        'usage' as component_type,
        max(periods.period_start) as span_start_at,
        max(periods.period_end) as span_end_at,
        cast(sum(usage_lines.line_amount) as decimal(38, 9)) as amount
    from usage_lines
    inner join periods
        on usage_lines.billing_period_id = periods.billing_period_id
    group by
        usage_lines.measure,
        usage_lines.customer_id,
        usage_lines.subscription_id,
        usage_lines.currency,
        usage_lines.billing_period_id,
        usage_lines.metric_code
),

components as (
    select * from fee_measures
    union all
    select * from usage_measures
),

final as (
    select
        md5(components.component_key) as grandfathering_component_id,
        components.measure,
        components.charge_type,
        components.component_type,
        components.customer_id,
        components.subscription_id,
        components.currency,
        components.billing_period_id,
        components.metric_code,
        components.subscribed_plan_id,
        components.successor_plan_id,
        components.span_start_at,
        components.span_end_at,
        case
            when periods.ended_at > components.span_start_at and periods.ended_at < components.span_end_at
                then periods.ended_at
        end as ended_at,
        components.amount
    from components
    left join periods
        on components.billing_period_id = periods.billing_period_id
    where components.amount <> 0
)

select * from final
