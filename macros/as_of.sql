{#- The run's processing time as a UTC timestamp literal: `--vars '{as_of: ...}'`,
    else env USAGE_BILLING_AS_OF, else dbt's run_started_at ("now"). The variable is
    read only when a model is compiled to run (`execute`): dbt records the environment
    variables a file reads while parsing and re-parses the file when one changes, so a
    read at parse time would re-parse every model using as_of() on every run. -#}
{% macro as_of() -%}
    cast('{{ as_of_value() }}' as timestamp)
{%- endmacro %}


{#- The as-of time as text, 'YYYY-MM-DD HH:MM:SS' (UTC): as_of() without the cast. -#}
{% macro as_of_value() -%}
    {%- set value = var('as_of', '') -%}
    {%- if value in (none, '') -%}
        {%- set value = env_var('USAGE_BILLING_AS_OF', '') if execute else '' -%}
    {%- endif -%}
    {%- if value in (none, '') -%}
        {%- set value = run_started_at.strftime('%Y-%m-%dT%H:%M:%S') -%}
    {%- endif -%}
    {{ return(value | replace('Z', '') | replace('T', ' ')) }}
{%- endmacro %}


{#- The as-of time's UTC day as an ISO date string ('YYYY-MM-DD'). -#}
{% macro as_of_day() -%}
    {{ return(as_of_value()[:10]) }}
{%- endmacro %}
