"""Run the shared Dagster job in process (what `usage-billing run` does)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg


@dataclass
class JobOutcome:
    success: bool
    message: str
    run_id: str
    #: seconds per step (op) and per dbt node ("Execution Duration"), for the benchmark
    step_seconds: dict[str, float] = field(default_factory=dict)
    node_seconds: dict[str, float] = field(default_factory=dict)


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


def _timings(result: dg.ExecuteInProcessResult) -> tuple[dict[str, float], dict[str, float]]:
    steps: dict[str, float] = {}
    nodes: dict[str, float] = {}
    for event in result.all_events:
        data = event.event_specific_data
        if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key:
            duration = getattr(data, "duration_ms", None)
            if duration is not None:
                steps[event.step_key] = duration / 1000
        elif event.event_type_value == "ASSET_MATERIALIZATION":
            _add_node_seconds(nodes, data.materialization, data.materialization.asset_key)
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            # a dbt test: "<model>:<test>", never the model's own entry
            _add_node_seconds(nodes, data, data.asset_check_key)
    return steps, nodes


def _add_node_seconds(nodes: dict[str, float], entry: object, key: object) -> None:
    seconds = getattr(entry, "metadata", {}).get("Execution Duration")
    if seconds is not None and key is not None:
        name = key.to_user_string() if hasattr(key, "to_user_string") else str(key)
        nodes[name] = float(getattr(seconds, "value", seconds))


def _partition_arguments(days: tuple[str, str] | None) -> dict:
    """execute_in_process arguments for a UTC day range (None: an unpartitioned run)."""
    if days is None:
        return {}
    first, last = days
    from orchestration.lib.partitions import DAILY

    for key in (first, last):
        if not DAILY.has_partition_key(key):
            raise ValueError(
                f"{key} is not a day partition (YYYY-MM-DD, from {DAILY.start:%Y-%m-%d})"
            )
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    if first == last:
        return {"partition_key": first}
    return {
        "tags": {
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        }
    }


def run_job(
    landing: Path,
    warehouse: Path,
    as_of: str,
    full_refresh: bool = False,
    days: tuple[str, str] | None = None,
) -> JobOutcome:
    """Run usage_billing_job; `days` (first, last) makes it a run of that UTC day range."""
    from orchestration.definitions import load

    partition = _partition_arguments(days)

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
            run_config=run_config, instance=instance, raise_on_error=False, **partition
        )
    steps, nodes = _timings(result)
    if result.success:
        return JobOutcome(True, "ok", result.run_id, steps, nodes)
    return JobOutcome(False, _failure_message(result), result.run_id, steps, nodes)
