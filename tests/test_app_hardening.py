"""The app against hostile input (AppTest): untrusted strings shown as text, never Markdown;
an uploaded scenario that points at the server's files refused; the current scenario kept."""

from __future__ import annotations

import contextlib
import json
import resource
import shutil
import signal
from datetime import date, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import review_db, upload_script  # noqa: F401 - the fixture and the upload script

from riskmodel.report.analysis import analyse
from riskmodel.review.edits import Edit, current_value
from riskmodel.review.ledger import Ceiling, RiskMeter
from riskmodel.review.ledger_check import accept_with_ceiling
from riskmodel.review.store import ReviewStore
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
BEACON = "![x](http://127.0.0.1:9/beacon.png) **bold** <b>tag</b>"


def test_review_page_shows_session_and_reviewer_names_as_text(review_db):  # noqa: F811
    session = ReviewStore(review_db).create_session(f"Q4 {BEACON}", load_scenario(DEMO), f"eve {BEACON}")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["session_id"] = session.id
    app.run()
    app.switch_page(str(ROOT / "app_pages" / "review.py")).run()
    assert not app.exception, app.exception
    header = next(m.value for m in app.markdown if "opened" in m.value and "Q4" in m.value)
    assert "![x](" not in header and "**bold**" not in header and "<b>" not in header
    assert "\\!\\[x\\]\\(http://127\\.0\\.0\\.1:9/beacon\\.png\\)" in header
    assert header.count("\\*\\*bold\\*\\*") == 2  # the session's name and its reviewer's


@pytest.mark.parametrize(("line", "field"), [
    ("evidence: [/root]", "evidence[0]"),
    ("evidence: [../../../../../../etc]", "evidence[0]"),
    ("catalogs: [/etc/passwd]", "catalogs[0]"),
    ("catalog_overlays: [/root/overlay.yaml]", "catalog_overlays[0]"),
])
def test_uploaded_scenario_may_not_point_at_server_files(review_db, line, field):  # noqa: F811
    text = DEMO.read_text().replace("evidence: [demo-evidence]", line)
    assert line in text
    app = AppTest.from_function(upload_script, args=("mine.yaml", text.encode()), default_timeout=60)
    app.run()
    message = app.error[0].value
    assert message.startswith("mine.yaml:") and f"{field}: " in message and "points outside" in message
    assert "riskmodel-upload-" not in message and app.text[0].value == "unchanged=True"


def test_uploaded_scenario_may_use_the_shipped_scenarios_folder(review_db):  # noqa: F811
    text = DEMO.read_text().replace("evidence: [demo-evidence]", f"evidence: [{ROOT / 'scenarios' / 'demo-evidence'}]")
    app = AppTest.from_function(upload_script, args=("mine.yaml", text.encode()), default_timeout=60)
    app.run()
    assert app.error[0].value == "accepted" and app.text[0].value == "unchanged=False"


def test_scenario_error_with_a_code_fence_in_a_key_stays_inside_the_message(review_db, tmp_path, monkeypatch):  # noqa: F811
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO.read_text().replace("evidence: [demo-evidence]", '"x\\n```\\n![b](http://127.0.0.1:9/b)": 1'))
    monkeypatch.setenv("RISKMODEL_SCENARIO", str(bad))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    message = app.error[0].value
    assert "```" not in message and "![b](" not in message and "\\!\\[b\\]" in message


@contextlib.contextmanager
def file_size_limit(limit: int):
    """A real I/O fault: RLIMIT_FSIZE makes every write past ``limit`` bytes fail with EFBIG, as
    a full disk makes it fail with ENOSPC (SIGXFSZ ignored, so the write only fails)."""
    previous_signal = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    previous = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous)
        signal.signal(signal.SIGXFSZ, previous_signal)


def test_a_failing_disk_shows_a_notice_and_keeps_the_last_recorded_plan(review_db):  # noqa: F811
    session = ReviewStore(review_db).create_session("q4", load_scenario(DEMO), "alice")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["session_id"] = session.id
    app.run()
    app.switch_page(str(ROOT / "app_pages" / "measures.py")).run()
    app.select_slider(key="plan_budget").set_value(30_000).run()
    assert ReviewStore(review_db).plan(session.id).budget_per_year == 30_000
    wal = review_db.with_name(review_db.name + "-wal")
    with file_size_limit(max(wal.stat().st_size if wal.exists() else 0, 1)):
        app.select_slider(key="plan_budget").set_value(0).run()
    assert not app.exception, app.exception
    notice = next(e.value for e in app.error if "could not record your last change" in e.value)
    assert "reviews\\.sqlite3: cannot" in notice and "nothing of this change was written" in notice
    assert app.select_slider(key="plan_budget").value == 30_000  # the page shows what is recorded
    assert ReviewStore(review_db).plan(session.id).budget_per_year == 30_000
    app.run()
    assert not [e for e in app.error if "could not record" in e.value]  # shown once


def test_overview_shows_a_node_condition_reason_as_text(review_db, tmp_path, monkeypatch):  # noqa: F811
    """A reason from the cluster (``status.conditions[].reason``) with an image beacon in it."""
    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    nodes = folder / "demo-evidence" / "nodes.json"
    text = nodes.read_text()
    assert '"reason": "KernelHasNoDeadlock"' in text or '"KernelDeadlock"' in text
    data = json.loads(text)
    for node in data["items"]:  # on nodes the scenario does not have: the Overview's warning, not its table
        node["metadata"]["name"] = "ghost-" + node["metadata"]["name"]
        for condition in node["status"]["conditions"]:
            if condition["type"] == "KernelDeadlock" and condition["status"] == "True":
                condition["reason"] = "![b](http://127.0.0.1:9/b.png)"
    nodes.write_text(json.dumps(data))
    monkeypatch.setenv("RISKMODEL_SCENARIO", str(folder / "demo.yaml"))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    shown = [e.value for kind in ("markdown", "warning", "info", "error", "caption") for e in getattr(app, kind)]
    warning = next(value for value in shown if value.startswith("Active node problems"))
    assert "\\!\\[b\\]" in warning and not [value for value in shown if "![b](" in value]


def test_reopenings_that_cannot_be_recorded_are_shown_with_a_notice(review_db):  # noqa: F811
    mode = "node-readonly-filesystem"
    loaded = load_scenario(DEMO)
    store = ReviewStore(review_db)
    session = store.create_session("q4", loaded, "alice")
    model = analyse(loaded).model
    eal = RiskMeter(model).measure(mode, None, "eal_per_year").value
    accept_with_ceiling(store, session.id, model, mode, "storage-team", "scripted remount", date.today() + timedelta(
        days=30), Ceiling("eal_per_year", 1.5 * eal), "alice")
    old = current_value(loaded.catalog, loaded.scenario, "failure_mode", mode, "frequency_per_year")
    store.record_edit(session.id, Edit("failure_mode", mode, "frequency_per_year", old, 5.0, "bob", "five this year"))
    wal = review_db.with_name(review_db.name + "-wal")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["session_id"] = session.id
    with file_size_limit(max(wal.stat().st_size if wal.exists() else 0, 1)):
        app.run()
    assert not app.exception, app.exception
    assert any("could not record the reopened acceptances" in w.value for w in app.warning)
    assert any(e.value.startswith("Reopened acceptances (1)") for e in app.error)  # shown all the same
    assert ReviewStore(review_db).ledger_records(loaded.scenario.name)[1] == []  # and nothing half-written
