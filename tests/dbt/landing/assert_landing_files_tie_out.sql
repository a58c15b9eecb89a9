-- Per loaded file: records read = staged + quarantined + exact duplicates.
-- A row here is a file whose records are not all accounted for.
{{ config(meta={'dagster': {'ref': {'name': 'fct_landing_files'}}}) }}

select
    file_path,
    records_read,
    records_staged,
    records_quarantined,
    records_duplicate
from {{ ref('fct_landing_files') }}
where is_content_loaded_here
    and file_status = 'loaded'
    and records_read <> records_staged + records_quarantined + records_duplicate
