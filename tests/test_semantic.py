"""The semantic layer: MetricFlow validates the project's semantic models and answers metric
queries with hand-worked numbers on a tiny hand-built warehouse.

The dbt project is parsed into a temporary target (its semantic_manifest.json is what
`mf` reads), the time spine is built by dbt, the marts get a few rows written here, and
MetricFlow's Python API (the engine behind `mf query`) runs the queries on DuckDB.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
    SemanticManifestValidator,
)
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

from orchestration.lib.dbt_project import dbt_executable
from orchestration.lib.settings import DBT_PROJECT_DIR


class DuckDbClient:
    """The SqlClient MetricFlow needs, on one read-only DuckDB connection."""

    def __init__(self, path: Path) -> None:
        self._con = duckdb.connect(str(path), read_only=True)

    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> DuckDbSqlPlanRenderer:
        return DuckDbSqlPlanRenderer()

    def query(self, stmt: str, sql_bind_parameter_set: object = None) -> MetricFlowDataTable:
        cursor = self._con.execute(stmt)
        columns = [description[0] for description in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=cursor.fetchall())

    def execute(self, stmt: str, sql_bind_parameter_set: object = None) -> None:
        self._con.execute(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set: object = None) -> None:
        self._con.execute(f"explain {stmt}")

    def close(self) -> None:
        self._con.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


@dataclass
class SemanticLayer:
    engine: MetricFlowEngine
    manifest: object
    warehouse: Path

    def query(
        self, metrics: list[str], group_by: list[str], where: list[str] | None = None
    ) -> list[tuple]:
        """Rows of (group-by values..., metric values...) ordered by the group-by columns."""
        request = MetricFlowQueryRequest.create(
            metric_names=metrics,
            group_by_names=group_by,
            order_by_names=group_by,
            where_constraints=where,
        )
        table = self.engine.query(request).result_df
        positions = [table.column_name_index(name) for name in [*group_by, *metrics]]
        return [tuple(row[position] for position in positions) for row in table.rows]


def _dbt(args: list[str], root: Path, warehouse: Path) -> None:
    env = {**os.environ, "DO_NOT_TRACK": "1", "USAGE_BILLING_WAREHOUSE": str(warehouse)}
    subprocess.run(
        [
            dbt_executable(),
            *args,
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
            "--quiet",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        check=True,
    )


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: str, rows: str) -> None:
    con.execute(
        f"create or replace table marts.{table} as select * from (values {rows}) as t ({columns})"
    )


def _write_marts(warehouse: Path) -> None:
    """The mart rows (only the columns the semantic models read) the expected numbers use."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists marts")
        # invoices: January USD 31.00 + 5.25 (the last second of January), EUR 20.00;
        # February a USD draft 10.50
        _create(
            con,
            "fct_invoices",
            "invoice_id, customer_id, boundary_at, status, currency, total_amount",
            """
            ('i1', 'c1', timestamp '2026-01-15 00:00:00', 'finalized', 'USD', 31.00::decimal(18, 2)),
            ('i2', 'c1', timestamp '2026-02-15 00:00:00', 'draft', 'USD', 10.50),
            ('i3', 'c2', timestamp '2026-01-31 23:59:59', 'finalized', 'USD', 5.25),
            ('i4', 'c3', timestamp '2026-01-01 00:00:00', 'finalized', 'EUR', 20.00)
            """,
        )
        # recognized revenue: c1 USD 17.00 in January, 14.00 in February (Stripe's example);
        # c2 EUR 10.00 (11.00 USD) in January and a 2.00 EUR catch-up (2.20 USD) in February
        _create(
            con,
            "rpt_revenue_monthly",
            "customer_id, revenue_month, obligation_type, currency, recognized_amount, "
            "recognized_amount_usd, catch_up_amount, is_month_closed",
            """
            ('c1', date '2026-01-01', 'base_fee', 'USD', 17.00::decimal(18, 2), 17.00::decimal(18, 2), 0.00::decimal(18, 2), true),
            ('c1', date '2026-02-01', 'base_fee', 'USD', 14.00, 14.00, 0.00, false),
            ('c2', date '2026-01-01', 'usage', 'EUR', 10.00, 11.00, 0.00, true),
            ('c2', date '2026-02-01', 'adjustment', 'EUR', 2.00, 2.20, 2.00, false)
            """,
        )
        # MRR: c1 USD 31 new, flat, churned in March; c2 EUR 10 (11 USD) new, 12 (13.20 USD)
        # from February
        _create(
            con,
            "rpt_mrr_movements",
            "customer_id, mrr_month, currency, plan_id, mrr, movement_type, movement_amount, "
            "mrr_usd, is_paying",
            """
            ('c1', date '2026-01-01', 'USD', 'pro', 31.0000::decimal(18, 4), 'new', 31.0000::decimal(18, 4), 31.00::decimal(38, 10), true),
            ('c1', date '2026-02-01', 'USD', 'pro', 31, null, 0, 31.00, true),
            ('c1', date '2026-03-01', 'USD', 'pro', 0, 'churn', -31, 0, false),
            ('c2', date '2026-01-01', 'EUR', 'starter', 10, 'new', 10, 11.00, true),
            ('c2', date '2026-02-01', 'EUR', 'starter', 12, 'expansion', 2, 13.20, true),
            ('c2', date '2026-03-01', 'EUR', 'starter', 12, null, 0, 13.20, true)
            """,
        )
        # retention bases per month and cut (the plan cut splits `all` exactly)
        _create(
            con,
            "rpt_retention",
            "retention_month, dimension, dimension_value, base_mrr_usd_t12, retained_mrr_usd_t12, "
            "capped_mrr_usd_t12, base_mrr_usd_monthly, retained_mrr_usd_monthly, "
            "capped_mrr_usd_monthly, base_customers_t12, retained_customers_t12",
            """
            (date '2026-01-01', 'all', 'all', 100::decimal(38, 10), 105::decimal(38, 10), 95::decimal(38, 10), 100::decimal(38, 10), 101::decimal(38, 10), 99::decimal(38, 10), 4, 3),
            (date '2026-01-01', 'plan', 'pro', 60, 70, 55, 60, 62, 59, 2, 2),
            (date '2026-01-01', 'plan', 'starter', 40, 35, 40, 40, 39, 40, 2, 1),
            (date '2026-02-01', 'all', 'all', 200, 190, 180, 100, 98, 97, 5, 4),
            (date '2026-02-01', 'plan', 'pro', 120, 130, 115, 50, 49, 48, 3, 3),
            (date '2026-02-01', 'plan', 'starter', 80, 60, 65, 50, 49, 49, 2, 1)
            """,
        )
        # balances: c1 billed 31.00 in January, 14.00 deferred at its end; c2 EUR deferred
        # 5.00 (5.50 USD) and unbilled 3.00 (3.30 USD) in January, deferred 2.00 (2.20) in February
        _create(
            con,
            "rpt_revenue_rollforward",
            "customer_id, currency, balance_month, is_month_closed, deferred_closing_amount, "
            "deferred_closing_amount_usd, unbilled_closing_amount_usd, billed_amount",
            """
            ('c1', 'USD', date '2026-01-01', true, 14.00::decimal(18, 2), 14.00::decimal(18, 2), 0.00::decimal(18, 2), 31.00::decimal(18, 2)),
            ('c1', 'USD', date '2026-02-01', false, 0.00, 0.00, 0.00, 0.00),
            ('c2', 'EUR', date '2026-01-01', true, 5.00, 5.50, 3.30, 10.00),
            ('c2', 'EUR', date '2026-02-01', false, 2.00, 2.20, 0.00, 0.00)
            """,
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def semantic_layer(tmp_path_factory: pytest.TempPathFactory) -> SemanticLayer:
    root = tmp_path_factory.mktemp("semantic")
    # the file name is the DuckDB catalog the parsed relations point at
    warehouse = root / "usage_billing.duckdb"
    _dbt(["build", "--select", "time_spine_daily"], root, warehouse)
    _write_marts(warehouse)
    manifest = parse_manifest_from_dbt_generated_manifest(
        (root / "target" / "semantic_manifest.json").read_text()
    )
    engine = MetricFlowEngine(SemanticManifestLookup(manifest), DuckDbClient(warehouse))
    return SemanticLayer(engine=engine, manifest=manifest, warehouse=warehouse)


def test_the_semantic_manifest_is_valid(semantic_layer: SemanticLayer):
    results = SemanticManifestValidator().validate_semantic_manifest(semantic_layer.manifest)
    assert not results.errors, results.errors
    metrics = {metric.name for metric in semantic_layer.manifest.metrics}
    assert {"invoiced_amount", "finalized_invoiced_amount", "invoice_count"} <= metrics
    # the metrics issue 5 asks for
    assert {"recognized_revenue", "mrr", "nrr", "grr", "deferred_revenue"} <= metrics


def test_the_time_spine_has_every_day(semantic_layer: SemanticLayer):
    spines = semantic_layer.manifest.project_configuration.time_spines
    assert [spine.primary_column.name for spine in spines] == ["date_day"]
    days = (date(2040, 12, 31) - date(2015, 1, 1)).days + 1  # 9,497
    con = duckdb.connect(str(semantic_layer.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select count(*), count(distinct date_day), min(date_day), max(date_day) "
            "from utilities.time_spine_daily"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(days, days, date(2015, 1, 1), date(2040, 12, 31))]


def test_invoiced_amount_by_month(semantic_layer: SemanticLayer):
    rows = semantic_layer.query(
        ["invoiced_amount", "finalized_invoiced_amount", "invoice_count"],
        ["metric_time__month", "invoice__currency"],
    )
    # January USD: 31.00 + 5.25 (23:59:59 on the 31st is still January); February: the draft
    assert rows == [
        (datetime(2026, 1, 1), "EUR", 20.0, 20.0, 1),
        (datetime(2026, 1, 1), "USD", 36.25, 36.25, 2),
        (datetime(2026, 2, 1), "USD", 10.5, None, 1),
    ]


JAN, FEB, MAR = datetime(2026, 1, 1), datetime(2026, 2, 1), datetime(2026, 3, 1)


def test_recognized_revenue(semantic_layer: SemanticLayer):
    # January 17.00 + 11.00 USD = 28.00; February 14.00 + 2.20 = 16.20; the quarter adds up
    assert semantic_layer.query(["recognized_revenue"], ["metric_time__month"]) == [
        (JAN, pytest.approx(28.00)),
        (FEB, pytest.approx(16.20)),
    ]
    assert semantic_layer.query(["recognized_revenue"], ["metric_time__quarter"]) == [
        (JAN, pytest.approx(44.20))
    ]
    assert semantic_layer.query(
        ["recognized_revenue_in_currency", "revenue_catch_up"],
        ["metric_time__month", "revenue_line__currency"],
    ) == [
        (JAN, "EUR", pytest.approx(10.00), pytest.approx(0.00)),
        (JAN, "USD", pytest.approx(17.00), pytest.approx(0.00)),
        (FEB, "EUR", pytest.approx(2.00), pytest.approx(2.00)),
        (FEB, "USD", pytest.approx(14.00), pytest.approx(0.00)),
    ]


def test_mrr_is_a_snapshot_and_movements_add_up(semantic_layer: SemanticLayer):
    # 31 + 11.00 = 42.00; 31 + 13.20 = 44.20; March only c2's 13.20
    assert semantic_layer.query(["mrr", "paying_customers"], ["metric_time__month"]) == [
        (JAN, pytest.approx(42.00), 2),
        (FEB, pytest.approx(44.20), 2),
        (MAR, pytest.approx(13.20), 1),
    ]
    # a quarter shows its last month, not the sum of three months
    assert semantic_layer.query(["mrr", "paying_customers"], ["metric_time__quarter"]) == [
        (JAN, pytest.approx(13.20), 1)
    ]
    # per currency, the quarter's movements = its closing MRR - opening MRR (0):
    # USD 31 + 0 - 31 = 0, EUR 10 + 2 + 0 = 12
    assert semantic_layer.query(
        ["mrr_movement", "mrr_in_currency"], ["metric_time__quarter", "customer_month__currency"]
    ) == [
        (JAN, "EUR", pytest.approx(12.0), pytest.approx(12.0)),
        (JAN, "USD", pytest.approx(0.0), pytest.approx(0.0)),
    ]


def test_nrr_grr_and_logo_retention(semantic_layer: SemanticLayer):
    # January 105 / 100, 95 / 100, 3 / 4; February 190 / 200, 180 / 200, 4 / 5
    assert semantic_layer.query(
        ["nrr", "grr", "logo_retention", "nrr_monthly", "grr_monthly"], ["metric_time__month"]
    ) == [
        (JAN, pytest.approx(1.05), pytest.approx(0.95), 0.75, pytest.approx(1.01), 0.99),
        (FEB, pytest.approx(0.95), pytest.approx(0.90), 0.8, pytest.approx(0.98), 0.97),
    ]
    # per plan in January: pro 70 / 60, starter 35 / 40 (GRR 55 / 60, 40 / 40)
    assert semantic_layer.query(
        ["nrr_by_cut", "grr_by_cut"],
        ["metric_time__month", "retention_cut__cut_value"],
        where=[
            "{{ Dimension('retention_cut__cut') }} = 'plan'",
            "{{ TimeDimension('metric_time', 'month') }} = '2026-01-01'",
        ],
    ) == [
        (JAN, "pro", pytest.approx(70 / 60), pytest.approx(55 / 60)),
        (JAN, "starter", pytest.approx(0.875), pytest.approx(1.0)),
    ]


def test_deferred_and_unbilled_revenue_are_balances(semantic_layer: SemanticLayer):
    # January 14.00 + 5.50 = 19.50 deferred, 3.30 unbilled; February 2.20 and 0
    assert semantic_layer.query(
        ["deferred_revenue", "unbilled_revenue"], ["metric_time__month"]
    ) == [
        (JAN, pytest.approx(19.50), pytest.approx(3.30)),
        (FEB, pytest.approx(2.20), pytest.approx(0.00)),
    ]
    assert semantic_layer.query(["deferred_revenue"], ["metric_time__quarter"]) == [
        (JAN, pytest.approx(2.20))
    ]
