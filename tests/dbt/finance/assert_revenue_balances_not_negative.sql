{{ config(severity='warn') }}
-- Deferred and unbilled balances are never negative: each obligation is on one side
-- at a time and the cents are rounded per customer and obligation type. A warning, not
-- an error: a half cent rounded away from zero on a negative net (a proration credit)
-- can leave a one-cent residue.
select *
from {{ ref('rpt_revenue_rollforward') }}
where deferred_closing_amount < 0
    or unbilled_closing_amount < 0
