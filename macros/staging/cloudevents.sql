{#- Parse the CloudEvents envelope of raw landing records (usage and product events).
    Produces the lineage columns, the envelope attributes, `data_json` (a JSON
    string in Parquet is parsed), a content hash, and the record-level problems
    shared by both sources, in order of precedence. -#}
{% macro cloudevents_envelope(source_relation, incremental_filter='') -%}
    with source as (
        select * from {{ source_relation }}
        {{ incremental_filter }}
    ),

    json_records as (
        select
            source.*,
            case when source.parse_error is null then {{ try_json('source.raw_record') }} end as record_json
        from source
    ),

    {%- set keys = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'data'] %}

    -- the envelope's members, read in one parse of the record (json_members())
    record_members as (
        select
            json_records.*,
            {{ json_members('json_records.record_json', keys) }} as envelope_members
        from json_records
    ),

    envelope as (
        select
            record_members.file_hash,
            record_members.file_path,
            record_members.record_number,
            record_members.ingested_at,
            record_members.load_id,
            record_members.raw_record,
            record_members.record_json is not null
                and {{ json_kind('record_members.record_json') }} = 'OBJECT' as is_json_object,
            {{ json_members_text('record_members.envelope_members', keys, 'specversion') }} as spec_version,
            {{ json_members_text('record_members.envelope_members', keys, 'id') }} as event_id,
            {{ json_members_text('record_members.envelope_members', keys, 'source') }} as event_source,
            {{ json_members_text('record_members.envelope_members', keys, 'type') }} as event_type,
            {{ json_members_text('record_members.envelope_members', keys, 'subject') }} as customer_id,
            {{ json_members_text('record_members.envelope_members', keys, 'time') }} as event_time_text,
            case
                when {{ json_kind(json_members_value('record_members.envelope_members', keys, 'data')) }} = 'VARCHAR'
                    then {{ try_json(json_members_text('record_members.envelope_members', keys, 'data')) }}
                else {{ json_members_value('record_members.envelope_members', keys, 'data') }}
            end as data_json
        from record_members
    ),

    typed as (
        select
            envelope.*,
            {{ parse_timestamp_utc('envelope.event_time_text') }} as event_at,
            {{ has_utc_offset('envelope.event_time_text') }} as has_timestamp_offset,
            {{ content_hash("coalesce(envelope.event_type, '') || '|' || coalesce(envelope.customer_id, '') || '|' || coalesce(envelope.event_time_text, '') || '|' || coalesce(" ~ json_as_text('envelope.data_json') ~ ", '')") }} as content_hash
        from envelope
    ),

    envelope_checked as (
        select
            typed.*,
            case
                when not typed.is_json_object then 'malformed_json'
                when typed.spec_version is null or typed.event_id is null or typed.event_source is null
                    or typed.event_type is null or typed.customer_id is null
                    or typed.event_time_text is null
                    then 'missing_field'
                when typed.event_at is null then 'invalid_timestamp'
                when typed.event_at > typed.ingested_at + interval '5 minutes' then 'future_timestamp'
            end as envelope_problem,
            case
                when not typed.is_json_object then 'not a JSON object'
                when typed.spec_version is null then 'specversion is missing'
                when typed.event_id is null then 'id is missing'
                when typed.event_source is null then 'source is missing'
                when typed.event_type is null then 'type is missing'
                when typed.customer_id is null then 'subject is missing'
                when typed.event_time_text is null then 'time is missing'
                when typed.event_at is null then 'time = ' || typed.event_time_text
                when typed.event_at > typed.ingested_at + interval '5 minutes'
                    then 'time ' || typed.event_time_text || ' is after ingestion at '
                        || cast(typed.ingested_at as {{ dbt.type_string() }})
            end as envelope_problem_detail
        from typed
    )
{%- endmacro %}
