"""Tests of the landing-data generator on small configurations (a second or two each)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import zlib
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow.parquet as pq
import pytest

from orchestration.lib.generator import CONTRACT_FOLDERS, SUMMARY_FILE, generate
from orchestration.lib.generator_inject import QUARANTINE_REASONS
from orchestration.lib.generator_plan import (
    LEGACY_CATALOG,
    ORCHESTRATOR,
    ORCHESTRATOR_PHASE_DAYS,
    VALUE_CATALOG,
    build_plan,
)
from orchestration.lib.generator_usage import dump_record

SMALL = {"customers": 8, "months": 3, "events_per_day": 0.05, "seed": 7}
CSV_HEADERS = {
    "customers": [
        "customer_id",
        "customer_name",
        "email",
        "country",
        "currency",
        "billing_timezone",
        "acquisition_channel",
        "signed_up_at",
        "updated_at",
    ],
    "subscription_events": [
        "event_id",
        "subscription_id",
        "customer_id",
        "event_type",
        "plan_id",
        "contract_price",
        "effective_at",
        "recorded_at",
    ],
    "contract_rates": [
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
    ],
    "realtime_counters": ["customer_id", "metric_code", "window_start", "quantity", "emitted_at"],
    "review_decisions": [
        "customer_id",
        "period_start",
        "decision",
        "note",
        "decided_by",
        "decided_at",
    ],
}
CLOUDEVENT_ATTRIBUTES = ["specversion", "id", "source", "type", "subject", "time", "data"]
USAGE_TYPES = {"api.request", "storage.snapshot", "compute.job_completed"}


# ---------------------------------------------------------------- fixtures and readers


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(out, **SMALL)
    return out


@pytest.fixture(scope="module")
def summary(landing: Path) -> dict:
    return json.loads((landing / SUMMARY_FILE).read_text())


@pytest.fixture(scope="module")
def clean_events(landing: Path, summary: dict) -> list[dict]:
    return clean_usage(landing, summary)


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def csv_rows(root: Path, folder: str) -> list[dict[str, str]]:
    return [row for path in sorted((root / folder).rglob("*.csv")) for row in read_csv(path)]


def physical_records(path: Path) -> list[str | dict]:
    """Raw JSON lines, or Parquet rows as dicts, in file order (record n is item n - 1)."""
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8").split("\n")[:-1]


def as_event(record: str | dict) -> dict:
    """The CloudEvent of a JSON line or Parquet row (raises on malformed JSON)."""
    if isinstance(record, str):
        return json.loads(record)
    event = {k: v for k, v in record.items() if v is not None}
    if "data" in event:
        event["data"] = json.loads(event["data"])
    return event


def record_at(root: Path, location: dict) -> str | dict:
    number = location.get("line") or location.get("row")
    return physical_records(root / location["file"])[number - 1]


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def subscription_intervals(root: Path) -> dict[str, list[tuple[datetime, datetime]]]:
    """customer_id -> [start, end) of each subscription, from the subscription CSVs."""
    spans: dict[str, dict[str, list]] = defaultdict(dict)
    for row in csv_rows(root, "subscription_events"):
        span = spans[row["customer_id"]].setdefault(row["subscription_id"], [None, None])
        if row["event_type"] == "created":
            span[0] = parse_time(row["effective_at"])
        elif row["event_type"] == "canceled":
            span[1] = parse_time(row["effective_at"])
    far = datetime(9999, 1, 1, tzinfo=UTC)
    return {customer: [(s, e or far) for s, e in subs.values()] for customer, subs in spans.items()}


def injected_locations(summary: dict) -> set[tuple[str, int]]:
    return {(e["file"], e.get("line") or e.get("row")) for e in summary["injections"]}


def clean_usage(root: Path, summary: dict) -> list[dict]:
    """Every usage record not injected on purpose, in file order."""
    skip = injected_locations(summary)
    events = []
    for path in sorted((root / "usage_events").rglob("*.*")):
        relative = path.relative_to(root).as_posix()
        for number, record in enumerate(physical_records(path), start=1):
            if (relative, number) not in skip:
                events.append(as_event(record))
    return events


# ---------------------------------------------------------------- determinism and layout


def test_same_seed_gives_byte_identical_files(landing: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", **SMALL)
    assert tree_hashes(tmp_path / "again") == tree_hashes(landing)


def test_a_different_seed_differs_and_corrupt_file_is_opt_in(
    landing: Path, summary: dict, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    result = generate(other, **{**SMALL, "seed": 8}, corrupt_file=True)
    mine, theirs = tree_hashes(landing), tree_hashes(other)
    assert mine != theirs
    assert (
        mine["usage_events/2025/03/2025-03-01.jsonl.gz"]
        != theirs["usage_events/2025/03/2025-03-01.jsonl.gz"]
    )

    def unreadable(root: Path) -> list[str]:
        bad = []
        for path in sorted((root / "usage_events").rglob("*.gz")):
            try:
                gzip.decompress(path.read_bytes())
            except (EOFError, OSError, zlib.error):
                bad.append(path.relative_to(root).as_posix())
        return bad

    assert summary["corrupt_file"] is None
    assert unreadable(landing) == []
    assert unreadable(other) == [result.corrupt_file]


def test_every_contract_folder_exists_with_exact_csv_headers(landing: Path) -> None:
    for folder in CONTRACT_FOLDERS:
        assert (landing / folder).is_dir(), folder
        assert any((landing / folder).rglob("*")), folder
    for folder, header in CSV_HEADERS.items():
        files = sorted((landing / folder).rglob("*.csv"))
        assert files, folder
        for path in files:
            with path.open(encoding="utf-8", newline="") as handle:
                assert next(csv.reader(handle)) == header, path


def test_usage_files_use_every_format_and_open(landing: Path) -> None:
    usage = sorted((landing / "usage_events").rglob("*.*"))
    suffixes = {"".join(p.suffixes) for p in usage}
    assert {".jsonl.gz", ".jsonl", ".parquet"} <= suffixes
    for path in usage:
        assert physical_records(path), path
    for path in sorted(landing.rglob("*.parquet")):
        assert pq.read_table(path).column_names == CLOUDEVENT_ATTRIBUTES, path
    day_file = "usage_events/2025/03/2025-03-31.parquet"
    assert (landing / day_file).exists()
    for path in sorted((landing / "product_events").rglob("*.*")):
        types = {as_event(r)["type"] for r in physical_records(path)}
        assert types <= {
            "app.session_started",
            "app.pricing_page_viewed",
            "app.upgrade_clicked",
            "app.gated_feature_attempted",
            "app.user_invited",
            "app.feature_used",
        }


def test_gzip_headers_are_reproducible(landing: Path) -> None:
    for path in sorted(landing.rglob("*.gz")):
        head = path.read_bytes()[:10]
        assert head[:3] == b"\x1f\x8b\x08"
        assert head[3] & 0x08 == 0, "no file name in the header"
        assert head[4:8] == b"\x00\x00\x00\x00", "mtime 0"


# ---------------------------------------------------------------- injected records


def _is_bad(
    reason: str, event: dict, root: Path, entry: dict, customers: set[str], intervals: dict
) -> bool:
    if reason == "missing_field":
        return "id" not in event or "subject" not in event
    if reason == "invalid_timestamp":
        try:
            parse_time(event["time"])
        except ValueError:
            return True
        return False
    if reason == "future_timestamp":
        return parse_time(event["time"]).year == 2031
    if reason == "negative_quantity":
        return event["type"] == "storage.snapshot" and event["data"]["gb"] < 0
    if reason == "non_numeric_value":
        value = event["data"]["duration_seconds"]
        return isinstance(value, str) and not value.replace(".", "").isdigit()
    if reason == "unknown_customer":
        return event["subject"] not in customers
    if reason == "unknown_event_type":
        return event["type"] not in USAGE_TYPES
    if reason == "no_active_subscription":
        moment = parse_time(event["time"])
        return event["subject"] in customers and not any(
            start <= moment < end for start, end in intervals[event["subject"]]
        )
    original = as_event(record_at(root, entry["original"]))
    same_key = (original["source"], original["id"]) == (event["source"], event["id"])
    if reason == "duplicate_conflict":
        return same_key and original["data"] != event["data"]
    if reason == "exact_duplicate":
        return original == event
    raise AssertionError(reason)


def test_every_reason_is_injected_at_its_recorded_location(landing: Path, summary: dict) -> None:
    customers = {row["customer_id"] for row in csv_rows(landing, "customers")}
    intervals = subscription_intervals(landing)
    seen = defaultdict(int)
    for entry in summary["injections"]:
        reason = entry["reason"]
        record = record_at(landing, entry)
        seen[reason] += 1
        if entry["file"].startswith("subscription_events/"):
            assert reason == "missing_field"
            row = read_csv(landing / entry["file"])[entry["line"] - 2]
            assert (row["plan_id"], row["contract_price"]) == ("enterprise", "")
            continue
        if reason == "malformed_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(record)
            continue
        event = as_event(record)
        assert _is_bad(reason, event, landing, entry, customers, intervals), entry
    assert set(seen) == {*QUARANTINE_REASONS, "exact_duplicate"}
    assert dict(seen) == {k: v for k, v in summary["injected"].items() if v}
    scopes = {e["scope"] for e in summary["injections"] if e["reason"] == "exact_duplicate"}
    assert scopes == {"same_file", "next_day_file", "straddling_midnight"}
    assert any(e["file"].endswith(".parquet") for e in summary["injections"])


def test_duplicates_straddle_midnight_across_daily_files(summary: dict) -> None:
    straddles = [e for e in summary["injections"] if e.get("scope") == "straddling_midnight"]
    assert straddles
    for entry in straddles:
        assert entry["original"]["file"] != entry["file"]
        assert entry["original_time"][11:16] == "23:59"
        original_day = entry["original"]["file"].rsplit("/", 1)[1][:10]
        assert entry["file"].rsplit("/", 1)[1][:10] > original_day


def test_clean_records_are_valid_and_inside_a_subscription(
    landing: Path, summary: dict, clean_events: list[dict]
) -> None:
    customers = {row["customer_id"] for row in csv_rows(landing, "customers")}
    intervals = subscription_intervals(landing)
    end = parse_time(summary["range"]["end"])
    events = clean_events
    in_usage = [e for e in summary["injections"] if e["file"].startswith("usage_events/")]
    assert len(events) == summary["usage_events_written"] - len(in_usage)
    for event in events:
        assert event["specversion"] == "1.0" and event["type"] in USAGE_TYPES
        assert event["subject"] in customers
        moment = parse_time(event["time"])
        assert moment < end
        assert any(s <= moment < e for s, e in intervals[event["subject"]]), event
        if event["type"] == "api.request":
            assert int(event["data"]["response_bytes"]) >= 0
        elif event["type"] == "storage.snapshot":
            assert event["data"]["gb"] >= 0
        else:
            assert int(event["data"]["duration_seconds"]) > 0


def test_valid_variants_are_where_the_summary_says(landing: Path, summary: dict) -> None:
    kinds = {v["kind"] for v in summary["valid_variants"]}
    assert kinds == {"number_as_string", "timestamp_without_offset"}
    for variant in summary["valid_variants"]:
        event = as_event(record_at(landing, variant))
        assert event["id"] == variant["id"]
        if variant["kind"] == "number_as_string":
            assert isinstance(event["data"]["response_bytes"], str)
            assert event["data"]["response_bytes"].isdigit()
        else:
            assert not event["time"].endswith("Z") and "+" not in event["time"][10:]


def test_bulk_lines_equal_compact_json(landing: Path) -> None:
    """Copies re-serialized with json.dumps (e.g. into Parquet) keep the exact content."""
    checked = 0
    lines = [
        line
        for path in sorted((landing / "usage_events").rglob("*.jsonl"))
        for line in physical_records(path)
    ]
    for line in lines:
        event = json.loads(line)
        if event.get("type") in {"api.request", "compute.job_completed"}:
            assert dump_record(event) == line
            checked += 1
    assert checked > 100


# ---------------------------------------------------------------- real-time counters


def batch_hours(events: list[dict], since: datetime) -> dict[tuple[str, str, str], Decimal]:
    """(customer, metric, window_start) -> quantity of the deduplicated batch log."""
    seen: set[tuple[str, str]] = set()
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for event in events:
        key = (event["source"], event["id"])
        if key in seen:
            continue
        seen.add(key)
        moment = parse_time(event["time"]).astimezone(UTC)
        if moment < since:
            continue
        hour = moment.strftime("%Y-%m-%dT%H:00:00Z")
        customer = event["subject"]
        if event["type"] == "api.request":
            totals[(customer, "api_requests", hour)] += 1
            nbytes = Decimal(str(event["data"]["response_bytes"]))
            totals[(customer, "bandwidth_gb", hour)] += nbytes / Decimal(10**9)
        elif event["type"] == "compute.job_completed":
            seconds = Decimal(str(event["data"]["duration_seconds"]))
            totals[(customer, "compute_hours", hour)] += seconds / 3600
    return totals


def latest_counters(root: Path) -> dict[tuple[str, str, str], Decimal]:
    latest: dict[tuple[str, str, str], tuple[datetime, Decimal]] = {}
    for row in csv_rows(root, "realtime_counters"):
        key = (row["customer_id"], row["metric_code"], row["window_start"])
        emitted = parse_time(row["emitted_at"])
        if key not in latest or emitted > latest[key][0]:
            latest[key] = (emitted, Decimal(row["quantity"]))
    return {key: value for key, (_, value) in latest.items()}


def test_counters_equal_the_batch_log_except_the_recorded_drift(
    landing: Path, summary: dict, clean_events: list[dict]
) -> None:
    since = parse_time(summary["range"]["realtime_counters_from"])
    batch = batch_hours(clean_events, since)
    counters = latest_counters(landing)
    drift = {
        (d["customer_id"], d["metric_code"], d["window_start"]): d for d in summary["drift_hours"]
    }
    assert {d["kind"] for d in drift.values()} == {"missing_from_batch", "double_counted_in_stream"}
    assert counters.keys() >= batch.keys()
    assert counters.keys() - batch.keys() <= drift.keys()
    differing = set()
    for key, counted in counters.items():
        expected = batch.get(key, Decimal(0))
        # compute hours are rounded half-up to 6 decimals; the others are exact
        tolerance = Decimal("0.0000005") if key[1] == "compute_hours" else Decimal(0)
        if abs(counted - expected) > tolerance:
            differing.add(key)
    assert differing == {k for k in drift if k[1] == "api_requests"} | {
        k
        for k in drift
        if k[1] == "bandwidth_gb"
        and Decimal(drift[k]["counter_quantity"]) != Decimal(drift[k]["batch_quantity"])
    }
    for key, entry in drift.items():
        assert Decimal(entry["batch_quantity"]) == batch.get(key, Decimal(0))
        assert Decimal(entry["counter_quantity"]) == counters[key]
        assert counters[key] > batch.get(key, Decimal(0)) or key[1] == "bandwidth_gb"
    reemitted = defaultdict(int)
    for row in csv_rows(landing, "realtime_counters"):
        reemitted[(row["customer_id"], row["metric_code"], row["window_start"])] += 1
    assert max(reemitted.values()) >= 2


def test_counters_cover_only_the_last_three_months(landing: Path, summary: dict) -> None:
    since = summary["range"]["realtime_counters_from"]
    assert since == "2025-01-01T00:00:00Z"  # three months generated: all of them
    windows = {row["window_start"] for row in csv_rows(landing, "realtime_counters")}
    assert min(windows) >= since and max(windows) < summary["range"]["end"]
    assert all(w.endswith(":00:00Z") for w in windows)


# ---------------------------------------------------------------- customers and plans


def test_plans_follow_the_catalog_on_sale(tmp_path: Path) -> None:
    out = tmp_path / "switch"
    generate(out, customers=14, months=4, seed=3, events_per_day=0.02, start_month="2025-11")
    legacy, value = set(LEGACY_CATALOG.values()), set(VALUE_CATALOG.values())
    cutover = datetime(2026, 1, 1, tzinfo=UTC)
    summary = json.loads((out / SUMMARY_FILE).read_text())
    bad_line = {
        (e["file"], e["line"])
        for e in summary["injections"]
        if e["file"].startswith("subscription_events/")
    }
    rows = []
    for path in sorted((out / "subscription_events").glob("*.csv")):
        relative = path.relative_to(out).as_posix()
        for number, row in enumerate(read_csv(path), start=2):
            rows.append((relative, number, row))
    seen = set()
    for relative, number, row in rows:
        if row["event_type"] == "canceled":
            continue
        when = parse_time(row["effective_at"])
        assert row["plan_id"] in (legacy if when < cutover else value), row
        seen.add(when < cutover)
        if row["plan_id"] == "enterprise" and (relative, number) not in bad_line:
            assert Decimal(row["contract_price"]) > 0
        else:
            assert row["contract_price"] == "" or row["plan_id"] == "enterprise"
    assert seen == {True, False}
    zones = {row["billing_timezone"] for row in csv_rows(out, "customers")}
    assert {"UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"} <= zones
    enterprise = {row["customer_id"] for _, _, row in rows if row["plan_id"] == "enterprise"}
    cards = csv_rows(out, "contract_rates")
    assert {row["customer_id"] for row in cards} == enterprise
    assert {row["charge_model"] for row in cards} <= {"graduated", "volume"}


def test_customers_have_versions_and_channels(landing: Path) -> None:
    rows = csv_rows(landing, "customers")
    by_id = defaultdict(list)
    for row in rows:
        by_id[row["customer_id"]].append(row)
        assert row["currency"] in {"USD", "EUR"}
        assert row["acquisition_channel"] in {"organic", "paid", "referral", "partner", "outbound"}
        parse_time(row["signed_up_at"])
    versioned = [versions for versions in by_id.values() if len(versions) > 1]
    assert versioned
    for first, second in versioned:
        assert second["updated_at"] > first["updated_at"]
        assert (first["customer_name"], first["country"]) != (
            second["customer_name"],
            second["country"],
        )


def test_subscriptions_record_lifecycle_events() -> None:
    plan = build_plan(customers=120, months=22, seed=42, multiplier=1.0, start_month="2025-01")
    events = [e for c in plan.customers for s in c.subscriptions for e in s.events]
    kinds = {e.event_type for e in events}
    assert kinds == {"created", "plan_changed", "canceled"}
    returns = [c for c in plan.customers if len(c.subscriptions) > 1]
    assert returns and all(c.subscriptions[0].canceled for c in returns)
    anchors = {
        datetime.fromtimestamp(s.start, ZoneInfo(c.timezone)).day
        for c in plan.customers
        for s in c.subscriptions
    }
    assert anchors & {29, 30, 31}
    late = [e for e in events if e.recorded_at > e.effective_at + 3600]
    assert late and sum(e.recorded_at >= e.effective_at for e in events) > 0.8 * len(events)


def test_orchestrators_send_50k_requests_on_every_active_day_of_the_last_90() -> None:
    plan = build_plan(customers=120, months=22, seed=42, multiplier=1.0, start_month="2025-01")
    rows = [c.index for c in plan.customers if c.archetype == ORCHESTRATOR]
    assert len(rows) == 2
    for row in rows:
        recent = plan.api_mean[row, -ORCHESTRATOR_PHASE_DAYS:]
        active = recent[recent > 0]
        assert len(active) > 0.6 * ORCHESTRATOR_PHASE_DAYS
        assert np.all(np.rint(active) >= 50_000)
        assert np.count_nonzero(plan.customers[row].endpoint_weights > 0.02) >= 5
        assert plan.customers[row].error_rate < 0.01
    expected = plan.api_mean.sum()
    assert 5e6 < expected < 12e6


def test_refuses_to_mix_with_existing_landing_files(tmp_path: Path) -> None:
    tiny = {"customers": 3, "months": 1, "events_per_day": 0.001}
    (tmp_path / "customers").mkdir()
    (tmp_path / "customers" / "mine.csv").write_text("customer_id\n")
    with pytest.raises(FileExistsError):
        generate(tmp_path, **tiny)
    result = generate(tmp_path, **tiny, overwrite=True)
    assert not (tmp_path / "customers" / "mine.csv").exists()
    document = json.loads((tmp_path / SUMMARY_FILE).read_text())
    assert document["files_written"] == result.files_written
    assert document["rows_written"] == result.rows_written
    assert document["usage_events_written"] == result.usage_events_written
    assert set(result.injected) == {*QUARANTINE_REASONS, "exact_duplicate"}
    assert result.rows_written["review_decisions"] == 0
    text = result.to_text()
    assert "usage events written" in text and result.suggested_as_of in text


def test_the_command_line_starts_usage_at_start_month(tmp_path: Path) -> None:
    # `generate --start-month 2025-12 --months 2`: customers files for December 2025 and
    # January 2026, and the summary's usage range is [2025-12-01, 2026-02-01)
    from orchestration.cli import main

    out = tmp_path / "landing"
    arguments = ["generate", "--out", str(out), "--customers", "3", "--months", "2"]
    assert main([*arguments, "--events-per-day", "0.001", "--start-month", "2025-12"]) == 0
    assert sorted(path.name for path in (out / "customers").iterdir()) == [
        "customers_2025-12.csv",
        "customers_2026-01.csv",
    ]
    document = json.loads((out / SUMMARY_FILE).read_text())
    assert document["range"]["start"] == "2025-12-01T00:00:00Z"
    assert document["range"]["end"] == "2026-02-01T00:00:00Z"
