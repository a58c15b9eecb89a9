"""Load the landing directory into the warehouse's `raw` schema.

Every file of a contract folder is identified by the SHA-256 of its bytes: the
same bytes landed twice (under any name) are read once. Each new file is loaded
whole or not at all into `raw.<source>`, one row per physical record with its
file, record number (CSV header = line 1, Parquet rows from 1) and the record as
it was read (JSON text). Parsing, typing and quarantine happen in dbt staging,
so nothing read here is ever dropped: a record that cannot even be split into
fields keeps its raw text and a `parse_error`.

A file that cannot be read at all (corrupt gzip, truncated Parquet, wrong
encoding, unsupported type) is recorded as `unreadable` with the error; the rest
of the run goes on and later models hold invoice finalization while it is present.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.lib import settings
from orchestration.lib.sql_text import quote_identifier, quote_literal

#: landing folder -> accepted file suffixes (the landing contract)
SOURCES: dict[str, tuple[str, ...]] = {
    "customers": (".csv",),
    "subscription_events": (".csv",),
    "usage_events": (".jsonl", ".jsonl.gz", ".parquet"),
    "contract_rates": (".csv",),
    "realtime_counters": (".csv", ".parquet"),
    "product_events": (".jsonl", ".jsonl.gz", ".parquet"),
    "review_decisions": (".csv",),
}

BATCH_ROWS = 200_000

RAW_RECORD_SCHEMA = pa.schema(
    [
        ("record_number", pa.int64()),
        ("raw_record", pa.string()),
        ("parse_error", pa.string()),
    ]
)


class UnreadableFileError(Exception):
    """The file as a whole cannot be read; no record of it is loaded."""


@dataclass
class FileResult:
    source: str
    file_path: str
    file_hash: str
    status: str  # loaded | unreadable | already_loaded
    rows_read: int = 0
    error_message: str | None = None


@dataclass
class IngestSummary:
    load_id: int | None
    files_seen: int = 0
    files: list[FileResult] = field(default_factory=list)

    @property
    def new_files(self) -> list[FileResult]:
        return [f for f in self.files if f.status != "already_loaded"]

    @property
    def unreadable(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "unreadable"]

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files if f.status == "loaded")


DDL = [
    "create schema if not exists raw",
    """create table if not exists raw.landing_loads (
        load_id integer primary key,
        as_of timestamp not null,
        landing_dir varchar not null,
        files_seen integer not null,
        files_loaded integer not null,
        files_unreadable integer not null,
        rows_read bigint not null
    )""",
    """create table if not exists raw.landing_files (
        file_hash varchar primary key,
        source varchar not null,
        file_path varchar not null,
        file_format varchar not null,
        size_bytes bigint not null,
        rows_read bigint,
        status varchar not null,
        error_message varchar,
        load_id integer not null,
        ingested_at timestamp not null
    )""",
    """create table if not exists raw.landing_file_paths (
        file_path varchar not null,
        file_hash varchar not null,
        source varchar not null,
        size_bytes bigint not null,
        modified_ns bigint not null,
        first_seen_at timestamp not null,
        primary key (file_path, file_hash)
    )""",
    # the files present in the landing directory at the latest run
    """create table if not exists raw.landing_files_present (
        file_path varchar not null,
        file_hash varchar not null,
        source varchar not null
    )""",
]


def _record_table_ddl(source: str) -> str:
    return f"""create table if not exists raw.{source} (
        file_hash varchar not null,
        file_path varchar not null,
        record_number bigint not null,
        raw_record varchar,
        parse_error varchar,
        ingested_at timestamp not null,
        load_id integer not null
    )"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)
    for source in SOURCES:
        con.execute(_record_table_ddl(source))


def file_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in (".jsonl.gz", ".jsonl", ".parquet", ".csv"):
        if name.endswith(suffix):
            return suffix.lstrip(".")
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(landing: Path) -> Iterator[tuple[str, Path]]:
    """Yield (source, path) for every file below the contract folders, sorted."""
    for source in SOURCES:
        folder = landing / source
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not any(part.startswith(".") for part in path.parts):
                yield source, path


# --- readers: each yields (record_number, raw_record, parse_error) -------------------


def read_csv_records(path: Path) -> Iterator[tuple[int, str, str | None]]:
    try:
        text = io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", errors="strict", newline="")
        with text:
            reader = csv.reader(text)
            try:
                header = next(reader)
            except StopIteration:
                return
            header = [column.strip() for column in header]
            last_line = reader.line_num
            for row in reader:
                line_number = last_line + 1
                last_line = reader.line_num
                if not row:
                    continue  # a blank line is not a record
                if len(row) != len(header):
                    yield (
                        line_number,
                        json.dumps({"_fields": row}, ensure_ascii=False),
                        f"expected {len(header)} fields, found {len(row)}",
                    )
                    continue
                yield (
                    line_number,
                    json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False),
                    None,
                )
    except (UnicodeDecodeError, csv.Error) as error:
        raise UnreadableFileError(f"{type(error).__name__}: {error}") from error


def _line_table(data: bytes, lines_before: int) -> pa.Table:
    """Split a block of whole lines into (record_number, raw_record) rows, blanks dropped."""
    import pyarrow.compute as pc

    lines = pa.array(data.decode("utf-8").split("\n"), pa.string())
    numbers = pa.array(range(lines_before + 1, lines_before + 1 + len(lines)), pa.int64())
    lines = pc.utf8_rtrim(lines, characters="\r")
    keep = pc.not_equal(pc.utf8_trim_whitespace(lines), "")  # a blank line is not a record
    return pa.table(
        [
            numbers.filter(keep),
            lines.filter(keep),
            pa.nulls(pc.sum(keep).as_py() or 0, pa.string()),
        ],
        schema=RAW_RECORD_SCHEMA,
    )


def read_jsonl_batches(path: Path, block_bytes: int = 32 << 20) -> Iterator[pa.Table]:
    """Read JSON Lines in blocks cut at line ends: the split is done in C, not per line."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            carry = b""
            lines_before = 0
            while block := handle.read(block_bytes):
                block = carry + block
                cut = block.rfind(b"\n")
                if cut < 0:
                    carry = block
                    continue
                carry = block[cut + 1 :]
                whole = block[:cut]
                yield _line_table(whole, lines_before)
                lines_before += whole.count(b"\n") + 1
            if carry:
                yield _line_table(carry, lines_before)
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile, zlib.error) as error:
        raise UnreadableFileError(f"{type(error).__name__}: {error}") from error


def _batched(records: Iterator[tuple[int, str, str | None]]) -> Iterator[pa.Table]:
    batch: list[tuple[int, str, str | None]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH_ROWS:
            yield _table(batch)
            batch = []
    if batch:
        yield _table(batch)


def _table(rows: list[tuple[int, str, str | None]]) -> pa.Table:
    numbers, records, errors = zip(*rows, strict=True)
    return pa.table(
        [
            pa.array(numbers, pa.int64()),
            pa.array(records, pa.string()),
            pa.array(errors, pa.string()),
        ],
        schema=RAW_RECORD_SCHEMA,
    )


def read_parquet_records(path: Path) -> Iterator[tuple[int, str, str | None]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        record_number = 0
        for batch in parquet.iter_batches(batch_size=50_000):
            for row in batch.to_pylist():
                record_number += 1
                yield record_number, json.dumps(row, default=str, ensure_ascii=False), None
    except (OSError, pa.ArrowException) as error:
        raise UnreadableFileError(f"{type(error).__name__}: {error}") from error


def _text_parquet_records(path: Path, columns: list[str]) -> str:
    """SQL for the records of an all-text Parquet file (the CloudEvents layout).

    DuckDB writes each row as a JSON object (the columns in file order, null as null),
    the same object `read_parquet_records` builds row by row in Python, about 100
    times faster: 100 million usage events would otherwise spend hours here.
    """
    row = ", ".join(f"{quote_literal(name)}: {quote_identifier(name)}" for name in columns)
    return f"""select file_row_number + 1 as record_number,
                   cast(to_json({{{row}}}) as varchar) as raw_record,
                   cast(null as varchar) as parse_error
            from read_parquet({quote_literal(str(path))}, file_row_number = true)"""


def read_text_parquet_batches(path: Path, columns: list[str]) -> Iterator[pa.Table]:
    """The records of an all-text Parquet file (`_text_parquet_records`), as Arrow batches."""
    con = duckdb.connect(config=settings.duckdb_config())
    try:
        reader = con.execute(_text_parquet_records(path, columns)).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            yield pa.Table.from_batches([batch]).cast(RAW_RECORD_SCHEMA)
    except (duckdb.Error, OSError, pa.ArrowException) as error:
        raise UnreadableFileError(f"{type(error).__name__}: {error}") from error
    finally:
        con.close()


def _text_parquet_columns(path: Path) -> list[str] | None:
    """The columns of an all-text Parquet file, None for other column types."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        raise UnreadableFileError(f"{type(error).__name__}: {error}") from error
    text = all(pa.types.is_string(f.type) or pa.types.is_large_string(f.type) for f in schema)
    if text and len(schema) and "file_row_number" not in schema.names:
        return schema.names
    return None


def _parquet_batches(path: Path) -> Iterator[pa.Table]:
    columns = _text_parquet_columns(path)
    if columns is not None:
        return read_text_parquet_batches(path, columns)
    # other column types keep Python's rendering (json.dumps, default=str)
    return _batched(read_parquet_records(path))


def read_batches(path: Path, fmt: str) -> Iterator[pa.Table]:
    """The file's records as Arrow tables of (record_number, raw_record, parse_error)."""
    if fmt == "csv":
        return _batched(read_csv_records(path))
    if fmt in ("jsonl", "jsonl.gz"):
        return read_jsonl_batches(path)
    return _parquet_batches(path)


# --- loading -----------------------------------------------------------------------


def _insert_batch(
    con: duckdb.DuckDBPyConnection,
    source: str,
    batch: pa.Table,
    constants: tuple[str, str, datetime, int],
) -> None:
    file_hash, file_path, ingested_at, load_id = constants
    con.register("_raw_batch", batch)
    con.execute(
        f"""insert into raw.{source}
            select ?, ?, record_number, raw_record, parse_error, ?, ?
            from _raw_batch""",
        [file_hash, file_path, ingested_at, load_id],
    )
    con.unregister("_raw_batch")


def _insert_text_parquet(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    columns: list[str],
    constants: tuple[str, str, datetime, int],
) -> int:
    """Insert an all-text Parquet file's records in one statement on the warehouse
    connection: no round trip through Arrow batches and a second connection (a third
    less CPU; docs/decisions.md). Returns the rows inserted. A statement that fails on
    a file that reads alone failed in the warehouse (disk, lock): that error is raised
    as it is, not blamed on the file."""
    file_hash, file_path, ingested_at, load_id = constants
    try:
        inserted = con.execute(
            f"""insert into raw.{source}
                select ?, ?, record_number, raw_record, parse_error, ?, ?
                from ({_text_parquet_records(path, columns)})""",
            [file_hash, file_path, ingested_at, load_id],
        ).fetchone()
    except duckdb.Error:
        # the file read alone: UnreadableFileError when the file is at fault
        for _ in read_text_parquet_batches(path, columns):
            pass
        raise
    return int(inserted[0]) if inserted else 0


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: str,
    path: Path,
    relative: str,
    file_hash: str,
    ingested_at: datetime,
    load_id: int,
) -> FileResult:
    """Load one file's records in one transaction: all of them or none."""
    fmt = file_format(path)
    result = FileResult(source=source, file_path=relative, file_hash=file_hash, status="loaded")
    con.execute("begin transaction")
    try:
        if fmt is None or f".{fmt}" not in SOURCES[source]:
            expected = ", ".join(SOURCES[source])
            raise UnreadableFileError(f"unsupported file type for {source}/ (expected {expected})")
        constants = (file_hash, relative, ingested_at, load_id)
        columns = _text_parquet_columns(path) if fmt == "parquet" else None
        if columns is not None:
            result.rows_read = _insert_text_parquet(con, source, path, columns, constants)
        else:
            for batch in read_batches(path, fmt):
                result.rows_read += batch.num_rows
                _insert_batch(con, source, batch, constants)
        con.execute("commit")
    except UnreadableFileError as error:
        con.execute("rollback")
        result.status = "unreadable"
        result.rows_read = 0
        result.error_message = str(error)
    except BaseException:
        con.execute("rollback")
        raise
    con.execute(
        """insert into raw.landing_files
           (file_hash, source, file_path, file_format, size_bytes, rows_read, status,
            error_message, load_id, ingested_at)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            file_hash,
            source,
            relative,
            fmt or path.suffix.lstrip(".") or "unknown",
            path.stat().st_size,
            result.rows_read if result.status == "loaded" else None,
            result.status,
            result.error_message,
            load_id,
            ingested_at,
        ],
    )
    return result


def _known_hash(
    con: duckdb.DuckDBPyConnection, relative: str, size: int, modified_ns: int
) -> str | None:
    """Reuse the hash of a path whose size and modification time are unchanged."""
    row = con.execute(
        """select file_hash from raw.landing_file_paths
           where file_path = ? and size_bytes = ? and modified_ns = ?""",
        [relative, size, modified_ns],
    ).fetchone()
    return row[0] if row else None


def ingest(con: duckdb.DuckDBPyConnection, landing: Path, as_of: datetime) -> IngestSummary:
    """Load every new file of `landing`; `as_of` is the new files' `ingested_at`."""
    ensure_schema(con)
    landing = landing.resolve()
    if not landing.is_dir():
        raise FileNotFoundError(f"landing directory {landing} does not exist")
    next_load = con.execute(
        "select coalesce(max(load_id), 0) + 1 from raw.landing_loads"
    ).fetchone()[0]
    loaded = {
        row[0]: row[1]
        for row in con.execute("select file_hash, status from raw.landing_files").fetchall()
    }

    summary = IngestSummary(load_id=None)
    present: list[tuple[str, str, str]] = []
    for source, path in discover(landing):
        summary.files_seen += 1
        relative = path.relative_to(landing).as_posix()
        stat = path.stat()
        file_hash = _known_hash(con, relative, stat.st_size, stat.st_mtime_ns) or sha256_of(path)
        present.append((relative, file_hash, source))
        con.execute(
            """insert into raw.landing_file_paths
               select ?, ?, ?, ?, ?, ?
               where not exists (
                   select 1 from raw.landing_file_paths where file_path = ? and file_hash = ?)""",
            [
                relative,
                file_hash,
                source,
                stat.st_size,
                stat.st_mtime_ns,
                as_of,
                relative,
                file_hash,
            ],
        )
        if file_hash in loaded:
            summary.files.append(
                FileResult(source, relative, file_hash, "already_loaded", error_message=None)
            )
            continue
        result = load_file(con, source, path, relative, file_hash, as_of, next_load)
        loaded[file_hash] = result.status
        summary.files.append(result)

    con.execute("delete from raw.landing_files_present")
    if present:
        con.executemany("insert into raw.landing_files_present values (?, ?, ?)", present)
    if summary.new_files:
        summary.load_id = next_load
        con.execute(
            "insert into raw.landing_loads values (?, ?, ?, ?, ?, ?, ?)",
            [
                next_load,
                as_of,
                str(landing),
                summary.files_seen,
                sum(1 for f in summary.new_files if f.status == "loaded"),
                len(summary.unreadable),
                summary.rows_read,
            ],
        )
    return summary
