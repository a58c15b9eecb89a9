"""The dbt models, seeds and snapshots as Dagster assets; dbt tests as asset checks.

Three dbt ops share one translator, pool and config, so a blocking check can stand
between them: `dbt_models` builds everything up to the invoices' computed statuses
(staging, usage, rating, the reconciliation and int_invoices_issued), and
`dbt_invoice_ledger` appends to the invoice ledger and builds what reads it. The
reconciliation gate (orchestration/defs/quality/) is a blocking check on
int_invoices_issued: when it fails, the ledger op does not run, so no invoice is
finalized on numbers the two usage tracks dispute. A blocking check cannot stop
models inside the op that built its asset; hence the split. `dbt_usage_daily` builds
the daily usage marts (models/marts/usage/), partitioned by UTC day: a partitioned run
passes its window to dbt (the in_partition_window() macro), an unpartitioned run
rebuilds the days whose accepted events changed (every day on a first build).

Every op attaches the run's figures (orchestration/lib/asset_metadata.py) to the
materializations of the marts they describe, so asset pages plot them over time.
"""

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.lib import asset_metadata, dbt_state, partitions
from orchestration.lib.dbt_project import ensure_manifest
from orchestration.lib.resources import WarehouseResource

# The ledger and everything downstream of it: built after the reconciliation gate.
LEDGER_SELECTION = "fct_invoice_lines+ fct_invoices+"
# The daily usage marts: partitioned by UTC day.
DAILY_SELECTION = "path:models/marts/usage"
MODELS_OP = "dbt_models"
LEDGER_OP = "dbt_invoice_ledger"
DAILY_OP = "dbt_usage_daily"


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


def _set_window(window: dg.TimeWindow | None) -> dict[str, str]:
    """Point the in_partition_window() macro at `window` (None: every day)."""
    values = partitions.window_environment(window)
    for name in (partitions.WINDOW_START_ENV, partitions.WINDOW_END_ENV):
        os.environ.pop(name, None)
    os.environ.update(values)
    return values


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
    window: dg.TimeWindow | None = None,
) -> Iterator[Any]:
    """`dbt build` of the op's models on the run's warehouse, as-of time and partition window."""
    # The profile, as_of() and in_partition_window() read these environment variables;
    # passing them as --vars instead would make dbt re-parse the project on every run.
    env = warehouse.export_environment(context)
    window_env = _set_window(window)
    context.log.info(
        f"dbt build on {env['USAGE_BILLING_WAREHOUSE']} as of {env['USAGE_BILLING_AS_OF']}"
        + (
            f", window {window_env[partitions.WINDOW_START_ENV]} to "
            f"{window_env[partitions.WINDOW_END_ENV]}"
            if window_env
            else ""
        )
    )
    # dbt unit tests check model logic, not data: `make test` runs them, production runs don't.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if _full_refresh(context, config):
        args.append("--full-refresh")
    target = dbt_state.invocation_target(context.op_execution_context.op.name, context.run.run_id)
    dbt_state.seed_partial_parse(target, Path(env["USAGE_BILLING_WAREHOUSE"]))
    try:
        invocation = dbt.cli(args, context=context, target_path=target)
        yield from _with_run_metadata(context, warehouse, invocation.stream())
    finally:
        _set_window(None)
        dbt_state.prune_invocations()


def _with_run_metadata(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, events: Iterator[Any]
) -> Iterator[Any]:
    """Pass dbt's events on, adding the run's figures to the marts that carry them.

    dbt holds the DuckDB file while it runs and outputs must keep their (topological)
    order, so from the first output that carries figures on, events are held until dbt
    has exited, then yielded in their order with the figures added."""
    held: list[Any] = []
    try:
        for event in events:
            if held or _carries_figures(context, event):
                held.append(event)
            else:
                yield event
    except Exception:
        # a dbt test failed: the models were built all the same, their figures are current
        yield from _enriched(context, warehouse, held)
        raise
    yield from _enriched(context, warehouse, held)


def _carries_figures(context: dg.AssetExecutionContext, event: Any) -> bool:
    return (
        isinstance(event, dg.Output)
        and context.asset_key_for_output(event.output_name) in asset_metadata.BUILDERS
    )


def _enriched(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, held: list[Any]
) -> Iterator[Any]:
    keys = {
        event.output_name: context.asset_key_for_output(event.output_name)
        for event in held
        if _carries_figures(context, event)
    }
    figures = (
        asset_metadata.collect(warehouse.warehouse(), keys.values(), context.log) if keys else {}
    )
    for event in held:
        key = keys.get(event.output_name) if isinstance(event, dg.Output) else None
        if key in figures:
            yield event.with_metadata({**event.metadata, **figures[key]})
        else:
            yield event


@dbt_assets(
    manifest=ensure_manifest(),
    exclude=f"{LEDGER_SELECTION} {DAILY_SELECTION}",
    dagster_dbt_translator=UsageBillingTranslator(),
    pool=DUCKDB_POOL,
    name=MODELS_OP,
    backfill_policy=partitions.SINGLE_RUN,
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
    backfill_policy=partitions.SINGLE_RUN,
)
def dbt_invoice_ledger(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """The invoice ledger (finalization) and what reads it; runs after the reconciliation gate."""
    yield from _dbt_build(context, dbt, warehouse, config)


@dbt_assets(
    manifest=ensure_manifest(),
    select=DAILY_SELECTION,
    dagster_dbt_translator=UsageBillingTranslator(),
    pool=DUCKDB_POOL,
    name=DAILY_OP,
    partitions_def=partitions.DAILY,
    # a day range is one dbt build over the range's window, not one run per day
    backfill_policy=partitions.SINGLE_RUN,
)
def dbt_usage_daily(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """The daily usage marts: the partition's days, or (unpartitioned) the days that changed."""
    window = context.partition_time_window if context.has_partition_key_range else None
    yield from _dbt_build(context, dbt, warehouse, config, window)


# Every dbt asset, in build order: for assets that must run after the whole dbt build
# (depend on all of DBT_ASSET_KEYS, not only on dbt_models' keys).
DBT_ASSETS = (dbt_models, dbt_invoice_ledger, dbt_usage_daily)
# The day-partitioned assets: the monthly close job leaves them to the daily runs.
DAILY_ASSET_KEYS: list[dg.AssetKey] = sorted(dbt_usage_daily.keys)
DBT_ASSET_KEYS: list[dg.AssetKey] = sorted(
    {key for assets_def in DBT_ASSETS for key in assets_def.keys}
)
