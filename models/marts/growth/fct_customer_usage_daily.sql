{#- One row per subscription, billable metric and UTC day from the subscription start to
    the as-of day, zero days included (metrics.md, Usage transparency): what a
    customer-facing usage dashboard reads. The day's usage, the billing period's
    usage to date, its share of the limit (as in the funnel), the projected
    period-end usage at the current run rate (to date x period length / elapsed at
    the day's end; elapsed on the as-of day runs to the as-of time), the projected
    charge of the metric on the current plan (full allowance, no grace: the rating
    macro on the card billing uses, lines rounded to cents) and, per subscription
    and day, the projected invoice (base fee + every metric's projected charge).
    A customer has one active subscription at a time, so per subscription is per
    customer. -#}

with usage_days as (
    select * from {{ ref('int_subscription_usage_days') }}
),

plan_limits as (
    select * from {{ ref('plan_limits') }}
    where limit_type = 'hard'
),

projected as (
    select
        usage_days.*,
        case
            when usage_days.elapsed_microseconds > 0
                then {{ growth_quantity_ratio(
                    'usage_days.period_to_date_quantity',
                    'usage_days.period_microseconds',
                    'usage_days.elapsed_microseconds'
                ) }}
        end as projected_period_end_quantity
    from usage_days
),

pricing_items as (
    select
        projected.customer_usage_day_id as rating_segment_id,
        projected.customer_id,
        projected.plan_id,
        projected.currency,
        projected.period_start as price_effective_at,
        projected.metric_code,
        -- usage beyond a hard limit is not billed (billing-rules.md)
        cast(
            case
                when plan_limits.limit_quantity < projected.projected_period_end_quantity then plan_limits.limit_quantity
                else projected.projected_period_end_quantity
            end as decimal(38, 9)
        ) as rated_quantity
    from projected
    left join plan_limits
        on projected.plan_id = plan_limits.plan_id
        and projected.metric_code = plan_limits.metric_code
    where projected.projected_period_end_quantity is not null
),

charges as (
    {{ growth_price_quantities('pricing_items') }}
),

charged as (
    select
        projected.*,
        charges.charge_amount as projected_charge_amount
    from projected
    left join charges
        on projected.customer_usage_day_id = charges.rating_segment_id
        and projected.metric_code = charges.metric_code
),

invoiced as (
    select
        charged.*,
        {{ round_money('charged.base_fee_amount') }} as projected_base_fee_amount,
        case
            when charged.projected_period_end_quantity is not null
                then {{ round_money('charged.base_fee_amount') }}
                + sum(coalesce(charged.projected_charge_amount, 0)) over (
                    partition by charged.subscription_id, charged.usage_date
                )
        end as projected_invoice_amount
    from charged
),

final as (
    select
        -- keys
        invoiced.customer_usage_day_id,
        invoiced.customer_id,
        invoiced.subscription_id,
        invoiced.metric_code,
        invoiced.usage_date,

        -- the metric
        invoiced.aggregation,
        invoiced.unit,

        -- the billing period holding the day's start, and the plan in force
        invoiced.billing_period_id,
        invoiced.period_start,
        invoiced.period_end,
        invoiced.to_date_end_at,
        {{ growth_quantity_ratio(1, 'invoiced.elapsed_microseconds', 'invoiced.period_microseconds') }}
            as period_elapsed_share,
        invoiced.plan_id,
        invoiced.currency,

        -- usage
        invoiced.day_quantity,
        invoiced.period_to_date_quantity,
        invoiced.projected_period_end_quantity,

        -- the limit, as in the funnel
        invoiced.limit_source,
        invoiced.limit_counted_from_at,
        invoiced.limit_quantity,
        invoiced.limit_usage_to_date_quantity,
        {{ growth_decimal_ratio('invoiced.limit_usage_to_date_quantity', 'invoiced.limit_quantity') }}
            as limit_used_share,

        -- money (projected, on the current plan, full allowance, no grace)
        cast(invoiced.projected_charge_amount as decimal(18, 2)) as projected_charge_amount,
        cast(invoiced.projected_base_fee_amount as decimal(18, 2)) as projected_base_fee_amount,
        cast(invoiced.projected_invoice_amount as decimal(18, 2)) as projected_invoice_amount
    from invoiced
)

select * from final
