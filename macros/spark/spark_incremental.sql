{#- delete+insert for dbt-spark on Parquet tables (macros/incremental.sql).

    dbt-spark 1.11 accepts only append, insert_overwrite, merge (Delta, Iceberg, Hudi)
    and microbatch. These two macros replace dbt-spark's own of the same names (a root
    project macro takes precedence over an adapter's) and hand every other strategy
    back to dbt-spark unchanged. delete+insert keeps the existing rows whose unique
    key the run does not produce, adds the run's rows, and writes both over the table
    through a side table (Spark cannot overwrite a table it is reading). -#}

{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {% do return(raw_strategy) %}
    {%- endif -%}
    {% do return(dbt.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) %}
{% endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy != 'delete+insert' -%}
        {{ return(dbt.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates)) }}
    {%- endif -%}
    {%- if not unique_key -%}
        {% do exceptions.raise_compiler_error('delete+insert on Spark needs a unique_key: ' ~ target) %}
    {%- endif -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- set matches -%}
        {%- for key in keys %}run_rows.{{ key }} = existing_rows.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
    {%- endset -%}
    {%- set kept_rows -%}
        select {{ columns }} from {{ target }} as existing_rows
        where not exists (select 1 from {{ source }} as run_rows where {{ matches }})
        union all
        select {{ columns }} from {{ source }}
    {%- endset -%}
    {{ spark_rewrite_table(target, kept_rows) }}
{% endmacro %}
