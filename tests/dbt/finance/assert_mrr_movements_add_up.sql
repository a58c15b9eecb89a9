-- For every month, MRR = previous MRR + the sum of movements, exactly, per currency
-- (metrics.md, MRR and its movements); each customer's previous MRR is its MRR the
-- month before (0 in its first month), and a movement has the sign of its type.
with movements as (
    select
        rpt_mrr_movements.*,
        coalesce(lag(rpt_mrr_movements.mrr) over (
            partition by rpt_mrr_movements.customer_id order by rpt_mrr_movements.mrr_month
        ), 0) as mrr_month_before
    from {{ ref('rpt_mrr_movements') }} as rpt_mrr_movements
),

per_currency as (
    select
        movements.currency,
        movements.mrr_month,
        sum(movements.mrr) as mrr,
        sum(movements.previous_mrr) as previous_mrr,
        sum(movements.movement_amount) as movement_amount
    from movements
    group by movements.currency, movements.mrr_month
)

select
    movements.customer_id,
    movements.currency,
    movements.mrr_month,
    'customer' as failure
from movements
where
    movements.previous_mrr <> movements.mrr_month_before
    or (movements.movement_type in ('new', 'reactivation', 'expansion') and movements.movement_amount <= 0)
    or (movements.movement_type in ('contraction', 'churn') and movements.movement_amount >= 0)
union all
select
    'all customers' as customer_id,
    per_currency.currency,
    per_currency.mrr_month,
    'currency total' as failure
from per_currency
where per_currency.mrr <> per_currency.previous_mrr + per_currency.movement_amount
