{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='invoice_hold_id',
        full_refresh=false,
        on_schema_change='fail',
    )
}}

{#- One row per invoice hold and reason, kept for audit (incremental, full_refresh:
    false): every invoice the ledger recorded as `held`, why (a metric whose
    reconciliation breaches, a keep_held review, an unreadable or mostly quarantined
    landing file), the numbers of the latest run that held it, and, once the hold
    ends, when and how: `released` by a review decision (the invoice then bills the
    batch count) or `resolved` (the tracks came to agree, or the file was fixed or
    removed). Rows are updated while active and frozen once ended. -#}

with ledger_holds as (
    -- the ledger after this run: invoices finalized earlier never show up as held
    select * from {{ ref('fct_invoices') }}
    where status = 'held'
),

period_holds as (
    select * from {{ ref('int_reconciliation_period_holds') }}
),

reconciliation_periods as (
    select * from {{ ref('int_reconciliation_periods') }}
    where is_breaching
),

blocks as (
    select * from {{ ref('int_finalization_blocks') }}
),

{% if is_incremental() %}
existing as (
    select * from {{ this }}
),

ledger as (
    select
        invoice_id,
        status
    from {{ ref('fct_invoices') }}
),
{% endif %}

reconciliation_reasons as (
    select
        ledger_holds.invoice_id,
        period_holds.hold_reason,
        reconciliation_periods.metric_code,
        cast(null as {{ dbt.type_string() }}) as source_name,
        cast(null as {{ dbt.type_string() }}) as file_path,
        reconciliation_periods.metric_code || ': summed hourly |real-time - batch| of '
            || {{ decimal_text('reconciliation_periods.difference_quantity', 9) }}
            || ' above the tolerance of '
            || {{ decimal_text('reconciliation_periods.tolerance_quantity', 9) }} as hold_detail,
        reconciliation_periods.realtime_quantity,
        reconciliation_periods.batch_quantity,
        reconciliation_periods.difference_quantity,
        reconciliation_periods.tolerance_quantity
    from ledger_holds
    inner join period_holds
        on ledger_holds.usage_billing_period_id = period_holds.billing_period_id
    inner join reconciliation_periods
        on period_holds.billing_period_id = reconciliation_periods.billing_period_id
    where period_holds.hold_reason = 'reconciliation_breach'
),

review_reasons as (
    select
        ledger_holds.invoice_id,
        period_holds.hold_reason,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        cast(null as {{ dbt.type_string() }}) as source_name,
        cast(null as {{ dbt.type_string() }}) as file_path,
        'kept held by ' || coalesce(period_holds.decided_by, 'a reviewer') || ': '
            || coalesce(period_holds.decision_note, '') as hold_detail,
        cast(null as decimal(38, 9)) as realtime_quantity,
        cast(null as decimal(38, 9)) as batch_quantity,
        cast(null as decimal(38, 9)) as difference_quantity,
        cast(null as decimal(38, 9)) as tolerance_quantity
    from ledger_holds
    inner join period_holds
        on ledger_holds.usage_billing_period_id = period_holds.billing_period_id
    where period_holds.hold_reason = 'review_keep_held'
),

file_reasons as (
    select
        ledger_holds.invoice_id,
        blocks.block_reason as hold_reason,
        cast(null as {{ dbt.type_string() }}) as metric_code,
        blocks.source_name,
        blocks.file_path,
        blocks.block_detail as hold_detail,
        cast(null as decimal(38, 9)) as realtime_quantity,
        cast(null as decimal(38, 9)) as batch_quantity,
        cast(null as decimal(38, 9)) as difference_quantity,
        cast(null as decimal(38, 9)) as tolerance_quantity
    from ledger_holds
    cross join blocks
),

reasons as (
    select * from reconciliation_reasons
    union all
    select * from review_reasons
    union all
    select * from file_reasons
),

active as (
    select
        md5(reasons.invoice_id || '|' || reasons.hold_reason || '|'
            || coalesce(reasons.metric_code, reasons.file_path, reasons.source_name, '')) as invoice_hold_id,
        reasons.invoice_id,
        ledger_holds.customer_id,
        ledger_holds.subscription_id,
        ledger_holds.usage_billing_period_id as billing_period_id,
        ledger_holds.period_start,
        ledger_holds.period_end,
        reasons.hold_reason,
        reasons.metric_code,
        reasons.source_name,
        reasons.file_path,
        reasons.hold_detail,
        reasons.realtime_quantity,
        reasons.batch_quantity,
        reasons.difference_quantity,
        reasons.tolerance_quantity,
        true as is_active,
        cast(null as timestamp) as ended_at,
        cast(null as {{ dbt.type_string() }}) as end_reason,
        'held' as invoice_status,
        period_holds.decision,
        period_holds.decision_note,
        period_holds.decided_by,
        period_holds.decided_at
    from reasons
    inner join ledger_holds
        on reasons.invoice_id = ledger_holds.invoice_id
    left join period_holds
        on ledger_holds.usage_billing_period_id = period_holds.billing_period_id
),

{% if is_incremental() %}
ended as (
    -- holds active after the previous run that no longer apply: frozen with how they ended
    select
        existing.invoice_hold_id,
        existing.invoice_id,
        existing.customer_id,
        existing.subscription_id,
        existing.billing_period_id,
        existing.period_start,
        existing.period_end,
        existing.hold_reason,
        existing.metric_code,
        existing.source_name,
        existing.file_path,
        existing.hold_detail,
        existing.realtime_quantity,
        existing.batch_quantity,
        existing.difference_quantity,
        existing.tolerance_quantity,
        false as is_active,
        {{ as_of() }} as ended_at,
        case
            when existing.hold_reason in ('reconciliation_breach', 'review_keep_held')
                and period_holds.decision = 'release'
                then 'released'
            else 'resolved'
        end as end_reason,
        coalesce(ledger.status, existing.invoice_status) as invoice_status,
        coalesce(period_holds.decision, existing.decision) as decision,
        coalesce(period_holds.decision_note, existing.decision_note) as decision_note,
        coalesce(period_holds.decided_by, existing.decided_by) as decided_by,
        coalesce(period_holds.decided_at, existing.decided_at) as decided_at,
        existing.first_held_at,
        existing.last_held_at
    from existing
    left join active
        on existing.invoice_hold_id = active.invoice_hold_id
    left join ledger
        on existing.invoice_id = ledger.invoice_id
    left join period_holds
        on existing.billing_period_id = period_holds.billing_period_id
    where existing.is_active
        and active.invoice_hold_id is null
),
{% endif %}

active_with_history as (
    select
        active.*,
        {% if is_incremental() %}
        coalesce(existing.first_held_at, {{ as_of() }}) as first_held_at,
        {% else %}
        {{ as_of() }} as first_held_at,
        {% endif %}
        {{ as_of() }} as last_held_at
    from active
    {% if is_incremental() %}
    left join existing
        on active.invoice_hold_id = existing.invoice_hold_id
    {% endif %}
),

changed as (
    select * from active_with_history
    {% if is_incremental() %}
    union all
    select * from ended
    {% endif %}
),

final as (
    select
        -- keys
        invoice_hold_id,
        invoice_id,
        customer_id,
        subscription_id,
        billing_period_id,
        period_start,
        period_end,

        -- why
        hold_reason,
        metric_code,
        source_name,
        file_path,
        hold_detail,
        realtime_quantity,
        batch_quantity,
        difference_quantity,
        tolerance_quantity,

        -- its life
        is_active,
        first_held_at,
        last_held_at,
        ended_at,
        end_reason,
        invoice_status,

        -- the latest review decision on the period
        decision,
        decision_note,
        decided_by,
        decided_at,
        {{ as_of() }} as recorded_at
    from changed
)

select * from final
