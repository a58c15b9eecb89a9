"""The partitions of the warehouse: usage by UTC day, the billing and finance close by month.

A day partition is the UTC window [day 00:00, next day 00:00) of event time; a month
partition is the calendar month being closed. Shared by the Dagster definitions and the
command line (`usage-billing run --from/--to`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dagster as dg

# The first day a partition exists: before the oldest usage the warehouse expects.
PARTITIONS_START = "2024-01-01"

DAILY = dg.DailyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
MONTHLY = dg.MonthlyPartitionsDefinition(start_date=PARTITIONS_START, timezone="UTC")
# Every asset of the daily job: a day range (a UI backfill, `dg launch --partition-range`,
# `usage-billing run --from/--to`) is one run over the range's window, not a run per day
# each rebuilding every model; `dg launch` refuses a range unless all assets say so.
SINGLE_RUN = dg.BackfillPolicy.single_run()

WINDOW_START_ENV = "USAGE_BILLING_WINDOW_START"
WINDOW_END_ENV = "USAGE_BILLING_WINDOW_END"


def day_key(day: date) -> str:
    """The daily partition key of a UTC day."""
    return day.strftime("%Y-%m-%d")


def previous_day_key(moment: datetime) -> str:
    """The last whole UTC day before `moment`: what a daily tick at 02:00 refreshes."""
    return day_key((moment - timedelta(days=1)).date())


def previous_month_key(moment: datetime) -> str:
    """The month before `moment`'s month: what the close on the 6th closes."""
    first = moment.date().replace(day=1)
    return day_key((first - timedelta(days=1)).replace(day=1))


def window_environment(window: dg.TimeWindow | None) -> dict[str, str]:
    """The environment variables the in_partition_window() dbt macro reads ({} = every day)."""
    if window is None:
        return {}
    return {
        WINDOW_START_ENV: window.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        WINDOW_END_ENV: window.end.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
