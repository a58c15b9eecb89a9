{#- The metric catalog seed read at compile time, so staging can check event types
    and measured values row by row without a join. Returns a list of dicts. -#}
{% macro metric_catalog_rows() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select metric_code, event_type, coalesce(value_property, '') as value_property,
            aggregation, cast(is_value_required as boolean) as is_value_required
        from {{ ref('metric_catalog') }}
        order by event_type, metric_code
    {%- endset -%}
    {%- set result = run_query(query) -%}
    {%- set rows = [] -%}
    {%- for row in result.rows -%}
        {%- do rows.append({
            'metric_code': row[0], 'event_type': row[1], 'value_property': row[2],
            'aggregation': row[3], 'is_value_required': row[4]}) -%}
    {%- endfor -%}
    {{ return(rows) }}
{%- endmacro %}

{#- SQL list of the catalog's event types, e.g. ('api.request', 'storage.snapshot'). -#}
{% macro usage_event_types_sql() -%}
    {%- set types = [] -%}
    {%- for row in metric_catalog_rows() -%}
        {%- if row.event_type not in types -%}{%- do types.append(row.event_type) -%}{%- endif -%}
    {%- endfor -%}
    {%- if types | length == 0 -%}('')
    {%- else -%}({% for t in types %}'{{ t }}'{% if not loop.last %}, {% endif %}{% endfor %}){%- endif -%}
{%- endmacro %}

{#- The largest value one event may carry (10^15: a petabyte in bytes, 31 million years in
    seconds). Larger values are quarantined as `quantity_out_of_range`: downstream
    arithmetic (time-weighted storage multiplies by seconds, rating scales by shares)
    must stay inside DECIMAL(38), and one such event used to fail the whole run. -#}
{% macro max_event_quantity() -%}
    1000000000000000
{%- endmacro %}

{#- The first value problem of an event with a catalog type, or null.
    Numeric aggregations need a number >= 0; required properties must be present. -#}
{% macro usage_value_problem(event_type_column, data_column) -%}
    {%- if metric_catalog_rows() | selectattr('value_property') | list | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
    {%- for row in metric_catalog_rows() if row.value_property != '' %}
        {%- set value = json_text(data_column, row.value_property) %}
        when {{ event_type_column }} = '{{ row.event_type }}' and {{ value }} is null
            and {{ 'true' if row.is_value_required else 'false' }}
            then 'missing_field'
        {%- if row.aggregation in ('sum', 'max', 'latest', 'time_weighted_avg') %}
        when {{ event_type_column }} = '{{ row.event_type }}' and {{ value }} is not null
            and {{ parse_decimal(value) }} is null
            then 'non_numeric_value'
        when {{ event_type_column }} = '{{ row.event_type }}' and {{ parse_decimal(value) }} < 0
            then 'negative_quantity'
        when {{ event_type_column }} = '{{ row.event_type }}'
            and {{ parse_decimal(value) }} > {{ max_event_quantity() }}
            then 'quantity_out_of_range'
        {%- endif %}
    {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}

{#- Which property the problem above is about, for the quarantine detail. -#}
{% macro usage_value_problem_detail(event_type_column, data_column) -%}
    {%- if metric_catalog_rows() | selectattr('value_property') | list | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
    {%- for row in metric_catalog_rows() if row.value_property != '' %}
        {%- set value = json_text(data_column, row.value_property) %}
        when {{ event_type_column }} = '{{ row.event_type }}'
            and (({{ value }} is null and {{ 'true' if row.is_value_required else 'false' }})
            {%- if row.aggregation in ('sum', 'max', 'latest', 'time_weighted_avg') %}
                or ({{ value }} is not null and coalesce({{ parse_decimal(value) }}, -1) < 0)
                or coalesce({{ parse_decimal(value) }}, 0) > {{ max_event_quantity() }}
            {%- endif %})
            then 'data.{{ row.value_property }} = ' || coalesce({{ value }}, 'missing')
    {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}
