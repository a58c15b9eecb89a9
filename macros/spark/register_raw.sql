{#- Spark only (`make test-spark`): register the raw tables exported as Parquet by
    orchestration/lib/spark_raw.py (one folder per table under `raw_dir`) as tables of
    the `raw` database, where the `landing` source reads them. Ingestion itself stays
    in Python and DuckDB: it hashes files and keeps a file's records whole or not at all. -#}
{% macro spark_register_raw(raw_dir, tables) -%}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error('spark_register_raw is for the spark target') }}
    {%- endif -%}
    {%- do run_query('create database if not exists raw') -%}
    {%- for table in tables -%}
        {%- do run_query('drop table if exists raw.' ~ table) -%}
        {%- do run_query("create table raw." ~ table ~ " using parquet location '" ~ raw_dir ~ "/" ~ table ~ "'") -%}
        {{ log('registered raw.' ~ table, info=True) }}
    {%- endfor -%}
{%- endmacro %}
