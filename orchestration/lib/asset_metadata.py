"""The run's figures as Dagster asset metadata, on the marts they describe.

Numbers (int, float) are plotted over time on the asset's page in the UI; tables are
Markdown. The figures come from the same queries as the run summary
(`summary.py`, `finance_summary.py`), read from the warehouse after dbt has exited.

- marts/fct_landing_files: files, records read, staged, exact duplicates, quarantined
  (total, share, by reason), released
- marts/fct_quarantined_records: quarantined by reason, released
- intermediate/int_usage_events: usage events staged, exact duplicates
- marts/fct_invoices: invoices and totals by status (and currency)
- marts/fct_invoice_holds: held invoices and held customer billing periods
- marts/rpt_revenue_monthly: recognized revenue (USD) of the last closed month
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from orchestration.lib import finance_summary, summary

Metadata = dict[str, Any]


def markdown_table(header: list[str], rows: Iterable[Iterable[Any]]) -> dg.MetadataValue:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in rows]
    return dg.MetadataValue.md("\n".join(lines))


def _quarantine(run: summary.RunSummary) -> Metadata:
    reasons = run.records_quarantined
    metadata: Metadata = {
        "records_quarantined": sum(reasons.values()),
        "records_released": run.records_released,
        "quarantined_by_reason": markdown_table(
            ["reason", "records"], sorted(reasons.items()) or [("none", 0)]
        ),
    }
    metadata.update({f"quarantined_{reason}": count for reason, count in sorted(reasons.items())})
    return metadata


def landing_figures(run: summary.RunSummary) -> Metadata:
    quarantined = sum(run.records_quarantined.values())
    return {
        "files_present": run.files_seen,
        "files_loaded": run.files_loaded,
        "files_unreadable": len(run.unreadable_files),
        "records_read": run.records_read,
        "usage_events_staged": run.usage_events_staged,
        "exact_duplicates": run.exact_duplicates,
        "quarantine_share": round(quarantined / run.records_read, 6) if run.records_read else 0.0,
        **_quarantine(run),
    }


def usage_figures(run: summary.RunSummary) -> Metadata:
    return {
        "usage_events_staged": run.usage_events_staged,
        "exact_duplicates": run.exact_duplicates,
    }


def invoice_figures(con: duckdb.DuckDBPyConnection) -> Metadata:
    rows = summary.invoice_status_totals(con)
    metadata: Metadata = {
        "invoices_by_status": markdown_table(
            ["status", "currency", "invoices", "total"],
            [(status, cur, count, f"{total:,.2f}") for status, cur, count, total in rows]
            or [("none", "", 0, "0.00")],
        )
    }
    for status in ("draft", "held", "finalized"):
        metadata[f"invoices_{status}"] = sum(row[2] for row in rows if row[0] == status)
    for status, currency, _count, total in rows:
        metadata[f"total_{status}_{currency}"] = float(total)
    return metadata


def hold_figures(con: duckdb.DuckDBPyConnection) -> Metadata:
    invoices, periods = summary.held_counts(con)
    return {"held_invoices": invoices, "held_periods": periods}


def revenue_figures(con: duckdb.DuckDBPyConnection) -> Metadata:
    month = finance_summary.last_closed_month(con)
    if month is None:
        return {"last_closed_month": "none"}
    return {
        "last_closed_month": month[:7],
        "recognized_revenue_usd": float(finance_summary.recognized_revenue_usd(con, month)),
    }


# asset key -> its figures, from (a read-only connection, the run summary)
BUILDERS: dict[dg.AssetKey, Callable[[duckdb.DuckDBPyConnection, summary.RunSummary], Metadata]] = {
    dg.AssetKey(["marts", "fct_landing_files"]): lambda _con, run: landing_figures(run),
    dg.AssetKey(["marts", "fct_quarantined_records"]): lambda _con, run: _quarantine(run),
    dg.AssetKey(["intermediate", "int_usage_events"]): lambda _con, run: usage_figures(run),
    dg.AssetKey(["marts", "fct_invoices"]): lambda con, _run: invoice_figures(con),
    dg.AssetKey(["marts", "fct_invoice_holds"]): lambda con, _run: hold_figures(con),
    dg.AssetKey(["marts", "rpt_revenue_monthly"]): lambda con, _run: revenue_figures(con),
}


def collect(
    warehouse: Path, keys: Iterable[dg.AssetKey], log: logging.Logger | Any
) -> dict[dg.AssetKey, Metadata]:
    """The figures of every key in `keys` that has a builder; a figure that cannot be read
    is logged and left out (metadata never fails a run)."""
    wanted = [key for key in keys if key in BUILDERS]
    if not wanted:
        return {}
    try:
        run = summary.read_summary(warehouse)
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:  # e.g. dbt still holds the file after a failed stream
        log.warning(f"run figures not available: {error}")
        return {}
    figures: dict[dg.AssetKey, Metadata] = {}
    try:
        for key in wanted:
            try:
                figures[key] = BUILDERS[key](con, run)
            except duckdb.Error as error:
                log.warning(f"run figures for {key.to_user_string()} not available: {error}")
    finally:
        con.close()
    return figures
