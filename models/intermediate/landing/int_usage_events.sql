{{ config(materialized='view') }}

{#- One row per accepted usage event: well-formed, first of its source and id, a
    known customer with an active subscription at the event time. -#}

with checked as (
    select * from {{ ref('int_usage_events_checked') }}
    where rejection_reason is null
),

final as (
    select
        event_source,
        event_id,
        event_type,
        customer_id,
        event_at,
        data_json,
        file_hash,
        file_path,
        record_number,
        ingested_at,
        load_id
    from checked
)

select * from final
