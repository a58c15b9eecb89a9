{#- Every accepted usage event's metric value at or before the as-of time lands in
    exactly one segment's usage range: none lost, none counted twice (the grain of
    int_segment_usage_events: event_source, event_id, metric_code). Per customer and
    metric, the placed rows and the metric values have equal counts and equal sums of
    their keys' hashes (values_placed_once()), so no value is placed twice, even when
    another is missing. Accepted events have an active subscription at their time, so
    a gap means the usage ranges and the acceptance rule disagree. Returns the
    customers and metrics that differ. -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_segment_usage_events'}}}) }}

{% set metric_values -%}
    (
        select event_source, event_id, customer_id, metric_code
        from {{ ref('int_usage_metric_values') }}
        where event_at <= {{ as_of() }}
    )
{%- endset %}

{{ values_placed_once(metric_values, ref('int_segment_usage_events')) }}
