{#- The IANA time zone names the engine can convert to, as a relation with one column,
    time_zone_name: a customer's billing_timezone must be one of them. DuckDB lists its
    own (ICU) zones. Spark has no such table: the candidates are the tz database dbt
    ships (pytz), kept when the JVM can read them as a zone (a region id, pattern VV,
    or a zone name, pattern z). Checked on 2026-11-22 (Java 17, pytz 2026.6): of 597
    names, 'America/Coyhaique' and 'ROC' (newer than the JVM's tz data; from_utc_timestamp
    fails on them) and 'GMT+0', 'GMT-0' are left out, so such a customer is quarantined
    as invalid_timezone on Spark instead of failing the build; DuckDB accepts all four. -#}
{% macro time_zone_names() -%}
    {{ return(adapter.dispatch('time_zone_names')()) }}
{%- endmacro %}

{% macro duckdb__time_zone_names() -%}
    (select name as time_zone_name from pg_timezone_names())
{%- endmacro %}

{% macro spark__time_zone_names() -%}
    (
        select candidates.time_zone_name
        from (
            select explode(array(
                {%- for name in modules.pytz.all_timezones %}'{{ name }}'{% if not loop.last %}, {% endif %}{% endfor -%}
            )) as time_zone_name
        ) as candidates
        where try_to_timestamp(concat('2025-01-01 00:00:00 ', candidates.time_zone_name), 'yyyy-MM-dd HH:mm:ss VV') is not null
            or try_to_timestamp(concat('2025-01-01 00:00:00 ', candidates.time_zone_name), 'yyyy-MM-dd HH:mm:ss z') is not null
    )
{%- endmacro %}
