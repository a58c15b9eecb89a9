{#- One row per cohort month and month since the cohort (0, 1, ...) through the as-of
    month (metrics.md, Retention, cohort retention). A customer's cohort is its first
    paying month (rpt_mrr_movements). Logo retention = paying members / cohort size;
    revenue retention = the cohort's MRR in month k / its MRR in month 0, both in USD
    through the FX seed (each month at its own rate). -#}

with mrr as (
    select * from {{ ref('rpt_mrr_movements') }}
),

cohorts as (
    select
        mrr.customer_id,
        min(mrr.mrr_month) as cohort_month
    from mrr
    where mrr.is_paying
    group by mrr.customer_id
),

cohort_sizes as (
    select
        cohorts.cohort_month,
        cast(count(*) as bigint) as cohort_size
    from cohorts
    group by cohorts.cohort_month
),

member_months as (
    select
        cohorts.cohort_month,
        mrr.mrr_month as activity_month,
        cast({{ dbt.datediff('cohorts.cohort_month', 'mrr.mrr_month', 'month') }} as integer) as months_since_cohort,
        mrr.is_paying,
        mrr.mrr_usd
    from cohorts
    inner join mrr
        on cohorts.customer_id = mrr.customer_id
        and mrr.mrr_month >= cohorts.cohort_month
),

aggregated as (
    select
        member_months.cohort_month,
        member_months.months_since_cohort,
        member_months.activity_month,
        cast(sum(case when member_months.is_paying then 1 else 0 end) as bigint) as paying_members,
        cast(sum(member_months.mrr_usd) as decimal(38, 10)) as cohort_mrr_usd
    from member_months
    group by member_months.cohort_month, member_months.months_since_cohort, member_months.activity_month
),

with_initial as (
    select
        aggregated.*,
        cohort_sizes.cohort_size,
        max(case when aggregated.months_since_cohort = 0 then aggregated.cohort_mrr_usd end) over (
            partition by aggregated.cohort_month
        ) as initial_mrr_usd
    from aggregated
    inner join cohort_sizes
        on aggregated.cohort_month = cohort_sizes.cohort_month
),

final as (
    select
        with_initial.cohort_month,
        with_initial.months_since_cohort,
        with_initial.activity_month,
        with_initial.cohort_size,
        with_initial.paying_members,
        {{ revenue_ratio('with_initial.paying_members', 'with_initial.cohort_size') }} as logo_retention,
        with_initial.cohort_mrr_usd,
        cast(with_initial.initial_mrr_usd as decimal(38, 10)) as initial_mrr_usd,
        {{ revenue_ratio('with_initial.cohort_mrr_usd', 'with_initial.initial_mrr_usd') }} as revenue_retention,
        with_initial.activity_month <= {{ revenue_last_closed_month() }} as is_month_closed
    from with_initial
)

select * from final
