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
)
