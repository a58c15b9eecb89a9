"""The landing directory and the one `usage-billing run` shared by the issue 9 tests
(tests/test_security.py, test_reliability.py, test_fuzz_staging.py, and the kill test's
reference in test_reliability_kill.py).

One run costs one to three minutes of dbt start-up, so one landing directory holds
every scenario and is run once per test session (`scenario()`), at AS_OF:

| customer   | zone / currency        | plan                       | what it shows |
|------------|------------------------|----------------------------|---------------|
| pii_a      | UTC, USD               | explorer from 2026-01-01   | e-mail, an IP in event data |
| ny         | America/New_York, USD  | enterprise 100, card 0.005 | DST, events at a boundary, half-up rounding |
| paris      | Europe/Paris, EUR      | enterprise 100, card 0.0125| DST, half-up rounding in EUR |
| fz_known   | UTC, USD               | explorer from 2026-01-01   | the subject of fuzzed events |

Hand-worked periods (local anchor 12:00 New York / 10:00 Paris on the 15th):
New York EST = UTC-5, EDT = UTC-4 (2026-03-08 to 2026-11-01): Feb 15 17:00Z,
Mar 15 16:00Z, ..., Oct 15 16:00Z, Nov 15 17:00Z. Paris CET = UTC+1, CEST = UTC+2
(2026-03-29 to 2026-10-25): Mar 15 09:00Z, Apr 15 08:00Z, ..., Oct 15 08:00Z,
Nov 15 09:00Z.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from landing_builder import (
    CONTRACT_RATE_COLUMNS,
    CUSTOMER_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    customer,
    subscription_event,
    usage_event,
    write_csv,
    write_jsonl,
    write_requests,
)

AS_OF = "2026-11-20T00:00:00Z"
THREADS_ENV = "USAGE_BILLING_DUCKDB_THREADS"

CUSTOMER_IDS = ["pii_a", "ny", "paris", "fz_known"]


def email_of(customer_id: str) -> str:
    return f"{customer_id}.Secret@pii-example.com"


# e-mails and IPs that appear in the landing files and must never reach a mart in clear
QUARANTINED_EMAILS = ["broken.row@pii-example.com", "bad.time@pii-example.com"]
EVENT_IPS = ["203.0.113.7", "198.51.100.23", "2001:db8::42"]
EVENT_EMAIL = "event.person@pii-example.com"


def _card(customer_id: str, unit_amount: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "metric_code": "api_requests",
        "charge_model": "per_unit",
        "band_index": 1,
        "up_to": "",
        "unit_amount": unit_amount,
        "effective_from": "2026-01-01T00:00:00Z",
    }


def write_fixed_landing(landing: Path) -> None:
    customers = [
        customer(
            cid,
            email=email_of(cid),
            billing_timezone=zone,
            currency=currency,
            signed_up_at="2026-01-01T00:00:00Z",
        )
        for cid, zone, currency in [
            ("pii_a", "UTC", "USD"),
            ("ny", "America/New_York", "USD"),
            ("paris", "Europe/Paris", "EUR"),
            ("fz_known", "UTC", "USD"),
        ]
    ]
    # customers without a subscription, so that the two bad rows below stay under the
    # quarantine share that holds invoices (5 % of customers/)
    customers += [customer(f"filler{n:02d}", email=email_of(f"filler{n:02d}")) for n in range(50)]
    path = write_csv(landing / "customers" / "customers.csv", CUSTOMER_COLUMNS, customers)
    # quarantined customer rows carrying e-mails: a row with too many fields, a bad timestamp
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"broken,Broken Row,{QUARANTINED_EMAILS[0]},US,USD,UTC,organic,x,y,extra\n")
        handle.write(
            f"badtime,Bad Time,{QUARANTINED_EMAILS[1]},US,USD,UTC,organic,"
            "not-a-time,2026-01-01T00:00:00Z\n"
        )
    write_csv(
        landing / "subscription_events" / "subscriptions.csv",
        SUBSCRIPTION_COLUMNS,
        [
            subscription_event("s_pii", "pii_a", "created", "2026-01-01T00:00:00Z", "explorer"),
            subscription_event("s_fz", "fz_known", "created", "2026-01-01T00:00:00Z", "explorer"),
            # 12:00 EST
            subscription_event(
                "s_ny", "ny", "created", "2026-02-15T17:00:00Z", "enterprise", contract_price="100"
            ),
            # 10:00 CET
            subscription_event(
                "s_paris",
                "paris",
                "created",
                "2026-03-15T09:00:00Z",
                "enterprise",
                contract_price="100",
            ),
        ],
    )
    write_csv(
        landing / "contract_rates" / "cards.csv",
        CONTRACT_RATE_COLUMNS,
        [_card("ny", "0.005"), _card("paris", "0.0125")],
    )
    usage = landing / "usage_events"
    write_jsonl(
        usage / "pii.jsonl",
        [
            usage_event(
                "ip1",
                "pii_a",
                "2026-02-10T10:00:00Z",
                data={"endpoint": "/v1/a", "status_code": 200, "ip": EVENT_IPS[0]},
            ),
            # quarantined (unknown type): its raw record keeps the IPs and e-mail unless redacted
            usage_event(
                "ip2",
                "pii_a",
                "2026-02-10T11:00:00Z",
                "api.requets",
                data={
                    "client_ip": EVENT_IPS[1],
                    "x_forwarded_for": EVENT_IPS[2],
                    "contact": EVENT_EMAIL,
                },
            ),
        ],
    )
    # ny, period Feb 15 17:00Z - Mar 15 16:00Z: 3 requests (0.015 -> 0.02), the last one
    # second before the boundary; the request exactly at Mar 15 16:00Z is the next period's
    # (0.005 -> 0.01). One request at the Oct 15 16:00Z boundary, 2 in the period across
    # the November change (Oct 15 16:00Z - Nov 15 17:00Z): 0.015 -> 0.02.
    write_jsonl(
        usage / "ny.jsonl",
        [
            usage_event("ny1", "ny", "2026-02-20T12:00:00Z"),
            usage_event("ny2", "ny", "2026-03-01T12:00:00Z"),
            usage_event("ny3", "ny", "2026-03-15T15:59:59Z"),
            usage_event("ny4", "ny", "2026-03-15T16:00:00Z"),
            usage_event("ny5", "ny", "2026-10-15T16:00:00Z"),
            usage_event("ny6", "ny", "2026-11-15T16:59:59Z"),
        ],
    )
    # paris: 2 requests in [Apr 15 08:00Z, May 15 08:00Z) = 0.025 -> 0.03 (half-even: 0.02);
    # 10 in [May 15, Jun 15) = 0.125 -> 0.13 (half-even 0.12); the one at exactly
    # Oct 15 08:00Z (after the October change) starts [Oct 15 08:00Z, Nov 15 09:00Z).
    write_jsonl(
        usage / "paris.jsonl",
        [usage_event(f"pa{n}", "paris", "2026-04-20T10:00:00Z") for n in range(2)]
        + [usage_event(f"pb{n}", "paris", "2026-05-20T10:00:00Z") for n in range(10)]
        + [usage_event("pc0", "paris", "2026-10-15T08:00:00Z")],
    )
    # volume for the kill test: ingestion and the usage models have something to chew on
    write_requests(
        usage / "volume.jsonl",
        "pii_a",
        [(f"2026-{month:02d}-10T08:00:00Z", 20_000) for month in range(1, 11)],
        "vol",
    )


# --- the fuzzed batch --------------------------------------------------------------------

INJECTIONS = [
    "'; drop table raw.usage_events; --",
    '" or 1=1 --',
    "{{ var('as_of') }}",
    "{% raise 'x' %}",
    "{{ 7 * 7 }}",
    "${jndi:ldap://x}",
    "Robert'); DELETE FROM marts.fct_invoices;--",
    "\\",
    "\\u0000",
    "$$",
    "%s%s%n",
    "<script>alert(1)</script>",
    "Ünïcødé ✓ 日本",
]
texts = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
        max_size=30,
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -1, 10**400, -(10**400), 2**63, -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["5321", "-3", "1e999", "abc", "", " 12 ", "0x10"]),
)
timestamps = st.one_of(
    st.sampled_from(
        [
            "2026-03-02T10:00:00Z",
            "2026-06-30T23:59:59.999999Z",
            "2026-05-01T00:00:00+14:00",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2026-02-30T10:00:00Z",
            "2026-03-02 10:00:00",
            "294277-01-01T00:00:00Z",
            "",
            "now",
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    texts,
)
values = st.one_of(st.none(), st.booleans(), numbers, texts, st.lists(numbers, max_size=3))
data_objects = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "gb": values,
            "duration_seconds": values,
            "response_bytes": values,
            "user_id": values,
            "endpoint": texts,
            "status_code": values,
        },
    ),
    st.dictionaries(texts, values, max_size=4),
    values,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "specversion": st.one_of(st.just("1.0"), values),
        "id": st.one_of(texts, numbers),
        "source": st.one_of(st.just("//fuzz"), texts, st.none()),
        "type": st.one_of(
            st.sampled_from(["api.request", "storage.snapshot", "compute.job_completed"]), texts
        ),
        "subject": st.one_of(st.just("fz_known"), texts, numbers),
        "time": timestamps,
        "data": st.one_of(data_objects, data_objects.map(json.dumps)),
    },
)
# complete envelopes for the known fuzz customer, in its subscription: staged unless a value
# is bad (negative, not a number, ...); injection strings in id, source and properties
valid_envelopes = st.fixed_dictionaries(
    {
        "specversion": st.just("1.0"),
        "id": texts.filter(lambda text: text.strip() != ""),
        "source": st.sampled_from(["//fuzz", "'; drop table x; --", "{{ source }}", '//a"b']),
        "type": st.sampled_from(["api.request", "storage.snapshot", "compute.job_completed"]),
        "subject": st.just("fz_known"),
        "time": st.sampled_from(
            ["2026-03-02T10:00:00Z", "2026-06-30T23:59:59.999999Z", "2026-05-01T00:00:00+14:00"]
        ),
        "data": data_objects,
    }
)
garbage_lines = st.one_of(
    st.sampled_from(["[1, 2]", "null", "42", '"text"', "{", "{{ }}", "{}", '{"id": }']),
    texts.filter(lambda line: line.strip() != ""),
)
usage_lines = st.one_of(valid_envelopes.map(json.dumps), envelopes.map(json.dumps), garbage_lines)
customer_rows = st.fixed_dictionaries(
    {
        "customer_id": st.one_of(texts, st.sampled_from(["fz_cust", "'; drop table x; --"])),
        "customer_name": texts,
        "email": st.one_of(texts, st.just("fuzz.person@pii-example.com")),
        "country": texts,
        "currency": st.one_of(st.sampled_from(["USD", "EUR", "JPY", "usd"]), texts),
        "billing_timezone": st.one_of(st.sampled_from(["Europe/Paris", "Mars/Olympus"]), texts),
        "acquisition_channel": texts,
        "signed_up_at": st.one_of(timestamps.map(str)),
        "updated_at": st.one_of(timestamps.map(str)),
    }
)

FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,  # leave no .hypothesis folder in the project
    derandomize=True,  # the same batch every session: the kill test compares two runs of it
    suppress_health_check=list(HealthCheck),
)


def generate_fuzz_batch() -> tuple[list[str], list[dict[str, str]]]:
    """Hypothesis-generated usage-event lines and customer rows (one batch, one dbt run)."""
    lines: list[str] = []
    rows: list[dict[str, str]] = []

    @FUZZ_SETTINGS
    @given(usage_lines)
    def collect_line(line: str) -> None:
        lines.append(line)

    @FUZZ_SETTINGS
    @given(customer_rows)
    def collect_row(row: dict[str, Any]) -> None:
        rows.append({key: str(value) for key, value in row.items()})

    collect_line()
    collect_row()
    return lines, rows[:120]


FUZZ_USAGE_FILE = "usage_events/fuzz/batch.jsonl"
FUZZ_CUSTOMER_FILE = "customers/fuzz.csv"


def write_fuzz_landing(landing: Path) -> tuple[list[str], list[dict[str, str]]]:
    lines, rows = generate_fuzz_batch()
    path = landing / FUZZ_USAGE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    write_csv(landing / FUZZ_CUSTOMER_FILE, CUSTOMER_COLUMNS, rows)
    return lines, rows


# --- the shared run ----------------------------------------------------------------------


LATE_FILE = "usage_events/late.jsonl"


def write_late_usage(landing: Path) -> None:
    """Usage for periods finalized by the first run: three paris requests in
    [Apr 15, May 15) and one ny request in [Feb 15, Mar 15)."""
    write_jsonl(
        landing / LATE_FILE,
        [usage_event(f"late{n}", "paris", "2026-05-01T10:00:00Z") for n in range(3)]
        + [usage_event("late_ny", "ny", "2026-03-01T12:00:00Z")],
    )


@dataclass
class Scenario:
    warehouse: Any  # conftest.Warehouse, after both runs
    fuzz_lines: list[str]
    fuzz_rows: list[dict[str, str]]
    first_run: Path  # a copy of the warehouse file after the first run
    first_landing: Path  # a copy of the landing directory the first run read
    extra: dict[str, Any] = field(default_factory=dict)


_CACHE: dict[str, Scenario] = {}


def _run_with_threads(warehouse, threads: str, *extra: str) -> int:
    previous = os.environ.get(THREADS_ENV)
    os.environ[THREADS_ENV] = threads
    try:
        return warehouse.run(AS_OF, *extra, expect_success=False)
    finally:
        if previous is None:
            os.environ.pop(THREADS_ENV, None)
        else:
            os.environ[THREADS_ENV] = previous


def scenario(tmp_path_factory, need_second_run: bool = True) -> Scenario:
    """Two runs at AS_OF with 2 DuckDB threads, once per session:

    1. the fixed landing (every invoice up to Nov 15 finalizes); a copy of the warehouse
       file and of the landing directory are kept (the ledger's "before", the kill
       test's reference);
    2. then the hypothesis batch and late usage for finalized periods land, and the
       second run is a `--full-refresh`. The fuzz batch is not in the first run because
       it quarantines most customer rows, which (rightly) holds every invoice due.
    """
    assert "failed" not in _CACHE, _CACHE.get("failed")
    if "main" not in _CACHE:
        from conftest import Warehouse

        _CACHE["failed"] = "the shared reliability runs failed earlier in this session"

        warehouse = Warehouse(tmp_path_factory.mktemp("reliability"))
        write_fixed_landing(warehouse.landing)
        first = _run_with_threads(warehouse, "2")
        assert first == 0, "usage-billing run failed on the reliability landing"
        first_run = warehouse.root / "first_run.duckdb"
        shutil.copyfile(warehouse.path, first_run)
        first_landing = warehouse.root / "first_landing"
        shutil.copytree(warehouse.landing, first_landing)
        lines, rows = write_fuzz_landing(warehouse.landing)
        write_late_usage(warehouse.landing)
        second = _run_with_threads(warehouse, "2", "--full-refresh")
        _CACHE["main"] = Scenario(warehouse, lines, rows, first_run, first_landing)
        _CACHE["main"].extra["second_exit_code"] = second
        del _CACHE["failed"]
    result = _CACHE["main"]
    if need_second_run:
        assert result.extra["second_exit_code"] == 0, "the fuzz and late-data run failed"
    return result


def random_seed() -> int:
    """A seed for the kill test's delays: printed, and fixed with USAGE_BILLING_KILL_SEED."""
    return int(os.environ.get("USAGE_BILLING_KILL_SEED") or random.SystemRandom().randrange(10**6))
