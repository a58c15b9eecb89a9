-- the changed-day search counts metric values on the events: metric_value_day_counts()
-- depends_on: {{ ref('int_usage_events') }}
-- depends_on: {{ ref('metric_catalog') }}
{{
    config(
        materialized='incremental',
        incremental_strategy=day_replacing_strategy(),
        unique_key='usage_date',
        partition_by=day_partitions('usage_date'),
        on_schema_change='fail',
    )
}}

{#- One row per customer, metric and UTC day with accepted usage: the day's events and
    quantity in the metric's billing unit. Partitioned by day in Dagster: a partitioned
    run rebuilds only the days of its window (in_partition_window reads the window at
    run time) and replaces those days' rows (delete+insert on usage_date); an
    unpartitioned run rebuilds the days whose accepted events changed since the last
    build (changed_days(): their count, metric_value_day_counts(), differs from the
    stored event_count), every day on the first build or a full refresh. Events come
    deduplicated against all history (int_usage_events_deduplicated), so a duplicate
    landing on a later day, file or run counts once whichever day is rebuilt. -#}

{%- set rebuild_changed_days = is_incremental() and partition_window() is none %}

with metric_values as (
    select * from {{ ref('int_usage_metric_values') }}
    where {{ in_partition_window('event_at') }}
    {%- if rebuild_changed_days %}
        and {{ changed_day_filter('event_at', '(' ~ metric_value_day_counts() ~ ')', 'usage_date', 'usage_date', 'event_count', current_count_column='row_count') }}
    {%- endif %}
),

daily as (
    select
        customer_id,
        metric_code,
        cast(event_at as date) as usage_date,
        aggregation,
        unit_divisor,
        count(*) as event_count,
        sum(raw_value) as raw_value,
        -- divided once a day, not once an event (a 128-bit division each): floor division
        -- by a positive divisor keeps order, so the largest quotient is the quotient of
        -- the largest value
        max(raw_value) as max_raw_value,
        count(distinct value_text) as distinct_value_count
    from metric_values
    group by customer_id, metric_code, cast(event_at as date), aggregation, unit_divisor
),

final as (
    select
        -- keys
        md5(customer_id || '|' || metric_code || '|' || cast(usage_date as {{ dbt.type_string() }})) as usage_day_id,
        customer_id,
        metric_code,
        usage_date,

        -- the metric
        aggregation,

        -- usage
        cast(event_count as bigint) as event_count,
        cast(
            case
                when aggregation in ('count', 'sum') then {{ usage_floor_divide('raw_value', 'unit_divisor') }}
                when aggregation = 'unique_count' then distinct_value_count
                else {{ usage_floor_divide('max_raw_value', 'unit_divisor') }}
            end as decimal(38, 9)
        ) as day_quantity
    from daily
)

select * from final
