"""Landing and staging quality: the records a run staged, and the quarantine share.

The staged records can be millions (the sample's first run stages 11.5 M usage
events), so DuckDB profiles them per landing file and type, and GX validates the
profile: a failing row names the file. Suites (each on its own DataFrame):

- `landing_quality.staged_usage`: one row per file and event type of the usage
  events this run staged (ingested at its as-of time): no missing source, id or
  customer, no unparsed or future time, no negative measured value (bytes, seconds,
  GB), no (source, id) staged twice, the type in the metric catalog; the staged
  records add up to what the landing manifest says this run staged.
- `landing_quality.realtime_counters`: the same for the real-time counters this run
  staged, per file and metric (keys present, metric in the catalog, quantity >= 0).
- `landing_quality.quarantine_share`: per landing folder, the share of its present
  files' records in quarantine now is at most billing_settings.quarantine_share_threshold
  (a folder above it blocks invoice finalization).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import duckdb
import great_expectations as gx
import pandas as pd

from expectations.validation import Validation, frame, row_count_expectation, scalar

STAGED_USAGE = "landing_quality.staged_usage"
REALTIME_COUNTERS = "landing_quality.realtime_counters"
QUARANTINE_SHARE = "landing_quality.quarantine_share"
FUTURE_TOLERANCE_MINUTES = 5  # landing-contract.md: future_timestamp
USAGE_PROBLEMS = [
    "missing_ids",
    "unparsed_times",
    "future_times",
    "negative_quantities",
    "duplicate_keys",
]
COUNTER_PROBLEMS = ["missing_keys", "unparsed_times", "negative_quantities"]

STAGED_USAGE_SQL = f"""
with new_events as (
    select * from intermediate.int_usage_events where ingested_at = $as_of
),

negative_values as (
    -- the events with a value below 0 in its property's unit (none for count-only types;
    -- staging quarantines them, this checks it), filtered before grouping so that only
    -- such events are grouped; only over the new events' time range: the view extracts
    -- values from JSON, and the range (literal parameters) reaches the event scan, a
    -- semi-join would not
    select distinct event_source, event_id
    from intermediate.int_usage_metric_values
    where aggregation not in ('count', 'unique_count')
        and event_at between $first_event_at and $last_event_at
        and raw_value < 0
),

-- keys staged more than once: first the 64-bit hashes of (source, id) that repeat,
-- grouping numbers instead of every key's text (385 s at 100M events on a first
-- build), then the keys themselves for those hashes only
repeated_hashes as (
    select hash(event_source, event_id) as key_hash
    from intermediate.int_usage_events
    group by hash(event_source, event_id)
    having count(*) > 1
),

staged_twice as (
    select event_source, event_id
    from intermediate.int_usage_events
    where hash(event_source, event_id) in (select key_hash from repeated_hashes)
    group by event_source, event_id
    having count(*) > 1
)

select
    new_events.file_path,
    new_events.event_type,
    count(*) as staged_records,
    count(*) filter (
        where new_events.event_source is null
            or new_events.event_id is null
            or new_events.customer_id is null
    ) as missing_ids,
    count(*) filter (where new_events.event_at is null) as unparsed_times,
    count(*) filter (
        where new_events.event_at
            > new_events.ingested_at + interval '{FUTURE_TOLERANCE_MINUTES} minutes'
    ) as future_times,
    count(negative_values.event_id) as negative_quantities,
    count(staged_twice.event_id) as duplicate_keys
from new_events
left join negative_values
    on new_events.event_source = negative_values.event_source
    and new_events.event_id = negative_values.event_id
left join staged_twice
    on new_events.event_source = staged_twice.event_source
    and new_events.event_id = staged_twice.event_id
group by new_events.file_path, new_events.event_type
order by new_events.file_path, new_events.event_type
"""

COUNTERS_SQL = """
select
    file_path,
    metric_code,
    count(*) as staged_records,
    count(*) filter (where customer_id is null or metric_code is null) as missing_keys,
    count(*) filter (where window_start_at is null or emitted_at is null) as unparsed_times,
    count(*) filter (where quantity is null or quantity < 0) as negative_quantities
from intermediate.int_realtime_counters_checked
where record_status = 'accepted' and ingested_at = $as_of
group by file_path, metric_code
order by file_path, metric_code
"""

STAGED_FROM_MANIFEST_SQL = """
select coalesce(sum(records_staged), 0)
from marts.fct_landing_files
where source_name = ? and ingested_at = ? and is_content_loaded_here
"""

FOLDERS_SQL = """
select
    source_name,
    sum(records_read) as records_read,
    sum(records_quarantined) as records_quarantined
from marts.fct_landing_files
where is_present and file_status = 'loaded' and records_read > 0
group by source_name
order by source_name
"""


def _staged_total(expected_records: int) -> list[gx.expectations.Expectation]:
    """The profile adds up to the manifest's count; no rows only when none were staged."""
    rows = (
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)
        if expected_records
        else row_count_expectation(0)
    )
    return [
        rows,
        gx.expectations.ExpectColumnSumToBeBetween(
            column="staged_records", min_value=expected_records, max_value=expected_records
        ),
    ]


def _none_of(problems: list[str]) -> list[gx.expectations.Expectation]:
    return [
        gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0)
        for column in problems
    ]


def staged_usage(
    profile: pd.DataFrame, expected_records: int, event_types: list[str]
) -> Validation:
    """`profile`: file_path, event_type, staged_records and the USAGE_PROBLEMS counts."""
    return Validation(
        suite_name=STAGED_USAGE,
        description="Usage events staged by this run, per file and type: ids, times, types, values.",
        dataframe=profile,
        expectations=[
            *_staged_total(expected_records),
            gx.expectations.ExpectColumnValuesToBeInSet(column="event_type", value_set=event_types),
            *_none_of(USAGE_PROBLEMS),
        ],
    )


def realtime_counters(
    profile: pd.DataFrame, expected_records: int, metric_codes: list[str]
) -> Validation:
    """`profile`: file_path, metric_code, staged_records and the COUNTER_PROBLEMS counts."""
    return Validation(
        suite_name=REALTIME_COUNTERS,
        description="Real-time counters staged by this run, per file and metric.",
        dataframe=profile,
        expectations=[
            *_staged_total(expected_records),
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="metric_code", value_set=metric_codes
            ),
            *_none_of(COUNTER_PROBLEMS),
        ],
    )


def quarantine_share(dataframe: pd.DataFrame, expected_rows: int, threshold: Decimal) -> Validation:
    """`dataframe`: source_name, records_read, records_quarantined (one row per folder)."""
    shares = dataframe.assign(
        quarantine_share=[
            Decimal(int(quarantined)) / Decimal(int(read)) if read else None
            for quarantined, read in zip(
                dataframe["records_quarantined"], dataframe["records_read"], strict=True
            )
        ]
    )
    return Validation(
        suite_name=QUARANTINE_SHARE,
        description=f"Share of each landing folder's records in quarantine, at most {threshold}.",
        dataframe=shares,
        expectations=[
            row_count_expectation(expected_rows),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="quarantine_share"),
            gx.expectations.ExpectColumnValuesToBeBetween(
                column="quarantine_share", min_value=0, max_value=threshold
            ),
        ],
    )


def validations(con: duckdb.DuckDBPyConnection, as_of: datetime) -> list[Validation]:
    """The landing suites on the warehouse as of `as_of` (naive UTC)."""
    event_types = [
        row[0]
        for row in con.execute("select distinct event_type from seeds.metric_catalog").fetchall()
    ]
    metric_codes = [
        row[0] for row in con.execute("select metric_code from seeds.metric_catalog").fetchall()
    ]
    threshold = con.execute(
        "select cast(setting_value as decimal(38, 9)) from seeds.billing_settings "
        "where setting_name = 'quarantine_share_threshold'"
    ).fetchone()[0]
    params = {"as_of": as_of}
    first_event_at, last_event_at = con.execute(
        "select min(event_at), max(event_at) from intermediate.int_usage_events "
        "where ingested_at = $as_of",
        params,
    ).fetchone()
    usage_params = {**params, "first_event_at": first_event_at, "last_event_at": last_event_at}
    return [
        staged_usage(
            frame(con, STAGED_USAGE_SQL, usage_params),
            scalar(con, STAGED_FROM_MANIFEST_SQL, ["usage_events", as_of]),
            event_types,
        ),
        realtime_counters(
            frame(con, COUNTERS_SQL, params),
            scalar(con, STAGED_FROM_MANIFEST_SQL, ["realtime_counters", as_of]),
            metric_codes,
        ),
        quarantine_share(
            frame(con, FOLDERS_SQL),
            # every folder with a present loaded record is reported on
            scalar(
                con,
                "select count(distinct source_name) from marts.fct_landing_files "
                "where is_present and file_status = 'loaded' and records_read > 0",
            ),
            Decimal(threshold),
        ),
    ]
