"""Issue 9, fault injection: SIGKILL `usage-billing run` at a random point of ingestion
and at a random point of the dbt build, re-run, and the marts are identical to the
uninterrupted run; no dbt process outlives the kill; no temporary relation is left.

The uninterrupted reference is the shared run (tests/reliability_scenario.py, DuckDB at
2 threads); the re-run after the kills uses 1 DuckDB thread, so the same comparison
also shows that totals do not depend on the thread count.

The delays are random; the seed is printed and can be fixed with USAGE_BILLING_KILL_SEED.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import reliability_scenario as scenario_module

from orchestration.lib.settings import REPO_ROOT

USAGE_BILLING = str(Path(sys.executable).with_name("usage-billing"))
INGESTION_STARTED = "landing_files - Reading landing directory"
DBT_STARTED = "Running dbt command"

pytestmark = pytest.mark.slow


def _environ_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="ignore")
    except OSError:
        return ""


def processes_using(warehouse: Path) -> list[str]:
    """Command lines of live processes whose environment names `warehouse` (run, dbt)."""
    marker = f"USAGE_BILLING_WAREHOUSE={warehouse}"
    found = []
    for entry in Path("/proc").iterdir():
        if (
            entry.name.isdigit()
            and int(entry.name) != os.getpid()
            and marker in _environ_of(int(entry.name))
        ):
            try:
                state = (entry / "stat").read_text().split()[2]
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if state != "Z":
                found.append(command)
    return found


def processes_left(warehouse: Path, grace: float = 15.0) -> list[str]:
    """`processes_using` after up to `grace` seconds for exiting processes to go: a
    multiprocessing resource tracker of dbt's leaves a moment after its parent exits.
    A process that outlives a run stays past any grace period."""
    deadline = time.monotonic() + grace
    while (found := processes_using(warehouse)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return found


class RunProcess:
    def __init__(self, landing: Path, warehouse: Path, log: Path, threads: str) -> None:
        self.log = log
        env = {
            **os.environ,
            "DO_NOT_TRACK": "1",
            "USAGE_BILLING_WAREHOUSE": str(warehouse),
            scenario_module.THREADS_ENV: threads,
        }
        self.handle = log.open("w")
        self.process = subprocess.Popen(
            [
                USAGE_BILLING,
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--as-of",
                scenario_module.AS_OF,
            ],
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,  # its own process group: dbt and all
        )

    def wait_for(self, marker: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.log.read_text(errors="ignore"):
            assert self.process.poll() is None, f"the run ended before {marker!r}"
            assert time.monotonic() < deadline, f"no {marker!r} in {timeout} s"
            time.sleep(0.05)

    def kill_group(self) -> bool:
        """SIGKILL the whole process group; True when the run was still running."""
        running = self.process.poll() is None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.handle.close()
        return running

    def finish(self, timeout: float = 600) -> int:
        code = self.process.wait(timeout=timeout)
        self.handle.close()
        return code


def _marts(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            """select table_name from information_schema.tables
               where table_schema = 'marts' and table_type = 'BASE TABLE' order by 1"""
        ).fetchall()
        return {
            name: sorted(con.execute(f'select * from marts."{name}"').fetchall(), key=repr)
            for (name,) in tables
        }
    finally:
        con.close()


def test_killed_runs_then_a_rerun_give_the_uninterrupted_marts(tmp_path_factory):
    from conftest import Warehouse

    # the first shared run: the fixed landing, uninterrupted, 2 threads
    shared = scenario_module.scenario(tmp_path_factory, need_second_run=False)
    seed = scenario_module.random_seed()
    print(f"USAGE_BILLING_KILL_SEED={seed}")
    rng = random.Random(seed)

    victim = Warehouse(tmp_path_factory.mktemp("killed"))
    shutil.copytree(shared.first_landing, victim.landing, dirs_exist_ok=True)
    victim.path.parent.mkdir(parents=True)
    logs = victim.root / "logs"
    logs.mkdir()

    # 1. during ingestion (about 200,000 records, a few seconds)
    first = RunProcess(victim.landing, victim.path, logs / "kill-ingestion.log", "2")
    first.wait_for(INGESTION_STARTED)
    time.sleep(rng.uniform(0.0, 2.0))
    assert first.kill_group(), "the run finished before the kill during ingestion"
    assert processes_left(victim.path) == []

    # 2. during the dbt build (it runs for about a minute here)
    second = RunProcess(victim.landing, victim.path, logs / "kill-dbt.log", "2")
    second.wait_for(DBT_STARTED)
    time.sleep(rng.uniform(3.0, 30.0))
    assert second.kill_group(), "the run finished before the kill during the dbt build"
    assert processes_left(victim.path) == [], "a dbt process outlived the killed run"

    # 3. the re-run, with one DuckDB thread
    final = RunProcess(victim.landing, victim.path, logs / "rerun.log", "1")
    assert final.finish() == 0, (logs / "rerun.log").read_text()[-4000:]
    assert processes_left(victim.path) == []

    expected, actual = _marts(shared.first_run), _marts(victim.path)
    assert sorted(actual) == sorted(expected)
    assert len(expected["fct_invoices"]) >= 20
    differing = [name for name in expected if actual[name] != expected[name]]
    assert differing == []

    leftovers = victim.query(
        """select schema_name || '.' || table_name from duckdb_tables()
           where regexp_matches(table_name, '__dbt_(tmp|backup)|^dbt_tmp|_tmp$')
           union all
           select schema_name || '.' || view_name from duckdb_views()
           where regexp_matches(view_name, '__dbt_(tmp|backup)|^dbt_tmp|_tmp$')"""
    )
    assert leftovers == []
    assert sorted(p.name for p in victim.path.parent.rglob("*.tmp")) == []
