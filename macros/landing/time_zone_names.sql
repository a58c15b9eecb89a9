{#- The IANA time zone names the engine can convert to, as a relation with one column,
    time_zone_name: a customer's billing_timezone must be one of them. DuckDB lists its
    own (ICU) zones; Spark has no such table, so the list is the tz database dbt ships
    (pytz), whose names Java's ZoneId accepts. -#}
{% macro time_zone_names() -%}
    {{ return(adapter.dispatch('time_zone_names')()) }}
{%- endmacro %}

{% macro duckdb__time_zone_names() -%}
    (select name as time_zone_name from pg_timezone_names())
{%- endmacro %}

{% macro spark__time_zone_names() -%}
    (
        select explode(array(
            {%- for name in modules.pytz.all_timezones %}'{{ name }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        )) as time_zone_name
    )
{%- endmacro %}
