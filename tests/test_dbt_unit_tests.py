"""Every dbt unit test (rating, periods, grace, ...) runs here: production runs exclude
them (`--exclude-resource-type unit_test`) because they test logic, not data."""

from __future__ import annotations

import json
import os
import subprocess

import duckdb

from orchestration.lib.dbt_project import dbt_executable
from orchestration.lib.ingest import ensure_schema
from orchestration.lib.settings import REPO_ROOT


def _dbt(args: list[str], env: dict[str, str], target: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [dbt_executable(), *args, "--profiles-dir", str(REPO_ROOT), "--target-path", target],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def _show(inline: str, warehouse, tmp_path, as_of: str | None = None) -> list[dict]:
    """The rows of `dbt show --inline` (Jinja and SQL) against the DuckDB file `warehouse`."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "USAGE_BILLING_WAREHOUSE": str(warehouse)}
    if as_of is not None:
        env["USAGE_BILLING_AS_OF"] = as_of
    args = ["show", "--inline", inline, "--limit", "100", "--output", "json", "--quiet"]
    shown = _dbt(args, env, str(tmp_path / "target"))
    assert shown.returncode == 0, shown.stdout[-4000:]
    return json.loads(shown.stdout)["show"]


def test_every_dbt_unit_test_passes(tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    con = duckdb.connect(str(warehouse))
    ensure_schema(con)
    con.close()
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "USAGE_BILLING_WAREHOUSE": str(warehouse),
        "USAGE_BILLING_AS_OF": "2026-11-03T00:00:00Z",
    }
    target = str(tmp_path / "target")
    # unit tests need their inputs' column types: build every model empty first
    built = _dbt(["build", "--empty", "--exclude-resource-type", "unit_test", "test"], env, target)
    assert built.returncode == 0, built.stdout[-4000:]
    tested = _dbt(["test", "--select", "test_type:unit"], env, target)
    assert tested.returncode == 0, tested.stdout[-6000:]
    results = [
        result
        for result in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
        if result["unique_id"].startswith("unit_test.")  # not the on-run-start hook
    ]
    assert len(results) >= 20
    assert {result["status"] for result in results} == {"pass"}


def test_unique_combination_of_columns_returns_exactly_the_repeated_keys(tmp_path):
    """Our generic test (macros/tests/): of (1, 2) twice, (1, 3), (2, 2) and (null, 5)
    twice, only (1, 2) and (null, 5) are failure rows, with their counts (a null
    compares equal here, unlike `unique`); a key repeated in one column alone is not."""
    rows = (
        "(select * from (values (1, 2), (1, 2), (1, 3), (2, 2), (null, 5), (null, 5)) as t(a, b))"
    )
    shown = _show(
        "{{ test_unique_combination_of_columns(model='" + rows + "', "
        "combination_of_columns=['a', 'b']) }}",
        tmp_path / "generic.duckdb",
        tmp_path,
    )
    failures = sorted(shown, key=lambda row: row["b"])
    assert failures == [{"a": 1, "b": 2, "row_count": 2}, {"a": None, "b": 5, "row_count": 2}]


def test_segment_usage_stale_days_finds_changed_counts_and_segments(tmp_path):
    """The days int_segment_usage_events places again (macros/usage/segment_usage_days.sql),
    on hand-made tables. Segment s1 [01-01, 02-01) of period p1, subscription sub1,
    customer c1. Stored rows against the metric values at or before the as-of time:
    - 01-05: 2 stored, 2 now, s1 as placed: not stale;
    - 01-06: 1 stored, 2 now (an event released since): stale;
    - 01-07: placed in segment s0, which is gone: stale;
    - 01-08: placed with period p0, s1's period is p1: stale;
    - 01-09: two rows, one placed for customer c9 (mixed attributes): stale;
    - 01-10: an event placed in s1 at 02-01 00:30, outside its range (a shortened
      segment, as after a cancellation): stale;
    - 01-11: stored, but no value at or before the as-of time (it moved back): stale;
    - 01-12: a value, nothing stored: stale."""
    warehouse = tmp_path / "stale.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema intermediate")
    con.execute(
        """create table intermediate.int_subscription_segments as select * from (values
           ('s1', 'p1', 'sub1', 'c1', timestamp '2026-01-01', timestamp '2026-02-01'))
           as t(segment_id, billing_period_id, subscription_id, customer_id, segment_start,
                usage_segment_end)"""
    )
    # the metric values are counted on the events (metric_value_day_counts()): one
    # catalog metric for t1, none for t2 (its event on 01-05 gives no metric value)
    con.execute("create schema seeds")
    con.execute(
        """create table seeds.metric_catalog as select * from (values ('m1', 't1'))
           as t(metric_code, event_type)"""
    )
    con.execute(
        """create table intermediate.int_usage_events as select *, 't1' as event_type
           from (values
           (timestamp '2026-01-05 01:00'), (timestamp '2026-01-05 02:00'),
           (timestamp '2026-01-06 01:00'), (timestamp '2026-01-06 02:00'),
           (timestamp '2026-01-07 01:00'), (timestamp '2026-01-08 01:00'),
           (timestamp '2026-01-09 01:00'), (timestamp '2026-01-09 02:00'),
           (timestamp '2026-01-10 01:00'), (timestamp '2026-01-12 01:00'),
           (timestamp '2026-01-13 01:00')) as t(event_at)
           union all select timestamp '2026-01-05 03:00', 't2'"""
    )
    con.execute(
        """create table main.stored as select * from (values
           (date '2026-01-05', 's1', 'p1', 'sub1', 'c1', timestamp '2026-01-05 01:00'),
           (date '2026-01-05', 's1', 'p1', 'sub1', 'c1', timestamp '2026-01-05 02:00'),
           (date '2026-01-06', 's1', 'p1', 'sub1', 'c1', timestamp '2026-01-06 01:00'),
           (date '2026-01-07', 's0', 'p1', 'sub1', 'c1', timestamp '2026-01-07 01:00'),
           (date '2026-01-08', 's1', 'p0', 'sub1', 'c1', timestamp '2026-01-08 01:00'),
           (date '2026-01-09', 's1', 'p1', 'sub1', 'c1', timestamp '2026-01-09 01:00'),
           (date '2026-01-09', 's1', 'p1', 'sub1', 'c9', timestamp '2026-01-09 02:00'),
           (date '2026-01-10', 's1', 'p1', 'sub1', 'c1', timestamp '2026-02-01 00:30'),
           (date '2026-01-11', 's1', 'p1', 'sub1', 'c1', timestamp '2026-01-11 01:00'))
           as t(usage_date, segment_id, billing_period_id, subscription_id, customer_id,
                event_at)"""
    )
    con.close()
    shown = _show(
        "{{ segment_usage_stale_days('main.stored') }} order by 1",
        warehouse,
        tmp_path,
        as_of="2026-01-12T12:00:00Z",  # 01-13's value is after it
    )
    assert [row["usage_date"] for row in shown] == [
        "2026-01-06",
        "2026-01-07",
        "2026-01-08",
        "2026-01-09",
        "2026-01-10",
        "2026-01-11",
        "2026-01-12",
    ]


def test_values_placed_once_finds_doubles_even_with_a_value_missing(tmp_path):
    """values_placed_once() (macros/tests/), the test that every metric value is placed
    once, on hand-made tables: c1's three values placed once each pass; c2's e is
    missing and d placed twice (counts equal, key hashes not); c3's value is not
    placed; c4 has a placed row and no value; c5 has i placed twice."""
    warehouse = tmp_path / "placed.duckdb"
    con = duckdb.connect(str(warehouse))
    for table, rows in {
        "vals": [("c1", "a"), ("c1", "b"), ("c1", "c"), ("c2", "d"), ("c2", "e"), ("c3", "f")]
        + [("c5", "h"), ("c5", "i")],
        "placed": [("c1", "c"), ("c1", "a"), ("c1", "b"), ("c2", "d"), ("c2", "d"), ("c4", "g")]
        + [("c5", "h"), ("c5", "i"), ("c5", "i")],
    }.items():
        con.execute(
            f"create table main.{table} (event_source varchar, event_id varchar, "
            "customer_id varchar, metric_code varchar)"
        )
        con.executemany(
            f"insert into main.{table} values ('src', ?, ?, 'api_requests')",
            [(event_id, customer) for customer, event_id in rows],
        )
    con.close()
    rows = _show(
        "{{ values_placed_once(key_hash_totals('main.vals', 'metric_code', 'value'), 'main.placed') }}",
        warehouse,
        tmp_path,
    )
    assert sorted(
        (row["customer_id"], row["value_count"], row["placed_count"]) for row in rows
    ) == [
        ("c2", 2, 2),
        ("c3", 1, 0),
        ("c4", 0, 1),
        ("c5", 2, 3),
    ]
