{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['event_source', 'event_id'],
        incremental_predicates=[delete_insert_target() ~ '.rejection_reason is not null'],
        on_schema_change='fail',
    )
}}

{#- One row per kept usage event (first read of its source and id) with the result
    of the reference checks: rejection_reason null (accepted), unknown_customer or
    no_active_subscription. Incremental: a run checks the new loads' kept events and
    re-checks the events still rejected, so a record quarantined as unknown_customer
    is released by the first run that knows the customer. An accepted event stays
    accepted. -#}

{%- set candidate_columns = [
    'file_hash', 'file_path', 'record_number', 'ingested_at', 'load_id', 'event_source',
    'event_id', 'event_type', 'customer_id', 'event_at', 'data_json',
] %}

-- The new loads' kept events and, on an incremental run, the stored rejected events
-- again. Two reads joined by union all, not one filter "new or pending": DuckDB
-- evaluated that filter's exists for every kept event of history (60 s at 100M events
-- on the one more day). Only rejected rows can share a key with this run's rows (a
-- kept event is the first read of its key), so the delete of delete+insert compares
-- only those (incremental_predicates; Spark's rewrite ignores the predicate, with the
-- same result).
with candidates as (
    select
        {%- for column in candidate_columns %}
        deduplicated.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_usage_events_deduplicated') }} as deduplicated
    where deduplicated.duplicate_status = 'kept'
    {% if is_incremental() %}
        and deduplicated.load_id > (select coalesce(max(load_id), 0) from {{ this }})

    union all

    select
        {%- for column in candidate_columns %}
        deduplicated.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_usage_events_deduplicated') }} as deduplicated
    inner join (
        select pending.event_source, pending.event_id
        from {{ this }} as pending
        where pending.rejection_reason is not null
    ) as pending
        on deduplicated.event_source = pending.event_source
        and deduplicated.event_id = pending.event_id
    where deduplicated.duplicate_status = 'kept'
        and deduplicated.load_id <= (select coalesce(max(load_id), 0) from {{ this }})
    {% endif %}
),

customers as (
    select customer_id from {{ ref('int_customers') }}
),

subscriptions as (
    select * from {{ ref('int_subscription_intervals') }}
),

-- When each customer has an active subscription: the union of their subscriptions'
-- intervals as disjoint islands (overlapping or touching intervals merged; an open
-- end is far in the future). An event is covered when its customer's island holds
-- it, and at most one island can, so the events join to them once each: the engine
-- streams the events past this small table. (A join of the events to the intervals
-- themselves can match twice, and making it distinct then joining back read the
-- candidates twice: DuckDB kept a copy of every candidate with its JSON, which at
-- 100M events filled the disk, 2026-11-23.)
intervals as (
    select
        subscriptions.customer_id,
        subscriptions.started_at,
        coalesce(subscriptions.ended_at, cast('9999-12-31 00:00:00' as timestamp)) as ended_at
    from subscriptions
),

ordered_intervals as (
    select
        intervals.*,
        max(intervals.ended_at) over (
            partition by intervals.customer_id
            order by intervals.started_at, intervals.ended_at
            rows between unbounded preceding and 1 preceding
        ) as previous_ended_at
    from intervals
),

numbered_intervals as (
    select
        ordered_intervals.*,
        sum(
            case
                when ordered_intervals.previous_ended_at >= ordered_intervals.started_at then 0
                else 1
            end
        ) over (
            partition by ordered_intervals.customer_id
            order by ordered_intervals.started_at, ordered_intervals.ended_at
            rows between unbounded preceding and current row
        ) as island_number
    from ordered_intervals
),

islands as (
    select
        numbered_intervals.customer_id,
        min(numbered_intervals.started_at) as covered_from,
        max(numbered_intervals.ended_at) as covered_until
    from numbered_intervals
    group by numbered_intervals.customer_id, numbered_intervals.island_number
),

final as (
    select
        candidates.*,
        case
            when customers.customer_id is null then 'unknown_customer'
            when islands.customer_id is null then 'no_active_subscription'
        end as rejection_reason,
        case
            when customers.customer_id is null then 'subject = ' || candidates.customer_id
            when islands.customer_id is null
                then 'no subscription of ' || candidates.customer_id || ' is active at '
                    || cast(candidates.event_at as {{ dbt.type_string() }})
        end as rejection_detail
    from candidates
    left join customers
        on candidates.customer_id = customers.customer_id
    left join islands
        on candidates.customer_id = islands.customer_id
        and candidates.event_at >= islands.covered_from
        and candidates.event_at < islands.covered_until
)

select * from final
