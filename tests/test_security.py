"""Issue 9, security: personal data never reaches marts in clear, no secrets in the
repository, the dbt profile reads its settings from the environment, and BI readers
open the published copy read-only with no access to external files.

The end-to-end checks share one `usage-billing run` (tests/reliability_scenario.py).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import duckdb
import pytest
import reliability_scenario as scenario_module
import yaml
from reliability_scenario import (
    CUSTOMER_IDS,
    EVENT_EMAIL,
    EVENT_IPS,
    QUARANTINED_EMAILS,
    email_of,
)

from orchestration.defs.exports import publish
from orchestration.lib.personal_data import contains_sql, redact_sql, write_redacted_copy
from orchestration.lib.settings import REPO_ROOT

DEV_KEY = "usage-billing-dev-pii-key-not-secret"
CLEAR_EMAILS = (
    [email_of(cid) for cid in CUSTOMER_IDS]
    + QUARANTINED_EMAILS
    + [EVENT_EMAIL, "fuzz.person@pii-example.com"]
)
CLEAR_STRINGS = CLEAR_EMAILS + [e.lower() for e in CLEAR_EMAILS] + EVENT_IPS


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return scenario_module.scenario(tmp_path_factory)


def _text_columns(con: duckdb.DuckDBPyConnection, schemas: list[str] | None) -> list[tuple]:
    rows = con.execute(
        """select columns.table_schema, columns.table_name, columns.column_name
           from information_schema.columns as columns
           inner join information_schema.tables as tables
               on columns.table_schema = tables.table_schema
               and columns.table_name = tables.table_name
           where tables.table_type = 'BASE TABLE'
             and (columns.data_type = 'VARCHAR' or columns.data_type = 'JSON'
                  or columns.data_type like '%[]' or columns.data_type like 'STRUCT%'
                  or columns.data_type like 'MAP%')
           order by 1, 2, 3"""
    ).fetchall()
    return [row for row in rows if schemas is None or row[0] in schemas]


def _leaks(path: Path, schemas: list[str] | None) -> list[tuple[str, str]]:
    """(table.column, clear string) for every clear e-mail or IP found in the tables."""
    con = duckdb.connect(str(path), read_only=True)
    found = []
    try:
        columns = _text_columns(con, schemas)
        assert columns, f"no text columns found in {path} {schemas}"
        for schema, table, column in columns:
            for needle in CLEAR_STRINGS:
                hit = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where contains(cast("{column}" as varchar), ?)',
                    [needle],
                ).fetchone()[0]
                if hit:
                    found.append((f"{schema}.{table}.{column}", needle))
    finally:
        con.close()
    return found


def test_the_landing_really_holds_the_clear_strings(run):
    """The scan below could not pass by accident: raw holds every searched string."""
    raw = run.warehouse.query(
        "select string_agg(raw_record, '\n') from (select raw_record from raw.customers "
        "union all select raw_record from raw.usage_events where file_path = 'usage_events/pii.jsonl')"
    )[0][0]
    for needle in CLEAR_EMAILS + EVENT_IPS:
        assert needle in raw


def test_no_clear_email_or_ip_in_any_mart(run):
    assert _leaks(run.warehouse.path, ["marts"]) == []


def test_no_clear_email_or_ip_anywhere_in_the_published_copy(run):
    published = publish.published_path(run.warehouse.path)
    assert published.is_file()
    # every schema of the copy: marts, seeds, quality, utilities, exports
    assert _leaks(published, None) == []


def test_no_clear_email_or_ip_in_the_parquet_exports(run):
    exports = publish.exports_folder(run.warehouse.path)
    files = sorted(exports.glob("*.parquet"))
    assert len(files) >= 10
    for path in files:
        text = " ".join(
            str(row) for row in duckdb.sql(f"select * from '{path}'").fetchall()
        )  # small sample
        assert [needle for needle in CLEAR_STRINGS if needle in text] == [], path.name


def test_emails_are_a_keyed_hash(run):
    """sha256(key || '|' || lower(trim(email))), key from USAGE_BILLING_PII_KEY (dev default)."""
    rows = dict(
        run.warehouse.query("select customer_id, email_hash from intermediate.int_customers")
    )
    expected = hashlib.sha256(f"{DEV_KEY}|{email_of('ny').lower()}".encode()).hexdigest()
    assert rows["ny"] == expected
    # not the unkeyed hashes a dictionary attack would try
    for unkeyed in (hashlib.md5, hashlib.sha256):
        assert rows["ny"] != unkeyed(email_of("ny").lower().encode()).hexdigest()
    # the key never reaches the warehouse catalog (the staging model is a table, not a view)
    definitions = run.warehouse.query("select string_agg(sql, ' ') from duckdb_views()")[0][0]
    assert DEV_KEY not in definitions


def test_ip_properties_are_dropped_and_quarantined_raw_records_redacted(run):
    data = run.warehouse.query(
        "select cast(data_json as varchar) from intermediate.int_usage_events where event_id = 'ip1'"
    )
    assert data == [('{"endpoint":"/v1/a","status_code":200}',)]
    raw = run.warehouse.query(
        """select raw_record from marts.fct_quarantined_records
           where file_path = 'usage_events/pii.jsonl'"""
    )[0][0]
    assert '"client_ip": "<ip redacted>"' in raw
    assert '"x_forwarded_for": "<ip redacted>"' in raw
    assert '"contact": "<email redacted>"' in raw
    customers = run.warehouse.query(
        """select record_number, reason_code, raw_record from marts.fct_quarantined_records
           where file_path = 'customers/customers.csv' order by record_number"""
    )
    # header, 4 customers and 50 fillers on lines 1-55, then the two bad rows
    assert [(number, reason) for number, reason, _ in customers] == [
        (56, "malformed_row"),
        (57, "invalid_timestamp"),
    ]
    assert all("<email redacted>" in raw for _, _, raw in customers)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail Bob.X+tag@ex-ample.co.uk now", "mail <email redacted> now"),
        ('{"ip":"10.0.0.255","v":"1.2.3"}', '{"ip":"<ip redacted>","v":"1.2.3"}'),
        ("1.2.3.4,5.6.7.8", "<ip redacted>,<ip redacted>"),
        ('"2001:db8::1" ::1', '"<ip redacted>" <ip redacted>'),
        ("fe80:0:0:0:0:0:0:1", "<ip redacted>"),
        ("2026-01-05 10:00:00,1.0,v12.5,999.1.1.1", "2026-01-05 10:00:00,1.0,v12.5,999.1.1.1"),
    ],
)
def test_redaction_patterns(text, expected):
    assert duckdb.execute(f"select {redact_sql('?')}", [text]).fetchone() == (expected,)
    assert duckdb.execute(f"select {contains_sql('?')}", [text]).fetchone() == (text != expected,)


def _small_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(
        "create schema raw; create table raw.t (raw_record varchar, other varchar primary key)"
    )
    con.execute("insert into raw.t values ('a@b.io x', 'a@b.io'), ('clean', 'x')")
    con.execute("create table main.e (data_json json)")
    con.execute("""insert into main.e values ('{"ip": "10.1.2.3", "n": 1}'), ('{"n": 2}')""")
    con.execute("create schema hidden; create table hidden.secret as select 'a@b.io' as s")
    # dbt writes views with the catalog (the file's name) in every relation name; w
    # reads v, and sorts before it only by accident of creation order
    con.execute(
        'create view "usage_billing"."main"."v" as (select count(*) as n from "usage_billing"."raw"."t")'
    )
    con.execute(
        'create view "usage_billing"."main"."w" as (select n + 1 as m from "usage_billing"."main"."v")'
    )
    con.execute("comment on column raw.t.other is 'kept as is'")
    con.close()


def test_the_redacted_copy_rewrites_only_raw_text_with_addresses(tmp_path):
    _small_warehouse(tmp_path / "usage_billing.duckdb")
    (tmp_path / "copy").mkdir()
    target = tmp_path / "copy" / "usage_billing.duckdb"
    rows = write_redacted_copy(str(tmp_path / "usage_billing.duckdb"), str(target), ["hidden"])
    assert rows == {"main.e": 2, "raw.t": 2}  # not hidden.secret
    con = duckdb.connect(str(target), read_only=True)
    # only raw_record and data_json are redacted; other columns are copied as they are
    assert con.execute("select * from raw.t order by 2").fetchall() == [
        ("<email redacted> x", "a@b.io"),
        ("clean", "x"),
    ]
    assert con.execute(
        "select data_json->>'ip', typeof(data_json) from main.e order by data_json->>'n'"
    ).fetchall() == [("<ip redacted>", "JSON"), (None, "JSON")]
    # views after the views they read; constraints and comments kept
    assert con.execute("select m from main.w").fetchall() == [(3,)]
    assert con.execute(
        "select comment from duckdb_columns() where column_name = 'other'"
    ).fetchall() == [("kept as is",)]
    assert con.execute(
        "select constraint_type from duckdb_constraints() where table_name = 't'"
    ).fetchall() == [("PRIMARY KEY",), ("NOT NULL",)]
    assert con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'hidden'"
    ).fetchall() == [(0,)]


def test_a_published_view_that_reads_an_unpublished_table_is_an_error(tmp_path):
    _small_warehouse(tmp_path / "usage_billing.duckdb")
    (tmp_path / "copy").mkdir()
    with pytest.raises(RuntimeError, match=r"cannot publish the views main\.v, main\.w"):
        write_redacted_copy(
            str(tmp_path / "usage_billing.duckdb"),
            str(tmp_path / "copy" / "usage_billing.duckdb"),
            ["raw"],
        )


def test_no_replaced_address_survives_in_the_bytes_of_the_published_file(tmp_path):
    """Redacting a byte copy in place (the first design) left every replaced value in
    the file's freed blocks: a byte search of the copy gave the addresses back. The copy
    is written logically, so its bytes never held them. Stored uncompressed here, so
    that a value anywhere in the file would be found by a plain byte search."""
    warehouse = tmp_path / "usage_billing.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("pragma force_compression = 'uncompressed'")
    for schema in ("raw", "marts"):  # raw is not published; the mart is, redacted
        con.execute(f"create schema {schema}")
        con.execute(
            f"create table {schema}.records as select i as record_number, "
            "'{\"contact\": \"person' || i || '.x' || md5(i::varchar) || '@mail-example.org\"}' "
            "as raw_record from range(50000) as t(i)"
        )
    addresses = [
        row[0].split('"')[3]
        for row in con.execute(
            "select raw_record from marts.records where record_number in (7, 31337)"
        ).fetchall()
    ]
    con.close()
    assert all(address.encode() in warehouse.read_bytes() for address in addresses)
    published = publish.publish_copy(warehouse)
    data = published.read_bytes()
    assert [address for address in addresses if address.encode() in data] == []
    assert b"@mail-example.org" not in data
    reader = publish.connect_published(published)
    assert reader.execute(
        "select count(*) from marts.records where raw_record like '%<email redacted>%'"
    ).fetchone() == (50000,)
    assert reader.execute(
        "select count(*) from duckdb_tables() where schema_name = 'raw'"
    ).fetchone() == (0,)
    reader.close()


# --- the published copy for BI readers ---------------------------------------------------


def test_a_bi_reader_of_the_published_copy_cannot_write_or_read_files(tmp_path):
    warehouse = tmp_path / "usage_billing.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute(
        "create schema marts; create table marts.fct_invoices (total_amount decimal(18, 2))"
    )
    con.execute("insert into marts.fct_invoices values (31.00)")
    con.close()
    outside = tmp_path / "secrets.csv"
    outside.write_text("secret\ns3cr3t\n")
    published = publish.publish_copy(warehouse)

    reader = publish.connect_published(published)
    try:
        assert reader.execute("select total_amount from marts.fct_invoices").fetchall() == [
            (pytest.approx(31),)
        ]
        forbidden = {
            "insert": "insert into marts.fct_invoices values (1)",
            "create": "create table marts.x (a int)",
            "read_csv": f"select * from read_csv('{outside}')",
            "copy_to": f"copy marts.fct_invoices to '{tmp_path / 'out.csv'}'",
            "attach": f"attach '{warehouse}' as pipeline",
            "re-enable": "set enable_external_access = true",
        }
        for name, sql in forbidden.items():
            with pytest.raises(duckdb.Error) as raised:
                reader.execute(sql)
            assert re.search(r"read-only|disabled by configuration|locked", str(raised.value)), (
                name,
                str(raised.value),
            )
    finally:
        reader.close()
    assert not (tmp_path / "out.csv").exists()


def test_the_dashboard_opens_the_copy_the_same_way():
    source = (REPO_ROOT / "dashboard" / "dashboard_data.py").read_text()
    assert '"enable_external_access": False' in source
    assert '"lock_configuration": True' in source
    assert "read_only=True" in source


# --- secrets and credentials ---------------------------------------------------------------

SECRET_PATTERNS = {
    "aws access key": r"AKIA[0-9A-Z]{16}",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "github token": r"gh[pousr]_[A-Za-z0-9]{36}",
    "slack token": r"xox[abpr]-[A-Za-z0-9-]{10,}",
    "password assignment": r"(?i)\b(password|passwd|secret|api_key|token)\s*[:=]\s*['\"][^'\"{}$]{8,}['\"]",
    "credentials in a URL": r"[a-z+]+://[^/\s:@'\"]+:[^/\s@'\"{}]+@",
}


def test_no_secrets_in_tracked_files():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 100
    found = []
    for name in tracked:
        path = REPO_ROOT / name
        if not path.is_file() or path.suffix in {".parquet", ".gz", ".png", ".duckdb", ".lock"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [
            (name, kind) for kind, pattern in SECRET_PATTERNS.items() if re.search(pattern, text)
        ]
    assert found == []
    assert ".env" in (REPO_ROOT / ".gitignore").read_text().split()


def test_the_secret_patterns_catch_secrets():
    # assembled at run time, so this file does not hold what the scan looks for
    samples = {
        "aws access key": "key = " + "AKIA" + "ABCDEFGHIJKLMNOP",
        "password assignment": "pass" + 'word = "hunter2hunter2"',
        "credentials in a URL": "postgres://billing:" + "s3cret@db:5432/x",
    }
    for kind, sample in samples.items():
        assert re.search(SECRET_PATTERNS[kind], sample), kind


def test_the_profile_reads_its_settings_from_the_environment():
    profile = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    outputs = profile["usage_billing"]["outputs"]
    assert {name: output["type"] for name, output in outputs.items()} == {
        "dev": "duckdb",
        "spark": "spark",
    }
    assert "env_var('USAGE_BILLING_WAREHOUSE'" in outputs["dev"]["path"]
    spark_settings = outputs["spark"]["server_side_parameters"]
    assert "env_var('USAGE_BILLING_SPARK_DIR'" in spark_settings["spark.sql.warehouse.dir"]
    for name, output in outputs.items():
        credential_keys = {"password", "user", "token", "host", "motherduck_token"} & set(output)
        for key in credential_keys:
            assert "env_var(" in str(output[key]), (name, key)
    # the key of the e-mail hash comes from the environment too
    macro = (REPO_ROOT / "macros" / "staging" / "personal_data.sql").read_text()
    assert "env_var('USAGE_BILLING_PII_KEY'" in macro
