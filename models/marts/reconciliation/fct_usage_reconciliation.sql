{#- One row per customer, reconciled metric and UTC hour compared by the dual-track
    reconciliation (billing-rules.md, Reconciliation before invoicing): the real-time
    counter, the batch log after deduplication, their difference and the hour's
    status. The rollup per billing period, which decides holds, is
    fct_usage_reconciliation_periods. -#}

with hours as (
    select * from {{ ref('int_reconciliation_hours') }}
),

final as (
    select
        -- keys
        reconciliation_hour_id,
        customer_id,
        metric_code,
        window_start_at,
        billing_period_id,
        subscription_id,
        period_start,
        period_end,

        -- the two tracks
        has_realtime,
        has_batch,
        realtime_quantity,
        batch_quantity,
        cast(event_count as bigint) as event_count,
        realtime_emitted_at,
        cast(emission_count as bigint) as emission_count,

        -- the comparison
        difference_quantity,
        absolute_difference_quantity,
        cast(relative_difference as decimal(38, 9)) as relative_difference,
        tolerance_quantity,
        reconciliation_status
    from hours
)

select * from final
