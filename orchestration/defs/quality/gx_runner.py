"""Run Great Expectations suites on DataFrames, record the results, build the data docs.

A file context lives next to the warehouse (`<warehouse folder>/gx/`); its data docs
site is `<warehouse folder>/data_docs/` (open `index.html` in a browser), so a test's
temporary warehouse writes its own. The docs show the latest few validations of each
suite; the full history is the warehouse table `quality.gx_validation_results`.

Great Expectations is imported only when a check runs: importing it takes seconds,
and every process that loads the Dagster definitions would pay for it.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

# Nothing may phone home: GX reads this before any context sends an analytics event
# (the context variable set in _context() only applies once a context exists).
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

    from expectations.validation import Validation

DATASOURCE = "warehouse"
DOCS_SITE = "warehouse_data_docs"
KEEP_RESULTS_PER_SUITE = 5
RESULTS_TABLE = "quality.gx_validation_results"
EXAMPLES = 5

RESULTS_DDL = f"""
create schema if not exists quality;
create table if not exists {RESULTS_TABLE} (
    run_id varchar,
    check_name varchar,
    asset_key varchar,
    suite_name varchar,
    expectation_type varchar,
    expectation_kwargs varchar,
    success boolean,
    observed_value varchar,
    element_count bigint,
    unexpected_count bigint,
    run_time timestamp,
    as_of timestamp
)
"""


@dataclass(frozen=True)
class ExpectationOutcome:
    suite_name: str
    expectation_type: str
    expectation_kwargs: str
    success: bool
    observed_value: str
    element_count: int | None
    unexpected_count: int | None


@dataclass(frozen=True)
class SuiteOutcome:
    suite_name: str
    description: str
    success: bool
    row_count: int
    expectations: list[ExpectationOutcome]

    def failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.expectations if not outcome.success]


def gx_root(warehouse: Path) -> Path:
    """The folder holding the warehouse file: `gx/` and `data_docs/` go in it."""
    return warehouse.parent


def data_docs_folder(warehouse: Path) -> Path:
    return gx_root(warehouse) / "data_docs"


def _context(warehouse: Path) -> FileDataContext:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root = gx_root(warehouse)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(data_docs_folder(warehouse)),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    if context.variables.data_docs_sites != {DOCS_SITE: site}:
        context.variables.data_docs_sites = {DOCS_SITE: site}
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.analytics_enabled = False
        context.variables.save()
        context = gx.get_context(mode="file", project_root_dir=str(root))
    return context


def _text(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)


def _outcome(suite_name: str, result: Any) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
    observed = details.get("observed_value")
    if observed is None and "unexpected_count" in details:
        examples = details.get("partial_unexpected_list") or []
        observed = {
            "unexpected": details.get("unexpected_count"),
            "of": details.get("element_count"),
            "examples": examples[:EXAMPLES],
        }
    return ExpectationOutcome(
        suite_name=suite_name,
        expectation_type=config.type,
        expectation_kwargs=_text(kwargs),
        success=bool(result.success),
        observed_value=_text(observed),
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
    )


def _validate(context: FileDataContext, validation: Validation, run_name: str) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    datasource = context.data_sources.add_or_update_pandas(DATASOURCE)
    asset_name = validation.suite_name
    names = [asset.name for asset in datasource.assets]
    asset = (
        datasource.get_asset(asset_name)
        if asset_name in names
        else datasource.add_dataframe_asset(asset_name)
    )
    batches = [batch.name for batch in asset.batch_definitions]
    batch = (
        asset.get_batch_definition("whole")
        if "whole" in batches
        else asset.add_batch_definition_whole_dataframe("whole")
    )
    # copies: an Expectation object belongs to the first suite it is added to
    expectations = [copy.copy(expectation) for expectation in validation.expectations]
    suite = gx.ExpectationSuite(name=validation.suite_name, expectations=expectations)
    suite.notes = validation.description
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=validation.suite_name, data=batch, suite=suite)
    )
    result = definition.run(
        batch_parameters={"dataframe": validation.dataframe},
        result_format="SUMMARY",
        run_id=RunIdentifier(run_name=run_name, run_time=datetime.now(UTC)),
    )
    outcomes = [_outcome(validation.suite_name, item) for item in result.results]
    return SuiteOutcome(
        suite_name=validation.suite_name,
        description=validation.description,
        success=bool(result.success) and all(outcome.success for outcome in outcomes),
        row_count=len(validation.dataframe),
        expectations=outcomes,
    )


def _prune_results(context: FileDataContext) -> None:
    """Keep the latest KEEP_RESULTS_PER_SUITE validations of each suite for the docs."""
    store = context.validation_results_store
    by_suite: dict[str, list[Any]] = {}
    for key in store.list_keys():
        suite = key.expectation_suite_identifier.name
        by_suite.setdefault(suite, []).append(key)
    for keys in by_suite.values():
        keys.sort(key=lambda key: str(key.run_id.run_time))
        for old in keys[:-KEEP_RESULTS_PER_SUITE]:
            store.remove_key(old)


def build_data_docs(context: FileDataContext, warehouse: Path) -> Path:
    """Rebuild the static site from scratch (no pages left from pruned results)."""
    _prune_results(context)
    shutil.rmtree(data_docs_folder(warehouse), ignore_errors=True)
    context.build_data_docs(site_names=[DOCS_SITE])
    _strip_tracking_images(data_docs_folder(warehouse))
    return data_docs_folder(warehouse) / "index.html"


# GX's pages load their logos from GX's web-asset bucket, one with the data context id in
# the query string: opening the docs would report the context to a third party.
_TRACKING_IMAGE = re.compile(r"https://great-expectations-web-assets[^\"')\s]*")


def _strip_tracking_images(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        cleaned = _TRACKING_IMAGE.sub("", text)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")


def run_validations(
    validations: list[Validation], warehouse: Path, run_name: str, build_docs: bool = True
) -> list[SuiteOutcome]:
    """Validate every DataFrame with its suite; store the results in the GX context."""
    context = _context(warehouse)
    outcomes = [_validate(context, validation, run_name) for validation in validations]
    if build_docs:
        build_data_docs(context, warehouse)
    return outcomes


def write_results(
    con: duckdb.DuckDBPyConnection,
    outcomes: list[SuiteOutcome],
    *,
    run_id: str,
    check_name: str,
    asset_key: str,
    as_of: datetime,
) -> int:
    """Append one row per expectation result to quality.gx_validation_results (for BI)."""
    con.execute(RESULTS_DDL)
    run_time = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (
            run_id,
            check_name,
            asset_key,
            item.suite_name,
            item.expectation_type,
            item.expectation_kwargs,
            item.success,
            item.observed_value,
            item.element_count,
            item.unexpected_count,
            run_time,
            as_of,
        )
        for outcome in outcomes
        for item in outcome.expectations
    ]
    if rows:
        con.executemany(
            f"insert into {RESULTS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )
    return len(rows)


def failure_summary(outcomes: list[SuiteOutcome]) -> str:
    """One line per failed expectation: suite, expectation, arguments and what was seen."""
    lines = []
    for outcome in outcomes:
        for item in outcome.failures():
            lines.append(
                f"{item.suite_name}: {item.expectation_type} {item.expectation_kwargs} "
                f"failed, observed {item.observed_value}"
            )
    return "\n".join(lines)
