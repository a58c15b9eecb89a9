"""Ingestion: the landing directory becomes the warehouse's `raw` tables."""

from datetime import datetime

import dagster as dg

from orchestration.lib import partitions
from orchestration.lib.ingest import SOURCES, ingest
from orchestration.lib.resources import WarehouseResource

RAW_TABLES = [
    "landing_loads",
    "landing_files",
    "landing_file_paths",
    "landing_files_present",
    *SOURCES,
]
DUCKDB_POOL = "duckdb_writer"
FRESHNESS_HOURS = 26


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key=dg.AssetKey(["raw", table]),
            group_name="ingestion",
            kinds={"python", "duckdb"},
            description=(
                "The landing manifest (content hash, path, format, rows read, ingested_at)"
                if table.startswith("landing_")
                else f"Raw records of landing folder {table}/, one row per physical record."
            ),
        )
        for table in RAW_TABLES
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "usage_freshness",
            asset=dg.AssetKey(["raw", "usage_events"]),
            description=f"New usage landed within the last {FRESHNESS_HOURS} hours of the as-of time.",
        )
    ],
    name="landing_files",
    pool=DUCKDB_POOL,
    backfill_policy=partitions.SINGLE_RUN,
    can_subset=False,
    # a file still being copied into the landing directory can fail a read: try again
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30),
)
def landing_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load every new landing file (by content hash) into `raw.*`; report unreadable files."""
    as_of = warehouse.run_as_of(context)
    landing = warehouse.landing()
    if not landing.is_dir():
        # a configuration error, not a transient one: do not retry
        raise dg.Failure(
            description=f"landing directory {landing} does not exist", allow_retries=False
        )
    context.log.info(f"Reading landing directory {landing} as of {as_of:%Y-%m-%dT%H:%M:%SZ}")
    with warehouse.connect() as con:
        summary = ingest(con, landing, as_of)
        newest = con.execute(
            """select max(ingested_at) from raw.landing_files
               where source = 'usage_events' and status = 'loaded' and rows_read > 0"""
        ).fetchone()[0]
    for result in summary.unreadable:
        context.log.error(
            f"Unreadable landing file {result.file_path}: {result.error_message}. "
            "Its records are not loaded and invoice finalization is blocked while it is present."
        )
    new_files = summary.new_files
    context.log.info(
        f"{summary.files_seen} files seen, {len(new_files)} new, {summary.rows_read} records read, "
        f"{len(summary.unreadable)} unreadable"
    )
    per_source: dict[str, int] = {}
    for result in new_files:
        per_source[result.source] = per_source.get(result.source, 0) + result.rows_read
    for table in RAW_TABLES:
        metadata: dict[str, dg.RawMetadataValue] = {"as_of": as_of.isoformat() + "Z"}
        if table == "landing_files":
            metadata.update(
                {
                    "files_seen": summary.files_seen,
                    "files_new": len(new_files),
                    "files_unreadable": len(summary.unreadable),
                    "unreadable_files": ", ".join(r.file_path for r in summary.unreadable)
                    or "none",
                    "records_read": summary.rows_read,
                }
            )
        elif table in SOURCES:
            metadata["records_read"] = per_source.get(table, 0)
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["raw", table]), metadata=metadata)
    yield freshness_result(newest, as_of)


def freshness_result(newest: datetime | None, as_of: datetime) -> dg.AssetCheckResult:
    """Warn when no usage file with records was first read within FRESHNESS_HOURS of as-of."""
    hours = None if newest is None else round((as_of - newest).total_seconds() / 3600, 1)
    return dg.AssetCheckResult(
        check_name="usage_freshness",
        asset_key=dg.AssetKey(["raw", "usage_events"]),
        passed=hours is not None and hours <= FRESHNESS_HOURS,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "newest_usage_ingested_at": str(newest) if newest else "never",
            "hours_since_new_usage": hours if hours is not None else -1,
            "threshold_hours": FRESHNESS_HOURS,
        },
    )
