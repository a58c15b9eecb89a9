{#- One row per invoice issued by the as-of time (billing-rules.md, Invoices): one per
    subscription at each period boundary, dated at the boundary, plus the final invoice
    at a cancellation. The invoice at a period's start carries that period's base fee
    (in advance) and the previous period's usage (in arrears); the first one, at
    creation, holds the first base fee only; a cancellation's invoice bills the usage of
    the last, partial period. `period_start`/`period_end` are the billing period whose
    usage the invoice bills (for the creation invoice, both are the creation instant).
    Status: `draft` until boundary + finalization grace <= as-of; then `held` when the
    reconciliation holds the period whose usage it bills (int_reconciliation_period_holds:
    a breach or a keep_held review, not released) or a present landing file blocks
    finalization (int_finalization_blocks: unreadable, or too much of it quarantined);
    `finalized` otherwise. The ledger keeps an invoice once finalized, so a later hold
    computed here for it has no effect there. -#}

with periods as (
    select * from {{ ref('int_billing_periods') }}
),

customers as (
    select
        customer_id,
        currency
    from {{ ref('int_customers') }}
),

period_holds as (
    select billing_period_id from {{ ref('int_reconciliation_period_holds') }}
    where is_held
),

finalization_blocks as (
    select count(*) as blocking_file_count from {{ ref('int_finalization_blocks') }}
),

boundaries as (
    select
        subscription_id,
        customer_id,
        billing_timezone,
        period_start as boundary_at
    from periods
    union
    select
        subscription_id,
        customer_id,
        billing_timezone,
        ended_at as boundary_at
    from periods
    where ended_at is not null
),

usage_periods as (
    select
        billing_period_id,
        subscription_id,
        period_index,
        period_start,
        period_end,
        coalesce(ended_at, period_end) as usage_invoice_at
    from periods
),

invoices as (
    select
        boundaries.subscription_id,
        boundaries.customer_id,
        boundaries.billing_timezone,
        boundaries.boundary_at,
        usage_periods.billing_period_id as usage_billing_period_id,
        coalesce(usage_periods.period_start, boundaries.boundary_at) as period_start,
        coalesce(usage_periods.usage_invoice_at, boundaries.boundary_at) as period_end
    from boundaries
    left join usage_periods
        on boundaries.subscription_id = usage_periods.subscription_id
        and boundaries.boundary_at = usage_periods.usage_invoice_at
    where boundaries.boundary_at <= {{ as_of() }}
),

final as (
    select
        md5(invoices.subscription_id || '|' || cast(invoices.boundary_at as {{ dbt.type_string() }})) as invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        invoices.usage_billing_period_id,
        invoices.period_start,
        invoices.period_end,
        invoices.boundary_at,
        cast({{ utc_to_local('invoices.boundary_at', 'invoices.billing_timezone') }} as date) as invoice_date,
        invoices.billing_timezone,
        customers.currency,
        {{ dbt.dateadd('hour', billing_setting('finalization_grace_hours', 'integer'), 'invoices.boundary_at') }}
            as finalizes_at,
        case
            when {{ dbt.dateadd('hour', billing_setting('finalization_grace_hours', 'integer'), 'invoices.boundary_at') }}
                > {{ as_of() }}
                then 'draft'
            when finalization_blocks.blocking_file_count > 0
                or period_holds.billing_period_id is not null
                then 'held'
            else 'finalized'
        end as computed_status
    from invoices
    inner join customers
        on invoices.customer_id = customers.customer_id
    left join period_holds
        on invoices.usage_billing_period_id = period_holds.billing_period_id
    cross join finalization_blocks
)

select * from final
