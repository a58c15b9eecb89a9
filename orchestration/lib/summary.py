"""The short run summary printed by `usage-billing run` and `make demo`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.lib.finance_summary import finance_summary_lines
from orchestration.lib.growth_summary import growth_summary_lines


@dataclass
class RunSummary:
    files_seen: int = 0
    files_loaded: int = 0
    files_duplicate_content: int = 0
    unreadable_files: list[tuple[str, str]] = field(default_factory=list)
    records_read: int = 0
    usage_events_staged: int = 0
    records_quarantined: dict[str, int] = field(default_factory=dict)
    records_released: int = 0
    exact_duplicates: int = 0
    timestamps_without_offset: int = 0
    extra_sections: list[tuple[str, list[str]]] = field(default_factory=list)

    def to_text(self) -> str:
        lines = [
            "Run summary",
            f"  files read:              {self.files_loaded} loaded"
            f" ({self.files_seen} present, {self.files_duplicate_content} same bytes under another name)",
            f"  records read:            {self.records_read}",
            f"  usage events staged:     {self.usage_events_staged}",
            f"  duplicates dropped:      {self.exact_duplicates} exact duplicates counted once",
            f"  records quarantined:     {sum(self.records_quarantined.values())}"
            f" ({self.records_released} released since)",
        ]
        for reason, count in sorted(self.records_quarantined.items()):
            lines.append(f"    {reason:<26}{count}")
        if self.timestamps_without_offset:
            lines.append(
                f"  warning: {self.timestamps_without_offset} timestamps had no offset and were read as UTC"
            )
        if self.unreadable_files:
            lines.append(
                f"  UNREADABLE FILES ({len(self.unreadable_files)}), invoice finalization blocked:"
            )
            for path, error in self.unreadable_files:
                lines.append(f"    {path}: {error}")
        for title, section in self.extra_sections:
            lines.append(f"  {title}")
            lines.extend(f"    {line}" for line in section)
        return "\n".join(lines)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0] or 0) if row else 0


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        _scalar(
            con,
            "select count(*) from information_schema.tables "
            f"where table_schema = '{schema}' and table_name = '{table}'",
        )
    )


def read_summary(warehouse: Path) -> RunSummary:
    summary = RunSummary()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not _table_exists(con, "marts", "fct_landing_files"):
            return summary
        files = con.execute(
            """select
                   count(*) filter (where is_present),
                   count(*) filter (where file_status = 'loaded'),
                   count(*) filter (where file_status = 'duplicate_content'),
                   coalesce(sum(records_read), 0)
               from marts.fct_landing_files"""
        ).fetchone()
        (
            summary.files_seen,
            summary.files_loaded,
            summary.files_duplicate_content,
            summary.records_read,
        ) = (int(value or 0) for value in files)
        summary.unreadable_files = con.execute(
            """select file_path, error_message from marts.fct_landing_files
               where file_status = 'unreadable' and is_present order by file_path"""
        ).fetchall()
        summary.exact_duplicates = _scalar(
            con, "select coalesce(sum(records_duplicate), 0) from marts.fct_landing_files"
        )
        summary.usage_events_staged = _scalar(
            con, "select count(*) from intermediate.int_usage_events"
        )
        summary.records_quarantined = dict(
            con.execute(
                """select reason_code, count(*) from marts.fct_quarantined_records
                   where not is_released group by reason_code"""
            ).fetchall()
        )
        summary.records_released = _scalar(
            con, "select count(*) from marts.fct_quarantined_records where is_released"
        )
        summary.timestamps_without_offset = _scalar(
            con,
            "select count(*) from staging.stg_landing__usage_events "
            "where quarantine_reason is null and not has_timestamp_offset",
        )
        if _table_exists(con, "marts", "fct_invoices"):
            rows = invoice_status_totals(con)
            summary.extra_sections.append(
                (
                    "invoices by status and currency:",
                    [
                        f"{status:<10}{currency}  {count:>6} invoices  {total:>14,.2f}"
                        for status, currency, count, total in rows
                    ]
                    or ["none issued yet"],
                )
            )
        summary.extra_sections.extend(_reconciliation_sections(con))
        finance = finance_summary_lines(con)
        if finance:
            summary.extra_sections.append(("revenue and retention:", finance))
        growth = growth_summary_lines(con)
        if growth:
            summary.extra_sections.append(("growth:", growth))
    finally:
        con.close()
    return summary


HOLDS_LISTED = 20


def invoice_status_totals(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(status, currency, invoices, total_amount) of marts.fct_invoices."""
    return con.execute(
        """select status, currency, count(*), sum(total_amount)
           from marts.fct_invoices group by status, currency order by status, currency"""
    ).fetchall()


def held_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(invoices, customer billing periods) with a hold in force (marts.fct_invoice_holds)."""
    row = con.execute(
        """select count(distinct invoice_id), count(distinct (customer_id, period_start))
           from marts.fct_invoice_holds where is_active"""
    ).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def _reconciliation_sections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, list[str]]]:
    """Invoice holds in force and the usage no real-time counter reconciled."""
    sections: list[tuple[str, list[str]]] = []
    if _table_exists(con, "marts", "fct_invoice_holds"):
        holds = con.execute(
            """select customer_id, cast(period_start as varchar), hold_reason,
                      coalesce(metric_code, file_path, source_name, ''),
                      realtime_quantity, batch_quantity, difference_quantity
               from marts.fct_invoice_holds where is_active
               order by customer_id, period_start, hold_reason, metric_code"""
        ).fetchall()
        invoices, _periods = held_counts(con)
        lines = [
            f"{customer} period {start}: {reason} {subject}"
            + (
                f" (real-time {realtime:,.2f}, batch {batch:,.2f}, difference {difference:,.2f})"
                if difference is not None
                else ""
            )
            for customer, start, reason, subject, realtime, batch, difference in holds[
                :HOLDS_LISTED
            ]
        ]
        if len(holds) > HOLDS_LISTED:
            lines.append(f"... and {len(holds) - HOLDS_LISTED} more (marts.fct_invoice_holds)")
        sections.append((f"invoices held: {invoices}", lines or ["none"]))
    if _table_exists(con, "marts", "fct_usage_reconciliation_periods"):
        rows = con.execute(
            """select metric_code,
                      count(*) filter (where not is_reported),
                      coalesce(sum(unreconciled_batch_quantity), 0),
                      count(*) filter (where is_reported),
                      count(*) filter (where is_breaching)
               from marts.fct_usage_reconciliation_periods
               group by metric_code order by metric_code"""
        ).fetchall()
        sections.append(
            (
                "usage reconciliation (customer periods per metric):",
                [
                    f"{metric:<14}{reported:>6} reconciled ({breaching} beyond tolerance), "
                    f"{unreported:>6} without counters; unreconciled usage {quantity:,.3f}"
                    for metric, unreported, quantity, reported, breaching in rows
                ]
                or ["no usage to reconcile"],
            )
        )
    return sections
