{#- One row per billing period and reconciled metric with usage in either track: the
    period's summed hourly difference against its tolerance, and whether it breaches
    (which holds the invoice billing the period's usage), or is unreconciled because
    the real-time track never reports on it (billed from the batch log as it is). -#}

with reconciliation_periods as (
    select * from {{ ref('int_reconciliation_periods') }}
),

final as (
    select
        -- keys
        reconciliation_period_id,
        billing_period_id,
        metric_code,
        customer_id,
        subscription_id,
        period_start,
        period_end,

        -- the two tracks over the compared hours
        is_reported,
        realtime_quantity,
        batch_quantity,
        difference_quantity,
        total_batch_quantity,
        unreconciled_batch_quantity,
        cast(hours_compared as bigint) as hours_compared,
        cast(hours_with_difference as bigint) as hours_with_difference,
        cast(hours_realtime_missing as bigint) as hours_realtime_missing,
        cast(hours_batch_missing_usage as bigint) as hours_batch_missing_usage,
        cast(hours_batch_extra_usage as bigint) as hours_batch_extra_usage,

        -- the tolerance
        relative_tolerance,
        absolute_tolerance,
        tolerance_quantity,
        is_breaching,
        reconciliation_status
    from reconciliation_periods
)

select * from final
