"""Publishing for BI tools: the read-only warehouse copy and the Parquet exports of the marts.

Two parts: the publish assets in a small job of their own (a stand-in for the dbt
assets writes a two-invoice warehouse), which shows the gating by a failed blocking
check, the atomic swap and the cleanup of stale exports; and the real
`usage-billing run` on a small generated sample, which publishes as its last steps.
The sample run is shared with tests/test_dashboard.py (`published_sample`).
"""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import cli
from orchestration.defs.exports import publish
from orchestration.lib.resources import WarehouseResource

SAMPLE_AS_OF = "2026-11-03T00:00:00Z"
_SAMPLE: dict[str, Path] = {}


def published_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate a small sample (12 customers), run the job on it; return the warehouse file.

    Built once per test session and shared by the publish and dashboard tests.
    """
    if "warehouse" not in _SAMPLE:
        root = tmp_path_factory.mktemp("bi_sample")
        landing = root / "landing"
        generated = cli.main(
            ["generate", "--out", str(landing), "--customers", "12", "--events-per-day", "0.05"]
        )
        assert generated == 0
        warehouse = root / "warehouse" / "usage_billing.duckdb"
        code = cli.main(
            [
                "run",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--as-of",
                SAMPLE_AS_OF,
            ]
        )
        assert code == 0, "usage-billing run failed on the small sample"
        _SAMPLE["warehouse"] = warehouse
    return _SAMPLE["warehouse"]


# --- the publish assets in a job of their own -----------------------------------------


def _write_invoices(warehouse: Path, amounts: list[str]) -> None:
    """A stand-in warehouse: marts.fct_invoices with one row per amount."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.fct_invoices "
            "(invoice_id varchar, total_amount decimal(18, 2))"
        )
        for number, amount in enumerate(amounts, start=1):
            con.execute(
                "insert into marts.fct_invoices values (?, cast(? as decimal(18, 2)))",
                [f"i{number}", amount],
            )
    finally:
        con.close()


def _publish_job(warehouse: Path, amounts: list[str], check_passes: bool) -> dg.JobDefinition:
    """The two publish assets below a stand-in for every dbt asset, with one blocking check."""

    @dg.multi_asset(specs=[dg.AssetSpec(key) for key in publish.UPSTREAM_KEYS], name="fake_dbt")
    def fake_dbt():
        _write_invoices(warehouse, amounts)
        for key in publish.UPSTREAM_KEYS:
            yield dg.MaterializeResult(asset_key=key)

    checked = dg.AssetKey(["marts", "fct_invoices"])
    assert checked in publish.UPSTREAM_KEYS

    @dg.asset_check(asset=checked, blocking=True, name="invoices_tie_out")
    def invoices_tie_out() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=check_passes, severity=dg.AssetCheckSeverity.ERROR)

    defs = dg.Definitions(
        assets=[fake_dbt, publish.published_warehouse, publish.mart_parquet_files],
        asset_checks=[invoices_tie_out],
        resources={
            "warehouse": WarehouseResource(warehouse_path=str(warehouse), as_of="2026-01-01")
        },
    )
    return defs.resolve_implicit_global_asset_job_def()


def _run(job: dg.JobDefinition) -> dg.ExecuteInProcessResult:
    return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {event.asset_key for event in result.get_asset_materialization_events()}


def _published_amounts(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("select total_amount from marts.fct_invoices order by invoice_id")
        return [str(amount) for (amount,) in rows.fetchall()]
    finally:
        con.close()


def test_publish_copies_atomically_and_exports_every_mart(tmp_path: Path):
    warehouse = tmp_path / "usage_billing.duckdb"
    exports = tmp_path / "exports"
    (exports / "crm").mkdir(parents=True)
    (exports / "crm" / "upsell_alerts.csv").write_text("alert_id\n")  # another asset's export
    (exports / "rpt_removed_mart.parquet").write_bytes(b"stale")  # a mart no longer in the project

    result = _run(_publish_job(warehouse, ["31.00", "14.00"], check_passes=True))

    assert result.success
    assert {publish.PUBLISHED_KEY, publish.PARQUET_KEY} <= _materialized(result)
    published = tmp_path / "published" / "usage_billing.duckdb"
    assert _published_amounts(published) == ["31.00", "14.00"]
    assert stat.S_IMODE(published.stat().st_mode) == 0o644  # readable by a BI tool's user
    assert sorted(p.name for p in published.parent.iterdir()) == ["usage_billing.duckdb"]
    parquet = duckdb.sql(
        f"select total_amount, typeof(total_amount) from '{exports / 'fct_invoices.parquet'}' "
        "order by invoice_id"
    ).fetchall()
    assert [(str(amount), kind) for amount, kind in parquet] == [
        ("31.00", "DECIMAL(18,2)"),
        ("14.00", "DECIMAL(18,2)"),
    ]
    assert not (exports / "rpt_removed_mart.parquet").exists()
    assert (exports / "crm" / "upsell_alerts.csv").exists()
    assert not list(exports.glob(".*.tmp"))
    # the other public marts of the project are named as missing from this stand-in warehouse
    metadata = next(
        event.materialization.metadata
        for event in result.get_asset_materialization_events()
        if event.asset_key == publish.PARQUET_KEY
    )
    assert metadata["rows_by_mart"].value == {"fct_invoices": 2}
    assert "marts.fct_invoice_lines" in metadata["missing_marts"].value


def test_a_failed_blocking_check_stops_publishing(tmp_path: Path):
    warehouse = tmp_path / "usage_billing.duckdb"
    published = tmp_path / "published" / "usage_billing.duckdb"
    assert _run(_publish_job(warehouse, ["31.00"], check_passes=True)).success

    result = _run(_publish_job(warehouse, ["31.00", "99.99"], check_passes=False))

    assert not result.success
    assert not {publish.PUBLISHED_KEY, publish.PARQUET_KEY} & _materialized(result)
    # the copy and the export stay those of the last good run
    assert _published_amounts(published) == ["31.00"]
    exported = tmp_path / "exports" / "fct_invoices.parquet"
    assert duckdb.sql(f"select count(*) from '{exported}'").fetchone() == (1,)


def test_a_reader_of_the_published_copy_never_blocks_a_publish(tmp_path: Path):
    warehouse = tmp_path / "usage_billing.duckdb"
    _write_invoices(warehouse, ["1.00"])
    published = publish.publish_copy(warehouse)
    reader = duckdb.connect(str(published), read_only=True)  # a BI tool with the copy open
    try:
        _write_invoices(warehouse, ["1.00", "2.00"])
        assert publish.publish_copy(warehouse) == published
        # the open reader keeps its consistent (old) snapshot; a new reader in another process
        # (DuckDB shares one open database per path within a process) sees the new copy
        assert reader.execute("select count(*) from marts.fct_invoices").fetchone() == (1,)
        new_reader = subprocess.run(
            [
                sys.executable,
                "-c",
                "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
                "print(con.execute('select count(*) from marts.fct_invoices').fetchone()[0])",
                str(published),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert new_reader.stdout.strip() == "2"
    finally:
        reader.close()


def test_public_marts_come_from_the_manifest():
    manifest = {
        "nodes": {
            "model.p.fct_a": {
                "resource_type": "model",
                "original_file_path": "models/marts/billing/fct_a.sql",
                "schema": "marts",
                "name": "fct_a",
                "alias": "fct_a",
                "config": {"enabled": True},
            },
            "model.p.int_b": {
                "resource_type": "model",
                "original_file_path": "models/intermediate/int_b.sql",
                "schema": "intermediate",
                "name": "int_b",
                "config": {"enabled": True},
            },
            "test.p.unique_fct_a": {
                "resource_type": "test",
                "original_file_path": "models/marts/billing/_billing__models.yml",
                "schema": "marts",
                "name": "unique_fct_a",
            },
        }
    }
    assert publish.public_marts(manifest) == [("marts", "fct_a")]
    # and the project's own marts include the invoice ledger
    assert ("marts", "fct_invoices") in publish.public_marts(publish._manifest())


# --- the real job on a small sample -----------------------------------------------------


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return published_sample(tmp_path_factory)


def _table_counts(path: Path, schema: str) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [schema]
        ).fetchall()
        return {
            name: con.execute(f'select count(*) from {schema}."{name}"').fetchone()[0]
            for (name,) in names
        }
    finally:
        con.close()


def test_the_run_publishes_the_warehouse_and_its_marts(sample_warehouse: Path):
    published = sample_warehouse.parent / "published" / "usage_billing.duckdb"
    exports = sample_warehouse.parent / "exports"
    assert published.is_file()

    marts = _table_counts(sample_warehouse, "marts")
    assert marts["fct_invoices"] > 0
    # the consumer layers, every table with all its rows; the internal layers not at all
    for schema in ("marts", "seeds", "utilities", "exports"):
        counts = _table_counts(sample_warehouse, schema)
        assert counts, schema
        assert _table_counts(published, schema) == counts, schema
    # GX results: the checks that are not blocking may finish after the publish step
    # (they show in the next copy); those before it are in this one
    quality = _table_counts(published, "quality")["gx_validation_results"]
    assert 0 < quality <= _table_counts(sample_warehouse, "quality")["gx_validation_results"]
    for schema in publish.UNPUBLISHED_SCHEMAS:
        assert _table_counts(sample_warehouse, schema), schema
        assert _table_counts(published, schema) == {}, schema
    # mart columns keep their descriptions (dbt persist_docs, COMMENT ON)
    con = duckdb.connect(str(published), read_only=True)
    try:
        described = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'fct_invoices' and comment is not null"
        ).fetchone()[0]
        columns = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'fct_invoices'"
        ).fetchone()[0]
    finally:
        con.close()
    assert described == columns > 5

    # the manifest the run's dbt assets were built from (the same process ran the job)
    project_marts = {name for _, name in publish.public_marts(publish._manifest())}
    exported = {path.stem: path for path in exports.glob("*.parquet")}
    assert set(exported) == project_marts & set(marts)
    for name, path in exported.items():
        assert duckdb.sql(f"select count(*) from '{path}'").fetchone() == (marts[name],), name
