"""The dbt project as Dagster sees it, with a manifest that is kept current."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.lib.settings import DBT_PROJECT_DIR

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


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project files."""
    if MANIFEST_PATH.exists() and MANIFEST_PATH.stat().st_mtime >= _newest_source_mtime():
        return MANIFEST_PATH
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    subprocess.run(
        [dbt_executable(), "parse", "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )
    return MANIFEST_PATH


dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )
