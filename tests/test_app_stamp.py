"""The app's cache key looks only at the files a scenario names: a file added elsewhere in its
folder reloads nothing; a named evidence file changed, or one added to a named folder, reloads."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from app_pages import ui

DEMO = Path(__file__).resolve().parent.parent / "scenarios"


def _later(path: Path) -> None:
    """Push a file's mtime a second on, so the change does not hide inside one clock tick."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_stamp_follows_named_inputs_only(tmp_path):
    shutil.copy(DEMO / "demo.yaml", tmp_path / "demo.yaml")
    shutil.copytree(DEMO / "demo-evidence", tmp_path / "demo-evidence")
    path = str(tmp_path / "demo.yaml")
    first = ui._stamp(path)
    loaded = ui._load(path, first).scenario
    assert str(tmp_path / "demo-evidence") in loaded.named_paths
    assert str(tmp_path / "demo-evidence" / "events.json") in loaded.watched_paths

    (tmp_path / "unrelated.json").write_text("{}")
    (tmp_path / "notes").mkdir()
    assert ui._stamp(path) == first

    events = tmp_path / "demo-evidence" / "events.json"
    events.write_text(events.read_text())
    _later(events)
    second = ui._stamp(path)
    assert second != first and second[0] == first[0]
    assert ui._stamp(path) == second

    shutil.copy(events, tmp_path / "demo-evidence" / "more-events.json")
    _later(tmp_path / "demo-evidence")
    third = ui._stamp(path)
    assert third != second
    assert str(tmp_path / "demo-evidence" / "more-events.json") in ui._load(path, third).scenario.watched_paths

    scenario = tmp_path / "demo.yaml"
    scenario.write_text(scenario.read_text() + "\n")
    assert ui._stamp(path)[0] != third[0]
