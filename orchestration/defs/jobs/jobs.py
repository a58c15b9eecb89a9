"""The jobs: the daily refresh (what `usage-billing run` and the UI share) and the monthly close.

`usage_billing_job` is partitioned by UTC day through its day-partitioned assets (the
daily usage marts): a run for a day or a day range rebuilds those marts for its window
only, and a run without a partition (`usage-billing run`, the landing sensor) rebuilds
every day. Everything else is unpartitioned and runs in full either way.

Both run their steps in one process (`in_process_executor`): every step that touches the
warehouse is in the one-slot `duckdb_writer` pool, so steps never run side by side, and a
process per step would only add the code location's load time (about 10 s a step) to
each run. The pool still holds across runs: the in-process executor claims its slots.

`monthly_close_job` is partitioned by month through the month-close asset; it leaves
the day-partitioned marts to the daily runs (a job has one partitions definition).
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.close.month_close import MONTH_CLOSE
from orchestration.defs.transform.dbt_assets import DAILY_ASSET_KEYS

usage_billing_job = dg.define_asset_job(
    name="usage_billing_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(MONTH_CLOSE),
    description=(
        "Ingest new landing files, stage and quarantine them, and build every dbt model "
        "with its tests, on one warehouse and one as-of time. Partitioned by UTC day: a day "
        "or day range rebuilds the daily usage marts of its window only; a run without a "
        "partition rebuilds the days whose accepted events changed."
    ),
    tags={"dagster/max_retries": "1"},
    executor_def=dg.in_process_executor,
)

monthly_close_job = dg.define_asset_job(
    name="monthly_close_job",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*DAILY_ASSET_KEYS),
    description=(
        "The monthly close of one month (the partition): the graph rebuilt at the close "
        "time so invoices due are finalized and the month is frozen in the revenue "
        "schedule, finance marts and the published copy refreshed, and the month's close "
        "recorded (finance/month_close)."
    ),
    tags={"dagster/max_retries": "1"},
    executor_def=dg.in_process_executor,
)
