{#- Pricing projections with the billing engine's own rules (metrics.md, The upgrade
    funnel and CRM alerts; Usage transparency): the card is chosen as
    int_usage_rated chooses it, and quantities go through the rating macro
    `rate_usage` (macros/rating/rate_usage.sql). No second rating rule lives here. -#}


{#- The rate card bands that apply to each priced item, chosen as int_usage_rated
    chooses them: the customer's contract card for the metric in force at the price
    instant (any currency, or the item's), else the plan's card in the item's
    currency in force at that instant.

    items: a relation or CTE with one row per (rating_segment_id, metric_code) and
        customer_id, plan_id, currency, price_effective_at.
    Returns a query with one row per item and band: rating_segment_id, metric_code,
    rate_card_type, rate_card_id, and the band columns rate_usage reads. -#}
{% macro growth_selected_rate_card_bands(items) -%}
    {%- set card_columns = [
        'rate_card_type', 'rate_card_id', 'charge_model', 'band_index', 'is_last_band', 'is_free_band',
        'lower_bound', 'up_to', 'unit_amount', 'flat_amount', 'package_size', 'included_quantity',
    ] -%}
    with growth_card_items as (
        select * from {{ items }}
    ),

    growth_card_bands as (
        select * from {{ ref('int_rate_card_bands') }}
    ),

    growth_contract_bands as (
        select
            growth_card_items.rating_segment_id,
            growth_card_items.metric_code,
            {%- for column in card_columns %}
            growth_card_bands.{{ column }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from growth_card_items
        inner join growth_card_bands
            on growth_card_items.customer_id = growth_card_bands.customer_id
            and growth_card_items.metric_code = growth_card_bands.metric_code
            and (growth_card_bands.currency is null or growth_card_items.currency = growth_card_bands.currency)
            and growth_card_items.price_effective_at >= growth_card_bands.effective_from
            and (growth_card_bands.effective_to is null or growth_card_items.price_effective_at < growth_card_bands.effective_to)
        where growth_card_bands.rate_card_type = 'contract'
    ),

    growth_plan_bands as (
        select
            growth_card_items.rating_segment_id,
            growth_card_items.metric_code,
            {%- for column in card_columns %}
            growth_card_bands.{{ column }}{% if not loop.last %},{% endif %}
            {%- endfor %}
        from growth_card_items
        inner join growth_card_bands
            on growth_card_items.plan_id = growth_card_bands.plan_id
            and growth_card_items.metric_code = growth_card_bands.metric_code
            and growth_card_items.currency = growth_card_bands.currency
            and growth_card_items.price_effective_at >= growth_card_bands.effective_from
            and (growth_card_bands.effective_to is null or growth_card_items.price_effective_at < growth_card_bands.effective_to)
        where growth_card_bands.rate_card_type = 'plan'
    ),

    growth_contract_metrics as (
        select distinct
            growth_contract_bands.rating_segment_id,
            growth_contract_bands.metric_code
        from growth_contract_bands
    ),

    -- a contract card replaces the plan's charge for that metric (billing-rules.md)
    growth_selected_bands as (
        select * from growth_contract_bands
        union all
        select growth_plan_bands.*
        from growth_plan_bands
        left join growth_contract_metrics
            on growth_plan_bands.rating_segment_id = growth_contract_metrics.rating_segment_id
            and growth_plan_bands.metric_code = growth_contract_metrics.metric_code
        where growth_contract_metrics.rating_segment_id is null
    )

    select * from growth_selected_bands
{%- endmacro %}


{#- The charge of projected quantities: each item rated through `rate_usage` on the card
    chosen by growth_selected_rate_card_bands, at full allowance (segment_share 1: the
    whole period on that plan), with no grace; each band line rounded once, half-up
    to cents as invoice lines are (round_money), then summed.

    items: a relation or CTE with one row per (rating_segment_id, metric_code) and
        customer_id, plan_id, currency, price_effective_at, rated_quantity.
    Returns a query with one row per item: rating_segment_id, metric_code,
    charge_amount (DECIMAL(18, 2)), rate_card_type, rate_card_id. An item whose
    metric has no card gets no row. -#}
{% macro growth_price_quantities(items) -%}
    with growth_price_items as (
        select
            {{ items }}.*,
            cast(1 as decimal(38, 18)) as segment_share
        from {{ items }}
    ),

    growth_price_bands as (
        {{ growth_selected_rate_card_bands('growth_price_items') }}
    ),

    growth_price_rated as (
        {{ rate_usage('growth_price_items', 'growth_price_bands', band_columns=['rate_card_type', 'rate_card_id']) }}
    ),

    growth_price_lines as (
        select
            growth_price_rated.rating_segment_id,
            growth_price_rated.metric_code,
            growth_price_rated.rate_card_type,
            growth_price_rated.rate_card_id,
            {{ round_money('growth_price_rated.amount') }} as line_amount
        from growth_price_rated
    ),

    growth_price_charges as (
        select
            growth_price_lines.rating_segment_id,
            growth_price_lines.metric_code,
            max(growth_price_lines.rate_card_type) as rate_card_type,
            max(growth_price_lines.rate_card_id) as rate_card_id,
            cast(sum(growth_price_lines.line_amount) as decimal(18, 2)) as charge_amount
        from growth_price_lines
        group by growth_price_lines.rating_segment_id, growth_price_lines.metric_code
    )

    select * from growth_price_charges
{%- endmacro %}
