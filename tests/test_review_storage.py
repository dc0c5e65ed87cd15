"""Storage faults of the review store, on real SQLite files: someone else's database, a full
disk, a read-only file system, damaged pages, bad JSON in a row. Each gives one clear
ReviewStoreError (and exit 2 with the message from the CLI), and what was recorded before stays.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from riskmodel.cli.main import main
from riskmodel.review.edits import Edit
from riskmodel.review.storage import APPLICATION_ID
from riskmodel.review.store import ReviewStore, ReviewStoreError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEMO = PROJECT_ROOT / "scenarios" / "demo.yaml"


def inputs() -> SimpleNamespace:
    return SimpleNamespace(path="s.yaml", scenario=SimpleNamespace(name="demo"), input_hashes={"s.yaml": "aa"})


def edit(value: float, why: str = "") -> Edit:
    return Edit("service", "shop", "slo", 0.999, value, who="alice", why=why)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_someone_elses_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE sessions (token TEXT, expires INTEGER)")  # a web app's own sessions table
    other.execute("INSERT INTO sessions VALUES ('abc', 1)")
    other.commit()
    other.close()
    before = digest(path)
    with pytest.raises(ReviewStoreError, match=r"app\.db: is not a riskmodel review database \(it holds sessions\); "
                                               r"refusing to write into it"):
        ReviewStore(path)
    assert digest(path) == before and not Path(f"{path}-wal").exists()


def test_another_applications_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("PRAGMA application_id = 1234")
    other.commit()
    other.close()
    with pytest.raises(ReviewStoreError, match=r"belongs to another application \(SQLite application_id 0x000004d2"):
        ReviewStore(path)


def test_new_and_older_riskmodel_databases_get_the_id(tmp_path: Path) -> None:
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        session = store.create_session("q3", inputs(), "alice")
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID == 0x52736B4D
    raw.execute("PRAGMA application_id = 0")  # as every database was before the id
    raw.commit()
    raw.close()
    with ReviewStore(path) as store:
        assert store.get_session(session.id).name == "q3"
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_full_database_refuses_the_write_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "reviews.sqlite3"
    store = ReviewStore(path)
    session = store.create_session("q3", inputs(), "alice")
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # a disk with room for two more pages
    recorded = 0
    with pytest.raises(ReviewStoreError, match=r"reviews\.sqlite3: cannot record the change: the disk \(or the "
                                               r"database's size limit\) is full.*nothing of this change was written"):
        for index in range(10_000):
            store.record_edit(session.id, edit(0.99, why="x" * 500 + str(index)))
            recorded += 1
    assert recorded > 0
    assert [e.why[-4:] for e in store.edits(session.id)][-1].endswith(str(recorded - 1))  # reads still work
    store.close()
    with ReviewStore(path) as again:
        assert len(again.edits(session.id)) == recorded  # nothing half-written, nothing lost


def _damaged_store(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        session = store.create_session("q3", inputs(), "alice")
        for index in range(300):
            store.record_edit(session.id, edit(0.99, why=f"reason {index} " * 20))
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) > 8 * page
    for offset in range(2 * page, len(data), page):  # every page after the schema page
        data[offset:offset + 64] = os.urandom(64)
    path.write_bytes(bytes(data))
    return path, session.id


def test_damaged_pages_are_a_clear_error(tmp_path: Path) -> None:
    path, session_id = _damaged_store(tmp_path)
    with pytest.raises(ReviewStoreError, match=r"reviews\.sqlite3: cannot (open|read).*damaged"), \
            ReviewStore(path) as store:
        store.edits(session_id)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("sessions.input_hashes", "{not json", r"table sessions \(id '[0-9a-f]{32}'\): field input_hashes: Expecting"),
    ("sessions.input_hashes", "[1, 2]", r"field input_hashes: expected JSON dict, got list"),
    ("sessions.created_at", "yesterday", r"field created_at: Invalid isoformat string"),
    ("edits.new_value", "{\"low\": 1}", r"table edits \(seq 1\): field new_value: expected a number, an interval"),
    ("edits.at", "2026-01-01T00:00:00", r"table edits \(seq 1\): field at: expected an ISO-8601 UTC time"),
    ("decisions.due_date", "soon", r"table decisions \(item_id 'hw'\): field due_date: Invalid isoformat"),
])
def test_bad_values_in_a_row_name_the_row_and_field(tmp_path: Path, column: str, value: str, message: str) -> None:
    path = tmp_path / "reviews.sqlite3"
    with ReviewStore(path) as store:
        session = store.create_session("q3", inputs(), "alice")
        store.record_edit(session.id, edit(0.99))
        store.decide_measure(session.id, "hw", "approve", "bob", "2026-09-30", "", "alice")
    table, field = column.split(".")
    with sqlite3.connect(path) as raw:
        raw.execute(f"UPDATE {table} SET {field} = ?", (value,))
    with ReviewStore(path) as store, pytest.raises(ReviewStoreError, match=message):
        store.get_session(session.id)
        store.edits(session.id)
        store.decision_history(session.id)


def test_cli_export_prints_storage_faults_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, session_id = _damaged_store(tmp_path)
    out = tmp_path / "plan.md"
    assert main(["export", str(DEMO), "--format", "md", "--output", str(out), "--session", session_id,
                 "--db", str(path)]) == 2
    error = capsys.readouterr().err
    assert "reviews.sqlite3" in error and "damaged" in error and "Traceback" not in error and not out.exists()


CHILD = textwrap.dedent("""
    import subprocess, sys
    from types import SimpleNamespace
    from riskmodel.errors import RiskModelError
    from riskmodel.review.edits import Edit
    from riskmodel.review.store import ReviewStore
    folder = sys.argv[1]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", folder], check=True)
    store = ReviewStore(folder + "/reviews.sqlite3")
    session = store.create_session("q3", SimpleNamespace(path="s", scenario=SimpleNamespace(name="d"),
                                                         input_hashes={}), "alice")
    written = 0
    try:
        for index in range(100000):
            store.record_edit(session.id, Edit("service", "shop", "slo", 0.999, 0.99, who="a", why="x" * 900))
            written += 1
    except RiskModelError as error:
        print("FULL", written, error)
    store.close()
    subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
    with ReviewStore(folder + "/reviews.sqlite3") as store:
        print("READ", len(store.edits(session.id)))
        try:
            store.record_edit(session.id, Edit("service", "shop", "slo", 0.999, 0.9, who="a"))
        except RiskModelError as error:
            print("READONLY", error)
""")


def test_real_full_disk_and_read_only_file_system(tmp_path: Path) -> None:
    """A 256 KiB tmpfs in a private mount namespace: a real ENOSPC, then a real read-only remount."""
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None or subprocess.run([unshare, "--mount", "true"]).returncode != 0:
        pytest.skip("needs root and unshare(1) to mount a small tmpfs in a private mount namespace")
    folder = tmp_path / "disk"
    folder.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    run = subprocess.run([unshare, "--mount", "--propagation", "private", sys.executable, "-c", CHILD, str(folder)],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines())
    written = int(lines["FULL"].split()[0])
    assert written > 0 and "the disk (or the database's size limit) is full" in lines["FULL"]
    assert int(lines["READ"]) == written  # everything acknowledged before the disk filled is there
    assert "the database is read-only" in lines["READONLY"] and "nothing of this change was written" in lines["READONLY"]
    assert "Traceback" not in run.stderr
