{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['file_hash', 'record_number'],
        full_refresh=false,
        on_schema_change='append_new_columns',
    )
}}

{#- One row per landing record ever quarantined: its file, record number, raw record,
    reason and the time a run first quarantined it. Kept across runs (never rebuilt,
    even by --full-refresh). A record that a later run accepts (an unknown customer
    becoming known) is marked released, not deleted; a record whose reason changes
    keeps its first reason beside the current one. -#}

{%- set raw_tables = ['customers', 'subscription_events', 'usage_events', 'contract_rates', 'realtime_counters', 'product_events', 'review_decisions'] %}

with outcomes as (
    select * from {{ ref('int_landing_record_outcomes') }}
    where record_status = 'quarantined'
),

files as (
    select
        file_hash,
        file_path,
        ingested_at
    from {{ ref('stg_landing__landing_files') }}
),

{% if is_incremental() %}
previous as (
    select * from {{ this }}
),
{% endif %}

current_quarantine as (
    select
        outcomes.source_name,
        outcomes.file_hash,
        outcomes.record_number,
        outcomes.reason_code,
        outcomes.reason_detail
    from outcomes
),

{% if is_incremental() %}
changed as (
    -- new quarantined records, and records whose reason changed
    select current_quarantine.*
    from current_quarantine
    left join previous
        on current_quarantine.file_hash = previous.file_hash
        and current_quarantine.record_number = previous.record_number
    where previous.file_hash is null
        or previous.reason_code <> current_quarantine.reason_code
        or previous.released_at is not null
),

released as (
    -- previously quarantined records that are no longer quarantined
    select previous.*
    from previous
    left join current_quarantine
        on previous.file_hash = current_quarantine.file_hash
        and previous.record_number = current_quarantine.record_number
    where current_quarantine.file_hash is null
        and previous.released_at is null
),
{% else %}
changed as (
    select * from current_quarantine
),
{% endif %}

raw_records as (
    {%- for table in raw_tables %}
    select
        raw_table.file_hash,
        raw_table.record_number,
        raw_table.raw_record
    from {{ source('landing', table) }} as raw_table
    inner join changed
        on raw_table.file_hash = changed.file_hash
        and raw_table.record_number = changed.record_number
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

upserts as (
    select
        md5(changed.file_hash || '|' || cast(changed.record_number as {{ dbt.type_string() }})) as quarantined_record_id,
        changed.source_name,
        changed.file_hash,
        files.file_path,
        changed.record_number,
        -- personal data (e-mails, IPs) never reaches a mart in clear
        {{ redact_personal_data('raw_records.raw_record') }} as raw_record,
        changed.reason_code,
        {{ redact_personal_data('changed.reason_detail') }} as reason_detail,
        {% if is_incremental() -%}
        coalesce(previous.first_reason_code, changed.reason_code) as first_reason_code,
        coalesce(previous.first_seen_at, {{ as_of() }}) as first_seen_at,
        {%- else -%}
        changed.reason_code as first_reason_code,
        {{ as_of() }} as first_seen_at,
        {%- endif %}
        files.ingested_at,
        cast(null as timestamp) as released_at,
        false as is_released
    from changed
    inner join files
        on changed.file_hash = files.file_hash
    left join raw_records
        on changed.file_hash = raw_records.file_hash
        and changed.record_number = raw_records.record_number
    {% if is_incremental() -%}
    left join previous
        on changed.file_hash = previous.file_hash
        and changed.record_number = previous.record_number
    {%- endif %}
),

final as (
    select * from upserts
    {% if is_incremental() %}
    union all
    select
        quarantined_record_id,
        source_name,
        file_hash,
        file_path,
        record_number,
        raw_record,
        reason_code,
        reason_detail,
        first_reason_code,
        first_seen_at,
        ingested_at,
        {{ as_of() }} as released_at,
        true as is_released
    from released
    {% endif %}
)

select * from final
