{#- Incremental materializations that depend on what the engine's tables can do.

    DuckDB tables take DELETE, so the keyed models use delete+insert. Spark's plain
    Parquet tables (the only table format installable offline here: Delta and Iceberg
    come from Maven) take neither DELETE nor MERGE. There:
    - a model that replaces days (fct_usage_daily) is partitioned by its day column
      and uses insert_overwrite, which replaces exactly the partitions (days) the run
      produces: the same rows as delete+insert on that column;
    - a model keyed by an event (int_usage_events_checked) is rebuilt as a table from
      its inputs each run: the same rows on a first build (the comparison test), but
      not the same rule across runs. On DuckDB an accepted event stays accepted; on
      Spark every event is checked again, so a late cancellation effective before an
      already accepted event rejects it on the next run.
    On a cluster with Delta, file_format 'delta' and incremental_strategy 'merge' give
    the keyed models back their incremental runs (docs/decisions.md, Spark scale-out). -#}

{% macro keyed_incremental() -%}
    {{ return(adapter.dispatch('keyed_incremental')()) }}
{%- endmacro %}

{% macro default__keyed_incremental() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__keyed_incremental() -%}
    {{ return('table') }}
{%- endmacro %}


{#- The strategy and partitioning of a model whose runs replace whole days of `column`. -#}
{% macro day_replacing_strategy() -%}
    {{ return(adapter.dispatch('day_replacing_strategy')()) }}
{%- endmacro %}

{% macro default__day_replacing_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__day_replacing_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro day_partitions(column) -%}
    {{ return(adapter.dispatch('day_partitions')(column)) }}
{%- endmacro %}

{% macro default__day_partitions(column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__day_partitions(column) -%}
    {{ return([column]) }}
{%- endmacro %}
