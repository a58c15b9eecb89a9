"""The operations alert file: every invoice hold in force, rewritten after every run.

`<warehouse folder>/exports/reconciliation_alerts.csv`, one row per active hold of
marts.fct_invoice_holds: customer, invoice, the period, the metric, both tracks'
quantities and their difference (for a reconciliation breach), the tolerance, and the
reason. A header-only file means nothing is held.
"""

import csv
import os
import tempfile
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.lib import partitions
from orchestration.lib.resources import WarehouseResource

ALERTS_KEY = dg.AssetKey(["exports", "reconciliation_alerts"])
HOLDS = dg.AssetKey(["marts", "fct_invoice_holds"])
ALERT_COLUMNS = [
    "customer_id",
    "invoice_id",
    "period_start",
    "period_end",
    "metric_code",
    "realtime_quantity",
    "batch_quantity",
    "difference_quantity",
    "tolerance_quantity",
    "hold_reason",
    "hold_detail",
    "first_held_at",
]
ALERTS_SQL = f"""
select {", ".join(ALERT_COLUMNS)}
from marts.fct_invoice_holds
where is_active
order by customer_id, period_start, hold_reason, metric_code, hold_detail
"""


def alerts_path(warehouse: Path) -> Path:
    return warehouse.parent / "exports" / "reconciliation_alerts.csv"


def _text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def write_alerts(con: duckdb.DuckDBPyConnection, target: Path) -> int:
    """Write the active holds to `target` atomically (a reader never sees half a file)."""
    rows = con.execute(ALERTS_SQL).fetchall()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as output:
            writer = csv.writer(output, lineterminator="\n")
            writer.writerow(ALERT_COLUMNS)
            writer.writerows([[_text(value) for value in row] for row in rows])
        os.chmod(name, 0o644)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
    return len(rows)


@dg.asset(
    key=ALERTS_KEY,
    deps=[HOLDS],
    group_name="quality",
    kinds={"csv"},
    pool=DUCKDB_POOL,  # reads the writer's file between writers
    backfill_policy=partitions.SINGLE_RUN,
    description=(
        "Operations alert file <warehouse folder>/exports/reconciliation_alerts.csv: every "
        "held invoice with customer, period, metric, both tracks' quantities and the difference."
    ),
)
def reconciliation_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    path = warehouse.warehouse()
    target = alerts_path(path)
    with warehouse.connect(read_only=True) as con:
        count = write_alerts(con, target)
    if count:
        context.log.warning(f"{count} invoice holds in force, listed in {target}")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(target)), "active_holds": count}
    )
