"""The monthly close as a month-partitioned asset: one partition per calendar month closed.

The monthly close job (06:00 UTC on the 6th, orchestration/defs/operations/) rebuilds
the graph as of its tick, so invoices due are finalized and the month just ended is
closed in the revenue schedule; then this asset records the close of the month: its
invoices by status with totals, the billing periods still held, and the revenue
recognized in it. The record is written to `<warehouse folder>/exports/month_close/
<YYYY-MM>.json` and kept as the partition's metadata, so the asset page lists every
month's close.
"""

import json
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.ingestion.assets import DUCKDB_POOL
from orchestration.lib import asset_metadata, finance_summary, partitions
from orchestration.lib.resources import WarehouseResource

MONTH_CLOSE = dg.AssetKey(["finance", "month_close"])


def close_path(warehouse: Path, month: str) -> Path:
    return warehouse.parent / "exports" / "month_close" / f"{month[:7]}.json"


def close_figures(con: duckdb.DuckDBPyConnection, month: date) -> dict:
    """The close of `month`: invoices dated in it by status, holds in force on its billing
    periods, and the revenue recognized in it (USD) with whether the month is closed."""
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    invoices = con.execute(
        """select status, currency, count(*), sum(total_amount)
           from marts.fct_invoices where invoice_date >= ? and invoice_date < ?
           group by status, currency order by status, currency""",
        [month, next_month],
    ).fetchall()
    held = con.execute(
        """select count(distinct invoice_id), count(distinct (customer_id, period_start))
           from marts.fct_invoice_holds
           where is_active and period_start >= ? and period_start < ?""",
        [month, next_month],
    ).fetchone()
    closed = con.execute(
        "select bool_and(is_month_closed) from marts.rpt_revenue_monthly where revenue_month = ?",
        [month],
    ).fetchone()[0]
    revenue = finance_summary.recognized_revenue_usd(con, month.isoformat())
    return {
        "month": month.isoformat()[:7],
        "is_month_closed": bool(closed),
        "recognized_revenue_usd": float(revenue),
        "held_invoices": int(held[0] or 0),
        "held_periods": int(held[1] or 0),
        "invoices": [
            {"status": status, "currency": cur, "invoices": count, "total_amount": str(total)}
            for status, cur, count, total in invoices
        ],
    }


def _write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as output:
            output.write(text)
        os.chmod(name, 0o644)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)


@dg.asset(
    key=MONTH_CLOSE,
    deps=[
        dg.AssetKey(["marts", "fct_invoices"]),
        dg.AssetKey(["marts", "fct_invoice_holds"]),
        dg.AssetKey(["marts", "rpt_revenue_monthly"]),
    ],
    partitions_def=partitions.MONTHLY,
    group_name="finance_close",
    kinds={"python", "json"},
    pool=DUCKDB_POOL,  # reads the writer's file between writers
    description=(
        "The close of one calendar month: invoices dated in it by status with totals, "
        "periods still held, revenue recognized in it; <warehouse folder>/exports/month_close/."
    ),
)
def month_close(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    month = date.fromisoformat(context.partition_key)
    path = warehouse.warehouse()
    with warehouse.connect(read_only=True) as con:
        figures = close_figures(con, month)
    figures["as_of"] = warehouse.run_as_of(context).isoformat() + "Z"
    target = close_path(path, figures["month"])
    _write_atomically(target, json.dumps(figures, indent=2))
    if not figures["is_month_closed"]:
        context.log.warning(f"{figures['month']} is not closed yet as of {figures['as_of']}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "is_month_closed": figures["is_month_closed"],
            "recognized_revenue_usd": figures["recognized_revenue_usd"],
            "held_invoices": figures["held_invoices"],
            "held_periods": figures["held_periods"],
            "invoices_by_status": asset_metadata.markdown_table(
                ["status", "currency", "invoices", "total"],
                [
                    (row["status"], row["currency"], row["invoices"], row["total_amount"])
                    for row in figures["invoices"]
                ]
                or [("none", "", 0, "0.00")],
            ),
        }
    )
