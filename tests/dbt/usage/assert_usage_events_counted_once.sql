{#- Every accepted usage event's metric value at or before the as-of time lands in
    exactly one segment's usage range: none lost, none counted twice (the grain of
    int_segment_usage_events: event_source, event_id, metric_code). Per customer and
    metric, the placed rows and the metric values have equal counts and equal sums of
    their keys' hashes (values_placed_once()), so no value is placed twice, even when
    another is missing. Accepted events have an active subscription at their time, so
    a gap means the usage ranges and the acceptance rule disagree. Returns the
    customers and metrics that differ.
    The metric values' totals are taken on the events: int_usage_metric_values has a
    row per event and catalog metric of the event's type, all with the event's key,
    so a metric's totals for a customer are those of the customer's events of its
    type (one hash an event, not one a metric value: a third of the hashing). -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_segment_usage_events'}}}) }}

{% set events -%}
    (
        select event_source, event_id, customer_id, event_type
        from {{ ref('int_usage_events') }}
        where event_at <= {{ as_of() }}
    )
{%- endset %}

{% set value_totals -%}
    select
        event_totals.customer_id,
        metric_catalog.metric_code,
        event_totals.value_count,
        event_totals.value_key_hash_total
    from ({{ key_hash_totals(events, 'event_type', 'value') }}) as event_totals
    inner join {{ ref('metric_catalog') }} as metric_catalog
        on event_totals.event_type = metric_catalog.event_type
{%- endset %}

{{ values_placed_once(value_totals, ref('int_segment_usage_events')) }}
