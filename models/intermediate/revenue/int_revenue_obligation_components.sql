{#- One row per component of a performance obligation (metrics.md, Revenue recognition
    (ASC 606)): the amount to recognize and how.

    Obligations (the unit of account; each has one obligation_id):
    - base_fee and proration: one per charge (int_base_fee_charges.charge_id), the
      stand-ready access of a service period. Transaction price: the amount of the
      finalized invoice line when its invoice is finalized (the ledger is what the
      customer pays: a finalized line never changes), else the charge rounded half-up
      to cents as its invoice line will be.
    - usage: one per billing period and metric, priced at the period's usage lines:
      the finalized lines of the ledger once the period's usage invoice is finalized,
      else the lines rated from the usage known at the as-of time, each rounded to
      cents (for a period still open, the estimate of the usage to date).
    - adjustment: one per finalized billing period and metric whose usage rated now
      differs from what its usage lines billed (late usage): the rated lines now
      minus the billed usage lines. The ledger bills it as `adjustment` lines.
    Components: band flat fees are recognized ratably over their segment (one
    `ratable` component per segment); the rest of a usage line and adjustments by the
    days' usage (`usage`); fees ratably over their service period (`ratable`). A
    cancellation inside a span ends the service there (ended_at). Zero amounts have
    no component. -#}

with invoices as (
    select * from {{ ref('fct_invoices') }}
),

ledger_lines as (
    select * from {{ ref('fct_invoice_lines') }}
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

periods as (
    select * from {{ ref('int_billing_periods') }}
),

finalized_invoices as (
    select
        invoices.invoice_id,
        invoices.subscription_id,
        invoices.boundary_at,
        invoices.usage_billing_period_id
    from invoices
    where invoices.status = 'finalized'
),

finalized_lines as (
    select ledger_lines.*
    from ledger_lines
    inner join finalized_invoices
        on ledger_lines.invoice_id = finalized_invoices.invoice_id
),

finalized_usage_periods as (
    select distinct finalized_invoices.usage_billing_period_id as billing_period_id
    from finalized_invoices
    where finalized_invoices.usage_billing_period_id is not null
),

-- base fees and proration ------------------------------------------------------------

fees_invoiced as (
    select
        'fee|' || finalized_lines.source_id as obligation_key,
        {{ revenue_line_obligation_type('finalized_lines') }} as obligation_type,
        finalized_lines.customer_id,
        finalized_lines.subscription_id,
        finalized_lines.currency,
        finalized_lines.billing_period_id,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        finalized_lines.service_period_start as span_start_at,
        finalized_lines.service_period_end as span_end_at,
        cast(finalized_lines.amount as decimal(38, 9)) as amount,
        'invoiced' as price_basis
    from finalized_lines
    where finalized_lines.line_type in ('base_fee', 'proration_credit', 'proration_charge')
),

fees_provisional as (
    -- charges whose invoice is not finalized yet (draft, held or not issued)
    select
        'fee|' || charges.charge_id as obligation_key,
        case when charges.charge_type = 'base_fee' then 'base_fee' else 'proration' end as obligation_type,
        charges.customer_id,
        charges.subscription_id,
        charges.currency,
        charges.billing_period_id,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        charges.service_period_start as span_start_at,
        charges.service_period_end as span_end_at,
        cast({{ round_money('charges.amount') }} as decimal(38, 9)) as amount,
        'provisional' as price_basis
    from charges
    left join finalized_invoices
        on charges.subscription_id = finalized_invoices.subscription_id
        and charges.invoice_boundary_at = finalized_invoices.boundary_at
    where finalized_invoices.invoice_id is null
),

fee_components as (
    select
        fees.*,
        'ratable' as component_type,
        fees.obligation_key as component_key
    from (
        select * from fees_invoiced
        union all
        select * from fees_provisional
    ) as fees
),

-- usage -------------------------------------------------------------------------------

usage_lines_invoiced as (
    select
        finalized_lines.customer_id,
        finalized_lines.subscription_id,
        finalized_lines.currency,
        finalized_lines.billing_period_id,
        finalized_lines.metric_code,
        finalized_lines.segment_id,
        finalized_lines.service_period_start,
        finalized_lines.service_period_end,
        finalized_lines.amount as line_amount,
        cast(finalized_lines.flat_amount as decimal(38, 9)) as flat_amount
    from finalized_lines
    where finalized_lines.line_type = 'usage'
),

usage_lines_rated as (
    -- every rated band, as the invoice will show it (each line rounded once)
    select
        rated.customer_id,
        rated.subscription_id,
        rated.currency,
        segments.billing_period_id,
        rated.metric_code,
        rated.rating_segment_id as segment_id,
        rated.segment_start as service_period_start,
        segments.segment_end as service_period_end,
        {{ round_money('rated.amount') }} as line_amount,
        cast(rated.flat_amount_charged as decimal(38, 9)) as flat_amount
    from rated
    inner join segments
        on rated.rating_segment_id = segments.segment_id
),

usage_lines_provisional as (
    select usage_lines_rated.*
    from usage_lines_rated
    left join finalized_usage_periods
        on usage_lines_rated.billing_period_id = finalized_usage_periods.billing_period_id
    where finalized_usage_periods.billing_period_id is null
),

usage_lines as (
    select usage_lines_invoiced.*, 'invoiced' as price_basis from usage_lines_invoiced
    union all
    select usage_lines_provisional.*, 'provisional' as price_basis from usage_lines_provisional
),

usage_segment_flat_fees as (
    -- band flat fees: ratable over their segment (the segment of today's data when
    -- it still exists, else the service period the line shows)
    select
        'usage|' || usage_lines.billing_period_id || '|' || usage_lines.metric_code as obligation_key,
        'usage' as obligation_type,
        usage_lines.customer_id,
        usage_lines.subscription_id,
        usage_lines.currency,
        usage_lines.billing_period_id,
        usage_lines.metric_code,
        usage_lines.segment_id,
        coalesce(min(segments.segment_start), min(usage_lines.service_period_start)) as span_start_at,
        coalesce(max(segments.segment_end), max(usage_lines.service_period_end)) as span_end_at,
        sum(usage_lines.flat_amount) as amount,
        max(usage_lines.price_basis) as price_basis
    from usage_lines
    left join segments
        on usage_lines.segment_id = segments.segment_id
    group by
        usage_lines.customer_id,
        usage_lines.subscription_id,
        usage_lines.currency,
        usage_lines.billing_period_id,
        usage_lines.metric_code,
        usage_lines.segment_id
),

usage_obligations as (
    select
        'usage|' || usage_lines.billing_period_id || '|' || usage_lines.metric_code as obligation_key,
        usage_lines.customer_id,
        usage_lines.subscription_id,
        usage_lines.currency,
        usage_lines.billing_period_id,
        usage_lines.metric_code,
        sum(usage_lines.line_amount) as price_amount,
        sum(usage_lines.flat_amount) as flat_amount,
        max(usage_lines.price_basis) as price_basis
    from usage_lines
    group by
        usage_lines.customer_id,
        usage_lines.subscription_id,
        usage_lines.currency,
        usage_lines.billing_period_id,
        usage_lines.metric_code
),

usage_flat_components as (
    select
        usage_segment_flat_fees.*,
        'ratable' as component_type,
        usage_segment_flat_fees.obligation_key || '|flat|' || usage_segment_flat_fees.segment_id as component_key
    from usage_segment_flat_fees
),

usage_unit_components as (
    -- the line amounts less their flat fees (rounding included), by the days' usage
    select
        usage_obligations.obligation_key,
        'usage' as obligation_type,
        usage_obligations.customer_id,
        usage_obligations.subscription_id,
        usage_obligations.currency,
        usage_obligations.billing_period_id,
        usage_obligations.metric_code,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        periods.period_start as span_start_at,
        periods.period_end as span_end_at,
        cast(usage_obligations.price_amount - usage_obligations.flat_amount as decimal(38, 9)) as amount,
        usage_obligations.price_basis,
        'usage' as component_type,
        usage_obligations.obligation_key || '|units' as component_key
    from usage_obligations
    inner join periods
        on usage_obligations.billing_period_id = periods.billing_period_id
),

-- adjustments: late usage of finalized periods ------------------------------------------

rated_totals as (
    select
        usage_lines_rated.billing_period_id,
        usage_lines_rated.metric_code,
        usage_lines_rated.customer_id,
        usage_lines_rated.subscription_id,
        usage_lines_rated.currency,
        sum(usage_lines_rated.line_amount) as rated_amount
    from usage_lines_rated
    inner join finalized_usage_periods
        on usage_lines_rated.billing_period_id = finalized_usage_periods.billing_period_id
    group by
        usage_lines_rated.billing_period_id,
        usage_lines_rated.metric_code,
        usage_lines_rated.customer_id,
        usage_lines_rated.subscription_id,
        usage_lines_rated.currency
),

billed_usage_totals as (
    select
        usage_lines_invoiced.billing_period_id,
        usage_lines_invoiced.metric_code,
        sum(usage_lines_invoiced.line_amount) as billed_amount
    from usage_lines_invoiced
    group by usage_lines_invoiced.billing_period_id, usage_lines_invoiced.metric_code
),

adjustment_components as (
    select
        'adjustment|' || rated_totals.billing_period_id || '|' || rated_totals.metric_code as obligation_key,
        'adjustment' as obligation_type,
        rated_totals.customer_id,
        rated_totals.subscription_id,
        rated_totals.currency,
        rated_totals.billing_period_id,
        rated_totals.metric_code,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        periods.period_start as span_start_at,
        periods.period_end as span_end_at,
        cast(rated_totals.rated_amount - coalesce(billed_usage_totals.billed_amount, 0) as decimal(38, 9)) as amount,
        'provisional' as price_basis,
        'usage' as component_type,
        'adjustment|' || rated_totals.billing_period_id || '|' || rated_totals.metric_code as component_key
    from rated_totals
    inner join periods
        on rated_totals.billing_period_id = periods.billing_period_id
    left join billed_usage_totals
        on rated_totals.billing_period_id = billed_usage_totals.billing_period_id
        and rated_totals.metric_code = billed_usage_totals.metric_code
),

components as (
    select * from fee_components
    union all
    select * from usage_flat_components
    union all
    select * from usage_unit_components
    union all
    select * from adjustment_components
),

final as (
    select
        md5(components.component_key) as obligation_component_id,
        md5(components.obligation_key) as obligation_id,
        components.obligation_type,
        components.component_type,
        components.customer_id,
        components.subscription_id,
        components.currency,
        components.billing_period_id,
        components.metric_code,
        components.segment_id,
        components.span_start_at,
        components.span_end_at,
        -- a cancellation strictly inside the span ends the service there
        case
            when periods.ended_at > components.span_start_at and periods.ended_at < components.span_end_at
                then periods.ended_at
        end as ended_at,
        components.amount,
        components.price_basis,
        components.obligation_key
    from components
    left join periods
        on components.billing_period_id = periods.billing_period_id
    where components.amount <> 0
)

select * from final
