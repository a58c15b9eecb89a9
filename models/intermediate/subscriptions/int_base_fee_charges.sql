{#- One row per base-fee or proration charge, with the invoice boundary that carries
    it (billing-rules.md, Invoices; Plan changes and proration).
    - base_fee: the monthly base fee of the plan in force at a period's start, billed
      in advance on the invoice at that start (the first one at creation). A
      cancellation exactly at a boundary opens no period, so bills no base fee.
    - proration_credit / proration_charge: for a change at t in [s, e), the old
      plan's fee x (e - t) / (e - s) credited and the new plan's charged, by seconds,
      on the invoice at e, or at the cancellation's final invoice when the period
      ends early. A cancellation refunds nothing.
    Amounts are unrounded DECIMAL(38, 18); invoices round each line once. -#}

with segments as (
    select * from {{ ref('int_subscription_segments') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

segment_periods as (
    select
        segments.*,
        periods.ended_at,
        periods.period_start_local,
        periods.period_end_local
    from segments
    inner join periods
        on segments.billing_period_id = periods.billing_period_id
),

base_fees as (
    select
        segment_periods.segment_id,
        'base_fee' as charge_type,
        segment_periods.period_start as service_period_start,
        segment_periods.period_end as service_period_end,
        segment_periods.subscribed_plan_id,
        segment_periods.billed_plan_id,
        segment_periods.is_grandfathered,
        segment_periods.successor_plan_id,
        segment_periods.base_fee_amount as unit_amount,
        segment_periods.successor_base_fee_amount as successor_unit_amount,
        segment_periods.period_seconds as quantity_seconds,
        1 as amount_sign,
        segment_periods.period_start as invoice_boundary_at,
        'base fee ' || segment_periods.billed_plan_id
            || case when segment_periods.is_grandfathered then ' (grandfathered)' else '' end
            || ', period ' || cast(segment_periods.period_start_local as {{ dbt.type_string() }})
            || ' to ' || cast(segment_periods.period_end_local as {{ dbt.type_string() }})
            || ' ' || segment_periods.billing_timezone
            || ', billed in advance' as explanation
    from segment_periods
    where segment_periods.segment_index = 0
),

changes as (
    -- Each segment after the first starts with a plan change; pair it with the
    -- segment it replaces.
    select
        new_segments.*,
        old_segments.billed_plan_id as old_billed_plan_id,
        old_segments.subscribed_plan_id as old_subscribed_plan_id,
        old_segments.is_grandfathered as old_is_grandfathered,
        old_segments.base_fee_amount as old_base_fee_amount,
        old_segments.successor_plan_id as old_successor_plan_id,
        old_segments.successor_base_fee_amount as old_successor_base_fee_amount,
        {{ dbt.datediff('new_segments.segment_start', 'new_segments.period_end', 'second') }} as remaining_seconds,
        case
            when new_segments.ended_at < new_segments.period_end then new_segments.ended_at
            else new_segments.period_end
        end as proration_invoice_at
    from segment_periods as new_segments
    inner join segment_periods as old_segments
        on new_segments.billing_period_id = old_segments.billing_period_id
        and new_segments.segment_index = old_segments.segment_index + 1
),

proration_credits as (
    select
        changes.segment_id,
        'proration_credit' as charge_type,
        changes.segment_start as service_period_start,
        changes.period_end as service_period_end,
        changes.old_subscribed_plan_id as subscribed_plan_id,
        changes.old_billed_plan_id as billed_plan_id,
        changes.old_is_grandfathered as is_grandfathered,
        changes.old_successor_plan_id as successor_plan_id,
        changes.old_base_fee_amount as unit_amount,
        changes.old_successor_base_fee_amount as successor_unit_amount,
        changes.remaining_seconds as quantity_seconds,
        -1 as amount_sign,
        changes.proration_invoice_at as invoice_boundary_at,
        'credit for unused ' || changes.old_billed_plan_id || ' base fee from the plan change at '
            || cast(changes.segment_start as {{ dbt.type_string() }}) || ' UTC to the period end' as explanation
    from changes
),

proration_charges as (
    select
        changes.segment_id,
        'proration_charge' as charge_type,
        changes.segment_start as service_period_start,
        changes.period_end as service_period_end,
        changes.subscribed_plan_id,
        changes.billed_plan_id,
        changes.is_grandfathered,
        changes.successor_plan_id,
        changes.base_fee_amount as unit_amount,
        changes.successor_base_fee_amount as successor_unit_amount,
        changes.remaining_seconds as quantity_seconds,
        1 as amount_sign,
        changes.proration_invoice_at as invoice_boundary_at,
        'charge for ' || changes.billed_plan_id || ' base fee from the plan change at '
            || cast(changes.segment_start as {{ dbt.type_string() }}) || ' UTC to the period end' as explanation
    from changes
),

charges as (
    select * from base_fees
    union all
    select * from proration_credits
    union all
    select * from proration_charges
),

final as (
    select
        md5(charges.segment_id || '|' || charges.charge_type) as charge_id,
        charges.charge_type,
        segment_periods.subscription_id,
        segment_periods.customer_id,
        segment_periods.billing_period_id,
        charges.segment_id,
        segment_periods.period_index,

        charges.invoice_boundary_at,
        cast({{ utc_to_local('charges.invoice_boundary_at', 'segment_periods.billing_timezone') }} as date)
            as invoice_date,
        segment_periods.period_start,
        segment_periods.period_end,
        charges.service_period_start,
        charges.service_period_end,

        charges.subscribed_plan_id,
        charges.billed_plan_id,
        charges.is_grandfathered,
        charges.successor_plan_id,

        segment_periods.currency,
        charges.unit_amount,
        charges.quantity_seconds,
        segment_periods.period_seconds,
        {{ exact_ratio(1, 'charges.quantity_seconds', 'segment_periods.period_seconds') }} as quantity,
        cast(charges.amount_sign * {{ exact_ratio(
            'charges.unit_amount', 'charges.quantity_seconds', 'segment_periods.period_seconds'
        ) }} as decimal(38, 18)) as amount,
        -- What grandfathering deferred on this line: the successor's amount minus
        -- the legacy amount (0 when not grandfathered).
        case
            when charges.is_grandfathered
                then cast(charges.amount_sign * (
                    {{ exact_ratio(
                        'charges.successor_unit_amount', 'charges.quantity_seconds', 'segment_periods.period_seconds'
                    ) }}
                    - {{ exact_ratio(
                        'charges.unit_amount', 'charges.quantity_seconds', 'segment_periods.period_seconds'
                    ) }}
                ) as decimal(38, 18))
            else cast(0 as decimal(38, 18))
        end as grandfathering_deferred_amount,
        charges.explanation
    from charges
    inner join segment_periods
        on charges.segment_id = segment_periods.segment_id
)

select * from final
