"""The raw schema of a DuckDB warehouse as Parquet, for the Spark target (issue 8).

Ingestion stays in Python and DuckDB on every target: it hashes each file and keeps a
file's records whole or not at all. For Spark, `export_raw` writes each `raw.*` table
to `<out>/<table>/data.parquet`; the dbt operation `spark_register_raw` then registers
those folders as Spark tables. Timestamps are written with their UTC offset so Spark
reads them as TIMESTAMP (session time zone UTC), not TIMESTAMP_NTZ.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb


def export_raw(warehouse: Path, out: Path) -> list[str]:
    """Write every raw.* table of `warehouse` under `out`; return the table names."""
    shutil.rmtree(out, ignore_errors=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' order by table_name"
            ).fetchall()
        ]
        for table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            select = ", ".join(
                f'cast("{name}" as timestamptz) as "{name}"' if kind == "TIMESTAMP" else f'"{name}"'
                for name, kind in columns
            )
            (out / table).mkdir(parents=True)
            target = str(out / table / "data.parquet").replace("'", "''")
            con.execute(
                f"copy (select {select} from raw.\"{table}\") to '{target}' (format parquet)"
            )
    finally:
        con.close()
    return tables
