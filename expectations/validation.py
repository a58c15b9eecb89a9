"""What every suite module returns: one GX suite to run on one DataFrame."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import great_expectations as gx
import pandas as pd


@dataclass(frozen=True)
class Validation:
    """A named suite of expectations and the DataFrame it validates."""

    suite_name: str
    description: str
    dataframe: pd.DataFrame
    expectations: list[gx.expectations.Expectation] = field(default_factory=list)


def row_count_expectation(expected_rows: int) -> gx.expectations.Expectation:
    """The guard against a silently empty pass: the DataFrame holds exactly the rows
    counted another way (zero passes only where zero rows are due)."""
    return gx.expectations.ExpectTableRowCountToEqual(value=int(expected_rows))


def frame(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list | dict | None = None,
    exact: bool = True,
) -> pd.DataFrame:
    """The query's rows as a DataFrame. `exact`: DECIMAL values stay Decimal objects
    (DuckDB's `.df()` turns them into floats, and 4762 would not equal 4761.999999999999);
    without it the fast vectorized conversion, for large frames where only signs and
    nulls matter."""
    cursor = con.execute(sql, params or [])
    if not exact:
        return cursor.df()
    columns = [column[0] for column in cursor.description]
    return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0] or 0) if row else 0


def as_naive_utc(moment: datetime) -> datetime:
    """DuckDB TIMESTAMP columns are naive UTC."""
    return moment.replace(tzinfo=None)
