"""Usage events of one UTC day: sampling, CloudEvents formatting and real-time counters.

A day's events are drawn as numpy columns (vectorized), sorted by time, and turned into
JSON lines with one %-format per event (no json.dumps in the hot loop). Bad records and
duplicates (generator_inject.py) are spliced in at known positions as the file is written.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.lib.generator_io import CLOUDEVENT_SCHEMA
from orchestration.lib.generator_plan import (
    DAY,
    ENDPOINT_MEDIAN_BYTES,
    ENDPOINTS,
    HOUR,
    USER_POOL,
    Plan,
)

API, STORAGE, COMPUTE = 0, 1, 2
EVENT_TYPES = ("api.request", "storage.snapshot", "compute.job_completed")
OK_CODES = np.array([200, 201, 204])
OK_CUMULATIVE = np.cumsum([0.9, 0.07, 0.03])[:-1]
ERROR_CODES = np.array([400, 401, 403, 404, 409, 422, 429, 500, 502, 503])
ERROR_CUMULATIVE = np.cumsum([0.22, 0.12, 0.06, 0.2, 0.03, 0.1, 0.12, 0.08, 0.04, 0.03])[:-1]
STATUS_CODES = np.concatenate([OK_CODES, ERROR_CODES])
STATUS_INDEX = np.zeros(STATUS_CODES.max() + 1, np.int64)
STATUS_INDEX[STATUS_CODES] = np.arange(len(STATUS_CODES))
ALMOST_ONE = 1.0 - 1e-9

HMS_LIST = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
HMS = pa.array(HMS_LIST)
HMS_DATA = pa.array([f'{hms}Z","data":' for hms in HMS_LIST])
# "<endpoint>","status_code":<code> for every endpoint and status code
ENDPOINT_STATUS = pa.array(
    [
        f'{endpoint}","status_code":{code}'
        for endpoint in ENDPOINTS
        for code in STATUS_CODES.tolist()
    ]
)
TYPE_TEXT = pa.array(EVENT_TYPES)
EMPTY_TEXT = pa.array([], pa.string())


def iso_utc(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def dump_record(fields: dict) -> str:
    """A CloudEvent as one compact JSON line (same bytes as the bulk templates)."""
    return json.dumps(fields, separators=(",", ":"))


@dataclass
class DayEvents:
    """The clean usage events of one day as columns, sorted by time."""

    t: np.ndarray  # seconds since the day's start
    cust: np.ndarray  # customer row in the plan
    etype: np.ndarray  # API, STORAGE, COMPUTE
    endpoint: np.ndarray
    status: np.ndarray
    nbytes: np.ndarray
    user: np.ndarray  # global user row: customer * USER_POOL + k
    gb: np.ndarray
    duration: np.ndarray

    def __len__(self) -> int:
        return len(self.t)

    def take(self, index: np.ndarray) -> DayEvents:
        return DayEvents(*(getattr(self, name)[index] for name in self.__dataclass_fields__))


@dataclass(frozen=True)
class Strings:
    """Per-customer strings as Arrow arrays, taken per event by the string kernels."""

    subject: pa.Array  # customer_id per customer row
    source: pa.Array  # (customer * 3 + kind): api, storage, compute sources
    user_tail: pa.Array  # (customer * USER_POOL + k): ',"user_id":"<user>"}'
    user_list: list[str]

    @classmethod
    def of(cls, plan: Plan) -> Strings:
        users = [""] * (plan.n_customers * USER_POOL)
        for c in plan.customers:
            users[c.index * USER_POOL : c.index * USER_POOL + len(c.users)] = c.users
        sources = [
            s for c in plan.customers for s in (c.api_source, c.storage_source, c.compute_source)
        ]
        return cls(
            subject=pa.array([c.customer_id for c in plan.customers]),
            source=pa.array(sources),
            user_list=users,
            user_tail=pa.array([f',"user_id":"{user}"}}' for user in users]),
        )

    def middle(self, kind: int, day_iso: str) -> pa.Array:
        """Per customer: the text between an event's id and its time of day."""
        sources = self.source.take(pa.array(np.arange(len(self.subject)) * 3 + kind))
        return pc.binary_join_element_wise(
            '","source":"',
            sources,
            f'","type":"{EVENT_TYPES[kind]}","subject":"',
            self.subject,
            f'","time":"{day_iso}T',
            "",
        )


# ---------------------------------------------------------------- sampling


def sample_seconds(
    plan: Plan,
    rng: np.random.Generator,
    local: np.ndarray,
    customers: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Event times: diurnal on full days, uniform inside a partial subscription window."""
    c = customers[local]
    n = len(c)
    hour = np.searchsorted(plan.hour_cum, c + rng.random(n) * ALMOST_ONE, side="right") - c * 24
    diurnal = np.clip(hour, 0, 23) * HOUR + rng.integers(0, HOUR, n)
    start, span = lo[local], (hi - lo)[local]
    uniform = start + (rng.random(n) * span).astype(np.int64)
    full = (lo == 0) & (hi == DAY)
    return np.where(full[local], diurnal, uniform)


def categorical(cum: np.ndarray, c: np.ndarray, width: int, rng: np.random.Generator) -> np.ndarray:
    """Index into the flattened per-customer table (customer * width + k)."""
    found = np.searchsorted(cum, c + rng.random(len(c)) * ALMOST_ONE, side="right")
    return np.clip(found, c * width, c * width + width - 1)


def _api_events(
    plan: Plan,
    rng: np.random.Generator,
    day: int,
    customers: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> DayEvents:
    mean = plan.api_mean[customers, day] * (hi - lo) / DAY
    drawn = rng.poisson(mean)
    counts = np.where(plan.deterministic[customers], np.rint(mean).astype(np.int64), drawn)
    local = np.repeat(np.arange(len(customers)), counts)
    c = customers[local]
    n = len(c)
    t = sample_seconds(plan, rng, local, customers, lo, hi)
    endpoint = categorical(plan.endpoint_cum, c, len(ENDPOINTS), rng) - c * len(ENDPOINTS)
    user = categorical(plan.user_cum, c, USER_POOL, rng)
    status = OK_CODES[np.searchsorted(OK_CUMULATIVE, rng.random(n), side="right")]
    failed = np.flatnonzero(rng.random(n) < plan.error_rate[c])
    status[failed] = ERROR_CODES[
        np.searchsorted(ERROR_CUMULATIVE, rng.random(len(failed)), side="right")
    ]
    size = np.asarray(ENDPOINT_MEDIAN_BYTES)[endpoint] * np.exp(rng.normal(0.0, 0.9, n))
    nbytes = np.where(status == 204, 0, size.astype(np.int64))
    nbytes[failed] = rng.integers(60, 700, len(failed))
    zeros = np.zeros(n)
    return DayEvents(
        t,
        c,
        np.full(n, API, np.int8),
        endpoint,
        status,
        nbytes,
        user,
        zeros,
        zeros.astype(np.int64),
    )


def _storage_events(
    plan: Plan,
    rng: np.random.Generator,
    day: int,
    customers: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> DayEvents:
    level = plan.storage_level[customers, day]
    local = np.repeat(np.flatnonzero(level > 0), 4)
    slot = np.tile(np.arange(4), len(local) // 4) * 6 * HOUR + 240
    t = slot + rng.integers(0, 900, len(local))
    inside = (t >= lo[local]) & (t < hi[local])
    local, t = local[inside], t[inside]
    n = len(t)
    gb = np.round(level[local] * (1.0 + rng.normal(0.0, 0.004, n)), 2)
    zeros = np.zeros(n, np.int64)
    return DayEvents(
        t, customers[local], np.full(n, STORAGE, np.int8), zeros, zeros, zeros, zeros, gb, zeros
    )


def _compute_events(
    plan: Plan,
    rng: np.random.Generator,
    day: int,
    customers: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> DayEvents:
    counts = rng.poisson(plan.compute_mean[customers, day] * (hi - lo) / DAY)
    local = np.repeat(np.arange(len(customers)), counts)
    c = customers[local]
    n = len(c)
    t = sample_seconds(plan, rng, local, customers, lo, hi)
    median = np.where(plan.deterministic[c], 900.0, 300.0)
    duration = np.maximum(1, (median * np.exp(rng.normal(0.0, 0.9, n))).astype(np.int64))
    zeros = np.zeros(n, np.int64)
    return DayEvents(
        t, c, np.full(n, COMPUTE, np.int8), zeros, zeros, zeros, zeros, np.zeros(n), duration
    )


def _merged(parts: list[DayEvents], n_customers: int) -> DayEvents:
    """Concatenated and sorted by (time, event type, customer), stably."""
    merged = DayEvents(
        *(
            np.concatenate([getattr(p, name) for p in parts])
            for name in DayEvents.__dataclass_fields__
        )
    )
    n = len(merged)
    key = (merged.t.astype(np.int64) * 3 + merged.etype) * max(1, n_customers) + merged.cust
    if (DAY * 3 * max(1, n_customers)) * max(1, n) < 2**62:
        # unique keys (the position in the low bits): a plain sort is fast and stable
        order = np.sort(key * n + np.arange(n)) % max(1, n)
    else:
        order = np.argsort(key, kind="stable")
    return merged.take(order)


def sample_day(plan: Plan, day: int, rng: np.random.Generator) -> DayEvents:
    customers, lo, hi = plan.windows(day)
    parts = [
        make(plan, rng, day, customers, lo, hi)
        for make in (_api_events, _storage_events, _compute_events)
    ]
    return _merged(parts, plan.n_customers)


def with_last_minute_request(
    plan: Plan, day: int, events: DayEvents, rng: np.random.Generator
) -> DayEvents:
    """One more api.request in the day's last minute (a duplicate will straddle midnight)."""
    customers, lo, hi = plan.windows(day)
    open_late = np.flatnonzero((hi == DAY) & (lo <= DAY - 60))
    if not len(open_late):
        return events
    c = int(customers[open_late[int(rng.integers(len(open_late)))]])
    endpoint = int(np.argmax(plan.customers[c].endpoint_weights))
    one = DayEvents(
        t=np.array([DAY - 60 + int(rng.integers(0, 60))]),
        cust=np.array([c]),
        etype=np.array([API], np.int8),
        endpoint=np.array([endpoint]),
        status=np.array([200]),
        nbytes=np.array([int(rng.integers(300, 20_000))]),
        user=np.array([c * USER_POOL]),
        gb=np.zeros(1),
        duration=np.zeros(1, np.int64),
    )
    return _merged([events, one], plan.n_customers)


# ---------------------------------------------------------------- formatting


@dataclass(frozen=True)
class DayLabels:
    compact: str  # 20250304
    iso: str  # 2025-03-04
    start: int  # epoch seconds of 00:00 UTC


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def _take(table: pa.Array, index: np.ndarray) -> pa.Array:
    return table.take(pa.array(index))


def _data_parts(ev: DayEvents, strings: Strings, kind: int, idx: np.ndarray) -> list:
    """The `data` object of events idx, as pieces for binary_join_element_wise."""
    if kind == API:
        pair = ev.endpoint[idx] * len(STATUS_CODES) + STATUS_INDEX[ev.status[idx]]
        return [
            '{"endpoint":"',
            _take(ENDPOINT_STATUS, pair),
            ',"response_bytes":',
            _text(ev.nbytes[idx]),
            _take(strings.user_tail, ev.user[idx]),
        ]
    if kind == STORAGE:
        cents = np.rint(ev.gb[idx] * 100).astype(np.int64)
        return ['{"gb":', _text(cents // 100), ".", pc.utf8_lpad(_text(cents % 100), 2, "0"), "}"]
    return ['{"duration_seconds":', _text(ev.duration[idx]), "}"]


def _in_order(pieces: list[pa.Array], positions: list[np.ndarray]) -> pa.Array:
    if not pieces:
        return EMPTY_TEXT
    if len(pieces) == 1:
        return pieces[0]
    order = np.argsort(np.concatenate(positions), kind="stable")
    return pa.concat_arrays(pieces).take(pa.array(order))


def _ids(idx: np.ndarray) -> pa.Array:
    return pc.utf8_lpad(_text(idx), 8, "0")


def line_array(ev: DayEvents, strings: Strings, labels: DayLabels, a: int, b: int) -> pa.Array:
    """JSON lines (each ending in \n) of events a..b-1; the id sequence is the event index."""
    pieces, positions = [], []
    for kind in (API, STORAGE, COMPUTE):
        idx = np.flatnonzero(ev.etype[a:b] == kind) + a
        if not len(idx):
            continue
        middle = strings.middle(kind, labels.iso)
        pieces.append(
            pc.binary_join_element_wise(
                f'{{"specversion":"1.0","id":"ev-{labels.compact}-',
                _ids(idx),
                _take(middle, ev.cust[idx]),
                _take(HMS_DATA, ev.t[idx]),
                *_data_parts(ev, strings, kind, idx),
                "}\n",
                "",
            )
        )
        positions.append(idx - a)
    return _in_order(pieces, positions)


def row_table(ev: DayEvents, strings: Strings, labels: DayLabels, a: int, b: int) -> pa.Table:
    """Parquet rows of events a..b-1: the CloudEvent attributes, `data` as JSON text."""
    idx = np.arange(a, b)
    kinds, customers = ev.etype[a:b].astype(np.int64), ev.cust[a:b].astype(np.int64)
    data, positions = [], []
    for kind in (API, STORAGE, COMPUTE):
        of_kind = idx[kinds == kind]
        if len(of_kind):
            data.append(pc.binary_join_element_wise(*_data_parts(ev, strings, kind, of_kind), ""))
            positions.append(of_kind - a)
    columns = [
        _take(pa.array(["1.0"]), np.zeros(b - a, np.int64)),
        pc.binary_join_element_wise(f"ev-{labels.compact}-", _ids(idx), ""),
        _take(strings.source, customers * 3 + kinds),
        _take(TYPE_TEXT, kinds),
        _take(strings.subject, customers),
        pc.binary_join_element_wise(f"{labels.iso}T", _take(HMS, ev.t[a:b]), "Z", ""),
        _in_order(data, positions),
    ]
    return pa.Table.from_arrays(columns, schema=CLOUDEVENT_SCHEMA)


class LineChunk:
    """Formatted JSON lines of a run of events; whole runs are passed on without copies."""

    def __init__(self, lines: pa.Array) -> None:
        self.lines = lines
        buffers = lines.buffers()
        start = lines.offset
        self.offsets = (
            np.frombuffer(buffers[1], dtype=np.int32)[start : start + len(lines) + 1]
            if len(lines)
            else np.zeros(1, np.int32)
        )
        self.data = memoryview(buffers[2]) if len(lines) else memoryview(b"")

    def run(self, p: int, q: int) -> memoryview:
        return self.data[self.offsets[p] : self.offsets[q]]

    def get(self, j: int) -> str:
        return self.lines[j].as_py()[:-1]


class RowChunk:
    """Parquet rows of a run of events."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def run(self, p: int, q: int) -> pa.Table:
        return self.table.slice(p, q - p)

    def get(self, j: int) -> tuple:
        return tuple(column[j].as_py() for column in self.table.columns)


def row_to_fields(row: tuple) -> dict:
    fields = dict(
        zip(("specversion", "id", "source", "type", "subject", "time"), row[:6], strict=True)
    )
    fields["data"] = json.loads(row[6])
    return {k: v for k, v in fields.items() if v is not None}


def fields_to_row(fields: dict) -> tuple:
    data = fields.get("data")
    return (
        *(fields.get(name) for name in ("specversion", "id", "source", "type", "subject", "time")),
        None if data is None else json.dumps(data, separators=(",", ":")),
    )


# ---------------------------------------------------------------- real-time counters


@dataclass
class HourTotals:
    """Per (customer, UTC hour) totals of one day: api count, response bytes, job seconds."""

    keys: np.ndarray  # customer * 24 + hour
    requests: np.ndarray
    nbytes: np.ndarray
    job_keys: np.ndarray
    job_seconds: np.ndarray


def hour_totals(ev: DayEvents) -> HourTotals:
    key = ev.cust.astype(np.int64) * 24 + ev.t // HOUR
    api = ev.etype == API
    keys, inverse = np.unique(key[api], return_inverse=True)
    requests = np.bincount(inverse, minlength=len(keys)).astype(np.int64)
    nbytes = np.bincount(inverse, weights=ev.nbytes[api], minlength=len(keys))
    jobs = ev.etype == COMPUTE
    job_keys, job_inverse = np.unique(key[jobs], return_inverse=True)
    seconds = np.bincount(job_inverse, weights=ev.duration[jobs], minlength=len(job_keys))
    return HourTotals(
        keys,
        requests,
        np.rint(nbytes).astype(np.int64),
        job_keys,
        np.rint(seconds).astype(np.int64),
    )


def format_quantity(metric: str, base: int) -> str:
    """Exact decimal strings: bytes / 1e9, and job seconds / 3600 rounded half-up to 1e-6."""
    if metric == "bandwidth_gb":
        return f"{base // 10**9}.{base % 10**9:09d}"
    if metric == "compute_hours":
        micro = (base * 2_000_000 + 3_600) // 7_200
        return f"{micro // 10**6}.{micro % 10**6:06d}"
    return str(base)


DRIFT_MIN_REQUESTS = 60


def pick_drift_hour(
    ev: DayEvents, plan: Plan, rng: np.random.Generator, taken: set[int]
) -> int | None:
    """A customer-hour for a deliberate drift: a customer's busiest hour of the day.

    The customer is drawn among those whose busiest hour has at least DRIFT_MIN_REQUESTS
    requests, from the quietest quarter of them by the day's requests, so that the drift is
    visible against the reconciliation tolerance (10 units or 0.5 % of the period) and
    the sample shows a few holds; any customer when none qualifies. Orchestrators only
    when nobody else used the API that day.
    """
    totals = hour_totals(ev)
    keys, counts = totals.keys, totals.requests
    free = np.array([k not in taken for k in keys.tolist()], dtype=bool)
    ordinary = ~plan.deterministic[keys // 24] & free
    pool = ordinary if ordinary.any() else free
    if not pool.any():
        return None
    keys, counts = keys[pool], counts[pool]
    customers, owner = np.unique(keys // 24, return_inverse=True)
    busiest = np.zeros(len(customers), dtype=np.int64)
    np.maximum.at(busiest, owner, counts)
    day_total = np.bincount(owner, weights=counts, minlength=len(customers))
    eligible = np.flatnonzero(busiest >= DRIFT_MIN_REQUESTS)
    if len(eligible):
        quiet = eligible[np.argsort(day_total[eligible], kind="stable")]
        eligible = quiet[: max(1, (len(quiet) + 3) // 4)]
    else:
        eligible = np.arange(len(customers))
    chosen = customers[eligible[int(rng.integers(len(eligible)))]]
    mine = keys // 24 == chosen
    return int(keys[mine][int(np.argmax(counts[mine]))])


def counter_rows(
    totals: HourTotals,
    doubled: set[int],
    drifted: set[int],
    plan: Plan,
    day: DayLabels,
    rng: np.random.Generator,
) -> list[tuple]:
    """Rows (window_start, customer_id, metric, emitted_at, quantity) of one day.

    One emission a few minutes after the hour; a few windows also have an earlier,
    partial emission or a later identical re-emission (the latest one counts).
    """
    rows: list[tuple] = []
    series = (
        ("api_requests", totals.keys, totals.requests),
        ("bandwidth_gb", totals.keys, totals.nbytes),
        ("compute_hours", totals.job_keys, totals.job_seconds),
    )
    for metric, keys, values in series:
        n = len(keys)
        delay, roll = rng.integers(20, 300, n), rng.random(n)
        early_at, late_by = rng.integers(1800, 3300, n), rng.integers(600, 7200, n)
        share = rng.uniform(0.4, 0.9, n)
        for i, (key, value) in enumerate(zip(keys.tolist(), values.tolist(), strict=True)):
            customer = plan.customers[key // 24].customer_id
            window = day.start + (key % 24) * HOUR
            base = value * 2 if key in doubled and metric != "compute_hours" else value
            emitted = window + HOUR + int(delay[i])
            rows.append((window, customer, metric, emitted, format_quantity(metric, base)))
            if key in drifted:
                continue
            if roll[i] < 0.004:
                rows.append(
                    (
                        window,
                        customer,
                        metric,
                        window + int(early_at[i]),
                        format_quantity(metric, int(value * share[i])),
                    )
                )
            elif roll[i] < 0.007:
                rows.append(
                    (
                        window,
                        customer,
                        metric,
                        emitted + int(late_by[i]),
                        format_quantity(metric, base),
                    )
                )
    return rows
