"""The job that `usage-billing run` and the UI share."""

from __future__ import annotations

import dagster as dg

usage_billing_job = dg.define_asset_job(
    name="usage_billing_job",
    selection=dg.AssetSelection.all(),
    description=(
        "Ingest new landing files, stage and quarantine them, and build every dbt model "
        "with its tests, on one warehouse and one as-of time."
    ),
    tags={"dagster/max_retries": "1"},
)

monthly_close_job = dg.define_asset_job(
    name="monthly_close_job",
    selection=dg.AssetSelection.all(),
    description=(
        "The monthly close: the same graph as the daily refresh, run at the close time so "
        "invoices due are finalized and the month just closed is frozen in the revenue "
        "schedule; the finance marts and the published copy are refreshed."
    ),
    tags={"dagster/max_retries": "1"},
)
