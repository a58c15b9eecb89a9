"""Two days of usage for customer c1 (explorer from 2026-01-01, `basic_landing`), one file a day.

The day-2 file repeats the last event of day 1 (23:59:59, an exact duplicate that
straddles midnight) and holds two copies of its own first event. Used by the partition
tests (day by day against a full build) and the UI backfill test.

Hand-computed daily usage (metric_catalog: api_requests counts events, bandwidth_gb
sums response_bytes / 1e9, active_users counts distinct user_id):
- 2026-01-05: e1 (1,000 bytes, u1), e2 (2,000 bytes, u1) -> 2 requests,
  0.000003 GB, 1 user
- 2026-01-06: e3 (500 bytes, u1), e4 (3,000 bytes, u2) -> 2 requests,
  0.0000035 GB, 2 users
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from landing_builder import usage_event


def _event(event_id: str, time: str, response_bytes: int, user: str) -> dict:
    data = {"endpoint": "/v1/search", "status_code": 200, "response_bytes": response_bytes}
    return usage_event(event_id, "c1", time, data={**data, "user_id": user})


E1 = _event("e1", "2026-01-05T10:00:00Z", 1000, "u1")
E2 = _event("e2", "2026-01-05T23:59:59Z", 2000, "u1")
E3 = _event("e3", "2026-01-06T00:00:01Z", 500, "u1")
E4 = _event("e4", "2026-01-06T12:00:00Z", 3000, "u2")
DAY_1 = [E1, E2]
DAY_2 = [E2, E3, E3, E4]  # e2 again across midnight, e3 twice in one file

EXPECTED_DAILY = [
    ("c1", "active_users", date(2026, 1, 5), "unique_count", 2, Decimal("1")),
    ("c1", "api_requests", date(2026, 1, 5), "count", 2, Decimal("2")),
    ("c1", "bandwidth_gb", date(2026, 1, 5), "sum", 2, Decimal("0.000003")),
    ("c1", "active_users", date(2026, 1, 6), "unique_count", 2, Decimal("2")),
    ("c1", "api_requests", date(2026, 1, 6), "count", 2, Decimal("2")),
    ("c1", "bandwidth_gb", date(2026, 1, 6), "sum", 2, Decimal("0.0000035")),
]
DAILY_SQL = """select customer_id, metric_code, usage_date, aggregation, event_count, day_quantity
               from marts.fct_usage_daily order by usage_date, metric_code"""
