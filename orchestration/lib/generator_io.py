"""Deterministic file writers for the landing-data generator.

A single background thread compresses and writes while the main thread formats the
next chunk: zlib and Parquet release the GIL, so the two cores of a small machine are
both busy. Jobs run strictly in submission order, so every file is byte-identical from
run to run (gzip with mtime 0 and no file name in its header).
"""

from __future__ import annotations

import csv
import gzip
import io
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

GZIP_LEVEL = 3  # 5.7 % of the raw size at ~260 MB/s; level 6 is 2.5x slower for 5.0 %
CLOUDEVENT_COLUMNS = ("specversion", "id", "source", "type", "subject", "time", "data")
CLOUDEVENT_SCHEMA = pa.schema([(name, pa.string()) for name in CLOUDEVENT_COLUMNS])


class AsyncWriter:
    """Runs file-writing jobs on one thread, in order, with a bounded backlog."""

    def __init__(self, max_pending: int = 4) -> None:
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue(max_pending)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="landing-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None:
                try:
                    job()
                except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                    self._error = exc

    def submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> AsyncWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class RecordFile:
    """One landing file written in chunks: `.jsonl.gz`, `.jsonl` or `.parquet`."""

    def __init__(self, writer: AsyncWriter, path: Path) -> None:
        self.path = path
        self._writer = writer
        self._handle: dict[str, object] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        writer.submit(self._open)

    @property
    def is_parquet(self) -> bool:
        return self.path.suffix == ".parquet"

    def _open(self) -> None:
        raw = self.path.open("wb")
        self._handle["raw"] = raw
        if self.path.suffix == ".gz":
            self._handle["out"] = gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0
            )
        elif self.is_parquet:
            self._handle["out"] = pq.ParquetWriter(raw, CLOUDEVENT_SCHEMA, compression="zstd")
        else:
            self._handle["out"] = raw

    def write(self, pieces: Sequence[object]) -> None:
        """Append pieces in order.

        JSON files take str lines (a \\n is added) and bytes-like runs of whole lines;
        Parquet files take pyarrow Tables and rows as tuples of the CloudEvent columns.
        """
        if not pieces:
            return
        if self.is_parquet:
            table = _as_table(pieces)
            self._writer.submit(lambda: self._handle["out"].write_table(table))
            return
        chunks = [(piece + "\n").encode() if isinstance(piece, str) else piece for piece in pieces]
        self._writer.submit(lambda: self._handle["out"].write(b"".join(chunks)))

    def close(self) -> None:
        def finish() -> None:
            out, raw = self._handle["out"], self._handle["raw"]
            if out is not raw:
                out.close()
            raw.close()

        self._writer.submit(finish)


def _as_table(pieces: Sequence[object]) -> pa.Table:
    tables, rows = [], []
    for piece in [*pieces, None]:
        if isinstance(piece, tuple):
            rows.append(piece)
            continue
        if rows:
            columns = [pa.array(col, type=pa.string()) for col in zip(*rows, strict=True)]
            tables.append(pa.Table.from_arrays(columns, schema=CLOUDEVENT_SCHEMA))
            rows = []
        if piece is not None:
            tables.append(piece)
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    """UTF-8 CSV with a header row and \\n line ends; returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(header)
    count = 0
    for row in rows:
        out.writerow(row)
        count += 1
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return count


def truncated_gzip(lines: Sequence[str]) -> bytes:
    """A gzip stream cut in half: unreadable as a whole."""
    data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=GZIP_LEVEL, mtime=0)
    return data[: max(20, len(data) // 2)]
