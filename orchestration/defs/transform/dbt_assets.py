"""The dbt models, seeds and snapshots as Dagster assets; dbt tests as asset checks.

Two dbt ops share one translator, pool and config, so a blocking check can stand
between them: `dbt_models` builds everything up to the invoices' computed statuses
(staging, usage, rating, the reconciliation and int_invoices_issued), and
`dbt_invoice_ledger` appends to the invoice ledger and builds what reads it. The
reconciliation gate (orchestration/defs/quality/) is a blocking check on
int_invoices_issued: when it fails, the ledger op does not run, so no invoice is
finalized on numbers the two usage tracks dispute. A blocking check cannot stop
models inside the op that built its asset; hence the split.
"""

from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.lib.dbt_project import ensure_manifest
from orchestration.lib.resources import WarehouseResource

# The ledger and everything downstream of it: built after the reconciliation gate.
LEDGER_SELECTION = "fct_invoice_lines+ fct_invoices+"
MODELS_OP = "dbt_models"
LEDGER_OP = "dbt_invoice_ledger"


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


def _full_refresh(context: dg.AssetExecutionContext, config: DbtBuildConfig) -> bool:
    """The op's own flag, or the `dbt_models` op's: `usage-billing run --full-refresh` sets
    that one, and one run rebuilds both halves alike."""
    if config.full_refresh:
        return True
    ops = context.run.run_config.get("ops", {})
    return bool(ops.get(MODELS_OP, {}).get("config", {}).get("full_refresh", False))


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
) -> Iterator[Any]:
    """`dbt build` of the op's models on the run's warehouse and as-of time."""
    # The profile and the as_of() macro read these environment variables; passing them
    # as --vars instead would make dbt re-parse the project on every run.
    env = warehouse.export_environment(context)
    context.log.info(
        f"dbt build on {env['USAGE_BILLING_WAREHOUSE']} as of {env['USAGE_BILLING_AS_OF']}"
    )
    # dbt unit tests check model logic, not data: `make test` runs them, production runs don't.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if _full_refresh(context, config):
        args.append("--full-refresh")
    yield from dbt.cli(args, context=context).stream()


@dbt_assets(
    manifest=ensure_manifest(),
    exclude=LEDGER_SELECTION,
    dagster_dbt_translator=UsageBillingTranslator(),
    pool=DUCKDB_POOL,
    name=MODELS_OP,
)
def dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """Everything up to the invoices' statuses: staging, usage, rating, reconciliation."""
    yield from _dbt_build(context, dbt, warehouse, config)


@dbt_assets(
    manifest=ensure_manifest(),
    select=LEDGER_SELECTION,
    dagster_dbt_translator=UsageBillingTranslator(),
    pool=DUCKDB_POOL,
    name=LEDGER_OP,
)
def dbt_invoice_ledger(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """The invoice ledger (finalization) and what reads it; runs after the reconciliation gate."""
    yield from _dbt_build(context, dbt, warehouse, config)


# Every dbt asset, in build order: for assets that must run after the whole dbt build
# (depend on all of DBT_ASSET_KEYS, not only on dbt_models' keys).
DBT_ASSETS = (dbt_models, dbt_invoice_ledger)
DBT_ASSET_KEYS: list[dg.AssetKey] = sorted(
    {key for assets_def in DBT_ASSETS for key in assets_def.keys}
)
