{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

{#- One row per well-formed usage-event record, with its duplicate status against
    all history: kept (first read of its source and id), exact_duplicate or
    duplicate_conflict. Incremental: a run reads the new loads' records and, from
    history, only the kept rows with the same keys (a semi-join), never all events.
    Because history is consulted, a duplicate arriving in a later file, day or run
    (across midnight included) still counts once. -#}

with new_records as (
    select * from {{ ref('stg_landing__usage_events') }}
    where quarantine_reason is null
    {% if is_incremental() %}
        and load_id > (select coalesce(max(load_id), 0) from {{ this }})
    {% endif %}
),

{% if is_incremental() %}
history as (
    select
        history.event_source,
        history.event_id,
        history.content_hash
    from {{ this }} as history
    inner join (select distinct event_source, event_id from new_records) as new_keys
        on history.event_source = new_keys.event_source
        and history.event_id = new_keys.event_id
    where history.duplicate_status = 'kept'
),
{% else %}
history as (
    select
        cast(null as {{ dbt.type_string() }}) as event_source,
        cast(null as {{ dbt.type_string() }}) as event_id,
        cast(null as {{ dbt.type_string() }}) as content_hash
    where false
),
{% endif %}

ranked as (
    select
        new_records.*,
        history.content_hash as history_content_hash,
        row_number() over (
            partition by new_records.event_source, new_records.event_id
            order by new_records.ingested_at, new_records.file_path, new_records.record_number
        ) as read_order,
        first_value(new_records.content_hash) over (
            partition by new_records.event_source, new_records.event_id
            order by new_records.ingested_at, new_records.file_path, new_records.record_number
        ) as first_content_hash
    from new_records
    left join history
        on new_records.event_source = history.event_source
        and new_records.event_id = history.event_id
),

final as (
    select
        file_hash,
        file_path,
        record_number,
        ingested_at,
        load_id,
        event_source,
        event_id,
        event_type,
        customer_id,
        event_at,
        data_json,
        content_hash,
        case
            when history_content_hash is null and read_order = 1 then 'kept'
            when content_hash = coalesce(history_content_hash, first_content_hash) then 'exact_duplicate'
            else 'duplicate_conflict'
        end as duplicate_status
    from ranked
)

select * from final
