{#- The days of int_segment_usage_events a run must recompute (a query of usage_date),
    against what the table holds (`relation`, an existing table). A day is stale when:
    - the number of accepted event metrics at or before the as-of time on that day
      differs from the rows the table holds for it (new or released events, the as-of
      time moved on or back; accepted events are only ever added, so an unchanged
      count means unchanged events);
    - or a segment the table placed events of that day in has changed: it is gone, its
      period, subscription or customer differs, or its usage range no longer holds the
      first or last of those events. An event is in at most one segment, so when
      events move to another segment, the segment they left has changed.
    int_segment_usage_events reads the list once when compiled
    (segment_usage_stale_day_list()) and writes it into its compiled code as a
    comment; its pre-hook reads that comment, deletes those days' rows, and the model
    inserts them again. The search reads every stored row, so it runs once a run.
    Literals, not a subquery: written as a timestamp range (time_in_days()), DuckDB
    filters events on their day before extracting JSON values. -#}
{% macro segment_usage_stale_days(relation) -%}
    with current_days as (
        {{ metric_value_day_counts(event_filter='events.event_at <= ' ~ as_of()) }}
    ),

    -- the segment's attributes as placed are grouping keys, not min and max aggregates:
    -- rows placed with other attributes form a group of their own (the same check,
    -- half the time: 2.5 to 1.1 s on 30M rows)
    stored_segment_days as (
        select
            stored.usage_date,
            stored.segment_id,
            stored.billing_period_id,
            stored.subscription_id,
            stored.customer_id,
            count(*) as row_count,
            min(stored.event_at) as first_event_at,
            max(stored.event_at) as last_event_at
        from {{ relation }} as stored
        group by
            stored.usage_date,
            stored.segment_id,
            stored.billing_period_id,
            stored.subscription_id,
            stored.customer_id
    ),

    stored_days as (
        select
            stored_segment_days.usage_date,
            sum(stored_segment_days.row_count) as row_count
        from stored_segment_days
        group by stored_segment_days.usage_date
    ),

    count_changed as (
        select coalesce(current_days.usage_date, stored_days.usage_date) as usage_date
        from current_days
        full outer join stored_days
            on current_days.usage_date = stored_days.usage_date
        where current_days.row_count is null
            or stored_days.row_count is null
            or current_days.row_count <> stored_days.row_count
    ),

    segment_changed as (
        select stored_segment_days.usage_date
        from stored_segment_days
        left join {{ ref('int_subscription_segments') }} as segments
            on stored_segment_days.segment_id = segments.segment_id
        where segments.segment_id is null
            or stored_segment_days.first_event_at < segments.segment_start
            or stored_segment_days.last_event_at >= segments.usage_segment_end
            or stored_segment_days.billing_period_id <> segments.billing_period_id
            or stored_segment_days.subscription_id <> segments.subscription_id
            or stored_segment_days.customer_id <> segments.customer_id
    )

    select count_changed.usage_date from count_changed
    union
    select segment_changed.usage_date from segment_changed
{%- endmacro %}


{#- The stale days (segment_usage_stale_days()) as ISO date strings; empty when
    `relation` does not exist or at parse time. -#}
{% macro segment_usage_stale_day_list(relation) -%}
    {%- if execute and load_relation(relation) is not none -%}
        {{ return(query_day_list(segment_usage_stale_days(relation))) }}
    {%- endif -%}
    {{ return([]) }}
{%- endmacro %}


{#- The stale days as a comment of the model's compiled code, for its pre-hook;
    nothing when the run is not incremental (`days` is none). -#}
{% macro stale_days_comment(days) -%}
    {%- if days is not none -%}
        /* stale days: [{{ days | join(' ') }}] */
    {%- endif -%}
{%- endmacro %}


{#- The pre-hook of int_segment_usage_events: delete the stale days' rows. dbt renders
    a pre-hook after the model compiled, so the days are read from the model's compiled
    code (stale_days_comment()) instead of searched for a second time; a build that is
    not incremental (first build, full refresh) replaces the table and deletes nothing. -#}
{% macro delete_stale_segment_usage_days(relation) -%}
    {%- if not is_incremental() -%}
        {{ return('select 1') }}
    {%- endif -%}
    {%- set comment = modules.re.search('/\\* stale days: \\[([0-9 -]*)\\] \\*/', model.compiled_code or '') -%}
    {%- if comment is none -%}
        {{ exceptions.raise_compiler_error(
            'int_segment_usage_events: its compiled code holds no stale-days comment '
            ~ '(stale_days_comment()), so the pre-hook cannot tell which days to delete') }}
    {%- endif -%}
    {%- set days = comment.group(1).split() -%}
    {%- if days | length == 0 -%}
        select 1
    {%- else -%}
        {{ delete_rows(relation, day_in_list('usage_date', days)) }}
    {%- endif -%}
{%- endmacro %}
