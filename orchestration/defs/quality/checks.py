"""Great Expectations suites (expectations/) as Dagster asset checks on the assets they guard.

- `gx_landing_quality` on marts/fct_landing_files: staged records and quarantine share
  (warning severity: bad landing data is quarantined and holds invoices already).
- `reconciliation_gate` on intermediate/int_invoices_issued, blocking: the invoice
  ledger op (dbt_invoice_ledger) reads that asset, so when the gate fails no invoice is
  finalized in this run and the run fails with the failed expectations in its log.
- `gx_billing_tieouts` on marts/fct_invoices: the ledger's tie-outs (error severity).

Every check writes one row per expectation to `quality.gx_validation_results` and
rebuilds the data docs (`<warehouse folder>/data_docs/index.html`). The checks open the
warehouse for writing, so they queue in the duckdb_writer pool with the other writers.
"""

import importlib
from collections.abc import Callable

import dagster as dg

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.defs.quality import gx_runner
from orchestration.lib.resources import WarehouseResource

LANDING_FILES = dg.AssetKey(["marts", "fct_landing_files"])
INVOICES_ISSUED = dg.AssetKey(["intermediate", "int_invoices_issued"])
INVOICES = dg.AssetKey(["marts", "fct_invoices"])


def run_suite_check(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    *,
    module: str,
    check_name: str,
    asset_key: dg.AssetKey,
    severity: dg.AssetCheckSeverity,
) -> dg.AssetCheckResult:
    """Validate the suites of `expectations.<module>` on the run's warehouse and record them."""
    suites = importlib.import_module(f"expectations.{module}")
    as_of = warehouse.run_as_of(context.op_execution_context)
    path = warehouse.warehouse()
    with warehouse.connect() as con:
        validations = suites.validations(con, as_of)
        outcomes = gx_runner.run_validations(
            validations, path, run_name=f"{context.run.run_id[:8]}"
        )
        written = gx_runner.write_results(
            con,
            outcomes,
            run_id=context.run.run_id,
            check_name=check_name,
            asset_key=asset_key.to_user_string(),
            as_of=as_of,
        )
    passed = all(outcome.success for outcome in outcomes)
    summary = gx_runner.failure_summary(outcomes)
    if not passed:
        log: Callable[[str], None] = (
            context.log.error if severity == dg.AssetCheckSeverity.ERROR else context.log.warning
        )
        log(f"{check_name} failed:\n{summary}")
    metadata: dict[str, dg.RawMetadataValue] = {
        outcome.suite_name: f"{'passed' if outcome.success else 'FAILED'} on {outcome.row_count} rows"
        for outcome in outcomes
    }
    metadata.update(
        {
            "failed_expectations": dg.MetadataValue.md(summary or "none"),
            "results_table": f"{gx_runner.RESULTS_TABLE} ({written} rows added)",
            "data_docs": dg.MetadataValue.path(
                str(gx_runner.data_docs_folder(path) / "index.html")
            ),
            "as_of": as_of.isoformat() + "Z",
        }
    )
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        metadata=metadata,
        description=summary.splitlines()[0] if summary else None,
    )


@dg.asset_check(
    asset=LANDING_FILES,
    name="gx_landing_quality",
    additional_deps=[
        dg.AssetKey(["intermediate", "int_usage_events"]),
        dg.AssetKey(["intermediate", "int_usage_metric_values"]),
        dg.AssetKey(["intermediate", "int_realtime_counters_checked"]),
    ],
    description=(
        "Great Expectations suite expectations/landing_quality.py: the records this run "
        "staged (ids, timestamps, catalog types, non-negative quantities) and the share "
        "of each landing folder in quarantine."
    ),
    pool=DUCKDB_POOL,
)
def gx_landing_quality(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return run_suite_check(
        context,
        warehouse,
        module="landing_quality",
        check_name="gx_landing_quality",
        asset_key=LANDING_FILES,
        severity=dg.AssetCheckSeverity.WARN,
    )


@dg.asset_check(
    asset=INVOICES_ISSUED,
    name="reconciliation_gate",
    blocking=True,
    additional_deps=[
        dg.AssetKey(["marts", "fct_usage_reconciliation"]),
        dg.AssetKey(["marts", "fct_usage_reconciliation_periods"]),
        dg.AssetKey(["intermediate", "int_review_decisions_checked"]),
        LANDING_FILES,
    ],
    description=(
        "Blocking Great Expectations gate (expectations/reconciliation_gate.py) in front of "
        "invoice finalization: held invoices are exactly the disputed periods, and every "
        "period about to finalize is within tolerance. When it fails the ledger is not written."
    ),
    pool=DUCKDB_POOL,
)
def reconciliation_gate(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return run_suite_check(
        context,
        warehouse,
        module="reconciliation_gate",
        check_name="reconciliation_gate",
        asset_key=INVOICES_ISSUED,
        severity=dg.AssetCheckSeverity.ERROR,
    )


@dg.asset_check(
    asset=INVOICES,
    name="gx_billing_tieouts",
    additional_deps=[
        dg.AssetKey(["marts", "fct_invoice_lines"]),
        dg.AssetKey(["intermediate", "int_segment_usage"]),
        INVOICES_ISSUED,
    ],
    description=(
        "Great Expectations suite expectations/billing_tieouts.py: every issued invoice is "
        "in the ledger, lines sum to totals, billed usage equals staged usage."
    ),
    pool=DUCKDB_POOL,
)
def gx_billing_tieouts(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    return run_suite_check(
        context,
        warehouse,
        module="billing_tieouts",
        check_name="gx_billing_tieouts",
        asset_key=INVOICES,
        severity=dg.AssetCheckSeverity.ERROR,
    )
