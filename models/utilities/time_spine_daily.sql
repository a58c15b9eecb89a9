{{
    config(
        materialized='table',
        schema='utilities',
    )
}}

{#- The MetricFlow time spine: one row per UTC calendar day from 2015-01-01 to
    2040-12-31. Written by hand (no dbt packages here): ten thousand day offsets
    from four cross-joined digit lists, turned into dates with dbt's portable
    dateadd. MetricFlow joins metrics to it for metric_time and its grains. -#}

with digits as (
    select 0 as digit
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9
),

day_offsets as (
    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset', "cast('2015-01-01' as date)") }}
            as date
        ) as date_day
    from day_offsets
),

final as (
    select days.date_day
    from days
    where days.date_day <= cast('2040-12-31' as date)
)

select * from final
