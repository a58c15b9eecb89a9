{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#- One row per product-event record read from product_events/, parsed and typed,
    with its record-level problem (null when well-formed). Not billed. -#}

{%- set incremental_filter -%}
    {% if is_incremental() %}
        where load_id > (select coalesce(max(load_id), 0) from {{ this }})
    {% endif %}
{%- endset %}

{#- the product event types of the landing contract -#}
{%- set product_event_types = "('app.session_started', 'app.pricing_page_viewed', 'app.upgrade_clicked', 'app.gated_feature_attempted', 'app.user_invited', 'app.feature_used')" %}

{{ cloudevents_envelope(source('landing', 'product_events'), incremental_filter) }},

checked as (
    select
        envelope_checked.*,
        case
            when envelope_checked.envelope_problem is not null then envelope_checked.envelope_problem
            when envelope_checked.event_type not in {{ product_event_types }} then 'unknown_event_type'
        end as quarantine_reason,
        case
            when envelope_checked.envelope_problem is not null then envelope_checked.envelope_problem_detail
            when envelope_checked.event_type not in {{ product_event_types }}
                then 'type = ' || envelope_checked.event_type
        end as quarantine_detail
    from envelope_checked
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
        {{ json_text('data_json', 'user_id') }} as user_id,
        {{ json_text('data_json', 'feature') }} as feature_name,
        content_hash,
        quarantine_reason,
        quarantine_detail
    from checked
)

select * from final
