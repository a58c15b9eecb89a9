{{ config(meta={'dagster': {'ref': {'name': 'fct_revenue_schedule'}}}) }}

-- Every obligation whose service is over by the as-of time (its spans ended, or a
-- cancellation ended them) has recognized exactly its transaction price: the days of
-- the schedule, catch-ups included, add up to the components' amounts without a
-- rounding residue. Obligations the schedule holds that no longer have a price must
-- add up to zero (a catch-up reversed them).
with components as (
    select
        obligation_id,
        sum(amount) as price_amount,
        max(coalesce(ended_at, span_end_at)) as service_end_at
    from {{ ref('int_revenue_obligation_components') }}
    group by obligation_id
),

schedule as (
    select
        obligation_id,
        sum(recognized_amount) as recognized_amount
    from {{ ref('fct_revenue_schedule') }}
    group by obligation_id
),

compared as (
    select
        coalesce(components.obligation_id, schedule.obligation_id) as obligation_id,
        coalesce(components.price_amount, 0) as price_amount,
        coalesce(schedule.recognized_amount, 0) as recognized_amount,
        components.service_end_at
    from components
    full outer join schedule
        on components.obligation_id = schedule.obligation_id
)

select compared.*
from compared
where (compared.service_end_at is null or compared.service_end_at < {{ as_of() }})
    and compared.price_amount <> compared.recognized_amount
