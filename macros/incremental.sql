{#- Incremental models on engines whose tables may not take DELETE.

    DuckDB tables take DELETE: the keyed models use delete+insert, and the ledger's
    pre-hooks delete the rows a run recomputes. Spark's plain Parquet tables (the only
    table format installable offline here: Delta and Iceberg come from Maven) take
    neither DELETE nor MERGE. There the same rules are kept by rewriting the table:
    - delete+insert (macros/spark/spark_incremental.sql): the kept rows (those whose
      key the run does not produce) and the run's rows are written to a side table,
      which then overwrites the model's table;
    - delete_rows (the ledger pre-hooks): the rows not deleted are written to a side
      table, which then overwrites the model's table;
    - a model that replaces days (fct_usage_daily) is partitioned by its day column on
      Spark and uses insert_overwrite, which replaces exactly the partitions (days) the
      run produces: the same rows as delete+insert on that column, without rewriting
      the other days.
    A rewrite reads the whole table each run; on a cluster with Delta, file_format
    'delta' and incremental_strategy 'merge' avoid it (docs/decisions.md, Spark
    scale-out). -#}


{#- Delete the rows of `relation` where `condition` holds, when the relation exists:
    a statement for a pre-hook (`select 1` when there is nothing to delete from). -#}
{% macro delete_rows(relation, condition) -%}
    {%- set existing = load_relation(relation) -%}
    {%- if existing is none -%}
        select 1
    {%- else -%}
        {{ return(adapter.dispatch('delete_rows')(existing, condition)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__delete_rows(relation, condition) -%}
    delete from {{ relation }} where {{ condition }}
{%- endmacro %}

{% macro spark__delete_rows(relation, condition) -%}
    {{ spark_rewrite_table(relation, 'select * from ' ~ relation ~ ' where not coalesce(' ~ condition ~ ', false)') }}
{%- endmacro %}


{#- Delete the rows of `relation` whose date column `day_column` is `first_day` (an ISO
    date string) or later: a pre-hook statement (delete_rows()). -#}
{% macro delete_days_from(relation, day_column, first_day) -%}
    {{ return(delete_rows(relation, day_column ~ " >= cast('" ~ first_day ~ "' as date)")) }}
{%- endmacro %}


{#- Replace the rows of the Spark table `relation` with those of the query `kept_rows`
    (which may read `relation`): the query is written to a side table, which then
    overwrites the table (Spark cannot overwrite a table it is reading). Runs both steps
    and returns the statement that drops the side table; until then a failed overwrite
    leaves the rows in the side table. -#}
{% macro spark_rewrite_table(relation, kept_rows) -%}
    {%- set kept = relation.incorporate(path={"identifier": relation.identifier ~ '__rewrite'}) -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ kept) -%}
        {%- do run_query('create table ' ~ kept ~ ' using parquet as ' ~ kept_rows) -%}
        {%- do run_query('insert overwrite table ' ~ relation ~ ' select * from ' ~ kept) -%}
    {%- endif -%}
    drop table if exists {{ kept }}
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


{#- The days an incremental run must rebuild in a model that keeps a row count per day.

    Returns a query of `usage_date`: the days (of `current_time_column`) where the rows
    of `current_relation` (a relation or a parenthesized query: what the model
    aggregates; not a CTE the model also reads, which DuckDB would then materialize
    with every column, JSON values included) number
    differently from the model's stored count for that day (sum of
    `stored_count_column` over `{{ this }}`, per `stored_day_expression`). With
    `current_count_column`, `current_relation` holds counts already (one row per day,
    or several to add: metric_value_day_counts()) and their sum is compared. The usage
    models aggregate accepted events, and accepted events are only ever added (a
    duplicate is never accepted, an accepted event stays accepted): a day whose events
    changed has more of them, so comparing counts finds exactly the changed days
    without storing any state. A change of the seeds the model reads (metric catalog,
    tolerances) does not change counts: it needs `--full-refresh`, as any change of an
    incremental model's logic does in dbt (docs/decisions.md, Performance). -#}
{% macro changed_days(current_relation, current_time_column, stored_day_expression, stored_count_column, current_count_column=none) -%}
    select current_days.usage_date
    from (
        select
            cast({{ dbt.date_trunc('day', current_time_column) }} as date) as usage_date,
            {{ 'sum(' ~ current_count_column ~ ')' if current_count_column else 'count(*)' }} as row_count
        from {{ current_relation }}
        group by cast({{ dbt.date_trunc('day', current_time_column) }} as date)
    ) as current_days
    left join (
        select
            {{ stored_day_expression }} as usage_date,
            sum({{ stored_count_column }}) as row_count
        from {{ this }}
        group by {{ stored_day_expression }}
    ) as stored_days
        on current_days.usage_date = stored_days.usage_date
    where stored_days.row_count is null
        or stored_days.row_count <> current_days.row_count
{%- endmacro %}


{#- The changed days (changed_days()) as ISO date strings, read when the model compiles;
    empty at parse time. -#}
{% macro changed_day_list(current_relation, current_time_column, stored_day_expression, stored_count_column, current_count_column=none) -%}
    {{ return(query_day_list(changed_days(current_relation, current_time_column, stored_day_expression, stored_count_column, current_count_column))) }}
{%- endmacro %}


{#- The first column of `days_query` (dates) as sorted ISO date strings; empty at parse time. -#}
{% macro query_day_list(days_query) -%}
    {%- set days = [] -%}
    {%- if execute -%}
        {%- for row in run_query(days_query ~ ' order by 1') -%}
            {%- do days.append(row[0] | string) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(days) }}
{%- endmacro %}


{#- `column in (the days)` for a date column, or false for no days. -#}
{% macro day_in_list(column, days) -%}
    {%- if days | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for day in days %}cast('{{ day }}' as date){{ ', ' if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}


{#- Rows whose timestamp `time_column` falls on one of `days` (ISO date strings), or false
    for no days. The range from the first day to the end of the last is written with
    literal timestamps, which DuckDB pushes down to the table scan under a view's
    projections (its JSON extraction); a predicate on the cast date alone is not pushed
    (33 s instead of 1 for two days of 10M events). -#}
{% macro time_in_days(time_column, days) -%}
    {%- if days | length == 0 -%}
        false
    {%- else -%}
        {%- set last = modules.datetime.date.fromisoformat(days[-1]) + modules.datetime.timedelta(days=1) -%}
        ({{ time_column }} >= cast('{{ days[0] }} 00:00:00' as timestamp)
            and {{ time_column }} < cast('{{ last.isoformat() }} 00:00:00' as timestamp)
            and {{ day_in_list('cast(' ~ dbt.date_trunc('day', time_column) ~ ' as date)', days) }})
    {%- endif -%}
{%- endmacro %}


{#- A predicate keeping rows whose timestamp `time_column` is on a changed day
    (changed_days()) or on one of `also_days` (ISO date strings: days a model rebuilds
    every run). In a run the days are read when the model compiles and written as
    literals (time_in_days()). In a dbt unit test (`this` is a fixture) the
    changed_days() subquery itself is used. -#}
{% macro changed_day_filter(time_column, current_relation, current_time_column, stored_day_expression, stored_count_column, also_days=[], current_count_column=none) -%}
    {%- if model.resource_type == 'unit_test' -%}
        cast({{ dbt.date_trunc('day', time_column) }} as date) in (
            {{ changed_days(current_relation, current_time_column, stored_day_expression, stored_count_column, current_count_column) }}
            {%- for day in also_days %}
            union all select cast('{{ day }}' as date)
            {%- endfor %}
        )
    {%- else -%}
        {%- set days = changed_day_list(current_relation, current_time_column, stored_day_expression, stored_count_column, current_count_column) -%}
        {{ time_in_days(time_column, (days + also_days) | unique | sort | list) }}
    {%- endif -%}
{%- endmacro %}

{#- The alias delete+insert gives the model's table in its delete statement, for
    `incremental_predicates` (dbt-duckdb's own macro names it DBT_INCREMENTAL_TARGET,
    dbt's default DBT_INTERNAL_DEST). -#}
{% macro delete_insert_target() -%}
    {{ return(adapter.dispatch('delete_insert_target')()) }}
{%- endmacro %}

{% macro default__delete_insert_target() -%}
    {{ return('DBT_INTERNAL_DEST') }}
{%- endmacro %}

{% macro duckdb__delete_insert_target() -%}
    {{ return('DBT_INCREMENTAL_TARGET') }}
{%- endmacro %}
