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
    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "USAGE_BILLING_WAREHOUSE": str(tmp_path / "generic.duckdb"),
    }
    rows = (
        "(select * from (values (1, 2), (1, 2), (1, 3), (2, 2), (null, 5), (null, 5)) as t(a, b))"
    )
    shown = _dbt(
        [
            "show",
            "--inline",
            "{{ test_unique_combination_of_columns(model='" + rows + "', "
            "combination_of_columns=['a', 'b']) }}",
            "--output",
            "json",
            "--quiet",
        ],
        env,
        str(tmp_path / "target"),
    )
    assert shown.returncode == 0, shown.stdout[-4000:]
    failures = sorted(json.loads(shown.stdout)["show"], key=lambda row: row["b"])
    assert failures == [{"a": 1, "b": 2, "row_count": 2}, {"a": None, "b": 5, "row_count": 2}]
