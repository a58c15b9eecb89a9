"""Issue 6: growth analytics end to end through `usage-billing run`.

One landing directory holds one customer per scenario; two runs (a module fixture):
run 1 as of 2026-06-01, then a late file and run 2 as of 2026-06-02. Every expected
number is worked by hand below from ../shared/spec/metrics.md and the seeds:
explorer 49 / month, 500,000 requests included (soft limit; then 0.10 per started
1,000), 50 GB bandwidth free (then 0.09 / GB), 10 GB-months storage free (then 0.20);
professional 199 (5,000,000 requests, 500 GB); scale 599. CRM cooldown 336 hours.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

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

AS_OF_1 = "2026-06-01T00:00:00Z"
AS_OF_2 = "2026-06-02T00:00:00Z"
EXPLORER_CUSTOMERS = ["crosser", "late", "on_time", "storage", "health", "builder", "flaky"]


def _write_endpoint_requests(
    path: Path, customer_id: str, days: list[tuple[str, dict[str, int], int]], prefix: str
) -> Path:
    """api.request events: per (time, {endpoint: count}, errors) the requests, the first
    `errors` of them with status 503, the others 200."""
    path.parent.mkdir(parents=True, exist_ok=True)
    number = 0
    with path.open("w", encoding="utf-8") as handle:
        for time, endpoints, errors in days:
            left = errors
            for endpoint, count in endpoints.items():
                for _ in range(count):
                    status = 503 if left > 0 else 200
                    left -= 1
                    handle.write(
                        '{"specversion":"1.0","source":"//test","type":"api.request","subject":"'
                        f'{customer_id}","time":"{time}","data":{{"endpoint":"{endpoint}",'
                        f'"status_code":{status}}},"id":"{prefix}{number}"}}\n'
                    )
                    number += 1
    return path


def _product_event(event_id: str, customer_id: str, event_type: str, time: str) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "//app/test",
        "type": event_type,
        "subject": customer_id,
        "time": time,
        "data": {"user_id": "u1"},
    }


def _compute_job(event_id: str, customer_id: str, time: str, seconds: int) -> dict:
    return usage_event(
        event_id, customer_id, time, "compute.job_completed", {"duration_seconds": seconds}
    )


def _compute_card(customer_id: str) -> list[dict]:
    # a contract card replaces explorer's compute charge: 10 hours free, then 0.50 / hour
    band = {
        "customer_id": customer_id,
        "metric_code": "compute_hours",
        "charge_model": "per_unit",
        "effective_from": "2026-01-01T00:00:00Z",
    }
    return [
        {**band, "band_index": 1, "up_to": "10", "unit_amount": "0"},
        {**band, "band_index": 2, "up_to": "", "unit_amount": "0.50"},
    ]


def _build_landing(landing: Path) -> None:
    write_csv(
        landing / "customers" / "customers.csv",
        CUSTOMER_COLUMNS,
        [
            customer("crosser"),
            customer("late"),
            customer("on_time"),
            customer("storage"),
            customer("health", signed_up_at="2026-04-01T00:00:00Z"),
            customer("builder", signed_up_at="2026-05-22T00:00:00Z"),
            customer("flaky", signed_up_at="2026-05-27T00:00:00Z"),
            customer("orch"),
            customer("ref_a", acquisition_channel="referral"),
            customer("ref_b", acquisition_channel="referral"),
        ],
    )
    write_csv(
        landing / "subscription_events" / "events.csv",
        SUBSCRIPTION_COLUMNS,
        [
            subscription_event("cr1", "crosser", "created", "2026-04-01T00:00:00Z", "explorer"),
            subscription_event(
                "cr2", "crosser", "plan_changed", "2026-05-02T00:00:00Z", "professional"
            ),
            subscription_event("la1", "late", "created", "2026-03-01T00:00:00Z", "explorer"),
            # 720 hours after the 70 % crossing (2026-03-11 00:00) plus one second
            subscription_event(
                "la2", "late", "plan_changed", "2026-04-10T00:00:01Z", "professional"
            ),
            subscription_event("on1", "on_time", "created", "2026-03-01T00:00:00Z", "explorer"),
            # exactly 720 hours after its 70 % crossing: the window is closed on the right
            subscription_event(
                "on2", "on_time", "plan_changed", "2026-04-10T00:00:00Z", "professional"
            ),
            subscription_event("st1", "storage", "created", "2026-04-01T00:00:00Z", "explorer"),
            subscription_event("he1", "health", "created", "2026-04-01T00:00:00Z", "explorer"),
            subscription_event("bu1", "builder", "created", "2026-05-22T00:00:00Z", "explorer"),
            subscription_event("fl1", "flaky", "created", "2026-05-27T00:00:00Z", "explorer"),
            subscription_event("or1", "orch", "created", "2026-01-01T00:00:00Z", "scale"),
            # referral: one customer cancels on 03-01 (churn in March), one stays
            subscription_event("ra1", "ref_a", "created", "2026-01-01T00:00:00Z", "explorer"),
            subscription_event("ra2", "ref_a", "canceled", "2026-03-01T00:00:00Z"),
            subscription_event("rb1", "ref_b", "created", "2026-01-01T00:00:00Z", "explorer"),
        ],
    )
    write_csv(
        landing / "contract_rates" / "cards.csv",
        CONTRACT_RATE_COLUMNS,
        _compute_card("late") + _compute_card("on_time"),
    )
    usage = landing / "usage_events"
    # crosser, April period [04-01, 05-01), 30 days, limit 500,000 requests
    write_requests(
        usage / "crosser.jsonl",
        "crosser",
        [
            ("2026-04-03T19:12:00Z", 350_000),  # 2.8 days: 70 %
            ("2026-04-05T19:12:00Z", 50_000),  # 4.8 days: 400,000 = 80 %
            ("2026-04-08T04:48:00Z", 50_000),  # 7.2 days: 450,000 = 90 %
            ("2026-04-11T00:00:00Z", 50_000),  # 10 days: 500,000 = 100 %
        ],
        "cr",
    )
    # 45 GB on 04-21 (20 days): bandwidth 70, 80 and 90 % of 50 GB at once (and 1 request)
    write_jsonl(
        usage / "crosser_bandwidth.jsonl",
        [
            usage_event(
                "bw1",
                "crosser",
                "2026-04-21T00:00:00Z",
                data={"endpoint": "/v1/a", "status_code": 200, "response_bytes": 45_000_000_000},
            )
        ],
    )
    write_jsonl(
        usage / "compute.jsonl",
        [
            _compute_job("lc1", "late", "2026-03-11T00:00:00Z", 25_200),  # 7 of 10 hours
            _compute_job("oc1", "on_time", "2026-03-11T00:00:00Z", 25_200),
        ],
    )
    # storage: 11 GB held from the period start; limit 10 GB-months in a 2,592,000 s month
    write_jsonl(
        usage / "storage.jsonl",
        [usage_event("sn1", "storage", "2026-04-01T00:00:00Z", "storage.snapshot", {"gb": 11})],
    )
    _write_endpoint_requests(
        usage / "health.jsonl",
        "health",
        [
            ("2026-04-11T10:00:00Z", {"/v1/a": 100}, 0),  # first value: 10 days after sign-up
            ("2026-04-20T10:00:00Z", {"/v1/a": 100}, 0),
            ("2026-05-05T10:00:00Z", {"/v1/a": 50}, 15),
            ("2026-05-10T10:00:00Z", {"/v1/b": 50}, 0),
            ("2026-05-15T10:00:00Z", {"/v1/c": 50}, 0),
            ("2026-05-20T10:00:00Z", {"/v1/a": 50}, 0),
            ("2026-05-26T10:00:00Z", {"/v1/a": 50}, 0),
            ("2026-05-30T10:00:00Z", {"/v1/b": 50}, 0),
        ],
        "he",
    )
    _write_endpoint_requests(
        usage / "builder.jsonl",
        "builder",
        [(f"2026-05-{day}T10:00:00Z", {"/v1/a": 10}, 0) for day in (22, 24, 26, 28, 30)],
        "bu",
    )
    _write_endpoint_requests(
        usage / "flaky.jsonl",
        "flaky",
        [(f"2026-05-{day}T10:00:00Z", {"/v1/a": 20}, 2) for day in (27, 28, 29, 30, 31)],
        "fl",
    )
    five_endpoints = {f"/v1/e{index}": 10_000 for index in range(5)}
    _write_endpoint_requests(
        usage / "orch.jsonl",
        "orch",
        [
            ("2026-05-10T10:00:00Z", five_endpoints, 50),
            ("2026-05-20T10:00:00Z", five_endpoints, 50),
        ],
        "or",
    )
    product = [
        _product_event("p1", "crosser", "app.gated_feature_attempted", "2026-04-02T00:00:00Z"),
        _product_event("p2", "crosser", "app.pricing_page_viewed", "2026-04-04T00:00:00Z"),
        _product_event("p2", "crosser", "app.pricing_page_viewed", "2026-04-04T00:00:00Z"),
        _product_event("p3", "crosser", "app.upgrade_clicked", "2026-05-01T12:00:00Z"),
    ]
    write_jsonl(landing / "product_events" / "app.jsonl", product)


def _build_late_file(landing: Path) -> None:
    """Run 2's new data: late's 80 % crossing, and crosser usage that would move its crossings."""
    write_jsonl(
        landing / "usage_events" / "late_compute.jsonl",
        [_compute_job("lc2", "late", "2026-03-20T00:00:00Z", 5_400)],  # 8.5 of 10 hours
    )
    write_requests(
        landing / "usage_events" / "crosser_late.jsonl",
        "crosser",
        [("2026-04-02T00:00:00Z", 100_000)],
        "crl",
    )


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    from conftest import Warehouse

    warehouse = Warehouse(tmp_path_factory.mktemp("growth"))
    _build_landing(warehouse.landing)
    warehouse.run(AS_OF_1)
    export = warehouse.path.parent / "exports" / "crm" / "upsell_alerts.csv"
    first = {
        "csv": export.read_text(encoding="utf-8"),
        "alerts": warehouse.table("marts.fct_crm_upsell_alerts", "alert_id"),
        "crossings": warehouse.table("marts.fct_usage_threshold_crossings", "crossing_id"),
    }
    _build_late_file(warehouse.landing)
    warehouse.run(AS_OF_2)
    warehouse.first_run = first
    warehouse.export = export
    return warehouse


def _crossings(warehouse, customer_id, metric_code):
    return warehouse.query(
        """select threshold_pct, cast(crossed_at as varchar), usage_to_date_quantity,
                  limit_quantity, projected_period_end_quantity,
                  cast(limit_reached_projected_at as varchar)
           from marts.fct_usage_threshold_crossings
           where customer_id = ? and metric_code = ? order by threshold_pct""",
        [customer_id, metric_code],
    )


def test_request_crossings_times_and_projections(grown):
    # usage to date x 30 days / elapsed; limit reached at start + elapsed x 500,000 / usage
    assert _crossings(grown, "crosser", "api_requests") == [
        (70, "2026-04-03 19:12:00", Decimal("350000"), Decimal("500000"),
         Decimal("3750000"), "2026-04-05 00:00:00"),  # 2.8 d x 500/350 = 4 d
        (80, "2026-04-05 19:12:00", Decimal("400000"), Decimal("500000"),
         Decimal("2500000"), "2026-04-07 00:00:00"),  # 4.8 d x 1.25 = 6 d
        (90, "2026-04-08 04:48:00", Decimal("450000"), Decimal("500000"),
         Decimal("1875000"), "2026-04-09 00:00:00"),  # 7.2 d x 10/9 = 8 d
        (100, "2026-04-11 00:00:00", Decimal("500000"), Decimal("500000"),
         Decimal("1500000"), "2026-04-11 00:00:00"),  # at 100 %: crossed_at itself
    ]  # fmt: skip


def test_one_event_crosses_several_bandwidth_thresholds(grown):
    # 45 GB at 20 days: 70, 80 and 90 % of 50 GB at once; 45 x 30 / 20 = 67.5 GB;
    # 20 d x 50 / 45 = 1,920,000 s = 22 d 5 h 20 min
    assert _crossings(grown, "crosser", "bandwidth_gb") == [
        (pct, "2026-04-21 00:00:00", Decimal("45"), Decimal("50"), Decimal("67.5"),
         "2026-04-23 05:20:00")
        for pct in (70, 80, 90)
    ]  # fmt: skip


def test_time_weighted_crossings_are_the_first_whole_second(grown):
    # 11 GB held from 04-01 on (into May too): usage to date t seconds into a period of P
    # seconds = 11 t / P GB-months; the threshold share of 10 is reached at
    # t = pct / 10 x P / 11, rounded up to a whole second. Usage to date then is 11 t / P
    # truncated at 9 decimals; projected = usage x P / t; the limit is projected at
    # start + t x 10 / usage (microseconds truncated), crossed_at itself at 100 %.
    expected = []
    for start, period in ((datetime(2026, 4, 1), 2_592_000), (datetime(2026, 5, 1), 2_678_400)):
        for pct in (70, 80, 90, 100):
            seconds = -(-pct * period // (10 * 11))
            usage_nano = 11 * seconds * 10**9 // period
            projected = Decimal(usage_nano * period * 10**9 // seconds) / Decimal(10**18)
            crossed = start + timedelta(seconds=seconds)
            reached = crossed
            if pct < 100:
                reached = start + timedelta(microseconds=seconds * 10**6 * 10 * 10**9 // usage_nano)
            usage = Decimal(usage_nano) / Decimal(10**9)
            expected.append((pct, str(crossed), usage, Decimal("10"), projected, reached))
    assert [row[1] for row in expected] == [
        "2026-04-20 02:10:55",
        "2026-04-22 19:38:11",
        "2026-04-25 13:05:28",
        "2026-04-28 06:32:44",
        "2026-05-20 17:27:17",
        "2026-05-23 13:05:28",
        "2026-05-26 08:43:39",
        "2026-05-29 04:21:50",
    ]
    rows = grown.query(
        """select threshold_pct, cast(crossed_at as varchar), usage_to_date_quantity,
                  limit_quantity, projected_period_end_quantity,
                  limit_reached_projected_at
           from marts.fct_usage_threshold_crossings
           where customer_id = 'storage' order by crossed_at"""
    )
    assert rows == expected


def test_contract_card_free_band_is_a_limit(grown):
    # late: compute card with 10 hours free; 7 h on 03-11 (10 days into a 31-day March),
    # then (run 2) 1.5 h more on 03-20: 8.5 h = 80 %
    assert _crossings(grown, "late", "compute_hours") == [
        # 7 x 31 / 10 = 21.7; 10 d x 10 / 7 = 1,234,285.714285 s (microseconds truncated)
        (70, "2026-03-11 00:00:00", Decimal("7"), Decimal("10"), Decimal("21.7"),
         "2026-03-15 06:51:25.714285"),
        # 8.5 x 31 / 19 = 13.868421052631578947...; 19 d x 10 / 8.5 = 22.352941176... d
        (80, "2026-03-20 00:00:00", Decimal("8.5"), Decimal("10"),
         Decimal("13.868421052631578947"), "2026-03-23 08:28:14.117647"),
    ]  # fmt: skip


def test_recorded_crossings_never_move(grown):
    # run 2 added 100,000 requests on 04-02 for crosser: recomputed, 80 % would be reached
    # on 04-03; the ledger keeps what run 1 recorded
    before = [row for row in grown.first_run["crossings"]]
    after = grown.query("select * from marts.fct_usage_threshold_crossings order by crossing_id")
    assert [row for row in after if row in before] == before
    recomputed = grown.query(
        """select cast(crossed_at as varchar) from intermediate.int_usage_threshold_crossings
           where customer_id = 'crosser' and metric_code = 'api_requests' and threshold_pct = 80"""
    )
    assert recomputed == [("2026-04-03 19:12:00",)]


def _alerts(warehouse, customer_id):
    return warehouse.query(
        """select metric_code, threshold_pct, alert_status, suppression_reason,
                  current_plan_projected_amount, recommended_plan_id, recommended_plan_projected_amount
           from marts.fct_crm_upsell_alerts
           where customer_id = ? order by customer_alert_order""",
        [customer_id],
    )


def test_alerts_suppression_and_recommended_plans(grown):
    assert _alerts(grown, "crosser") == [
        # 2,500,000 projected: explorer 49 + 2,000 blocks x 0.10 = 249.00 > professional 199.00
        ("api_requests", 80, "sent", None, Decimal("249.00"), "professional", Decimal("199.00")),
        # 2.4 days after a sent alert; 1,875,000: explorer 49 + 1,375 x 0.10 = 186.50 < 199
        ("api_requests", 90, "suppressed", "contact_cooldown",
         Decimal("186.50"), "explorer", Decimal("186.50")),
        # 1,500,000: 49 + 100.00 = 149.00
        ("api_requests", 100, "suppressed", "contact_cooldown",
         Decimal("149.00"), "explorer", Decimal("149.00")),
        # 15 d 4 h 48 min after the last sent alert: sent (the suppressed 100 % alert of 04-11,
        # 10 days earlier, does not restart the window). x 1.5: 750,001.5 requests ->
        # 251 blocks = 25.10; 67.5 GB -> 17.5 x 0.09 = 1.575 -> 1.58; 49 + 25.10 + 1.58
        ("bandwidth_gb", 80, "sent", None, Decimal("75.68"), "explorer", Decimal("75.68")),
        # the same event: 0 hours after a sent alert
        ("bandwidth_gb", 90, "suppressed", "contact_cooldown",
         Decimal("75.68"), "explorer", Decimal("75.68")),
    ]  # fmt: skip
    # storage 80 %: ~11 GB-months projected: 49 + (11 - 10) x 0.20 = 49.20 (rounded line);
    # May's 80 % comes a month after April's sent alert: sent again
    assert [row[:4] for row in _alerts(grown, "storage")] == [
        ("storage_gb", 80, "sent", None),
        ("storage_gb", 90, "suppressed", "contact_cooldown"),
        ("storage_gb", 100, "suppressed", "contact_cooldown"),
        ("storage_gb", 80, "sent", None),
        ("storage_gb", 90, "suppressed", "contact_cooldown"),
        ("storage_gb", 100, "suppressed", "contact_cooldown"),
    ]
    assert _alerts(grown, "storage")[0][4:] == (Decimal("49.20"), "explorer", Decimal("49.20"))


def test_alert_ids_follow_the_specification(grown):
    import hashlib

    expected = hashlib.md5(b"crosser|api_requests|2026-04-01T00:00:00Z|80").hexdigest()
    rows = grown.query(
        """select alert_id, suppressed_by_alert_id from marts.fct_crm_upsell_alerts
           where customer_id = 'crosser' and threshold_pct = 90 and metric_code = 'api_requests'"""
    )
    assert rows == [
        (hashlib.md5(b"crosser|api_requests|2026-04-01T00:00:00Z|90").hexdigest(), expected)
    ]


def test_crm_export_emits_each_alert_once(grown):
    first = list(csv.DictReader(grown.first_run["csv"].splitlines()))
    second = list(csv.DictReader(grown.export.read_text(encoding="utf-8").splitlines()))
    # run 1: crosser 5 + storage 6; run 2 adds late's 80 % (its first alert: sent)
    assert len(first) == 11
    assert len(second) == 12
    assert len({row["alert_id"] for row in second}) == 12
    assert second[:11] == first
    assert {row["emitted_at"] for row in first} == {"2026-06-01T00:00:00Z"}
    new = second[11]
    assert (new["customer_id"], new["metric_code"], new["threshold_pct"], new["status"]) == (
        "late",
        "compute_hours",
        "80",
        "sent",
    )
    assert new["emitted_at"] == "2026-06-02T00:00:00Z"
    statuses = [row["status"] for row in second]
    assert (statuses.count("sent"), statuses.count("suppressed")) == (5, 7)
    # the alert ledger itself is append-only
    before = grown.first_run["alerts"]
    after = grown.query("select * from marts.fct_crm_upsell_alerts order by alert_id")
    assert [row for row in after if row in before] == before


def test_funnel_conversions_and_intent(grown):
    rows = grown.query(
        """select customer_id, threshold_pct, cast(crossed_at as varchar), is_converted,
                  days_to_convert, pricing_page_views, upgrade_clicks, gated_feature_attempts
           from intermediate.int_funnel_stage_entries order by customer_id, period_start, threshold_pct"""
    )
    assert rows == [
        # professional on 05-02 00:00: 28 d 4 h 48 min after 04-03 19:12 = 28.2 days; the
        # pricing page view of 04-04 (landed twice) and the click of 05-01 are in the window
        ("crosser", 70, "2026-04-03 19:12:00", True, Decimal("28.2"), 1, 1, 0),
        ("crosser", 80, "2026-04-05 19:12:00", True, Decimal("26.2"), 0, 1, 0),
        ("crosser", 90, "2026-04-08 04:48:00", True, Decimal("23.8"), 0, 1, 0),
        ("crosser", 100, "2026-04-11 00:00:00", True, Decimal("21"), 0, 1, 0),
        # the upgrade is 720 hours + 1 second after the 70 % crossing: too late ...
        ("late", 70, "2026-03-11 00:00:00", False, None, 0, 0, 0),
        # ... but 21 days + 1 second after the 80 % crossing: 1,814,401 / 86,400 days
        ("late", 80, "2026-03-20 00:00:00", True, Decimal("21.000011574074074074"), 0, 0, 0),
        ("on_time", 70, "2026-03-11 00:00:00", True, Decimal("30"), 0, 0, 0),
        ("storage", 70, "2026-04-20 02:10:55", False, None, 0, 0, 0),
        ("storage", 80, "2026-04-22 19:38:11", False, None, 0, 0, 0),
        ("storage", 90, "2026-04-25 13:05:28", False, None, 0, 0, 0),
        ("storage", 100, "2026-04-28 06:32:44", False, None, 0, 0, 0),
        ("storage", 70, "2026-05-20 17:27:17", False, None, 0, 0, 0),
        ("storage", 80, "2026-05-23 13:05:28", False, None, 0, 0, 0),
        ("storage", 90, "2026-05-26 08:43:39", False, None, 0, 0, 0),
        ("storage", 100, "2026-05-29 04:21:50", False, None, 0, 0, 0),
    ]
    report = grown.query(
        """select threshold_pct, plan_id, behaviour_segment, cast(crossing_month as varchar),
                  reached_count, converted_count, conversion_rate, median_days_to_convert,
                  open_window_count
           from marts.rpt_upgrade_funnel where threshold_pct in (70, 80)
           order by threshold_pct, crossing_month, behaviour_segment"""
    )
    assert report == [
        (70, "explorer", "inactive", "2026-03-01", 2, 1, Decimal("0.5"), Decimal("30"), 0),
        (70, "explorer", "inactive", "2026-04-01", 1, 0, Decimal("0"), None, 0),
        (70, "explorer", "validator", "2026-04-01", 1, 1, Decimal("1"), Decimal("28.2"), 0),
        # storage's May window (crossed 05-20) is still open on 06-02
        (70, "explorer", "inactive", "2026-05-01", 1, 0, Decimal("0"), None, 1),
        (80, "explorer", "inactive", "2026-03-01", 1, 1, Decimal("1"),
         Decimal("21.000011574074074074"), 0),
        (80, "explorer", "inactive", "2026-04-01", 1, 0, Decimal("0"), None, 0),
        (80, "explorer", "validator", "2026-04-01", 1, 1, Decimal("1"), Decimal("26.2"), 0),
        (80, "explorer", "inactive", "2026-05-01", 1, 0, Decimal("0"), None, 1),
    ]  # fmt: skip


def test_segments_of_each_archetype(grown):
    # window: the 90 UTC days before 2026-06-02 (03-04 to 06-01)
    rows = dict(
        grown.query("select customer_id, behaviour_segment from marts.dim_customer_segments")
    )
    assert rows == {
        # 100,000 requests on 2 days, 5 endpoints a day, 100 errors (0.1 %)
        "orch": "orchestrator",
        # 600,001 requests on 6 days of 90: ratio 0.067 < 0.3
        "crosser": "validator",
        # 500 requests on 8 of 62 days since sign-up: 0.129 < 0.3 (errors 3 %)
        "health": "validator",
        # 5 of 6 days active, but 10 errors per 100 requests
        "flaky": "validator",
        # 5 of 11 days since sign-up (0.45), no errors
        "builder": "builder",
        "late": "inactive",
        "on_time": "inactive",
        "storage": "inactive",
        "ref_a": "inactive",
        "ref_b": "inactive",
    }
    orch = grown.query(
        """select request_count, active_day_count, requests_per_active_day,
                  endpoints_per_active_day, error_rate
           from marts.dim_customer_segments where customer_id = 'orch'"""
    )
    assert orch == [(100_000, 2, Decimal("50000"), Decimal("5"), Decimal("0.001"))]


def test_health_score_from_its_components(grown):
    # as of 2026-06-02: last 30 days 05-03..06-01, the 30 before 04-03..05-02.
    # trend r = 300 / 200 = 1.5 -> 75; active 6 / 30 -> 20; breadth 3 of 5 -> 60;
    # errors 15 / 300 = 5 % -> 100 x (1 - 0.5) = 50; first value 04-11, 10 days after
    # sign-up -> 100 x 20 / 27 = 74.074...
    # 0.25 x 75 + 0.25 x 20 + 0.20 x 60 + 0.15 x 50 + 0.15 x 74.074 = 54.361 -> 54
    row = grown.query(
        """select health_score, usage_trend_score, active_days_score, breadth_score, errors_score,
                  time_to_first_value_score, time_to_first_value_days,
                  is_at_risk_low_score, is_at_risk_usage_drop, is_at_risk_usage_spike
           from marts.fct_customer_health where customer_id = 'health'"""
    )
    assert row == [
        (54, Decimal("75"), Decimal("20"), Decimal("60"), Decimal("50"),
         Decimal("74.074074074074074074"), 10, False, False, False),
    ]  # fmt: skip
    flags = dict(
        (customer_id, (score, low, drop, spike))
        for customer_id, score, low, drop, spike in grown.query(
            """select customer_id, health_score, is_at_risk_low_score, is_at_risk_usage_drop,
                      is_at_risk_usage_spike from marts.fct_customer_health"""
        )
    )
    # crosser: no requests in the last 30 days, 500,001 the 30 before: every component 0
    assert flags["crosser"] == (0, True, True, False)
    # builder: 30 requests in the last 7 days (4.29 a day) vs 20 in the 30 before (0.67)
    assert flags["builder"][3] is True


def test_usage_dashboard_rows(grown):
    rows = grown.query(
        """select cast(usage_date as varchar), day_quantity, period_to_date_quantity,
                  limit_used_share, projected_period_end_quantity, projected_charge_amount,
                  projected_invoice_amount
           from marts.fct_customer_usage_daily
           where customer_id = 'crosser' and metric_code = 'api_requests'
             and usage_date in ('2026-04-01', '2026-04-02', '2026-04-05')
           order by usage_date"""
    )
    assert rows == [
        # nothing yet: base fee only
        ("2026-04-01", Decimal("0"), Decimal("0"), Decimal("0"), Decimal("0"),
         Decimal("0.00"), Decimal("49.00")),
        # run 2's late 100,000 requests of 04-02: x 30 / 2 days = 1,500,000 -> 1,000 blocks
        ("2026-04-02", Decimal("100000"), Decimal("100000"), Decimal("0.2"),
         Decimal("1500000"), Decimal("100.00"), Decimal("149.00")),
        # 500,000 by the end of 04-05 (5 days): 3,000,000 -> 2,500 blocks = 250.00
        ("2026-04-05", Decimal("50000"), Decimal("500000"), Decimal("1"),
         Decimal("3000000"), Decimal("250.00"), Decimal("299.00")),
    ]  # fmt: skip
    days = grown.query(
        """select count(*), count(distinct usage_date), min(usage_date), max(usage_date)
           from marts.fct_customer_usage_daily where customer_id = 'crosser'"""
    )
    # 04-01 to the as-of day 06-02: 63 days x 4 billable metrics
    assert days == [(252, 63, datetime(2026, 4, 1).date(), datetime(2026, 6, 2).date())]
    after_change = grown.query(
        """select plan_id, cast(limit_counted_from_at as varchar)
           from marts.fct_customer_usage_daily
           where customer_id = 'crosser' and metric_code = 'api_requests'
             and usage_date in ('2026-05-01', '2026-05-02') order by usage_date"""
    )
    assert after_change == [
        ("explorer", "2026-05-01 00:00:00"),
        ("professional", "2026-05-02 00:00:00"),
    ]


def test_growth_summary_lines(grown):
    import duckdb

    from orchestration.lib.growth_summary import growth_summary_lines

    con = duckdb.connect(str(grown.path), read_only=True)
    try:
        lines = growth_summary_lines(con)
    finally:
        con.close()
    text = "\n".join(lines)
    # 70 %: crosser, late, on_time, storage (April and May) reached; crosser and on_time
    # converted; storage's May window is still open
    assert "70 % in-app notice" in text
    assert "5 reached       2 converted  (40.0 %; 1 windows still open)" in text
    assert lines[-1] == "CRM upsell alerts: 5 sent, 7 suppressed (contact cooldown)"
    assert json.dumps(lines)


def test_lifetime_value(grown):
    # as of 06-02 the last closed month is April (closed 5 days after its end: May is not).
    # referral: ref_a pays 49 in January and February and churns in March; ref_b pays 49
    # January to April. Churn: 1 movement / 5 customer-months paying the month before
    # (ref_a: Jan, Feb; ref_b: Jan, Feb, Mar) = 0.2; ARPA 49: 49 x 0.8 / 0.2 = 196.00
    rows = grown.query(
        """select customer_id, arpa_month_count, arpa_usd, channel_churn_movements,
                  channel_paying_customer_months, channel_monthly_churn_rate, lifetime_value_usd,
                  channel_lifetime_value_usd
           from marts.rpt_customer_lifetime_value
           where acquisition_channel = 'referral' order by customer_id"""
    )
    assert rows == [
        ("ref_a", 2, Decimal("49"), 1, 5, Decimal("0.2"), Decimal("196.00"), Decimal("196.00")),
        ("ref_b", 4, Decimal("49"), 1, 5, Decimal("0.2"), Decimal("196.00"), Decimal("196.00")),
    ]
    # organic has no churn: 60 months of margin. orch pays scale's 599 January to April
    orch = grown.query(
        """select arpa_usd, is_no_churn_fallback, lifetime_value_usd
           from marts.rpt_customer_lifetime_value where customer_id = 'orch'"""
    )
    assert orch == [(Decimal("599"), True, Decimal("28752.00"))]
