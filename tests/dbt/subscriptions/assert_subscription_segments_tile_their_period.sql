{{ config(meta={'dagster': {'ref': {'name': 'int_subscription_segments'}}}) }}

{#- The plan segments of a billing period tile it exactly: the first starts at the
    period start, each ends where the next starts, the last ends at the period end,
    and their shares add up to exactly 1. Returns the offending periods. -#}

with periods as (
    select * from {{ ref('int_billing_periods') }}
),

segments as (
    select * from {{ ref('int_subscription_segments') }}
),

ordered as (
    select
        segments.*,
        lead(segments.segment_start) over (
            partition by segments.billing_period_id order by segments.segment_index
        ) as next_segment_start
    from segments
),

per_period as (
    select
        periods.billing_period_id,
        periods.period_start,
        periods.period_end,
        count(ordered.segment_id) as segment_count,
        sum(ordered.segment_share) as share_total,
        sum(ordered.segment_seconds) as seconds_total,
        min(ordered.segment_start) as first_segment_start,
        max(ordered.segment_end) as last_segment_end,
        sum(case when ordered.next_segment_start <> ordered.segment_end then 1 else 0 end) as gap_count,
        sum(case when ordered.segment_start >= ordered.segment_end then 1 else 0 end) as empty_count
    from periods
    left join ordered
        on periods.billing_period_id = ordered.billing_period_id
    group by periods.billing_period_id, periods.period_start, periods.period_end
)

select *
from per_period
where segment_count = 0
    or share_total <> 1
    or first_segment_start <> period_start
    or last_segment_end <> period_end
    or gap_count > 0
    or empty_count > 0
