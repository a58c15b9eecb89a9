"""Read-only access to the published warehouse copy for the dashboard.

The dashboard never opens the file the pipeline writes: it reads the copy the run
publishes (`<warehouse folder>/published/<warehouse file name>`), opened read-only for
each query, so the next publish (an atomic file swap) is picked up on the next rerun
and no lock is ever held between reruns.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

PUBLISHED_ENV = "USAGE_BILLING_PUBLISHED"
WAREHOUSE_ENV = "USAGE_BILLING_WAREHOUSE"
DEFAULT_WAREHOUSE = Path(__file__).resolve().parents[1] / "warehouse" / "usage_billing.duckdb"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dashboard", add_help=False)
    parser.add_argument(
        "--warehouse", help="the pipeline's warehouse file (its published copy is read)"
    )
    parser.add_argument("--published", help="a published warehouse copy to read directly")
    arguments, _ = parser.parse_known_args(argv)
    return arguments


def published_path(argv: list[str] | None = None) -> Path:
    """The published copy to read, first match wins.

    `--published FILE` (after `streamlit run dashboard/app.py --`), env
    USAGE_BILLING_PUBLISHED, then the published copy of `--warehouse FILE`, env
    USAGE_BILLING_WAREHOUSE or the repository's default warehouse:
    `<its folder>/published/<its file name>`.
    """
    arguments = _arguments(sys.argv[1:] if argv is None else argv)
    published = arguments.published or os.environ.get(PUBLISHED_ENV)
    if published:
        return Path(published).expanduser().resolve()
    warehouse = Path(
        arguments.warehouse or os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE
    ).expanduser()
    warehouse = warehouse.resolve()
    return warehouse.parent / "published" / warehouse.name


@dataclass(frozen=True)
class Published:
    """The published copy, identified by path and modification time (the cache key)."""

    path: Path
    version: int

    @classmethod
    def locate(cls) -> Published | None:
        path = published_path()
        if not path.is_file():
            return None
        return cls(path=path, version=path.stat().st_mtime_ns)


@st.cache_data(show_spinner=False, max_entries=256)
def _query(path: str, version: int, sql: str) -> pd.DataFrame:
    """Run one query on a fresh read-only connection (cached per file version)."""
    del version  # only part of the cache key: a new publish has a new mtime
    # as every BI reader should (orchestration/defs/exports/publish.py `connect_published`)
    con = duckdb.connect(
        path,
        read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def sql_literal(value: object) -> str:
    """`value` as a single-quoted SQL string literal (embedded quotes doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


def query(published: Published, sql: str) -> pd.DataFrame:
    return _query(str(published.path), published.version, sql)


def columns_of(published: Published, schema: str, table: str) -> set[str]:
    """Column names of schema.table in the published copy (empty when it is not built)."""
    frame = query(
        published,
        "select column_name from information_schema.columns "
        f"where table_schema = '{schema}' and table_name = '{table}'",
    )
    return set(frame["column_name"])


def missing_note(
    published: Published, table: str, required: set[str], schema: str = "marts"
) -> str | None:
    """Why `schema.table` cannot be shown, or None when it has every required column."""
    present = columns_of(published, schema, table)
    if not present:
        return (
            f"`{schema}.{table}` is not built yet in the published warehouse: this chart "
            "appears after a run that builds it."
        )
    absent = sorted(required - present)
    if absent:
        return f"`{schema}.{table}` has no column {', '.join(absent)}: this chart cannot be drawn."
    return None
