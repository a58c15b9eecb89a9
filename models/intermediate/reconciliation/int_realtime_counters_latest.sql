{#- One row per customer, metric and UTC hour the real-time track reported on: the
    quantity of the latest accepted emission for that window (landing-contract.md,
    realtime_counters/: a later emission replaces an earlier one). Quarantined
    records and exact duplicates are left out upstream, so (customer, metric,
    window, emitted_at) is unique and the latest emission is unambiguous. -#}

with counters as (
    select * from {{ ref('int_realtime_counters_checked') }}
    where record_status = 'accepted'
),

ranked as (
    select
        counters.customer_id,
        counters.metric_code,
        counters.window_start_at,
        counters.quantity,
        counters.emitted_at,
        counters.file_path,
        counters.record_number,
        row_number() over (
            partition by counters.customer_id, counters.metric_code, counters.window_start_at
            order by counters.emitted_at desc
        ) as emission_rank,
        count(*) over (
            partition by counters.customer_id, counters.metric_code, counters.window_start_at
        ) as emission_count
    from counters
),

final as (
    select
        customer_id,
        metric_code,
        window_start_at,
        cast(quantity as decimal(38, 9)) as realtime_quantity,
        emitted_at,
        emission_count,
        file_path,
        record_number
    from ranked
    where emission_rank = 1
)

select * from final
