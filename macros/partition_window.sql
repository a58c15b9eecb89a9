{#- The run's partition window [start, end) in UTC, from env USAGE_BILLING_WINDOW_START
    and USAGE_BILLING_WINDOW_END (set by the Dagster op of a partitioned run, as
    `--from/--to` days). Both empty on unpartitioned runs. Read only when a model is
    compiled to run (`execute`), like as_of(), so a new window does not force a re-parse. -#}
{% macro partition_window() -%}
    {%- set start = env_var('USAGE_BILLING_WINDOW_START', '') if execute else '' -%}
    {%- set end = env_var('USAGE_BILLING_WINDOW_END', '') if execute else '' -%}
    {%- if start in (none, '') or end in (none, '') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return([start | replace('Z', '') | replace('T', ' '), end | replace('Z', '') | replace('T', ' ')]) }}
{%- endmacro %}

{#- A predicate keeping rows whose `column` falls in the partition window; `true` on an
    unpartitioned run (every day). -#}
{% macro in_partition_window(column) -%}
    {%- set window = partition_window() -%}
    {%- if window is none -%}
        true
    {%- else -%}
        {{ column }} >= cast('{{ window[0] }}' as timestamp) and {{ column }} < cast('{{ window[1] }}' as timestamp)
    {%- endif -%}
{%- endmacro %}
