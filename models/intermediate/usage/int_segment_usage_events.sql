-- the stale-day search counts metric values on the events: metric_value_day_counts()
-- depends_on: {{ ref('int_usage_events') }}
-- depends_on: {{ ref('metric_catalog') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_stale_segment_usage_days(this) }}",
    )
}}

{#- One row per accepted usage event and catalog metric, with the plan segment whose
    usage range holds it: [segment_start, usage_segment_end), up to the as-of time
    (an event at or before the as-of time counts). A customer has at most one active
    subscription at a time (landing contract), so an event falls in at most one
    segment. The drill-down from a segment's or a day's quantity to its events.
    Incremental by UTC day: the run finds the stale days (new or released events,
    the as-of time moved, a segment changed: segment_usage_stale_days()), its
    pre-hook deletes their rows and the run places their events again; the first
    build or a full refresh places every event. Values stay raw (before
    unit_divisor): per-event 128-bit division is slow on DuckDB, so quotients are
    taken on aggregates. -#}

{%- set max_days_per_segment = 40 -%}  {#- a segment lies in one period: at most 31 days plus a daylight-saving hour, 33 UTC dates -#}

{#- read before the pre-hook runs, which deletes the same days: it reads them from the
    comment below in this model's compiled code (stale_days_comment()) -#}
{%- set stale_days = segment_usage_stale_day_list(this) if is_incremental() else none %}
{{ stale_days_comment(stale_days) }}

with metric_values as (
    select * from {{ ref('int_usage_metric_values') }}
    where event_at <= {{ as_of() }}
    {% if stale_days is not none -%}
        and {{ time_in_days('event_at', stale_days) }}
    {%- endif %}
),

segments as (
    select * from {{ ref('int_subscription_segments') }}
),

day_offsets as (
    select cast(generated_number - 1 as integer) as day_offset
    from ({{ dbt.generate_series(max_days_per_segment) }}) as series
),

-- The UTC dates each usage range touches: events join on (customer, date), an equi-join,
-- instead of comparing every event with every segment of its customer.
segment_dates as (
    select
        segments.segment_id,
        segments.billing_period_id,
        segments.subscription_id,
        segments.customer_id,
        segments.segment_start,
        segments.usage_segment_end,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'segments.segment_start')) }} as date)
            as usage_date
    from segments
    cross join day_offsets
    where {{ dbt.dateadd('day', 'day_offsets.day_offset', dbt.date_trunc('day', 'segments.segment_start')) }}
        < segments.usage_segment_end
),

final as (
    select
        -- keys
        metric_values.event_source,
        metric_values.event_id,
        metric_values.metric_code,
        segment_dates.segment_id,

        -- the segment
        segment_dates.billing_period_id,
        segment_dates.subscription_id,
        segment_dates.customer_id,

        -- the event
        metric_values.event_at,
        segment_dates.usage_date,
        metric_values.aggregation,
        metric_values.unit_divisor,
        metric_values.raw_value,
        metric_values.value_text
    from metric_values
    inner join segment_dates
        on metric_values.customer_id = segment_dates.customer_id
        and cast({{ dbt.date_trunc('day', 'metric_values.event_at') }} as date) = segment_dates.usage_date
    where metric_values.event_at >= segment_dates.segment_start
        and metric_values.event_at < segment_dates.usage_segment_end
        {% if stale_days is not none -%}
        and {{ day_in_list('segment_dates.usage_date', stale_days) }}
        {%- endif %}
)

select * from final
