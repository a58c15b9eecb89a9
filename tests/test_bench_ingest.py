"""The vectorized Parquet reader (found by the benchmark): same records as the row-by-row one.

All-text Parquet files (the CloudEvents layout) are turned into JSON by DuckDB; other
column types keep the Python rendering. Both must give, per row, the same JSON object
and record number, so staging parses them alike. The warehouse loads all-text files
with one insert statement: the same records, and a file that cannot be read loads
nothing and is named.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.lib.ingest import (
    FileResult,
    UnreadableFileError,
    _batched,
    ensure_schema,
    load_file,
    read_batches,
    read_parquet_records,
)

INGESTED_AT = datetime(2026, 1, 2, 3, 4, 5)


def _records(tables: list[pa.Table]) -> list[tuple[int, dict, str | None]]:
    rows = pa.concat_tables(tables).sort_by("record_number").to_pylist()
    return [(r["record_number"], json.loads(r["raw_record"]), r["parse_error"]) for r in rows]


def _both(path: Path) -> tuple[list, list]:
    fast = _records(list(read_batches(path, "parquet")))
    slow = _records(list(_batched(read_parquet_records(path))))
    return fast, slow


def test_text_parquet_gives_the_rows_as_json_objects(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    table = pa.table(
        {
            "id": ['a"b', "c\\d", None, "é\n\t\x01", "ok"],
            'we\'ird "col"': ["x", "y", "z", None, "{}"],
            "data": ['{"gb":1.5}', None, "not json", '{"n":"5"}', "[]"],
        }
    )
    pq.write_table(table, path, row_group_size=2)  # several row groups
    fast, slow = _both(path)
    assert fast == slow
    assert [number for number, _, _ in fast] == [1, 2, 3, 4, 5]
    assert fast[0][1] == {"id": 'a"b', 'we\'ird "col"': "x", "data": '{"gb":1.5}'}
    assert fast[2][1]["id"] is None


def test_other_column_types_keep_the_python_rendering(tmp_path: Path) -> None:
    path = tmp_path / "counters.parquet"
    pq.write_table(pa.table({"customer_id": ["c1"], "quantity": [pa.scalar(2.5)]}), path)
    fast, slow = _both(path)
    assert fast == slow == [(1, {"customer_id": "c1", "quantity": 2.5}, None)]


def test_many_rows_keep_their_numbers(tmp_path: Path) -> None:
    path = tmp_path / "big.parquet"
    ids = [f"ev-{i:07d}" for i in range(450_000)]
    pq.write_table(pa.table({"id": ids}), path, row_group_size=100_000)
    tables = list(read_batches(path, "parquet"))
    numbers = pa.concat_tables(tables)
    assert numbers.num_rows == 450_000
    by_number = dict(
        zip(numbers["record_number"].to_pylist(), numbers["raw_record"].to_pylist(), strict=True)
    )
    assert json.loads(by_number[1]) == {"id": "ev-0000000"}
    assert json.loads(by_number[450_000]) == {"id": "ev-0449999"}


def test_truncated_parquet_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"id": [f"x{i}" for i in range(1000)]}), path)
    data = path.read_bytes()
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError):
        list(read_batches(cut, "parquet"))


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_schema(con)
    return con


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> FileResult:
    return load_file(
        con, "usage_events", path, f"usage_events/{path.name}", path.name, INGESTED_AT, 1
    )


def test_the_warehouse_loads_text_parquet_as_the_reader_gives_it(tmp_path: Path) -> None:
    """load_file inserts all-text Parquet in one statement (no Arrow batches): the
    records and their numbers are those read_batches gives."""
    path = tmp_path / "events.parquet"
    ids = [f"ev-{i}" for i in range(25_000)]
    pq.write_table(
        pa.table({"id": ids, "data": [None if i % 7 else '{"gb":1}' for i in range(25_000)]}),
        path,
        row_group_size=10_000,
    )
    con = _warehouse()
    result = _load(con, path)
    assert (result.status, result.rows_read) == ("loaded", 25_000)
    loaded = con.execute(
        "select record_number, raw_record, parse_error from raw.usage_events order by 1"
    ).fetchall()
    read = sorted(
        (r["record_number"], r["raw_record"], r["parse_error"])
        for r in pa.concat_tables(read_batches(path, "parquet")).to_pylist()
    )
    assert loaded == read
    assert json.loads(loaded[-1][1]) == {"id": "ev-24999", "data": None}


def test_a_corrupt_row_group_makes_the_file_unreadable_and_loads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    ids = [f"x{i}" for i in range(30_000)]
    pq.write_table(pa.table({"id": ids, "data": ids}), path, row_group_size=10_000)
    data = bytearray(path.read_bytes())
    middle = len(data) // 3  # inside the second row group's pages; the footer is intact
    data[middle : middle + 200] = b"\xab" * 200
    path.write_bytes(bytes(data))
    con = _warehouse()
    result = _load(con, path)
    assert result.status == "unreadable"
    assert result.rows_read == 0
    assert "bad.parquet" in (result.error_message or "")
    assert con.execute("select count(*) from raw.usage_events").fetchone() == (0,)


def test_a_warehouse_failure_is_not_blamed_on_a_readable_file(tmp_path: Path) -> None:
    """The one-statement insert fails for the warehouse's own reasons too: the file is
    then read alone, and when it reads, the warehouse's error is raised as it is."""
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"id": [f"ev-{i}" for i in range(20)]}), path)
    con = _warehouse()
    con.execute("drop table raw.usage_events")
    con.execute(
        """create table raw.usage_events (
            file_hash varchar, file_path varchar, record_number bigint check (record_number < 10),
            raw_record varchar, parse_error varchar, ingested_at timestamp, load_id integer)"""
    )
    with pytest.raises(duckdb.ConstraintException):
        _load(con, path)
    assert con.execute("select count(*) from raw.usage_events").fetchone() == (0,)
