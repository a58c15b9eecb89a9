{#- The limit split of every segment and metric is arithmetic that cannot drift:
    soft - grace + overage = the usage above the limit, rated = min(measured, limit)
    + overage, grace only inside a window; hard - excess = the usage above the limit,
    rated = min(measured, limit); none - rated = measured. No quantity is negative,
    and a crossing lies inside the measured range. Returns the rows that break it. -#}

with segment_usage as (
    select * from {{ ref('int_segment_usage') }}
),

checked as (
    select
        segment_usage.*,
        case
            when segment_usage.measured_quantity > segment_usage.limit_quantity
                then segment_usage.measured_quantity - segment_usage.limit_quantity
            else 0
        end as expected_above_limit,
        case
            when segment_usage.measured_quantity < segment_usage.limit_quantity then segment_usage.measured_quantity
            else segment_usage.limit_quantity
        end as expected_within_limit
    from segment_usage
)

select * from checked
where grace_quantity < 0
    or overage_quantity < 0
    or hard_limit_excess_quantity < 0
    or rated_quantity < 0
    or rated_quantity <> measured_quantity - grace_quantity - hard_limit_excess_quantity
    or (limit_type = 'soft' and (
        grace_quantity + overage_quantity <> expected_above_limit
        or rated_quantity <> expected_within_limit + overage_quantity
        or hard_limit_excess_quantity <> 0
        or (grace_quantity > 0 and grace_window_start is null)
    ))
    or (limit_type = 'hard' and (
        hard_limit_excess_quantity <> expected_above_limit
        or rated_quantity <> expected_within_limit
        or grace_quantity <> 0
        or overage_quantity <> 0
    ))
    or (limit_type = 'none' and (
        rated_quantity <> measured_quantity
        or grace_quantity + overage_quantity + hard_limit_excess_quantity <> 0
    ))
    or (crossed_at is not null and (crossed_at < segment_start or crossed_at > measured_until_at))
    or (is_above_limit and aggregation in ('count', 'sum') and crossed_at is null)
