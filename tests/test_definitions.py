"""The Dagster code location loads, and its job covers ingestion and every dbt model."""

from __future__ import annotations

import dagster as dg

from orchestration.definitions import load

defs = load()


def test_definitions_load_with_the_shared_job():
    job = defs.resolve_job_def("usage_billing_job")
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/usage_events", "raw/landing_files"} <= keys
    assert any(key.endswith("fct_quarantined_records") for key in keys)
    assert any(key.endswith("stg_landing__usage_events") for key in keys)
    assert job.name == "usage_billing_job"


def test_duckdb_writers_share_one_pool():
    graph = defs.resolve_asset_graph()
    pools = {
        node.assets_def.node_def.name: node.assets_def.node_def.pool
        for node in graph.asset_nodes
        if node.assets_def.is_executable
    }
    assert pools == {
        "landing_files": "duckdb_writer",
        # two dbt ops: the reconciliation gate (a blocking check) stands between them
        "dbt_models": "duckdb_writer",
        "dbt_invoice_ledger": "duckdb_writer",
        # the day-partitioned usage mart, and the month close (reads between writers)
        "dbt_usage_daily": "duckdb_writer",
        "finance__month_close": "duckdb_writer",
        "exports__reconciliation_alerts": "duckdb_writer",
        "exports__crm_upsell_alerts": "duckdb_writer",
        "exports__published_warehouse": "duckdb_writer",
        # reads the published copy, never the warehouse file
        "exports__mart_parquet_files": None,
    }


def test_dbt_tests_are_asset_checks():
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert any(name.startswith("unique_fct_quarantined_records") for name in checks)
    assert "assert_landing_files_tie_out" in checks


def test_the_job_materializes_a_tiny_landing_directory(warehouse):
    from landing_builder import basic_landing, usage_event, write_jsonl

    basic_landing(warehouse.landing)
    write_jsonl(
        warehouse.landing / "usage_events" / "a.jsonl",
        [usage_event("e1", "c1", "2026-01-02T00:00:00Z")],
    )
    result = defs.resolve_job_def("usage_billing_job").execute_in_process(
        run_config={
            "resources": {
                "warehouse": {
                    "config": {
                        "warehouse_path": str(warehouse.path),
                        "landing_dir": str(warehouse.landing),
                        "as_of": "2026-01-03T00:00:00Z",
                    }
                }
            }
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    materialized = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert "raw/usage_events" in materialized
    assert any(key.endswith("int_usage_events_checked") for key in materialized)
    assert warehouse.query("select event_id from intermediate.int_usage_events") == [("e1",)]
