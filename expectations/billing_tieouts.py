"""Billing tie-outs on the invoice ledger, after it is written.

- `billing_tieouts.invoice_totals`: one row per issued invoice: the ledger holds
  every invoice int_invoices_issued issued by the as-of time, and each invoice's
  total equals the sum of its rounded lines.
- `billing_tieouts.billed_usage`: one row per finalized invoice's usage period and
  metric whose subscription has an open (draft or held) invoice to carry adjustments:
  the quantity billed (usage and adjustment lines) equals the staged usage rated for
  the period now (int_segment_usage.rated_quantity, less an included allowance the
  rating deducts before the bands: int_usage_rated.quantity_after_included), and
  grace lines equal the grace
  quantity. Without an open invoice, late usage legitimately waits for the next
  boundary, so those subscriptions are not compared.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import great_expectations as gx
import pandas as pd

from expectations.validation import Validation, frame, row_count_expectation, scalar

INVOICE_TOTALS = "billing_tieouts.invoice_totals"
BILLED_USAGE = "billing_tieouts.billed_usage"

INVOICE_TOTALS_SQL = """
with line_sums as (
    select invoice_id, sum(amount) as line_total
    from marts.fct_invoice_lines
    group by invoice_id
)

select
    invoices.invoice_id,
    invoices.status,
    invoices.total_amount,
    coalesce(line_sums.line_total, 0) as line_total
from marts.fct_invoices as invoices
left join line_sums
    on invoices.invoice_id = line_sums.invoice_id
order by invoices.invoice_id
"""

BILLED_USAGE_SQL = """
with finalized_periods as (
    select distinct subscription_id, usage_billing_period_id as billing_period_id
    from marts.fct_invoices
    where status = 'finalized' and usage_billing_period_id is not null
),

open_subscriptions as (
    select distinct subscription_id from marts.fct_invoices where status <> 'finalized'
),

billed as (
    select
        billing_period_id,
        metric_code,
        -- line quantities are DECIMAL(38, 18) holding 9-decimal values; at the usage's own
        -- scale both sides become the same float in the DataFrame (DECIMAL(38, 18) does not)
        cast(sum(case when line_type in ('usage', 'adjustment') then quantity else 0 end)
            as decimal(38, 9)) as billed_quantity,
        cast(sum(case when line_type = 'grace' then quantity else 0 end) as decimal(38, 9))
            as billed_grace_quantity
    from marts.fct_invoice_lines
    where line_type in ('usage', 'adjustment', 'grace')
    group by billing_period_id, metric_code
),

rated as (
    -- one row per rated segment and metric (band rows repeat these quantities)
    select
        rating_segment_id,
        metric_code,
        max(quantity_after_included) as quantity_after_included
    from intermediate.int_usage_rated
    group by rating_segment_id, metric_code
),

staged as (
    -- band lines carry the usage beyond an included allowance deducted before the
    -- bands (volume-priced compute_hours), as tests/dbt/billing/
    -- assert_billed_usage_equals_staged_usage states it for dbt
    select
        segment_usage.billing_period_id,
        segment_usage.metric_code,
        sum(coalesce(rated.quantity_after_included, segment_usage.rated_quantity))
            as staged_quantity,
        sum(segment_usage.grace_quantity) as staged_grace_quantity
    from intermediate.int_segment_usage as segment_usage
    left join rated
        on segment_usage.segment_id = rated.rating_segment_id
        and segment_usage.metric_code = rated.metric_code
    group by segment_usage.billing_period_id, segment_usage.metric_code
)

select
    billed.billing_period_id,
    billed.metric_code,
    billed.billed_quantity,
    staged.staged_quantity,
    billed.billed_grace_quantity,
    staged.staged_grace_quantity
from billed
inner join finalized_periods
    on billed.billing_period_id = finalized_periods.billing_period_id
inner join open_subscriptions
    on finalized_periods.subscription_id = open_subscriptions.subscription_id
left join staged
    on billed.billing_period_id = staged.billing_period_id
    and billed.metric_code = staged.metric_code
order by billed.billing_period_id, billed.metric_code
"""

EXPECTED_BILLED_PERIODS_SQL = """
select count(distinct lines.billing_period_id || '|' || lines.metric_code)
from marts.fct_invoice_lines as lines
inner join marts.fct_invoices as invoices
    on lines.billing_period_id = invoices.usage_billing_period_id
where invoices.status = 'finalized'
    and lines.line_type in ('usage', 'adjustment', 'grace')
    and invoices.subscription_id in (
        select subscription_id from marts.fct_invoices where status <> 'finalized'
    )
"""


def invoice_totals(dataframe: pd.DataFrame, expected_rows: int) -> Validation:
    """`dataframe`: invoice_id, total_amount, line_total (one row per ledger invoice)."""
    return Validation(
        suite_name=INVOICE_TOTALS,
        description="Every issued invoice is in the ledger and its total is the sum of its lines.",
        dataframe=dataframe,
        expectations=[
            row_count_expectation(expected_rows),
            gx.expectations.ExpectColumnValuesToBeUnique(column="invoice_id"),
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="total_amount", column_B="line_total"
            ),
        ],
    )


def billed_usage(dataframe: pd.DataFrame, expected_rows: int) -> Validation:
    """`dataframe`: billed_quantity, staged_quantity, billed_grace_quantity, staged_grace_quantity."""
    return Validation(
        suite_name=BILLED_USAGE,
        description="Finalized periods: billed usage and grace equal the staged usage rated now.",
        dataframe=dataframe,
        expectations=[
            row_count_expectation(expected_rows),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="staged_quantity"),
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="billed_quantity", column_B="staged_quantity"
            ),
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="billed_grace_quantity", column_B="staged_grace_quantity"
            ),
        ],
    )


def validations(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[Validation]:
    """The ledger tie-outs on the warehouse as of `as_of` (naive UTC)."""
    issued = scalar(
        con, "select count(*) from intermediate.int_invoices_issued where boundary_at <= ?", [as_of]
    )
    return [
        invoice_totals(frame(con, INVOICE_TOTALS_SQL), issued),
        billed_usage(frame(con, BILLED_USAGE_SQL), scalar(con, EXPECTED_BILLED_PERIODS_SQL)),
    ]
