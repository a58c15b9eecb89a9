{#- One row per rating segment, metric and band of the rate card that applies:
    the band's quantity, billable units, flat fee and unrounded amount. Every band
    of the card has a row, reached or not (the first band's flat fee is charged
    every period, even without usage). -#}

{%- set card_columns = [
    'rate_card_type', 'rate_card_id', 'rate_card_band_id', 'effective_from', 'charge_model',
    'band_index', 'lower_bound', 'up_to', 'unit_amount', 'flat_amount', 'package_size',
    'included_quantity',
] -%}

with rating_inputs as (
    select * from {{ ref('int_rating_inputs') }}
),

rate_card_bands as (
    select * from {{ ref('int_rate_card_bands') }}
),

-- the customer's own rate card for the metric, the version in force at the price instant
contract_card_bands as (
    select
        rating_inputs.rating_segment_id,
        rating_inputs.metric_code,
        {%- for column in card_columns %}
        rate_card_bands.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from rating_inputs
    inner join rate_card_bands
        on rating_inputs.customer_id = rate_card_bands.customer_id
        and rating_inputs.metric_code = rate_card_bands.metric_code
        and (rate_card_bands.currency is null or rating_inputs.currency = rate_card_bands.currency)
        and rating_inputs.price_effective_at >= rate_card_bands.effective_from
        and (rate_card_bands.effective_to is null or rating_inputs.price_effective_at < rate_card_bands.effective_to)
    where rate_card_bands.rate_card_type = 'contract'
),

-- the plan's charge for the metric in the segment's currency, the version in force at the price instant
plan_card_bands as (
    select
        rating_inputs.rating_segment_id,
        rating_inputs.metric_code,
        {%- for column in card_columns %}
        rate_card_bands.{{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from rating_inputs
    inner join rate_card_bands
        on rating_inputs.plan_id = rate_card_bands.plan_id
        and rating_inputs.metric_code = rate_card_bands.metric_code
        and rating_inputs.currency = rate_card_bands.currency
        and rating_inputs.price_effective_at >= rate_card_bands.effective_from
        and (rate_card_bands.effective_to is null or rating_inputs.price_effective_at < rate_card_bands.effective_to)
    where rate_card_bands.rate_card_type = 'plan'
),

contract_rated_metrics as (
    select distinct
        contract_card_bands.rating_segment_id,
        contract_card_bands.metric_code
    from contract_card_bands
),

-- a contract card replaces the plan's charge for that metric (billing-rules.md)
selected_card_bands as (
    select * from contract_card_bands
    union all
    select plan_card_bands.*
    from plan_card_bands
    left join contract_rated_metrics
        on plan_card_bands.rating_segment_id = contract_rated_metrics.rating_segment_id
        and plan_card_bands.metric_code = contract_rated_metrics.metric_code
    where contract_rated_metrics.rating_segment_id is null
),

rated as (
    {{ rate_usage(
        'rating_inputs',
        'selected_card_bands',
        band_columns=['rate_card_type', 'rate_card_id', 'rate_card_band_id', 'effective_from as rate_card_effective_from']
    ) }}
),

{%- set rated_band_key -%}
    rated.rating_segment_id || '|' || rated.metric_code || '|' || cast(rated.band_index as {{ dbt.type_string() }})
{%- endset %}

final as (
    select
        -- keys
        {{ dbt.hash(rated_band_key) }} as rated_usage_band_id,
        rated.rating_segment_id,
        rated.metric_code,
        rated.band_index,
        rated.customer_id,
        rated.subscription_id,
        rated.plan_id,
        rated.currency,

        -- period and segment
        rated.period_start,
        rated.period_end,
        rated.segment_start,
        rated.segment_end,
        rated.segment_share,
        rated.price_effective_at,

        -- the card
        rated.rate_card_type,
        rated.rate_card_id,
        rated.rate_card_band_id,
        rated.rate_card_effective_from,
        rated.charge_model,
        rated.is_last_band,
        rated.is_free_band,
        rated.band_lower_bound,
        rated.band_upper_bound,
        rated.package_size,
        rated.unit_amount,

        -- quantities
        rated.rated_quantity,
        rated.included_quantity,
        rated.quantity_after_included,
        rated.is_band_reached,
        rated.band_quantity,
        rated.billable_units,

        -- money (unrounded; an invoice line is rounded once)
        rated.flat_amount_charged,
        rated.amount
    from rated
)

select * from final
