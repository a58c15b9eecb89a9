-- Deferred and unbilled revenue roll forward to the cent, per customer, currency and
-- month (metrics.md, Balances): opening + billed - recognized = closing (deferred),
-- opening + recognized - billed = closing (unbilled); each month opens at the previous
-- closing (0 at the first) and months are contiguous; the two sides' flows add up to
-- the month's billed and recognized amounts; and the net balance is billed to date -
-- recognized to date.
with rollforward as (
    select
        rpt_revenue_rollforward.*,
        coalesce(lag(rpt_revenue_rollforward.deferred_closing_amount) over (
            partition by rpt_revenue_rollforward.customer_id, rpt_revenue_rollforward.currency
            order by rpt_revenue_rollforward.balance_month
        ), 0) as previous_deferred_closing_amount,
        coalesce(lag(rpt_revenue_rollforward.unbilled_closing_amount) over (
            partition by rpt_revenue_rollforward.customer_id, rpt_revenue_rollforward.currency
            order by rpt_revenue_rollforward.balance_month
        ), 0) as previous_unbilled_closing_amount,
        coalesce(lag(rpt_revenue_rollforward.balance_month) over (
            partition by rpt_revenue_rollforward.customer_id, rpt_revenue_rollforward.currency
            order by rpt_revenue_rollforward.balance_month
        ), cast({{ dbt.dateadd('month', -1, 'rpt_revenue_rollforward.balance_month') }} as date))
            as previous_balance_month,
        sum(rpt_revenue_rollforward.billed_amount - rpt_revenue_rollforward.recognized_amount) over (
            partition by rpt_revenue_rollforward.customer_id, rpt_revenue_rollforward.currency
            order by rpt_revenue_rollforward.balance_month
            rows between unbounded preceding and current row
        ) as net_to_date
    from {{ ref('rpt_revenue_rollforward') }} as rpt_revenue_rollforward
)

select rollforward.*
from rollforward
where
    rollforward.deferred_opening_amount + rollforward.deferred_billed_amount
    - rollforward.deferred_recognized_amount <> rollforward.deferred_closing_amount
    or rollforward.unbilled_opening_amount + rollforward.unbilled_recognized_amount
    - rollforward.unbilled_billed_amount <> rollforward.unbilled_closing_amount
    or rollforward.deferred_opening_amount <> rollforward.previous_deferred_closing_amount
    or rollforward.unbilled_opening_amount <> rollforward.previous_unbilled_closing_amount
    or rollforward.deferred_billed_amount + rollforward.unbilled_billed_amount <> rollforward.billed_amount
    or rollforward.deferred_recognized_amount + rollforward.unbilled_recognized_amount
    <> rollforward.recognized_amount
    or rollforward.deferred_closing_amount - rollforward.unbilled_closing_amount <> rollforward.net_to_date
    or rollforward.previous_balance_month
    <> cast({{ dbt.dateadd('month', -1, 'rollforward.balance_month') }} as date)
