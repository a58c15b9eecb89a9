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
