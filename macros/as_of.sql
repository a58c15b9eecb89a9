{#- The run's processing time as a UTC timestamp literal: `--vars '{as_of: ...}'`,
    else env USAGE_BILLING_AS_OF, else dbt's run_started_at ("now"). The variable is
    read only when a model is compiled to run (`execute`): dbt records the environment
    variables a file reads while parsing and re-parses the file when one changes, so a
    read at parse time would re-parse every model using as_of() on every run. -#}
{% macro as_of() -%}
    {%- set value = var('as_of', '') -%}
    {%- if value in (none, '') -%}
        {%- set value = env_var('USAGE_BILLING_AS_OF', '') if execute else '' -%}
    {%- endif -%}
    {%- if value in (none, '') -%}
        {%- set value = run_started_at.strftime('%Y-%m-%dT%H:%M:%S') -%}
    {%- endif -%}
    cast('{{ value | replace('Z', '') | replace('T', ' ') }}' as timestamp)
{%- endmacro %}
