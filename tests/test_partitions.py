"""Issue 7 (operations): day partitions give the same marts as a full build; run figures,
the month close and the failed-gate alert on the same runs.

Two days of usage for customer c1 (explorer, created 2026-01-01), landed as one file a
day. The day-2 file repeats the last event of day 1 (23:59:59, an exact duplicate that
straddles midnight) and holds two copies of its own first event. One warehouse gets
both files and one unpartitioned run (the full build); the other gets the day-1 file
and a run of partition 2026-01-05, then the day-2 file and a run of partition
2026-01-06 (`usage-billing run --from/--to`). The marts must be equal, and every
duplicate counted once.

The data and the hand-computed daily usage are in tests/two_day_usage.py.
"""

from __future__ import annotations

import json
import os
from datetime import date

import dagster as dg
import duckdb
import pytest
from conftest import Warehouse
from landing_builder import basic_landing, write_jsonl
from two_day_usage import DAILY_SQL, DAY_1, DAY_2, EXPECTED_DAILY

from orchestration.definitions import load
from orchestration.defs.close.month_close import MONTH_CLOSE, close_figures
from orchestration.defs.operations.sensors import run_failure_alert_sensor
from orchestration.lib import partitions
from orchestration.lib.run import _partition_arguments

USAGE_MART = dg.AssetKey(["marts", "fct_usage_daily"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    """(full build, day by day, the Dagster instance of the day-by-day runs)."""
    root = tmp_path_factory.mktemp("partitions")
    home = root / "dagster_home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        # a persistent instance: the runs' materializations and metadata can be read back
        patch.setenv("DAGSTER_HOME", str(home))
        full = Warehouse(root / "full")
        basic_landing(full.landing)
        write_jsonl(full.landing / "usage_events" / "2026-01-05.jsonl", DAY_1)
        write_jsonl(full.landing / "usage_events" / "2026-01-06.jsonl", DAY_2)
        full.run("2026-01-07T02:00:00Z")

        daily = Warehouse(root / "daily")
        basic_landing(daily.landing)
        write_jsonl(daily.landing / "usage_events" / "2026-01-05.jsonl", DAY_1)
        daily.run("2026-01-06T02:00:00Z", "--from", "2026-01-05")
        write_jsonl(daily.landing / "usage_events" / "2026-01-06.jsonl", DAY_2)
        daily.run("2026-01-07T02:00:00Z", "--from", "2026-01-06", "--to", "2026-01-06")
        with dg.DagsterInstance.get() as instance:
            yield full, daily, instance


def test_day_by_day_equals_the_full_build(runs):
    full, daily, _instance = runs
    assert full.query(DAILY_SQL) == EXPECTED_DAILY
    assert daily.query(DAILY_SQL) == EXPECTED_DAILY
    for sql in (
        "select invoice_id, status, currency, total_amount from marts.fct_invoices order by 1",
        "select invoice_line_id, line_type, amount from marts.fct_invoice_lines order by 1",
        "select event_source, event_id, event_at from intermediate.int_usage_events order by 2",
        """select metric_code, period_start, batch_quantity from marts.fct_usage_reconciliation_periods
           order by 1, 2""",
    ):
        assert daily.query(sql) == full.query(sql), sql


def test_duplicates_across_midnight_count_once(runs):
    full, daily, _instance = runs
    for warehouse in (full, daily):
        assert warehouse.query("select count(*) from intermediate.int_usage_events") == [(4,)]
        # e2 again on day 2 and the second e3: two exact duplicates, nothing quarantined
        assert warehouse.query(
            "select sum(records_read), sum(records_staged), sum(records_duplicate), "
            "sum(records_quarantined) from marts.fct_landing_files where source_name = 'usage_events'"
        ) == [(6, 4, 2, 0)]


def test_partitioned_runs_record_their_days_and_figures(runs):
    _full, _daily, instance = runs
    materialized = instance.get_materialized_partitions(USAGE_MART)
    assert materialized == {"2026-01-05", "2026-01-06"}
    landing = instance.fetch_materializations(
        dg.AssetKey(["marts", "fct_landing_files"]), limit=1
    ).records[0]
    metadata = {
        name: value.value
        for name, value in landing.asset_materialization.metadata.items()
        if isinstance(value.value, int | float)
    }
    # the latest run (day 2 of the day-by-day warehouse): both files, c1's customer and
    # subscription rows, 6 usage records of which 2 exact duplicates
    assert metadata["records_read"] == 8
    assert metadata["usage_events_staged"] == 4
    assert metadata["exact_duplicates"] == 2
    assert metadata["records_quarantined"] == 0
    assert metadata["quarantine_share"] == 0.0
    invoices = (
        instance.fetch_materializations(dg.AssetKey(["marts", "fct_invoices"]), limit=1)
        .records[0]
        .asset_materialization.metadata
    )
    # explorer's creation invoice: the first base fee, 49 USD, finalized 24 h after 2026-01-01
    assert invoices["invoices_finalized"].value == 1
    assert invoices["invoices_draft"].value == 0
    assert invoices["total_finalized_USD"].value == 49.0
    holds = (
        instance.fetch_materializations(dg.AssetKey(["marts", "fct_invoice_holds"]), limit=1)
        .records[0]
        .asset_materialization.metadata
    )
    assert (holds["held_invoices"].value, holds["held_periods"].value) == (0, 0)


def test_the_month_close_figures(runs):
    full, _daily, _instance = runs
    con = duckdb.connect(str(full.path), read_only=True)
    try:
        figures = close_figures(con, date(2026, 1, 1))
    finally:
        con.close()
    # as of 2026-01-07 January is still open: only the creation invoice is dated in it
    assert figures["month"] == "2026-01"
    assert figures["is_month_closed"] is False
    assert figures["invoices"] == [
        {"status": "finalized", "currency": "USD", "invoices": 1, "total_amount": "49.00"}
    ]
    assert (figures["held_invoices"], figures["held_periods"]) == (0, 0)


def test_the_monthly_close_job_records_its_month(runs):
    """The close asset of monthly_close_job, partition 2026-01, on the full build."""
    full, _daily, instance = runs
    job = load().resolve_job_def("monthly_close_job")
    assert job.partitions_def == partitions.MONTHLY
    result = job.get_subset(asset_selection={MONTH_CLOSE}).execute_in_process(
        partition_key="2026-01-01",
        run_config={
            "resources": {
                "warehouse": {
                    "config": {
                        "warehouse_path": str(full.path),
                        "landing_dir": str(full.landing),
                        "as_of": "2026-01-07T02:00:00Z",
                    }
                }
            }
        },
        instance=instance,
    )
    assert result.success
    record = instance.fetch_materializations(MONTH_CLOSE, limit=1).records[0]
    assert record.asset_materialization.partition == "2026-01-01"
    metadata = record.asset_materialization.metadata
    assert metadata["is_month_closed"].value is False
    assert metadata["held_periods"].value == 0
    written = json.loads(
        (full.path.parent / "exports" / "month_close" / "2026-01.json").read_text()
    )
    assert written["invoices"] == [
        {"status": "finalized", "currency": "USD", "invoices": 1, "total_amount": "49.00"}
    ]
    assert written["as_of"] == "2026-01-07T02:00:00Z"


def test_day_ranges_become_partition_arguments():
    assert _partition_arguments(None) == {}
    assert _partition_arguments(("2026-01-05", "2026-01-05")) == {"partition_key": "2026-01-05"}
    assert _partition_arguments(("2026-01-05", "2026-01-06")) == {
        "tags": {
            "dagster/asset_partition_range_start": "2026-01-05",
            "dagster/asset_partition_range_end": "2026-01-06",
        }
    }
    with pytest.raises(ValueError, match="before"):
        _partition_arguments(("2026-01-06", "2026-01-05"))
    with pytest.raises(ValueError, match="not a day partition"):
        _partition_arguments(("2023-12-31", "2024-01-02"))
    assert partitions.window_environment(
        dg.TimeWindow(
            partitions.DAILY.time_window_for_partition_key("2026-01-05").start,
            partitions.DAILY.time_window_for_partition_key("2026-01-06").end,
        )
    ) == {
        "USAGE_BILLING_WINDOW_START": "2026-01-05T00:00:00Z",
        "USAGE_BILLING_WINDOW_END": "2026-01-07T00:00:00Z",
    }
    assert os.environ.get("USAGE_BILLING_WINDOW_START") is None


def test_a_failed_gate_writes_the_operator_alert(runs, monkeypatch):
    """The reconciliation gate alone, on the full build, sabotaged as in
    test_reconciliation.py: the run fails and the run-failure sensor writes the alert."""
    import expectations.reconciliation_gate as gate

    full, _daily, instance = runs
    monkeypatch.setattr(gate, "expected_status", lambda *args: "held")
    monkeypatch.setenv("USAGE_BILLING_WAREHOUSE", str(full.path))
    check = dg.AssetCheckKey(
        dg.AssetKey(["intermediate", "int_invoices_issued"]), "reconciliation_gate"
    )
    job = (
        load()
        .resolve_job_def("usage_billing_job")
        .get_subset(asset_selection=set(), asset_check_selection={check})
    )
    result = job.execute_in_process(
        run_config={
            "resources": {
                "warehouse": {
                    "config": {
                        "warehouse_path": str(full.path),
                        "landing_dir": str(full.landing),
                        "as_of": "2026-01-07T02:00:00Z",
                    }
                }
            }
        },
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    failure = (
        instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        .records[0]
        .event_log_entry.dagster_event
    )
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
    ).for_run_failure()
    run_failure_alert_sensor(context)
    alert = json.loads(
        (full.path.parent / "exports" / "alerts" / f"{result.run_id}.json").read_text()
    )
    assert alert["job_name"] == "usage_billing_job"
    assert alert["failed_steps"] == "intermediate__int_invoices_issued_reconciliation_gate"
    assert "reconciliation_gate" in alert["message"]
