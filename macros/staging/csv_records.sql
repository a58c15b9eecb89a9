{#- The lineage columns and the parsed JSON object of CSV landing records.
    `is_malformed_row` is true when the row could not be split into the header's fields. -#}
{% macro csv_records(source_relation) -%}
    with source as (
        select * from {{ source_relation }}
    ),

    records as (
        select
            source.file_hash,
            source.file_path,
            source.record_number,
            source.ingested_at,
            source.load_id,
            source.raw_record,
            source.parse_error,
            source.parse_error is not null as is_malformed_row,
            {{ try_json('source.raw_record') }} as record_json
        from source
    )
{%- endmacro %}

{#- A CSV field as trimmed text, empty as null. -#}
{% macro csv_field(name) -%}
    nullif(trim({{ json_text('records.record_json', name) }}), '')
{%- endmacro %}

{#- The first missing required field's name, or null. -#}
{% macro first_missing(columns) -%}
    case
    {%- for column in columns %}
        when {{ column }} is null then '{{ column }} is missing'
    {%- endfor %}
    end
{%- endmacro %}
