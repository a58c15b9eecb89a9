"""A deterministic generator of a realistic landing directory (see landing-contract.md).

`generate(out_dir)` writes every folder of the landing contract: customers and their
subscription lifecycle, a day-by-day CloudEvents usage log shaped by behaviour
archetypes, negotiated rate cards, hourly real-time counters, product events and an
empty review-decision file, plus deliberately bad records at known locations. The same
arguments give byte-identical files. `_generator_summary.json` (ignored by the landing
reader) says where every injected record is.

Layout of the work: generator_plan.py draws customers, subscriptions and expected
volumes; generator_usage.py samples and formats a day's usage; generator_inject.py
places bad records; generator_product.py draws product events; generator_io.py writes.
"""

from __future__ import annotations

import bisect
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from orchestration.lib.generator_inject import (
    QUARANTINE_REASONS,
    DayContext,
    InjectionPlan,
    Insert,
    Planned,
    build_insert,
    plan_injections,
)
from orchestration.lib.generator_io import AsyncWriter, RecordFile, truncated_gzip, write_csv
from orchestration.lib.generator_plan import DAY, HOUR, Customer, Plan, build_plan
from orchestration.lib.generator_product import ProductShape, product_day, product_line
from orchestration.lib.generator_usage import (
    API,
    DayEvents,
    DayLabels,
    HourTotals,
    LineChunk,
    RowChunk,
    Strings,
    counter_rows,
    dump_record,
    fields_to_row,
    format_quantity,
    hour_totals,
    iso_utc,
    line_array,
    pick_drift_hour,
    row_table,
    row_to_fields,
    sample_day,
    with_last_minute_request,
)

CONTRACT_FOLDERS = (
    "customers",
    "subscription_events",
    "usage_events",
    "contract_rates",
    "realtime_counters",
    "product_events",
    "review_decisions",
)
CUSTOMER_COLUMNS = (
    "customer_id",
    "customer_name",
    "email",
    "country",
    "currency",
    "billing_timezone",
    "acquisition_channel",
    "signed_up_at",
    "updated_at",
)
SUBSCRIPTION_COLUMNS = (
    "event_id",
    "subscription_id",
    "customer_id",
    "event_type",
    "plan_id",
    "contract_price",
    "effective_at",
    "recorded_at",
)
CONTRACT_RATE_COLUMNS = (
    "customer_id",
    "metric_code",
    "charge_model",
    "band_index",
    "up_to",
    "unit_amount",
    "flat_amount",
    "package_size",
    "included_quantity",
    "effective_from",
)
COUNTER_COLUMNS = ("customer_id", "metric_code", "window_start", "quantity", "emitted_at")
REVIEW_COLUMNS = ("customer_id", "period_start", "decision", "note", "decided_by", "decided_at")
SUMMARY_FILE = "_generator_summary.json"
CHUNK = 100_000  # events formatted and compressed at a time (bounds memory)
PLAIN_JSONL_DAY_OF_MONTH = 15


@dataclass
class GenerationSummary:
    """What a run wrote: counts per folder and the deliberately bad records."""

    out_dir: Path
    files_written: dict[str, int]
    rows_written: dict[str, int]
    usage_events_written: int
    usage_events_clean: int
    injected: dict[str, int]
    range_start: str
    range_end: str
    latest_timestamp: str
    suggested_as_of: str
    corrupt_file: str | None = None

    def to_text(self) -> str:
        lines = [
            f"Landing data written to {self.out_dir}",
            f"  range {self.range_start} .. {self.range_end} (exclusive); latest timestamp "
            f"{self.latest_timestamp}; suggested --as-of {self.suggested_as_of}",
            f"  {'folder':<22}{'files':>8}{'rows':>14}",
        ]
        for folder in CONTRACT_FOLDERS:
            lines.append(
                f"  {folder:<22}{self.files_written.get(folder, 0):>8}"
                f"{self.rows_written.get(folder, 0):>14,}"
            )
        lines.append(
            f"  usage events written: {self.usage_events_written:,} "
            f"({self.usage_events_clean:,} clean and distinct)"
        )
        bad = ", ".join(f"{reason} {count}" for reason, count in self.injected.items())
        lines.append(f"  injected on purpose: {bad}")
        if self.corrupt_file:
            lines.append(f"  unreadable file on purpose: {self.corrupt_file}")
        lines.append(f"  locations of every injected record: {self.out_dir / SUMMARY_FILE}")
        return "\n".join(lines)


@dataclass
class _Run:
    """Accumulators of one generation run."""

    plan: Plan
    out_dir: Path
    writer: AsyncWriter
    injections: InjectionPlan
    strings: Strings
    product_shape: ProductShape
    files: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    bad: list[dict] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)
    drift: list[dict] = field(default_factory=list)
    counters: list[tuple] = field(default_factory=list)
    products: list[tuple] = field(default_factory=list)
    deferred: list[Planned] = field(default_factory=list)
    carry: dict | None = None
    carry_day: int = -2
    fresh: list[int] = field(default_factory=lambda: [0])
    usage_written: int = 0
    usage_clean: int = 0
    latest: int = 0
    sample_lines: list[str] = field(default_factory=list)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.out_dir).as_posix()

    def seen(self, ts: int) -> None:
        self.latest = max(self.latest, int(ts))


# ---------------------------------------------------------------- public entry point


def generate(
    out_dir: Path,
    customers: int = 120,
    months: int = 22,
    seed: int = 42,
    events_per_day: float = 1.0,
    corrupt_file: bool = False,
    start_month: str = "2025-01",
    *,
    overwrite: bool = False,
) -> GenerationSummary:
    """Write a landing directory; the same arguments give byte-identical files.

    `events_per_day` multiplies the usage volume (1.0: the demo volume, about 11.5 million
    usage events over 22 months with 120 customers, most of them from two orchestrators).
    Usage is generated for whole UTC days from the first day of `start_month` up to the
    end of its `months`-th month. Refuses to write over landing files already in
    `out_dir` unless `overwrite` is true, which first empties the contract folders.
    """
    _validate(customers, months, events_per_day)
    out_dir = Path(out_dir)
    _prepare(out_dir, overwrite)
    plan = build_plan(customers, months, seed, events_per_day, start_month)
    with AsyncWriter() as writer:
        run = _Run(
            plan=plan,
            out_dir=out_dir,
            writer=writer,
            injections=plan_injections(plan),
            strings=Strings.of(plan),
            product_shape=ProductShape.of(plan),
        )
        for day in range(plan.range.n_days):
            _usage_day(run, day)
            _product_events(run, day)
            if _is_month_end(plan, day):
                _flush_month(run, day)
        corrupt = _corrupt_file(run) if corrupt_file else None
    _write_customers(run)
    _write_subscriptions(run)
    _write_contract_rates(run)
    _write_review_decisions(run)
    return _finish(run, customers, months, seed, events_per_day, corrupt, start_month)


def write_reference_files(plan: Plan, out_dir: Path) -> dict[str, int]:
    """The CSV folders of `plan` only (customers, subscription events, contract rates and
    an empty review-decision file); rows written per folder. The benchmark
    (bench_landing.py) writes its own Parquet usage events beside them."""
    with AsyncWriter() as writer:
        run = _Run(
            plan=plan,
            out_dir=Path(out_dir),
            writer=writer,
            injections=plan_injections(plan),
            strings=Strings.of(plan),
            product_shape=ProductShape.of(plan),
        )
    _write_customers(run)
    _write_subscriptions(run)
    _write_contract_rates(run)
    _write_review_decisions(run)
    return dict(run.rows)


def _validate(customers: int, months: int, events_per_day: float) -> None:
    if customers < 3:
        raise ValueError("customers must be at least 3")
    if months < 1:
        raise ValueError("months must be at least 1")
    if not events_per_day > 0:
        raise ValueError("events_per_day must be positive")


def _prepare(out_dir: Path, overwrite: bool) -> None:
    taken = [
        out_dir / folder
        for folder in CONTRACT_FOLDERS
        if (out_dir / folder).is_dir() and any((out_dir / folder).rglob("*"))
    ]
    if taken and not overwrite:
        raise FileExistsError(
            f"{out_dir} already holds landing files ({taken[0].name}/); "
            "choose an empty directory or overwrite it"
        )
    for folder in taken:
        shutil.rmtree(folder)
    (out_dir / SUMMARY_FILE).unlink(missing_ok=True)
    out_dir.mkdir(parents=True, exist_ok=True)


def _labels(plan: Plan, day: int) -> DayLabels:
    start = plan.range.start + day * DAY
    iso = iso_utc(start)[:10]
    return DayLabels(compact=iso.replace("-", ""), iso=iso, start=start)


def _is_month_end(plan: Plan, day: int) -> bool:
    tr = plan.range
    return day == tr.n_days - 1 or tr.month_of_day(day) != tr.month_of_day(day + 1)


# ---------------------------------------------------------------- usage, one day


def _drop_from_hour(events: DayEvents, key: int, rng: np.random.Generator) -> DayEvents:
    """Lose 30-60 % (at least one) of a customer-hour's requests from the batch log."""
    in_hour = np.flatnonzero(
        (events.etype == API) & (events.cust.astype(np.int64) * 24 + events.t // HOUR == key)
    )
    lost = rng.choice(
        in_hour, size=max(1, int(len(in_hour) * rng.uniform(0.3, 0.6))), replace=False
    )
    keep = np.ones(len(events), dtype=bool)
    keep[lost] = False
    return events.take(np.flatnonzero(keep))


def _drift_and_counters(
    run: _Run, day: int, events: DayEvents, labels: DayLabels, rng: np.random.Generator
) -> DayEvents:
    """Counters from the stream; the batch log loses events in 'missing' drift hours."""
    if day < run.injections.counter_first_day:
        return events
    batch = events
    kinds: dict[int, str] = {}
    for kind in run.injections.drift.get(day, []):
        key = pick_drift_hour(batch, run.plan, rng, set(kinds))
        if key is None:
            continue
        kinds[key] = kind
        if kind == "missing_from_batch":
            batch = _drop_from_hour(batch, key, rng)
    stream = hour_totals(events)
    doubled = {key for key, kind in kinds.items() if kind == "double_counted_in_stream"}
    rows = counter_rows(stream, doubled, set(kinds), run.plan, labels, rng)
    run.counters.extend(rows)
    if kinds:
        _record_drift(run, kinds, stream, hour_totals(batch), labels)
    return batch


def _hour_value(totals: HourTotals, key: int, values: str) -> int:
    where = np.flatnonzero(totals.keys == key)
    return int(getattr(totals, values)[where[0]]) if len(where) else 0


def _record_drift(
    run: _Run, kinds: dict[int, str], stream: HourTotals, batch: HourTotals, labels: DayLabels
) -> None:
    for key, kind in sorted(kinds.items()):
        for metric, values in (("api_requests", "requests"), ("bandwidth_gb", "nbytes")):
            batch_value = _hour_value(batch, key, values)
            factor = 2 if kind == "double_counted_in_stream" else 1
            counter_value = _hour_value(stream, key, values) * factor
            run.drift.append(
                {
                    "kind": kind,
                    "customer_id": run.plan.customers[key // 24].customer_id,
                    "metric_code": metric,
                    "window_start": iso_utc(labels.start + (key % 24) * HOUR),
                    "batch_quantity": format_quantity(metric, batch_value),
                    "counter_quantity": format_quantity(metric, counter_value),
                }
            )


def _usage_path(run: _Run, labels: DayLabels, day: int) -> Path:
    if _is_month_end(run.plan, day):
        suffix = ".parquet"
    elif labels.iso.endswith(f"-{PLAIN_JSONL_DAY_OF_MONTH:02d}"):
        suffix = ".jsonl"
    else:
        suffix = ".jsonl.gz"
    year, month = labels.iso[:4], labels.iso[5:7]
    return run.out_dir / "usage_events" / year / month / f"{labels.iso}{suffix}"


def _plan_inserts(run: _Run, ctx: DayContext, day: int) -> tuple[list[Insert], dict[int, str]]:
    planned = run.deferred + run.injections.by_day.get(day, [])
    run.deferred = []
    inserts: list[Insert] = []
    variants: dict[int, str] = {}
    for item in planned:
        built = build_insert(ctx, item)
        if isinstance(built, int) and built not in variants:
            variants[built] = item.reason
        elif isinstance(built, Insert):
            inserts.append(built)
        elif day + 1 < run.plan.range.n_days:
            run.deferred.append(item)
    inserts.sort(key=lambda ins: (ins.pos, ins.order))
    return inserts, variants


def _usage_day(run: _Run, day: int) -> None:
    plan = run.plan
    rng = np.random.default_rng([plan.seed, 1, day])
    labels = _labels(plan, day)
    events = sample_day(plan, day, rng)
    if day in run.injections.last_minute_days:
        events = with_last_minute_request(plan, day, events, rng)
    events = _drift_and_counters(run, day, events, labels, rng)
    customers, lo, hi = plan.windows(day)
    path = _usage_path(run, labels, day)
    ctx = DayContext(
        plan=plan,
        day=day,
        labels=labels,
        events=events,
        customers=customers,
        lo=lo,
        hi=hi,
        parquet=path.suffix == ".parquet",
        carry=run.carry if run.carry_day == day - 1 else None,
        rng=rng,
        fresh=run.fresh,
    )
    inserts, variants = _plan_inserts(run, ctx, day)
    if not len(events) and not inserts:
        run.carry = None
        return
    _write_usage_file(run, ctx, path, inserts, variants)


class _DayFileWriter:
    """Formats a day's events chunk by chunk and splices in inserts and valid variants."""

    def __init__(
        self,
        run: _Run,
        ctx: DayContext,
        path: Path,
        inserts: list[Insert],
        variants: dict[int, str],
    ) -> None:
        self.run, self.ctx, self.path = run, ctx, path
        self.inserts, self.variants = inserts, variants
        self.positions = [ins.pos for ins in inserts]
        self.parquet = ctx.parquet
        self.captured: dict[int, str | tuple] = {}
        api = np.flatnonzero(ctx.events.etype == API)
        self.carry_picks = (
            {"last": int(api[-1]), "random": int(api[int(ctx.rng.integers(len(api)))])}
            if len(api)
            else {}
        )
        self.wanted = {ins.original for ins in inserts if ins.original >= 0}
        self.wanted |= set(self.carry_picks.values())
        # edits in file order: inserts go before clean event `pos`, variants replace it
        edits = [(ins.pos, 0, ins.order, ins) for ins in inserts]
        edits += [(j, 1, 0, j) for j in variants]
        self.edits = sorted(edits, key=lambda edit: edit[:3])

    def location(self, number: int) -> dict:
        return {"file": self.run.relative(self.path), ("row" if self.parquet else "line"): number}

    def clean_number(self, j: int) -> int:
        return j + 1 + bisect.bisect_right(self.positions, j)

    def _vary(self, record: str | tuple, j: int, kind: str) -> str | tuple:
        nbytes = self.ctx.events.nbytes[j]
        if kind == "number_as_string":
            old, new = f'"response_bytes":{nbytes},', f'"response_bytes":"{nbytes}",'
            if self.parquet:
                return (*record[:6], record[6].replace(old, new, 1))
            return record.replace(old, new, 1)
        if self.parquet:
            return (*record[:5], record[5][:-1], record[6])
        return record.replace('Z","data":', '","data":', 1)

    def _fields(self, record: str | tuple) -> dict:
        return row_to_fields(record) if isinstance(record, tuple) else json.loads(record)

    def _resolve(self, ins: Insert) -> str | tuple:
        record = ins.record
        if ins.original >= 0:
            copied = self.captured[ins.original]
            ins.meta["original"] = self.location(self.clean_number(ins.original))
            fields = self._fields(copied)
            ins.meta.update(id=fields.get("id"), customer_id=fields.get("subject"))
            if ins.transform is None:
                return copied
            record = ins.transform(fields)
        if isinstance(record, str):
            return fields_to_row(json.loads(record)) if self.parquet else record
        ins.meta.setdefault("id", record.get("id"))
        ins.meta.setdefault("customer_id", record.get("subject"))
        return fields_to_row(record) if self.parquet else dump_record(record)

    def _chunk(self, a: int, b: int) -> tuple[LineChunk | RowChunk, dict[int, str | tuple]]:
        ev, ctx = self.ctx.events, self.ctx
        if self.parquet:
            chunk = RowChunk(row_table(ev, self.run.strings, ctx.labels, a, b))
        else:
            chunk = LineChunk(line_array(ev, self.run.strings, ctx.labels, a, b))
        varied = {
            j: self._vary(chunk.get(j - a), j, kind)
            for j, kind in self.variants.items()
            if a <= j < b
        }
        for j in (j for j in self.wanted if a <= j < b):
            self.captured[j] = varied[j] if j in varied else chunk.get(j - a)
        if a == 0 and b > 0:
            sample = [chunk.get(j) for j in range(min(b, 200))]
            self.run.sample_lines = [
                line if isinstance(line, str) else dump_record(row_to_fields(line))
                for line in sample
            ]
        return chunk, varied

    def write(self) -> None:
        n = len(self.ctx.events)
        out_file = RecordFile(self.run.writer, self.path)
        k = 0
        for a in range(0, max(n, 1), CHUNK):
            b = min(n, a + CHUNK)
            chunk, varied = self._chunk(a, b)
            pieces: list[object] = []
            prev = a
            while k < len(self.edits) and (self.edits[k][0] < b or b == n):
                pos, is_variant, _, target = self.edits[k]
                if pos > prev:
                    pieces.append(chunk.run(prev - a, pos - a))
                if is_variant:
                    pieces.append(varied[target])
                    prev = pos + 1
                else:
                    pieces.append(self._resolve(target))
                    prev = pos
                k += 1
            if b > prev:
                pieces.append(chunk.run(prev - a, b - a))
            out_file.write(pieces)
        out_file.close()

    def carry(self) -> dict | None:
        picks = {}
        for key, j in self.carry_picks.items():
            record = self.captured[j]
            picks[key] = {
                "raw": None if self.parquet else record,
                "fields": self._fields(record),
                "location": self.location(self.clean_number(j)),
            }
        return picks or None


def _write_usage_file(
    run: _Run, ctx: DayContext, path: Path, inserts: list[Insert], variants: dict[int, str]
) -> None:
    day_file = _DayFileWriter(run, ctx, path, inserts, variants)
    day_file.write()
    for k, ins in enumerate(inserts):
        entry = {"reason": ins.meta.pop("reason"), **day_file.location(ins.pos + k + 1), **ins.meta}
        run.bad.append(entry)
    for j, kind in sorted(variants.items()):
        run.variants.append(
            {
                "kind": kind,
                **day_file.location(day_file.clean_number(j)),
                "id": f"ev-{ctx.labels.compact}-{j:08d}",
            }
        )
    run.carry, run.carry_day = day_file.carry(), ctx.day
    n = len(ctx.events)
    run.files["usage_events"] += 1
    run.rows["usage_events"] += n + len(inserts)
    run.usage_written += n + len(inserts)
    run.usage_clean += n
    if n:
        run.seen(ctx.labels.start + int(ctx.events.t[-1]))


# ---------------------------------------------------------------- monthly files


def _product_events(run: _Run, day: int) -> None:
    rows = product_day(
        run.plan, run.product_shape, day, _labels(run.plan, day), run.strings.user_list
    )
    run.products.extend(rows)


def _flush_month(run: _Run, day: int) -> None:
    labels = _labels(run.plan, day)
    year, month = labels.iso[:4], labels.iso[5:7]
    tr = run.plan.range
    if run.products:
        first_month, last_month = tr.month_of_day(0), tr.month_of_day(tr.n_days - 1)
        this_month = (int(year), int(month))
        suffix = (
            ".parquet"
            if this_month == last_month
            else ".jsonl"
            if this_month == first_month
            else ".jsonl.gz"
        )
        out = RecordFile(
            run.writer, run.out_dir / "product_events" / year / f"{year}-{month}{suffix}"
        )
        out.write(run.products if out.is_parquet else [product_line(r) for r in run.products])
        out.close()
        run.files["product_events"] += 1
        run.rows["product_events"] += len(run.products)
        run.seen(_parse_utc(run.products[-1][5]))
        run.products = []
    if run.counters:
        run.counters.sort()
        rows = [
            (customer, metric, iso_utc(window), quantity, iso_utc(emitted))
            for window, customer, metric, emitted, quantity in run.counters
        ]
        path = run.out_dir / "realtime_counters" / f"{year}-{month}.csv"
        run.rows["realtime_counters"] += write_csv(path, COUNTER_COLUMNS, rows)
        run.files["realtime_counters"] += 1
        run.seen(max(row[3] for row in run.counters))
        run.counters = []


def _parse_utc(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def _corrupt_file(run: _Run) -> str:
    labels = _labels(run.plan, run.plan.range.n_days - 1)
    path = (
        run.out_dir
        / "usage_events"
        / labels.iso[:4]
        / labels.iso[5:7]
        / f"{labels.iso}-redelivery.jsonl.gz"
    )
    lines = run.sample_lines or [
        '{"specversion":"1.0","id":"ev-0","source":"//x",'
        '"type":"api.request","subject":"cus_00001",'
        '"time":"2025-01-01T00:00:00Z","data":{}}'
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(truncated_gzip(lines * max(1, 400 // len(lines))))
    run.files["usage_events"] += 1
    return run.relative(path)


# ---------------------------------------------------------------- CSV folders


def _local_iso(ts: int, timezone: str) -> str:
    return datetime.fromtimestamp(ts, ZoneInfo(timezone)).isoformat()


def _write_customers(run: _Run) -> None:
    rows = []
    for c in run.plan.customers:
        for version in c.versions:
            rows.append(
                (
                    version.updated_at,
                    c.customer_id,
                    (
                        c.customer_id,
                        version.name,
                        version.email,
                        version.country,
                        c.geo.currency,
                        c.timezone,
                        c.channel,
                        _local_iso(c.signed_up_at, c.timezone),
                        iso_utc(version.updated_at),
                    ),
                )
            )
            run.seen(version.updated_at)
    _write_monthly(run, "customers", CUSTOMER_COLUMNS, sorted(rows))


def _write_monthly(
    run: _Run, folder: str, header: tuple[str, ...], rows: list[tuple[int, str, tuple]]
) -> dict[str, list[tuple]]:
    """Rows (sort time, tie-break, values) into one CSV per UTC month of the sort time."""
    files: dict[str, list[tuple]] = {}
    for ts, _, values in rows:
        files.setdefault(iso_utc(ts)[:7], []).append(values)
    for month, values in files.items():
        path = run.out_dir / folder / f"{folder}_{month}.csv"
        run.rows[folder] += write_csv(path, header, values)
        run.files[folder] += 1
    return files


def _subscription_rows(run: _Run) -> list[tuple[int, str, list[str]]]:
    rows = []
    for c in run.plan.customers:
        local = c.index % 3 == 0 and c.timezone != "UTC"
        for sub in c.subscriptions:
            for number, event in enumerate(sub.events):
                effective = (
                    _local_iso(event.effective_at, c.timezone)
                    if local
                    else iso_utc(event.effective_at)
                )
                values = [
                    "",
                    sub.subscription_id,
                    c.customer_id,
                    event.event_type,
                    event.plan_id,
                    event.contract_price,
                    effective,
                    iso_utc(event.recorded_at),
                ]
                tie = f"{event.effective_at:012d}{sub.subscription_id}{number:03d}"
                rows.append((event.recorded_at, tie, values))
                run.seen(max(event.recorded_at, event.effective_at))
    return rows


def _enterprise_without_price(run: _Run) -> tuple[int, str, list[str]] | None:
    """An extra enterprise plan_changed row with no contract_price (missing_field)."""
    for c in run.plan.customers:
        for sub in c.subscriptions:
            for event, following in zip(sub.events, [*sub.events[1:], None], strict=True):
                if event.plan_id != "enterprise" or event.event_type == "canceled":
                    continue
                until = following.effective_at if following else sub.end
                moment = event.effective_at + (until - event.effective_at) // 2
                values = [
                    "",
                    sub.subscription_id,
                    c.customer_id,
                    "plan_changed",
                    "enterprise",
                    "",
                    iso_utc(moment),
                    iso_utc(moment + 45),
                ]
                return moment + 45, f"{moment:012d}{sub.subscription_id}999", values
    return None


def _write_subscriptions(run: _Run) -> None:
    rows = _subscription_rows(run)
    bad = _enterprise_without_price(run)
    if bad:
        rows.append(bad)
    rows.sort(key=lambda row: (row[0], row[1]))
    for number, (_, _, values) in enumerate(rows, start=1):
        values[0] = f"sev_{number:07d}"
    files = _write_monthly(
        run,
        "subscription_events",
        SUBSCRIPTION_COLUMNS,
        [(ts, tie, tuple(values)) for ts, tie, values in rows],
    )
    if bad:
        month = iso_utc(bad[0])[:7]
        line = files[month].index(tuple(bad[2])) + 2
        run.bad.append(
            {
                "reason": "missing_field",
                "file": f"subscription_events/subscription_events_{month}.csv",
                "line": line,
                "id": bad[2][0],
                "customer_id": bad[2][2],
                "detail": "enterprise plan_changed without contract_price",
            }
        )


def _write_contract_rates(run: _Run) -> None:
    cards = sorted(
        run.plan.rate_cards,
        key=lambda r: (r["customer_id"], r["effective_from"], int(r["band_index"])),
    )
    path = run.out_dir / "contract_rates" / "contract_rates.csv"
    run.rows["contract_rates"] += write_csv(
        path, CONTRACT_RATE_COLUMNS, ([r[k] for k in CONTRACT_RATE_COLUMNS] for r in cards)
    )
    run.files["contract_rates"] += 1


def _write_review_decisions(run: _Run) -> None:
    path = run.out_dir / "review_decisions" / "review_decisions.csv"
    run.rows["review_decisions"] += write_csv(path, REVIEW_COLUMNS, [])
    run.files["review_decisions"] += 1


# ---------------------------------------------------------------- summary


def _customer_digest(c: Customer) -> dict:
    return {
        "customer_id": c.customer_id,
        "archetype": c.archetype,
        "billing_timezone": c.timezone,
        "currency": c.geo.currency,
        "subscriptions": [
            {
                "subscription_id": s.subscription_id,
                "start": iso_utc(s.start),
                "end": iso_utc(s.end) if s.canceled else None,
                "plans": [e.plan_id for e in s.events if e.event_type != "canceled"],
            }
            for s in c.subscriptions
        ],
    }


def _finish(
    run: _Run,
    customers: int,
    months: int,
    seed: int,
    events_per_day: float,
    corrupt: str | None,
    start_month: str,
) -> GenerationSummary:
    tr = run.plan.range
    injected = {reason: 0 for reason in (*QUARANTINE_REASONS, "exact_duplicate")}
    for entry in run.bad:
        injected[entry["reason"]] += 1
    summary = GenerationSummary(
        out_dir=run.out_dir,
        files_written={f: run.files[f] for f in CONTRACT_FOLDERS},
        rows_written={f: run.rows[f] for f in CONTRACT_FOLDERS},
        usage_events_written=run.usage_written,
        usage_events_clean=run.usage_clean,
        injected=injected,
        range_start=iso_utc(tr.start),
        range_end=iso_utc(tr.end),
        latest_timestamp=iso_utc(run.latest),
        suggested_as_of=iso_utc(tr.end + 2 * DAY),
        corrupt_file=corrupt,
    )
    document = {
        "generator": "orchestration.lib.generator",
        "format_version": 1,
        "parameters": {
            "customers": customers,
            "months": months,
            "seed": seed,
            "events_per_day": events_per_day,
            "corrupt_file": corrupt is not None,
            "start_month": start_month,
        },
        "range": {
            "start": summary.range_start,
            "end": summary.range_end,
            "latest_timestamp": summary.latest_timestamp,
            "suggested_as_of": summary.suggested_as_of,
            "realtime_counters_from": iso_utc(tr.start + run.injections.counter_first_day * DAY),
        },
        "files_written": summary.files_written,
        "rows_written": summary.rows_written,
        "usage_events_written": summary.usage_events_written,
        "usage_events_clean": summary.usage_events_clean,
        "injected": injected,
        "injections": run.bad,
        "valid_variants": run.variants,
        "drift_hours": run.drift,
        "corrupt_file": corrupt,
        "review_decisions": "header only: decisions are made on a warehouse run's held invoices",
        "customers": [_customer_digest(c) for c in run.plan.customers],
    }
    text = json.dumps(document, indent=1, ensure_ascii=False, default=str) + "\n"
    (run.out_dir / SUMMARY_FILE).write_text(text, encoding="utf-8")
    return summary


__all__ = [
    "CONTRACT_FOLDERS",
    "GenerationSummary",
    "SUMMARY_FILE",
    "generate",
    "write_reference_files",
]
