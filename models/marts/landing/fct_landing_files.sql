{#- One row per file path seen in the landing directory (the landing manifest): its
    content hash, format, size, status (loaded, unreadable, or duplicate_content when
    the same bytes were already read under another path), when it was ingested, and
    for the path that loaded the content, the records read and their outcomes:
    records_read = records_staged + records_quarantined + records_duplicate. -#}

with paths as (
    select * from {{ source('landing', 'landing_file_paths') }}
),

files as (
    select * from {{ ref('stg_landing__landing_files') }}
),

outcomes as (
    select
        file_hash,
        count(*) as records_total,
        count(case when record_status = 'accepted' then 1 end) as records_staged,
        count(case when record_status = 'quarantined' then 1 end) as records_quarantined,
        count(case when record_status = 'exact_duplicate' then 1 end) as records_duplicate
    from {{ ref('int_landing_record_outcomes') }}
    group by file_hash
),

present as (
    select distinct
        file_path,
        file_hash
    from {{ source('landing', 'landing_files_present') }}
),

final as (
    select
        md5(paths.file_path || '|' || paths.file_hash) as landing_file_id,
        paths.file_path,
        paths.source as source_name,
        paths.file_hash,
        files.file_format,
        paths.size_bytes,
        case
            when files.file_path <> paths.file_path then 'duplicate_content'
            else files.file_status
        end as file_status,
        files.error_message,
        paths.first_seen_at,
        files.ingested_at,
        files.load_id,
        files.file_path = paths.file_path as is_content_loaded_here,
        present.file_path is not null as is_present,
        case when files.file_path = paths.file_path then files.rows_read end as records_read,
        case when files.file_path = paths.file_path then coalesce(outcomes.records_staged, 0) end
            as records_staged,
        case when files.file_path = paths.file_path then coalesce(outcomes.records_quarantined, 0) end
            as records_quarantined,
        case when files.file_path = paths.file_path then coalesce(outcomes.records_duplicate, 0) end
            as records_duplicate
    from paths
    inner join files
        on paths.file_hash = files.file_hash
    left join outcomes
        on paths.file_hash = outcomes.file_hash
    left join present
        on paths.file_path = present.file_path
        and paths.file_hash = present.file_hash
)

select * from final
