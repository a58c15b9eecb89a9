{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

-- depends_on: {{ ref('metric_catalog') }}

{#- One row per usage-event record read from usage_events/, parsed and typed, with
    its record-level problem (null when the record is well-formed). Incremental:
    each run parses only the loads it has not seen. -#}

{%- set incremental_filter -%}
    {% if is_incremental() %}
        where load_id > (select coalesce(max(load_id), 0) from {{ this }})
    {% endif %}
{%- endset %}

{{ cloudevents_envelope(source('landing', 'usage_events'), incremental_filter) }},

-- each catalog property of the event read once (usage_value_pairs())
value_texts as (
    select
        envelope_checked.*{{ usage_value_texts('envelope_checked.event_type', 'envelope_checked.data_json') }}
    from envelope_checked
),

value_numbers as (
    select
        value_texts.*{{ usage_value_numbers('value_texts') }}
    from value_texts
),

checked as (
    select
        value_numbers.*,
        case
            when value_numbers.envelope_problem is not null then value_numbers.envelope_problem
            when value_numbers.event_type not in {{ usage_event_types_sql() }} then 'unknown_event_type'
            else {{ usage_value_problem('value_numbers') }}
        end as quarantine_reason,
        case
            when value_numbers.envelope_problem is not null then value_numbers.envelope_problem_detail
            when value_numbers.event_type not in {{ usage_event_types_sql() }}
                then 'type = ' || value_numbers.event_type
            else {{ usage_value_problem_detail('value_numbers') }}
        end as quarantine_detail
    from value_numbers
),

final as (
    select
        file_hash,
        file_path,
        record_number,
        ingested_at,
        load_id,
        raw_record,
        event_source,
        event_id,
        event_type,
        customer_id,
        event_at,
        has_timestamp_offset,
        -- IP addresses are personal data: dropped (after the content hash, which they are part of)
        {{ without_ip_properties('data_json') }} as data_json,
        content_hash,
        quarantine_reason,
        quarantine_detail
    from checked
)

select * from final
