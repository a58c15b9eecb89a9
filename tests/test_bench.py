"""The benchmark command at a tiny size: the structure and consistency of its JSON.

Timings are printed by `usage-billing bench`, never asserted: a timed unit test on a
shared two-core machine fails for reasons that are not defects. What is asserted
is what cannot vary: the counts, and that the pipeline's accepted usage per
customer, day and metric equals the floor's (and pandas') over the same files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.lib import bench as bench_module
from orchestration.lib.bench import TARGETS
from orchestration.lib.bench_baselines import usage_glob
from orchestration.lib.bench_landing import MANIFEST, reusable_landing, write_bench_landing

EVENTS, DAYS = 20_000, 3


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    assert main(["bench", "--events", str(EVENTS), "--days", str(DAYS), "--out", str(out)]) == 0
    report = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    return report, str(out)


def test_landing_is_parquet_with_duplicates_across_midnight(tmp_path: Path) -> None:
    landing = write_bench_landing(tmp_path, 5_000, 2, customers=30, seed=7)
    files = sorted(landing.landing.glob("usage_events/**/*.parquet"))
    assert [f.name for f in files] == ["2026-01-01.parquet", "2026-01-02.parquet"]
    rows, distinct = duckdb.sql(
        f"select count(*), count(distinct (source, id)) from read_parquet('{usage_glob(landing.landing)}')"
    ).fetchone()
    assert (rows, distinct) == (landing.events_written, landing.unique_events)
    assert 0 < rows - distinct <= rows * 0.01  # 0.5 % of a day lands again the next day
    next_rows = duckdb.sql(
        f"select count(*) from read_parquet('{usage_glob(landing.next_day)}')"
    ).fetchone()[0]
    assert next_rows == landing.next_day_events
    # deterministic: the same parameters give the same bytes
    again = write_bench_landing(tmp_path / "again", 5_000, 2, customers=30, seed=7)
    assert (
        files[0].read_bytes()
        == sorted(again.landing.glob("usage_events/**/*.parquet"))[0].read_bytes()
    )


def test_a_moved_landing_is_reused_from_its_new_place(tmp_path: Path) -> None:
    written = write_bench_landing(tmp_path / "old", 2_000, 2, customers=30, seed=7)
    manifest = (tmp_path / "old" / MANIFEST).read_text(encoding="utf-8")
    assert str(tmp_path) not in manifest  # no absolute path to go stale
    (tmp_path / "old").rename(tmp_path / "new")
    found = reusable_landing(tmp_path / "new", 2_000, 2, customers=30, seed=7)
    assert found is not None
    assert (found.root, found.landing, found.next_day) == (
        tmp_path / "new",
        tmp_path / "new" / "landing",
        tmp_path / "new" / "next_day",
    )
    assert found.to_json() | {"root": "", "landing": "", "next_day": ""} == written.to_json() | {
        "root": "",
        "landing": "",
        "next_day": "",
    }
    # other parameters, or a next day already moved in, are not reused
    assert reusable_landing(tmp_path / "new", 2_000, 3, customers=30, seed=7) is None
    shutil.rmtree(found.next_day)
    assert reusable_landing(tmp_path / "new", 2_000, 2, customers=30, seed=7) is None


def test_calibration_hits_the_requested_volume(tmp_path: Path) -> None:
    # the multiplier is solved from the plan's expected volume; Poisson noise stays small
    landing = write_bench_landing(tmp_path, 100_000, 5, customers=60, seed=3)
    assert abs(landing.events_written - 100_000) < 100_000 * 0.05
    assert landing.multiplier > 0


def test_report_structure(bench: tuple[dict, str]) -> None:
    report, out = bench
    for key in ("full", "incremental", "floor", "pandas", "generation"):
        assert report[key]["seconds"] >= 0
        assert "peak_rss_bytes" in report[key]
    assert report["full"]["peak_rss_bytes"] > 0
    assert "landing_files" in report["full"]["stages"]
    assert "dbt_models" in report["full"]["stages"]
    assert set(report["targets"]) == set(TARGETS)
    for verdict in report["targets"].values():
        assert verdict["status"] in ("pass", "fail", "not measured")
    assert report["pandas"]["skipped"] is None  # 20,000 events fit in memory
    assert set(report["ratios"]) >= {"full_over_floor", "incremental_share_of_full"}
    assert list(Path(out).glob(f"bench_{EVENTS}_{DAYS}d_*.json"))


def test_counts_are_consistent(bench: tuple[dict, str]) -> None:
    report, _ = bench
    landing, check = report["landing"], report["consistency"]
    assert abs(landing["events_written"] - EVENTS) < EVENTS * 0.05
    # every event read is staged; exact duplicates are counted once
    assert check["staged_records"] == landing["events_written"]
    assert report["full"]["rows"] == landing["events_written"]
    assert check["staged_distinct_events"] == landing["unique_events"]
    assert check["accepted_events"] == landing["unique_events"]
    # the incremental run loaded exactly the one more day
    assert report["incremental"]["skipped"] is None
    after = check["after_incremental"]
    assert report["incremental"]["rows"] == landing["next_day_events"]
    assert after["loads"] == 2
    assert after["last_load_usage_records_staged"] == landing["next_day_events"]
    assert after["accepted_events"] == landing["unique_events"] + landing["next_day_unique_new"]


def test_floor_pandas_and_pipeline_agree(bench: tuple[dict, str]) -> None:
    check = bench[0]["consistency"]
    assert check["pipeline_daily_rows_not_equal_to_floor"] == 0
    assert check["pandas_daily_rows_not_equal_to_floor"] == 0
    assert check["pipeline_totals"] == check["floor_totals"]
    assert check["floor_totals"]["api_requests"]["events"] > 0
    assert (
        check["floor_totals"]["api_requests"]["events"]
        == check["floor_totals"]["bandwidth_gb"]["events"]
    )


def test_metric_value_day_counts_equal_the_view_on_the_bench_warehouse(
    bench: tuple[dict, str], tmp_path: Path
) -> None:
    """The changed-day searches count int_usage_metric_values on the events
    (metric_value_day_counts(): a day's events of each type times the type's catalog
    metrics). On the bench warehouse (three event types, api.request giving three
    metrics) the counts equal the view's rows on every day."""
    from test_dbt_unit_tests import _show

    warehouse = Path(bench[1]) / f"run_{EVENTS}_{DAYS}d" / "warehouse" / "usage_billing.duckdb"
    shown = _show(
        """
        with counted as ({{ metric_value_day_counts() }}),
        viewed as (
            select cast(event_at as date) as usage_date, count(*) as row_count
            from {{ ref('int_usage_metric_values') }}
            group by cast(event_at as date)
        ),
        events as (select count(*) as event_count from {{ ref('int_usage_events') }})
        select
            (select sum(row_count) from counted) as counted_rows,
            (select sum(row_count) from viewed) as view_rows,
            (select event_count from events) as event_count,
            (select count(*) from counted) as counted_days,
            (
                select count(*) from counted
                full outer join viewed on counted.usage_date = viewed.usage_date
                where counted.row_count is distinct from viewed.row_count
            ) as differing_days
        """,
        warehouse,
        tmp_path,
    )
    [row] = shown
    assert row["differing_days"] == 0
    assert row["counted_days"] == DAYS + 1  # the one more day too
    assert row["counted_rows"] == row["view_rows"]
    # api.request events count three times: the weights matter
    assert row["event_count"] < row["counted_rows"] < 3 * row["event_count"]


def test_a_disk_too_small_for_the_warehouse_stops_the_bench_first(
    tmp_path: Path, monkeypatch
) -> None:
    """At 385 bytes an event, 100M events need about 38.5 GB of warehouse: with 30 GB free
    the bench stops before the pipeline and says how much it needs and has; with 40 GB
    free it goes on."""
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(
        bench_module.shutil, "disk_usage", lambda folder: usage._replace(free=30_000_000_000)
    )
    with pytest.raises(RuntimeError) as stopped:
        bench_module.check_disk(100_000_000, tmp_path)
    assert str(stopped.value).startswith(
        f"{tmp_path}: 30.0 GB free, but a warehouse of 100,000,000 events takes about 38.5 GB"
    )
    monkeypatch.setattr(
        bench_module.shutil, "disk_usage", lambda folder: usage._replace(free=40_000_000_000)
    )
    bench_module.check_disk(100_000_000, tmp_path)
