"""Issue 5: revenue recognition, MRR and retention end to end through `usage-billing run`.

One landing directory holds one customer per scenario (all USD, UTC), run twice:
run 1 as of 2026-08-07 (July closed on Aug 6, August open), then, after a late
compute job for June lands, run 2 as of 2026-08-12 with --full-refresh. Every expected
number is worked by hand from ../shared/spec/metrics.md and the plan seeds: explorer 49
a month (compute hours: volume, 0.08 an hour up to 1,000), professional 199, pro 99,
starter 29, enterprise at its contract price (usage free). A month closes once the
as-of time is 5 days past its end; monthly revenue is rounded half-up on the running
total per customer and obligation type.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from landing_builder import (
    CUSTOMER_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    customer,
    subscription_event,
    usage_event,
    write_csv,
    write_jsonl,
)

AS_OF_1 = "2026-08-07T00:00:00Z"
AS_OF_2 = "2026-08-12T00:00:00Z"


def _compute_job(event_id: str, customer_id: str, time: str, seconds: int) -> dict:
    return usage_event(
        event_id,
        customer_id,
        time,
        event_type="compute.job_completed",
        data={"duration_seconds": seconds},
    )


def _subscription_events() -> list[dict]:
    event = subscription_event
    return [
        # Stripe's example: 31 a month from Jan 15, cancelled at the first boundary
        event(
            "st1", "stripe", "created", "2026-01-15T00:00:00Z", "enterprise", contract_price="31"
        ),
        event("st2", "stripe", "canceled", "2026-02-15T00:00:00Z"),
        # a fee billed in advance, three periods from Apr 16, cancelled at a boundary
        event(
            "df1", "deferred", "created", "2026-04-16T00:00:00Z", "enterprise", contract_price="30"
        ),
        event("df2", "deferred", "canceled", "2026-07-16T00:00:00Z"),
        # explorer from May 1 with compute usage (late usage lands before run 2)
        event("lt1", "late", "created", "2026-05-01T00:00:00Z", "explorer"),
        # MRR movements: new, expansion, contraction, churn, reactivation
        event("mp1", "mrr_path", "created", "2026-01-01T00:00:00Z", "explorer"),
        event("mp2", "mrr_path", "plan_changed", "2026-02-01T00:00:00Z", "professional"),
        event("mp3", "mrr_path", "plan_changed", "2026-03-01T00:00:00Z", "explorer"),
        event("mp4", "mrr_path", "canceled", "2026-04-01T00:00:00Z"),
        event(
            "mp5",
            "mrr_path",
            "created",
            "2026-06-01T00:00:00Z",
            "explorer",
            subscription_id="sub_mrr_path_2",
        ),
        # the retention group, paying since July 2025
        event("ra1", "ret_a", "created", "2025-07-01T00:00:00Z", "pro"),
        event("rb1", "ret_b", "created", "2025-07-01T00:00:00Z", "starter"),
        event("rb2", "ret_b", "canceled", "2026-03-01T00:00:00Z"),
        event(
            "rc1", "ret_c", "created", "2025-07-01T00:00:00Z", "enterprise", contract_price="100"
        ),
        event(
            "rc2",
            "ret_c",
            "plan_changed",
            "2026-05-01T00:00:00Z",
            "enterprise",
            contract_price="60",
        ),
    ]


@pytest.fixture(scope="module")
def finance(tmp_path_factory):
    from conftest import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("finance"))
    landing = warehouse.landing
    write_csv(
        landing / "customers" / "customers.csv",
        CUSTOMER_COLUMNS,
        [
            customer("stripe", signed_up_at="2025-06-01T00:00:00Z"),
            customer("deferred", signed_up_at="2025-06-01T00:00:00Z"),
            customer("late", signed_up_at="2025-06-01T00:00:00Z"),
            customer("mrr_path", signed_up_at="2025-06-01T00:00:00Z"),
            customer("ret_a", acquisition_channel="paid", signed_up_at="2025-06-01T00:00:00Z"),
            customer("ret_b", acquisition_channel="paid", signed_up_at="2025-06-01T00:00:00Z"),
            customer("ret_c", signed_up_at="2025-06-01T00:00:00Z"),
        ],
    )
    write_csv(
        landing / "subscription_events" / "events.csv", SUBSCRIPTION_COLUMNS, _subscription_events()
    )
    # June: a 10-hour job (0.80); August: a 4-hour job (0.32, the open period's estimate)
    write_jsonl(
        landing / "usage_events" / "late_1.jsonl",
        [
            _compute_job("j1", "late", "2026-06-10T08:00:00Z", 36_000),
            _compute_job("j2", "late", "2026-08-05T08:00:00Z", 14_400),
        ],
    )
    warehouse.run(AS_OF_1)
    first = {
        "monthly": _monthly(warehouse),
        "frozen": warehouse.query(
            """select revenue_schedule_id, recognized_amount, recorded_at
               from marts.fct_revenue_schedule where is_frozen order by revenue_schedule_id"""
        ),
        "late_rollforward": _rollforward(warehouse, "late"),
        "late_monthly": _monthly(warehouse, "late"),
    }
    # a late 5-hour job for June (closed since Jul 6): June at 15 hours rates 1.20
    write_jsonl(
        landing / "usage_events" / "late_2.jsonl",
        [_compute_job("j3", "late", "2026-06-20T08:00:00Z", 18_000)],
    )
    warehouse.run(AS_OF_2, "--full-refresh")
    warehouse.first_run = first
    return warehouse


def _monthly(warehouse, customer_id: str | None = None) -> list[tuple]:
    where = "where customer_id = ?" if customer_id else ""
    return warehouse.query(
        f"""select customer_id, cast(revenue_month as varchar), obligation_type, recognized_amount,
                   catch_up_amount, is_month_closed
            from marts.rpt_revenue_monthly {where}
            order by customer_id, revenue_month, obligation_type""",
        [customer_id] if customer_id else [],
    )


def _rollforward(warehouse, customer_id: str) -> list[tuple]:
    return warehouse.query(
        """select cast(balance_month as varchar),
                  deferred_opening_amount, deferred_billed_amount, deferred_recognized_amount,
                  deferred_closing_amount,
                  unbilled_opening_amount, unbilled_recognized_amount, unbilled_billed_amount,
                  unbilled_closing_amount
           from marts.rpt_revenue_rollforward where customer_id = ? order by balance_month""",
        [customer_id],
    )


def _d(value: str) -> Decimal:
    return Decimal(value)


def test_stripe_example_17_in_january_14_in_february(finance):
    # 31.00 over the 31 days from Jan 15: 17 days in January, 14 in February
    assert _monthly(finance, "stripe") == [
        ("stripe", "2026-01-01", "base_fee", _d("17.00"), _d("0.00"), True),
        ("stripe", "2026-02-01", "base_fee", _d("14.00"), _d("0.00"), True),
    ]


def test_deferred_revenue_rolls_forward_and_returns_to_zero(finance):
    # 30 billed in advance on Apr 16, May 16 and Jun 16 (30, 31 and 30-day periods).
    # April: 15 of 30 days = 15.00. May: 15.00 + 30 x 16/31 = 15.48387... -> 45.48 to
    # date, 30.48 in May. June: 14.51612... + 15.00 -> 75.00 to date, 29.52 in June.
    # July: the last 15 days, 15.00; cancelled at the Jul 16 boundary: nothing billed.
    zero = _d("0.00")
    rows = _rollforward(finance, "deferred")
    assert rows[:5] == [
        ("2026-04-01", zero, _d("30.00"), _d("15.00"), _d("15.00"), zero, zero, zero, zero),
        ("2026-05-01", _d("15.00"), _d("30.00"), _d("30.48"), _d("14.52"), zero, zero, zero, zero),
        ("2026-06-01", _d("14.52"), _d("30.00"), _d("29.52"), _d("15.00"), zero, zero, zero, zero),
        ("2026-07-01", _d("15.00"), zero, _d("15.00"), zero, zero, zero, zero, zero),
        ("2026-08-01", zero, zero, zero, zero, zero, zero, zero, zero),
    ]
    assert len(rows) == 5


def test_unbilled_usage_and_the_open_period_estimate(finance):
    # Run 1 (as of Aug 7): June's 10-hour job (0.80) is recognized in June and unbilled
    # until the Jul 1 invoice; August's 4-hour job is recognized at the estimate (0.32);
    # August's base fee: 6 of 31 days of 49 = 9.48387... -> 9.48, 39.52 still deferred.
    zero = _d("0.00")
    f49 = _d("49.00")
    assert finance.first_run["late_rollforward"] == [
        ("2026-05-01", zero, f49, f49, zero, zero, zero, zero, zero),
        ("2026-06-01", zero, f49, f49, zero, zero, _d("0.80"), zero, _d("0.80")),
        ("2026-07-01", zero, f49, f49, zero, _d("0.80"), zero, _d("0.80"), zero),
        ("2026-08-01", zero, f49, _d("9.48"), _d("39.52"), zero, _d("0.32"), zero, _d("0.32")),
    ]


def test_late_usage_after_close_leaves_june_unchanged_and_catches_up_in_august(finance):
    first = finance.first_run
    # June (closed at both runs) is exactly as run 1 froze it: 49.00 + 0.80
    june = [row for row in _monthly(finance, "late") if row[1] == "2026-06-01"]
    assert june == [
        ("late", "2026-06-01", "base_fee", _d("49.00"), _d("0.00"), True),
        ("late", "2026-06-01", "usage", _d("0.80"), _d("0.00"), True),
    ]
    # the 0.40 June now rates at (15 h x 0.08 = 1.20, billed 0.80) is a catch-up in August,
    # an adjustment obligation; August's base fee is now 11 of 31 days: 164.387... -> 164.39
    # to date, 17.39 in August
    august = [row for row in _monthly(finance, "late") if row[1] == "2026-08-01"]
    assert august == [
        ("late", "2026-08-01", "adjustment", _d("0.40"), _d("0.40"), False),
        ("late", "2026-08-01", "base_fee", _d("17.39"), _d("0.00"), False),
        ("late", "2026-08-01", "usage", _d("0.32"), _d("0.00"), False),
    ]
    catch_up = finance.query(
        """select cast(service_date as varchar), obligation_type, metric_code, recognized_amount,
                  catch_up_sequence, is_frozen
           from marts.fct_revenue_schedule where customer_id = 'late' and is_catch_up"""
    )
    assert catch_up == [("2026-08-12", "adjustment", "compute_hours", _d("0.400000000"), 1, True)]
    # no adjustment invoice is issued yet (the next boundary is Sep 1): 0.40 + 0.32 unbilled
    august_balances = _rollforward(finance, "late")[-1]
    assert august_balances == (
        "2026-08-01",
        _d("0.00"),
        _d("49.00"),
        _d("17.39"),
        _d("31.61"),
        _d("0.00"),
        _d("0.72"),
        _d("0.00"),
        _d("0.72"),
    )
    assert first["late_monthly"][-1][:4] == ("late", "2026-08-01", "usage", _d("0.32"))


def test_closed_months_never_change_across_runs_and_a_full_refresh(finance):
    first = finance.first_run
    closed_before = [row for row in first["monthly"] if row[5]]
    closed_now = [row for row in _monthly(finance) if row[1] <= "2026-07-01"]
    assert closed_before == closed_now
    frozen_now = finance.query(
        """select revenue_schedule_id, recognized_amount, recorded_at
           from marts.fct_revenue_schedule
           where is_frozen and revenue_schedule_id in (select unnest(?))
           order by revenue_schedule_id""",
        [[row[0] for row in first["frozen"]]],
    )
    assert frozen_now == first["frozen"]


def test_mrr_movements_worked_by_hand(finance):
    rows = finance.query(
        """select cast(mrr_month as varchar), mrr, previous_mrr, movement_type, movement_amount
           from marts.rpt_mrr_movements where customer_id = 'mrr_path' order by mrr_month"""
    )
    assert rows == [
        ("2026-01-01", _d("49"), _d("0"), "new", _d("49")),
        ("2026-02-01", _d("199"), _d("49"), "expansion", _d("150")),
        ("2026-03-01", _d("49"), _d("199"), "contraction", _d("-150")),
        ("2026-04-01", _d("0"), _d("49"), "churn", _d("-49")),
        ("2026-05-01", _d("0"), _d("0"), None, _d("0")),
        ("2026-06-01", _d("49"), _d("0"), "reactivation", _d("49")),
        ("2026-07-01", _d("49"), _d("49"), None, _d("0")),
        ("2026-08-01", _d("49"), _d("49"), None, _d("0")),
    ]
    # usage counts, catch-ups do not: June 49 + 0.80, August 49 + 0.32 (not the 0.40)
    late = finance.query(
        """select cast(mrr_month as varchar), mrr from marts.rpt_mrr_movements
           where customer_id = 'late' order by mrr_month"""
    )
    assert late == [
        ("2026-05-01", _d("49")),
        ("2026-06-01", _d("49.80")),
        ("2026-07-01", _d("49")),
        ("2026-08-01", _d("49.32")),
    ]


def _retention(finance, dimension: str, value: str, month: str = "2026-07-01") -> tuple:
    return finance.query(
        """select nrr_t12, grr_t12, logo_retention_t12, nrr_monthly, grr_monthly
           from marts.rpt_retention
           where retention_month = ? and dimension = ? and dimension_value = ?""",
        [month, dimension, value],
    )[0]


def test_nrr_grr_and_logo_retention_over_thirteen_months(finance):
    # paying in July 2025: ret_a (pro 99), ret_b (starter 29), ret_c (enterprise 100).
    # July 2026: ret_a is on professional (199: grandfathering ended with the period
    # from Jul 1), ret_b churned in March (0), ret_c's contract is 60.
    # NRR = 259 / 228 = 1.135965, GRR = (99 + 0 + 60) / 228 = 0.697368, logo 2 / 3.
    t12 = _retention(finance, "all", "all")[:3]
    assert t12 == (_d("1.135965"), _d("0.697368"), _d("0.666667"))
    # by the plan at the end of July 2025
    assert _retention(finance, "plan", "pro")[:3] == (_d("2.010101"), _d("1"), _d("1"))
    assert _retention(finance, "plan", "starter")[:3] == (_d("0"), _d("0"), _d("0"))
    assert _retention(finance, "plan", "enterprise")[:3] == (_d("0.6"), _d("0.6"), _d("1"))
    # paid channel (ret_a, ret_b): 199 / 128 = 1.5546875, 99 / 128 = 0.7734375; monthly
    # against June (only ret_a paying, 99): 199 / 99, capped 99 / 99
    assert _retention(finance, "channel", "paid") == (
        _d("1.554688"),
        _d("0.773438"),
        _d("0.5"),
        _d("2.010101"),
        _d("1"),
    )


def test_cohort_retention_of_july_2025(finance):
    rows = finance.query(
        """select months_since_cohort, cohort_size, paying_members, logo_retention,
                  cohort_mrr_usd, revenue_retention
           from marts.rpt_cohort_retention
           where cohort_month = '2025-07-01' and months_since_cohort in (0, 12)
           order by months_since_cohort"""
    )
    assert rows == [
        (0, 3, 3, _d("1"), _d("228"), _d("1")),
        (12, 3, 2, _d("0.666667"), _d("259"), _d("1.135965")),
    ]


def test_grandfathering_deferred_revenue_by_month(finance):
    # ret_a pro 99 vs professional 199 for the periods from Jan to Jun 2026; ret_b starter
    # 29 vs explorer 49 in January and February (cancelled on Mar 1)
    rows = finance.query(
        """select cast(revenue_month as varchar), sum(legacy_base_fee_amount),
                  sum(successor_base_fee_amount), sum(deferred_amount)
           from marts.rpt_grandfathering_deferral group by revenue_month order by revenue_month"""
    )
    assert rows == [
        ("2026-01-01", _d("128.00"), _d("248.00"), _d("120.00")),
        ("2026-02-01", _d("128.00"), _d("248.00"), _d("120.00")),
        ("2026-03-01", _d("99.00"), _d("199.00"), _d("100.00")),
        ("2026-04-01", _d("99.00"), _d("199.00"), _d("100.00")),
        ("2026-05-01", _d("99.00"), _d("199.00"), _d("100.00")),
        ("2026-06-01", _d("99.00"), _d("199.00"), _d("100.00")),
    ]


def test_finance_summary_lines(finance):
    import duckdb

    from orchestration.lib.finance_summary import finance_summary_lines

    con = duckdb.connect(str(finance.path), read_only=True)
    try:
        lines = finance_summary_lines(con)
    finally:
        con.close()
    assert lines[0] == "finance, last closed month 2026-07:"
    # July: stripe 0, deferred 15.00, late 49.00, mrr_path 49.00, ret_a 199.00,
    # ret_c 60.00 = 372.00
    assert lines[1].split() == ["recognized", "revenue:", "372.00", "USD"]
    assert lines[2].split() == ["NRR", "(T12):", "1.135965", "GRR", "(T12):", "0.697368"]
