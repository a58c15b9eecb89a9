"""Build small landing directories by hand for end-to-end tests.

Every helper writes files in the landing contract's format and returns the path,
so a test can state exactly which file and line holds which record.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path
from typing import Any

CUSTOMER_COLUMNS = [
    "customer_id",
    "customer_name",
    "email",
    "country",
    "currency",
    "billing_timezone",
    "acquisition_channel",
    "signed_up_at",
    "updated_at",
]
SUBSCRIPTION_COLUMNS = [
    "event_id",
    "subscription_id",
    "customer_id",
    "event_type",
    "plan_id",
    "contract_price",
    "effective_at",
    "recorded_at",
]
CONTRACT_RATE_COLUMNS = [
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
]
COUNTER_COLUMNS = ["customer_id", "metric_code", "window_start", "quantity", "emitted_at"]
DECISION_COLUMNS = ["customer_id", "period_start", "decision", "note", "decided_by", "decided_at"]


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})
    return path


def customer(customer_id: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "customer_id": customer_id,
        "customer_name": f"Customer {customer_id}",
        "email": f"{customer_id}@example.com",
        "country": "US",
        "currency": "USD",
        "billing_timezone": "UTC",
        "acquisition_channel": "organic",
        "signed_up_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    }
    row.update(overrides)
    return row


def subscription_event(
    event_id: str,
    customer_id: str,
    event_type: str,
    effective_at: str,
    plan_id: str = "",
    subscription_id: str | None = None,
    contract_price: str = "",
) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "subscription_id": subscription_id or f"sub_{customer_id}",
        "customer_id": customer_id,
        "event_type": event_type,
        "plan_id": plan_id,
        "contract_price": contract_price,
        "effective_at": effective_at,
        "recorded_at": effective_at,
    }


def usage_event(
    event_id: str,
    customer_id: str,
    time: str,
    event_type: str = "api.request",
    data: dict[str, Any] | None = None,
    source: str = "//api.gateway/test",
) -> dict[str, Any]:
    if data is None:
        data = {
            "endpoint": "/v1/search",
            "status_code": 200,
            "response_bytes": 1000,
            "user_id": "u1",
        }
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": event_type,
        "subject": customer_id,
        "time": time,
        "data": data,
    }


def write_jsonl(path: Path, records: list[dict[str, Any] | str], gz: bool = False) -> Path:
    """Write one record per line; a str record is written as is (for malformed lines)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [record if isinstance(record, str) else json.dumps(record) for record in records]
    payload = ("\n".join(lines) + "\n").encode("utf-8")
    if gz:
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(payload)
    else:
        path.write_bytes(payload)
    return path


def basic_landing(root: Path, plan_id: str = "explorer") -> Path:
    """One customer `c1` on `plan_id` from 2026-01-01 UTC; no usage yet."""
    write_csv(root / "customers" / "customers.csv", CUSTOMER_COLUMNS, [customer("c1")])
    write_csv(
        root / "subscription_events" / "subscriptions.csv",
        SUBSCRIPTION_COLUMNS,
        [subscription_event("se1", "c1", "created", "2026-01-01T00:00:00Z", plan_id)],
    )
    return root


def write_requests(
    path: Path, customer_id: str, batches: list[tuple[str, int]], prefix: str
) -> Path:
    """Write `count` api.request events at `time` for each (time, count), as compact JSONL.

    Used for the volumes soft and hard limits need (hundreds of thousands of events)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    number = 0
    with path.open("w", encoding="utf-8") as handle:
        for time, count in batches:
            head = (
                '{"specversion":"1.0","source":"//test","type":"api.request","subject":"'
                + customer_id
                + '","time":"'
                + time
                + '","data":{"endpoint":"/v1/a","status_code":200},"id":"'
                + prefix
            )
            lines = [f'{head}{number + offset}"}}\n' for offset in range(count)]
            handle.write("".join(lines))
            number += count
    return path
