"""Shared fixtures: run the real `usage-billing run` on hand-built landing directories."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from orchestration import cli  # noqa: E402


class Warehouse:
    """A landing directory and warehouse file for one scenario, and ways to run and query it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.landing = root / "landing"
        self.path = root / "warehouse" / "usage_billing.duckdb"
        self.landing.mkdir(parents=True, exist_ok=True)

    def run(self, as_of: str, *extra: str, expect_success: bool = True) -> int:
        code = cli.main(
            [
                "run",
                "--landing",
                str(self.landing),
                "--warehouse",
                str(self.path),
                "--as-of",
                as_of,
                *extra,
            ]
        )
        if expect_success:
            assert code == 0, f"usage-billing run failed with exit code {code}"
        return code

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def table(self, name: str, order_by: str) -> list[tuple]:
        return self.query(f"select * from {name} order by {order_by}")


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)
