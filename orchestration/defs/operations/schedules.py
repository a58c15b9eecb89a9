"""Schedules: the daily refresh and the monthly close, both on by default.

Each scheduled run's as-of time is its scheduled tick, so a late or retried tick
processes exactly the clock it was meant for. The daily tick (02:00 UTC) runs the
partition of the UTC day that just ended; the close on the 6th runs the partition of
the month before.
"""

from datetime import UTC

import dagster as dg

from orchestration.defs.jobs.jobs import monthly_close_job, usage_billing_job
from orchestration.lib import partitions


def _as_of_config(context: dg.ScheduleEvaluationContext) -> dict:
    tick = context.scheduled_execution_time.astimezone(UTC)
    return {"resources": {"warehouse": {"config": {"as_of": tick.strftime("%Y-%m-%dT%H:%M:%SZ")}}}}


@dg.schedule(
    name="daily_refresh",
    job=usage_billing_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "02:00 UTC every day: ingest new files, stage, reconcile, rate, update marts, "
        "publish; the daily usage marts of the day that just ended (its partition)."
    ),
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time.astimezone(UTC)
    return dg.RunRequest(
        partition_key=partitions.previous_day_key(tick), run_config=_as_of_config(context)
    )


@dg.schedule(
    name="monthly_close",
    job=monthly_close_job,
    cron_schedule="0 6 6 * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "06:00 UTC on the 6th: the previous month is 5 days past its end, so it closes; "
        "finalize what can be finalized, freeze the closed month, refresh the finance marts."
    ),
)
def monthly_close_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    tick = context.scheduled_execution_time.astimezone(UTC)
    return dg.RunRequest(
        partition_key=partitions.previous_month_key(tick), run_config=_as_of_config(context)
    )
