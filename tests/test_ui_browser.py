"""Issue 7 (operations): the Dagster UI an operator opens with `make ui`, with its daemon.

Starts the command `make ui` runs (`dagster dev -m orchestration.definitions`, with
DAGSTER_HOME holding orchestration/dagster.yaml) on a free port, a temporary warehouse
and a landing directory holding one customer and two days of usage
(tests/two_day_usage.py). The landing sensor, on by default, starts the daily job for
those files through the daemon. The two schedules are turned off in this instance
before it starts (`dagster schedule stop`), so the real clock cannot add a run.

- Chromium (tests/browser.py) dismisses the first-visit community popup, then finds on
  the asset graph, the jobs page, the automation page (schedules and sensors) and the
  asset pages: both jobs, both schedules, both sensors, the daily partitions and the
  asset checks. Screenshots are saved under the test's tmp_path.
- A backfill of both days, launched through the webserver's GraphQL API with the
  parameters the UI's "Launch backfill" dialog sends, is run by the daemon as one run
  for the range that waits for the sensor's run, and gives the hand-computed daily mart.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from browser import CHROMIUM_ARGS, chromium_path, serve
from landing_builder import basic_landing, write_jsonl
from two_day_usage import DAILY_SQL, DAY_1, DAY_2, EXPECTED_DAILY

REPO = Path(__file__).resolve().parents[1]
LOCATION = "orchestration.definitions"
ASSET_GROUPS = ["ingestion", "marts_usage", "marts_billing", "finance_close", "quality", "exports"]
JOBS = ["usage_billing_job", "monthly_close_job"]
SCHEDULES = ["daily_refresh", "monthly_close"]
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


@dataclass(frozen=True)
class UI:
    url: str
    warehouse: Path


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UI]:
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    landing = basic_landing(root / "landing")
    write_jsonl(landing / "usage_events" / "2026-01-05.jsonl", DAY_1)
    write_jsonl(landing / "usage_events" / "2026-01-06.jsonl", DAY_2)
    warehouse = root / "warehouse" / "usage_billing.duckdb"
    dagster = str(Path(sys.executable).parent / "dagster")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DO_NOT_TRACK": "1",
        "USAGE_BILLING_WAREHOUSE": str(warehouse),
        "USAGE_BILLING_LANDING_DIR": str(landing),
    }
    # The schedules are on by default and follow the real clock: a run started at 02:00
    # UTC (CI, partition 2026-11-22) materialized that day next to the backfill. This
    # instance turns them off before its daemon starts; the UI still lists them.
    for schedule in SCHEDULES:
        subprocess.run(
            [dagster, "schedule", "stop", schedule, "-m", LOCATION],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
        )
    with serve(
        lambda port: [dagster, "dev", "-m", LOCATION, "-h", "127.0.0.1", "-p", str(port)],
        health="/server_info",
        marker="dagster_webserver_version",
        log_path=root / "dagster_dev.log",
        stop=_stop,
        what="dagster dev",
        timeout=300,
        cwd=REPO,
        env=env,
        start_new_session=True,  # one process group to stop at the end
    ) as url:
        yield UI(url, warehouse)


def test_the_ui_shows_jobs_schedules_sensor_and_checks(dagster_ui: UI, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            # The code location loads, and the sensor's run writes, on a busy machine: the
            # first-visit popup waits for a GraphQL answer that can take over the assertions'
            # default 5 s (CI, 2026-11-21), so actions and assertions get two minutes.
            page.set_default_timeout(120_000)
            expect.set_options(timeout=120_000)

            # the asset graph, behind the first-visit community popup
            page.goto(f"{dagster_ui.url}/asset-groups", wait_until="domcontentloaded")
            popup = page.get_by_role("dialog")
            expect(popup).to_contain_text("Join the Dagster community")
            popup.get_by_role("button", name="Skip").click()
            expect(page.get_by_role("dialog")).to_have_count(0)
            for group in ASSET_GROUPS:
                expect(page.get_by_text(group, exact=True).first).to_be_visible()
            page.screenshot(path=str(tmp_path / "asset_graph.png"))

            page.goto(f"{dagster_ui.url}/jobs", wait_until="domcontentloaded")
            for job in JOBS:
                link = page.get_by_role("link", name=re.compile(rf"\b{job}\b"))
                expect(link).to_have_attribute("href", f"/locations/{LOCATION}/jobs/{job}")
            page.screenshot(path=str(tmp_path / "jobs.png"))

            page.goto(f"{dagster_ui.url}/automation", wait_until="domcontentloaded")
            for name, kind in AUTOMATIONS.items():
                expect(page.get_by_role("link", name=re.compile(rf"\b{name}\b"))).to_be_visible()
                expect(page.get_by_text(kind, exact=False).first).to_be_visible()
            page.screenshot(path=str(tmp_path / "automation.png"))

            # the daily job's partitions: one a day from 2024-01-01
            page.goto(
                f"{dagster_ui.url}/locations/{LOCATION}/jobs/usage_billing_job/partitions",
                wait_until="domcontentloaded",
            )
            expect(page.get_by_text("Total partitions")).to_be_visible()
            expect(page.get_by_text("2024-01-01").first).to_be_visible()
            page.screenshot(path=str(tmp_path / "partitions.png"))

            for asset, checks in CHECKS.items():
                page.goto(
                    f"{dagster_ui.url}/assets/{asset}?view=checks", wait_until="domcontentloaded"
                )
                for check in checks:
                    # long names are shown truncated, the full name is in the list's markup
                    expect(page.get_by_text(check, exact=True).first).to_be_attached()
            page.screenshot(path=str(tmp_path / "checks.png"))
        finally:
            browser.close()
    for name in ("asset_graph", "jobs", "automation", "partitions", "checks"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name


# The parameters the UI sends when an operator picks a day range on the job's partitions
# page and clicks "Launch backfill" (dagster-ui LaunchAssetChoosePartitionsDialog: the
# job's assets, the partition names and the job's partition set).
ASSET_NODES = (
    """query($job: PipelineSelector!) { assetNodes(pipeline: $job) { assetKey { path } } }"""
)
LAUNCH_BACKFILL = """mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""
RUNS = """query($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    ... on Runs {
      results {
        runId status creationTime endTime tags { key value }
        stepStats { stepKey status startTime endTime }
      }
    }
  }
}"""
BACKFILL = """query($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } }
}"""
PARTITIONS = """query($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode {
      assetPartitionStatuses {
        ... on TimePartitionStatuses { ranges { startKey endKey status } }
      }
    }
  }
}"""
SCHEDULE_STATES = """query($repository: RepositorySelector!) {
  schedulesOrError(repositorySelector: $repository) {
    ... on Schedules { results { name scheduleState { status } } }
  }
}"""
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _graphql(ui: UI, query: str, **variables: object) -> dict:
    request = urllib.request.Request(
        f"{ui.url}/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.load(response)
    assert "errors" not in body, body["errors"]
    return body["data"]


def _runs(ui: UI, **tags: str) -> list[dict]:
    tag_filter = [{"key": key, "value": value} for key, value in tags.items()]
    return _graphql(ui, RUNS, filter={"tags": tag_filter})["runsOrError"]["results"]


def _wait(what: str, condition, timeout: float = 900):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(2)
    raise AssertionError(f"dagster dev: {what} within {timeout:.0f} s")


def test_a_day_range_backfill_is_one_run_that_waits_for_the_sensor_run(dagster_ui: UI):
    """The landing sensor, on by default, starts the daily job for the two new files
    through the daemon; an operator's backfill of both days, launched while that run
    writes, becomes one run for the range (single-run backfill policy) that waits for
    the warehouse's writer pool, and leaves the same daily mart as a full build."""
    schedules = _graphql(
        dagster_ui,
        SCHEDULE_STATES,
        repository={"repositoryLocationName": LOCATION, "repositoryName": "__repository__"},
    )["schedulesOrError"]["results"]
    # the fixture's precondition: no schedule of this instance can start a run
    assert {item["name"]: item["scheduleState"]["status"] for item in schedules} == {
        name: "STOPPED" for name in SCHEDULES
    }
    sensor_runs = _wait(
        "the landing sensor starts a run",
        lambda: _runs(dagster_ui, **{"dagster/sensor_name": "landing_files_sensor"}),
    )
    assert len(sensor_runs) == 1
    _wait(
        "the sensor's run starts",
        lambda: (
            _runs(dagster_ui, **{"dagster/sensor_name": "landing_files_sensor"})[0]["status"]
            in {"STARTED", *FINISHED}
        ),
    )

    job = {
        "repositoryLocationName": LOCATION,
        "repositoryName": "__repository__",
        "pipelineName": "usage_billing_job",
    }
    assets = [node["assetKey"] for node in _graphql(dagster_ui, ASSET_NODES, job=job)["assetNodes"]]
    launched = _graphql(
        dagster_ui,
        LAUNCH_BACKFILL,
        params={
            "tags": [],
            "assetSelection": assets,
            "partitionNames": ["2026-01-05", "2026-01-06"],
            "fromFailure": False,
            "selector": {
                "partitionSetName": "usage_billing_job_partition_set",
                "repositorySelector": {
                    "repositoryLocationName": LOCATION,
                    "repositoryName": "__repository__",
                },
            },
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    backfill = launched["backfillId"]

    _wait(
        "the backfill completes",
        lambda: (
            _graphql(dagster_ui, BACKFILL, id=backfill)["partitionBackfillOrError"]["status"]
            in {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
        ),
    )
    (sensor_run,) = _runs(dagster_ui, **{"dagster/sensor_name": "landing_files_sensor"})
    (backfill_run,) = _runs(dagster_ui, **{"dagster/backfill": backfill})
    assert sensor_run["status"] == "SUCCESS"
    assert backfill_run["status"] == "SUCCESS"
    tags = {tag["key"]: tag["value"] for tag in backfill_run["tags"]}
    assert tags["dagster/asset_partition_range_start"] == "2026-01-05"
    assert tags["dagster/asset_partition_range_end"] == "2026-01-06"

    # the backfill's run was created while the sensor's run was writing, and waited for
    # the one-slot writer pool: no step of one run overlapped a step of the other
    assert backfill_run["creationTime"] < sensor_run["endTime"]
    steps = [
        (step["startTime"], step["endTime"], run["runId"], step["stepKey"])
        for run in (sensor_run, backfill_run)
        for step in run["stepStats"]
    ]
    assert {step["status"] for run in (sensor_run, backfill_run) for step in run["stepStats"]} == {
        "SUCCESS"
    }
    steps.sort()
    for before, after in zip(steps, steps[1:], strict=False):
        assert before[1] <= after[0], f"{before[2:]} and {after[2:]} ran at the same time"

    statuses = _graphql(dagster_ui, PARTITIONS, key={"path": ["marts", "fct_usage_daily"]})
    ranges = statuses["assetNodeOrError"]["assetPartitionStatuses"]["ranges"]
    assert ranges == [{"startKey": "2026-01-05", "endKey": "2026-01-06", "status": "MATERIALIZED"}]
    with duckdb.connect(str(dagster_ui.warehouse), read_only=True) as connection:
        assert connection.sql(DAILY_SQL).fetchall() == EXPECTED_DAILY
