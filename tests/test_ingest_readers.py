"""Readers of the ingestion: physical record numbers and unreadable files."""

from __future__ import annotations

import gzip

import pytest

from orchestration.lib.ingest import UnreadableFileError, read_batches, read_jsonl_batches


def _rows(batches):
    return [row for batch in batches for row in zip(*batch.to_pydict().values(), strict=True)]


def test_jsonl_record_numbers_are_physical_lines_across_blocks(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(
        b'{"a": 1}\r\n\n   \n{"b": 2}\n{"c": 3}'
    )  # CRLF, blank lines, no final newline
    # a block size of 4 bytes forces lines to be carried across blocks
    assert _rows(read_jsonl_batches(path, block_bytes=4)) == [
        (1, '{"a": 1}', None),
        (4, '{"b": 2}', None),
        (5, '{"c": 3}', None),
    ]
    assert _rows(read_jsonl_batches(path)) == _rows(read_jsonl_batches(path, block_bytes=4))


def test_truncated_gzip_and_bad_encoding_are_unreadable(tmp_path):
    payload = gzip.compress(b'{"id": "x"}\n' * 5000, mtime=0)
    truncated = tmp_path / "t.jsonl.gz"
    truncated.write_bytes(payload[: len(payload) // 2])
    with pytest.raises(UnreadableFileError):
        _rows(read_batches(truncated, "jsonl.gz"))
    latin1 = tmp_path / "l.jsonl"
    latin1.write_bytes('{"id": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(UnreadableFileError, match="UnicodeDecodeError"):
        _rows(read_batches(latin1, "jsonl"))


def test_csv_rows_keep_their_first_line_number(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text('id,note\n1,"two\nlines"\n\n2,x\n3\n', encoding="utf-8")
    assert _rows(read_batches(path, "csv")) == [
        (2, '{"id": "1", "note": "two\\nlines"}', None),
        (5, '{"id": "2", "note": "x"}', None),
        (6, '{"_fields": ["3"]}', "expected 2 fields, found 1"),
    ]
