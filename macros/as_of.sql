{#- The run's processing time as a UTC timestamp literal: `--vars '{as_of: ...}'`,
    else env USAGE_BILLING_AS_OF, else dbt's run_started_at ("now"). Read when a model
    is compiled at run time, so changing it does not force a re-parse. -#}
{% macro as_of() -%}
    {%- set value = var('as_of', '') -%}
    {%- if value in (none, '') -%}
        {%- set value = env_var('USAGE_BILLING_AS_OF', '') -%}
    {%- endif -%}
    {%- if value in (none, '') -%}
        {%- set value = run_started_at.strftime('%Y-%m-%dT%H:%M:%S') -%}
    {%- endif -%}
    cast('{{ value | replace('Z', '') | replace('T', ' ') }}' as timestamp)
{%- endmacro %}
