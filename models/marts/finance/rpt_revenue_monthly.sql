{#- One row per customer, calendar month (UTC) and obligation type with recognized
    revenue (metrics.md, Revenue recognition): in the invoice currency and in USD
    through the monthly FX seed. Daily amounts are unrounded; the monthly amount is
    rounded half-up to cents on the running total per customer and obligation type
    (round(total through the month) - round(total through the month before)), so a
    customer's months add up to the cent. Catch-ups for closed months are included in
    their obligation type and shown as such in catch_up_amount. Closed months are
    read from the frozen schedule, so they never change. -#}

with schedule as (
    select * from {{ ref('fct_revenue_schedule') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_monthly') }}
),

monthly_totals as (
    select
        schedule.customer_id,
        schedule.currency,
        schedule.obligation_type,
        schedule.revenue_month,
        sum(schedule.recognized_amount) as recognized_unrounded,
        sum(case when schedule.is_catch_up then schedule.recognized_amount else 0 end) as catch_up_unrounded
    from schedule
    group by
        schedule.customer_id,
        schedule.currency,
        schedule.obligation_type,
        schedule.revenue_month
),

running as (
    select
        monthly_totals.*,
        sum(monthly_totals.recognized_unrounded) over (
            partition by monthly_totals.customer_id, monthly_totals.currency, monthly_totals.obligation_type
            order by monthly_totals.revenue_month
            rows between unbounded preceding and current row
        ) as recognized_through_month,
        sum(monthly_totals.catch_up_unrounded) over (
            partition by monthly_totals.customer_id, monthly_totals.currency, monthly_totals.obligation_type
            order by monthly_totals.revenue_month
            rows between unbounded preceding and current row
        ) as catch_up_through_month
    from monthly_totals
),

rounded as (
    select
        running.*,
        {{ round_money('running.recognized_through_month') }}
        - coalesce(lag({{ round_money('running.recognized_through_month') }}) over (
            partition by running.customer_id, running.currency, running.obligation_type
            order by running.revenue_month
        ), 0) as recognized_amount,
        {{ round_money('running.catch_up_through_month') }}
        - coalesce(lag({{ round_money('running.catch_up_through_month') }}) over (
            partition by running.customer_id, running.currency, running.obligation_type
            order by running.revenue_month
        ), 0) as catch_up_amount
    from running
),

final as (
    select
        rounded.customer_id,
        rounded.revenue_month,
        rounded.obligation_type,
        rounded.currency,
        cast(rounded.recognized_amount as decimal(18, 2)) as recognized_amount,
        {{ round_money('rounded.recognized_amount * fx_rates.rate_to_usd') }} as recognized_amount_usd,
        cast(rounded.catch_up_amount as decimal(18, 2)) as catch_up_amount,
        fx_rates.rate_to_usd as fx_rate_to_usd,
        rounded.revenue_month <= {{ revenue_last_closed_month() }} as is_month_closed
    from rounded
    left join fx_rates
        on rounded.revenue_month = fx_rates.fx_month
        and rounded.currency = fx_rates.currency
)

select * from final
