"""Issue 7 (operations): the Dagster UI an operator opens with `make ui`, in headless Chromium.

Starts the command `make ui` runs (`dagster dev -m orchestration.definitions`, with
DAGSTER_HOME holding orchestration/dagster.yaml) on a free port, on an empty landing
directory (the landing sensor, on by default, then starts nothing) and a temporary
warehouse. Chromium (tests/browser.py) dismisses the first-visit community popup, then
finds on the asset graph, the jobs page, the automation page (schedules and sensors)
and the asset pages: both jobs, both schedules, both sensors, the daily partitions
and the asset checks. Screenshots are saved under the test's tmp_path.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import CHROMIUM_ARGS, chromium_path, free_port, wait_for_url

REPO = Path(__file__).resolve().parents[1]
LOCATION = "orchestration.definitions"
ASSET_GROUPS = ["ingestion", "marts_usage", "marts_billing", "finance_close", "quality", "exports"]
JOBS = ["usage_billing_job", "monthly_close_job"]
AUTOMATIONS = {
    "daily_refresh": "At 02:00 AM UTC",
    "monthly_close": "At 06:00 AM UTC, on day 6 of the month",
    "landing_files_sensor": "Standard sensor",
    "run_failure_alert_sensor": "Run status sensor",
}
# asset page -> the checks it must list (dbt tests, GX gates, freshness)
CHECKS = {
    "raw/usage_events": ["usage_freshness"],
    "marts/fct_landing_files": ["gx_landing_quality", "assert_landing_files_tie_out"],
    "intermediate/int_invoices_issued": ["reconciliation_gate"],
    "marts/fct_usage_daily": ["unique_fct_usage_daily_usage_day_id"],
}


def _stop(server: subprocess.Popen) -> None:
    """Stop `dagster dev` and the processes it started (its own process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # the webserver, daemon and code server


@pytest.fixture
def dagster_ui(tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    (tmp_path / "landing").mkdir()
    port = free_port()
    log = (tmp_path / "dagster_dev.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster"),
            "dev",
            "-m",
            LOCATION,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={
            **os.environ,
            "DAGSTER_HOME": str(home),
            "DO_NOT_TRACK": "1",
            "USAGE_BILLING_WAREHOUSE": str(tmp_path / "warehouse" / "usage_billing.duckdb"),
            "USAGE_BILLING_LANDING_DIR": str(tmp_path / "landing"),
        },
        start_new_session=True,  # one process group to stop at the end
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_url(f"{url}/server_info", server, timeout=300, what="dagster dev")
        yield url
    finally:
        _stop(server)
        log.close()


def test_the_ui_shows_jobs_schedules_sensor_and_checks(dagster_ui: str, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(120_000)  # the code location loads on a busy machine

            # the asset graph, behind the first-visit community popup
            page.goto(f"{dagster_ui}/asset-groups", wait_until="domcontentloaded")
            popup = page.get_by_role("dialog")
            expect(popup).to_contain_text("Join the Dagster community")
            popup.get_by_role("button", name="Skip").click()
            expect(page.get_by_role("dialog")).to_have_count(0)
            for group in ASSET_GROUPS:
                expect(page.get_by_text(group, exact=True).first).to_be_visible()
            page.screenshot(path=str(tmp_path / "asset_graph.png"))

            page.goto(f"{dagster_ui}/jobs", wait_until="domcontentloaded")
            for job in JOBS:
                link = page.get_by_role("link", name=re.compile(rf"\b{job}\b"))
                expect(link).to_have_attribute("href", f"/locations/{LOCATION}/jobs/{job}")
            page.screenshot(path=str(tmp_path / "jobs.png"))

            page.goto(f"{dagster_ui}/automation", wait_until="domcontentloaded")
            for name, kind in AUTOMATIONS.items():
                expect(page.get_by_role("link", name=re.compile(rf"\b{name}\b"))).to_be_visible()
                expect(page.get_by_text(kind, exact=False).first).to_be_visible()
            page.screenshot(path=str(tmp_path / "automation.png"))

            # the daily job's partitions: one a day from 2024-01-01, all missing on an empty warehouse
            page.goto(
                f"{dagster_ui}/locations/{LOCATION}/jobs/usage_billing_job/partitions",
                wait_until="domcontentloaded",
            )
            expect(page.get_by_text("Total partitions")).to_be_visible()
            expect(page.get_by_text("2024-01-01").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "partitions.png"))

            for asset, checks in CHECKS.items():
                page.goto(f"{dagster_ui}/assets/{asset}?view=checks", wait_until="domcontentloaded")
                for check in checks:
                    # long names are shown truncated, the full name is in the list's markup
                    expect(page.get_by_text(check, exact=True).first).to_be_attached()
            page.screenshot(path=str(tmp_path / "checks.png"))
        finally:
            browser.close()
    for name in ("asset_graph", "jobs", "automation", "partitions", "checks"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name
