"""The benchmark's landing directory: N usage events as Parquet, written in bounded memory.

It reuses the sample generator (generator_plan.py draws customers, subscriptions and
expected volumes; generator_usage.py samples a day and formats Parquet rows;
generator.write_reference_files writes the CSV folders) with two differences:
the volume multiplier is solved so that the first `days` days hold about `events`
usage events, and every day is one Parquet file with no injected bad records, so the
floor and pandas baselines can compute the same totals as the pipeline. A share of
each day's events is landed again, byte for byte, in the next day's file (exact
duplicates across midnight), so deduplication by (source, id) has work to do.

Day `days` (one more day) is written to `next_day/`, outside the landing directory:
the benchmark moves it in after the full run to measure an incremental run.
Memory is bounded by one day's sampled columns plus one chunk of formatted rows.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from orchestration.lib.generator import write_reference_files
from orchestration.lib.generator_io import AsyncWriter, RecordFile
from orchestration.lib.generator_plan import DAY, HOUR, Plan, build_plan, make_time_range
from orchestration.lib.generator_usage import (
    DayLabels,
    Strings,
    iso_utc,
    row_table,
    sample_day,
)

START_MONTH = "2026-01"
CHUNK = 250_000  # rows formatted and written at a time
DUPLICATE_SHARE = 0.005  # of a day's events, landed again in the next day's file
MANIFEST = "bench_landing.json"
NEXT_DAY = "next_day"


@dataclass
class BenchLanding:
    """What was written: the landing directory, the held-back day and the counts."""

    root: Path
    landing: Path
    next_day: Path
    events_requested: int
    days: int
    customers: int
    seed: int
    multiplier: float
    events_written: int  # rows in landing/usage_events (duplicates included)
    unique_events: int  # distinct (source, id) in landing/usage_events
    next_day_events: int  # rows in next_day/usage_events
    next_day_unique_new: int  # of those, (source, id) not already in landing
    first_day: str
    last_day: str  # exclusive end of the landed days
    as_of: str  # an hour after the last landed day, as a daily run would be
    reference_rows: dict[str, int]

    def to_json(self) -> dict:
        document = asdict(self)
        for key in ("root", "landing", "next_day"):
            document[key] = str(document[key])
        return document

    def to_manifest(self) -> dict:
        """The manifest beside the landing: its folders relative to it, so that the bench
        directory can move (another clone, another disk) and still be reused."""
        document = self.to_json()
        del document["root"]
        for key in ("landing", "next_day"):
            document[key] = getattr(self, key).relative_to(self.root).as_posix()
        return document

    @classmethod
    def from_manifest(cls, root: Path, document: dict) -> BenchLanding:
        fields = {key: value for key, value in document.items() if key != "root"}
        for key in ("landing", "next_day"):
            fields[key] = Path(root) / fields[key]
        return cls(root=Path(root), **fields)


def _months_for(days: int) -> int:
    months = 1
    while make_time_range(START_MONTH, months).n_days < days:
        months += 1
    return months


def _expected_counts(plan: Plan, days: int) -> tuple[float, float]:
    """Expected (api + compute events, storage snapshots) over the first `days` days."""
    scaled = fixed = 0.0
    for day in range(days):
        customers, lo, hi = plan.windows(day)
        share = (hi - lo) / DAY
        scaled += float(
            np.sum((plan.api_mean[customers, day] + plan.compute_mean[customers, day]) * share)
        )
        # four snapshots a day, at 00:04, 06:04, 12:04 and 18:04 (+ up to 15 min)
        slots = np.arange(4) * 6 * 3600 + 240
        held = plan.storage_level[customers, day] > 0
        inside = (slots[None, :] >= lo[:, None]) & (slots[None, :] < hi[:, None])
        fixed += float(np.sum(inside[held]))
    return scaled, fixed


def calibrated_plan(events: int, days: int, customers: int, seed: int) -> Plan:
    """A plan whose first `days` days hold about `events` rows (duplicates included)."""
    months = _months_for(days + 1)
    unit = build_plan(customers, months, seed, 1.0, START_MONTH)
    scaled, fixed = _expected_counts(unit, days)
    clean = events / (1 + DUPLICATE_SHARE)
    if scaled <= 0:
        raise ValueError("the plan has no usage in the requested days")
    multiplier = max((clean - fixed) / scaled, 1e-6)
    return build_plan(customers, months, seed, multiplier, START_MONTH)


def _labels(plan: Plan, day: int) -> DayLabels:
    start = plan.range.start + day * DAY
    iso = iso_utc(start)[:10]
    return DayLabels(compact=iso.replace("-", ""), iso=iso, start=start)


def _day_path(folder: Path, labels: DayLabels) -> Path:
    return folder / "usage_events" / labels.iso[:4] / labels.iso[5:7] / f"{labels.iso}.parquet"


def _write_day(
    writer: AsyncWriter,
    plan: Plan,
    strings: Strings,
    day: int,
    folder: Path,
    carried: pa.Table | None,
) -> tuple[int, int, pa.Table | None]:
    """One day's file: its events, then yesterday's re-landed copies.

    Returns (rows written, clean events, the copies to land again tomorrow).
    """
    rng = np.random.default_rng([plan.seed, 1, day])
    events = sample_day(plan, day, rng)
    labels = _labels(plan, day)
    n = len(events)
    picked = np.sort(rng.choice(n, size=int(n * DUPLICATE_SHARE), replace=False))
    copies: list[pa.Table] = []
    out = RecordFile(writer, _day_path(folder, labels))
    for a in range(0, n, CHUNK):
        b = min(n, a + CHUNK)
        table = row_table(events, strings, labels, a, b)
        out.write([table])
        mine = picked[(picked >= a) & (picked < b)] - a
        if len(mine):
            copies.append(table.take(pa.array(mine)))
    if carried is not None and carried.num_rows:
        out.write([carried])
    if not n and (carried is None or not carried.num_rows):
        out.write([row_table(events, strings, labels, 0, 0)])  # an empty, valid file
    out.close()
    rows = n + (carried.num_rows if carried is not None else 0)
    return rows, n, pa.concat_tables(copies) if copies else None


def write_bench_landing(
    root: Path, events: int, days: int, customers: int = 120, seed: int = 42
) -> BenchLanding:
    """Write `root/landing/` (days 0..days-1) and `root/next_day/` (day `days`)."""
    if events < 1 or days < 1:
        raise ValueError("events and days must be positive")
    root = Path(root)
    landing, next_day = root / "landing", root / NEXT_DAY
    for folder in (landing, next_day):
        if folder.exists():
            shutil.rmtree(folder)
    (root / MANIFEST).unlink(missing_ok=True)
    plan = calibrated_plan(events, days, customers, seed)
    strings = Strings.of(plan)
    written = unique = 0
    carried: pa.Table | None = None
    with AsyncWriter() as writer:
        for day in range(days + 1):
            folder = landing if day < days else next_day
            rows, clean, copies = _write_day(writer, plan, strings, day, folder, carried)
            if day < days:
                written, unique = written + rows, unique + clean
            else:
                next_rows, next_new = rows, clean
            carried = copies
    reference = write_reference_files(plan, landing)
    result = BenchLanding(
        root=root,
        landing=landing,
        next_day=next_day,
        events_requested=events,
        days=days,
        customers=customers,
        seed=seed,
        multiplier=plan.multiplier,
        events_written=written,
        unique_events=unique,
        next_day_events=next_rows,
        next_day_unique_new=next_new,
        first_day=iso_utc(plan.range.start)[:10],
        last_day=iso_utc(plan.range.start + days * DAY)[:10],
        as_of=iso_utc(plan.range.start + days * DAY + HOUR),
        reference_rows=reference,
    )
    (root / MANIFEST).write_text(
        json.dumps(result.to_manifest(), indent=1) + "\n", encoding="utf-8"
    )
    return result


def reusable_landing(
    root: Path, events: int, days: int, customers: int, seed: int
) -> BenchLanding | None:
    """The landing already written at `root` with the same parameters (generation is
    deterministic), if its next day has not been moved in yet."""
    manifest = Path(root) / MANIFEST
    if not manifest.exists():
        return None
    found = BenchLanding.from_manifest(root, json.loads(manifest.read_text(encoding="utf-8")))
    same = (found.events_requested, found.days, found.customers, found.seed) == (
        events,
        days,
        customers,
        seed,
    )
    return (
        found
        if same and found.next_day.is_dir() and any(found.next_day.rglob("*.parquet"))
        else None
    )
