{{ config(meta={'dagster': {'ref': {'name': 'int_rate_card_bands'}}}) }}

{#- The plan catalog as seeded rates the published cases of billing-rules.md, through
    the same rating macro as int_usage_rated: Scale, 12,500,000 requests = 125.00 of
    usage, 724.00 with the 599 base fee; 10,000,001 = 0.05; Professional, 1,200
    compute hours = 69.00; plus our assumed prices (explorer 0.10 per started
    1,000 beyond 500,000; storage 0.20 then 0.15) and a legacy plan at 0.
    Returns the cases whose amounts differ (or that found no card). -#}

with rate_card_bands as (
    select * from {{ ref('int_rate_card_bands') }}
),

plan_prices as (
    select * from {{ ref('plan_prices') }}
),

plan_price_versions as (
    select
        plan_prices.*,
        lead(plan_prices.effective_from) over (
            partition by plan_prices.plan_id, plan_prices.currency
            order by plan_prices.effective_from
        ) as effective_to
    from plan_prices
),

{%- set cases = [
    ('scale_api_12_5m', 'scale', 'USD', 'api_requests', '12500000', '125.00', '724.00'),
    ('scale_api_10m_plus_1', 'scale', 'USD', 'api_requests', '10000001', '0.05', '599.05'),
    ('scale_api_10m', 'scale', 'USD', 'api_requests', '10000000', '0.00', '599.00'),
    ('scale_api_12_5m_eur', 'scale', 'EUR', 'api_requests', '12500000', '125.00', '724.00'),
    ('professional_compute_1200', 'professional', 'USD', 'compute_hours', '1200', '69.00', '268.00'),
    ('professional_compute_1000', 'professional', 'USD', 'compute_hours', '1000', '76.00', '275.00'),
    ('explorer_api_500k', 'explorer', 'USD', 'api_requests', '500000', '0.00', '49.00'),
    ('explorer_api_500k_plus_1001', 'explorer', 'USD', 'api_requests', '501001', '0.20', '49.20'),
    ('professional_storage_10100', 'professional', 'USD', 'storage_gb', '10100', '1995.00', '2194.00'),
    ('scale_bandwidth_5100', 'scale', 'USD', 'bandwidth_gb', '5100.5', '9.05', '608.05'),
    ('starter_api_90k', 'starter', 'USD', 'api_requests', '90000', '0.00', '29.00'),
] %}

cases as (
    {%- for case in cases %}
    select
        '{{ case[0] }}' as rating_segment_id,
        '{{ case[1] }}' as plan_id,
        '{{ case[2] }}' as currency,
        '{{ case[3] }}' as metric_code,
        cast('2026-03-01 00:00:00' as timestamp) as price_effective_at,
        cast({{ case[4] }} as decimal(38, 9)) as rated_quantity,
        cast(1 as decimal(38, 18)) as segment_share,
        cast({{ case[5] }} as decimal(38, 2)) as expected_usage_amount,
        cast({{ case[6] }} as decimal(38, 2)) as expected_invoice_amount
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

case_bands as (
    select
        cases.rating_segment_id,
        cases.metric_code,
        rate_card_bands.charge_model,
        rate_card_bands.band_index,
        rate_card_bands.lower_bound,
        rate_card_bands.up_to,
        rate_card_bands.unit_amount,
        rate_card_bands.flat_amount,
        rate_card_bands.package_size,
        rate_card_bands.included_quantity
    from cases
    inner join rate_card_bands
        on rate_card_bands.rate_card_type = 'plan'
        and cases.plan_id = rate_card_bands.plan_id
        and cases.currency = rate_card_bands.currency
        and cases.metric_code = rate_card_bands.metric_code
        and cases.price_effective_at >= rate_card_bands.effective_from
        and (rate_card_bands.effective_to is null or cases.price_effective_at < rate_card_bands.effective_to)
),

rated as (
    {{ rate_usage('cases', 'case_bands') }}
),

usage_totals as (
    select
        rated.rating_segment_id,
        round(sum(rated.amount), 2) as usage_amount
    from rated
    group by rated.rating_segment_id
),

final as (
    select
        cases.rating_segment_id,
        cases.expected_usage_amount,
        usage_totals.usage_amount,
        cases.expected_invoice_amount,
        plan_prices.base_fee_amount + usage_totals.usage_amount as invoice_amount
    from cases
    left join usage_totals
        on cases.rating_segment_id = usage_totals.rating_segment_id
    left join plan_price_versions as plan_prices
        on cases.plan_id = plan_prices.plan_id
        and cases.currency = plan_prices.currency
        and cases.price_effective_at >= plan_prices.effective_from
        and (plan_prices.effective_to is null or cases.price_effective_at < plan_prices.effective_to)
    where usage_totals.usage_amount is null
        or usage_totals.usage_amount <> cases.expected_usage_amount
        or plan_prices.base_fee_amount + usage_totals.usage_amount <> cases.expected_invoice_amount
)

select * from final
