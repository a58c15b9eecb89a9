"""Issue 8, scale-out: every dbt model on Apache Spark gives DuckDB's results.

`make test-spark` runs this with .venv-spark (dbt-spark, local pyspark 4, Java 17).
One landing directory (the seeded generator's sample with its injected bad records,
plus the growth scenarios' landing of tests/test_growth.py and a few rows that reach
the remaining rules: a contract card without allowances, a reconciliation breach,
review decisions) is ingested by the Python ingestion into DuckDB, as on every target.
The same dbt project then runs twice, as operations would: as of 2026-06-01, then,
after a late file is ingested, as of 2026-06-02. Each run builds every model on DuckDB
(`dev` target) and on Spark (`spark` target, `method: session`, the raw tables exported
to Parquet and registered by `spark_register_raw`). After run 2 every model must hold
the same rows on both, column by column, and must not be empty; then `dbt test` runs
the project's data tests and unit tests on Spark.

Two representations differ by engine and are compared by value: JSON (DuckDB's JSON
text keeps the landed key order and number text, Spark's VARIANT sorts keys and writes
540.0 as 540; both are parsed and their numbers compared as decimals) and the
`content_hash` column, a hash of that engine's JSON text, which is only ever compared
within one warehouse, and is left out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# two runs (the growth scenarios' as-of times): the second comes after a late file and
# goes through every incremental path (delete+insert, the ledger's pre-hook deletes)
FIRST_AS_OF = "2026-06-01T00:00:00Z"
AS_OF = "2026-06-02T00:00:00Z"
# the generator's sample: 12 customers over December 2025 and January 2026, so the legacy
# plans' retirement on 2026-01-01 starts grandfathering
GENERATED = (
    "--customers",
    "12",
    "--months",
    "2",
    "--events-per-day",
    "0.01",
    "--start-month",
    "2025-12",
)
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

# an analyst keeps the breached period of cus_00002 (COUNTER below) held. Review decisions
# that fail their checks would put more than 5 % of the folder in quarantine and hold
# every invoice, so there is none here (tests/test_reconciliation.py covers them).
REVIEW_DECISIONS = """customer_id,period_start,decision,note,decided_by,decided_at
cus_00002,2026-01-03T03:14:09Z,keep_held,"counter replay under review",analyst@example.com,2026-02-05T09:30:00Z
"""
# a contract for cus_00001 without allowances on three metrics (the generated usage stays
# inside the plans' allowances): graduated with a flat fee, volume and package pricing
# give non-zero usage charges, their rounding, invoices and revenue to compare
CONTRACT_RATES = """cus_00001,compute_hours,graduated,1,5,0.12,1.00,,0,2025-11-01T00:00:00Z
cus_00001,compute_hours,graduated,2,,0.0875,,,0,2025-11-01T00:00:00Z
cus_00001,storage_gb,package,1,,0.37,,100,0,2025-11-01T00:00:00Z
cus_00001,bandwidth_gb,volume,1,1,0.0913,,,0,2025-11-01T00:00:00Z
cus_00001,bandwidth_gb,volume,2,,0.0811,,,0,2025-11-01T00:00:00Z
"""
# a real-time counter far above the batch log: a reconciliation breach and a held invoice
COUNTER = "cus_00002,api_requests,2026-01-10T00:00:00Z,1000000,2026-01-10T01:00:00Z\n"
# the growth scenarios' landing (tests/test_growth.py) without its two large request
# files: threshold crossings, CRM alerts, the funnel, segments and health
GROWTH_FILES_LEFT_OUT = {"crosser.jsonl", "orch.jsonl", "crosser_late.jsonl"}
# the one model the sample leaves empty, on purpose: a finalization block (an unreadable
# file, or a folder over 5 % quarantined) holds every invoice, and this sample needs
# finalized ones; tests/test_reconciliation.py builds blocks
EMPTY_ON_PURPOSE = {"int_finalization_blocks"}
SCHEMAS = {
    "staging": "staging",
    "intermediate": "intermediate",
    "marts": "marts",
    "utilities": "utilities",
}
# every model of the project, as (schema, name): all are built and compared
MODELS = sorted(
    (SCHEMAS[path.relative_to(REPO / "models").parts[0]], path.stem)
    for path in (REPO / "models").rglob("*.sql")
)


def _copy_growth_files(build, scratch: Path, landing: Path) -> None:
    """Write a growth scenario landing (or its late file) to `scratch` with `build` and
    copy its files into `landing`, named growth_<name> in the same folders."""
    build(scratch)
    for path in sorted(scratch.rglob("*")):
        if path.is_file() and path.name not in GROWTH_FILES_LEFT_OUT:
            relative = path.relative_to(scratch)
            target = landing / relative.parent / f"growth_{path.name}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _dbt(env: dict[str, str], *args: str, check: bool = True) -> None:
    result = subprocess.run(
        [str(BIN / "dbt"), *args, "--profiles-dir", str(REPO)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 or not check, (
        f"dbt {' '.join(args)} failed:\n{result.stdout[-4000:]}"
    )


def _usage_billing(*args: str) -> None:
    subprocess.run([str(BIN / "usage-billing"), *args], cwd=REPO, check=True)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory):
    """(the DuckDB warehouse, a Spark session on the Spark build, the Spark run's
    run_results) after both builds."""
    root = tmp_path_factory.mktemp("spark")
    landing, warehouse, spark_dir = root / "landing", root / "usage_billing.duckdb", root / "spark"
    _usage_billing("generate", "--out", str(landing), *GENERATED)
    # the generator writes no review decisions
    (landing / "review_decisions" / "review_decisions.csv").write_text(REVIEW_DECISIONS)
    with (landing / "contract_rates" / "contract_rates.csv").open("a") as rates:
        rates.write(CONTRACT_RATES)
    (landing / "realtime_counters" / "breach.csv").write_text(
        "customer_id,metric_code,window_start,quantity,emitted_at\n" + COUNTER
    )
    sys.path.insert(0, str(REPO / "tests"))
    import test_growth

    _copy_growth_files(test_growth._build_landing, root / "growth", landing)

    env = {
        **os.environ,
        "DO_NOT_TRACK": "1",
        "TZ": "UTC",
        "USAGE_BILLING_WAREHOUSE": str(warehouse),
        "USAGE_BILLING_SPARK_DIR": str(spark_dir),
    }
    duckdb_env = {**env, "DBT_TARGET_PATH": str(root / "target-duckdb")}
    spark_env = {**env, "DBT_TARGET_PATH": str(root / "target-spark")}
    from orchestration.lib.spark_raw import export_raw

    for run, as_of in enumerate((FIRST_AS_OF, AS_OF), start=1):
        if run == 2:
            _copy_growth_files(test_growth._build_late_file, root / "growth_late", landing)
        _usage_billing(
            "ingest", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", as_of
        )
        if run == 1:
            _dbt(duckdb_env, "seed")
        _dbt({**duckdb_env, "USAGE_BILLING_AS_OF": as_of}, "run")
        # Spark reads what the ingestion loaded, exported as Parquet
        raw = root / f"raw_{run}"
        arguments = json.dumps({"raw_dir": str(raw), "tables": export_raw(warehouse, raw)})
        _dbt(
            spark_env,
            "run-operation",
            "spark_register_raw",
            "--target",
            "spark",
            "--args",
            arguments,
        )
        if run == 1:
            _dbt(spark_env, "seed", "--target", "spark")
        _dbt({**spark_env, "USAGE_BILLING_AS_OF": as_of}, "run", "--target", "spark")
    spark_run = json.loads((root / "target-spark" / "run_results.json").read_text())
    # the project's dbt tests (data tests and unit tests) on the Spark warehouse
    _dbt({**spark_env, "USAGE_BILLING_AS_OF": AS_OF}, "test", "--target", "spark", check=False)
    spark_tests = json.loads((root / "target-spark" / "run_results.json").read_text())
    manifest = json.loads((root / "target-spark" / "manifest.json").read_text())
    spark_tests["expected_count"] = len(manifest["unit_tests"]) + sum(
        node["resource_type"] == "test" for node in manifest["nodes"].values()
    )

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
        yield connection, spark, spark_run, spark_tests
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


def _models(connection, schema: str) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? order by table_name",
            [schema],
        ).fetchall()
    ]


def test_every_model_is_built_on_both(builds):
    connection, spark, _run, _tests = builds
    for schema in sorted(set(SCHEMAS.values())):
        duckdb_models = set(_models(connection, schema))
        spark_models = {row.tableName for row in spark.sql(f"show tables in {schema}").collect()}
        expected = {model for model_schema, model in MODELS if model_schema == schema}
        assert expected, schema
        assert spark_models == duckdb_models == expected, schema


@pytest.mark.parametrize(("schema", "model"), MODELS, ids=[model for _, model in MODELS])
def test_model_rows_are_identical(builds, schema: str, model: str):
    connection, spark, _run, _tests = builds
    described = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, model],
    ).fetchall()
    columns = [name for name, _kind in described if name != "content_hash"]
    json_columns = {name for name, kind in described if kind == "JSON"}
    positions = {index for index, name in enumerate(columns) if name in json_columns}
    duckdb_select = ", ".join(f"cast({c} as varchar)" if c in json_columns else c for c in columns)
    spark_select = ", ".join(f"to_json({c})" if c in json_columns else c for c in columns)
    expected = _rows(
        connection.execute(f"select {duckdb_select} from {schema}.{model}").fetchall(), positions
    )
    actual = _rows(spark.sql(f"select {spark_select} from {schema}.{model}").collect(), positions)
    assert expected or model in EMPTY_ON_PURPOSE, f"{model} is empty: the comparison proves nothing"
    assert len(actual) == len(expected)
    for expected_row, actual_row in zip(expected, actual, strict=True):
        assert dict(zip(columns, actual_row, strict=True)) == dict(
            zip(columns, expected_row, strict=True)
        )


def test_the_sample_exercises_the_quarantine_rules(builds):
    """The comparison covers bad records, not only clean ones: the generator's injected
    records reach both engines' staging with the same reasons (compared above)."""
    connection, _spark, _run, _tests = builds
    reasons = {
        reason
        for (reason,) in connection.execute(
            "select quarantine_reason from staging.stg_landing__usage_events "
            "where quarantine_reason is not null"
        ).fetchall()
    }
    assert reasons == EXPECTED_REASONS


def test_the_sample_exercises_the_usage_rules(builds):
    """The usage path is compared on every branch: duplicates of both kinds, both
    reference rejections, a metric whose daily quantity is truncated at 9 decimals
    (compute seconds / 3600), and periods whose local-time cut crosses a DST change."""
    connection, _spark, _run, _tests = builds
    statuses = connection.execute(
        "select distinct duplicate_status from intermediate.int_usage_events_deduplicated"
    ).fetchall()
    assert {status for (status,) in statuses} == {"kept", "exact_duplicate", "duplicate_conflict"}
    rejections = connection.execute(
        "select distinct rejection_reason from intermediate.int_usage_events_checked "
        "where rejection_reason is not null"
    ).fetchall()
    assert {reason for (reason,) in rejections} == {"unknown_customer", "no_active_subscription"}
    (truncated,) = connection.execute(
        "select count(*) from marts.fct_usage_daily where metric_code = 'compute_hours' "
        "and day_quantity * 3600 <> floor(day_quantity * 3600)"
    ).fetchone()
    assert truncated > 0
    # billing periods cut in local time across a daylight-saving change (New York on
    # 2025-03-09, Berlin on 2025-03-30, Sydney on 2025-04-06): the UTC hour of the end
    # differs from the start's
    (dst_periods,) = connection.execute(
        "select count(*) from intermediate.int_billing_periods "
        "where period_index > 0 and hour(period_start) <> hour(period_end)"
    ).fetchone()
    assert dst_periods >= 2
    # rating: quantities reach the bands of plan and contract cards, and the contract
    # without allowances gives usage charges (the money arithmetic is compared too)
    rated = connection.execute(
        "select rate_card_type, count(*) filter (where rated_quantity > 0), sum(amount) "
        "from intermediate.int_usage_rated group by rate_card_type"
    ).fetchall()
    assert {card_type for card_type, positive, _ in rated if positive > 0} == {"plan", "contract"}
    assert dict((card_type, amount) for card_type, _, amount in rated)["contract"] > 0


def test_the_second_run_went_through_the_incremental_paths(builds):
    """Run 2 kept what run 1 froze and recomputed the rest, on both engines (compared
    above): finalized invoices beside held ones, frozen revenue days beside open ones,
    and a late file's adjustment line."""
    connection, _spark, _run, _tests = builds
    statuses = connection.execute("select distinct status from marts.fct_invoices").fetchall()
    assert {"finalized", "held"} <= {status for (status,) in statuses}
    frozen = connection.execute(
        "select count(*) filter (where is_frozen), count(*) filter (where not is_frozen) "
        "from marts.fct_revenue_schedule"
    ).fetchone()
    assert min(frozen) > 0, frozen
    (adjustments,) = connection.execute(
        "select count(*) from marts.fct_invoice_lines where line_type = 'adjustment'"
    ).fetchone()
    assert adjustments > 0


def test_the_dbt_tests_pass_on_spark(builds):
    """The project's data tests and unit tests, run by `dbt test --target spark` on the
    Spark warehouse after run 2: every one passes, and none is left out."""
    _connection, _spark, _run, spark_tests = builds
    results = [
        result
        for result in spark_tests["results"]
        if not result["unique_id"].startswith("operation.")  # the on-run-start hooks
    ]
    failures = [
        (result["unique_id"], result["status"], (result["message"] or "")[:300])
        for result in results
        if result["status"] != "pass"
    ]
    assert not failures
    assert len(results) == spark_tests["expected_count"]
    kinds = {result["unique_id"].split(".")[0] for result in results}
    assert kinds == {"test", "unit_test"}


def test_the_spark_build_ran_with_ansi_arithmetic(builds):
    """dbt-spark forces ANSI mode off in its connection (an overflow would be a NULL
    amount); the on-run-start hook spark_strict_arithmetic switches it back on."""
    _connection, _spark, spark_run, _tests = builds
    hooks = [
        result
        for result in spark_run["results"]
        if result["unique_id"].startswith("operation.usage_billing.usage_billing-on-run-start")
    ]
    assert any(
        result["status"] == "success"
        and result["compiled_code"].strip() == "set spark.sql.ansi.enabled = true"
        for result in hooks
    ), hooks
