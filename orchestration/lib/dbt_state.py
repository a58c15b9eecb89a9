"""dbt's partial parsing for any warehouse file, and a bounded `target/` folder.

dbt re-parses the whole project (some 15 s here) whenever the profile's connection
details differ from those its `partial_parse.msgpack` was written with, and the
warehouse path is one of them. Every warehouse but the default one, and every
`usage-billing run --warehouse`, test and benchmark, would pay that three times a run.

`seed_partial_parse` gives each dbt invocation the project's partial-parse file
(written by `dbt parse` for the profile's default warehouse and kept aside by
dbt_project.ensure_manifest, since other dbt commands rewrite dbt's own copy)
with its profile checksum computed for the run's warehouse, by dbt's own code. It
does so only when that is provably the only difference: the stored checksum must equal
the one computed for the default warehouse under the current environment (so the file
and the profile agree, and our computation is dbt's), and the two warehouses' connection
details must differ in nothing but `path` (same file name, hence the same dbt
`database`, which the manifest's nodes carry). The project reads no `target.path` in
its SQL. Otherwise the invocation starts without the file and dbt parses in full, as
before: the shortcut can cost time, never correctness. dbt still re-parses any file
whose contents or `env_var()` values changed.

`prune_invocations` keeps the newest invocation folders of `target/` (dagster-dbt
writes one per dbt command, some 15 MB each) so scheduled runs do not fill the disk.
"""

from __future__ import annotations

import pprint
import re
import shutil
import uuid
from argparse import Namespace
from functools import lru_cache
from pathlib import Path

from orchestration.lib.dbt_project import (
    PARTIAL_PARSE_SNAPSHOT,
    TARGET_PATH,
    default_profile_environment,
)
from orchestration.lib.settings import DBT_PROJECT_DIR, WAREHOUSE_ENV

PARTIAL_PARSE = "partial_parse.msgpack"
KEEP_INVOCATIONS = 30
# {op name}-{run id[:7]}-{7 hex digits}: dagster-dbt's naming, and ours
_INVOCATION = re.compile(r"^[a-z_]+-[0-9a-f]{7}-[0-9a-f]{7}$")


def invocation_target(op_name: str, run_id: str) -> Path:
    """A fresh target folder for one dbt command, named as dagster-dbt names its own."""
    return TARGET_PATH / f"{op_name}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"


def _connection_info(warehouse: Path | None) -> dict:
    """The profile's connection details for `warehouse` (None: the profile's default),
    rendered by dbt itself."""
    from dbt.config.runtime import load_profile
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_from_args(Namespace(profiles_dir=str(DBT_PROJECT_DIR)), None)
    env = default_profile_environment()
    set_invocation_context(env if warehouse is None else {**env, WAREHOUSE_ENV: str(warehouse)})
    profile = load_profile(str(DBT_PROJECT_DIR), {}, None, None)
    return dict(profile.credentials.connection_info())


def _profile_hash(info: dict):
    """dbt's ManifestStateCheck.profile_hash of these connection details."""
    from dbt.contracts.files import FileHash

    return FileHash.from_contents(pprint.pformat(sorted(info.items())))


@lru_cache(maxsize=8)
def _rebased(source: Path, mtime_ns: int, warehouse: Path) -> bytes | None:
    """The partial-parse file `source` made valid for `warehouse`, or None when unsafe."""
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumaro_encoder, extended_mashumuro_decoder

    default, wanted = _connection_info(None), _connection_info(warehouse)
    if {**default, "path": None} != {**wanted, "path": None}:
        return None  # another file name: another dbt database, the nodes would not match
    manifest = Manifest.from_msgpack(source.read_bytes(), decoder=extended_mashumuro_decoder)
    if manifest.state_check.profile_hash != _profile_hash(default):
        return None  # written under another profile or dbt version: let dbt decide
    manifest.state_check.profile_hash = _profile_hash(wanted)
    return manifest.to_msgpack(extended_mashumaro_encoder)


def seed_partial_parse(target: Path, warehouse: Path) -> bool:
    """Put a partial-parse file valid for `warehouse` into `target`; False when none is safe."""
    source = PARTIAL_PARSE_SNAPSHOT
    if not source.exists():
        return False
    try:
        content = _rebased(source, source.stat().st_mtime_ns, warehouse.resolve())
    except Exception:  # noqa: BLE001 - an optimisation: any surprise means a full parse
        return False
    if content is None:
        return False
    target.mkdir(parents=True, exist_ok=True)
    (target / PARTIAL_PARSE).write_bytes(content)
    return True


def prune_invocations(keep: int = KEEP_INVOCATIONS) -> None:
    """Delete all but the newest `keep` per-invocation folders under target/."""
    if not TARGET_PATH.exists():
        return
    folders = [p for p in TARGET_PATH.iterdir() if p.is_dir() and _INVOCATION.match(p.name)]
    folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)
