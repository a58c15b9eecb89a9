{{ config(materialized='view') }}

{#- One row per landing record of every source with its outcome: accepted (staged),
    exact_duplicate or quarantined, and the reason. The per-file tie-out and the
    quarantine ledger read it. -#}

{%- set small_sources = [
    ('customers', 'int_customer_versions_checked'),
    ('subscription_events', 'int_subscription_events_checked'),
    ('contract_rates', 'int_contract_rates_checked'),
    ('realtime_counters', 'int_realtime_counters_checked'),
    ('product_events', 'int_product_events_checked'),
    ('review_decisions', 'int_review_decisions_checked'),
] %}

with usage_record_problems as (
    select
        file_hash,
        record_number,
        'quarantined' as record_status,
        quarantine_reason as reason_code,
        quarantine_detail as reason_detail
    from {{ ref('stg_landing__usage_events') }}
    where quarantine_reason is not null
),

usage_duplicates as (
    select
        file_hash,
        record_number,
        case when duplicate_status = 'exact_duplicate' then 'exact_duplicate' else 'quarantined' end
            as record_status,
        case when duplicate_status = 'duplicate_conflict' then 'duplicate_conflict' end as reason_code,
        case
            when duplicate_status = 'duplicate_conflict'
                then 'event ' || event_source || '/' || event_id || ' was read first with other content'
        end as reason_detail
    from {{ ref('int_usage_events_deduplicated') }}
    where duplicate_status <> 'kept'
),

usage_checked as (
    select
        file_hash,
        record_number,
        case when rejection_reason is null then 'accepted' else 'quarantined' end as record_status,
        rejection_reason as reason_code,
        rejection_detail as reason_detail
    from {{ ref('int_usage_events_checked') }}
),

usage_outcomes as (
    select * from usage_record_problems
    union all
    select * from usage_duplicates
    union all
    select * from usage_checked
),

final as (
    select
        'usage_events' as source_name,
        file_hash,
        record_number,
        record_status,
        reason_code,
        reason_detail
    from usage_outcomes
    {%- for source_name, model in small_sources %}
    union all
    select
        '{{ source_name }}' as source_name,
        file_hash,
        record_number,
        record_status,
        final_reason as reason_code,
        final_reason_detail as reason_detail
    from {{ ref(model) }}
    {%- endfor %}
)

select * from final
