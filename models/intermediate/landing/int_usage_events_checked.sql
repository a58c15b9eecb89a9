{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['event_source', 'event_id'],
        on_schema_change='fail',
    )
}}

{#- One row per kept usage event (first read of its source and id) with the result
    of the reference checks: rejection_reason null (accepted), unknown_customer or
    no_active_subscription. Incremental: a run checks the new loads' kept events and
    re-checks the events still rejected, so a record quarantined as unknown_customer
    is released by the first run that knows the customer. An accepted event stays
    accepted. -#}

with candidates as (
    select
        deduplicated.file_hash,
        deduplicated.file_path,
        deduplicated.record_number,
        deduplicated.ingested_at,
        deduplicated.load_id,
        deduplicated.event_source,
        deduplicated.event_id,
        deduplicated.event_type,
        deduplicated.customer_id,
        deduplicated.event_at,
        deduplicated.data_json
    from {{ ref('int_usage_events_deduplicated') }} as deduplicated
    where deduplicated.duplicate_status = 'kept'
    {% if is_incremental() %}
        and (
            deduplicated.load_id > (select coalesce(max(load_id), 0) from {{ this }})
            or exists (
                select 1 from {{ this }} as pending
                where pending.rejection_reason is not null
                    and pending.event_source = deduplicated.event_source
                    and pending.event_id = deduplicated.event_id
            )
        )
    {% endif %}
),

customers as (
    select customer_id from {{ ref('int_customers') }}
),

subscriptions as (
    select * from {{ ref('int_subscription_intervals') }}
),

covered as (
    select distinct
        candidates.event_source,
        candidates.event_id
    from candidates
    inner join subscriptions
        on candidates.customer_id = subscriptions.customer_id
        and candidates.event_at >= subscriptions.started_at
        and (subscriptions.ended_at is null or candidates.event_at < subscriptions.ended_at)
),

final as (
    select
        candidates.*,
        case
            when customers.customer_id is null then 'unknown_customer'
            when covered.event_id is null then 'no_active_subscription'
        end as rejection_reason,
        case
            when customers.customer_id is null then 'subject = ' || candidates.customer_id
            when covered.event_id is null
                then 'no subscription of ' || candidates.customer_id || ' is active at '
                    || cast(candidates.event_at as {{ dbt.type_string() }})
        end as rejection_detail
    from candidates
    left join customers
        on candidates.customer_id = customers.customer_id
    left join covered
        on candidates.event_source = covered.event_source
        and candidates.event_id = covered.event_id
)

select * from final
