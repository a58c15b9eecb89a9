{#- on-run-start on Spark: ANSI mode on. dbt-spark 1.11 forces spark.sql.ansi.enabled
    to false in the connection, whatever the profile says; without ANSI an overflowing
    decimal or a failed cast is a silent NULL (a NULL invoice amount). With it, it is
    an error that stops the build. -#}
{% macro spark_strict_arithmetic() -%}
    {%- if target.type == 'spark' -%}
        set spark.sql.ansi.enabled = true
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
