{{ config(meta={'dagster': {'ref': {'name': 'fct_usage_threshold_crossings'}}}) }}

-- Every recorded crossing's usage to date is at least its threshold share of the limit,
-- and the funnel report counts every funnel entry once.
with below_threshold as (
    select
        crossing_id as problem_key,
        'usage below the threshold' as problem
    from {{ ref('fct_usage_threshold_crossings') }}
    where usage_to_date_quantity * 100 < limit_quantity * threshold_pct
),

entries as (
    select count(*) as entry_count
    from {{ ref('int_funnel_stage_entries') }}
),

report as (
    select coalesce(sum(reached_count), 0) as reached_count
    from {{ ref('rpt_upgrade_funnel') }}
),

funnel_mismatch as (
    select
        'funnel' as problem_key,
        'rpt_upgrade_funnel reached_count does not add up to int_funnel_stage_entries' as problem
    from entries
    cross join report
    where entries.entry_count <> report.reached_count
)

select * from below_threshold
union all
select * from funnel_mismatch
