"""Issue 2: ingestion of the landing contract, quarantine, deduplication and tie-outs,
end to end through `usage-billing run` on hand-built landing directories."""

from __future__ import annotations

import gzip
import shutil

import pytest
from conftest import Warehouse
from landing_builder import (
    CUSTOMER_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    basic_landing,
    customer,
    subscription_event,
    usage_event,
    write_csv,
    write_jsonl,
)

AS_OF = "2026-02-03T00:00:00Z"


def _bad_and_duplicate_usage(landing):
    """day1.jsonl: line 1-3 good (line 2 an exact duplicate of line 1), then one record
    per quarantine reason; day2.jsonl.gz: a conflicting and an exact duplicate of day 1."""
    write_jsonl(
        landing / "usage_events" / "2026" / "day1.jsonl",
        [
            usage_event("e1", "c1", "2026-01-05T10:00:00Z"),  # line 1: staged
            usage_event("e1", "c1", "2026-01-05T10:00:00Z"),  # line 2: exact duplicate
            usage_event("e2", "c1", "2026-01-05T11:00:00Z"),  # line 3: staged
            '{"specversion": "1.0", "id": "broken',  # line 4
            usage_event("e3", "c9", "2026-01-05T11:00:00Z"),  # line 5: unknown customer
            usage_event("e4", "c1", "2031-01-05T11:00:00Z"),  # line 6: future
            usage_event("e5", "c1", "2025-13-45T99:00:00Z"),  # line 7: invalid timestamp
            usage_event("e6", "c1", "2026-01-05T11:00:00Z", "storage.snapshot", {"gb": -3.5}),
            usage_event(
                "e7",
                "c1",
                "2026-01-05T11:00:00Z",
                "compute.job_completed",
                {"duration_seconds": "abc"},
            ),
            usage_event("e8", "c1", "2026-01-05T11:00:00Z", "api.requets"),  # line 10
            usage_event("e9", "c1", "2025-12-05T11:00:00Z"),  # line 11: before the subscription
            {
                "specversion": "1.0",
                "source": "//s",
                "type": "api.request",
                "subject": "c1",
                "time": "2026-01-05T11:00:00Z",
            },  # line 12: no id
        ],
    )
    write_jsonl(
        landing / "usage_events" / "2026" / "day2.jsonl.gz",
        [
            usage_event(
                "e2", "c1", "2026-01-05T11:00:00Z", data={"endpoint": "/other"}
            ),  # conflict
            usage_event("e1", "c1", "2026-01-05T10:00:00Z"),  # exact duplicate across files
            usage_event("e10", "c1", "2026-01-06T10:00:00Z", data={"response_bytes": "5321"}),
        ],
        gz=True,
    )


def _snapshot(warehouse) -> dict[str, list[tuple]]:
    tables = warehouse.query(
        """select table_schema || '.' || table_name from information_schema.tables
           where table_schema in ('staging', 'intermediate', 'marts') and table_type = 'BASE TABLE'
           order by 1"""
    )
    return {name: sorted(warehouse.query(f"select * from {name}"), key=repr) for (name,) in tables}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """The landing of bad and duplicate records, run; then the same bytes landed again
    under another name and run again at the same as-of. Yields the warehouse and its
    tables after the first run."""
    warehouse = Warehouse(tmp_path_factory.mktemp("replayed"))
    basic_landing(warehouse.landing)
    write_csv(
        warehouse.landing / "subscription_events" / "enterprise.csv",
        SUBSCRIPTION_COLUMNS,
        [subscription_event("se9", "c1", "plan_changed", "2026-01-20T00:00:00Z", "enterprise")],
    )
    _bad_and_duplicate_usage(warehouse.landing)
    warehouse.run(AS_OF)
    before = _snapshot(warehouse)
    shutil.copy(
        warehouse.landing / "usage_events" / "2026" / "day1.jsonl",
        warehouse.landing / "usage_events" / "2026" / "day1-copy.jsonl",
    )
    warehouse.run(AS_OF)
    return warehouse, before


def test_every_quarantine_reason_is_named_with_file_and_record(replayed):
    warehouse, _ = replayed
    rows = warehouse.query(
        """select file_path, record_number, reason_code from marts.fct_quarantined_records
           order by file_path, record_number"""
    )
    assert rows == [
        ("subscription_events/enterprise.csv", 2, "missing_field"),
        ("usage_events/2026/day1.jsonl", 4, "malformed_json"),
        ("usage_events/2026/day1.jsonl", 5, "unknown_customer"),
        ("usage_events/2026/day1.jsonl", 6, "future_timestamp"),
        ("usage_events/2026/day1.jsonl", 7, "invalid_timestamp"),
        ("usage_events/2026/day1.jsonl", 8, "negative_quantity"),
        ("usage_events/2026/day1.jsonl", 9, "non_numeric_value"),
        ("usage_events/2026/day1.jsonl", 10, "unknown_event_type"),
        ("usage_events/2026/day1.jsonl", 11, "no_active_subscription"),
        ("usage_events/2026/day1.jsonl", 12, "missing_field"),
        ("usage_events/2026/day2.jsonl.gz", 1, "duplicate_conflict"),
    ]
    raw = warehouse.query(
        """select raw_record, reason_detail from marts.fct_quarantined_records
           where record_number = 4 and file_path like '%day1.jsonl'"""
    )
    assert raw == [('{"specversion": "1.0", "id": "broken', "not a JSON object")]

    # The staged events: e1 and e2 from day 1 (the conflict keeps the first read), e10.
    staged = warehouse.query("select event_id from intermediate.int_usage_events order by event_id")
    assert staged == [("e1",), ("e10",), ("e2",)]
    assert warehouse.query(
        "select data_json->>'endpoint' from intermediate.int_usage_events where event_id = 'e2'"
    ) == [("/v1/search",)]


def test_records_read_tie_out_per_file(replayed):
    warehouse, _ = replayed
    rows = warehouse.query(
        """select file_path, records_read, records_staged, records_quarantined, records_duplicate
           from marts.fct_landing_files order by file_path"""
    )
    # read = staged + quarantined + duplicates per file; the copy's bytes were read before
    assert rows == [
        ("customers/customers.csv", 1, 1, 0, 0),
        ("subscription_events/enterprise.csv", 1, 0, 1, 0),
        ("subscription_events/subscriptions.csv", 1, 1, 0, 0),
        ("usage_events/2026/day1-copy.jsonl", None, None, None, None),
        ("usage_events/2026/day1.jsonl", 12, 2, 9, 1),
        ("usage_events/2026/day2.jsonl.gz", 3, 1, 1, 1),
    ]


def test_replaying_the_same_files_changes_nothing(replayed):
    warehouse, before = replayed
    after = _snapshot(warehouse)
    changed = {
        name for name in before if before[name] != after[name] and name != "marts.fct_landing_files"
    }
    assert changed == set()
    # the files of the first run keep their manifest rows: only the copy's row is new
    copy = "usage_events/2026/day1-copy.jsonl"
    assert [row for row in after["marts.fct_landing_files"] if copy not in row] == before[
        "marts.fct_landing_files"
    ]
    # the copy is listed in the manifest as a duplicate of content already read
    assert warehouse.query(
        """select file_status, records_read from marts.fct_landing_files
           where file_path = 'usage_events/2026/day1-copy.jsonl'"""
    ) == [("duplicate_content", None)]
    assert warehouse.query("select count(*) from raw.usage_events") == [(15,)]


def test_duplicates_across_runs_and_midnight_count_once(warehouse):
    basic_landing(warehouse.landing)
    late_night = usage_event("n1", "c1", "2026-01-05T23:59:59Z")
    write_jsonl(warehouse.landing / "usage_events" / "2026-01-05.jsonl", [late_night])
    warehouse.run("2026-01-06T01:00:00Z")
    # the next day's file repeats the event (exact) and reuses another id with new content
    write_jsonl(
        warehouse.landing / "usage_events" / "2026-01-06.jsonl",
        [
            late_night,
            usage_event("n1", "c1", "2026-01-06T00:00:01Z"),
            usage_event("n2", "c1", "2026-01-06T00:10:00Z"),
        ],
    )
    warehouse.run("2026-01-07T01:00:00Z")
    assert warehouse.query("select event_id from intermediate.int_usage_events order by 1") == [
        ("n1",),
        ("n2",),
    ]
    assert warehouse.query(
        """select records_read, records_staged, records_quarantined, records_duplicate
           from marts.fct_landing_files where file_path = 'usage_events/2026-01-06.jsonl'"""
    ) == [(3, 1, 1, 1)]
    assert warehouse.query(
        """select record_number, reason_code from marts.fct_quarantined_records"""
    ) == [(2, "duplicate_conflict")]


def test_unknown_customer_is_released_once_known(warehouse):
    basic_landing(warehouse.landing)
    write_jsonl(
        warehouse.landing / "usage_events" / "u.jsonl",
        [usage_event("x1", "c2", "2026-01-10T00:00:00Z")],
    )
    warehouse.run("2026-01-11T00:00:00Z")
    assert warehouse.query(
        "select reason_code, is_released from marts.fct_quarantined_records"
    ) == [("unknown_customer", False)]
    assert warehouse.query("select count(*) from intermediate.int_usage_events") == [(0,)]

    write_csv(warehouse.landing / "customers" / "late.csv", CUSTOMER_COLUMNS, [customer("c2")])
    write_csv(
        warehouse.landing / "subscription_events" / "late.csv",
        SUBSCRIPTION_COLUMNS,
        [subscription_event("se2", "c2", "created", "2026-01-01T00:00:00Z", "explorer")],
    )
    warehouse.run("2026-01-12T00:00:00Z")
    assert warehouse.query(
        """select reason_code, is_released, cast(first_seen_at as varchar), cast(released_at as varchar)
           from marts.fct_quarantined_records"""
    ) == [("unknown_customer", True, "2026-01-11 00:00:00", "2026-01-12 00:00:00")]
    assert warehouse.query("select event_id, customer_id from intermediate.int_usage_events") == [
        ("x1", "c2")
    ]
    # The incremental usage models place the released event on its (old) day: the
    # day's count of accepted events changed (macros/incremental.sql, changed_days).
    # An api.request gives api_requests, bandwidth_gb (1000 bytes) and active_users.
    assert warehouse.query(
        """select metric_code, cast(usage_date as varchar), event_count, cast(day_quantity as varchar)
           from marts.fct_usage_daily order by 1"""
    ) == [
        ("active_users", "2026-01-10", 1, "1.000000000"),
        ("api_requests", "2026-01-10", 1, "1.000000000"),
        ("bandwidth_gb", "2026-01-10", 1, "0.000001000"),
    ]
    assert warehouse.query(
        """select metric_code, cast(window_start_at as varchar), event_count
           from intermediate.int_usage_hourly order by 1"""
    ) == [("api_requests", "2026-01-10 00:00:00", 1), ("bandwidth_gb", "2026-01-10 00:00:00", 1)]
    assert warehouse.query(
        """select event_id, metric_code, customer_id, cast(usage_date as varchar)
           from intermediate.int_segment_usage_events order by 2"""
    ) == [
        ("x1", "active_users", "c2", "2026-01-10"),
        ("x1", "api_requests", "c2", "2026-01-10"),
        ("x1", "bandwidth_gb", "c2", "2026-01-10"),
    ]
    assert warehouse.query(
        """select records_read, records_staged, records_quarantined, records_duplicate
           from marts.fct_landing_files where file_path = 'usage_events/u.jsonl'"""
    ) == [(1, 1, 0, 0)]
    endpoint_days = """select customer_id, cast(request_date as varchar), endpoint, request_count
                       from intermediate.int_request_endpoint_days"""
    assert warehouse.query(endpoint_days) == [("c2", "2026-01-10", "/v1/search", 1)]

    # An as-of time moved back before the request: the day has no request at or before
    # it any more, and no insert would replace it (int_request_endpoint_days' pre-hook).
    warehouse.run("2026-01-09T00:00:00Z")
    assert warehouse.query(endpoint_days) == []


def test_unreadable_file_is_named_and_the_rest_goes_on(warehouse, capsys):
    basic_landing(warehouse.landing)
    write_jsonl(
        warehouse.landing / "usage_events" / "good.jsonl",
        [usage_event("g1", "c1", "2026-01-10T00:00:00Z")],
    )
    payload = gzip.compress(b'{"id": "x"}\n' * 1000, mtime=0)
    (warehouse.landing / "usage_events" / "broken.jsonl.gz").write_bytes(
        payload[: len(payload) // 2]
    )
    (warehouse.landing / "usage_events" / "latin1.jsonl").write_bytes(
        '{"id": "caf\xe9"}\n'.encode("latin-1")
    )
    warehouse.run("2026-01-11T00:00:00Z")

    rows = warehouse.query(
        """select file_path, file_status, error_message is not null, records_read
           from marts.fct_landing_files where source_name = 'usage_events' order by file_path"""
    )
    assert rows == [
        ("usage_events/broken.jsonl.gz", "unreadable", True, None),
        ("usage_events/good.jsonl", "loaded", False, 1),
        ("usage_events/latin1.jsonl", "unreadable", True, None),
    ]
    assert warehouse.query("select count(*) from raw.usage_events") == [(1,)]
    assert warehouse.query("select event_id from intermediate.int_usage_events") == [("g1",)]
    out = capsys.readouterr().out
    assert "UNREADABLE FILES (2)" in out
    assert "usage_events/broken.jsonl.gz" in out
