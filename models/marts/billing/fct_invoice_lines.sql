{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        full_refresh=false,
        on_schema_change='fail',
        pre_hook="{{ delete_unfinalized(this) }}",
    )
}}

{#- One row per invoice line: the append-only invoice ledger. Lines of finalized invoices
    are written once and never change again (`full_refresh: false`; the pre-hook only
    drops draft and held lines, which every run recomputes). Adjustment lines bill late
    usage of finalized periods on the subscription's next open invoice: for each
    finalized period and metric, the usage lines rated on the corrected total minus
    everything already billed for it (usage and earlier adjustments); a negative
    result is a credit. -#}

-- depends_on: {{ ref('int_invoices_issued') }}
-- depends_on: {{ ref('int_billing_periods') }}

with computed as (
    select * from {{ ref('int_invoice_lines_computed') }}
),

{% if is_incremental() %}
invoices as (
    -- the issued invoices: where an adjustment line goes
    select * from {{ ref('int_invoices_issued') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

ledger as (
    -- after the pre-hook, only finalized lines remain
    select * from {{ this }}
),

finalized_invoices as (
    select distinct invoice_id from ledger
),

billed as (
    select
        ledger.subscription_id,
        ledger.billing_period_id,
        ledger.metric_code,
        sum(ledger.quantity) as billed_quantity,
        sum(ledger.amount) as billed_amount
    from ledger
    where ledger.line_type in ('usage', 'adjustment')
    group by ledger.subscription_id, ledger.billing_period_id, ledger.metric_code
),

corrected as (
    select
        computed.subscription_id,
        computed.billing_period_id,
        computed.metric_code,
        sum(computed.quantity) as corrected_quantity,
        sum(computed.amount) as corrected_amount
    from computed
    where computed.line_type = 'usage'
    group by computed.subscription_id, computed.billing_period_id, computed.metric_code
),

differences as (
    select
        billed.subscription_id,
        billed.billing_period_id,
        billed.metric_code,
        billed.billed_quantity,
        billed.billed_amount,
        coalesce(corrected.corrected_quantity, 0) as corrected_quantity,
        coalesce(corrected.corrected_amount, 0) as corrected_amount,
        coalesce(corrected.corrected_amount, 0) - billed.billed_amount as adjustment_amount
    from billed
    left join corrected
        on billed.subscription_id = corrected.subscription_id
        and billed.billing_period_id = corrected.billing_period_id
        and billed.metric_code = corrected.metric_code
    -- a quantity change alone (late usage inside an allowance or a free band) is also
    -- posted, at amount 0, so billed quantities always add up to the usage
    where coalesce(corrected.corrected_amount, 0) <> billed.billed_amount
        or coalesce(corrected.corrected_quantity, 0) <> billed.billed_quantity
),

next_open_invoice as (
    -- the earliest issued invoice of each subscription that is not finalized yet
    select
        invoices.subscription_id,
        min(invoices.boundary_at) as boundary_at
    from invoices
    where invoices.invoice_id not in (select invoice_id from finalized_invoices)
    group by invoices.subscription_id
),

adjustment_lines as (
    select
        md5(invoices.invoice_id || '|adjustment|' || differences.billing_period_id || '|' || differences.metric_code)
            as invoice_line_id,
        invoices.invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        invoices.currency,
        invoices.computed_status as invoice_status,
        'adjustment' as line_type,
        differences.metric_code,
        differences.billing_period_id,
        cast(null as {{ dbt.type_string() }}) as segment_id,
        periods.period_start as service_period_start,
        periods.period_end as service_period_end,
        cast(null as {{ dbt.type_string() }}) as plan_id,
        false as is_grandfathered,
        cast(null as {{ dbt.type_string() }}) as charge_model,
        cast(null as integer) as band_index,
        cast(differences.corrected_quantity - differences.billed_quantity as decimal(38, 18)) as quantity,
        cast(differences.corrected_quantity - differences.billed_quantity as decimal(38, 18)) as billable_units,
        cast(null as decimal(38, 9)) as unit_amount,
        cast(0 as decimal(38, 18)) as flat_amount,
        cast(differences.adjustment_amount as decimal(38, 18)) as amount_unrounded,
        {{ round_money('differences.adjustment_amount') }} as amount,
        differences.billing_period_id || '|' || differences.metric_code as source_id,
        'late usage of ' || differences.metric_code || ' for the period from '
            || cast(periods.period_start as {{ dbt.type_string() }}) || ' UTC: rated '
            || {{ decimal_text('differences.corrected_amount', 2) }} || ' on the corrected total of '
            || {{ decimal_text('differences.corrected_quantity', 18) }} || ', billed '
            || {{ decimal_text('differences.billed_amount', 2) }} as description
    from differences
    inner join next_open_invoice
        on differences.subscription_id = next_open_invoice.subscription_id
    inner join invoices
        on next_open_invoice.subscription_id = invoices.subscription_id
        and next_open_invoice.boundary_at = invoices.boundary_at
    inner join periods
        on differences.billing_period_id = periods.billing_period_id
),
{% endif %}

new_lines as (
    select computed.*
    from computed
    {% if is_incremental() %}
    where computed.invoice_id not in (select invoice_id from finalized_invoices)
    {% endif %}
    {% if is_incremental() %}
    union all
    select * from adjustment_lines
    {% endif %}
),

final as (
    select
        new_lines.*,
        {{ as_of() }} as recorded_at
    from new_lines
)

select * from final
