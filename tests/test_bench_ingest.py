"""The vectorized Parquet reader (found by the benchmark): same records as the row-by-row one.

All-text Parquet files (the CloudEvents layout) are turned into JSON by DuckDB; other
column types keep the Python rendering. Both must give, per row, the same JSON object
and record number, so staging parses them alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.lib.ingest import (
    UnreadableFileError,
    _batched,
    read_batches,
    read_parquet_records,
)


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
