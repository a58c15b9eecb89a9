{{ config(meta={'dagster': {'ref': {'name': 'int_base_fee_charges'}}}) }}

{#- The base-fee charges of a period tie out to its segments: exactly one base fee,
    one credit and one charge per plan change, and the period's net (base fee +
    credits + charges) equals the sum over segments of base_fee_amount x
    segment_seconds / period_seconds, each plan paid for the time it was in force.
    The two sides are computed independently; truncation at 1e-18 per term is
    the only tolerated difference. Returns the offending periods. -#}

with segments as (
    select * from {{ ref('int_subscription_segments') }}
),

charges as (
    select * from {{ ref('int_base_fee_charges') }}
),

expected as (
    select
        segments.billing_period_id,
        count(*) - 1 as change_count,
        sum({{ exact_ratio('segments.base_fee_amount', 'segments.segment_seconds', 'segments.period_seconds') }})
            as expected_net_amount
    from segments
    group by segments.billing_period_id
),

actual as (
    select
        charges.billing_period_id,
        sum(case when charges.charge_type = 'base_fee' then 1 else 0 end) as base_fee_count,
        sum(case when charges.charge_type = 'proration_credit' then 1 else 0 end) as credit_count,
        sum(case when charges.charge_type = 'proration_charge' then 1 else 0 end) as charge_count,
        sum(case when charges.charge_type = 'proration_credit' and charges.amount > 0 then 1 else 0 end)
            as positive_credit_count,
        sum(charges.amount) as net_amount
    from charges
    group by charges.billing_period_id
)

select
    expected.billing_period_id,
    expected.change_count,
    expected.expected_net_amount,
    actual.base_fee_count,
    actual.credit_count,
    actual.charge_count,
    actual.net_amount
from expected
left join actual
    on expected.billing_period_id = actual.billing_period_id
where actual.billing_period_id is null
    or actual.base_fee_count <> 1
    or actual.credit_count <> expected.change_count
    or actual.charge_count <> expected.change_count
    or actual.positive_credit_count > 0
    or abs(actual.net_amount - expected.expected_net_amount) > 0.000000000001
