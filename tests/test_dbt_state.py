"""dbt partial parsing reused across warehouses, and target/ kept to a bounded size."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from orchestration.lib import dbt_state
from orchestration.lib.dbt_project import dbt_executable, ensure_manifest
from orchestration.lib.settings import DBT_PROJECT_DIR


def _parse_events(target: Path, env: dict[str, str]) -> dict[str, list[dict]]:
    """`dbt parse` into `target`; dbt's structured log events by code."""
    subprocess.run(
        [dbt_executable(), "parse", "--profiles-dir", str(DBT_PROJECT_DIR)]
        + ["--target-path", str(target), "--log-path", str(target), "--log-format-file", "json"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DO_NOT_TRACK": "1", **env},
        check=True,
        capture_output=True,
    )
    events: dict[str, list[dict]] = {}
    for line in (target / "dbt.log").read_text().splitlines():
        event = json.loads(line)
        events.setdefault(event["info"]["code"], []).append(event)
    return events


def test_another_warehouse_parses_partially_whatever_the_run_settings(tmp_path):
    ensure_manifest()
    warehouse = tmp_path / "elsewhere" / "usage_billing.duckdb"
    target = tmp_path / "target"
    assert dbt_state.seed_partial_parse(target, warehouse)
    # a run's clock, partition window and PII key are read at run time only: none of
    # them may make dbt re-parse a file (I040: partial parsing, with the counts)
    env = {
        "USAGE_BILLING_WAREHOUSE": str(warehouse),
        "USAGE_BILLING_AS_OF": "2026-03-04T05:06:07Z",
        "USAGE_BILLING_WINDOW_START": "2026-03-01T00:00:00Z",
        "USAGE_BILLING_WINDOW_END": "2026-03-02T00:00:00Z",
        "USAGE_BILLING_PII_KEY": "another-key",
        "USAGE_BILLING_DUCKDB_THREADS": "1",
    }
    events = _parse_events(target, env)
    assert "I038" not in events, [e["info"]["msg"] for e in events["I038"]]  # full parse
    [partial] = events["I040"]
    assert partial["data"] == {"added": 0, "changed": 0, "deleted": 0}


def test_without_the_seed_dbt_parses_in_full(tmp_path):
    """The control: the path alone forces a full parse, which the seed avoids."""
    ensure_manifest()
    target = tmp_path / "target"
    target.mkdir()
    (target / "partial_parse.msgpack").write_bytes(dbt_state.PARTIAL_PARSE_SNAPSHOT.read_bytes())
    warehouse = tmp_path / "elsewhere" / "usage_billing.duckdb"
    events = _parse_events(target, {"USAGE_BILLING_WAREHOUSE": str(warehouse)})
    assert "I040" not in events
    assert "profile has changed" in json.dumps(events)


def test_a_warehouse_of_another_name_is_not_seeded(tmp_path):
    """Its dbt database (the file name) differs, and the manifest's nodes carry it."""
    ensure_manifest()
    target = tmp_path / "target"
    assert not dbt_state.seed_partial_parse(target, tmp_path / "other_name.duckdb")
    assert not (target / "partial_parse.msgpack").exists()


def test_only_the_newest_invocation_folders_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt_state, "TARGET_PATH", tmp_path)
    for index in range(5):
        folder = tmp_path / f"dbt_models-abcdef{index}-0123456"
        folder.mkdir()
        os.utime(folder, (1_000 + index, 1_000 + index))
    (tmp_path / "compiled").mkdir()
    (tmp_path / "manifest.json").write_text("{}")
    dbt_state.prune_invocations(keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "compiled",
        "dbt_models-abcdef3-0123456",
        "dbt_models-abcdef4-0123456",
        "manifest.json",
    ]
