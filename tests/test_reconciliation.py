"""Issue 4: dual-track reconciliation end to end through `usage-billing run`.

Landing A holds one customer per dispute scenario, every one on explorer from
2026-03-01 00:00 UTC (periods [Mar 1, Apr 1), [Apr 1, May 1), ...; invoices at Mar 1
and Apr 1, the Apr 1 one billing March's usage and finalizing at Apr 2 00:00). Only
api_requests has real-time counters, so bandwidth_gb (0 bytes per event here) is
unreconciled. The tolerance (seed) is max(0.5 % of the compared batch total, 10).
Worked by hand, March (the only period with usage):

| customer | batch hours (events)           | counters                  | difference | tolerance | status    |
|----------|--------------------------------|---------------------------|-----------:|----------:|-----------|
| missing  | Mar 10 10h: 60, Mar 11 10h: 40 | 100, 40                   | 40         | 10        | held      |
| within   | Mar 10 10h: 4000, Mar 20 12h: 3 | 4015, none (0)           | 15 + 3 = 18 | 20.015   | finalized |
| doubled  | Mar 12 09h: 30                 | 60 (counted twice)        | 30         | 10        | held      |
| extra    | Mar 13 08h: 50                 | 20                        | 30         | 10        | held      |
| released | Mar 14 07h: 50                 | 80                        | 30         | 10        | held, then released |
| kept     | Mar 15 07h: 50                 | 80                        | 30         | 10        | held, kept held     |
| clean    | Mar 16 06h: 20                 | 10 then 20 (latest wins)  | 0          | 10        | finalized |

Run A1 as of 2026-04-03. Run A2 (2026-04-04) adds a `release` for `released` and a
`keep_held` for `kept`. Run A3 (2026-05-03) adds an unreadable file: the May 1
invoices, due then, are held with that reason; finalized invoices stay as they were.
Landing B has no real-time counters at all: it bills, holds nothing and reports its
usage as unreconciled; a second run with a sabotaged gate shows that a failing gate
stops finalization and says why.
"""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from landing_builder import (
    COUNTER_COLUMNS,
    CUSTOMER_COLUMNS,
    DECISION_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    customer,
    subscription_event,
    write_csv,
    write_requests,
)

CREATED = "2026-03-01T00:00:00Z"
MARCH = "2026-03-01 00:00:00"
APRIL = "2026-04-01 00:00:00"
SCENARIOS = ["missing", "within", "doubled", "extra", "released", "kept", "clean"]
HELD_IN_A1 = ["doubled", "extra", "kept", "missing", "released"]

# (customer, hour, batch events, counter emissions [(emitted_at, quantity)])
USAGE = [
    ("missing", "2026-03-10T10", 60, [("2026-03-10T11:05:00Z", "100")]),
    ("missing", "2026-03-11T10", 40, [("2026-03-11T11:05:00Z", "40")]),
    ("within", "2026-03-10T10", 4000, [("2026-03-10T11:05:00Z", "4015")]),
    ("within", "2026-03-20T12", 3, []),
    ("doubled", "2026-03-12T09", 30, [("2026-03-12T10:05:00Z", "60")]),
    ("extra", "2026-03-13T08", 50, [("2026-03-13T09:05:00Z", "20")]),
    ("released", "2026-03-14T07", 50, [("2026-03-14T08:05:00Z", "80")]),
    ("kept", "2026-03-15T07", 50, [("2026-03-15T08:05:00Z", "80")]),
    (
        "clean",
        "2026-03-16T06",
        20,
        [("2026-03-16T06:40:00Z", "10"), ("2026-03-16T07:05:00Z", "20")],
    ),
]


def _subscribers(landing, names: list[str]) -> None:
    write_csv(
        landing / "customers" / "customers.csv", CUSTOMER_COLUMNS, [customer(n) for n in names]
    )
    write_csv(
        landing / "subscription_events" / "subscriptions.csv",
        SUBSCRIPTION_COLUMNS,
        [subscription_event(f"se_{n}", n, "created", CREATED, "explorer") for n in names],
    )


def _dispute_landing(landing) -> None:
    _subscribers(landing, SCENARIOS)
    counters = []
    for name, hour, events, emissions in USAGE:
        write_requests(
            landing / "usage_events" / f"{name}-{hour}.jsonl",
            name,
            [(f"{hour}:15:00Z", events)],
            f"{name}-{hour}-",
        )
        counters.extend(
            {
                "customer_id": name,
                "metric_code": "api_requests",
                "window_start": f"{hour}:00:00Z",
                "quantity": quantity,
                "emitted_at": emitted_at,
            }
            for emitted_at, quantity in emissions
        )
    write_csv(landing / "realtime_counters" / "2026-03.csv", COUNTER_COLUMNS, counters)


@pytest.fixture(scope="module")
def disputed(tmp_path_factory):
    """Landing A after runs A1 and A2, with what each run left to look at."""
    from conftest import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("reconciliation"))
    _dispute_landing(warehouse.landing)
    warehouse.run("2026-04-03T00:00:00Z")
    after_a1 = {
        "statuses": _statuses(warehouse),
        "alerts": _alerts(warehouse),
        "holds": _holds(warehouse),
        "summary": _summary(warehouse),
    }
    write_csv(
        warehouse.landing / "review_decisions" / "decisions.csv",
        DECISION_COLUMNS,
        [
            {
                "customer_id": "released",
                "period_start": "2026-03-01T00:00:00Z",
                "decision": "release",
                "note": "stream replayed a partition",
                "decided_by": "analyst@example.com",
                "decided_at": "2026-04-03T12:00:00Z",
            },
            {
                "customer_id": "kept",
                "period_start": "2026-03-01T00:00:00Z",
                "decision": "keep_held",
                "note": "waiting for the gateway logs",
                "decided_by": "analyst@example.com",
                "decided_at": "2026-04-03T12:00:00Z",
            },
        ],
    )
    warehouse.run("2026-04-04T00:00:00Z")
    return warehouse, after_a1


def _statuses(warehouse) -> dict[tuple[str, str], str]:
    rows = warehouse.query(
        "select customer_id, cast(boundary_at as varchar), status from marts.fct_invoices"
    )
    return {(customer_id, boundary): status for customer_id, boundary, status in rows}


def _holds(warehouse) -> list[tuple]:
    return warehouse.query(
        """select customer_id, hold_reason, metric_code, realtime_quantity, batch_quantity,
                  difference_quantity, tolerance_quantity, is_active, end_reason, decision
           from marts.fct_invoice_holds order by customer_id, hold_reason"""
    )


def _alerts(warehouse) -> list[dict[str, str]]:
    path = warehouse.path.parent / "exports" / "reconciliation_alerts.csv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _summary(warehouse) -> str:
    from orchestration.lib.summary import read_summary

    return read_summary(warehouse.path).to_text()


def test_disputed_periods_are_held_and_the_others_finalize(disputed):
    _, after_a1 = disputed
    statuses = after_a1["statuses"]
    # creation invoices bill no usage: always finalized
    assert {statuses[(name, MARCH)] for name in SCENARIOS} == {"finalized"}
    april = {name: statuses[(name, APRIL)] for name in SCENARIOS}
    assert april == {
        "missing": "held",
        "within": "finalized",
        "doubled": "held",
        "extra": "held",
        "released": "held",
        "kept": "held",
        "clean": "finalized",
    }


def test_hourly_statuses_and_differences(disputed):
    warehouse, _ = disputed
    rows = warehouse.query(
        """select customer_id, cast(window_start_at as varchar), realtime_quantity, batch_quantity,
                  difference_quantity, relative_difference, reconciliation_status
           from marts.fct_usage_reconciliation where metric_code = 'api_requests'
           order by customer_id, window_start_at"""
    )
    d = Decimal
    assert rows == [
        ("clean", "2026-03-16 06:00:00", d(20), d(20), d(0), d(0), "match"),
        ("doubled", "2026-03-12 09:00:00", d(60), d(30), d(30), d(1), "batch_missing_usage"),
        ("extra", "2026-03-13 08:00:00", d(20), d(50), d(-30), d("-0.6"), "batch_extra_usage"),
        ("kept", "2026-03-15 07:00:00", d(80), d(50), d(30), d("0.6"), "batch_missing_usage"),
        (
            "missing",
            "2026-03-10 10:00:00",
            d(100),
            d(60),
            d(40),
            d("0.666666666"),
            "batch_missing_usage",
        ),
        ("missing", "2026-03-11 10:00:00", d(40), d(40), d(0), d(0), "match"),
        ("released", "2026-03-14 07:00:00", d(80), d(50), d(30), d("0.6"), "batch_missing_usage"),
        # 15 > 10 but within 0.5 % of the hour's 4,000
        (
            "within",
            "2026-03-10 10:00:00",
            d(4015),
            d(4000),
            d(15),
            d("0.00375"),
            "within_tolerance",
        ),
        ("within", "2026-03-20 12:00:00", d(0), d(3), d(-3), d(-1), "realtime_missing"),
    ]


def test_period_rollup_against_the_tolerance(disputed):
    warehouse, _ = disputed
    rows = warehouse.query(
        """select customer_id, metric_code, realtime_quantity, batch_quantity, difference_quantity,
                  tolerance_quantity, reconciliation_status, unreconciled_batch_quantity
           from marts.fct_usage_reconciliation_periods
           where period_start = '2026-03-01' order by customer_id, metric_code"""
    )
    d = Decimal
    by_customer = {(row[0], row[1]): row[2:] for row in rows}
    assert by_customer[("missing", "api_requests")] == (
        d(140),
        d(100),
        d(40),
        d(10),
        "breach",
        d(0),
    )
    assert by_customer[("within", "api_requests")] == (
        d(4015),
        d(4003),
        d(18),
        d("20.015"),
        "within_tolerance",
        d(0),
    )
    assert by_customer[("clean", "api_requests")] == (d(20), d(20), d(0), d(10), "match", d(0))
    # no counters for bandwidth: billed from the batch log, counted as unreconciled
    assert by_customer[("missing", "bandwidth_gb")][4] == "unreconciled"


def test_alert_file_lists_every_held_period_with_both_counts(disputed):
    _, after_a1 = disputed
    alerts = [
        (
            row["customer_id"],
            row["period_start"],
            row["metric_code"],
            row["realtime_quantity"],
            row["batch_quantity"],
            row["difference_quantity"],
            row["hold_reason"],
        )
        for row in after_a1["alerts"]
    ]
    assert alerts == [
        (
            "doubled",
            MARCH,
            "api_requests",
            "60.000000000",
            "30.000000000",
            "30.000000000",
            "reconciliation_breach",
        ),
        (
            "extra",
            MARCH,
            "api_requests",
            "20.000000000",
            "50.000000000",
            "30.000000000",
            "reconciliation_breach",
        ),
        (
            "kept",
            MARCH,
            "api_requests",
            "80.000000000",
            "50.000000000",
            "30.000000000",
            "reconciliation_breach",
        ),
        (
            "missing",
            MARCH,
            "api_requests",
            "140.000000000",
            "100.000000000",
            "40.000000000",
            "reconciliation_breach",
        ),
        (
            "released",
            MARCH,
            "api_requests",
            "80.000000000",
            "50.000000000",
            "30.000000000",
            "reconciliation_breach",
        ),
    ]
    assert "invoices held: 5" in after_a1["summary"]


def test_release_finalizes_on_the_batch_count_and_keep_held_stays_held(disputed):
    warehouse, _ = disputed
    statuses = _statuses(warehouse)
    assert statuses[("released", APRIL)] == "finalized"
    assert statuses[("kept", APRIL)] == "held"
    assert statuses[("missing", APRIL)] == "held"
    # the released invoice bills the batch's 50 requests, not the counter's 80
    billed = warehouse.query(
        """select sum(lines.quantity) from marts.fct_invoice_lines as lines
           inner join marts.fct_invoices as invoices on lines.invoice_id = invoices.invoice_id
           where invoices.customer_id = 'released' and cast(invoices.boundary_at as varchar) = ?
             and lines.line_type = 'usage' and lines.metric_code = 'api_requests'""",
        [APRIL],
    )
    assert billed == [(Decimal(50),)]
    holds = {(row[0], row[1]): row[7:] for row in _holds(warehouse)}
    assert holds[("released", "reconciliation_breach")] == (False, "released", "release")
    assert holds[("kept", "reconciliation_breach")] == (True, None, "keep_held")
    assert holds[("missing", "reconciliation_breach")] == (True, None, None)


def test_the_gate_and_the_suites_recorded_their_results(disputed):
    warehouse, _ = disputed
    rows = warehouse.query(
        """select check_name, bool_and(success), count(*) from quality.gx_validation_results
           group by check_name order by check_name"""
    )
    assert [(name, passed) for name, passed, _ in rows] == [
        ("gx_billing_tieouts", True),
        ("gx_landing_quality", True),
        ("reconciliation_gate", True),
    ]
    assert (warehouse.path.parent / "data_docs" / "index.html").exists()


def test_unreadable_file_holds_invoices_due_and_keeps_the_ledger(disputed):
    warehouse, _ = disputed
    before = warehouse.query(
        "select * from marts.fct_invoices where status = 'finalized' order by invoice_id"
    )
    broken = warehouse.landing / "usage_events" / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00 this is not gzip")
    warehouse.run("2026-05-03T00:00:00Z")
    statuses = _statuses(warehouse)
    may = "2026-05-01 00:00:00"
    assert {statuses[(name, may)] for name in SCENARIOS} == {"held"}
    after = warehouse.query(
        "select * from marts.fct_invoices where status = 'finalized' order by invoice_id"
    )
    assert before == after  # finalized invoices never change, and none was added
    reasons = warehouse.query(
        """select distinct hold_reason, file_path from marts.fct_invoice_holds
           where is_active and hold_reason = 'unreadable_file'"""
    )
    assert reasons == [("unreadable_file", "usage_events/broken.jsonl.gz")]
    # 7 May invoices + the still disputed April ones of missing, doubled, extra, kept
    assert warehouse.query(
        "select count(distinct invoice_id) from marts.fct_invoice_holds where is_active"
    ) == [(11,)]


@pytest.fixture(scope="module")
def uncounted(tmp_path_factory):
    """Landing B: no realtime_counters/ folder at all."""
    from conftest import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("uncounted"))
    _subscribers(warehouse.landing, ["plain"])
    write_requests(
        warehouse.landing / "usage_events" / "plain.jsonl",
        "plain",
        [("2026-03-05T10:00:00Z", 700), ("2026-03-25T10:00:00Z", 300)],
        "p",
    )
    warehouse.run("2026-04-03T00:00:00Z")
    return warehouse


def test_a_landing_without_counters_bills_and_reports_unreconciled_usage(uncounted):
    assert _statuses(uncounted) == {("plain", MARCH): "finalized", ("plain", APRIL): "finalized"}
    assert uncounted.query("select count(*) from marts.fct_invoice_holds") == [(0,)]
    assert uncounted.query(
        """select metric_code, unreconciled_batch_quantity, reconciliation_status
           from marts.fct_usage_reconciliation_periods where metric_code = 'api_requests'"""
    ) == [("api_requests", Decimal(1000), "unreconciled")]
    assert "unreconciled usage 1,000.000" in _summary(uncounted)
    assert _alerts(uncounted) == []


def test_a_failing_gate_stops_finalization_and_says_why(uncounted, monkeypatch, capfd):
    import expectations.reconciliation_gate as gate

    # sabotage the gate's expectation so that it disagrees with the computed statuses
    monkeypatch.setattr(gate, "expected_status", lambda *args: "held")
    code = uncounted.run("2026-05-03T00:00:00Z", expect_success=False)
    assert code != 0
    output = capfd.readouterr()
    assert "reconciliation_gate" in output.out + output.err
    assert "expect_column_pair_values_to_be_equal" in output.out + output.err
    # the May 1 invoice, due at this as-of, was not written to the ledger
    assert ("plain", "2026-05-01 00:00:00") not in _statuses(uncounted)
    failed = uncounted.query(
        """select suite_name, expectation_type from quality.gx_validation_results
           where not success"""
    )
    assert failed == [
        ("reconciliation_gate.invoice_holds", "expect_column_pair_values_to_be_equal")
    ]
