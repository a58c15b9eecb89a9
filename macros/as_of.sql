{#- The run's processing time as a UTC timestamp literal.
    `--vars '{as_of: ...}'` or env USAGE_BILLING_AS_OF; empty means dbt's run_started_at. -#}
{% macro as_of() -%}
    {%- set value = var('as_of', '') -%}
    {%- if value in (none, '') -%}
        {%- set value = run_started_at.strftime('%Y-%m-%dT%H:%M:%S') -%}
    {%- endif -%}
    cast('{{ value | replace('Z', '') | replace('T', ' ') }}' as timestamp)
{%- endmacro %}
