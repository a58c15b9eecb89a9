"""Run the shared Dagster job in process (what `usage-billing run` does)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg


@dataclass
class JobOutcome:
    success: bool
    message: str
    run_id: str


def _instance() -> dg.DagsterInstance:
    """The persistent instance of DAGSTER_HOME when set (runs show in the UI), else ephemeral."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    messages = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error if event.step_failure_data else None
            # the innermost cause says what went wrong (a dbt test, a file, a query)
            while error is not None and error.cause is not None:
                error = error.cause
            text = error.message.strip() if error else "step failed"
            messages.append(f"step {event.step_key}: {text}")
    return "; ".join(messages) or "the run did not succeed"


def run_job(landing: Path, warehouse: Path, as_of: str, full_refresh: bool = False) -> JobOutcome:
    from orchestration.definitions import load

    job = load().resolve_job_def("usage_billing_job")
    run_config = {
        "resources": {
            "warehouse": {
                "config": {
                    "warehouse_path": str(warehouse),
                    "landing_dir": str(landing),
                    "as_of": as_of,
                }
            }
        },
        "ops": {"dbt_models": {"config": {"full_refresh": full_refresh}}},
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
    }
    with _instance() as instance:
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False
        )
    if result.success:
        return JobOutcome(True, "ok", result.run_id)
    return JobOutcome(False, _failure_message(result), result.run_id)
