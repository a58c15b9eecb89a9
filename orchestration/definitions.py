"""The Dagster code location `orchestration`: a thin entry point.

Everything under `orchestration/defs/` (one folder per concern: ingestion, transform,
jobs, resources, ...) is collected by `load_from_defs_folder`, so adding an asset,
check, schedule or sensor never means editing this file.
"""

import functools
from pathlib import Path

import dagster as dg


@functools.cache
def load() -> dg.Definitions:
    """The code location's definitions, built once per process."""
    return dg.load_from_defs_folder(path_within_project=Path(__file__).parent)


@dg.definitions
def defs() -> dg.Definitions:
    return load()
