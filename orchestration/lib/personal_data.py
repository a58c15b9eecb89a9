"""Personal data in the published copy for BI readers.

The pipeline's own warehouse keeps landed records as read in `raw` (and in the
`raw_record` column of the incremental staging tables): that is what makes re-parsing
and the quarantine ledger possible. The copy BI tools open must not hold e-mail or IP
addresses in clear, so publishing replaces them, in every `raw_record` column of the
copy (and every `data_json` column: event properties), with the same markers the dbt macro `redact_personal_data`
(macros/staging/personal_data.sql) writes into the quarantine ledger. The patterns
below are the macro's, and tests/test_security.py checks both on the same cases.
"""

from __future__ import annotations

import duckdb

EMAIL_PATTERN = r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"
IPV4_PATTERN = r"\b(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\b"
IPV6_PATTERN = (
    r"(^|[^0-9A-Za-z:])(([0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"
    r"|[0-9A-Fa-f:]*::[0-9A-Fa-f:]*)($|[^0-9A-Za-z:])"
)
# landed text (raw records) and event properties as landed (CloudEvents `data`)
REDACTED_COLUMNS = ("raw_record", "data_json")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def redact_sql(column: str) -> str:
    """SQL that replaces e-mail and IP addresses in `column` (the macro's expression)."""
    emails = f"regexp_replace({column}, {_literal(EMAIL_PATTERN)}, '<email redacted>', 'g')"
    ipv4 = f"regexp_replace({emails}, {_literal(IPV4_PATTERN)}, '<ip redacted>', 'g')"
    return f"regexp_replace({ipv4}, {_literal(IPV6_PATTERN)}, '\\1<ip redacted>\\4', 'g')"


def contains_sql(column: str) -> str:
    """SQL true when `column` holds an e-mail or IP address."""
    patterns = "|".join(f"({p})" for p in (EMAIL_PATTERN, IPV4_PATTERN, IPV6_PATTERN))
    return f"regexp_matches({column}, {_literal(patterns)})"


def redact_database(path: str) -> dict[str, int]:
    """Redact every `raw_record` and `data_json` column of every base table at `path`.

    Returns the rows changed per table and column. Only rows holding an address are
    rewritten.
    """
    changed: dict[str, int] = {}
    con = duckdb.connect(path)
    try:
        columns = con.execute(
            """select columns.table_schema, columns.table_name, columns.column_name,
                      columns.data_type
               from information_schema.columns as columns
               inner join information_schema.tables as tables
                   on columns.table_schema = tables.table_schema
                   and columns.table_name = tables.table_name
               where columns.column_name in (select unnest(?))
                   and tables.table_type = 'BASE TABLE'
               order by 1, 2, 3""",
            [list(REDACTED_COLUMNS)],
        ).fetchall()
        for schema, table, column, data_type in columns:
            relation = f'"{schema}"."{table}"'
            text = f'cast("{column}" as varchar)'
            count = con.execute(
                f'update {relation} set "{column}" = cast({redact_sql(text)} as {data_type}) '
                f"where {contains_sql(text)}"
            ).fetchone()[0]
            changed[f"{schema}.{table}.{column}"] = count
        con.execute("checkpoint")
    finally:
        con.close()
    return changed
