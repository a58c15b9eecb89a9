{#- dbt's safe_cast on Spark (dbt-spark's is a plain cast): null where the value does not
    convert, as the name promises. A VARIANT is parsed from JSON text: a plain cast of a
    text to VARIANT makes a JSON string of it, so a unit test's fixture
    `data_json: '{"bytes": 10}'` would not be an object as it is on DuckDB. dbt builds
    unit-test fixtures with this macro; the root project's version takes precedence. -#}
{% macro spark__safe_cast(field, type) -%}
    {%- if type | lower == 'variant' -%}
        try_parse_json({{ field }})
    {%- elif cast_from_string_unsupported_for(type) -%}
        {{ dbt_spark_plain_cast(field, type) }}
    {%- else -%}
        try_cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{% macro dbt_spark_plain_cast(field, type) -%}
    {%- set field_clean = field.strip('"').strip("'") if field is string else field -%}
    cast({{ field_clean }} as {{ type }})
{%- endmacro %}
