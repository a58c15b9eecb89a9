"""The CRM export of upsell alerts: `<warehouse folder>/exports/crm/upsell_alerts.csv`.

metrics.md: "The export is a UTF-8 CSV of every alert row, sent and suppressed", and an
alert is never emitted twice across runs. `marts.fct_crm_upsell_alerts` is already an
append-only ledger (dbt, full_refresh: false); this asset keeps its own emission ledger
in the warehouse, `exports.crm_emitted_upsell_alerts`: the first run that sees an alert
inserts it there with `emitted_at` (the run's as-of time) and the run id, and the row is
never updated. The CSV is then rewritten from that table alone, ordered by emission:
every alert once, each with the emission that first carried it, so a CRM imports it by
`alert_id` (an upsert key) or only the rows of the latest `emitted_at`. Re-running on
the same data rewrites the same bytes; a dropped or rebuilt mart cannot re-emit an
alert, because the emission ledger is not a dbt model.
"""

import csv
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.lib import partitions
from orchestration.lib.resources import WarehouseResource

ALERTS_MART = dg.AssetKey(["marts", "fct_crm_upsell_alerts"])
EXPORT_KEY = dg.AssetKey(["exports", "crm_upsell_alerts"])
LEDGER_TABLE = "exports.crm_emitted_upsell_alerts"
EXPORT_RELATIVE_PATH = Path("exports") / "crm" / "upsell_alerts.csv"

# The CSV's columns, in order, and the mart column (or expression) each one is read from.
EXPORT_COLUMNS: dict[str, str] = {
    "alert_id": "alert_id",
    "customer_id": "customer_id",
    "status": "alert_status",
    "suppression_reason": "suppression_reason",
    "suppression_detail": "suppression_detail",
    "stage": "stage_name",
    "action": "stage_action",
    "metric_code": "metric_code",
    "threshold_pct": "threshold_pct",
    "crossed_at": "crossed_at",
    "period_start": "period_start",
    "period_end": "period_end",
    "usage_to_date": "usage_to_date_quantity",
    "limit": "limit_quantity",
    "projected_period_end_usage": "projected_period_end_quantity",
    "projected_limit_reached_at": "limit_reached_projected_at",
    "current_plan": "current_plan_id",
    "current_plan_projected_bill": "current_plan_projected_amount",
    "recommended_plan": "recommended_plan_id",
    "recommended_plan_projected_bill": "recommended_plan_projected_amount",
    "currency": "currency",
    "plan_comparison": "candidate_bills_text",
}
LEDGER_COLUMNS = ["emitted_at", "export_run_id", *EXPORT_COLUMNS]


def export_path(warehouse: Path) -> Path:
    """Where the CSV goes: `<warehouse folder>/exports/crm/upsell_alerts.csv`."""
    return warehouse.parent / EXPORT_RELATIVE_PATH


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    """Create the emission ledger (text columns: the values exactly as exported)."""
    con.execute("create schema if not exists exports")
    columns = ", ".join(
        f'"{name}" {"timestamp" if name == "emitted_at" else "varchar"}' for name in LEDGER_COLUMNS
    )
    con.execute(f"create table if not exists {LEDGER_TABLE} ({columns}, primary key (alert_id))")


def _as_text(column: str, data_type: str) -> str:
    """A mart column as the CSV's text: ISO-8601 UTC times, plain decimals, empty for null."""
    if data_type.upper().startswith("TIMESTAMP"):
        return f"strftime({column}, '%Y-%m-%dT%H:%M:%SZ')"
    return f"cast({column} as varchar)"


def emit_new_alerts(con: duckdb.DuckDBPyConnection, emitted_at: datetime, run_id: str) -> int:
    """Insert the mart's alerts not yet emitted into the ledger; return how many."""
    ensure_ledger(con)
    if not _table_exists(con, "marts", "fct_crm_upsell_alerts"):
        return 0
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_crm_upsell_alerts'"
        ).fetchall()
    )
    selected = ", ".join(
        f'{_as_text(source, types[source])} as "{name}"' for name, source in EXPORT_COLUMNS.items()
    )
    before = con.execute(f"select count(*) from {LEDGER_TABLE}").fetchone()[0]
    con.execute(
        f"""insert into {LEDGER_TABLE}
            select ?::timestamp as emitted_at, ? as export_run_id, alerts.*
            from (select {selected} from marts.fct_crm_upsell_alerts) as alerts
            where alerts.alert_id not in (select alert_id from {LEDGER_TABLE})""",
        [emitted_at, run_id],
    )
    after = con.execute(f"select count(*) from {LEDGER_TABLE}").fetchone()[0]
    return int(after - before)


def ledger_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every emitted alert, in emission order, as the CSV's rows."""
    columns = ", ".join(f'"{name}"' for name in LEDGER_COLUMNS)
    return con.execute(
        f"""select {columns} from {LEDGER_TABLE}
            order by emitted_at, crossed_at, customer_id, cast(threshold_pct as integer), metric_code"""
    ).fetchall()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> None:
    """Write the CSV atomically (a temporary sibling swapped in), UTF-8, header first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(LEDGER_COLUMNS)
            writer.writerows([[_cell(value) for value in row] for row in rows])
        os.chmod(name, 0o644)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def export_upsell_alerts(
    con: duckdb.DuckDBPyConnection, target: Path, emitted_at: datetime, run_id: str
) -> tuple[int, int]:
    """Emit new alerts and rewrite the CSV; return (newly emitted, rows in the file)."""
    new = emit_new_alerts(con, emitted_at, run_id)
    rows = ledger_rows(con)
    write_csv(target, rows)
    return new, len(rows)


@dg.asset(
    key=EXPORT_KEY,
    deps=[ALERTS_MART],
    group_name="exports",
    kinds={"duckdb", "csv"},
    pool=DUCKDB_POOL,
    backfill_policy=partitions.SINGLE_RUN,
    description=(
        "CRM upsell alerts as <warehouse folder>/exports/crm/upsell_alerts.csv (sent and "
        "suppressed), each alert emitted once across runs (ledger exports.crm_emitted_upsell_alerts)."
    ),
)
def crm_upsell_alerts(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    target = export_path(warehouse.warehouse())
    with warehouse.connect() as con:
        new, total = export_upsell_alerts(con, target, warehouse.run_as_of(context), context.run_id)
        sent, suppressed = con.execute(
            f"""select count(*) filter (where status = 'sent'),
                       count(*) filter (where status = 'suppressed')
                from {LEDGER_TABLE}"""
        ).fetchone()
    context.log.info(f"CRM export {target}: {new} new alerts emitted, {total} in the file")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "alerts_emitted_this_run": new,
            "alerts_in_file": total,
            "sent": int(sent),
            "suppressed": int(suppressed),
        }
    )
