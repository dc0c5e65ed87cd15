"""Exported plans: content, numbers that add up, escaping, and no credentials."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from riskmodel.cli.main import main
from riskmodel.model.evidence import Evidence
from riskmodel.report.analysis import analyse
from riskmodel.report.document import build_plan_document, document_for_session, sanitise
from riskmodel.report.export import to_csv, to_html, to_json, to_markdown
from riskmodel.review.edits import Edit
from riskmodel.review.store import ReviewStore
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
HOSTILE = "<script>alert('x')</script> & co"


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEMO)


@pytest.fixture
def session(tmp_path, loaded):
    store = ReviewStore(tmp_path / "reviews.sqlite3")
    created = store.create_session("Q4 review", loaded, "alice")
    old = loaded.catalog.failure_mode("zone-outage").frequency_per_year
    store.record_edit(created.id, Edit("failure_mode", "zone-outage", "frequency_per_year", old,
                                       {"low": 0.1, "high": 0.6}, "alice", "two AZ events in 2 years",
                                       datetime(2026, 11, 20, tzinfo=UTC)))
    ranked = [r.id for r in analyse(loaded).planner.rank()]
    store.decide_measure(created.id, ranked[0], "approve", "platform-team", "2027-01-15", HOSTILE, "alice")
    store.decide_measure(created.id, ranked[1], "approve", "sre", None, "", "alice")
    store.decide_measure(created.id, ranked[2], "defer", "sre", None, "after the freeze", "alice")
    store.decide_risk(created.id, "region-outage", "accept", "cto", None, "out of budget", "alice")
    return store, created, ranked


def test_session_plan_holds_decisions_numbers_and_assumptions(loaded, session):
    store, created, ranked = session
    document, analysis = document_for_session(loaded, store, created.id)
    assert sorted(m.id for m in document.measures) == sorted(ranked[:2])
    assert {m.status for m in document.measures} == {"approve"} and not document.proposed
    # The plan's EAL is the engine's EAL with both measures; marginal savings add up to it.
    expected_after = analysis.planner.evaluate(ranked[:2]).eal_per_year
    assert document.eal_after == pytest.approx(expected_after)
    assert sum(m.marginal_eal_reduction for m in document.measures) == pytest.approx(
        document.eal_before - document.eal_after)
    assert [d.id for d in document.declined] == [ranked[2]]
    (assumption,) = document.assumptions
    assert assumption.old_value == loaded.catalog.failure_mode("zone-outage").frequency_per_year.model_dump()
    assert document.provenance["input_sha256"]["scenarios/demo.yaml"] == loaded.input_hashes[str(DEMO)]
    assert document.provenance["catalog_versions"] == loaded.catalog.versions


def test_markdown_reads_like_a_plan(loaded, session):
    store, created, ranked = session
    text = to_markdown(document_for_session(loaded, store, created.id)[0])
    assert text.startswith("# Mitigation plan · demo")
    for heading in ("## Measures", "## Error budgets before and after", "## Risk decisions", "## Assumptions",
                    "## Provenance"):
        assert heading in text
    assert "| platform-team | 2027-01-15 |" in text and "approved" in text
    assert "two AZ events in 2 years" in text and "0.1–0.6 (90% interval)" in text
    assert f"{ranked[2]} (deferred: after the freeze)" in text


def test_html_escapes_user_strings_and_is_self_contained(loaded, session):
    store, created, _ = session
    document, analysis = document_for_session(loaded, store, created.id)
    page = to_html(document, analysis.planner.frontier())
    assert HOSTILE not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert not re.search(r"<script[^>]*\bsrc=", page) and not re.search(r"<link[^>]*\bhref=\"?http", page)
    assert page.count("Plotly.newPlot") == 2  # error budgets and frontier


def test_csv_and_json_carry_the_same_plan(loaded, session):
    store, created, _ = session
    document, _ = document_for_session(loaded, store, created.id)
    rows = list(csv.DictReader(io.StringIO(to_csv(document))))
    measures = [r for r in rows if r["section"] == "measure"]
    assert [r["id"] for r in measures] == [m.id for m in document.measures]
    assert measures[0]["owner"] == "platform-team" and measures[0]["due_date"] == "2027-01-15"
    assert {r["section"] for r in rows} == {"summary", "measure", "service", "assumption", "provenance"}
    data = json.loads(to_json(document))
    assert data["eal_after"] == pytest.approx(document.eal_after) and data["proposed"] is False
    assert [m["id"] for m in data["measures"]] == [m.id for m in document.measures]


def test_without_decisions_the_budget_plan_is_proposed(loaded):
    analysis = analyse(loaded)
    document = build_plan_document(analysis, budget=30_000)
    assert document.proposed
    assert sorted(m.id for m in document.measures) == sorted(analysis.planner.plan(30_000).selected)


def test_no_credentials_in_exports(loaded):
    secret = "https://admin:s3cr3t-token@prometheus.internal:9090"
    evidence = dataclasses.replace(loaded.evidence, sources=(*loaded.evidence.sources, f"prometheus:{secret}"))
    document = build_plan_document(analyse(dataclasses.replace(loaded, evidence=evidence)), budget=10_000)
    for render in (to_markdown, to_json, to_csv, lambda d: to_html(d)):
        text = render(document)
        assert "s3cr3t-token" not in text and "admin:" not in text
        assert "prometheus:https://prometheus.internal:9090" in text
    assert sanitise("kube:ctx") == "kube:ctx"
    assert str(Path.home()) not in to_json(document) or str(Path.home()) == "/"
    assert isinstance(Evidence().sources, tuple)


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json"])
def test_cli_export_writes_each_format(tmp_path, fmt, capsys):
    output = tmp_path / f"plan.{fmt}"
    assert main(["export", str(DEMO), "--format", fmt, "--output", str(output), "--budget", "20000"]) == 0
    assert output.stat().st_size > 500 and "wrote" in capsys.readouterr().out
