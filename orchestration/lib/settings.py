"""One place that resolves the warehouse, landing directory and as-of time.

The dbt profile, the Dagster resources and the command line all read the same
environment variables, so every entry point works on the same warehouse file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT

WAREHOUSE_ENV = "USAGE_BILLING_WAREHOUSE"
LANDING_ENV = "USAGE_BILLING_LANDING_DIR"
AS_OF_ENV = "USAGE_BILLING_AS_OF"

DUCKDB_MEMORY_ENV = "USAGE_BILLING_DUCKDB_MEMORY_LIMIT"
# DuckDB's own default is 80 % of the machine's memory; a fixed limit keeps a run's peak
# RSS bounded at any volume (DuckDB spills joins, aggregates and sorts beyond it to
# `<warehouse>.tmp/`). The dbt build (on-run-start macro) and the Python steps use it.
DEFAULT_DUCKDB_MEMORY_LIMIT = "6GB"

DEFAULT_WAREHOUSE = REPO_ROOT / "warehouse" / "usage_billing.duckdb"
DEFAULT_LANDING = REPO_ROOT / "data" / "landing"


def warehouse_path() -> Path:
    """Absolute path of the DuckDB warehouse file (env `USAGE_BILLING_WAREHOUSE`)."""
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).expanduser().resolve()


def duckdb_config() -> dict[str, str]:
    """Settings for every DuckDB connection of a run (env `USAGE_BILLING_DUCKDB_MEMORY_LIMIT`)."""
    return {"memory_limit": os.environ.get(DUCKDB_MEMORY_ENV) or DEFAULT_DUCKDB_MEMORY_LIMIT}


def landing_dir() -> Path:
    """Absolute path of the landing directory (env `USAGE_BILLING_LANDING_DIR`)."""
    return Path(os.environ.get(LANDING_ENV) or DEFAULT_LANDING).expanduser().resolve()


def parse_as_of(value: str | None) -> datetime:
    """Parse an ISO-8601 as-of time to a naive UTC datetime (whole seconds).

    A value without an offset is read as UTC; no value means now.
    """
    if not value:
        moment = datetime.now(UTC)
    else:
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def as_of() -> datetime:
    """The processing time of this run (env `USAGE_BILLING_AS_OF`, default now)."""
    return parse_as_of(os.environ.get(AS_OF_ENV))


def format_as_of(moment: datetime) -> str:
    """Render a naive UTC datetime the way the dbt var `as_of` expects it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
