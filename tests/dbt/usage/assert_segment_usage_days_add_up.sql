{#- For count, sum and time-weighted metrics the days of a segment add up exactly to
    its measured quantity (the drill-down and revenue allocation rely on it), and
    for count and sum metrics both equal the segment's events summed once and
    divided once: floor(sum of raw values / unit_divisor) at 9 decimals, with every
    event counted. Returns the segments and metrics that disagree. -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_segment_usage_daily'}}}) }}

with segment_usage as (
    select * from {{ ref('int_segment_usage') }}
    where aggregation in ('count', 'sum', 'time_weighted_avg')
),

days as (
    select
        segment_id,
        metric_code,
        sum(quantity) as days_quantity,
        sum(event_count) as days_event_count
    from {{ ref('int_segment_usage_daily') }}
    group by segment_id, metric_code
),

events as (
    select
        segment_id,
        metric_code,
        max(unit_divisor) as unit_divisor,
        sum(raw_value) as raw_value_total,
        count(*) as event_count
    from {{ ref('int_segment_usage_events') }}
    group by segment_id, metric_code
),

events_measured as (
    select
        events.*,
        {{ usage_floor_divide('events.raw_value_total', 'events.unit_divisor') }} as events_quantity
    from events
),

final as (
    select
        segment_usage.segment_id,
        segment_usage.metric_code,
        segment_usage.aggregation,
        segment_usage.measured_quantity,
        segment_usage.event_count,
        days.days_quantity,
        days.days_event_count,
        events_measured.events_quantity,
        events_measured.event_count as events_event_count
    from segment_usage
    left join days
        on segment_usage.segment_id = days.segment_id
        and segment_usage.metric_code = days.metric_code
    left join events_measured
        on segment_usage.segment_id = events_measured.segment_id
        and segment_usage.metric_code = events_measured.metric_code
)

select * from final
where measured_quantity <> coalesce(days_quantity, 0)
    or event_count <> coalesce(events_event_count, 0)
    or coalesce(days_event_count, 0) <> coalesce(events_event_count, 0)
    or (aggregation in ('count', 'sum') and measured_quantity <> coalesce(events_quantity, 0))
