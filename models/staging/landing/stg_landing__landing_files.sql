{#- One row per distinct landed file content: the landing manifest as the ingestion
    asset loaded it (status loaded or unreadable, with the error). -#}

with files as (
    select * from {{ source('landing', 'landing_files') }}
),

final as (
    select
        file_hash,
        source as source_name,
        file_path,
        file_format,
        size_bytes,
        rows_read,
        status as file_status,
        error_message,
        load_id,
        ingested_at
    from files
)

select * from final
