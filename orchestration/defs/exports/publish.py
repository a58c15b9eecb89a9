"""Publishing for BI tools: a read-only copy of the warehouse and Parquet exports of the marts.

BI tools must never hold a lock on the file the pipeline writes (DuckDB allows one
writer process, and a reader in another process blocks it). So after every dbt
asset is built and checked, the run publishes:

- `<warehouse folder>/published/<warehouse file name>` (by default
  `warehouse/published/usage_billing.duckdb`): a copy of the warehouse's consumer
  layers (every schema but `raw`, `staging` and `intermediate`: marts, seeds, quality,
  utilities, exports) with raw text redacted (personal_data.write_redacted_copy),
  written to a temporary file in the same folder and swapped in with `os.replace`, so
  a reader sees the previous copy or the new one, never half a file. The file name is
  kept because DuckDB names the catalog after it and dbt's views name it.
- `<warehouse folder>/exports/<mart>.parquet`: every public mart (every dbt model
  under `models/marts/`, read from the dbt manifest), each swapped in atomically too.

Gating ("after the checks pass"): both assets depend on every dbt asset. dbt tests
are asset checks of the dbt assets, blocking for error severity, and a failing
test also fails the `dbt build` step; any other blocking asset check (Great
Expectations gates) on a dbt asset stops its downstream assets. Either way a failed
blocking check leaves these steps unexecuted, and the published copy and exports
stay those of the last good run.
"""

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.defs.transform import dbt_assets as transform
from orchestration.lib import partitions
from orchestration.lib.personal_data import write_redacted_copy
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.sql_text import quote_identifier, quote_literal

PUBLISHED_FOLDER = "published"
# The pipeline's internal layers, not published: landed records as read (`raw`), their
# parsing (`staging`) and the working tables (`intermediate`, per event at the largest).
# BI tools read the consumer layers: marts, seeds, quality (GX results), utilities (the
# time spine MetricFlow needs) and exports (the CRM export's ledger).
UNPUBLISHED_SCHEMAS = ("raw", "staging", "intermediate")
EXPORTS_FOLDER = "exports"
MARTS_PATH_PREFIX = "models/marts/"
PUBLISHED_MODE = 0o644
PUBLISHED_KEY = dg.AssetKey(["exports", "published_warehouse"])
PARQUET_KEY = dg.AssetKey(["exports", "mart_parquet_files"])


def dbt_assets_definitions() -> list[dg.AssetsDefinition]:
    """Every dbt asset definition of the transform module (the dbt build may be split in ops)."""
    return [value for value in vars(transform).values() if isinstance(value, dg.AssetsDefinition)]


# every dbt model, seed and snapshot: publishing runs after the whole dbt build
UPSTREAM_KEYS: list[dg.AssetKey] = sorted(
    {key for assets_def in dbt_assets_definitions() for key in assets_def.keys}
)


def published_path(warehouse: Path) -> Path:
    """Where the read-only copy of `warehouse` is published (same file name, `published/`)."""
    return warehouse.parent / PUBLISHED_FOLDER / warehouse.name


def exports_folder(warehouse: Path) -> Path:
    return warehouse.parent / EXPORTS_FOLDER


def public_marts(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(schema, relation name) of every enabled dbt model under models/marts/, sorted."""
    marts = {
        (node["schema"], node.get("alias") or node["name"])
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
        and node.get("original_file_path", "").startswith(MARTS_PATH_PREFIX)
        and node.get("config", {}).get("enabled", True)
    }
    return sorted(marts)


def _temporary_sibling(target: Path) -> Path:
    """A new empty file next to `target` (same file system, so os.replace is atomic).

    Readable by everyone (mkstemp makes it private): BI tools may run as other users.
    """
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    os.chmod(name, PUBLISHED_MODE)
    return Path(name)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def checkpoint(warehouse: Path) -> None:
    """Write DuckDB's write-ahead log into the file, so the file alone is the whole database."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    if _wal(warehouse).exists():
        raise RuntimeError(
            f"{_wal(warehouse)} is still present after a checkpoint: a writer is open"
        )


def publish_copy(warehouse: Path) -> Path:
    """Write the published copy of the warehouse (every schema but UNPUBLISHED_SCHEMAS,
    raw text redacted) and swap it in atomically; return its path.

    The copy is written in a private folder next to the target under the warehouse's
    own file name (DuckDB names the catalog after the file, and the views name it),
    then renamed over the target.
    """
    target = published_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    checkpoint(warehouse)
    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    temporary = folder / target.name
    try:
        # BI readers never see e-mail or IP addresses in clear, even in raw records
        write_redacted_copy(str(warehouse), str(temporary), UNPUBLISHED_SCHEMAS)
        os.chmod(temporary, PUBLISHED_MODE)  # readable by a BI tool's user
        # a copy that DuckDB cannot open must never replace a good one
        duckdb.connect(str(temporary), read_only=True).close()
        # a log left by someone who opened the old copy read-write would be replayed on the new one
        _wal(target).unlink(missing_ok=True)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return target


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a published copy the way BI readers must: read-only, with no access to files
    or URLs outside the database (no read_csv, COPY, ATTACH or httpfs), and the
    configuration locked so a query cannot switch either back on."""
    return duckdb.connect(
        str(path),
        read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )


def export_marts(
    published: Path, marts: Iterable[tuple[str, str]], folder: Path
) -> tuple[dict[str, int], list[str]]:
    """Write each mart of the published copy to `folder/<mart>.parquet` atomically.

    Returns the rows written per mart and the marts missing from the warehouse. Top-level
    Parquet files of marts that are no longer in the project are removed (sub-folders,
    such as the CRM export's, are left alone).
    """
    folder.mkdir(parents=True, exist_ok=True)
    marts = list(marts)
    written: dict[str, int] = {}
    missing: list[str] = []
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = set(
            con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        )
        for schema, name in marts:
            if (schema, name) not in tables:
                missing.append(f"{schema}.{name}")
                continue
            target = folder / f"{name}.parquet"
            temporary = _temporary_sibling(target)
            relation = f"{quote_identifier(schema)}.{quote_identifier(name)}"
            try:
                con.execute(
                    f"copy (select * from {relation}) to {quote_literal(str(temporary))} "
                    "(format parquet, compression zstd)"
                )
                os.replace(temporary, target)
            finally:
                temporary.unlink(missing_ok=True)
            written[name] = con.execute(f"select count(*) from {relation}").fetchone()[0]
    finally:
        con.close()
    in_project = {name for _, name in marts}
    for stale in folder.glob("*.parquet"):
        if stale.stem not in in_project:
            stale.unlink()
    return written, missing


def _manifest() -> Mapping[str, Any]:
    # every dbt op of the project carries the same manifest
    manifest, _, _ = get_manifest_and_translator_from_dbt_assets(dbt_assets_definitions()[:1])
    return manifest


@dg.asset(
    key=PUBLISHED_KEY,
    deps=UPSTREAM_KEYS,
    group_name="exports",
    kinds={"duckdb"},
    pool=DUCKDB_POOL,  # it reads the writer's file (and checkpoints it) between writers
    backfill_policy=partitions.SINGLE_RUN,
    description=(
        "A read-only copy of the warehouse's consumer layers for BI tools (<warehouse folder>/"
        "published/<file>: every schema but raw, staging and intermediate, raw text redacted), "
        "swapped in atomically after every dbt asset is built and its blocking checks passed."
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    source = warehouse.warehouse()
    target = publish_copy(source)
    context.log.info(f"Published {source} to {target}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "size_bytes": target.stat().st_size,
            "schemas_not_published": ", ".join(UNPUBLISHED_SCHEMAS),
            "as_of": warehouse.run_as_of(context).isoformat() + "Z",
        }
    )


@dg.asset(
    key=PARQUET_KEY,
    deps=[PUBLISHED_KEY],
    group_name="exports",
    kinds={"parquet"},
    backfill_policy=partitions.SINGLE_RUN,
    description=(
        "Every public mart (dbt models under models/marts/) as <warehouse folder>/exports/"
        "<mart>.parquet, read from the published copy and swapped in atomically."
    ),
)
def mart_parquet_files(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    source = warehouse.warehouse()
    folder = exports_folder(source)
    written, missing = export_marts(published_path(source), public_marts(_manifest()), folder)
    for name in missing:
        context.log.warning(f"Mart {name} is in the dbt project but not in the warehouse")
    context.log.info(f"Exported {len(written)} marts to {folder}")
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(folder)),
            "rows_by_mart": dg.MetadataValue.json(written),
            "missing_marts": ", ".join(missing) or "none",
        }
    )
