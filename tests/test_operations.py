"""Issue 7 (operations): schedules, the landing sensor and the run-failure alert."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import dagster as dg
from landing_builder import basic_landing, usage_event, write_jsonl

from orchestration.definitions import load
from orchestration.defs.operations.schedules import daily_refresh_schedule, monthly_close_schedule
from orchestration.defs.operations.sensors import landing_files_sensor, run_failure_alert_sensor
from orchestration.lib import partitions


def test_schedules_run_at_their_times_with_their_tick_as_the_clock():
    assert daily_refresh_schedule.cron_schedule == "0 2 * * *"
    assert monthly_close_schedule.cron_schedule == "0 6 6 * *"
    assert daily_refresh_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert monthly_close_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    # partitioned jobs: the context needs the definitions to resolve partition keys
    repository = load().get_repository_def()
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 6, 6, 0, tzinfo=UTC), repository_def=repository
    )
    requests = monthly_close_schedule.evaluate_tick(context).run_requests
    assert len(requests) == 1
    assert (
        requests[0].run_config["resources"]["warehouse"]["config"]["as_of"]
        == "2026-12-06T06:00:00Z"
    )
    # the close on 6 December closes November: its month partition
    assert requests[0].partition_key == "2026-11-01"
    daily = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 12, 1, 2, 0, tzinfo=UTC), repository_def=repository
    )
    requests = daily_refresh_schedule.evaluate_tick(daily).run_requests
    assert len(requests) == 1
    # 02:00 on 1 December refreshes the day that just ended, 30 November
    assert requests[0].partition_key == "2026-11-30"
    assert (
        requests[0].run_config["resources"]["warehouse"]["config"]["as_of"]
        == "2026-12-01T02:00:00Z"
    )


def test_jobs_are_partitioned_by_day_and_by_month():
    definitions = load()
    daily = definitions.resolve_job_def("usage_billing_job")
    close = definitions.resolve_job_def("monthly_close_job")
    assert daily.partitions_def == partitions.DAILY
    assert close.partitions_def == partitions.MONTHLY
    assert partitions.DAILY.get_first_partition_key() == "2024-01-01"
    usage_mart = dg.AssetKey(["marts", "fct_usage_daily"])
    month_close = dg.AssetKey(["finance", "month_close"])
    assert usage_mart in daily.asset_layer.selected_asset_keys
    assert month_close not in daily.asset_layer.selected_asset_keys
    assert month_close in close.asset_layer.selected_asset_keys
    assert usage_mart not in close.asset_layer.selected_asset_keys
    # the rest of the graph (ingestion, the ledger) runs in both
    for key in (dg.AssetKey(["raw", "usage_events"]), dg.AssetKey(["marts", "fct_invoices"])):
        assert key in daily.asset_layer.selected_asset_keys
        assert key in close.asset_layer.selected_asset_keys


def test_a_day_range_of_the_daily_job_is_one_run():
    """`dg launch --job usage_billing_job --partition-range A...B` (and a backfill from the
    UI's asset pages) runs a range in one run only when every asset of the job has a
    single-run backfill policy; dagster refuses the range otherwise (verified by hand:
    `dg launch` of 2026-10-01...2026-10-02 failed before, and now builds that window)."""
    job = load().resolve_job_def("usage_billing_job")
    policies = {
        key.to_user_string(): job.asset_layer.get(key).backfill_policy
        for key in job.asset_layer.executable_asset_keys
    }
    assert len(policies) > 90  # every dbt model and seed, the raw tables and the exports
    assert {
        key: policy for key, policy in policies.items() if policy != dg.BackfillPolicy.single_run()
    } == {}


def test_landing_sensor_starts_one_run_per_new_content(tmp_path, monkeypatch):
    landing = basic_landing(tmp_path / "landing")
    monkeypatch.setenv("USAGE_BILLING_LANDING_DIR", str(landing))
    first = landing_files_sensor.evaluate_tick(dg.build_sensor_context(cursor=None))
    assert len(first.run_requests) == 1
    cursor = first.cursor

    # nothing new, then the same bytes under another name: no run
    again = landing_files_sensor.evaluate_tick(dg.build_sensor_context(cursor=cursor))
    assert again.run_requests == []
    shutil.copy(landing / "customers" / "customers.csv", landing / "customers" / "again.csv")
    copied = landing_files_sensor.evaluate_tick(dg.build_sensor_context(cursor=again.cursor))
    assert copied.run_requests == []

    # a file with new content: one run
    write_jsonl(
        landing / "usage_events" / "new.jsonl", [usage_event("n1", "c1", "2026-01-02T00:00:00Z")]
    )
    new = landing_files_sensor.evaluate_tick(dg.build_sensor_context(cursor=copied.cursor))
    assert len(new.run_requests) == 1
    assert new.run_requests[0].tags["landing/new_files"] == "1"
    assert len(json.loads(new.cursor)) == 4


def test_a_failed_run_writes_an_operator_alert(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse" / "usage_billing.duckdb"
    monkeypatch.setenv("USAGE_BILLING_WAREHOUSE", str(warehouse))
    instance = dg.DagsterInstance.ephemeral()
    # the landing directory does not exist: ingestion fails, so the run fails
    result = (
        load()
        .resolve_job_def("usage_billing_job")
        .execute_in_process(
            run_config={
                "resources": {
                    "warehouse": {
                        "config": {
                            "warehouse_path": str(warehouse),
                            "landing_dir": str(tmp_path / "missing"),
                            "as_of": "2026-01-03T00:00:00Z",
                        }
                    }
                }
            },
            instance=instance,
            raise_on_error=False,
        )
    )
    assert not result.success
    records = instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    failure = records[0].event_log_entry.dagster_event
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert_sensor",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
    ).for_run_failure()
    run_failure_alert_sensor(context)
    alert = json.loads(
        (warehouse.parent / "exports" / "alerts" / f"{result.run_id}.json").read_text()
    )
    assert alert["job_name"] == "usage_billing_job"
    assert "landing_files" in alert["failed_steps"]
    assert "landing_files" in alert["message"]
    assert (warehouse.parent / "exports" / "alerts" / "run_failures.csv").read_text().count(
        "\n"
    ) == 2
