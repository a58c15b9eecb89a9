"""The reconciliation gate in front of invoice finalization (billing-rules.md,
Reconciliation before invoicing).

Run on the invoices' computed statuses (int_invoices_issued) before the ledger op
appends them; a failure stops finalization. The expected outcome is derived here
again, independently of the SQL that decided the holds:

- `reconciliation_gate.invoice_holds`: one row per issued invoice due for
  finalization (boundary + grace <= as-of). Expected `held` when a present landing
  file blocks finalization (unreadable, or a folder's quarantine share above the
  threshold), or when the period it bills breaches the tolerance for some metric or
  was kept held by review, and its latest review decision is not `release`;
  `finalized` otherwise. The computed status must equal it: held invoices are
  exactly the disputed periods.
- `reconciliation_gate.period_differences`: one row per metric of every period whose
  invoice is about to finalize and that the real-time track reports on (released
  periods excepted): the period's difference re-summed from the hourly
  reconciliation equals the rollup's, and is within the tolerance re-derived from the
  seed, max(relative x batch total, absolute).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import great_expectations as gx
import pandas as pd

from expectations.validation import Validation, frame, row_count_expectation, scalar

INVOICE_HOLDS = "reconciliation_gate.invoice_holds"
PERIOD_DIFFERENCES = "reconciliation_gate.period_differences"

DUE_INVOICES_SQL = """
with invoices as (
    select invoice_id, customer_id, usage_billing_period_id, period_start, computed_status
    from intermediate.int_invoices_issued
    where finalizes_at <= $as_of
),

breaches as (
    select billing_period_id, bool_or(is_breaching) as is_breaching
    from marts.fct_usage_reconciliation_periods
    group by billing_period_id
),

latest_decisions as (
    select customer_id, period_start_at, arg_max(decision, decided_at) as decision
    from intermediate.int_review_decisions_checked
    where record_status = 'accepted' and decided_at <= $as_of
    group by customer_id, period_start_at
)

select
    invoices.invoice_id,
    invoices.customer_id,
    invoices.period_start,
    invoices.computed_status,
    coalesce(breaches.is_breaching, false) as is_breaching,
    latest_decisions.decision
from invoices
left join breaches
    on invoices.usage_billing_period_id = breaches.billing_period_id
left join latest_decisions
    on invoices.customer_id = latest_decisions.customer_id
    and invoices.period_start = latest_decisions.period_start_at
    and invoices.usage_billing_period_id is not null
order by invoices.invoice_id
"""

BLOCKING_FILES_SQL = """
with present as (
    select * from marts.fct_landing_files where is_present
),

threshold as (
    select cast(setting_value as decimal(38, 9)) as share
    from seeds.billing_settings
    where setting_name = 'quarantine_share_threshold'
),

folders as (
    select source_name
    from present
    where file_status = 'loaded'
    group by source_name
    having sum(records_read) > 0
        and sum(records_quarantined) > (select share from threshold) * sum(records_read)
)

select
    (select count(*) from present where file_status = 'unreadable')
    + (select count(*) from folders)
"""

PERIOD_DIFFERENCES_SQL = """
with finalizing as (
    select usage_billing_period_id as billing_period_id, customer_id, period_start
    from intermediate.int_invoices_issued
    where finalizes_at <= $as_of
        and computed_status = 'finalized'
        and usage_billing_period_id is not null
),

released as (
    select customer_id, period_start_at
    from intermediate.int_review_decisions_checked
    where record_status = 'accepted' and decided_at <= $as_of
    group by customer_id, period_start_at
    having arg_max(decision, decided_at) = 'release'
),

periods as (
    select rollup.*
    from marts.fct_usage_reconciliation_periods as rollup
    inner join finalizing
        on rollup.billing_period_id = finalizing.billing_period_id
    left join released
        on finalizing.customer_id = released.customer_id
        and finalizing.period_start = released.period_start_at
    where rollup.is_reported
        and released.customer_id is null
),

hours as (
    select
        billing_period_id,
        metric_code,
        sum(abs(realtime_quantity - batch_quantity)) as hourly_difference,
        sum(batch_quantity) as hourly_batch_quantity
    from marts.fct_usage_reconciliation
    group by billing_period_id, metric_code
)

select
    periods.billing_period_id,
    periods.customer_id,
    periods.metric_code,
    periods.period_start,
    periods.difference_quantity,
    hours.hourly_difference,
    greatest(
        cast(tolerances.relative_tolerance * hours.hourly_batch_quantity as decimal(38, 9)),
        tolerances.absolute_tolerance
    ) as tolerance_quantity
from periods
inner join seeds.reconciliation_tolerances as tolerances
    on periods.metric_code = tolerances.metric_code
left join hours
    on periods.billing_period_id = hours.billing_period_id
    and periods.metric_code = hours.metric_code
order by periods.billing_period_id, periods.metric_code
"""

EXPECTED_PERIODS_SQL = """
with released as (
    select customer_id, period_start_at
    from intermediate.int_review_decisions_checked
    where record_status = 'accepted' and decided_at <= $as_of
    group by customer_id, period_start_at
    having arg_max(decision, decided_at) = 'release'
)

select count(*)
from marts.fct_usage_reconciliation_periods as rollup
inner join intermediate.int_invoices_issued as invoices
    on rollup.billing_period_id = invoices.usage_billing_period_id
left join released
    on invoices.customer_id = released.customer_id
    and invoices.period_start = released.period_start_at
where invoices.finalizes_at <= $as_of
    and invoices.computed_status = 'finalized'
    and rollup.is_reported
    and released.customer_id is null
"""


def expected_status(is_breaching: bool, decision: str | None, blocking_files: int) -> str:
    """The status billing-rules.md gives an invoice due for finalization."""
    if blocking_files > 0:
        return "held"
    if (is_breaching or decision == "keep_held") and decision != "release":
        return "held"
    return "finalized"


def invoice_holds(dataframe: pd.DataFrame, expected_rows: int, blocking_files: int) -> Validation:
    """`dataframe`: invoice_id, computed_status, is_breaching, decision (one row per due invoice)."""
    expected = [
        expected_status(
            bool(breaching), decision if isinstance(decision, str) else None, blocking_files
        )
        for breaching, decision in zip(
            dataframe["is_breaching"], dataframe["decision"], strict=True
        )
    ]
    return Validation(
        suite_name=INVOICE_HOLDS,
        description=(
            "Invoices due for finalization: held exactly when their period is disputed "
            f"(and not released) or a landing file blocks finalization ({blocking_files} now)."
        ),
        dataframe=dataframe.assign(expected_status=pd.Series(expected, dtype="object")),
        expectations=[
            row_count_expectation(expected_rows),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="computed_status", value_set=["held", "finalized"]
            ),
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="computed_status", column_B="expected_status"
            ),
        ],
    )


def period_differences(dataframe: pd.DataFrame, expected_rows: int) -> Validation:
    """`dataframe`: difference_quantity (rollup), hourly_difference, tolerance_quantity."""
    return Validation(
        suite_name=PERIOD_DIFFERENCES,
        description="Periods about to finalize: differences tie to the hours and stay within tolerance.",
        dataframe=dataframe,
        expectations=[
            row_count_expectation(expected_rows),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="hourly_difference"),
            gx.expectations.ExpectColumnPairValuesToBeEqual(
                column_A="difference_quantity", column_B="hourly_difference"
            ),
            gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="tolerance_quantity", column_B="hourly_difference", or_equal=True
            ),
        ],
    )


def validations(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[Validation]:
    """The gate's suites on the warehouse as of `as_of` (naive UTC)."""
    params = {"as_of": as_of}
    due = frame(con, DUE_INVOICES_SQL, params)
    blocking_files = scalar(con, BLOCKING_FILES_SQL)
    expected_due = scalar(
        con,
        "select count(*) from intermediate.int_invoices_issued where finalizes_at <= ?",
        [as_of],
    )
    differences = frame(con, PERIOD_DIFFERENCES_SQL, params)
    expected_periods = int(con.execute(EXPECTED_PERIODS_SQL, params).fetchone()[0])
    return [
        invoice_holds(due, expected_due, blocking_files),
        period_differences(differences, expected_periods),
    ]
