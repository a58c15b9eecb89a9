"""Growth lines of the run summary: the upgrade funnel's conversion per stage and the
CRM alerts sent and suppressed (metrics.md, The upgrade funnel and CRM alerts).

`growth_summary_lines(con)` reads `marts.rpt_upgrade_funnel` and
`marts.fct_crm_upsell_alerts` on an open (read-only is enough) DuckDB connection and
returns the lines to print; no lines when the marts are not built yet.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "-"
    return f"{Decimal(100 * part) / Decimal(whole):.1f} %"


def funnel_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per stage: reached, converted within 30 days, conversion, windows open."""
    rows = con.execute(
        """select threshold_pct, max(stage_action), sum(reached_count), sum(converted_count),
                  sum(open_window_count)
           from marts.rpt_upgrade_funnel
           group by threshold_pct
           order by threshold_pct"""
    ).fetchall()
    if not rows:
        return ["upgrade funnel: no limit crossed yet"]
    lines = ["upgrade funnel (customer-periods reaching each stage, converted within 30 days):"]
    for threshold, action, reached, converted, still_open in rows:
        lines.append(
            f"  {threshold:>3} % {action:<20} {int(reached):>6} reached  {int(converted):>6} converted"
            f"  ({_percent(int(converted), int(reached))}; {int(still_open)} windows still open)"
        )
    return lines


def alert_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The CRM alerts sent and suppressed (14-day contact cooldown)."""
    sent, suppressed = con.execute(
        """select count(*) filter (where alert_status = 'sent'),
                  count(*) filter (where alert_status = 'suppressed')
           from marts.fct_crm_upsell_alerts"""
    ).fetchone()
    return [f"CRM upsell alerts: {int(sent)} sent, {int(suppressed)} suppressed (contact cooldown)"]


def growth_summary_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The funnel's conversion per stage and the CRM alerts sent and suppressed."""
    lines: list[str] = []
    if _table_exists(con, "marts", "rpt_upgrade_funnel"):
        lines.extend(funnel_lines(con))
    if _table_exists(con, "marts", "fct_crm_upsell_alerts"):
        lines.extend(alert_lines(con))
    return lines
