"""Issue 8, scale-out: the staging models on Apache Spark give DuckDB's results.

`make test-spark` runs this with .venv-spark (dbt-spark, local pyspark 4, Java 17).
One landing directory from the seeded generator (4 customers, 2 months, with its
injected bad records) is ingested once, by the Python ingestion into DuckDB, as on
every target. Then the same dbt project builds the seeds and the staging layer twice:
on DuckDB (`dev` target) and on Spark (`spark` target, `method: session`, with the
raw tables exported to Parquet and registered by `spark_register_raw`). Every staging
model must hold the same rows on both, column by column, quarantine reasons included.

Two representations differ by engine and are compared by value: JSON (DuckDB's JSON
text keeps the landed key order and number text, Spark's VARIANT sorts keys and writes
540.0 as 540; both are parsed and their numbers compared as decimals) and the
`content_hash` column, a hash of that engine's JSON text, which is only ever compared
within one warehouse, and is left out.

Only the staging layer is ported so far (docs/decisions.md, "Spark scale-out").
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AS_OF = "2025-04-01T00:00:00Z"
# the reasons of the records the seeded generator injects into this sample's usage events
EXPECTED_REASONS = {
    "future_timestamp",
    "invalid_timestamp",
    "malformed_json",
    "missing_field",
    "negative_quantity",
    "non_numeric_value",
    "unknown_event_type",
}


def _dbt(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [str(BIN / "dbt"), *args, "--profiles-dir", str(REPO)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}"


def _usage_billing(*args: str) -> None:
    subprocess.run([str(BIN / "usage-billing"), *args], cwd=REPO, check=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory):
    """(the DuckDB warehouse, a Spark session on the Spark build) after both builds."""
    root = tmp_path_factory.mktemp("spark")
    landing, warehouse, spark_dir = root / "landing", root / "usage_billing.duckdb", root / "spark"
    _usage_billing(
        "generate", "--out", str(landing), "--customers", "4", "--months", "2",
        "--events-per-day", "0.01",
    )  # fmt: skip
    _usage_billing(
        "ingest", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF
    )

    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "TZ": "UTC",
        "USAGE_BILLING_AS_OF": AS_OF,
        "USAGE_BILLING_WAREHOUSE": str(warehouse),
        "USAGE_BILLING_SPARK_DIR": str(spark_dir),
    }
    duckdb_env = {**env, "DBT_TARGET_PATH": str(root / "target-duckdb")}
    _dbt(duckdb_env, "seed")
    _dbt(duckdb_env, "run", "--select", "staging")

    from orchestration.lib.spark_raw import export_raw

    tables = export_raw(warehouse, root / "raw")
    spark_env = {**env, "DBT_TARGET_PATH": str(root / "target-spark")}
    arguments = json.dumps({"raw_dir": str(root / "raw"), "tables": tables})
    _dbt(spark_env, "run-operation", "spark_register_raw", "--target", "spark", "--args", arguments)
    _dbt(spark_env, "seed", "--target", "spark")
    _dbt(spark_env, "run", "--target", "spark", "--select", "staging")

    os.environ["TZ"] = "UTC"  # pyspark returns timestamps in the process's zone
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .enableHiveSupport()
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/tables")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .getOrCreate()
    )
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield connection, spark
    finally:
        connection.close()
        spark.stop()


def _canonical(value):
    """A JSON value with its numbers as normalized decimals (540.0 and 540 are equal)."""
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


def _json_value(text: str | None) -> str | None:
    if text is None:
        return None
    parsed = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    return json.dumps(_canonical(parsed), sort_keys=True)


def _rows(rows, json_positions: set[int]) -> list[tuple]:
    normalized = [
        tuple(
            _json_value(value) if index in json_positions else value
            for index, value in enumerate(row)
        )
        for row in rows
    ]
    return sorted(normalized, key=repr)


def _staging_models(connection) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'staging' order by table_name"
        ).fetchall()
    ]


def test_every_staging_model_is_built_on_both(builds):
    connection, spark = builds
    duckdb_models = _staging_models(connection)
    spark_models = sorted(row.tableName for row in spark.sql("show tables in staging").collect())
    assert len(duckdb_models) == 8
    assert spark_models == duckdb_models


@pytest.mark.parametrize(
    "model",
    [
        "stg_landing__contract_rates",
        "stg_landing__customers",
        "stg_landing__landing_files",
        "stg_landing__product_events",
        "stg_landing__realtime_counters",
        "stg_landing__review_decisions",
        "stg_landing__subscription_events",
        "stg_landing__usage_events",
    ],
)
def test_staging_model_rows_are_identical(builds, model: str):
    connection, spark = builds
    columns = [
        name
        for (name, kind) in connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'staging' and table_name = ? order by ordinal_position",
            [model],
        ).fetchall()
        if name != "content_hash"
    ]
    json_columns = {
        name
        for (name,) in connection.execute(
            "select column_name from information_schema.columns where table_schema = 'staging' "
            "and table_name = ? and data_type = 'JSON'",
            [model],
        ).fetchall()
    }
    positions = {index for index, name in enumerate(columns) if name in json_columns}
    duckdb_select = ", ".join(f"cast({c} as varchar)" if c in json_columns else c for c in columns)
    spark_select = ", ".join(f"to_json({c})" if c in json_columns else c for c in columns)
    expected = _rows(
        connection.execute(f"select {duckdb_select} from staging.{model}").fetchall(), positions
    )
    actual = _rows(spark.sql(f"select {spark_select} from staging.{model}").collect(), positions)
    assert len(actual) == len(expected)
    for expected_row, actual_row in zip(expected, actual, strict=True):
        assert dict(zip(columns, actual_row, strict=True)) == dict(
            zip(columns, expected_row, strict=True)
        )


def test_the_sample_exercises_the_quarantine_rules(builds):
    """The comparison covers bad records, not only clean ones: the generator's injected
    records reach both engines' staging with the same reasons (compared above)."""
    connection, _spark = builds
    reasons = {
        reason
        for (reason,) in connection.execute(
            "select quarantine_reason from staging.stg_landing__usage_events "
            "where quarantine_reason is not null"
        ).fetchall()
    }
    assert reasons == EXPECTED_REASONS
