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

{#- The (event type, value property) pairs of the catalog, in catalog order, each once:
    staging reads each pair's value once a record (usage_value_texts(),
    usage_value_numbers()) and its checks compare those columns. Written into each
    check instead, the same JSON member was parsed up to 16 times a record. -#}
{% macro usage_value_pairs() -%}
    {%- set pairs = [] -%}
    {%- for row in metric_catalog_rows() if row.value_property != '' -%}
        {%- set pair = row.event_type ~ '|' ~ row.value_property -%}
        {%- if pair not in pairs -%}{%- do pairs.append(pair) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}

{#- The numeric aggregations: their values must be numbers >= 0. -#}
{% macro usage_numeric_aggregations() -%}
    {{ return(['sum', 'max', 'latest', 'time_weighted_avg']) }}
{%- endmacro %}

{#- Select-list items: value_text_<n>, pair n's property as text when the event has
    pair n's type (null otherwise). Nothing when the catalog reads no property. -#}
{% macro usage_value_texts(event_type_column, data_column) -%}
    {%- for pair in usage_value_pairs() %}
        {%- set event_type, value_property = pair.split('|', 1) %},
        case when {{ event_type_column }} = '{{ event_type }}' then {{ json_text(data_column, value_property) }} end
            as value_text_{{ loop.index }}
    {%- endfor %}
{%- endmacro %}

{#- Select-list items: value_number_<n>, value_text_<n> parsed as a number, for the pairs
    a numeric aggregation reads (others are never compared with numbers, and a failed
    fast cast falls back to the slow wide one: parse_decimal()). -#}
{% macro usage_value_numbers(relation) -%}
    {%- set pairs = usage_value_pairs() -%}
    {%- set numeric = [] -%}
    {%- for row in metric_catalog_rows() if row.value_property != '' and row.aggregation in usage_numeric_aggregations() -%}
        {%- set n = pairs.index(row.event_type ~ '|' ~ row.value_property) + 1 -%}
        {%- if n not in numeric -%}{%- do numeric.append(n) -%}{%- endif -%}
    {%- endfor -%}
    {%- for n in numeric | sort %},
        {{ parse_decimal(relation ~ '.value_text_' ~ n) }} as value_number_{{ n }}
    {%- endfor %}
{%- endmacro %}

{#- The first value problem of an event with a catalog type, or null, from the columns
    above of `relation`. Numeric aggregations need a number >= 0; required properties
    must be present. -#}
{% macro usage_value_problem(relation) -%}
    {%- set pairs = usage_value_pairs() -%}
    {%- if pairs | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
    {%- for row in metric_catalog_rows() if row.value_property != '' %}
        {%- set n = pairs.index(row.event_type ~ '|' ~ row.value_property) + 1 %}
        {%- set is_type = relation ~ ".event_type = '" ~ row.event_type ~ "'" %}
        {%- set value = relation ~ '.value_text_' ~ n %}
        {%- set number = relation ~ '.value_number_' ~ n %}
        when {{ is_type }} and {{ value }} is null
            and {{ 'true' if row.is_value_required else 'false' }}
            then 'missing_field'
        {%- if row.aggregation in usage_numeric_aggregations() %}
        when {{ is_type }} and {{ value }} is not null and {{ number }} is null
            then 'non_numeric_value'
        when {{ is_type }} and {{ number }} < 0
            then 'negative_quantity'
        when {{ is_type }} and {{ number }} > {{ max_event_quantity() }}
            then 'quantity_out_of_range'
        {%- endif %}
    {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}

{#- Which property the problem above is about, for the quarantine detail. -#}
{% macro usage_value_problem_detail(relation) -%}
    {%- set pairs = usage_value_pairs() -%}
    {%- if pairs | length == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
    {%- for row in metric_catalog_rows() if row.value_property != '' %}
        {%- set n = pairs.index(row.event_type ~ '|' ~ row.value_property) + 1 %}
        {%- set value = relation ~ '.value_text_' ~ n %}
        {%- set number = relation ~ '.value_number_' ~ n %}
        when {{ relation }}.event_type = '{{ row.event_type }}'
            and (({{ value }} is null and {{ 'true' if row.is_value_required else 'false' }})
            {%- if row.aggregation in usage_numeric_aggregations() %}
                or ({{ value }} is not null and coalesce({{ number }}, -1) < 0)
                or coalesce({{ number }}, 0) > {{ max_event_quantity() }}
            {%- endif %})
            then 'data.{{ row.value_property }} = ' || coalesce({{ value }}, 'missing')
    {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}
