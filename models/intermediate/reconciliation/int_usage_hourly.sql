-- the changed-day search counts metric values on the events: metric_value_day_counts()
-- depends_on: {{ ref('int_usage_events') }}
-- depends_on: {{ ref('metric_catalog') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='window_start_at',
        on_schema_change='fail',
    )
}}

{#- One row per customer, reconciled metric and UTC hour with accepted batch usage:
    the batch track's quantity for the hour, after deduplication (int_usage_events
    keeps one copy of every event). Only count and sum metrics the tolerance seed
    reconciles are measured here (billing-rules.md: gauges such as storage are not
    reconciled). The hour's quantity is the hour's summed raw value divided once by
    the unit divisor, truncated at 9 decimals (exact; no floating point).
    Incremental: a run recomputes the hours of the days whose reconciled events
    changed since the last build (changed_days(): their count, metric_value_day_counts()
    of the reconciled count and sum metrics, differs from the stored event_count) and
    replaces those hours; the first build or a full refresh computes every hour. -#}

with metric_values as (
    select * from {{ ref('int_usage_metric_values') }}
    {% if is_incremental() -%}
    {%- set reconciled_metric -%}
        metric_catalog.aggregation in ('count', 'sum')
        and metric_catalog.metric_code in (
            select tolerances.metric_code
            from {{ ref('reconciliation_tolerances') }} as tolerances
            where tolerances.is_reconciled
        )
    {%- endset %}
    where {{ changed_day_filter('event_at', '(' ~ metric_value_day_counts(metric_filter=reconciled_metric) ~ ')', 'usage_date', 'cast(window_start_at as date)', 'event_count', current_count_column='row_count') }}
    {%- endif %}
),

tolerances as (
    select * from {{ ref('reconciliation_tolerances') }}
    where is_reconciled
),

reconciled_values as (
    select
        metric_values.customer_id,
        metric_values.metric_code,
        metric_values.unit_divisor,
        metric_values.raw_value,
        {{ dbt.date_trunc('hour', 'metric_values.event_at') }} as window_start_at
    from metric_values
    inner join tolerances
        on metric_values.metric_code = tolerances.metric_code
    where metric_values.aggregation in ('count', 'sum')
),

hourly as (
    select
        customer_id,
        metric_code,
        window_start_at,
        unit_divisor,
        sum(raw_value) as raw_value,
        count(*) as event_count
    from reconciled_values
    group by customer_id, metric_code, window_start_at, unit_divisor
),

final as (
    select
        customer_id,
        metric_code,
        cast(window_start_at as timestamp) as window_start_at,
        {{ usage_floor_divide('raw_value', 'unit_divisor') }} as batch_quantity,
        event_count
    from hourly
)

select * from final
