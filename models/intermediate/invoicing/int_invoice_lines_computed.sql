{#- One row per invoice line as rated from the data known at the as-of time, for every
    issued invoice, before the ledger: base fees and proration (int_base_fee_charges),
    usage per metric and band (int_usage_rated: every reached band, and band 1 always,
    so every metric of a billed period shows even at zero), and zero-priced grace lines
    (int_segment_usage). Each line is rounded once, half-up, to cents. Adjustments for
    late usage are added by the ledger (fct_invoice_lines), which knows what was billed. -#}

with invoices as (
    select * from {{ ref('int_invoices_issued') }}
),

charges as (
    select * from {{ ref('int_base_fee_charges') }}
),

rated as (
    select * from {{ ref('int_usage_rated') }}
),

segments as (
    select * from {{ ref('int_subscription_segments') }}
),

segment_usage as (
    select * from {{ ref('int_segment_usage') }}
),

base_fee_lines as (
    select
        invoices.invoice_id,
        charges.charge_type as line_type,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        charges.billing_period_id,
        charges.segment_id,
        charges.service_period_start,
        charges.service_period_end,
        charges.billed_plan_id as plan_id,
        charges.is_grandfathered,
        cast(null as {{ dbt.type_string() }}) as charge_model,
        cast(null as integer) as band_index,
        cast(charges.quantity as decimal(38, 18)) as quantity,
        cast(charges.quantity as decimal(38, 18)) as billable_units,
        cast(charges.unit_amount as decimal(38, 9)) as unit_amount,
        cast(0 as decimal(38, 18)) as flat_amount,
        cast(charges.amount as decimal(38, 18)) as amount_unrounded,
        charges.charge_id as source_id,
        charges.explanation as description
    from charges
    inner join invoices
        on charges.subscription_id = invoices.subscription_id
        and charges.invoice_boundary_at = invoices.boundary_at
),

usage_lines as (
    select
        invoices.invoice_id,
        'usage' as line_type,
        rated.metric_code,
        segments.billing_period_id,
        rated.rating_segment_id as segment_id,
        rated.segment_start as service_period_start,
        least(rated.segment_end, segments.usage_segment_end) as service_period_end,
        rated.plan_id,
        segments.is_grandfathered,
        rated.charge_model,
        rated.band_index,
        cast(rated.band_quantity as decimal(38, 18)) as quantity,
        cast(rated.billable_units as decimal(38, 18)) as billable_units,
        rated.unit_amount,
        cast(rated.flat_amount_charged as decimal(38, 18)) as flat_amount,
        cast(rated.amount as decimal(38, 18)) as amount_unrounded,
        rated.rated_usage_band_id as source_id,
        rated.metric_code || ' band ' || cast(rated.band_index as {{ dbt.type_string() }})
            || ' (' || rated.charge_model || ', ' || rated.rate_card_type || ' card'
            || case when rated.band_upper_bound is null
                then ' above ' || {{ decimal_text('rated.band_lower_bound', 9) }}
                else ' from ' || {{ decimal_text('rated.band_lower_bound', 9) }}
                    || ' to ' || {{ decimal_text('rated.band_upper_bound', 9) }}
            end
            || ')' as description
    from rated
    inner join segments
        on rated.rating_segment_id = segments.segment_id
    inner join invoices
        on segments.billing_period_id = invoices.usage_billing_period_id
    where rated.band_index = 1
        or rated.band_quantity > 0
        or rated.flat_amount_charged > 0
),

grace_lines as (
    select
        invoices.invoice_id,
        'grace' as line_type,
        segment_usage.metric_code,
        segment_usage.billing_period_id,
        segment_usage.segment_id,
        segment_usage.grace_window_start as service_period_start,
        segment_usage.grace_window_end as service_period_end,
        segments.billed_plan_id as plan_id,
        segments.is_grandfathered,
        cast(null as {{ dbt.type_string() }}) as charge_model,
        cast(null as integer) as band_index,
        cast(segment_usage.grace_quantity as decimal(38, 18)) as quantity,
        cast(segment_usage.grace_quantity as decimal(38, 18)) as billable_units,
        cast(0 as decimal(38, 9)) as unit_amount,
        cast(0 as decimal(38, 18)) as flat_amount,
        cast(0 as decimal(38, 18)) as amount_unrounded,
        segment_usage.segment_id || '|' || segment_usage.metric_code as source_id,
        segment_usage.metric_code || ' above the soft limit of '
            || {{ decimal_text('segment_usage.limit_quantity', 9) }}
            || ' inside the grace window opened at '
            || cast(segment_usage.grace_window_start as {{ dbt.type_string() }}) || ' UTC: free' as description
    from segment_usage
    inner join segments
        on segment_usage.segment_id = segments.segment_id
    inner join invoices
        on segment_usage.billing_period_id = invoices.usage_billing_period_id
    where segment_usage.grace_quantity > 0
),

lines as (
    select * from base_fee_lines
    union all
    select * from usage_lines
    union all
    select * from grace_lines
),

final as (
    select
        md5(lines.invoice_id || '|' || lines.line_type || '|' || lines.source_id) as invoice_line_id,
        lines.invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        invoices.currency,
        invoices.computed_status as invoice_status,
        lines.line_type,
        lines.metric_code,
        lines.billing_period_id,
        lines.segment_id,
        lines.service_period_start,
        lines.service_period_end,
        lines.plan_id,
        lines.is_grandfathered,
        lines.charge_model,
        lines.band_index,
        lines.quantity,
        lines.billable_units,
        lines.unit_amount,
        lines.flat_amount,
        lines.amount_unrounded,
        {{ round_money('lines.amount_unrounded') }} as amount,
        lines.source_id,
        lines.description
    from lines
    inner join invoices
        on lines.invoice_id = invoices.invoice_id
)

select * from final
