{#- One row per customer, reconciled metric and UTC hour that the reconciliation
    compares (billing-rules.md, Reconciliation before invoicing): every hour the
    real-time track reported, and every hour with batch usage inside a billing
    period the real-time track reports on for that customer and metric, from the
    track's first window for them on. An hour one track lacks counts as 0 there.
    The hour belongs to the billing period whose usage range holds its window start.

    Hour status (the batch track is what we bill, so statuses name what the batch
    shows against the counter):
      match                 the two quantities are equal
      realtime_missing      no counter for the hour, batch usage > 0
      within_tolerance      |real-time - batch| <= max(relative x batch, absolute)
      batch_missing_usage   real-time above batch beyond that (events lost from
                            the batch, or counted twice by the stream)
      batch_extra_usage     batch above real-time beyond that -#}

with counters as (
    select * from {{ ref('int_realtime_counters_latest') }}
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
        -- usage stops at a cancellation; the next subscription's periods start after it
        coalesce(ended_at, period_end) as usage_end_at
    from {{ ref('int_billing_periods') }}
),

reconciled_counters as (
    select counters.*
    from counters
    inner join tolerances
        on counters.metric_code = tolerances.metric_code
),

coverage as (
    -- the real-time track covers a customer's metric from its first window on
    select
        customer_id,
        metric_code,
        min(window_start_at) as coverage_start_at
    from reconciled_counters
    group by customer_id, metric_code
),

covered_batch_hours as (
    select batch_hours.*
    from batch_hours
    inner join coverage
        on batch_hours.customer_id = coverage.customer_id
        and batch_hours.metric_code = coverage.metric_code
        and batch_hours.window_start_at >= coverage.coverage_start_at
),

hours as (
    select
        coalesce(reconciled_counters.customer_id, covered_batch_hours.customer_id) as customer_id,
        coalesce(reconciled_counters.metric_code, covered_batch_hours.metric_code) as metric_code,
        coalesce(reconciled_counters.window_start_at, covered_batch_hours.window_start_at) as window_start_at,
        reconciled_counters.customer_id is not null as has_realtime,
        covered_batch_hours.customer_id is not null as has_batch,
        coalesce(reconciled_counters.realtime_quantity, 0) as realtime_quantity,
        coalesce(covered_batch_hours.batch_quantity, 0) as batch_quantity,
        coalesce(covered_batch_hours.event_count, 0) as event_count,
        reconciled_counters.emitted_at as realtime_emitted_at,
        coalesce(reconciled_counters.emission_count, 0) as emission_count
    from reconciled_counters
    full outer join covered_batch_hours
        on reconciled_counters.customer_id = covered_batch_hours.customer_id
        and reconciled_counters.metric_code = covered_batch_hours.metric_code
        and reconciled_counters.window_start_at = covered_batch_hours.window_start_at
),

hours_in_periods as (
    select
        hours.*,
        periods.billing_period_id,
        periods.subscription_id,
        periods.period_start,
        periods.period_end
    from hours
    left join periods
        on hours.customer_id = periods.customer_id
        and hours.window_start_at >= periods.period_start
        and hours.window_start_at < periods.usage_end_at
),

reported_periods as (
    -- customer, metric and period pairs the real-time track reports on at all
    select distinct
        billing_period_id,
        metric_code
    from hours_in_periods
    where has_realtime
        and billing_period_id is not null
),

compared as (
    -- batch-only hours of periods the track never reports on are unreconciled usage,
    -- counted by int_reconciliation_periods, not compared here
    select hours_in_periods.*
    from hours_in_periods
    left join reported_periods
        on hours_in_periods.billing_period_id = reported_periods.billing_period_id
        and hours_in_periods.metric_code = reported_periods.metric_code
    where hours_in_periods.has_realtime
        or reported_periods.billing_period_id is not null
),

measured as (
    select
        compared.*,
        compared.realtime_quantity - compared.batch_quantity as difference_quantity,
        abs(compared.realtime_quantity - compared.batch_quantity) as absolute_difference_quantity,
        greatest(
            cast(tolerances.relative_tolerance * compared.batch_quantity as decimal(38, 9)),
            tolerances.absolute_tolerance
        ) as tolerance_quantity
    from compared
    inner join tolerances
        on compared.metric_code = tolerances.metric_code
),

final as (
    select
        -- keys
        md5(measured.customer_id || '|' || measured.metric_code || '|'
            || cast(measured.window_start_at as {{ dbt.type_string() }})) as reconciliation_hour_id,
        measured.customer_id,
        measured.metric_code,
        measured.window_start_at,
        measured.billing_period_id,
        measured.subscription_id,
        measured.period_start,
        measured.period_end,

        -- the two tracks
        measured.has_realtime,
        measured.has_batch,
        cast(measured.realtime_quantity as decimal(38, 9)) as realtime_quantity,
        cast(measured.batch_quantity as decimal(38, 9)) as batch_quantity,
        measured.event_count,
        measured.realtime_emitted_at,
        measured.emission_count,

        -- the comparison
        cast(measured.difference_quantity as decimal(38, 9)) as difference_quantity,
        cast(measured.absolute_difference_quantity as decimal(38, 9)) as absolute_difference_quantity,
        case
            when measured.batch_quantity > 0
                then case when measured.difference_quantity < 0 then -1 else 1 end
                    * {{ usage_floor_divide('measured.absolute_difference_quantity', 'measured.batch_quantity') }}
        end as relative_difference,
        cast(measured.tolerance_quantity as decimal(38, 9)) as tolerance_quantity,
        case
            when measured.difference_quantity = 0 then 'match'
            when not measured.has_realtime then 'realtime_missing'
            when measured.absolute_difference_quantity <= measured.tolerance_quantity then 'within_tolerance'
            when measured.difference_quantity > 0 then 'batch_missing_usage'
            else 'batch_extra_usage'
        end as reconciliation_status
    from measured
)

select * from final
