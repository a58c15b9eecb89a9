"""Personal data in the published copy for BI readers.

The pipeline's own warehouse keeps landed records as read in `raw` (and in the
`raw_record` column of the incremental staging tables): that is what makes re-parsing
and the quarantine ledger possible. The copy BI tools open must not hold e-mail or IP
addresses in clear, not even in its file's bytes. So publishing writes a new file with
the consumer layers only (write_redacted_copy), and every `raw_record` and `data_json`
(event properties) value in it is written with the same markers the dbt macro
`redact_personal_data` (macros/staging/personal_data.sql) writes into the quarantine
ledger. The patterns below are the macro's, and tests/test_security.py checks both on
the same cases."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from orchestration.lib.sql_text import quote_identifier, quote_literal

EMAIL_PATTERN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
IPV4_PATTERN = r"\b(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\b"
IPV6_PATTERN = (
    r"(^|[^0-9A-Za-z:])(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*)($|[^0-9A-Za-z:])"
)
# landed text (raw records) and event properties as landed (CloudEvents `data`)
REDACTED_COLUMNS = ("raw_record", "data_json")


def redact_sql(column: str) -> str:
    """SQL that replaces e-mail and IP addresses in `column` (the macro's expression)."""
    emails = f"regexp_replace({column}, {quote_literal(EMAIL_PATTERN)}, '<email redacted>', 'g')"
    ipv4 = f"regexp_replace({emails}, {quote_literal(IPV4_PATTERN)}, '<ip redacted>', 'g')"
    return f"regexp_replace({ipv4}, {quote_literal(IPV6_PATTERN)}, '\\1<ip redacted>\\4', 'g')"


def contains_sql(column: str) -> str:
    """SQL true when `column` holds an e-mail or IP address."""
    patterns = "|".join(f"({p})" for p in (EMAIL_PATTERN, IPV4_PATTERN, IPV6_PATTERN))
    return f"regexp_matches({column}, {quote_literal(patterns)})"


SOURCE_ALIAS = "publish_source"


def _redacted_select_list(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    """The table's columns, `raw_record` and `data_json` redacted where they hold an address."""
    select_list = []
    for column, data_type in con.execute(
        """select column_name, data_type from duckdb_columns()
           where database_name = ? and schema_name = ? and table_name = ?
           order by column_index""",
        [SOURCE_ALIAS, schema, table],
    ).fetchall():
        name = quote_identifier(column)
        if column in REDACTED_COLUMNS:
            text = f"cast({name} as varchar)"
            name = (
                f"case when {contains_sql(text)} then cast({redact_sql(text)} as {data_type}) "
                f"else {name} end"
            )
        select_list.append(name)
    return ", ".join(select_list)


def _copy_comments(con: duckdb.DuckDBPyConnection, catalog: str, schemas: list[str]) -> None:
    """COMMENT ON every copied table, view and column the source describes (persist_docs)."""
    described = con.execute(
        """select 'table', schema_name, table_name, null, comment from duckdb_tables()
           where database_name = $source and comment is not null
           union all
           select 'view', schema_name, view_name, null, comment from duckdb_views()
           where database_name = $source and comment is not null
           union all
           select 'column', schema_name, table_name, column_name, comment from duckdb_columns()
           where database_name = $source and comment is not null""",
        {"source": SOURCE_ALIAS},
    ).fetchall()
    for kind, schema, name, column, comment in described:
        if schema not in schemas:
            continue
        target = f"{catalog}.{quote_identifier(schema)}.{quote_identifier(name)}"
        if column is not None:
            target += f".{quote_identifier(column)}"
        con.execute(f"comment on {kind} {target} is {quote_literal(comment)}")


def write_redacted_copy(
    source: str, target: str, excluded_schemas: Iterable[str]
) -> dict[str, int]:
    """Write a new database file at `target` with every schema of the database at
    `source` except `excluded_schemas`: its tables (definitions with their constraints,
    rows, comments) and views, every `raw_record` and `data_json` value redacted as it
    is written.

    A logical copy, not a byte copy: updating a byte copy in place leaves the values it
    replaced in the file's freed blocks, readable by anyone with the file, and DuckDB
    has no command that wipes them. Here no clear value is ever written to `target`.
    Its catalog is named after its file name, so views that name the source's catalog
    (dbt writes fully qualified names) resolve in the copy when `target` has the
    source's file name. A view that reads an excluded schema cannot be copied: that is
    an error naming it.

    Returns the rows written per table (`schema.table`).
    """
    catalog = quote_identifier(Path(target).name.split(".")[0])
    excluded = set(excluded_schemas)
    written: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(source)} as {SOURCE_ALIAS} (read_only)")
        con.execute(f"attach {quote_literal(target)} as {catalog}")
        con.execute(f"use {catalog}")
        schemas = [
            schema
            for (schema,) in con.execute(
                """select schema_name from duckdb_tables() where database_name = $source
                   union
                   select schema_name from duckdb_views()
                   where database_name = $source and not internal
                   order by 1""",
                {"source": SOURCE_ALIAS},
            ).fetchall()
            if schema not in excluded
        ]
        for schema in schemas:
            con.execute(f"create schema if not exists {catalog}.{quote_identifier(schema)}")
        tables = con.execute(
            "select schema_name, table_name, sql from duckdb_tables() "
            "where database_name = ? order by 1, 2",
            [SOURCE_ALIAS],
        ).fetchall()
        for schema, table, definition in tables:
            if schema not in schemas:
                continue
            relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            con.execute(definition)  # CREATE TABLE schema.table (...), into the copy (USE)
            written[f"{schema}.{table}"] = con.execute(
                f"insert into {catalog}.{relation} "
                f"select {_redacted_select_list(con, schema, table)} from {SOURCE_ALIAS}.{relation}"
            ).fetchone()[0]
        _copy_views(con, schemas)
        _copy_comments(con, catalog, schemas)
        con.execute(f"checkpoint {catalog}")
    finally:
        con.close()
    return written


def _copy_views(con: duckdb.DuckDBPyConnection, schemas: list[str]) -> None:
    """Create the source's views of `schemas` in the copy, each after the views it reads."""
    pending = {
        (schema, name): definition
        for schema, name, definition in con.execute(
            "select schema_name, view_name, sql from duckdb_views() "
            "where database_name = ? and not internal",
            [SOURCE_ALIAS],
        ).fetchall()
        if schema in schemas
    }
    while pending:
        errors = {}
        for key, definition in list(pending.items()):
            try:
                con.execute(definition)
            except duckdb.CatalogException as error:  # reads a view not created yet
                errors[key] = error
            else:
                del pending[key]
        if len(errors) == len(pending) and pending:
            names = ", ".join(f"{schema}.{name}" for schema, name in sorted(pending))
            raise RuntimeError(
                f"cannot publish the views {names}: they read relations that are not "
                f"published ({next(iter(errors.values()))})"
            )
