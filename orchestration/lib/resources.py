"""Dagster resources shared by every asset: where the warehouse and landing data are,
and the run's as-of time."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.lib import settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file, the landing directory and the processing time.

    Empty values fall back to the environment variables of `settings` (the same
    ones the dbt profile reads), then to the repository defaults.
    """

    warehouse_path: str = ""
    landing_dir: str = ""
    as_of: str = ""

    def warehouse(self) -> Path:
        path = (
            Path(self.warehouse_path).resolve()
            if self.warehouse_path
            else settings.warehouse_path()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def landing(self) -> Path:
        return Path(self.landing_dir).resolve() if self.landing_dir else settings.landing_dir()

    def run_as_of(self, context: dg.OpExecutionContext | None = None) -> datetime:
        """The as-of time: configured, else the environment, else the run's creation time.

        Using the run's creation time (not "now" in each step) gives every step of one
        run the same clock.
        """
        configured = self.as_of or os.environ.get(settings.AS_OF_ENV, "")
        if configured:
            return settings.parse_as_of(configured)
        if context is not None:
            record = context.instance.get_run_record_by_id(context.run_id)
            if record is not None and record.create_timestamp is not None:
                created = record.create_timestamp.astimezone(UTC)
                return created.replace(tzinfo=None, microsecond=0)
        return settings.parse_as_of(None)

    def export_environment(self, context: dg.OpExecutionContext | None = None) -> dict[str, str]:
        """Point the dbt profile and vars at this warehouse and clock (same process env)."""
        values = {
            settings.WAREHOUSE_ENV: str(self.warehouse()),
            settings.LANDING_ENV: str(self.landing()),
            settings.AS_OF_ENV: settings.format_as_of(self.run_as_of(context)),
            settings.DUCKDB_MEMORY_ENV: settings.duckdb_config()["memory_limit"],
            "DO_NOT_TRACK": "1",
        }
        os.environ.update(values)
        return values

    @contextmanager
    def connect(self, read_only: bool = False):
        con = duckdb.connect(
            str(self.warehouse()), read_only=read_only, config=settings.duckdb_config()
        )
        try:
            yield con
        finally:
            con.close()
