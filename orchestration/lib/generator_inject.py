"""Deliberately bad records, duplicates and valid oddities, each at a known location.

The plan (which day gets what) is drawn once from the seed; on its day a planned item
becomes an `Insert`: a record and the clean-event position it is spliced in before.
An item that cannot be placed on its day (no active customer, no event to copy, a
truncated JSON line on a Parquet day) moves to the next day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from orchestration.lib.generator_plan import DAY, ENDPOINTS, ORCHESTRATOR, Plan, TimeRange
from orchestration.lib.generator_usage import API, DayEvents, DayLabels, dump_record, iso_utc

QUARANTINE_REASONS = (
    "malformed_json",
    "missing_field",
    "invalid_timestamp",
    "future_timestamp",
    "negative_quantity",
    "non_numeric_value",
    "unknown_customer",
    "unknown_event_type",
    "no_active_subscription",
    "duplicate_conflict",
)
FABRICATED = QUARANTINE_REASONS[:8]
VALID_VARIANTS = ("number_as_string", "timestamp_without_offset")
DRIFT_KINDS = ("missing_from_batch", "double_counted_in_stream")
COUNTER_MONTHS = 3
INVALID_TIMES = (
    "{y}-13-45T99:00:00Z",
    "{y}-02-30T25:61:00Z",
    "{d}T24:99:99+01:00",
    "yesterday 10:15",
    "{d}T10:15:00+25:00",
)
UNKNOWN_TYPES = ("api.requets", "storage.snapshots", "compute.job_complete", "api.request.v2")


@dataclass
class Planned:
    reason: str  # a quarantine reason, "exact_duplicate", or a valid variant
    variant: str
    order: int
    customer: int = -1  # no_active_subscription: the customer without a subscription


@dataclass
class InjectionPlan:
    by_day: dict[int, list[Planned]]
    drift: dict[int, list[str]]
    counter_first_day: int
    last_minute_days: set[int]  # days that end with a request a straddling duplicate copies


@dataclass
class Insert:
    """A record spliced in before clean event `pos` of a day file."""

    pos: int
    order: int
    meta: dict
    record: dict | str | None = None  # CloudEvent fields, or a raw (malformed) line
    original: int = -1  # a clean event of the same file this record copies
    transform: Callable[[dict], dict] | None = None  # turns the copy into a conflict


@dataclass
class DayContext:
    plan: Plan
    day: int
    labels: DayLabels
    events: DayEvents
    customers: np.ndarray  # customers with a subscription window today
    lo: np.ndarray
    hi: np.ndarray
    parquet: bool
    carry: dict | None  # last and random api.request of the previous day's file
    rng: np.random.Generator
    fresh: list[int] = field(default_factory=lambda: [0])

    def fresh_id(self) -> str:
        self.fresh[0] += 1
        return f"ev-{self.labels.compact}-{90_000_000 + self.fresh[0]:08d}"


# ---------------------------------------------------------------- the plan


def _active_days(plan: Plan) -> np.ndarray:
    tr = plan.range
    active = np.zeros(tr.n_days, dtype=bool)
    for start, end in zip(plan.iv_start.tolist(), plan.iv_end.tolist(), strict=True):
        active[tr.day_of(start) : tr.day_of(end - 1) + 1] = True
    return active


def _last_days_of_months(tr: TimeRange) -> set[int]:
    days = set()
    for day in range(tr.n_days - 1):
        if tr.month_of_day(day) != tr.month_of_day(day + 1):
            days.add(day)
    days.add(tr.n_days - 1)
    return days


def _no_subscription_days(plan: Plan, rng: np.random.Generator, k: int) -> list[tuple[int, int]]:
    """(customer, day) pairs where a known customer has no subscription all day."""
    tr = plan.range
    spans = []
    for c in plan.customers:
        if c.archetype == ORCHESTRATOR:
            continue
        first = tr.day_of(c.subscriptions[0].start)
        if first > 0:
            spans.append((c.index, 0, first))
        last = c.subscriptions[-1]
        if last.canceled and tr.day_of(last.end) + 1 < tr.n_days:
            spans.append((c.index, tr.day_of(last.end) + 1, tr.n_days))
    if not spans:
        return []
    picks = []
    for _ in range(k):
        customer, lo, hi = spans[int(rng.integers(len(spans)))]
        picks.append((customer, int(rng.integers(lo, hi))))
    return picks


def plan_injections(plan: Plan) -> InjectionPlan:
    tr = plan.range
    rng = np.random.default_rng(np.random.SeedSequence([plan.seed, 3]))
    k = max(1, min(20, round(tr.n_days / 60)))
    active = _active_days(plan)
    days = np.flatnonzero(active & (np.arange(tr.n_days) >= 1))
    early = days[: max(1, int(len(days) * 0.85))]
    parquet_days = sorted(set(days.tolist()) & _last_days_of_months(tr))
    by_day: dict[int, list[Planned]] = {}
    last_minute_days: set[int] = set()
    order = 0

    def put(day: int, item: Planned) -> None:
        by_day.setdefault(int(day), []).append(item)

    items: list[tuple[str, str, np.ndarray]] = []
    for reason in FABRICATED:
        count = max(2, k) if reason == "missing_field" else k
        for n in range(count):
            variant = ("id", "subject")[n % 2] if reason == "missing_field" else str(n)
            items.append((reason, variant, days))
    items += [("duplicate_conflict", str(n), early) for n in range(k)]
    items += [("exact_duplicate", "same_file", early) for _ in range(k)]
    items += [
        ("exact_duplicate", ("straddling_midnight", "next_day_file")[n % 2], early)
        for n in range(max(2, k))
    ]
    items += [("number_as_string", str(n), early) for n in range(2 * k)]
    items += [("timestamp_without_offset", str(n), early) for n in range(k)]
    forced = {("unknown_event_type", "0"), ("missing_field", "subject"), ("number_as_string", "0")}
    for reason, variant, pool in items:
        if not len(pool):
            continue
        order += 1
        on_parquet = (reason, variant) in forced and parquet_days
        forced.discard((reason, variant))
        day = (
            parquet_days[int(rng.integers(len(parquet_days)))]
            if on_parquet
            else pool[int(rng.integers(len(pool)))]
        )
        if variant == "straddling_midnight":
            last_minute_days.add(int(day) - 1)
        put(day, Planned(reason, variant, order))
    for customer, day in _no_subscription_days(plan, rng, k):
        order += 1
        put(day, Planned("no_active_subscription", "", order, customer))
    first_counter = _counter_first_day(tr)
    return InjectionPlan(
        by_day, _plan_drift(rng, active, first_counter, k), first_counter, last_minute_days
    )


def _counter_first_day(tr: TimeRange) -> int:
    month = tr.months[max(0, len(tr.months) - COUNTER_MONTHS)]
    return next(d for d in range(tr.n_days) if tr.month_of_day(d) == month)


def _plan_drift(
    rng: np.random.Generator, active: np.ndarray, first_day: int, k: int
) -> dict[int, list[str]]:
    candidates = np.flatnonzero(active & (np.arange(len(active)) >= first_day))
    if not len(candidates):
        return {}
    per_kind = max(1, min(6, k // 2))
    wanted = [kind for kind in DRIFT_KINDS for _ in range(per_kind)]
    replace = len(candidates) < len(wanted)
    days = rng.choice(candidates, size=len(wanted), replace=replace)
    drift: dict[int, list[str]] = {}
    for day, kind in zip(days.tolist(), wanted, strict=True):
        drift.setdefault(day, []).append(kind)
    return drift


# ---------------------------------------------------------------- records


def _base_fields(ctx: DayContext, customer: int, ts: int) -> dict:
    c = ctx.plan.customers[customer]
    rng = ctx.rng
    endpoint = ENDPOINTS[int(np.argmax(c.endpoint_weights))]
    return {
        "specversion": "1.0",
        "id": ctx.fresh_id(),
        "source": c.api_source,
        "type": "api.request",
        "subject": c.customer_id,
        "time": iso_utc(ts),
        "data": {
            "endpoint": endpoint,
            "status_code": 200,
            "response_bytes": int(rng.integers(300, 20_000)),
            "user_id": c.users[0],
        },
    }


def _fabricated(
    ctx: DayContext, planned: Planned, customer: int, ts: int
) -> tuple[dict | str, str]:
    """A bad record of the planned reason, and a one-line description."""
    fields = _base_fields(ctx, customer, ts)
    c = ctx.plan.customers[customer]
    year, day_iso = ctx.labels.iso[:4], ctx.labels.iso
    n = int(planned.variant) if planned.variant.isdigit() else 0
    reason = planned.reason
    if reason == "malformed_json":
        line = dump_record(fields)
        return line[: int(len(line) * ctx.rng.uniform(0.3, 0.8))], "JSON line cut short"
    if reason == "missing_field":
        del fields[planned.variant]
        return fields, f"no {planned.variant} attribute"
    if reason == "invalid_timestamp":
        fields["time"] = INVALID_TIMES[n % len(INVALID_TIMES)].format(y=year, d=day_iso)
        return fields, f"time {fields['time']!r}"
    if reason == "future_timestamp":
        month_day = day_iso[5:] if day_iso[5:] != "02-29" else "02-28"
        fields["time"] = f"2031-{month_day}T{iso_utc(ts)[11:]}"
        return fields, f"time {fields['time']} (year 2031)"
    if reason == "negative_quantity":
        fields.update(source=c.storage_source, type="storage.snapshot", data={"gb": -3.5})
        return fields, "storage.snapshot with gb -3.5"
    if reason == "non_numeric_value":
        fields.update(
            source=c.compute_source, type="compute.job_completed", data={"duration_seconds": "abc"}
        )
        return fields, 'compute.job_completed with duration_seconds "abc"'
    if reason == "unknown_customer":
        fields["subject"] = f"cus_{ctx.plan.n_customers + 50_000 + n:05d}"
        return fields, f"subject {fields['subject']} is not a customer"
    if reason == "unknown_event_type":
        fields["type"] = UNKNOWN_TYPES[n % len(UNKNOWN_TYPES)]
        return fields, f"type {fields['type']!r}"
    raise ValueError(reason)


def _window_moment(ctx: DayContext) -> tuple[int, int] | None:
    """A random customer with a subscription today, and a second of the day inside it."""
    if not len(ctx.customers):
        return None
    k = int(ctx.rng.integers(len(ctx.customers)))
    lo, hi = int(ctx.lo[k]), int(ctx.hi[k])
    return int(ctx.customers[k]), lo + int(ctx.rng.integers(0, hi - lo))


def _position(ctx: DayContext, second: int) -> int:
    return int(np.searchsorted(ctx.events.t, second, side="right"))


def _conflict(status: int, extra: int) -> Callable[[dict], dict]:
    def change(fields: dict) -> dict:
        data = dict(fields["data"])
        data["status_code"] = 503 if status < 500 else 200
        data["response_bytes"] = int(data["response_bytes"]) + extra
        return {**fields, "data": data}

    return change


def _api_indices(ctx: DayContext) -> np.ndarray:
    return np.flatnonzero(ctx.events.etype == API)


def build_insert(ctx: DayContext, planned: Planned) -> Insert | int | None:
    """An Insert, a clean-event index (valid variants), or None when it must wait a day."""
    n = len(ctx.events)
    meta = {"reason": planned.reason}
    rng = ctx.rng
    if planned.reason in VALID_VARIANTS:
        api = _api_indices(ctx)
        return int(api[int(rng.integers(len(api)))]) if len(api) else None
    if planned.reason == "no_active_subscription":
        second = int(rng.integers(0, DAY))
        fields = _base_fields(ctx, planned.customer, ctx.labels.start + second)
        meta["detail"] = "event of a known customer on a day without any subscription"
        return Insert(_position(ctx, second), planned.order, meta, record=fields)
    if planned.reason in FABRICATED:
        moment = _window_moment(ctx)
        if moment is None or (planned.reason == "malformed_json" and ctx.parquet):
            return None
        customer, second = moment
        record, meta["detail"] = _fabricated(ctx, planned, customer, ctx.labels.start + second)
        return Insert(_position(ctx, second), planned.order, meta, record=record)
    if planned.reason == "duplicate_conflict":
        api = _api_indices(ctx)
        if not len(api):
            return None
        j = int(api[int(rng.integers(len(api)))])
        meta["detail"] = "same source and id as an earlier event, different data"
        change = _conflict(int(ctx.events.status[j]), int(rng.integers(1, 5000)))
        return Insert(
            min(n, j + 1 + int(rng.integers(0, 200))),
            planned.order,
            meta,
            original=j,
            transform=change,
        )
    return _duplicate(ctx, planned, meta)


def _duplicate(ctx: DayContext, planned: Planned, meta: dict) -> Insert | None:
    n, rng = len(ctx.events), ctx.rng
    meta["scope"] = planned.variant
    if planned.variant == "same_file":
        if not n:
            return None
        j = int(rng.integers(n))
        return Insert(min(n, j + 1 + int(rng.integers(0, 40))), planned.order, meta, original=j)
    key = "last" if planned.variant == "straddling_midnight" else "random"
    if not ctx.carry or key not in ctx.carry:
        return None
    carried = ctx.carry[key]
    meta.update(
        original=carried["location"],
        original_time=carried["fields"]["time"],
        id=carried["fields"]["id"],
        customer_id=carried["fields"]["subject"],
    )
    record = carried["raw"] if carried["raw"] is not None and not ctx.parquet else carried["fields"]
    return Insert(int(rng.integers(0, min(n, 25) + 1)), planned.order, meta, record=record)
