{{ config(materialized='view') }}

{#- One row per accepted usage event and catalog metric of its type (billing-rules.md,
    Metric catalog): what the event contributes to the metric. Catalog-driven: the
    seed names the event type, the value property, the aggregation and the unit
    divisor; no metric is named here. An api.request event gives one row for each of
    api_requests, bandwidth_gb and active_users. -#}

with events as (
    select * from {{ ref('int_usage_events') }}
),

metric_catalog as (
    select * from {{ ref('metric_catalog') }}
),

measured as (
    select
        events.event_source,
        events.event_id,
        events.event_type,
        events.customer_id,
        events.event_at,
        metric_catalog.metric_code,
        metric_catalog.aggregation,
        cast(metric_catalog.unit_divisor as decimal(38, 9)) as unit_divisor,
        -- the property as written; null for `count` and when the property is missing
        case
            when metric_catalog.aggregation <> 'count'
                then {{ usage_json_member_text('events.data_json', 'metric_catalog.value_property') }}
        end as value_text
    from events
    inner join metric_catalog
        on events.event_type = metric_catalog.event_type
),

valued as (
    select
        measured.*,
        -- In the property's own unit (bytes, seconds, GB) before unit_divisor: 1 for
        -- `count`; a missing optional value counts as 0 (required ones were
        -- quarantined upstream, as were non-numeric and negative values).
        case
            when measured.aggregation = 'count' then cast(1 as decimal(38, 9))
            when measured.aggregation = 'unique_count' then cast(null as decimal(38, 9))
            else coalesce({{ parse_decimal('measured.value_text') }}, cast(0 as decimal(38, 9)))
        end as raw_value
    from measured
),

final as (
    select
        -- keys
        valued.event_source,
        valued.event_id,
        valued.metric_code,

        -- who and when
        valued.customer_id,
        valued.event_type,
        valued.event_at,

        -- what
        valued.aggregation,
        valued.unit_divisor,
        valued.raw_value,
        case
            when valued.aggregation = 'unique_count' then cast(null as decimal(38, 9))
            when valued.aggregation = 'count' then valued.raw_value
            else {{ usage_floor_divide('valued.raw_value', 'valued.unit_divisor') }}
        end as quantity,
        case when valued.aggregation = 'unique_count' then valued.value_text end as value_text
    from valued
)

select * from final
