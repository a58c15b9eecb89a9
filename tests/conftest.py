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


# The files that take longest (pipeline runs, sqlfluff), first: pytest-xdist hands whole
# files to its workers in collection order (`make test` passes --no-loadscope-reorder),
# so the long ones start early and the short ones fill the gaps at the end.
# Measured with `--durations` in `make test`; update when a file's share changes.
SLOWEST_FIRST = [
    "test_reliability_kill.py",  # these four share one scenario (SHARED_SCENARIO_FILES)
    "test_reliability.py",
    "test_security.py",
    "test_fuzz_staging.py",
    "test_ingestion.py",
    "test_ui_browser.py",
    "test_reconciliation.py",
    "test_billing_scenarios.py",
    "test_bench.py",
    "test_partitions.py",
    "test_sql_lint.py",
    "test_growth.py",
    "test_revenue_finance.py",
    "test_publish.py",
    "test_dashboard.py",
    "test_dbt_unit_tests.py",
]
# Files whose tests read the reliability scenario (tests/reliability_scenario.py: two
# pipeline runs, cached per worker process): one worker takes them all, so the runs
# happen once per `make test` instead of once per worker that gets one of the files.
SHARED_SCENARIO_FILES = {
    "test_reliability_kill.py",
    "test_reliability.py",
    "test_security.py",
    "test_fuzz_staging.py",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """pytest-xdist's file scheduling, with the shared-scenario files as one unit."""
    from xdist.scheduler import LoadFileScheduling

    class SharedScenarioScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "reliability scenario" if Path(path).name in SHARED_SCENARIO_FILES else path

    return SharedScenarioScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
