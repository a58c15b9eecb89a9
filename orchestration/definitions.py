"""The Dagster code location `orchestration`: a thin entry point."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.ingestion.assets import landing_files
from orchestration.defs.jobs.jobs import usage_billing_job
from orchestration.defs.transform.dbt_assets import dbt_models
from orchestration.lib.dbt_project import dbt_resource
from orchestration.lib.resources import WarehouseResource


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[landing_files, dbt_models],
        jobs=[usage_billing_job],
        resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
    )


defs = build_definitions()
