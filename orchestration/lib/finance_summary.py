"""Finance lines of the run summary: recognized revenue, NRR and GRR of the last closed month.

Called from `orchestration/lib/summary.py` with an open (read-only) DuckDB connection;
returns nothing when the finance marts are not built yet.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _ratio(value: Decimal | None) -> str:
    return "n/a" if value is None else f"{value:.6f}"


def last_closed_month(con: duckdb.DuckDBPyConnection) -> str | None:
    row = con.execute(
        "select max(revenue_month) from marts.rpt_revenue_monthly where is_month_closed"
    ).fetchone()
    return None if not row or row[0] is None else row[0].isoformat()


def recognized_revenue_usd(con: duckdb.DuckDBPyConnection, month: str) -> Decimal:
    """Revenue recognized in `month` (ISO date of its first day), in USD through the FX seed."""
    return con.execute(
        "select coalesce(sum(recognized_amount_usd), 0) from marts.rpt_revenue_monthly"
        " where revenue_month = ?",
        [month],
    ).fetchone()[0]


def _revenue_lines(con: duckdb.DuckDBPyConnection, month: str) -> list[str]:
    total = recognized_revenue_usd(con, month)
    by_currency = con.execute(
        """select currency, sum(recognized_amount) from marts.rpt_revenue_monthly
           where revenue_month = ? group by currency order by currency""",
        [month],
    ).fetchall()
    lines = [f"recognized revenue: {total:,.2f} USD"]
    if len(by_currency) > 1:
        lines.append(
            "  by currency: " + ", ".join(f"{amount:,.2f} {cur}" for cur, amount in by_currency)
        )
    return lines


def _retention_line(con: duckdb.DuckDBPyConnection, month: str) -> str:
    row = None
    if _has_table(con, "marts", "rpt_retention"):
        row = con.execute(
            """select nrr_t12, grr_t12 from marts.rpt_retention
               where retention_month = ? and dimension = 'all'""",
            [month],
        ).fetchone()
    nrr, grr = row if row else (None, None)
    return f"NRR (T12): {_ratio(nrr)}   GRR (T12): {_ratio(grr)}"


def finance_summary_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Recognized revenue (USD through the FX seed), NRR and GRR of the last closed month."""
    if not _has_table(con, "marts", "rpt_revenue_monthly"):
        return []
    month = last_closed_month(con)
    if month is None:
        return ["finance: no closed revenue month yet"]
    return [
        f"finance, last closed month {month[:7]}:",
        *_revenue_lines(con, month),
        _retention_line(con, month),
    ]
