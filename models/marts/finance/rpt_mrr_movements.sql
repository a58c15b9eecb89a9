{#- One row per customer and calendar month (UTC) from the month of its first
    subscription through the as-of month: MRR and its movement against the month
    before (metrics.md, MRR and its movements; the dbt MRR playbook).
    - MRR = the monthly base fee of every subscription active at the month's last
      instant (created before the month's end, not cancelled before it; the fee of
      its plan segment in force then, grandfathering resolved; for the as-of month,
      beyond the last known period, the latest known segment) + the usage revenue
      (usage and adjustment obligations, band flat fees included) recognized in the
      month, without catch-ups; proration is excluded. A run-rate KPI, not GAAP
      revenue; the as-of month is provisional.
    - Paying: MRR rounded to cents above zero. Movement: `new` (first month ever
      paying), `reactivation` (paying after a month not paying), `expansion` (up),
      `contraction` (down, still paying), `churn` (first month not paying), else
      null; movement_amount = mrr - previous_mrr, so MRR = previous MRR + movements
      exactly, per currency. -#}

{%- set max_months = 1200 -%}

with segments as (
    select * from {{ ref('int_subscription_segments') }}
),

periods as (
    select * from {{ ref('int_billing_periods') }}
),

customers as (
    select * from {{ ref('int_customers') }}
),

revenue_monthly as (
    select * from {{ ref('rpt_revenue_monthly') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

month_offsets as (
    select cast(generated_number - 1 as integer) as month_offset
    from ({{ dbt.generate_series(max_months) }}) as series
),

subscriptions as (
    select distinct
        periods.subscription_id,
        periods.customer_id,
        periods.subscription_created_at,
        periods.subscription_canceled_at
    from periods
),

customer_first_months as (
    select
        activity_starts.customer_id,
        min(activity_starts.first_month) as first_month
    from (
        select
            subscriptions.customer_id,
            cast({{ dbt.date_trunc('month', 'subscriptions.subscription_created_at') }} as date) as first_month
        from subscriptions
        union all
        select revenue_monthly.customer_id, revenue_monthly.revenue_month as first_month
        from revenue_monthly
    ) as activity_starts
    group by activity_starts.customer_id
),

customer_months as (
    select
        customer_first_months.customer_id,
        customers.currency,
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'customer_first_months.first_month') }} as date)
            as mrr_month,
        {{ dbt.dateadd('month', 'month_offsets.month_offset + 1', 'customer_first_months.first_month') }}
            as month_end_at
    from customer_first_months
    inner join customers
        on customer_first_months.customer_id = customers.customer_id
    inner join month_offsets
        on month_offsets.month_offset
            <= {{ dbt.datediff('customer_first_months.first_month', revenue_as_of_month(), 'month') }}
),

subscription_months as (
    -- subscriptions started by the month's end; active when not cancelled before it
    select
        customer_months.customer_id,
        customer_months.mrr_month,
        subscriptions.subscription_id,
        coalesce(subscriptions.subscription_canceled_at >= customer_months.month_end_at, true) as is_active
    from customer_months
    inner join subscriptions
        on customer_months.customer_id = subscriptions.customer_id
        and subscriptions.subscription_created_at < customer_months.month_end_at
),

segment_candidates as (
    -- the subscription's plan segment in force at the month's last instant
    select
        subscription_months.*,
        segments.billed_plan_id,
        segments.segment_start,
        coalesce(segments.base_fee_amount, 0) as base_fee_amount,
        row_number() over (
            partition by subscription_months.subscription_id, subscription_months.mrr_month
            order by segments.segment_start desc
        ) as segment_rank
    from subscription_months
    inner join customer_months
        on subscription_months.customer_id = customer_months.customer_id
        and subscription_months.mrr_month = customer_months.mrr_month
    inner join segments
        on subscription_months.subscription_id = segments.subscription_id
        and segments.segment_start < customer_months.month_end_at
),

month_end_segments as (
    select * from segment_candidates
    where segment_rank = 1
),

base_fees as (
    select
        month_end_segments.customer_id,
        month_end_segments.mrr_month,
        sum(case when month_end_segments.is_active then month_end_segments.base_fee_amount else 0 end)
            as base_fee_mrr
    from month_end_segments
    group by month_end_segments.customer_id, month_end_segments.mrr_month
),

plan_candidates as (
    -- the plan at the month's end: the active subscription with the highest fee, else
    -- the plan last in force
    select
        month_end_segments.customer_id,
        month_end_segments.mrr_month,
        month_end_segments.billed_plan_id,
        row_number() over (
            partition by month_end_segments.customer_id, month_end_segments.mrr_month
            order by
                case when month_end_segments.is_active then 0 else 1 end asc,
                month_end_segments.base_fee_amount desc,
                month_end_segments.segment_start desc,
                month_end_segments.subscription_id asc
        ) as plan_rank
    from month_end_segments
),

usage_revenue as (
    select
        revenue_monthly.customer_id,
        revenue_monthly.revenue_month,
        sum(revenue_monthly.recognized_amount - revenue_monthly.catch_up_amount) as usage_mrr
    from revenue_monthly
    where revenue_monthly.obligation_type in ('usage', 'adjustment')
    group by revenue_monthly.customer_id, revenue_monthly.revenue_month
),

mrr as (
    select
        customer_months.customer_id,
        customer_months.mrr_month,
        customer_months.currency,
        plan_candidates.billed_plan_id as plan_id,
        cast(coalesce(base_fees.base_fee_mrr, 0) as decimal(18, 4)) as base_fee_mrr,
        cast(coalesce(usage_revenue.usage_mrr, 0) as decimal(18, 4)) as usage_mrr,
        cast(coalesce(base_fees.base_fee_mrr, 0) + coalesce(usage_revenue.usage_mrr, 0) as decimal(18, 4)) as mrr
    from customer_months
    left join base_fees
        on customer_months.customer_id = base_fees.customer_id
        and customer_months.mrr_month = base_fees.mrr_month
    left join plan_candidates
        on customer_months.customer_id = plan_candidates.customer_id
        and customer_months.mrr_month = plan_candidates.mrr_month
        and plan_candidates.plan_rank = 1
    left join usage_revenue
        on customer_months.customer_id = usage_revenue.customer_id
        and customer_months.mrr_month = usage_revenue.revenue_month
),

paying as (
    select
        mrr.*,
        round(mrr.mrr, 2) > 0 as is_paying,
        cast(coalesce(lag(mrr.mrr) over (partition by mrr.customer_id order by mrr.mrr_month), 0) as decimal(18, 4))
            as previous_mrr
    from mrr
),

history as (
    select
        paying.*,
        coalesce(lag(paying.is_paying) over (partition by paying.customer_id order by paying.mrr_month), false)
            as was_paying,
        coalesce(max(case when paying.is_paying then 1 else 0 end) over (
            partition by paying.customer_id
            order by paying.mrr_month
            rows between unbounded preceding and 1 preceding
        ), 0) = 1 as has_paid_before
    from paying
),

final as (
    select
        history.customer_id,
        history.mrr_month,
        history.currency,
        history.plan_id,
        history.base_fee_mrr,
        history.usage_mrr,
        history.mrr,
        history.previous_mrr,
        history.is_paying,
        case
            when history.is_paying and not history.has_paid_before then 'new'
            when history.is_paying and not history.was_paying then 'reactivation'
            when history.is_paying and history.mrr > history.previous_mrr then 'expansion'
            when history.is_paying and history.mrr < history.previous_mrr then 'contraction'
            when not history.is_paying and history.was_paying then 'churn'
        end as movement_type,
        cast(history.mrr - history.previous_mrr as decimal(18, 4)) as movement_amount,
        fx_rates.rate_to_usd as fx_rate_to_usd,
        cast(history.mrr * fx_rates.rate_to_usd as decimal(38, 10)) as mrr_usd,
        history.mrr_month <= {{ revenue_last_closed_month() }} as is_month_closed
    from history
    left join fx_rates
        on history.mrr_month = fx_rates.fx_month
        and history.currency = fx_rates.currency
)

select * from final
