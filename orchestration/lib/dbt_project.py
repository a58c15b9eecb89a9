"""The dbt project as Dagster sees it, with a manifest that is kept current."""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.lib.settings import DBT_PROJECT_DIR, WAREHOUSE_ENV

TARGET_PATH = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = TARGET_PATH / "manifest.json"
_WATCHED = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in _WATCHED:
        path = DBT_PROJECT_DIR / name
        # directories too: moving a file in or out keeps its own mtime but not its folder's
        entries = [path] if path.is_file() else [path, *path.rglob("*")] if path.exists() else []
        for entry in entries:
            newest = max(newest, entry.stat().st_mtime)
    return newest


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


# dbt's partial-parse file as `ensure_manifest` left it: any other dbt command run in the
# project folder (sqlfluff's dbt templater, `dbt build` by hand) rewrites
# target/partial_parse.msgpack for its own profile; dbt_state reads this copy.
PARTIAL_PARSE_SNAPSHOT = TARGET_PATH / "partial_parse.default_profile.msgpack"


def default_profile_environment() -> dict[str, str]:
    """This process's environment without the warehouse setting: the profile then renders
    its default warehouse, the one the project's partial-parse file is written for."""
    return {name: value for name, value in os.environ.items() if name != WAREHOUSE_ENV}


def _is_current() -> bool:
    return (
        MANIFEST_PATH.exists()
        and PARTIAL_PARSE_SNAPSHOT.exists()
        and MANIFEST_PATH.stat().st_mtime >= _newest_source_mtime()
    )


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project files.

    Processes that load the code location at once (the UI, a CLI run, test workers)
    take turns on a lock file, so none reads a manifest another is still writing."""
    TARGET_PATH.mkdir(parents=True, exist_ok=True)
    with open(TARGET_PATH / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_current():
            # parsed for the profile's default warehouse: dbt_state rebases its
            # partial-parse file to the others
            env = {**default_profile_environment(), "DO_NOT_TRACK": "1"}
            subprocess.run(
                [dbt_executable(), "parse", "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"],
                cwd=DBT_PROJECT_DIR,
                env=env,
                check=True,
            )
            snapshot = PARTIAL_PARSE_SNAPSHOT.with_suffix(".tmp")
            shutil.copyfile(TARGET_PATH / "partial_parse.msgpack", snapshot)
            snapshot.replace(PARTIAL_PARSE_SNAPSHOT)
    return MANIFEST_PATH


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class UsageBillingDbtResource(DbtCliResource):
    """dagster-dbt's resource without two per-call costs this project does not use.

    Before each dbt command dagster-dbt builds an in-process dbt adapter (about 3 s
    here) that only serves `fetch_column_metadata()`/`fetch_row_count()`, which no asset
    of ours calls (the run's figures come from our own queries, asset_metadata.py), and
    once per resource it runs `dbt --version` in a subprocess (about 5 s) to tell dbt
    Core from the Fusion engine: the pinned dbt-core in this environment answers that.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return UsageBillingDbtResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )
