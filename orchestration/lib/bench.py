"""`usage-billing bench`: the pipeline against its floor, its incremental run and pandas.

1. A landing directory of N usage events as Parquet (bench_landing.py), reused when
   it was written before with the same parameters (generation is deterministic).
2. The full pipeline (`usage_billing_job`, as `usage-billing run` runs it) on an empty
   warehouse: wall time per step, rows per second, peak RSS of the process tree.
3. The floor (bench_baselines.py): one DuckDB statement doing the same parsing,
   deduplication by (source, id) and daily totals per customer and metric.
4. The consistency check: the floor's totals equal the pipeline's accepted usage
   (`intermediate.int_usage_metric_values`) per customer, day and metric.
5. One more day lands; the incremental run and its share of the full run.
6. pandas doing the floor's work, up to a size that fits in memory.

Targets (issue 8, stated for 100M events) are measured and printed, never asserted.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestration.lib import settings
from orchestration.lib.bench_landing import BenchLanding, reusable_landing, write_bench_landing

GIB = 2**30
PAGE = os.sysconf("SC_PAGE_SIZE")
# pandas holds every column as Python-visible strings: about 1 KB per event at its peak
PANDAS_MAX_EVENTS = 20_000_000
# The warehouse's size per landed event: the 10M bench warehouse was 3.85 GB, and the
# 100M attempt's file grew in proportion (2026-11-23). A lower bound of what a full run
# needs: a first build also spills to disk beyond DuckDB's memory limit.
WAREHOUSE_BYTES_PER_EVENT = 385
TARGETS = {
    "full_within_2x_floor": "full pipeline <= 2 x floor",
    "peak_rss_under_12_gib": "peak RSS of the pipeline < 12 GiB",
    "one_day_under_10pct": "incremental run (one more day) < 10 % of the full run",
    "faster_than_pandas": "full pipeline faster than pandas",
}


# ---------------------------------------------------------------- memory of the process tree


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # the command name is in parentheses and may contain spaces
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return total


class RssSampler:
    """Samples this process tree's RSS every `interval` seconds; `peak()` since `reset()`."""

    def __init__(self, interval: float = 0.2) -> None:
        self._interval = interval
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, _tree_rss(os.getpid()))
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        self._peak = _tree_rss(os.getpid())

    def peak(self) -> int:
        return max(self._peak, _tree_rss(os.getpid()))


# ---------------------------------------------------------------- the measured phases


@dataclass
class Phase:
    name: str
    seconds: float
    peak_rss_bytes: int
    rows: int | None = None
    stages: dict[str, float] = field(default_factory=dict)
    slowest_nodes: dict[str, float] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None

    def to_json(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "peak_rss_bytes": self.peak_rss_bytes,
            "peak_rss_gib": round(self.peak_rss_bytes / GIB, 3),
            "rows": self.rows,
            "rows_per_second": round(self.rows_per_second) if self.rows_per_second else None,
            "stages": {
                name: {
                    "seconds": round(seconds, 3),
                    "rows_per_second": round(self.rows / seconds)
                    if self.rows and seconds
                    else None,
                }
                for name, seconds in self.stages.items()
            },
            "slowest_nodes": {k: round(v, 3) for k, v in self.slowest_nodes.items()},
            "skipped": self.skipped,
        }


def _pipeline(
    name: str, landing: Path, warehouse: Path, as_of: str, rows: int, sampler: RssSampler
) -> Phase:
    from orchestration.lib.run import run_job

    os.environ[settings.WAREHOUSE_ENV] = str(warehouse)
    os.environ[settings.LANDING_ENV] = str(landing)
    os.environ[settings.AS_OF_ENV] = as_of
    sampler.reset()
    started = time.perf_counter()
    outcome = run_job(landing=landing, warehouse=warehouse, as_of=as_of)
    seconds = time.perf_counter() - started
    if not outcome.success:
        raise RuntimeError(f"the {name} pipeline run failed: {outcome.message}")
    stages = dict(sorted(outcome.step_seconds.items(), key=lambda item: -item[1]))
    stages["dagster and other overhead"] = max(0.0, seconds - sum(outcome.step_seconds.values()))
    # dbt models and tests (`<model>:<test>`), by their own execution time
    slowest = dict(sorted(outcome.node_seconds.items(), key=lambda item: -item[1])[:12])
    return Phase(name, seconds, sampler.peak(), rows, stages, slowest)


def _baseline(kind: str, landing: Path, out: Path, rows: int, sampler: RssSampler) -> Phase:
    """The floor or pandas in a child process; time is the work inside it, not start-up."""
    sampler.reset()
    completed = subprocess.run(
        [sys.executable, "-m", "orchestration.lib.bench_baselines", kind, str(landing), str(out)],
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.REPO_ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the {kind} baseline failed: {completed.stderr.strip()[-2000:]}")
    inner = json.loads(completed.stdout.strip().splitlines()[-1])
    return Phase(kind, inner["seconds"], sampler.peak(), rows)


def _daily_totals_check(warehouse: Path, floor: Path, other: Path | None = None) -> dict:
    """Compare the pipeline's accepted usage per customer, day and metric with the floor."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(f"create temp view floor as select * from read_parquet('{floor}')")
        con.execute(
            """create temp table pipeline as
               select customer_id, cast(event_at as date) as usage_date, metric_code,
                      count(*) as events, sum(raw_value) as raw_value
               from intermediate.int_usage_metric_values
               where metric_code in (select distinct metric_code from floor)
               group by all"""
        )
        mismatched = con.execute(
            """select count(*) from floor
               full outer join pipeline
                   on floor.customer_id = pipeline.customer_id
                   and floor.usage_date = pipeline.usage_date
                   and floor.metric_code = pipeline.metric_code
               where floor.events is distinct from pipeline.events
                   or floor.raw_value is distinct from pipeline.raw_value"""
        ).fetchone()[0]
        totals = {
            metric: {"events": int(events), "raw_value": str(value)}
            for metric, events, value in con.execute(
                """select metric_code, sum(events), sum(raw_value) from pipeline
                   group by all order by all"""
            ).fetchall()
        }
        floor_totals = {
            metric: {"events": int(events), "raw_value": str(value)}
            for metric, events, value in con.execute(
                "select metric_code, sum(events), sum(raw_value) from floor group by all order by all"
            ).fetchall()
        }
        staged = con.execute(
            "select count(*), count(distinct (event_source, event_id)) "
            "from staging.stg_landing__usage_events"
        ).fetchone()
        accepted = con.execute("select count(*) from intermediate.int_usage_events").fetchone()[0]
        pandas_mismatched = None
        if other is not None:
            # pandas sums floats: equal to the floor within 1e-6 of each value
            pandas_mismatched = con.execute(
                f"""select count(*) from floor
                    full outer join read_parquet('{other}') as other
                        on floor.customer_id = other.customer_id
                        and floor.usage_date = other.usage_date
                        and floor.metric_code = other.metric_code
                    where floor.events is distinct from other.events
                        or abs(cast(floor.raw_value as double) - other.raw_value) > 1e-6
                        or other.raw_value is null or floor.raw_value is null"""
            ).fetchone()[0]
    finally:
        con.close()
    return {
        "staged_records": staged[0],
        "staged_distinct_events": staged[1],
        "accepted_events": accepted,
        "pipeline_daily_rows_not_equal_to_floor": mismatched,
        "pandas_daily_rows_not_equal_to_floor": pandas_mismatched,
        "pipeline_totals": totals,
        "floor_totals": floor_totals,
    }


def _move_tree(source: Path, target: Path) -> list[Path]:
    """Move every file of `source` to the same relative place under `target`."""
    moved = []
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)
        moved.append(destination)
    return moved


def _targets(full: Phase, floor: Phase, incremental: Phase, pandas: Phase) -> dict:
    def verdict(passed: bool | None, measured: str) -> dict:
        status = "not measured" if passed is None else "pass" if passed else "fail"
        return {"status": status, "measured": measured}

    ratio = full.seconds / floor.seconds if floor.seconds else None
    share = incremental.seconds / full.seconds if full.seconds and not incremental.skipped else None
    pandas_ran = pandas.skipped is None
    return {
        "full_within_2x_floor": verdict(ratio is not None and ratio <= 2, f"{ratio:.1f}x"),
        "peak_rss_under_12_gib": verdict(
            full.peak_rss_bytes < 12 * GIB, f"{full.peak_rss_bytes / GIB:.2f} GiB"
        ),
        "one_day_under_10pct": verdict(
            None if share is None else share < 0.10,
            f"{share:.1%}" if share is not None else f"incremental {incremental.skipped}",
        ),
        "faster_than_pandas": verdict(
            full.seconds < pandas.seconds if pandas_ran else None,
            f"{full.seconds:.1f} s vs {pandas.seconds:.1f} s"
            if pandas_ran
            else f"pandas skipped: {pandas.skipped}",
        ),
    }


def _machine() -> dict:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(memory / GIB, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def check_disk(events: int, folder: Path) -> None:
    """Stop before the pipeline when `folder`'s disk cannot hold the bench warehouse.

    The 100M attempt of 2026-11-23 ran for 40 minutes before DuckDB found the disk full;
    this names the shortfall before the first step."""
    needed = events * WAREHOUSE_BYTES_PER_EVENT
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise RuntimeError(
            f"{folder}: {free / 1e9:.1f} GB free, but a warehouse of {events:,} events takes "
            f"about {needed / 1e9:.1f} GB ({WAREHOUSE_BYTES_PER_EVENT} bytes an event, "
            "measured at 10M), before what a first build spills; free some space or pass "
            "--out on a larger disk"
        )


def run_bench(
    events: int,
    days: int = 90,
    customers: int = 120,
    seed: int = 42,
    out_dir: Path | None = None,
    pandas_max_events: int = PANDAS_MAX_EVENTS,
) -> dict:
    """Run every phase and return the report (also written as JSON under `out_dir`)."""
    out_dir = Path(out_dir or settings.warehouse_path().parent / "bench").resolve()
    work = out_dir / f"run_{events}_{days}d"
    os.environ.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance: no run history kept
    os.environ["DO_NOT_TRACK"] = "1"
    with RssSampler() as sampler:
        sampler.reset()
        started = time.perf_counter()
        landing = reusable_landing(work, events, days, customers, seed)
        reused = landing is not None
        if landing is None:
            landing = write_bench_landing(work, events, days, customers, seed)
        generation = Phase("generate", time.perf_counter() - started, sampler.peak())
        generation.rows = landing.events_written + landing.next_day_events
        # the default file name: dbt's partial-parse file then serves this warehouse too
        # (orchestration/lib/dbt_state.py); another name is another dbt database, a full parse
        warehouse = work / "warehouse" / settings.DEFAULT_WAREHOUSE.name
        shutil.rmtree(warehouse.parent, ignore_errors=True)
        warehouse.parent.mkdir(parents=True)
        check_disk(landing.events_written + landing.next_day_events, warehouse.parent)

        full = _pipeline(
            "full", landing.landing, warehouse, landing.as_of, landing.events_written, sampler
        )
        floor_out, pandas_out = work / "floor_daily.parquet", work / "pandas_daily.parquet"
        floor = _baseline("floor", landing.landing, floor_out, landing.events_written, sampler)
        pandas = _pandas(landing, pandas_out, pandas_max_events, sampler)
        check = _daily_totals_check(
            warehouse, floor_out, pandas_out if pandas.skipped is None else None
        )

        moved = _move_tree(landing.next_day, landing.landing)
        try:
            next_as_of = _plus_day(landing.as_of)
            try:
                incremental = _pipeline(
                    "incremental",
                    landing.landing,
                    warehouse,
                    next_as_of,
                    landing.next_day_events,
                    sampler,
                )
                check["after_incremental"] = _incremental_counts(warehouse)
            except RuntimeError as error:  # keep the full run's figures
                incremental = Phase("incremental", 0.0, 0, landing.next_day_events)
                incremental.skipped = f"failed: {str(error)[:500]}"
        finally:
            # put the day back so the landing directory can be reused by the next bench
            for path in moved:
                _move_tree_file(path, landing.landing, landing.next_day)
    report = _report(landing, reused, generation, full, floor, incremental, pandas, check)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = out_dir / f"bench_{events}_{days}d_{stamp}.json"
    text = json.dumps(report, indent=1) + "\n"
    path.write_text(text, encoding="utf-8")
    (out_dir / "latest.json").write_text(text, encoding="utf-8")
    report["json_path"] = str(path)
    return report


def _move_tree_file(path: Path, source_root: Path, target_root: Path) -> None:
    destination = target_root / path.relative_to(source_root)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(path, destination)


def _plus_day(as_of: str) -> str:
    moment = settings.parse_as_of(as_of) + timedelta(days=1)
    return settings.format_as_of(moment)


def _pandas(landing: BenchLanding, out: Path, limit: int, sampler: RssSampler) -> Phase:
    if landing.events_written > limit:
        reason = (
            f"{landing.events_written:,} events > --pandas-max-events {limit:,} "
            "(pandas needs about 1 KB per event in memory)"
        )
        return Phase("pandas", 0.0, 0, landing.events_written, skipped=reason)
    return _baseline("pandas", landing.landing, out, landing.events_written, sampler)


def _incremental_counts(warehouse: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        loads = con.execute(
            "select load_id, rows_read from raw.landing_loads order by load_id"
        ).fetchall()
        staged_by_load = dict(
            con.execute(
                "select load_id, count(*) from staging.stg_landing__usage_events group by all"
            ).fetchall()
        )
        accepted = con.execute("select count(*) from intermediate.int_usage_events").fetchone()[0]
    finally:
        con.close()
    last_load = loads[-1][0] if loads else None
    return {
        "loads": len(loads),
        "last_load_rows_read": loads[-1][1] if loads else 0,
        "last_load_usage_records_staged": staged_by_load.get(last_load, 0),
        "accepted_events": accepted,
    }


def _report(
    landing: BenchLanding,
    reused: bool,
    generation: Phase,
    full: Phase,
    floor: Phase,
    incremental: Phase,
    pandas: Phase,
    check: dict,
) -> dict:
    return {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": _machine(),
        "parameters": {
            "events": landing.events_requested,
            "days": landing.days,
            "customers": landing.customers,
            "seed": landing.seed,
        },
        "landing": {**landing.to_json(), "reused": reused},
        "generation": generation.to_json(),
        "full": full.to_json(),
        "floor": floor.to_json(),
        "incremental": incremental.to_json(),
        "pandas": pandas.to_json(),
        "ratios": {
            "full_over_floor": _ratio(full.seconds, floor.seconds),
            "incremental_share_of_full": None
            if incremental.skipped
            else _ratio(incremental.seconds, full.seconds),
            "full_over_pandas": None if pandas.skipped else _ratio(full.seconds, pandas.seconds),
            "floor_over_pandas": None if pandas.skipped else _ratio(floor.seconds, pandas.seconds),
        },
        "targets": _targets(full, floor, incremental, pandas),
        "consistency": check,
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


# ---------------------------------------------------------------- the printed table


def format_report(report: dict) -> str:
    p, landing = report["parameters"], report["landing"]
    lines = [
        f"usage-billing bench: {landing['events_written']:,} usage events "
        f"({landing['unique_events']:,} distinct) over {p['days']} days, "
        f"{p['customers']} customers; one more day: {landing['next_day_events']:,} events",
        f"machine: {report['machine']['cpus']} CPUs, {report['machine']['memory_gib']} GiB; "
        f"landing {'reused' if landing['reused'] else 'generated'} in "
        f"{report['generation']['seconds']:.1f} s at {landing['landing']}",
        "",
        f"{'phase / stage':<56}{'seconds':>10}{'rows/s':>14}{'peak RSS':>12}",
    ]

    def row(name: str, seconds: float, rate: float | None, rss: float | None) -> str:
        rate_text = f"{rate:,.0f}" if rate else ""
        rss_text = f"{rss:.2f} GiB" if rss is not None else ""
        return f"{name:<56}{seconds:>10.1f}{rate_text:>14}{rss_text:>12}"

    for key in ("full", "incremental"):
        phase = report[key]
        if phase["skipped"]:
            lines.append(f"{key + ' pipeline':<56}{'FAILED':>10}  {phase['skipped']}")
            continue
        lines.append(
            row(
                f"{key} pipeline", phase["seconds"], phase["rows_per_second"], phase["peak_rss_gib"]
            )
        )
        for stage, figures in phase["stages"].items():
            lines.append(row(f"  {stage}", figures["seconds"], figures["rows_per_second"], None))
    for key in ("floor", "pandas"):
        phase = report[key]
        if phase["skipped"]:
            lines.append(f"{key:<56}{'skipped':>10}  {phase['skipped']}")
        else:
            lines.append(
                row(key, phase["seconds"], phase["rows_per_second"], phase["peak_rss_gib"])
            )
    ratios = report["ratios"]
    lines += ["", "ratios: " + ", ".join(f"{k} {v}" for k, v in ratios.items() if v is not None)]
    lines.append(
        "slowest dbt nodes (full run): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in report["full"]["slowest_nodes"].items())
    )
    lines += ["", "targets (issue 8, stated for 100M events):"]
    for key, verdict in report["targets"].items():
        lines.append(f"  {verdict['status'].upper():<14}{TARGETS[key]}: {verdict['measured']}")
    check = report["consistency"]
    lines += [
        "",
        f"consistency: staged {check['staged_records']:,} records, "
        f"{check['accepted_events']:,} accepted events; daily rows differing from the floor: "
        f"pipeline {check['pipeline_daily_rows_not_equal_to_floor']}, "
        f"pandas {check['pandas_daily_rows_not_equal_to_floor']}",
    ]
    if "json_path" in report:
        lines.append(f"JSON: {report['json_path']}")
    return "\n".join(lines)
