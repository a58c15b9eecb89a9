"""Sensors: new landing files start the daily job; a failed run leaves an operator alert."""

import csv
import hashlib
import json
from datetime import UTC, datetime

import dagster as dg

from orchestration.defs.jobs.jobs import usage_billing_job
from orchestration.lib import settings
from orchestration.lib.ingest import discover, sha256_of


def _scan(cursor: dict[str, list]) -> dict[str, list]:
    """{relative path: [size, mtime_ns, sha256]} of the landing directory, reusing the
    cursor's hash for files whose size and modification time are unchanged."""
    landing = settings.landing_dir()
    seen: dict[str, list] = {}
    if not landing.is_dir():
        return seen
    for _source, path in discover(landing):
        relative = path.relative_to(landing).as_posix()
        stat = path.stat()
        known = cursor.get(relative)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            seen[relative] = known
        else:
            seen[relative] = [stat.st_size, stat.st_mtime_ns, sha256_of(path)]
    return seen


def new_content(previous: dict[str, list], current: dict[str, list]) -> list[str]:
    """Content hashes in `current` that no file in `previous` had: a re-dropped file
    (same bytes, any name) is not new."""
    known = {entry[2] for entry in previous.values()}
    return sorted({entry[2] for entry in current.values()} - known)


@dg.sensor(
    job=usage_billing_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the daily job when files with new content appear in the landing directory.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext):
    previous = json.loads(context.cursor) if context.cursor else {}
    current = _scan(previous)
    fresh = new_content(previous, current)
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not fresh:
        return dg.SkipReason("no new landing content")
    run_key = hashlib.sha256("|".join(fresh).encode()).hexdigest()
    return dg.RunRequest(run_key=run_key, tags={"landing/new_files": str(len(fresh))})


def alerts_dir():
    return settings.warehouse_path().parent / "exports" / "alerts"


def write_failure_alert(run_id: str, job_name: str, message: str, failed_steps: list[str]) -> None:
    """Append the failure to alerts/run_failures.csv and write alerts/<run_id>.json."""
    folder = alerts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "alerted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_id": run_id,
        "job_name": job_name,
        "failed_steps": ";".join(failed_steps),
        "message": message,
    }
    (folder / f"{run_id}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    summary = folder / "run_failures.csv"
    is_new = not summary.exists()
    with summary.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(record))
        if is_new:
            writer.writeheader()
        writer.writerow(record)


@dg.run_failure_sensor(
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Writes an operator alert file for every failed run (warehouse/exports/alerts/).",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext):
    steps = [event.step_key for event in context.get_step_failure_events() if event.step_key]
    message = context.failure_event.message or "run failed"
    write_failure_alert(context.dagster_run.run_id, context.dagster_run.job_name, message, steps)
