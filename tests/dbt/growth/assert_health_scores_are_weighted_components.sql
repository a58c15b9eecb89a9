-- The health score is the weighted sum of its components, rounded half-up, within 0-100:
-- recomputed here from the shown components (each exact to 1e-18), it may differ from
-- the stored score only where the sum sits within 1e-15 of a half (the model rounds the
-- exact fractions there).
with health as (
    select
        customer_id,
        health_score,
        usage_trend_score * usage_trend_weight
        + active_days_score * active_days_weight
        + breadth_score * breadth_weight
        + errors_score * errors_weight
        + time_to_first_value_score * time_to_first_value_weight as weighted_sum
    from {{ ref('fct_customer_health') }}
)

select *
from health
where health_score < 0
    or health_score > 100
    or (
        health_score <> floor(weighted_sum + 0.5)
        and abs(weighted_sum - floor(weighted_sum) - 0.5) > 0.000000000000001
    )
