"""The benchmark's baselines: the same parsing, deduplication and daily totals without the
warehouse, once as one bare DuckDB statement (the floor) and once in pandas.

Both read the usage-event Parquet files of a landing directory, keep one event per
(source, id), and write one row per customer, UTC day and metric with the number of
events and the sum of the metric's raw value (1 per request, response bytes, GB,
job seconds), the shape the pipeline's `int_usage_metric_values` aggregates to.
Each runs in its own process (`python -m orchestration.lib.bench_baselines floor|pandas
LANDING OUT.parquet`) so its peak memory is measured apart; it prints its timing as
one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

# the metric catalog's event types, value properties and metrics (seeds/billing/metric_catalog.csv)
METRICS = (
    ("api.request", "api_requests", None),
    ("api.request", "bandwidth_gb", "response_bytes"),
    ("storage.snapshot", "storage_gb", "gb"),
    ("compute.job_completed", "compute_hours", "duration_seconds"),
)
RESULT_COLUMNS = ("customer_id", "usage_date", "metric_code", "events", "raw_value")


def usage_glob(landing: Path) -> str:
    return str(Path(landing).resolve() / "usage_events" / "**" / "*.parquet")


def floor_statement(landing: Path, out: Path) -> str:
    """One DuckDB statement: read, deduplicate by (source, id), parse, aggregate per day."""
    metrics = ", ".join(
        f"('{event_type}', '{metric}', {'true' if prop is None else 'false'})"
        for event_type, metric, prop in METRICS
    )
    return f"""
    copy (
        with deduplicated as (
            select
                source,
                id,
                any_value(type) as event_type,
                any_value(subject) as customer_id,
                any_value(time) as time_text,
                any_value(data) as data
            from read_parquet('{usage_glob(landing)}')
            group by source, id
        ),

        parsed as (
            select
                customer_id,
                cast(cast(time_text as timestamptz) at time zone 'UTC' as date) as usage_date,
                event_type,
                case event_type
                    when 'api.request' then json_extract_string(data, '$.response_bytes')
                    when 'storage.snapshot' then json_extract_string(data, '$.gb')
                    when 'compute.job_completed' then json_extract_string(data, '$.duration_seconds')
                end as value_text
            from deduplicated
        ),

        valued as (
            -- as the pipeline's usage_parse_decimal: text to DECIMAL(38, 9) directly is
            -- about 300 times slower in DuckDB 1.5 than through DECIMAL(18, 9)
            select
                *,
                coalesce(
                    cast(try_cast(value_text as decimal(18, 9)) as decimal(38, 9)),
                    try_cast(value_text as decimal(38, 9))
                ) as value
            from parsed
        ),

        per_type as (
            select
                customer_id,
                usage_date,
                event_type,
                count(*) as events,
                coalesce(sum(value), 0) as value_sum
            from valued
            group by customer_id, usage_date, event_type
        ),

        metrics (event_type, metric_code, is_count) as (values {metrics})

        select
            per_type.customer_id,
            per_type.usage_date,
            metrics.metric_code,
            per_type.events,
            cast(
                case when metrics.is_count then per_type.events else per_type.value_sum end
                as decimal(38, 9)
            ) as raw_value
        from per_type
        inner join metrics on per_type.event_type = metrics.event_type
    ) to '{Path(out).resolve()}' (format parquet)
    """


def run_floor(landing: Path, out: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    try:
        started = time.perf_counter()
        con.execute(floor_statement(landing, out))
        seconds = time.perf_counter() - started
        rows = con.execute(f"select count(*) from read_parquet('{Path(out).resolve()}')").fetchone()
    finally:
        con.close()
    return {"seconds": seconds, "result_rows": rows[0]}


def run_pandas(landing: Path, out: Path) -> dict:
    """The same in pandas: read, drop duplicates, parse time and value, group by."""
    import pandas as pd

    started = time.perf_counter()
    files = sorted(Path(landing).glob("usage_events/**/*.parquet"))
    columns = ["source", "id", "type", "subject", "time", "data"]
    frame = pd.concat([pd.read_parquet(path, columns=columns) for path in files], ignore_index=True)
    frame = frame.drop_duplicates(subset=["source", "id"], keep="first")
    frame["usage_date"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601").dt.date
    # the one numeric property of each event type (a number or a number in a string)
    value = frame["data"].str.extract(r'"(?:response_bytes|gb|duration_seconds)":"?(-?[0-9.]+)')[0]
    frame["value"] = pd.to_numeric(value, errors="coerce")
    per_type = (
        frame.groupby(["subject", "usage_date", "type"], sort=False)
        .agg(events=("id", "size"), value_sum=("value", "sum"))
        .reset_index()
    )
    metrics = pd.DataFrame(
        [(t, m, p is None) for t, m, p in METRICS], columns=["type", "metric_code", "is_count"]
    )
    result = per_type.merge(metrics, on="type")
    result["raw_value"] = result["value_sum"].where(~result["is_count"], result["events"])
    result = result.rename(columns={"subject": "customer_id"})[list(RESULT_COLUMNS)]
    seconds = time.perf_counter() - started
    result.to_parquet(out, index=False)
    return {"seconds": seconds, "result_rows": len(result)}


def main(argv: list[str]) -> int:
    kind, landing, out = argv
    outcome = (run_floor if kind == "floor" else run_pandas)(Path(landing), Path(out))
    print(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
