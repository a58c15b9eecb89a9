{#- One row per customer: its lifetime value and its acquisition channel's, with the
    inputs shown (metrics.md, Customer health and lifetime value):
    lifetime value = ARPA x gross margin / monthly churn, where
    - ARPA = the mean MRR in USD (rpt_mrr_movements.mrr_usd) of the customer's last six
      closed months with MRR above zero;
    - monthly churn = the logo churn of the customer's acquisition channel over the
      last 12 closed months: churn movements / customer-months paying in the month
      before; with no churn, lifetime value = ARPA x gross margin x 60 months;
    - gross margin: growth_settings.gross_margin (80 %).
    Per acquisition channel: the average over its customers with a value. A customer
    without a closed paying month has no value. Exact DECIMAL arithmetic (truncated at
    18 decimals), amounts rounded half-up to cents at the end. -#}

with movements as (
    select * from {{ ref('rpt_mrr_movements') }}
),

customers as (
    select * from {{ ref('int_customers') }}
),

settings as (
    select
        {{ growth_setting('gross_margin', 'decimal(9, 4)') }} as gross_margin,
        {{ growth_setting('arpa_closed_months', 'integer') }} as arpa_closed_months,
        {{ growth_setting('churn_closed_months', 'integer') }} as churn_closed_months,
        {{ growth_setting('no_churn_margin_months', 'integer') }} as no_churn_margin_months
),

last_closed as (
    select max(movements.mrr_month) as last_closed_month
    from movements
    where movements.is_month_closed
),

customer_channels as (
    select
        customers.customer_id,
        coalesce(customers.acquisition_channel, 'unknown') as acquisition_channel
    from customers
),

-- ARPA: the customer's last six closed months with MRR above zero
paid_months as (
    select
        movements.customer_id,
        movements.mrr_month,
        movements.mrr_usd,
        row_number() over (
            partition by movements.customer_id
            order by movements.mrr_month desc
        ) as month_recency
    from movements
    where movements.is_month_closed
        and movements.mrr > 0
),

arpa as (
    select
        paid_months.customer_id,
        cast(count(*) as integer) as arpa_month_count,
        min(paid_months.mrr_month) as arpa_first_month,
        max(paid_months.mrr_month) as arpa_last_month,
        cast(sum(paid_months.mrr_usd) as decimal(38, 9)) as arpa_mrr_usd_total
    from paid_months
    cross join settings
    where paid_months.month_recency <= settings.arpa_closed_months
    group by paid_months.customer_id
),

-- logo churn per channel: churn movements / customer-months paying in the month before,
-- over the last 12 closed months
customer_month_states as (
    select
        movements.customer_id,
        movements.mrr_month,
        movements.movement_type,
        coalesce(lag(movements.is_paying) over (
            partition by movements.customer_id
            order by movements.mrr_month
        ), false) as was_paying_month_before
    from movements
),

churn_window as (
    select
        customer_month_states.*,
        customer_channels.acquisition_channel
    from customer_month_states
    inner join customer_channels
        on customer_month_states.customer_id = customer_channels.customer_id
    cross join last_closed
    cross join settings
    where customer_month_states.mrr_month <= last_closed.last_closed_month
        and customer_month_states.mrr_month > cast({{ dbt.dateadd(
            'month', '-settings.churn_closed_months', 'last_closed.last_closed_month'
        ) }} as date)
),

channel_churn as (
    select
        customer_channels.acquisition_channel,
        cast(coalesce(sum(case when churn_window.movement_type = 'churn' then 1 else 0 end), 0) as bigint)
            as churn_movements,
        cast(coalesce(sum(case when churn_window.was_paying_month_before then 1 else 0 end), 0) as bigint)
            as paying_customer_months_before
    from customer_channels
    left join churn_window
        on customer_channels.customer_id = churn_window.customer_id
    group by customer_channels.acquisition_channel
),

valued as (
    select
        customer_channels.customer_id,
        customer_channels.acquisition_channel,
        arpa.arpa_month_count,
        arpa.arpa_first_month,
        arpa.arpa_last_month,
        arpa.arpa_mrr_usd_total,
        case
            when arpa.arpa_month_count > 0
                then {{ growth_quantity_ratio('arpa.arpa_mrr_usd_total', 1, 'arpa.arpa_month_count') }}
        end as arpa_usd,
        settings.gross_margin,
        channel_churn.churn_movements,
        channel_churn.paying_customer_months_before,
        case
            when channel_churn.churn_movements > 0
                then {{ growth_quantity_ratio(
                    'channel_churn.churn_movements', 1, 'channel_churn.paying_customer_months_before'
                ) }}
        end as monthly_churn_rate,
        channel_churn.churn_movements = 0 as is_no_churn_fallback,
        settings.no_churn_margin_months
    from customer_channels
    cross join settings
    left join arpa
        on customer_channels.customer_id = arpa.customer_id
    left join channel_churn
        on customer_channels.acquisition_channel = channel_churn.acquisition_channel
),

computed as (
    select
        valued.*,
        -- ARPA x margin / (churn / paying) = ARPA x margin x paying / churn
        case
            when valued.arpa_usd is null then null
            when valued.is_no_churn_fallback
                then cast(valued.arpa_usd * valued.gross_margin * valued.no_churn_margin_months as decimal(38, 18))
            else {{ growth_quantity_ratio(
                'cast(valued.arpa_usd * valued.gross_margin as decimal(38, 9))',
                'valued.paying_customer_months_before',
                'valued.churn_movements'
            ) }}
        end as lifetime_value_usd_exact
    from valued
),

final as (
    select
        -- keys
        computed.customer_id,
        computed.acquisition_channel,

        -- the customer's ARPA
        computed.arpa_month_count,
        computed.arpa_first_month,
        computed.arpa_last_month,
        computed.arpa_mrr_usd_total,
        computed.arpa_usd,

        -- the channel's churn
        computed.churn_movements as channel_churn_movements,
        computed.paying_customer_months_before as channel_paying_customer_months,
        computed.monthly_churn_rate as channel_monthly_churn_rate,
        computed.is_no_churn_fallback,

        -- the value
        computed.gross_margin,
        cast(round(computed.lifetime_value_usd_exact, 2) as decimal(18, 2)) as lifetime_value_usd,
        -- the channel's average over its customers with a value, exact before rounding
        case
            when count(computed.lifetime_value_usd_exact) over (partition by computed.acquisition_channel) > 0
                then cast(round({{ growth_quantity_ratio(
                    'cast(sum(computed.lifetime_value_usd_exact) over (partition by computed.acquisition_channel) as decimal(38, 9))',
                    1,
                    'count(computed.lifetime_value_usd_exact) over (partition by computed.acquisition_channel)'
                ) }}, 2) as decimal(18, 2))
        end as channel_lifetime_value_usd,
        cast(count(computed.lifetime_value_usd_exact) over (
            partition by computed.acquisition_channel
        ) as bigint) as channel_customers_valued,

        -- lineage
        (select last_closed.last_closed_month from last_closed) as last_closed_month
    from computed
)

select * from final
