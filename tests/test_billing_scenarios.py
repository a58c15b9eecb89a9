"""Issue 3: rating and invoicing end to end through `usage-billing run`.

One landing directory holds one customer per scenario, so one run checks them all.
Every expected number is worked by hand from ../shared/spec/billing-rules.md and the
plan seeds: explorer 49 / month with 500,000 requests included (soft limit, then 0.10
per started 1,000), professional 199, pro 99, starter 29 (hard limit 100,000),
enterprise at its contract price.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
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

AS_OF = "2026-08-05T00:00:00Z"


@pytest.fixture(scope="module")
def billed(tmp_path_factory):
    from conftest import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("billing"))
    landing = warehouse.landing
    write_csv(
        landing / "customers" / "customers.csv",
        CUSTOMER_COLUMNS,
        [
            customer("month_end"),
            customer("dst", billing_timezone="America/New_York"),
            customer("upgrade"),
            customer("legacy_pro", currency="EUR", billing_timezone="Europe/Berlin"),
            customer("grace"),
            customer("hard_limit"),
        ],
    )
    write_csv(
        landing / "subscription_events" / "events.csv",
        SUBSCRIPTION_COLUMNS,
        [
            subscription_event("a1", "month_end", "created", "2026-01-31T10:00:00Z", "explorer"),
            # 12:00 New York time (EST, UTC-5)
            subscription_event("b1", "dst", "created", "2026-02-10T17:00:00Z", "explorer"),
            subscription_event(
                "c1",
                "upgrade",
                "created",
                "2026-04-01T00:00:00Z",
                "enterprise",
                contract_price="10",
            ),
            # halfway through April (30 days): 15 days in
            subscription_event(
                "c2",
                "upgrade",
                "plan_changed",
                "2026-04-16T00:00:00Z",
                "enterprise",
                contract_price="20",
            ),
            # 2025-03-15 00:00 in Berlin (CET, UTC+1)
            subscription_event("d1", "legacy_pro", "created", "2025-03-14T23:00:00Z", "pro"),
            subscription_event("e1", "grace", "created", "2026-03-01T00:00:00Z", "explorer"),
            subscription_event("f1", "hard_limit", "created", "2025-06-01T00:00:00Z", "starter"),
        ],
    )
    usage = landing / "usage_events"
    # grace: 500,000 on March 1 (at the limit, not above), 1,000 on March 25 12:00: the
    # crossing opens the window [Mar 25 12:00, Apr 8 12:00). In April 500,000 on Apr 2,
    # 2,000 on Apr 5 (still in March's window: grace), 3,500 on Apr 20 (overage).
    write_requests(
        usage / "grace.jsonl",
        "grace",
        [
            ("2026-03-01T08:00:00Z", 500_000),
            ("2026-03-25T12:00:00Z", 1_000),
            ("2026-04-02T08:00:00Z", 500_000),
            ("2026-04-05T08:00:00Z", 2_000),
            ("2026-04-20T08:00:00Z", 3_500),
        ],
        "g",
    )
    # hard limit: 120,000 requests in June 2026 on starter (hard limit 100,000)
    write_requests(usage / "hard.jsonl", "hard_limit", [("2026-06-10T08:00:00Z", 120_000)], "h")
    warehouse.run(AS_OF)
    return warehouse


def _invoices(warehouse, customer_id):
    return warehouse.query(
        """select cast(period_start as varchar), cast(period_end as varchar), cast(invoice_date as varchar),
                  status, currency, total_amount
           from marts.fct_invoices where customer_id = ? order by boundary_at""",
        [customer_id],
    )


def _lines(warehouse, customer_id, invoice_date):
    return warehouse.query(
        """select lines.line_type, lines.metric_code, lines.band_index, lines.quantity, lines.amount
           from marts.fct_invoice_lines as lines
           inner join marts.fct_invoices as invoices on lines.invoice_id = invoices.invoice_id
           where invoices.customer_id = ? and cast(invoices.invoice_date as varchar) = ?
             and (lines.line_type <> 'usage' or lines.quantity <> 0 or lines.amount <> 0)
           order by lines.line_type, lines.metric_code, lines.band_index""",
        [customer_id, invoice_date],
    )


def test_month_end_anchor_falls_back_and_returns(billed):
    dates = [row[2] for row in _invoices(billed, "month_end")]
    assert dates == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
    ]
    # every invoice: the next period's base fee, 49.00, and no usage
    assert {row[5] for row in _invoices(billed, "month_end")} == {Decimal("49.00")}
    assert {row[3] for row in _invoices(billed, "month_end")} == {"finalized"}


def test_daylight_saving_moves_the_utc_boundary_by_an_hour(billed):
    periods = [(row[0], row[1]) for row in _invoices(billed, "dst")][1:3]
    assert periods == [
        # Feb 10 12:00 EST to Mar 10 12:00 EDT: 28 days less one hour
        ("2026-02-10 17:00:00", "2026-03-10 16:00:00"),
        ("2026-03-10 16:00:00", "2026-04-10 16:00:00"),
    ]


def test_upgrade_halfway_prorates_by_seconds(billed):
    # creation invoice: the first base fee (10); May 1: May's fee at 20, credit 5, charge 10
    assert [row[5] for row in _invoices(billed, "upgrade")][:2] == [
        Decimal("10.00"),
        Decimal("25.00"),
    ]
    lines = _lines(billed, "upgrade", "2026-05-01")
    assert [(line[0], line[4]) for line in lines] == [
        ("base_fee", Decimal("20.00")),
        ("proration_charge", Decimal("10.00")),
        ("proration_credit", Decimal("-5.00")),
    ]


def test_grandfathering_keeps_legacy_prices_until_the_first_period_from_july(billed):
    rows = billed.query(
        """select cast(invoices.invoice_date as varchar), lines.plan_id, lines.is_grandfathered, lines.amount
           from marts.fct_invoice_lines as lines
           inner join marts.fct_invoices as invoices on lines.invoice_id = invoices.invoice_id
           where invoices.customer_id = 'legacy_pro' and lines.line_type = 'base_fee'
             and invoices.invoice_date >= '2026-05-01'
           order by invoices.boundary_at"""
    )
    assert rows == [
        ("2026-05-15", "pro", True, Decimal("99.00")),
        ("2026-06-15", "pro", True, Decimal("99.00")),
        ("2026-07-15", "professional", False, Decimal("199.00")),
    ]
    assert {row[4] for row in _invoices(billed, "legacy_pro")} == {"EUR"}


def test_grace_window_crossing_a_period_end(billed):
    march = _lines(billed, "grace", "2026-04-01")
    assert march == [
        ("base_fee", None, None, Decimal("1"), Decimal("49.00")),
        ("grace", "api_requests", None, Decimal("1000"), Decimal("0.00")),
        ("usage", "api_requests", 1, Decimal("500000"), Decimal("0.00")),
    ]
    april = _lines(billed, "grace", "2026-05-01")
    assert april == [
        ("base_fee", None, None, Decimal("1"), Decimal("49.00")),
        ("grace", "api_requests", None, Decimal("2000"), Decimal("0.00")),
        ("usage", "api_requests", 1, Decimal("500000"), Decimal("0.00")),
        # 3,500 requests after the window: 4 started blocks of 1,000 at 0.10
        ("usage", "api_requests", 2, Decimal("3500"), Decimal("0.40")),
    ]
    totals = [row[5] for row in _invoices(billed, "grace")][1:3]
    assert totals == [Decimal("49.00"), Decimal("49.40")]


def test_hard_limit_bills_only_up_to_the_limit(billed):
    lines = _lines(billed, "hard_limit", "2026-07-01")
    assert ("usage", "api_requests", 1, Decimal("100000"), Decimal("0.00")) in lines
    excess = billed.query(
        """select measured_quantity, hard_limit_excess_quantity, rated_quantity
           from intermediate.int_segment_usage
           where customer_id = 'hard_limit' and metric_code = 'api_requests' and measured_quantity > 0"""
    )
    assert excess == [(Decimal("120000"), Decimal("20000"), Decimal("100000"))]


def test_invoice_totals_are_sums_of_rounded_lines(billed):
    mismatches = billed.query(
        """select invoices.invoice_id from marts.fct_invoices as invoices
           left join (select invoice_id, sum(amount) as total from marts.fct_invoice_lines group by 1) as sums
             on invoices.invoice_id = sums.invoice_id
           where invoices.total_amount <> coalesce(sums.total, 0)"""
    )
    assert mismatches == []


ENTERPRISE_CARD = [
    {
        "customer_id": "ent",
        "metric_code": "api_requests",
        "charge_model": "graduated",
        "band_index": 1,
        "up_to": "10",
        "unit_amount": "2",
        "effective_from": "2026-01-01T00:00:00Z",
    },
    {
        "customer_id": "ent",
        "metric_code": "api_requests",
        "charge_model": "graduated",
        "band_index": 2,
        "up_to": "20",
        "unit_amount": "3",
        "effective_from": "2026-01-01T00:00:00Z",
    },
    {
        "customer_id": "ent",
        "metric_code": "api_requests",
        "charge_model": "graduated",
        "band_index": 3,
        "up_to": "",
        "unit_amount": "5",
        "effective_from": "2026-01-01T00:00:00Z",
    },
]


def _ledger(warehouse):
    return {
        "invoices": warehouse.query(
            "select * from marts.fct_invoices where status = 'finalized' order by invoice_id"
        ),
        "lines": warehouse.query(
            """select * from marts.fct_invoice_lines where invoice_status = 'finalized'
               order by invoice_line_id"""
        ),
    }


def test_enterprise_card_late_file_adjustment_and_immutable_ledger(warehouse):
    landing = warehouse.landing
    write_csv(
        landing / "customers" / "c.csv", CUSTOMER_COLUMNS, [customer("ent"), customer("free")]
    )
    write_csv(
        landing / "subscription_events" / "s.csv",
        SUBSCRIPTION_COLUMNS,
        [
            subscription_event(
                "x1", "ent", "created", "2026-05-01T00:00:00Z", "enterprise", contract_price="1000"
            ),
            # explorer: 500,000 requests in a free first band
            subscription_event("x2", "free", "created", "2026-05-01T00:00:00Z", "explorer"),
        ],
    )
    write_csv(landing / "contract_rates" / "ent.csv", CONTRACT_RATE_COLUMNS, ENTERPRISE_CARD)
    write_jsonl(
        landing / "usage_events" / "may.jsonl",
        [usage_event(f"m{n}", "ent", f"2026-05-{10 + n:02d}T12:00:00Z") for n in range(15)]
        + [usage_event(f"f{n}", "free", "2026-05-20T12:00:00Z") for n in range(3)],
    )
    warehouse.run("2026-06-10T00:00:00Z")
    # June 1 invoice: June's base fee 1,000 + May's 15 requests: 10 x 2 + 5 x 3 = 35
    assert _invoices(warehouse, "ent") == [
        (
            "2026-05-01 00:00:00",
            "2026-05-01 00:00:00",
            "2026-05-01",
            "finalized",
            "USD",
            Decimal("1000.00"),
        ),
        (
            "2026-05-01 00:00:00",
            "2026-06-01 00:00:00",
            "2026-06-01",
            "finalized",
            "USD",
            Decimal("1035.00"),
        ),
    ]
    first = _ledger(warehouse)

    # five more May requests land late: rate(20) = 10 x 2 + 10 x 3 = 50, billed 35: +15
    write_jsonl(
        landing / "usage_events" / "may-late.jsonl",
        [usage_event(f"late{n}", "ent", "2026-05-30T12:00:00Z") for n in range(5)]
        + [usage_event(f"flate{n}", "free", "2026-05-30T12:00:00Z") for n in range(2)],
    )
    warehouse.run("2026-07-03T00:00:00Z")
    july = _lines(warehouse, "ent", "2026-07-01")
    assert ("adjustment", "api_requests", None, Decimal("5"), Decimal("15.00")) in july
    # late usage inside the free band changes no amount but is still posted (3 billed,
    # 5 known now): billed quantities always add up to the usage
    assert ("adjustment", "api_requests", None, Decimal("2"), Decimal("0.00")) in _lines(
        warehouse, "free", "2026-07-01"
    )
    assert _invoices(warehouse, "ent")[2] == (
        "2026-06-01 00:00:00",
        "2026-07-01 00:00:00",
        "2026-07-01",
        "finalized",
        "USD",
        Decimal("1015.00"),
    )
    second = _ledger(warehouse)
    # what was finalized before is unchanged, byte for byte
    assert set(first["invoices"]) <= set(second["invoices"])
    assert set(first["lines"]) <= set(second["lines"])

    warehouse.run("2026-07-03T00:00:00Z", "--full-refresh")
    assert _ledger(warehouse) == second
