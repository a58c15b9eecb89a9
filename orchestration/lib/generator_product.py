"""Product events of one UTC day: sessions, pricing views, upgrade clicks, gated features.

Pricing-page views, gated-feature attempts and upgrade clicks cluster in the days
before each upgrade of the plan, so the upgrade funnel has intent signals to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.lib.generator_plan import (
    BUILDER,
    DAY,
    EXPLORER,
    ORCHESTRATOR,
    USER_POOL,
    Plan,
)
from orchestration.lib.generator_usage import HMS, DayLabels, categorical, sample_seconds

PRODUCT_SOURCE = "//app.web/console"
PRODUCT_LINE = (
    '{"specversion":"1.0","id":"%s","source":"%s","type":"%s","subject":"%s","time":"%s","data":%s}'
)
FEATURES = (
    "dashboards",
    "alerts",
    "exports",
    "api_keys",
    "webhooks",
    "usage_reports",
    "team_settings",
    "query_builder",
)
GATED_FEATURES = ("sso", "audit_log", "custom_roles", "priority_support", "data_residency")
SESSIONS_PER_ACTIVE_DAY = {EXPLORER: 0.8, BUILDER: 2.5, ORCHESTRATOR: 3.0}
TYPES = (
    "app.session_started",
    "app.pricing_page_viewed",
    "app.upgrade_clicked",
    "app.gated_feature_attempted",
    "app.user_invited",
    "app.feature_used",
)


@dataclass(frozen=True)
class ProductShape:
    """Per-customer constants of product activity."""

    sessions: np.ndarray
    signup_day: np.ndarray

    @classmethod
    def of(cls, plan: Plan) -> ProductShape:
        return cls(
            sessions=np.array([SESSIONS_PER_ACTIVE_DAY[c.archetype] for c in plan.customers]),
            signup_day=np.array([plan.range.day_of(c.signed_up_at) for c in plan.customers]),
        )


def _rates(
    plan: Plan, shape: ProductShape, day: int, customers: np.ndarray, frac: np.ndarray
) -> dict[str, np.ndarray]:
    active = plan.api_mean[customers, day] > 0
    sessions = shape.sessions[customers] * np.where(active, 1.0, 0.15) * frac
    soon = plan.days_to_upgrade[customers, day] <= 14
    rank = plan.plan_rank[customers, day]
    new = (day - shape.signup_day[customers]) < 30
    return {
        "app.session_started": sessions,
        "app.pricing_page_viewed": (0.04 + 0.5 * soon) * frac,
        "app.gated_feature_attempted": np.where(rank <= 2, 0.06 + 0.3 * soon, 0.0) * frac,
        "app.user_invited": (0.02 + 0.15 * new) * frac,
        "app.feature_used": sessions * 1.3,
    }


def _data(
    plan: Plan, kind: str, customer: int, day: int, user: str, rng: np.random.Generator
) -> str:
    """The event's `data` as compact JSON (plain ASCII values, no escaping needed)."""
    if kind == "app.feature_used":
        return f'{{"user_id":"{user}","feature":"{FEATURES[int(rng.integers(len(FEATURES)))]}"}}'
    if kind == "app.gated_feature_attempted":
        feature = GATED_FEATURES[int(rng.integers(len(GATED_FEATURES)))]
        return f'{{"user_id":"{user}","feature":"{feature}"}}'
    if kind == "app.pricing_page_viewed":
        return f'{{"user_id":"{user}","page":"/pricing"}}'
    if kind == "app.upgrade_clicked":
        ahead = int(plan.days_to_upgrade[customer, day])
        current, target = plan.upgrades[(customer, day + ahead)]
        return f'{{"user_id":"{user}","from_plan":"{current}","to_plan":"{target}"}}'
    if kind == "app.user_invited":
        return f'{{"user_id":"{user}","role":"member"}}'
    return f'{{"user_id":"{user}"}}'


def product_day(
    plan: Plan, shape: ProductShape, day: int, labels: DayLabels, users: np.ndarray
) -> list[tuple[str, str, str, str, str, str, str]]:
    """The day's product events as CloudEvent rows, sorted by time."""
    rng = np.random.default_rng([plan.seed, 2, day])
    customers, lo, hi = plan.windows(day)
    if not len(customers):
        return []
    frac = (hi - lo) / DAY
    counts = {
        kind: rng.poisson(rate) for kind, rate in _rates(plan, shape, day, customers, frac).items()
    }
    ahead = plan.days_to_upgrade[customers, day]
    clicking = (ahead >= 1) & (ahead <= 3)
    counts["app.upgrade_clicked"] = np.where(
        clicking, rng.poisson(0.7, len(customers)) + (ahead == 1), 0
    )
    events = []
    for order, kind in enumerate(TYPES):
        local = np.repeat(np.arange(len(customers)), counts[kind])
        if not len(local):
            continue
        seconds = sample_seconds(plan, rng, local, customers, lo, hi)
        c = customers[local]
        picked = categorical(plan.user_cum, c, USER_POOL, rng)
        for second, customer, user in zip(
            seconds.tolist(), c.tolist(), picked.tolist(), strict=True
        ):
            events.append((second, order, customer, kind, users[user]))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [
        (
            "1.0",
            f"pe-{labels.compact}-{seq:06d}",
            PRODUCT_SOURCE,
            kind,
            plan.customers[customer].customer_id,
            f"{labels.iso}T{HMS[second]}Z",
            _data(plan, kind, customer, day, user, rng),
        )
        for seq, (second, _, customer, kind, user) in enumerate(events, start=1)
    ]


def product_line(row: tuple) -> str:
    return PRODUCT_LINE % row[1:]
