{#- Every accepted usage event's metric value at or before the as-of time lands in
    exactly one segment's usage range: none lost, none counted twice. The uniqueness
    test on int_segment_usage_events rules out doubles, so equal counts per customer
    and metric mean every value is placed once. Accepted events have an active
    subscription at their time, so a gap means the usage ranges and the acceptance
    rule disagree. Returns the customers and metrics whose counts differ. -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_segment_usage_events'}}}) }}

with metric_values as (
    select
        customer_id,
        metric_code,
        count(*) as value_count
    from {{ ref('int_usage_metric_values') }}
    where event_at <= {{ as_of() }}
    group by customer_id, metric_code
),

placed as (
    select
        customer_id,
        metric_code,
        count(*) as placed_count
    from {{ ref('int_segment_usage_events') }}
    group by customer_id, metric_code
),

final as (
    select
        coalesce(metric_values.customer_id, placed.customer_id) as customer_id,
        coalesce(metric_values.metric_code, placed.metric_code) as metric_code,
        coalesce(metric_values.value_count, 0) as value_count,
        coalesce(placed.placed_count, 0) as placed_count
    from metric_values
    full outer join placed
        on metric_values.customer_id = placed.customer_id
        and metric_values.metric_code = placed.metric_code
)

select * from final
where value_count <> placed_count
