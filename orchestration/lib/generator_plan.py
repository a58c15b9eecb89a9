"""The plan behind a generated landing directory: customers, subscriptions, usage intensity.

Everything here is decided up front from one seeded numpy Generator, before any usage
event is drawn: who signs up when, on which plan, when they upgrade, downgrade, cancel
and return, and how many events of each kind they are expected to send on each day.
The day-by-day event streams (generator_usage.py) only sample from these expectations.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
HOUR = 3_600
VALUE_CATALOG_START = calendar.timegm((2026, 1, 1, 0, 0, 0))
LEGACY_CATALOG = {1: "starter", 2: "pro", 4: "enterprise"}
VALUE_CATALOG = {1: "explorer", 2: "professional", 3: "scale", 4: "enterprise"}
PLAN_RANK = {
    "starter": 1,
    "explorer": 1,
    "pro": 2,
    "professional": 2,
    "scale": 3,
    "enterprise": 4,
}

EXPLORER = "sporadic_explorer"
BUILDER = "steady_builder"
ORCHESTRATOR = "orchestrator"

ORCHESTRATOR_PHASE_DAYS = 92  # the high-volume phase covers the last 92 days of the range
# 'limit chasers' start on the smallest plan, grow past its allowance, then upgrade
CHASER_ALLOWANCE = {"starter": 100_000, "explorer": 500_000}
ACTIVE_DAYS_PER_MONTH = 19.0  # a builder's expected full-volume days in a month
ENDPOINTS = (
    "/v1/search",
    "/v1/query",
    "/v1/documents",
    "/v1/ingest",
    "/v1/embeddings",
    "/v1/batch",
    "/v1/export",
    "/v1/auth/token",
    "/v1/webhooks",
    "/v1/users",
    "/v1/reports",
    "/v1/status",
)
# median response size per endpoint, bytes (log-normal around it)
ENDPOINT_MEDIAN_BYTES = (
    5_300,
    3_800,
    12_000,
    600,
    24_000,
    48_000,
    180_000,
    900,
    400,
    2_200,
    65_000,
    250,
)
USER_POOL = 24  # at most this many pseudonymous users per customer
CHANNELS = ("organic", "paid", "referral", "partner", "outbound")
CHANNEL_WEIGHTS = (0.36, 0.24, 0.15, 0.10, 0.15)


@dataclass(frozen=True)
class Geo:
    country: str
    timezone: str
    currency: str
    region: str
    suffix: str
    weight: float


GEOS = (
    Geo("US", "America/New_York", "USD", "us-1", "Inc.", 0.16),
    Geo("US", "America/Los_Angeles", "USD", "us-2", "Inc.", 0.10),
    Geo("US", "America/Chicago", "USD", "us-1", "LLC", 0.05),
    Geo("CA", "America/Toronto", "USD", "us-1", "Ltd.", 0.04),
    Geo("BR", "America/Sao_Paulo", "USD", "us-1", "Ltda.", 0.03),
    Geo("DE", "Europe/Berlin", "EUR", "eu-1", "GmbH", 0.12),
    Geo("FR", "Europe/Paris", "EUR", "eu-1", "SAS", 0.07),
    Geo("NL", "Europe/Amsterdam", "EUR", "eu-1", "B.V.", 0.05),
    Geo("ES", "Europe/Madrid", "EUR", "eu-1", "S.L.", 0.03),
    Geo("GB", "Europe/London", "USD", "eu-1", "Ltd", 0.07),
    Geo("JP", "Asia/Tokyo", "USD", "ap-1", "K.K.", 0.07),
    Geo("SG", "Asia/Singapore", "USD", "ap-1", "Pte. Ltd.", 0.04),
    Geo("IN", "Asia/Kolkata", "USD", "ap-1", "Pvt. Ltd.", 0.04),
    Geo("AU", "Australia/Sydney", "USD", "ap-2", "Pty Ltd", 0.08),
    Geo("NZ", "Pacific/Auckland", "USD", "ap-2", "Ltd", 0.02),
)
# the first customers cycle through these zones, so even a tiny run has several
FORCED_ZONES = ("America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", "UTC")

NAME_WORDS_A = (
    "Acme",
    "Blue",
    "Bright",
    "Cedar",
    "Delta",
    "Ember",
    "Fable",
    "Granite",
    "Harbor",
    "Indigo",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Orbit",
    "Pioneer",
    "Quartz",
    "Riverside",
    "Summit",
    "Tidal",
    "Umbra",
    "Vertex",
    "Willow",
    "Zephyr",
    "Atlas",
    "Beacon",
    "Copper",
)
NAME_WORDS_B = (
    "Analytics",
    "Labs",
    "Logistics",
    "Health",
    "Robotics",
    "Media",
    "Payments",
    "Foods",
    "Systems",
    "Studio",
    "Networks",
    "Insights",
    "Mobility",
    "Energy",
    "Retail",
    "Data",
    "Security",
    "Learning",
    "Travel",
    "Works",
)
PERSON_FIRST = (
    "ana",
    "ben",
    "chloe",
    "david",
    "emma",
    "felix",
    "grace",
    "hiro",
    "ines",
    "jon",
    "kai",
    "lena",
    "marco",
    "nora",
    "omar",
    "priya",
    "quinn",
    "rosa",
    "sam",
    "yuki",
)
PERSON_LAST = (
    "lee",
    "mueller",
    "garcia",
    "tanaka",
    "smith",
    "rossi",
    "dubois",
    "khan",
    "novak",
    "silva",
    "jensen",
    "brown",
    "kim",
    "weber",
    "lopez",
    "sato",
)

INITIAL_PLAN_WEIGHTS = {
    (EXPLORER, "legacy"): (("starter", 0.85), ("pro", 0.15)),
    (EXPLORER, "value"): (("explorer", 0.85), ("professional", 0.15)),
    (BUILDER, "legacy"): (("starter", 0.47), ("pro", 0.43), ("enterprise", 0.10)),
    (BUILDER, "value"): (
        ("explorer", 0.30),
        ("professional", 0.40),
        ("scale", 0.20),
        ("enterprise", 0.10),
    ),
}
MEAN_DAYS_BETWEEN_CHANGES = {EXPLORER: 90.0, BUILDER: 160.0}
ACTION_WEIGHTS = {  # upgrade, downgrade, cancel
    EXPLORER: (0.15, 0.05, 0.80),
    BUILDER: (0.55, 0.15, 0.30),
}
RETURN_PROBABILITY = {EXPLORER: 0.25, BUILDER: 0.5}
CONTRACT_PRICES = (1500, 2000, 2500, 3000, 4000, 5000, 7500)


@dataclass(frozen=True)
class TimeRange:
    """The generated range [start, end) as whole UTC days and calendar months."""

    start: int
    end: int
    months: tuple[tuple[int, int], ...]

    @property
    def n_days(self) -> int:
        return (self.end - self.start) // DAY

    def day_of(self, ts: int) -> int:
        return (ts - self.start) // DAY

    def month_of_day(self, day: int) -> tuple[int, int]:
        moment = utc(self.start + day * DAY)
        return moment.year, moment.month


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def make_time_range(start_month: str, months: int) -> TimeRange:
    year, month = (int(part) for part in start_month.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"start_month must look like YYYY-MM, got {start_month!r}")
    cal = [
        ((year * 12 + month - 1 + k) // 12, (year * 12 + month - 1 + k) % 12 + 1)
        for k in range(months + 1)
    ]
    start = calendar.timegm((*cal[0], 1, 0, 0, 0))
    end = calendar.timegm((*cal[-1], 1, 0, 0, 0))
    return TimeRange(start=start, end=end, months=tuple(cal[:-1]))


@dataclass
class SubEvent:
    event_type: str  # created, plan_changed, canceled
    plan_id: str
    contract_price: str  # "" unless the plan is enterprise
    effective_at: int
    recorded_at: int


@dataclass
class Subscription:
    events: list[SubEvent]
    start: int
    end: int  # cancellation time, or the range end while still active
    canceled: bool
    subscription_id: str = ""


@dataclass(frozen=True)
class CustomerVersion:
    updated_at: int
    name: str
    email: str
    country: str


@dataclass
class Customer:
    """One customer: identity, lifecycle and the shape of its usage."""

    index: int
    archetype: str
    geo: Geo
    timezone: str
    channel: str
    signed_up_at: int
    name: str
    email: str
    country: str
    customer_id: str = ""
    subscriptions: list[Subscription] = field(default_factory=list)
    versions: list[CustomerVersion] = field(default_factory=list)
    contract_price: str = ""
    base_rate: float = 0.0
    error_rate: float = 0.0
    endpoint_weights: np.ndarray = field(default_factory=lambda: np.zeros(len(ENDPOINTS)))
    users: list[str] = field(default_factory=list)
    storage_gb: float = 0.0
    compute_rate: float = 0.0
    chaser: int = -1  # ordinal among the limit chasers, -1 for the others

    @property
    def api_source(self) -> str:
        return f"//api.gateway/{self.geo.region}"

    @property
    def storage_source(self) -> str:
        return f"//storage.meter/{self.geo.region}"

    @property
    def compute_source(self) -> str:
        return f"//compute.scheduler/{self.geo.region}"


@dataclass
class Plan:
    """Everything the day-by-day generator samples from."""

    range: TimeRange
    seed: int
    multiplier: float
    customers: list[Customer]
    api_mean: np.ndarray  # (customers, days): expected api.request events on a full active day
    compute_mean: np.ndarray  # (customers, days): expected compute jobs on a full day
    storage_level: np.ndarray  # (customers, days): GB held, 0 without storage
    plan_rank: np.ndarray  # (customers, days): rank of the plan at the day's end, 0 if none
    days_to_upgrade: np.ndarray  # (customers, days): days until the next upgrade (capped)
    deterministic: np.ndarray  # (customers,): counts are the rounded mean (orchestrators)
    iv_customer: np.ndarray  # subscription intervals, sorted by customer then start
    iv_start: np.ndarray
    iv_end: np.ndarray
    hour_cum: np.ndarray  # flattened per-customer cumulative hour-of-day weights (+ offset)
    endpoint_cum: np.ndarray
    user_cum: np.ndarray
    error_rate: np.ndarray
    upgrades: dict[tuple[int, int], tuple[str, str]]  # (customer, day) -> (from, to)
    rate_cards: list[dict[str, str]]

    @property
    def n_customers(self) -> int:
        return len(self.customers)

    def windows(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Customers with an active subscription on a day, with [lo, hi) seconds of the day."""
        day_start = self.range.start + day * DAY
        lo = np.maximum(self.iv_start, day_start)
        hi = np.minimum(self.iv_end, day_start + DAY)
        active = hi > lo
        return (
            self.iv_customer[active],
            (lo[active] - day_start).astype(np.int64),
            (hi[active] - day_start).astype(np.int64),
        )


def catalog_at(ts: int) -> dict[int, str]:
    return VALUE_CATALOG if ts >= VALUE_CATALOG_START else LEGACY_CATALOG


def _pick(rng: np.random.Generator, weighted: tuple[tuple[str, float], ...]) -> str:
    names = [name for name, _ in weighted]
    weights = np.array([weight for _, weight in weighted])
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _recorded_at(rng: np.random.Generator, effective: int, floor: int, ceiling: int) -> int:
    """When the source system recorded an event: mostly seconds after, sometimes hours."""
    if rng.random() < 0.08:
        recorded = effective + int(rng.integers(HOUR, 48 * HOUR))
    else:
        recorded = effective + int(rng.integers(0, 120))
    return int(min(max(recorded, floor), ceiling))


def _contract_price(rng: np.random.Generator) -> str:
    return f"{int(rng.choice(CONTRACT_PRICES))}.00"


# ---------------------------------------------------------------- customers


def _local_timestamp(tz: str, year: int, month: int, day: int, seconds: int) -> int:
    local = datetime(year, month, day, tzinfo=ZoneInfo(tz)) + timedelta(seconds=seconds)
    return int(local.timestamp())


def _signup_time(
    rng: np.random.Generator, tz: str, tr: TimeRange, anchor_day: int, earliest: int, latest: int
) -> int:
    """A sign-up in local business hours between earliest and latest (UTC seconds)."""
    for _ in range(50):
        if anchor_day:
            months = [(y, m) for y, m in tr.months if calendar.monthrange(y, m)[1] >= anchor_day]
            year, month = months[int(rng.integers(len(months)))]
            day = anchor_day
        else:
            moment = utc(earliest + int(rng.random() * (latest - earliest)))
            year, month, day = moment.year, moment.month, moment.day
        ts = _local_timestamp(tz, year, month, day, int(rng.integers(8 * HOUR, 19 * HOUR)))
        if earliest <= ts < latest:
            return ts
    return earliest + int(rng.integers(0, HOUR))


def _company_name(rng: np.random.Generator, geo: Geo) -> str:
    first = NAME_WORDS_A[int(rng.integers(len(NAME_WORDS_A)))]
    second = NAME_WORDS_B[int(rng.integers(len(NAME_WORDS_B)))]
    return f"{first} {second} {geo.suffix}"


def _email(rng: np.random.Generator, name: str, index: int) -> str:
    first = PERSON_FIRST[int(rng.integers(len(PERSON_FIRST)))]
    last = PERSON_LAST[int(rng.integers(len(PERSON_LAST)))]
    slug = "".join(ch for ch in name.split(" ")[0] + name.split(" ")[1] if ch.isalnum()).lower()
    return f"{first}.{last}@{slug}{index % 97}.example"


def _pseudonymous_users(seed: int, index: int, count: int) -> list[str]:
    return [
        "u_" + hashlib.sha256(f"{seed}:{index}:{k}".encode()).hexdigest()[:10] for k in range(count)
    ]


def _archetypes(rng: np.random.Generator, customers: int) -> list[str]:
    n_orchestrators = max(1, round(customers / 60))
    rest = [
        EXPLORER if rng.random() < 0.35 else BUILDER for _ in range(customers - n_orchestrators)
    ]
    if len(rest) > 2:  # every archetype at least once (the first ones may become chasers)
        rest[-1], rest[-2] = EXPLORER, BUILDER
    return [ORCHESTRATOR] * n_orchestrators + rest


def _geo_for(rng: np.random.Generator, index: int) -> tuple[Geo, str]:
    weights = np.array([geo.weight for geo in GEOS])
    if index < len(FORCED_ZONES):
        zone = FORCED_ZONES[index]
        matches = [geo for geo in GEOS if geo.timezone == zone]
        geo = matches[0] if matches else GEOS[int(rng.choice(len(GEOS), p=weights / weights.sum()))]
        return geo, zone
    geo = GEOS[int(rng.choice(len(GEOS), p=weights / weights.sum()))]
    return geo, ("UTC" if rng.random() < 0.08 else geo.timezone)


def _usage_shape(rng: np.random.Generator, customer: Customer, seed: int) -> None:
    """Draw how much, where and how cleanly a customer calls the API."""
    n_endpoints = len(ENDPOINTS)
    weights = np.zeros(n_endpoints)
    if customer.archetype == ORCHESTRATOR:
        chosen = rng.choice(n_endpoints, size=int(rng.integers(7, 11)), replace=False)
        weights[chosen] = rng.dirichlet(np.full(len(chosen), 6.0))
        customer.error_rate = float(rng.uniform(0.002, 0.006))
        n_users = int(rng.integers(3, 9))
        customer.storage_gb = float(rng.uniform(500, 3000))
        customer.compute_rate = float(rng.uniform(40, 120))
    else:
        explorer = customer.archetype == EXPLORER
        k = int(rng.integers(1, 5 if explorer else 4))
        chosen = rng.choice(n_endpoints - 1, size=k, replace=False)
        weights[chosen] = rng.dirichlet(np.full(k, 1.5))
        customer.error_rate = float(
            rng.uniform(0.05, 0.16) if explorer else rng.uniform(0.003, 0.03)
        )
        n_users = int(rng.integers(1, 4) if explorer else rng.integers(2, USER_POOL + 1))
        if rng.random() < (0.1 if explorer else 0.5):
            customer.storage_gb = float(rng.lognormal(np.log(15), 1.0))
        if rng.random() < (0.05 if explorer else 0.35):
            customer.compute_rate = float(rng.uniform(1, 12))
        median = 35 if explorer else 40
        customer.base_rate = float(rng.lognormal(np.log(median), 0.8 if explorer else 0.9))
    customer.endpoint_weights = weights
    customer.users = _pseudonymous_users(seed, customer.index, n_users)


def _chaser_window(tr: TimeRange, ordinal: int) -> tuple[int, int]:
    """Even chasers sign up a third into the range, odd ones about 100 days before its end."""
    span = tr.end - tr.start
    if ordinal % 2 == 0:
        earliest, latest = tr.start + int(span * 0.3), tr.start + int(span * 0.45)
    else:
        earliest, latest = max(tr.start, tr.end - 100 * DAY), max(tr.start, tr.end - 85 * DAY)
    return earliest, max(latest, earliest + DAY)


def _new_customer(
    rng: np.random.Generator,
    index: int,
    archetype: str,
    tr: TimeRange,
    anchor_day: int,
    chaser: int,
) -> Customer:
    geo, zone = _geo_for(rng, index)
    latest = tr.end - 3 * DAY if tr.n_days > 6 else tr.end - DAY
    if chaser >= 0:
        signup = _signup_time(rng, zone, tr, 0, *_chaser_window(tr, chaser))
    elif archetype == ORCHESTRATOR:
        phase_start = tr.end - min(ORCHESTRATOR_PHASE_DAYS, tr.n_days) * DAY
        span = max(0, int((phase_start - tr.start) * 0.6))
        earliest_possible = tr.start
        signup = (
            tr.start + 60
            if span < 14 * DAY
            else _signup_time(rng, zone, tr, 0, earliest_possible, tr.start + span)
        )
    else:
        signup = _signup_time(rng, zone, tr, anchor_day, tr.start, latest)
    name = _company_name(rng, geo)
    channel = CHANNELS[int(rng.choice(len(CHANNELS), p=CHANNEL_WEIGHTS))]
    if archetype == ORCHESTRATOR:
        channel = ("outbound", "partner")[index % 2]
    country = "" if rng.random() < 0.04 else geo.country
    return Customer(
        index=index,
        archetype=archetype,
        geo=geo,
        timezone=zone,
        channel=channel,
        signed_up_at=signup,
        name=name,
        email=_email(rng, name, index),
        country=country,
        chaser=chaser,
    )


def _versions(rng: np.random.Generator, customer: Customer, tr: TimeRange) -> None:
    first = CustomerVersion(customer.signed_up_at, customer.name, customer.email, customer.country)
    customer.versions = [first]
    if rng.random() >= 0.12 and customer.index != 1:
        return
    updated = customer.signed_up_at + int(rng.uniform(20, 300) * DAY)
    if updated >= tr.end:
        updated = customer.signed_up_at + (tr.end - customer.signed_up_at) // 2
    if rng.random() < 0.6:
        new_name = (
            customer.name.replace(customer.geo.suffix, "").strip() + " Group " + customer.geo.suffix
        )
        second = CustomerVersion(updated, new_name, customer.email, customer.country)
    else:
        moved = [
            geo.country
            for geo in GEOS
            if geo.currency == customer.geo.currency and geo.country != customer.country
        ]
        second = CustomerVersion(
            updated, customer.name, customer.email, moved[int(rng.integers(len(moved)))]
        )
    customer.versions.append(second)


# ---------------------------------------------------------------- subscriptions


def _initial_plan(rng: np.random.Generator, archetype: str, ts: int) -> str:
    era = "value" if ts >= VALUE_CATALOG_START else "legacy"
    return _pick(rng, INITIAL_PLAN_WEIGHTS[(archetype, era)])


def _move(rng: np.random.Generator, plan: str, ts: int, upgrade: bool) -> str | None:
    rank = PLAN_RANK[plan]
    catalog = catalog_at(ts)
    if upgrade:
        higher = sorted(r for r in catalog if r > rank)
        if not higher or (catalog[higher[0]] == "enterprise" and rng.random() > 0.35):
            return None
        return catalog[higher[0]]
    if plan == "enterprise":
        return None
    lower = sorted(r for r in catalog if r < rank)
    return catalog[lower[-1]] if lower else None


def _price_for(customer: Customer, plan: str) -> str:
    return customer.contract_price if plan == "enterprise" else ""


def _one_subscription(
    rng: np.random.Generator, customer: Customer, start: int, tr: TimeRange
) -> Subscription:
    archetype = customer.archetype
    ceiling = tr.end - 1
    plan = _initial_plan(rng, archetype, start)
    events = [
        SubEvent(
            "created",
            plan,
            _price_for(customer, plan),
            start,
            _recorded_at(rng, start, start, ceiling),
        )
    ]
    moment = start
    while True:
        gap = max(21.0, float(rng.exponential(MEAN_DAYS_BETWEEN_CHANGES[archetype])))
        moment += int(gap * DAY) + int(rng.integers(0, DAY))
        if moment >= tr.end - HOUR:
            return Subscription(events, start, tr.end, canceled=False)
        action = int(rng.choice(3, p=ACTION_WEIGHTS[archetype]))
        floor = events[-1].effective_at + HOUR
        if action == 2:
            recorded = (
                moment - int(rng.integers(DAY, 20 * DAY))
                if rng.random() < 0.3
                else _recorded_at(rng, moment, moment, ceiling)
            )
            events.append(
                SubEvent(
                    "canceled",
                    plan,
                    _price_for(customer, plan),
                    moment,
                    int(min(max(recorded, floor), ceiling)),
                )
            )
            return Subscription(events, start, moment, canceled=True)
        new_plan = _move(rng, plan, moment, upgrade=action == 0)
        if new_plan is None:
            continue
        plan = new_plan
        events.append(
            SubEvent(
                "plan_changed",
                plan,
                _price_for(customer, plan),
                moment,
                _recorded_at(rng, moment, floor, ceiling),
            )
        )


def _lifecycle(rng: np.random.Generator, customer: Customer, tr: TimeRange) -> None:
    customer.contract_price = _contract_price(rng)
    start = customer.signed_up_at + int(rng.integers(30, 900))
    while True:
        sub = _one_subscription(rng, customer, start, tr)
        customer.subscriptions.append(sub)
        if not sub.canceled or rng.random() > RETURN_PROBABILITY[customer.archetype]:
            return
        start = sub.end + int(rng.uniform(14, 160) * DAY)
        if start >= tr.end - 3 * DAY:
            return


def _chaser_lifecycle(rng: np.random.Generator, customer: Customer, tr: TimeRange) -> None:
    """Scripted: ~40 % of the smallest plan's allowance, growing past it, then an upgrade."""
    customer.contract_price = _contract_price(rng)
    ceiling = tr.end - 1
    start = customer.signed_up_at + int(rng.integers(30, 900))
    plan = catalog_at(start)[1]
    customer.base_rate = (
        CHASER_ALLOWANCE[plan] * float(rng.uniform(0.38, 0.46)) / ACTIVE_DAYS_PER_MONTH
    )
    if customer.chaser % 2 == 0:
        upgrade_at = start + int(rng.uniform(110, 150) * DAY)
    else:
        upgrade_at = tr.end - int(rng.uniform(8, 20) * DAY)
    events = [SubEvent("created", plan, "", start, _recorded_at(rng, start, start, ceiling))]
    if start + 50 * DAY < upgrade_at < tr.end - HOUR:
        target = catalog_at(upgrade_at)[2]
        events.append(
            SubEvent(
                "plan_changed",
                target,
                "",
                upgrade_at,
                _recorded_at(rng, upgrade_at, upgrade_at, ceiling),
            )
        )
    customer.subscriptions.append(Subscription(events, start, tr.end, canceled=False))


def _orchestrator_lifecycle(
    rng: np.random.Generator, customer: Customer, tr: TimeRange, ordinal: int
) -> None:
    """Scripted: a growing pro customer upgrades weeks before its high-volume phase."""
    customer.contract_price = f"{int(rng.choice((4000, 5000, 7500)))}.00"
    ceiling = tr.end - 1
    start = customer.signed_up_at + int(rng.integers(30, 300))
    phase_start = tr.end - min(ORCHESTRATOR_PHASE_DAYS, tr.n_days) * DAY
    upgrade_at = phase_start - int(rng.integers(15, 35)) * DAY + int(rng.integers(8, 17)) * HOUR
    target_catalog = catalog_at(upgrade_at)
    target = "enterprise" if ordinal % 2 == 0 or 3 not in target_catalog else "scale"
    if upgrade_at < start + 10 * DAY:
        events = [
            SubEvent(
                "created",
                target,
                _price_for(customer, target),
                start,
                _recorded_at(rng, start, start, ceiling),
            )
        ]
    else:
        initial = catalog_at(start)[2]
        events = [
            SubEvent("created", initial, "", start, _recorded_at(rng, start, start, ceiling)),
            SubEvent(
                "plan_changed",
                target,
                _price_for(customer, target),
                upgrade_at,
                _recorded_at(rng, upgrade_at, upgrade_at, ceiling),
            ),
        ]
    customer.subscriptions.append(Subscription(events, start, tr.end, canceled=False))


# ---------------------------------------------------------------- daily intensity


def _weekday_flags(tr: TimeRange) -> np.ndarray:
    first = utc(tr.start).weekday()
    return (first + np.arange(tr.n_days)) % 7 >= 5


def _subscription_factor(
    rng: np.random.Generator, sub: Subscription, tr: TimeRange, n_days: int
) -> tuple[np.ndarray, int, int]:
    """Usage multiplier of one subscription: growth before upgrades, decline before churn."""
    first, last = tr.day_of(sub.start), min(tr.day_of(sub.end - 1), n_days - 1)
    factor = np.ones(last - first + 1)
    for previous, event in zip(sub.events, sub.events[1:], strict=False):
        at = min(tr.day_of(event.effective_at) - first, len(factor) - 1)
        if event.event_type == "canceled":
            lead = min(30, at)
            factor[at - lead : at + 1] *= np.linspace(1.0, 0.3, lead + 1)
            continue
        up = PLAN_RANK[event.plan_id] > PLAN_RANK[previous.plan_id]
        gain = float(rng.uniform(1.8, 3.0) if up else rng.uniform(0.35, 0.6))
        lead = min(45 if up else 20, at)
        factor[at - lead : at] *= np.linspace(1.0, gain, lead + 1)[:-1]
        factor[at:] *= gain
    return factor, first, last


def _customer_intensity(
    rng: np.random.Generator,
    customer: Customer,
    tr: TimeRange,
    weekend: np.ndarray,
    multiplier: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Expected api.request events and compute jobs per full day, for a non-orchestrator."""
    n_days = tr.n_days
    lifecycle = np.zeros(n_days)
    for number, sub in enumerate(customer.subscriptions):
        factor, first, last = _subscription_factor(rng, sub, tr, n_days)
        comeback = 1.0 if number == 0 else float(rng.uniform(0.5, 1.1))
        lifecycle[first : last + 1] = factor * comeback
    signup_day = tr.day_of(customer.signed_up_at)
    years = np.maximum(np.arange(n_days) - signup_day, 0) / 365.0
    trend = np.exp(float(rng.uniform(-0.1, 0.5)) * years)
    if customer.archetype == EXPLORER:
        p_weekday = float(rng.uniform(0.08, 0.22))
        p_active = np.where(weekend, p_weekday * 0.4, p_weekday)
        weekend_volume = 0.7
    else:
        p_active = np.where(weekend, float(rng.uniform(0.1, 0.35)), float(rng.uniform(0.75, 0.95)))
        weekend_volume = 0.5
    active = rng.random(n_days) < p_active
    spikes = np.where(rng.random(n_days) < 0.015, rng.uniform(3.0, 5.0, n_days), 1.0)
    day_volume = np.where(weekend, weekend_volume, 1.0) * spikes
    api = customer.base_rate * trend * lifecycle * day_volume * active * multiplier
    compute = customer.compute_rate * np.sqrt(lifecycle) * active * multiplier
    return api, compute


def _orchestrator_intensity(
    rng: np.random.Generator,
    customer: Customer,
    tr: TimeRange,
    weekend: np.ndarray,
    multiplier: float,
) -> tuple[np.ndarray, np.ndarray]:
    """>= 50,000 requests on every active day of the last ORCHESTRATOR_PHASE_DAYS days."""
    n_days = tr.n_days
    phase_first = n_days - min(ORCHESTRATOR_PHASE_DAYS, n_days)
    start_day = tr.day_of(customer.subscriptions[0].start)
    days = np.arange(n_days)
    base = float(rng.uniform(300, 900))
    ramp_first = max(start_day, phase_first - 45)
    ramp = np.clip((days - ramp_first) / max(1, phase_first - ramp_first), 0.0, 1.0)
    target = float(rng.uniform(8_000, 12_000))
    before = base + (target - base) * ramp**2
    before = np.where(weekend, before * 0.3, before)
    # business pipelines: every weekday, never at weekends
    phase = np.where(weekend, 0.0, rng.uniform(50_600, 53_000, n_days))
    api = np.where(days >= phase_first, phase, before) * multiplier
    compute = np.where(days >= phase_first, customer.compute_rate, customer.compute_rate / 8)
    return api, compute * np.where(api > 0, 1.0, 0.0) * multiplier


def _storage_levels(rng: np.random.Generator, customer: Customer, tr: TimeRange) -> np.ndarray:
    if customer.storage_gb <= 0:
        return np.zeros(tr.n_days)
    years = np.maximum(np.arange(tr.n_days) - tr.day_of(customer.signed_up_at), 0) / 365.0
    walk = np.cumsum(rng.normal(0.0, 0.01, tr.n_days))
    return customer.storage_gb * np.exp(float(rng.uniform(0.05, 0.8)) * years + walk)


def _ranks_and_upgrades(
    customer: Customer,
    tr: TimeRange,
    ranks: np.ndarray,
    to_upgrade: np.ndarray,
    upgrades: dict[tuple[int, int], tuple[str, str]],
) -> None:
    n_days = tr.n_days
    for sub in customer.subscriptions:
        for event, following in zip(sub.events, [*sub.events[1:], None], strict=True):
            if event.event_type == "canceled":
                continue
            first = tr.day_of(event.effective_at)
            until = following.effective_at if following else sub.end
            last = min(tr.day_of(until - 1), n_days - 1)
            ranks[first : last + 1] = PLAN_RANK[event.plan_id]
        for previous, event in zip(sub.events, sub.events[1:], strict=False):
            if (
                event.event_type == "plan_changed"
                and PLAN_RANK[event.plan_id] > PLAN_RANK[previous.plan_id]
            ):
                day = tr.day_of(event.effective_at)
                upgrades[(customer.index, day)] = (previous.plan_id, event.plan_id)
                lead = np.arange(max(0, day - 14), day + 1)
                to_upgrade[lead] = np.minimum(to_upgrade[lead], day - lead)


# ---------------------------------------------------------------- sampling tables


def _flat_cumulative(weights: np.ndarray) -> np.ndarray:
    """Row-wise cumulative weights, each row offset by its index, flattened for searchsorted."""
    sums = weights.sum(axis=1, keepdims=True)
    cum = np.cumsum(weights / np.where(sums > 0, sums, 1.0), axis=1)
    last = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    cum[np.arange(len(cum)), last] = 1.0
    cum = np.minimum(cum, 1.0)
    return (cum + np.arange(len(cum))[:, None]).ravel()


def _hour_weights(customer: Customer, tr: TimeRange) -> np.ndarray:
    offset = ZoneInfo(customer.timezone).utcoffset(utc(tr.start).replace(tzinfo=None))
    shift = round(offset.total_seconds() / HOUR) if offset else 0
    local = np.arange(24)
    if customer.archetype == ORCHESTRATOR:
        weights = 1.0 + 0.6 * ((local >= 1) & (local < 5))
    else:
        weights = 0.08 + np.exp(-0.5 * ((local - 13.5) / 3.0) ** 2)
    return np.roll(weights, -shift)


def _sampling_tables(customers: list[Customer], tr: TimeRange) -> tuple[np.ndarray, ...]:
    hours = np.array([_hour_weights(c, tr) for c in customers])
    endpoints = np.array([c.endpoint_weights for c in customers])
    users = np.zeros((len(customers), USER_POOL))
    for row, customer in enumerate(customers):
        k = len(customer.users)
        users[row, :k] = 1.0 / (1.0 + np.arange(k)) ** 0.8
    return _flat_cumulative(hours), _flat_cumulative(endpoints), _flat_cumulative(users)


# ---------------------------------------------------------------- rate cards


RATE_CARD_TEMPLATES = (
    (
        "graduated",
        "",
        (("1000000", "0", ""), ("20000000", "0.00004", "250.00"), ("", "0.00003", "")),
    ),
    (
        "volume",
        "2000000",
        (("10000000", "0.00005", ""), ("100000000", "0.00004", ""), ("", "0.00003", "")),
    ),
    ("graduated", "", (("5000000", "0", ""), ("", "0.000035", ""))),
)


def _rate_cards(rng: np.random.Generator, customer: Customer, tr: TimeRange) -> list[dict]:
    starts = [
        e.effective_at
        for s in customer.subscriptions
        for e in s.events
        if e.plan_id == "enterprise" and e.event_type != "canceled"
    ]
    if not starts:
        return []
    model, included, bands = RATE_CARD_TEMPLATES[int(rng.integers(len(RATE_CARD_TEMPLATES)))]
    signed = (starts[0] // DAY - int(rng.integers(0, 11))) * DAY
    versions = [(signed, Decimal(1))]
    if tr.end - signed > 400 * DAY and rng.random() < 0.7:
        versions.append((signed + 365 * DAY, Decimal("0.9")))
    rows = []
    for effective, discount in versions:
        for number, (up_to, unit, flat) in enumerate(bands, start=1):
            rows.append(
                {
                    "customer_id": customer.customer_id,
                    "metric_code": "api_requests",
                    "charge_model": model,
                    "band_index": str(number),
                    "up_to": up_to,
                    "unit_amount": str((Decimal(unit) * discount).normalize())
                    if unit != "0"
                    else "0",
                    "flat_amount": flat,
                    "package_size": "",
                    "included_quantity": included,
                    "effective_from": utc(effective).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
    return rows


# ---------------------------------------------------------------- the plan


def _assign_ids(customers: list[Customer]) -> list[Customer]:
    ordered = sorted(customers, key=lambda c: (c.signed_up_at, c.index))
    for number, customer in enumerate(ordered, start=1):
        customer.customer_id = f"cus_{number:05d}"
    subs = sorted(
        ((s.start, c.customer_id, s) for c in ordered for s in c.subscriptions),
        key=lambda item: (item[0], item[1]),
    )
    for number, (_, _, sub) in enumerate(subs, start=1):
        sub.subscription_id = f"sub_{number:06d}"
    return ordered


def _ensure_late_signup(customers: list[Customer], tr: TimeRange) -> None:
    """At least one customer signs up after the first days (for no_active_subscription)."""
    others = [c for c in customers if c.archetype != ORCHESTRATOR]
    if not others or tr.n_days < 10:
        return
    latest = max(others, key=lambda c: c.signed_up_at)
    if tr.day_of(latest.signed_up_at) < 2:
        latest.signed_up_at = tr.start + (tr.n_days // 2) * DAY + 10 * HOUR


def build_plan(customers: int, months: int, seed: int, multiplier: float, start_month: str) -> Plan:
    tr = make_time_range(start_month, months)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    archetypes = _archetypes(rng, customers)
    n_orchestrators = archetypes.count(ORCHESTRATOR)
    n_chasers = max(1, round(customers / 60)) if customers >= 6 else 0
    n_anchored = max(1, round(0.12 * customers))
    people: list[Customer] = []
    for index, archetype in enumerate(archetypes):
        chaser = index - n_orchestrators if index < n_orchestrators + n_chasers else -1
        if chaser >= 0:
            archetype = BUILDER
        anchored = n_orchestrators + n_chasers <= index < n_orchestrators + n_chasers + n_anchored
        anchor_day = int(rng.integers(29, 32)) if anchored else 0
        people.append(_new_customer(rng, index, archetype, tr, anchor_day, chaser))
    _ensure_late_signup(people, tr)
    ordinal = 0
    for customer in people:
        _usage_shape(rng, customer, seed)
        _versions(rng, customer, tr)
        if customer.archetype == ORCHESTRATOR:
            _orchestrator_lifecycle(rng, customer, tr, ordinal)
            ordinal += 1
        elif customer.chaser >= 0:
            _chaser_lifecycle(rng, customer, tr)
        else:
            _lifecycle(rng, customer, tr)
    people = _assign_ids(people)
    return _intensities(rng, people, tr, seed, multiplier)


def _intensities(
    rng: np.random.Generator, people: list[Customer], tr: TimeRange, seed: int, multiplier: float
) -> Plan:
    n, n_days = len(people), tr.n_days
    weekend = _weekday_flags(tr)
    api = np.zeros((n, n_days))
    compute = np.zeros((n, n_days))
    storage = np.zeros((n, n_days))
    ranks = np.zeros((n, n_days), dtype=np.int8)
    to_upgrade = np.full((n, n_days), 999, dtype=np.int16)
    upgrades: dict[tuple[int, int], tuple[str, str]] = {}
    rate_cards: list[dict] = []
    for row, customer in enumerate(people):
        customer.index = row
        shape = (
            _orchestrator_intensity if customer.archetype == ORCHESTRATOR else _customer_intensity
        )
        api[row], compute[row] = shape(rng, customer, tr, weekend, multiplier)
        storage[row] = _storage_levels(rng, customer, tr)
        _ranks_and_upgrades(customer, tr, ranks[row], to_upgrade[row], upgrades)
        rate_cards.extend(_rate_cards(rng, customer, tr))
    intervals = [(row, s.start, s.end) for row, c in enumerate(people) for s in c.subscriptions]
    iv = np.array(intervals, dtype=np.int64).reshape(-1, 3)
    hour_cum, endpoint_cum, user_cum = _sampling_tables(people, tr)
    return Plan(
        range=tr,
        seed=seed,
        multiplier=multiplier,
        customers=people,
        api_mean=api,
        compute_mean=compute,
        storage_level=storage,
        plan_rank=ranks,
        days_to_upgrade=to_upgrade,
        deterministic=np.array([c.archetype == ORCHESTRATOR for c in people]),
        iv_customer=iv[:, 0],
        iv_start=iv[:, 1],
        iv_end=iv[:, 2],
        hour_cum=hour_cum,
        endpoint_cum=endpoint_cum,
        user_cum=user_cum,
        error_rate=np.array([c.error_rate for c in people]),
        upgrades=upgrades,
        rate_cards=rate_cards,
    )
