{#- Usage to date of every billable metric of a plan segment at given instants
    (metrics.md, The upgrade funnel and CRM alerts): counted from the segment start
    (the period start, or the last plan change), up to and including the instant.
    - count, sum: the raw values of the segment's events at or before t (events at
      equal times count together) / unit_divisor, truncated at 9 decimals: the days
      before t's UTC day from int_segment_usage_daily, t's day from its events;
    - time_weighted_avg: the gauge's integral from the segment start to t divided by
      unit_divisor x the whole period's seconds (int_segment_gauge_pieces).
    Exact: DECIMAL(38, 9) truncated, the same arithmetic as the billed quantities.

    probes: a relation or CTE with segment_id and probe_at (a UTC timestamp at or
        before the as-of time, inside the segment's measured range).
    aggregations: the metrics' aggregations to measure (default all three). Without
        count and sum the segment events are not read at all (a scan of every event).
    Returns a query with one row per distinct (segment_id, probe_at) and billable
    metric of those aggregations: segment_id, probe_at, metric_code, aggregation,
    usage_to_date_quantity. -#}
{% macro growth_usage_at_instants(probes, aggregations=['count', 'sum', 'time_weighted_avg']) -%}
    {%- set additive = aggregations | select('in', ['count', 'sum']) | list %}
    with usage_probes as (
        select distinct
            {{ probes }}.segment_id,
            {{ probes }}.probe_at
        from {{ probes }}
    ),

    usage_probe_metrics as (
        select
            usage_probes.segment_id,
            usage_probes.probe_at,
            probe_segments.period_seconds,
            usage_probe_catalog.metric_code,
            usage_probe_catalog.aggregation,
            cast(usage_probe_catalog.unit_divisor as decimal(38, 9)) as unit_divisor
        from usage_probes
        inner join {{ ref('int_subscription_segments') }} as probe_segments
            on usage_probes.segment_id = probe_segments.segment_id
        cross join {{ ref('metric_catalog') }} as usage_probe_catalog
        where cast(usage_probe_catalog.is_billable as boolean)
            and {{ growth_aggregation_filter('usage_probe_catalog.aggregation', aggregations) }}
    ),

    usage_probe_days_before as (
        select
            usage_probes.segment_id,
            usage_probes.probe_at,
            probe_days.metric_code,
            sum(probe_days.raw_value_total) as raw_value_before_day
        from usage_probes
        inner join {{ ref('int_segment_usage_daily') }} as probe_days
            on usage_probes.segment_id = probe_days.segment_id
            and probe_days.usage_date < cast({{ dbt.date_trunc('day', 'usage_probes.probe_at') }} as date)
        where {{ growth_aggregation_filter('probe_days.aggregation', additive) }}
        group by usage_probes.segment_id, usage_probes.probe_at, probe_days.metric_code
    ),

    usage_probe_day_events as (
        select
            usage_probes.segment_id,
            usage_probes.probe_at,
            probe_events.metric_code,
            sum(probe_events.raw_value) as raw_value_on_day
        from usage_probes
        inner join {{ ref('int_segment_usage_events') }} as probe_events
            on usage_probes.segment_id = probe_events.segment_id
            and probe_events.usage_date = cast({{ dbt.date_trunc('day', 'usage_probes.probe_at') }} as date)
            and probe_events.event_at <= usage_probes.probe_at
        where {{ growth_aggregation_filter('probe_events.aggregation', additive) }}
        group by usage_probes.segment_id, usage_probes.probe_at, probe_events.metric_code
    ),

    usage_probe_gauges as (
        select
            usage_probes.segment_id,
            usage_probes.probe_at,
            probe_pieces.metric_code,
            sum(
                case
                    when probe_pieces.piece_end_at <= usage_probes.probe_at then probe_pieces.piece_integral
                    else {{ usage_gauge_integral(
                        'probe_pieces.gauge_value',
                        usage_microseconds_between('probe_pieces.piece_start_at', 'usage_probes.probe_at')
                    ) }}
                end
            ) as gauge_integral
        from usage_probes
        inner join {{ ref('int_segment_gauge_pieces') }} as probe_pieces
            on usage_probes.segment_id = probe_pieces.segment_id
            and probe_pieces.piece_start_at < usage_probes.probe_at
        group by usage_probes.segment_id, usage_probes.probe_at, probe_pieces.metric_code
    ),

    usage_probe_quantities as (
        select
            usage_probe_metrics.segment_id,
            usage_probe_metrics.probe_at,
            usage_probe_metrics.metric_code,
            usage_probe_metrics.aggregation,
            cast(
                case
                    when usage_probe_metrics.aggregation = 'time_weighted_avg'
                        then {{ usage_integral_to_quantity(
                            'coalesce(usage_probe_gauges.gauge_integral, 0)',
                            'usage_probe_metrics.unit_divisor',
                            'usage_probe_metrics.period_seconds'
                        ) }}
                    else {{ usage_floor_divide(
                        'coalesce(usage_probe_days_before.raw_value_before_day, 0) + coalesce(usage_probe_day_events.raw_value_on_day, 0)',
                        'usage_probe_metrics.unit_divisor'
                    ) }}
                end as decimal(38, 9)
            ) as usage_to_date_quantity
        from usage_probe_metrics
        left join usage_probe_days_before
            on usage_probe_metrics.segment_id = usage_probe_days_before.segment_id
            and usage_probe_metrics.probe_at = usage_probe_days_before.probe_at
            and usage_probe_metrics.metric_code = usage_probe_days_before.metric_code
        left join usage_probe_day_events
            on usage_probe_metrics.segment_id = usage_probe_day_events.segment_id
            and usage_probe_metrics.probe_at = usage_probe_day_events.probe_at
            and usage_probe_metrics.metric_code = usage_probe_day_events.metric_code
        left join usage_probe_gauges
            on usage_probe_metrics.segment_id = usage_probe_gauges.segment_id
            and usage_probe_metrics.probe_at = usage_probe_gauges.probe_at
            and usage_probe_metrics.metric_code = usage_probe_gauges.metric_code
    )

    select * from usage_probe_quantities
{%- endmacro %}


{#- `column in (the aggregations)`, or false for none (the scan is then left out). -#}
{% macro growth_aggregation_filter(column, aggregations) -%}
    {%- if aggregations | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ('{{ aggregations | join("', '") }}')
    {%- endif -%}
{%- endmacro %}
