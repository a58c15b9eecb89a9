{#- One row per billing period and reconciled metric with usage in either track
    (billing-rules.md, Reconciliation before invoicing): the period's summed
    hourly |real-time - batch| over the hours compared (int_reconciliation_hours)
    against the tolerance max(relative_tolerance x the compared batch total,
    absolute_tolerance) of the seed. A period the real-time track never reports
    on for the metric is `unreconciled`: billed from the batch log as it is, its
    batch quantity counted as unreconciled usage (also the hours of a reported
    period before the track's first window for the customer and metric). -#}

with compared_hours as (
    select * from {{ ref('int_reconciliation_hours') }}
    where billing_period_id is not null
),

batch_hours as (
    select * from {{ ref('int_usage_hourly') }}
),

tolerances as (
    select * from {{ ref('reconciliation_tolerances') }}
    where is_reconciled
),

periods as (
    select
        billing_period_id,
        subscription_id,
        customer_id,
        period_start,
        period_end,
        coalesce(ended_at, period_end) as usage_end_at
    from {{ ref('int_billing_periods') }}
),

compared as (
    select
        billing_period_id,
        metric_code,
        sum(realtime_quantity) as realtime_quantity,
        sum(batch_quantity) as batch_quantity,
        sum(absolute_difference_quantity) as difference_quantity,
        count(*) as hours_compared,
        count(case when reconciliation_status <> 'match' then 1 end) as hours_with_difference,
        count(case when reconciliation_status = 'realtime_missing' then 1 end) as hours_realtime_missing,
        count(case when reconciliation_status = 'batch_missing_usage' then 1 end) as hours_batch_missing_usage,
        count(case when reconciliation_status = 'batch_extra_usage' then 1 end) as hours_batch_extra_usage
    from compared_hours
    group by billing_period_id, metric_code
),

batch_totals as (
    select
        periods.billing_period_id,
        batch_hours.metric_code,
        sum(batch_hours.batch_quantity) as total_batch_quantity
    from batch_hours
    inner join periods
        on batch_hours.customer_id = periods.customer_id
        and batch_hours.window_start_at >= periods.period_start
        and batch_hours.window_start_at < periods.usage_end_at
    group by periods.billing_period_id, batch_hours.metric_code
),

period_metrics as (
    select
        billing_period_id,
        metric_code
    from compared
    union
    select
        billing_period_id,
        metric_code
    from batch_totals
),

measured as (
    select
        period_metrics.billing_period_id,
        period_metrics.metric_code,
        compared.billing_period_id is not null as is_reported,
        coalesce(compared.realtime_quantity, 0) as realtime_quantity,
        coalesce(compared.batch_quantity, 0) as batch_quantity,
        coalesce(compared.difference_quantity, 0) as difference_quantity,
        coalesce(batch_totals.total_batch_quantity, 0) as total_batch_quantity,
        coalesce(batch_totals.total_batch_quantity, 0) - coalesce(compared.batch_quantity, 0)
            as unreconciled_batch_quantity,
        coalesce(compared.hours_compared, 0) as hours_compared,
        coalesce(compared.hours_with_difference, 0) as hours_with_difference,
        coalesce(compared.hours_realtime_missing, 0) as hours_realtime_missing,
        coalesce(compared.hours_batch_missing_usage, 0) as hours_batch_missing_usage,
        coalesce(compared.hours_batch_extra_usage, 0) as hours_batch_extra_usage,
        tolerances.relative_tolerance,
        tolerances.absolute_tolerance,
        greatest(
            cast(tolerances.relative_tolerance * coalesce(compared.batch_quantity, 0) as decimal(38, 9)),
            tolerances.absolute_tolerance
        ) as tolerance_quantity
    from period_metrics
    inner join tolerances
        on period_metrics.metric_code = tolerances.metric_code
    left join compared
        on period_metrics.billing_period_id = compared.billing_period_id
        and period_metrics.metric_code = compared.metric_code
    left join batch_totals
        on period_metrics.billing_period_id = batch_totals.billing_period_id
        and period_metrics.metric_code = batch_totals.metric_code
),

final as (
    select
        -- keys
        md5(measured.billing_period_id || '|' || measured.metric_code) as reconciliation_period_id,
        measured.billing_period_id,
        measured.metric_code,
        periods.customer_id,
        periods.subscription_id,
        periods.period_start,
        periods.period_end,

        -- the two tracks over the compared hours
        measured.is_reported,
        cast(measured.realtime_quantity as decimal(38, 9)) as realtime_quantity,
        cast(measured.batch_quantity as decimal(38, 9)) as batch_quantity,
        cast(measured.difference_quantity as decimal(38, 9)) as difference_quantity,
        cast(measured.total_batch_quantity as decimal(38, 9)) as total_batch_quantity,
        cast(measured.unreconciled_batch_quantity as decimal(38, 9)) as unreconciled_batch_quantity,
        measured.hours_compared,
        measured.hours_with_difference,
        measured.hours_realtime_missing,
        measured.hours_batch_missing_usage,
        measured.hours_batch_extra_usage,

        -- the tolerance
        measured.relative_tolerance,
        measured.absolute_tolerance,
        cast(measured.tolerance_quantity as decimal(38, 9)) as tolerance_quantity,
        measured.is_reported and measured.difference_quantity > measured.tolerance_quantity as is_breaching,
        case
            when not measured.is_reported then 'unreconciled'
            when measured.difference_quantity > measured.tolerance_quantity then 'breach'
            when measured.difference_quantity = 0 then 'match'
            else 'within_tolerance'
        end as reconciliation_status
    from measured
    inner join periods
        on measured.billing_period_id = periods.billing_period_id
)

select * from final
