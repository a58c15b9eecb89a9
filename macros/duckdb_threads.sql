{#- on-run-start: `set threads = N` when USAGE_BILLING_DUCKDB_THREADS is set (tests run
    the same build with 1 and 2 threads and compare the marts); otherwise DuckDB's
    default (one thread per core). -#}
{% macro set_duckdb_threads() -%}
    {%- set threads = env_var('USAGE_BILLING_DUCKDB_THREADS', '') if execute else '' -%}
    {%- if threads and target.type == 'duckdb' -%}
        set threads = {{ threads | int }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: DuckDB's memory limit for the build, from USAGE_BILLING_DUCKDB_MEMORY_LIMIT
    (the Dagster ops always set it, from orchestration/lib/settings.py; 6GB when dbt is
    run by hand). Beyond it DuckDB spills to `<warehouse>.tmp/` instead of growing. -#}
{% macro set_duckdb_memory_limit() -%}
    {%- set limit = env_var('USAGE_BILLING_DUCKDB_MEMORY_LIMIT', '6GB') if execute else '6GB' -%}
    {%- if target.type == 'duckdb' -%}
        set memory_limit = '{{ limit | replace("'", "") }}'
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
