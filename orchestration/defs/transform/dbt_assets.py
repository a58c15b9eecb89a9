"""All dbt models, seeds and snapshots as Dagster assets; dbt tests as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.lib.dbt_project import ensure_manifest
from orchestration.lib.resources import WarehouseResource


class UsageBillingTranslator(DagsterDbtTranslator):
    """dbt sources of the landing schema are the ingestion asset's `raw/*` tables."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        if len(fqn) > 2:
            return f"{fqn[1]}_{fqn[2]}"  # e.g. staging_landing, marts_billing
        return "dbt"


class DbtBuildConfig(dg.Config):
    """`full_refresh` rebuilds incremental models; protected ledgers (full_refresh: false) are kept."""

    full_refresh: bool = False


@dbt_assets(
    manifest=ensure_manifest(),
    dagster_dbt_translator=UsageBillingTranslator(),
    pool=DUCKDB_POOL,
    name="dbt_models",
)
def dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """`dbt build` of the selected models on the run's warehouse and as-of time."""
    # The profile and the as_of() macro read these environment variables; passing them
    # as --vars instead would make dbt re-parse the project on every run.
    env = warehouse.export_environment(context)
    context.log.info(
        f"dbt build on {env['USAGE_BILLING_WAREHOUSE']} as of {env['USAGE_BILLING_AS_OF']}"
    )
    # dbt unit tests check model logic, not data: `make test` runs them, production runs don't.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()
