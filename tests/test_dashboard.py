"""The Streamlit dashboard on the published warehouse copy of a small generated sample.

AppTest runs both pages in process; one test starts `streamlit run` headless and renders
the finance page in headless Chromium (Debian's /usr/bin/chromium, driven by
playwright), checks the charts are drawn and saves screenshots under the test's tmp_path.
The sample run is shared with tests/test_publish.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from browser import CHROMIUM_ARGS, chromium_path, serve
from streamlit.testing.v1 import AppTest
from test_publish import published_sample

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
sys.path.insert(0, str(DASHBOARD))

import dashboard_charts  # noqa: E402

# charts each page draws when its mart is built (a missing mart shows a note instead)
FINANCE_CHARTS = {
    "rpt_revenue_monthly": 1,
    "rpt_revenue_rollforward": 1,
    "rpt_mrr_movements": 2,
    "rpt_retention": 3,
    "rpt_cohort_retention": 1,
    "fct_invoices": 1,
}
GROWTH_CHARTS = {"rpt_upgrade_funnel": 1, "dim_customer_segments": 2}
FINANCE_SECTIONS = [
    "Recognized revenue by month and obligation (USD)",
    "Deferred and unbilled revenue roll-forward",
    "MRR movements",
    "Net and gross revenue retention",
    "Cohort retention",
    "Invoices by status",
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = published_sample(tmp_path_factory)
    return warehouse.parent / "published" / warehouse.name


def _built_marts(published: Path) -> dict[str, int]:
    """Rows per mart in the published copy."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        return {
            name: con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
            for (name,) in names
        }
    finally:
        con.close()


def _expected_charts(expected: dict[str, int], built: dict[str, int]) -> int:
    """Charts drawn: those of every mart with rows (an empty mart shows a note instead)."""
    return sum(count for mart, count in expected.items() if built.get(mart, 0) > 0)


def _app(published: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("USAGE_BILLING_PUBLISHED", str(published))
    return AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=120)


def test_finance_page_draws_every_built_mart(published: Path, monkeypatch: pytest.MonkeyPatch):
    built = _built_marts(published)
    app = _app(published, monkeypatch).run()

    assert not app.exception
    assert [title.value for title in app.title] == ["Finance"]
    assert [header.value for header in app.subheader] == FINANCE_SECTIONS
    charts = app.get("vega_lite_chart")
    assert len(charts) == _expected_charts(FINANCE_CHARTS, built)
    assert built["fct_invoices"] > 0 and len(charts) >= 1
    notes = [note.value for note in app.info]
    for mart in FINANCE_CHARTS:  # "not built yet" exactly for the marts not in the copy
        is_noted = any(f"`marts.{mart}` is not built yet" in note for note in notes)
        assert is_noted == (mart not in built), mart
    # the invoice summary: one row per status and currency, counts adding up to the mart's
    summary = app.dataframe[-1].value
    invoices = duckdb.connect(str(published), read_only=True)
    try:
        total = invoices.execute("select count(*) from marts.fct_invoices").fetchone()[0]
    finally:
        invoices.close()
    assert int(summary["invoices"].sum()) == total


def test_growth_page_shows_funnel_and_segments(published: Path, monkeypatch: pytest.MonkeyPatch):
    built = _built_marts(published)
    app = _app(published, monkeypatch).run()
    app.switch_page("growth.py").run()

    assert not app.exception
    assert [title.value for title in app.title] == ["Growth"]
    assert [header.value for header in app.subheader] == [
        "Upgrade funnel",
        "Behaviour segments (trailing 90 days)",
    ]
    assert len(app.get("vega_lite_chart")) == _expected_charts(GROWTH_CHARTS, built)
    notes = [note.value for note in app.info]
    for mart in GROWTH_CHARTS:
        is_noted = any(f"`marts.{mart}` is not built yet" in note for note in notes)
        assert is_noted == (mart not in built), mart


def test_without_a_published_copy_the_page_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    app = _app(tmp_path / "published" / "usage_billing.duckdb", monkeypatch).run()

    assert not app.exception
    assert "No published warehouse" in app.error[0].value
    assert not app.get("vega_lite_chart")


def test_the_mrr_waterfall_steps_add_up():
    movements = pd.DataFrame(
        {"movement_type": ["new", "expansion", "contraction", "churn"], "amount": [20, 5, -3, -10]}
    )
    steps = dashboard_charts.waterfall_steps(100, movements, 112)
    # opening 100, +20 new, +0 reactivation, +5 expansion, -3 contraction, -10 churn = 112
    assert list(steps["step"]) == [
        "opening MRR",
        "new",
        "reactivation",
        "expansion",
        "contraction",
        "churn",
        "closing MRR",
    ]
    assert list(steps["start"]) == [0, 100, 120, 120, 125, 122, 0]
    assert list(steps["end"]) == [100, 120, 120, 125, 122, 112, 112]


# --- the real server in headless Chromium -------------------------------------------------


@pytest.fixture
def dashboard_server(published: Path, tmp_path: Path) -> Iterator[str]:
    with serve(
        lambda port: [
            str(Path(sys.executable).parent / "streamlit"),
            "run",
            str(DASHBOARD / "app.py"),
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
            "--client.toolbarMode=viewer",
            "--",
            "--published",
            str(published),
        ],
        health="/_stcore/health",
        marker="ok",
        log_path=tmp_path / "streamlit.log",
        stop=_terminate,
        what="streamlit",
        env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"},
    ) as url:
        yield url


def _terminate(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def test_the_dashboard_renders_in_headless_chromium(
    dashboard_server: str, published: Path, tmp_path: Path
):
    from playwright.sync_api import sync_playwright

    expected = _expected_charts(FINANCE_CHARTS, _built_marts(published))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=CHROMIUM_ARGS
        )
        try:
            # tall enough for the whole page: Streamlit scrolls inside its own container
            page = browser.new_page(viewport={"width": 1400, "height": 5200})
            page.goto(dashboard_server, wait_until="domcontentloaded")
            page.get_by_role("heading", name="Invoices by status").wait_for(timeout=90_000)
            charts = page.locator('[data-testid="stVegaLiteChart"]')
            page.wait_for_function(
                "n => document.querySelectorAll("
                '\'[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg\''
                ").length >= n",
                arg=expected,
                timeout=90_000,
            )
            assert charts.count() == expected
            assert page.locator('[data-testid="stException"]').count() == 0
            for section in FINANCE_SECTIONS:
                assert page.get_by_role("heading", name=section).count() == 1, section
            page.screenshot(path=str(tmp_path / "finance.png"), full_page=True)

            page.get_by_role("link", name="Growth").click()
            page.get_by_role("heading", name="Upgrade funnel").wait_for(timeout=60_000)
            assert page.locator('[data-testid="stException"]').count() == 0
            page.screenshot(path=str(tmp_path / "growth.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "finance.png").stat().st_size > 10_000
