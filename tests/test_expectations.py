"""Issue 4: every Great Expectations suite fails on crafted bad input and passes on good
input, and none passes on an empty DataFrame where rows are due.

The suites validate pandas DataFrames (GX's SQL datasources return empty results on
DuckDB); these tests hand them DataFrames directly, with no warehouse run.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd
import pytest

from expectations import billing_tieouts, landing_quality, reconciliation_gate
from orchestration.defs.quality import gx_runner

AS_OF = datetime(2026, 4, 3)
TYPES = ["api.request", "storage.snapshot", "compute.job_completed"]
METRICS = ["api_requests", "bandwidth_gb", "compute_hours", "storage_gb", "active_users"]
d = Decimal


def _usage(**overrides) -> pd.DataFrame:
    """A per-file profile of staged usage events (what DuckDB computes)."""
    rows = {
        "file_path": ["usage_events/a.jsonl", "usage_events/a.jsonl"],
        "event_type": ["api.request", "compute.job_completed"],
        "staged_records": [3, 2],
        "missing_ids": [0, 0],
        "unparsed_times": [0, 0],
        "future_times": [0, 0],
        "negative_quantities": [0, 0],
        "duplicate_keys": [0, 0],
    }
    rows.update(overrides)
    return pd.DataFrame(rows)


def _counters(**overrides) -> pd.DataFrame:
    rows = {
        "file_path": ["realtime_counters/a.csv"],
        "metric_code": ["api_requests"],
        "staged_records": [4],
        "missing_keys": [0],
        "unparsed_times": [0],
        "negative_quantities": [0],
    }
    rows.update(overrides)
    return pd.DataFrame(rows)


def _folders(quarantined: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_name": ["usage_events"],
            "records_read": [100],
            "records_quarantined": [quarantined],
        }
    )


def _due_invoices(statuses: list[str]) -> pd.DataFrame:
    # i1: breaching, no decision; i2: breaching, released; i3: kept held; i4: clean
    return pd.DataFrame(
        {
            "invoice_id": ["i1", "i2", "i3", "i4"],
            "computed_status": statuses,
            "is_breaching": [True, True, False, False],
            "decision": [None, "release", "keep_held", None],
        }
    )


def _differences(rollup: Decimal, hourly: Decimal, tolerance: Decimal) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "billing_period_id": ["p1"],
            "metric_code": ["api_requests"],
            "difference_quantity": [rollup],
            "hourly_difference": [hourly],
            "tolerance_quantity": [tolerance],
        }
    )


def _totals(line_total: Decimal) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "invoice_id": ["i1"],
            "status": ["finalized"],
            "total_amount": [d("49.00")],
            "line_total": [line_total],
        }
    )


def _billed(billed: Decimal) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "billing_period_id": ["p1"],
            "metric_code": ["api_requests"],
            "billed_quantity": [billed],
            "staged_quantity": [d(120)],
            "billed_grace_quantity": [d(0)],
            "staged_grace_quantity": [d(0)],
        }
    )


GOOD = [
    landing_quality.staged_usage(_usage(), 5, TYPES),
    landing_quality.realtime_counters(_counters(), 4, METRICS),
    landing_quality.quarantine_share(_folders(5), 1, d("0.05")),
    reconciliation_gate.invoice_holds(
        _due_invoices(["held", "finalized", "held", "finalized"]), 4, 0
    ),
    reconciliation_gate.period_differences(_differences(d(8), d(8), d(10)), 1),
    billing_tieouts.invoice_totals(_totals(d("49.00")), 1),
    billing_tieouts.billed_usage(_billed(d(120)), 1),
]

# (validation, the expectation types that must fail)
BAD = [
    (
        # an unknown type, a negative value, an id staged twice, and one record more
        # than the manifest says this run staged
        landing_quality.staged_usage(
            _usage(
                event_type=["api.requets", "compute.job_completed"],
                negative_quantities=[0, 1],
                duplicate_keys=[2, 0],
            ),
            4,
            TYPES,
        ),
        {
            "expect_column_sum_to_be_between",
            "expect_column_values_to_be_in_set",
            "expect_column_values_to_be_between",
        },
    ),
    (
        landing_quality.realtime_counters(
            _counters(metric_code=["api_request"], missing_keys=[1]), 4, METRICS
        ),
        {"expect_column_values_to_be_in_set", "expect_column_values_to_be_between"},
    ),
    (
        landing_quality.quarantine_share(_folders(6), 1, d("0.05")),
        {"expect_column_values_to_be_between"},
    ),
    (
        # a breaching invoice finalized and a clean one held
        reconciliation_gate.invoice_holds(
            _due_invoices(["finalized", "finalized", "held", "held"]), 4, 0
        ),
        {"expect_column_pair_values_to_be_equal"},
    ),
    (
        # an unreadable file present: every due invoice must be held
        reconciliation_gate.invoice_holds(
            _due_invoices(["held", "finalized", "held", "finalized"]), 4, 1
        ),
        {"expect_column_pair_values_to_be_equal"},
    ),
    (
        reconciliation_gate.period_differences(_differences(d(8), d(12), d(10)), 1),
        {
            "expect_column_pair_values_to_be_equal",
            "expect_column_pair_values_a_to_be_greater_than_b",
        },
    ),
    (
        billing_tieouts.invoice_totals(_totals(d("48.99")), 1),
        {"expect_column_pair_values_to_be_equal"},
    ),
    (billing_tieouts.billed_usage(_billed(d(100)), 1), {"expect_column_pair_values_to_be_equal"}),
]

ROW_COUNT = {"expect_table_row_count_to_equal"}
STAGED_TOTAL = {"expect_table_row_count_to_be_between", "expect_column_sum_to_be_between"}
EMPTY = [
    (landing_quality.staged_usage(_usage().iloc[0:0], 5, TYPES), STAGED_TOTAL),
    (landing_quality.realtime_counters(_counters().iloc[0:0], 4, METRICS), STAGED_TOTAL),
    (landing_quality.quarantine_share(_folders(0).iloc[0:0], 1, d("0.05")), ROW_COUNT),
    (reconciliation_gate.invoice_holds(_due_invoices(["held"] * 4).iloc[0:0], 4, 0), ROW_COUNT),
    (
        reconciliation_gate.period_differences(_differences(d(0), d(0), d(10)).iloc[0:0], 1),
        ROW_COUNT,
    ),
    (billing_tieouts.invoice_totals(_totals(d("49.00")).iloc[0:0], 1), ROW_COUNT),
    (billing_tieouts.billed_usage(_billed(d(120)).iloc[0:0], 1), ROW_COUNT),
]


@pytest.fixture(scope="module")
def warehouse_path(tmp_path_factory):
    return tmp_path_factory.mktemp("gx") / "warehouse.duckdb"


def test_every_suite_passes_on_good_input_and_builds_data_docs(warehouse_path):
    outcomes = gx_runner.run_validations(GOOD, warehouse_path, run_name="good")
    assert {outcome.suite_name: outcome.success for outcome in outcomes} == {
        validation.suite_name: True for validation in GOOD
    }
    index = warehouse_path.parent / "data_docs" / "index.html"
    assert index.exists()
    assert "reconciliation_gate.invoice_holds" in index.read_text(encoding="utf-8")
    # no page reports the data context to GX's asset bucket when opened
    pages = list(index.parent.rglob("*.html"))
    assert len(pages) > 1
    assert not [p for p in pages if "great-expectations-web-assets" in p.read_text("utf-8")]


def test_every_suite_fails_on_bad_input(warehouse_path):
    outcomes = gx_runner.run_validations(
        [validation for validation, _ in BAD], warehouse_path, run_name="bad", build_docs=False
    )
    for outcome, (_, expected_failures) in zip(outcomes, BAD, strict=True):
        assert not outcome.success, outcome.suite_name
        failed = {item.expectation_type for item in outcome.failures()}
        assert failed == expected_failures, outcome.suite_name


def test_an_empty_dataframe_fails_where_rows_are_due(warehouse_path):
    outcomes = gx_runner.run_validations(
        [validation for validation, _ in EMPTY], warehouse_path, run_name="empty", build_docs=False
    )
    for outcome, (_, expected_failures) in zip(outcomes, EMPTY, strict=True):
        assert not outcome.success, outcome.suite_name
        assert {item.expectation_type for item in outcome.failures()} == expected_failures


def test_an_empty_dataframe_passes_where_no_rows_are_due(warehouse_path):
    nothing_new = [
        landing_quality.staged_usage(_usage().iloc[0:0], 0, TYPES),
        reconciliation_gate.period_differences(_differences(d(0), d(0), d(10)).iloc[0:0], 0),
    ]
    outcomes = gx_runner.run_validations(
        nothing_new, warehouse_path, run_name="nothing", build_docs=False
    )
    assert [outcome.success for outcome in outcomes] == [True, True]


def test_results_are_written_for_bi(warehouse_path):
    import duckdb

    outcomes = gx_runner.run_validations(GOOD[3:4], warehouse_path, run_name="bi", build_docs=False)
    con = duckdb.connect(str(warehouse_path))
    try:
        written = gx_runner.write_results(
            con,
            outcomes,
            run_id="r1",
            check_name="reconciliation_gate",
            asset_key="intermediate/int_invoices_issued",
            as_of=AS_OF,
        )
        rows = con.execute(
            "select suite_name, expectation_type, success, observed_value, as_of "
            "from quality.gx_validation_results order by expectation_type, expectation_kwargs"
        ).fetchall()
    finally:
        con.close()
    assert written == len(GOOD[3].expectations) == len(rows)
    assert (
        "reconciliation_gate.invoice_holds",
        "expect_table_row_count_to_equal",
        True,
        "4",
        AS_OF,
    ) in rows


def test_the_gate_is_a_blocking_check_in_front_of_the_ledger():
    import dagster as dg

    from orchestration.defs.quality import alerts, checks
    from orchestration.defs.transform import dbt_assets

    issued = dg.AssetKey(["intermediate", "int_invoices_issued"])
    (gate,) = checks.reconciliation_gate.check_specs
    assert (gate.asset_key, gate.blocking) == (issued, True)
    # the gate's asset is built by the first dbt op and read by the ledger op
    assert issued in dbt_assets.dbt_models.keys
    assert issued in dbt_assets.dbt_invoice_ledger.dependency_keys
    assert dg.AssetKey(["marts", "fct_invoices"]) in dbt_assets.dbt_invoice_ledger.keys
    # every check and the alert export open the warehouse: one writer at a time
    for definition in (
        checks.gx_landing_quality,
        checks.reconciliation_gate,
        checks.gx_billing_tieouts,
        alerts.reconciliation_alerts,
    ):
        assert definition.node_def.pool == "duckdb_writer"


def test_the_staged_usage_profile_counts_negatives_and_keys_staged_twice() -> None:
    """STAGED_USAGE_SQL on hand-made tables (the two relations it reads): of the run's
    three events in a.jsonl, e2 has a negative bandwidth value and e3's key was staged
    twice, once in this run and once before, so the run counts 1 negative and 1
    duplicate key; e1's second metric row (count) and the earlier run's rows are not
    the run's; e9's negative value belongs to the earlier run."""
    import duckdb

    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute(
        """create table intermediate.int_usage_events as
        select * from (values
            ('usage_events/a.jsonl', 'api.request', 's', 'e1', 'c1', timestamp '2026-04-02 10:00:00', timestamp '2026-04-03'),
            ('usage_events/a.jsonl', 'api.request', 's', 'e2', 'c1', timestamp '2026-04-02 11:00:00', timestamp '2026-04-03'),
            ('usage_events/a.jsonl', 'api.request', 's', 'e3', 'c1', timestamp '2026-04-02 12:00:00', timestamp '2026-04-03'),
            ('usage_events/b.jsonl', 'compute.job_completed', 's', 'e4', 'c1', timestamp '2026-04-02 12:00:00', timestamp '2026-04-03'),
            ('usage_events/old.jsonl', 'api.request', 's', 'e3', 'c1', timestamp '2026-04-01 12:00:00', timestamp '2026-04-02'),
            ('usage_events/old.jsonl', 'api.request', 's', 'e9', 'c1', timestamp '2026-04-01 12:00:00', timestamp '2026-04-02')
        ) as events (file_path, event_type, event_source, event_id, customer_id, event_at, ingested_at)"""
    )
    con.execute(
        """create table intermediate.int_usage_metric_values as
        select * from (values
            ('s', 'e1', 'count', timestamp '2026-04-02 10:00:00', -1.0),
            ('s', 'e1', 'sum', timestamp '2026-04-02 10:00:00', 5.0),
            ('s', 'e2', 'sum', timestamp '2026-04-02 11:00:00', -3.0),
            ('s', 'e2', 'unique_count', timestamp '2026-04-02 11:00:00', -1.0),
            ('s', 'e4', 'sum', timestamp '2026-04-02 12:00:00', 0.0),
            ('s', 'e9', 'sum', timestamp '2026-04-01 12:00:00', -7.0)
        ) as metric_values (event_source, event_id, aggregation, event_at, raw_value)"""
    )
    rows = con.execute(
        landing_quality.STAGED_USAGE_SQL,
        {
            "as_of": datetime(2026, 4, 3),
            "first_event_at": datetime(2026, 4, 2, 10),
            "last_event_at": datetime(2026, 4, 2, 12),
        },
    ).fetchall()
    # file, type, staged, missing ids, unparsed times, future times, negatives, duplicates
    assert rows == [
        ("usage_events/a.jsonl", "api.request", 3, 0, 0, 0, 1, 1),
        ("usage_events/b.jsonl", "compute.job_completed", 1, 0, 0, 0, 0, 0),
    ]
