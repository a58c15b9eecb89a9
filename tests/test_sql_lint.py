"""sqlfluff (dbt templater, DuckDB dialect) over every model and dbt singular test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.lib.dbt_project import dbt_executable
from orchestration.lib.ingest import ensure_schema
from orchestration.lib.settings import REPO_ROOT


def test_sql_passes_sqlfluff(tmp_path):
    warehouse = tmp_path / "lint.duckdb"
    con = duckdb.connect(str(warehouse))
    ensure_schema(con)
    con.close()
    env = {**os.environ, "DO_NOT_TRACK": "1", "USAGE_BILLING_WAREHOUSE": str(warehouse)}
    # staging reads the metric catalog seed while it compiles: load the seeds first
    seeded = subprocess.run(
        [
            dbt_executable(),
            "seed",
            "--profiles-dir",
            str(REPO_ROOT),
            "--target-path",
            str(tmp_path / "t"),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert seeded.returncode == 0, seeded.stdout[-3000:]
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    linted = subprocess.run(
        [str(sqlfluff), "lint", "models", "tests/dbt", "--disable-progress-bar"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert linted.returncode == 0, linted.stdout[-6000:]
