"""Issue 9, bad input: a hypothesis-generated batch of malformed CloudEvents (wrong types,
huge and negative numbers, far-future and ancient timestamps, injection strings with
quotes, SQL and Jinja braces in ids, names and properties) and customer CSV rows, landed
as one file each and put through ingestion and staging in ONE run (the shared run of
tests/reliability_scenario.py: each dbt run costs minutes, so the examples are collected
by hypothesis first and run together).

Expected: the run succeeds; every record is staged, an exact duplicate, or quarantined
with a reason code; strings are stored as data (an injected id comes back verbatim).
"""

from __future__ import annotations

import json

import duckdb
import pytest
import reliability_scenario as scenario_module
from reliability_scenario import FUZZ_CUSTOMER_FILE, FUZZ_USAGE_FILE, INJECTIONS

from orchestration.lib.personal_data import redact_sql

REASONS = {
    "malformed_json",
    "malformed_row",
    "missing_field",
    "invalid_timestamp",
    "future_timestamp",
    "negative_quantity",
    "quantity_out_of_range",
    "non_numeric_value",
    "unknown_customer",
    "unknown_event_type",
    "no_active_subscription",
    "duplicate_conflict",
    "unsupported_currency",
    "invalid_timezone",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return scenario_module.scenario(tmp_path_factory)


def _outcomes(warehouse, file_path: str) -> dict[int, tuple[str, str | None]]:
    rows = warehouse.query(
        """select outcomes.record_number, outcomes.record_status, outcomes.reason_code
           from intermediate.int_landing_record_outcomes as outcomes
           inner join raw.landing_files as files on outcomes.file_hash = files.file_hash
           where files.file_path = ?""",
        [file_path],
    )
    numbers = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers)), "a record has two outcomes"
    return {number: (status, reason) for number, status, reason in rows}


def test_the_batch_is_varied(run):
    lines = run.fuzz_lines
    assert len(lines) == 300
    parsed = [json.loads(line) for line in lines if line.startswith("{") and _is_json(line)]
    assert (
        sum(isinstance(record.get("id"), str) and record["id"] in INJECTIONS for record in parsed)
        >= 5
    )
    assert sum(record.get("subject") == "fz_known" for record in parsed) >= 10
    assert sum(not _is_json(line) for line in lines) >= 20


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def test_every_fuzzed_event_is_staged_or_quarantined_with_a_reason(run):
    outcomes = _outcomes(run.warehouse, FUZZ_USAGE_FILE)
    assert sorted(outcomes) == list(range(1, len(run.fuzz_lines) + 1))
    statuses = {status for status, _ in outcomes.values()}
    assert statuses <= {"accepted", "exact_duplicate", "quarantined"}
    quarantined = [reason for status, reason in outcomes.values() if status == "quarantined"]
    assert set(quarantined) <= REASONS
    assert None not in quarantined
    assert len(quarantined) >= 200  # most of the batch is broken
    assert "malformed_json" in quarantined and "missing_field" in quarantined
    # the manifest ties out for the file
    assert run.warehouse.query(
        """select records_read, records_staged + records_quarantined + records_duplicate
           from marts.fct_landing_files where file_path = ?""",
        [FUZZ_USAGE_FILE],
    ) == [(300, 300)]


def test_every_fuzzed_customer_row_is_staged_or_quarantined_with_a_reason(run):
    outcomes = _outcomes(run.warehouse, FUZZ_CUSTOMER_FILE)
    # the header is line 1; the generated values hold no line breaks
    assert sorted(outcomes) == list(range(2, len(run.fuzz_rows) + 2))
    for status, reason in outcomes.values():
        assert status in {"accepted", "exact_duplicate", "quarantined"}
        assert (status == "quarantined") == (reason is not None)
        assert reason is None or reason in REASONS


def test_quarantined_lines_are_kept_verbatim_as_data(run):
    """The raw record of every quarantined line is the line as written (e-mail and IP
    addresses redacted), quotes, SQL and Jinja braces included."""
    rows = dict(
        run.warehouse.query(
            """select record_number, raw_record from marts.fct_quarantined_records
               where file_path = ?""",
            [FUZZ_USAGE_FILE],
        )
    )
    assert len(rows) >= 200
    for number, raw in rows.items():
        line = run.fuzz_lines[number - 1]
        expected = duckdb.execute(f"select {redact_sql('?')}", [line]).fetchone()[0]
        assert raw == expected, number


def test_accepted_events_keep_their_strings_as_data(run):
    accepted = [
        number
        for number, (status, _) in _outcomes(run.warehouse, FUZZ_USAGE_FILE).items()
        if status == "accepted"
    ]
    assert len(accepted) >= 3
    staged = dict(
        (record_number, (source, event_id))
        for record_number, source, event_id in run.warehouse.query(
            """select events.record_number, events.event_source, events.event_id
               from intermediate.int_usage_events as events
               where events.file_path = ?""",
            [FUZZ_USAGE_FILE],
        )
    )
    for number in accepted:
        record = json.loads(run.fuzz_lines[number - 1])
        assert staged[number] == (str(record["source"]), str(record["id"]))


def test_injection_strings_did_nothing(run):
    """The SQL and Jinja in the batch ran nowhere: the tables they name are intact and
    the Jinja text is stored as written."""
    assert run.warehouse.query("select count(*) from raw.usage_events")[0][0] > 200_000
    assert run.warehouse.query("select count(*) from marts.fct_invoices")[0][0] >= 20
    stored = run.warehouse.query(
        "select count(*) from raw.usage_events where contains(raw_record, '{{ var(''as_of'') }}')"
    )[0][0]
    assert stored >= 1
