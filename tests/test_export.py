"""Exported plans: the plan in force, the same sections in every format, numbers that add up,
escaping, a real PDF, and no credentials."""

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
from riskmodel.report.export import FORMATS, render, sections, to_csv, to_html, to_json, to_markdown, to_pdf
from riskmodel.report.formatting import money_per_year
from riskmodel.report.plan_view import plan_in_force
from riskmodel.review.edits import Edit
from riskmodel.review.store import ReviewStore
from riskmodel.review.working_plan import WorkingPlan
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
HOSTILE = "<script>alert('x')</script> & co"
SECTION_TITLES = ("Plan", "Not in the plan", "Top risks", "Risk decisions", "Error budgets before and after",
                  "Assumptions", "Placeholders to review", "Provenance")


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(DEMO)


@pytest.fixture(scope="module")
def ranked(loaded):
    return [r.id for r in analyse(loaded).planner.rank()]


@pytest.fixture
def session(tmp_path, loaded, ranked):
    store = ReviewStore(tmp_path / "reviews.sqlite3")
    created = store.create_session("Q4 review", loaded, "alice")
    old = loaded.catalog.failure_mode("zone-outage").frequency_per_year
    store.record_edit(created.id, Edit("failure_mode", "zone-outage", "frequency_per_year", old,
                                       {"low": 0.1, "high": 0.6}, "alice", "two AZ events in 2 years",
                                       datetime(2026, 11, 20, tzinfo=UTC)))
    store.set_plan(created.id, WorkingPlan(40_000), "alice")
    store.decide_measure(created.id, ranked[0], "approve", "platform-team", "2027-01-15", HOSTILE, "alice")
    store.decide_measure(created.id, ranked[5], "approve", "sre", None, "", "alice")
    store.decide_measure(created.id, ranked[2], "defer", "sre", None, "after the freeze", "alice")
    store.decide_risk(created.id, "region-outage", "accept", "cto", None, "out of budget", "alice")
    return store, created


def test_session_plan_is_the_working_plan_with_decisions_numbers_and_assumptions(loaded, ranked, session):
    store, created = session
    document, analysis, view = document_for_session(loaded, store, created.id)
    expected = plan_in_force(analysis, WorkingPlan(40_000, (ranked[0], ranked[5]), (ranked[2],)))
    assert document.measure_ids == tuple(m.id for m in document.measures)
    assert sorted(document.measure_ids) == sorted(expected.selected) == sorted(view.selected)
    status = {m.id: m.status for m in document.measures}
    assert status[ranked[0]] == status[ranked[5]] == "approve" and not document.proposed
    assert {s for i, s in status.items() if i not in (ranked[0], ranked[5])} <= {"proposed"}
    assert ranked[2] not in status and [(d.id, d.status) for d in document.declined] == [(ranked[2], "defer")]
    # The plan's EAL is the engine's EAL with exactly these measures; marginal savings add up to it.
    assert document.eal_after == pytest.approx(analysis.planner.evaluate(view.selected).eal_per_year)
    assert sum(m.marginal_eal_reduction for m in document.measures) == pytest.approx(
        document.eal_before - document.eal_after)
    (assumption,) = document.assumptions
    assert assumption.old_value == loaded.catalog.failure_mode("zone-outage").frequency_per_year.model_dump()
    assert assumption.change == "0.08–0.5 /zone/yr → 0.1–0.6 /zone/yr"
    assert document.provenance["input_sha256"]["scenarios/demo.yaml"] == loaded.input_hashes[str(DEMO)]
    assert document.budget_per_year == 40_000 and "within a budget of $40,000/yr" in document.plan_summary


def test_every_format_carries_the_same_sections(loaded, session):
    store, created = session
    document, analysis, _ = document_for_session(loaded, store, created.id)
    frontier = analysis.planner.frontier()
    markdown, page = to_markdown(document), to_html(document, frontier)
    for title in SECTION_TITLES:
        assert f"## {title}\n" in markdown and f"<h2>{title}</h2>" in page
    rows = list(csv.DictReader(io.StringIO(to_csv(document))))
    assert {r["section"] for r in rows} == {"summary", "plan", "declined", "top_risks", "risk_decisions", "budgets",
                                            "assumptions", "provenance"}  # the demo has no placeholders
    assert [r["id"] for r in rows if r["section"] == "plan"] == list(document.measure_ids)
    first = next(r for r in rows if r["section"] == "plan")
    assert (first["owner"], first["due date"]) == ("platform-team", "2027-01-15")
    assert float(next(r for r in rows if r["section"] == "summary")["EAL with plan ($/yr)"]) == pytest.approx(
        document.eal_after, abs=0.01)
    data = json.loads(to_json(document))
    assert {"measures", "declined", "top_risks", "risk_decisions", "services", "assumptions", "placeholders",
            "provenance"} <= set(data)
    assert [m["id"] for m in data["measures"]] == list(document.measure_ids) and data["proposed"] is False
    summary = f"{money_per_year(document.eal_before)} → {money_per_year(document.eal_after)} with the plan"
    assert summary in markdown and summary in page
    assert "| platform-team | 2027-01-15 |" in markdown and "two AZ events in 2 years" in markdown
    assert "region-outage" in markdown.split("## Risk decisions")[1].split("##")[0]


def test_placeholders_to_review_are_listed(loaded):
    services = tuple(s.model_copy(update={"review_placeholder": True}) if s.name == "checkout" else s
                     for s in loaded.scenario.services)
    scenario = loaded.scenario.model_copy(update={"services": services})
    analysis = analyse(dataclasses.replace(loaded, scenario=scenario))
    document = build_plan_document(analysis, plan_in_force(analysis, WorkingPlan(10_000)))
    (section,) = [s for s in sections(document) if s.key == "placeholders"]
    assert [row[0] for row in section.rows] == ["services.checkout.cost_per_hour", "services.checkout.slo"]
    assert [r["id"] for r in csv.DictReader(io.StringIO(to_csv(document))) if r["section"] == "placeholders"] == [
        "services.checkout.cost_per_hour", "services.checkout.slo"]


def test_html_escapes_user_strings_and_prints_static_charts(loaded, session):
    store, created = session
    document, analysis, _ = document_for_session(loaded, store, created.id)
    page = to_html(document, analysis.planner.frontier())
    assert HOSTILE not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in page
    assert not re.search(r"<script[^>]*\bsrc=", page) and not re.search(r"<link[^>]*\bhref=\"?http", page)
    assert page.count("Plotly.newPlot") == 2  # error budgets and frontier, on screen
    assert page.count("src='data:image/svg+xml;base64,") == 2  # the same two, for print
    assert "@media print{.screen-only{display:none}.print-only{display:block}" in page


def test_pdf_is_a_real_pdf_with_the_same_plan(loaded, session):
    from pypdf import PdfReader

    store, created = session
    document, analysis, _ = document_for_session(loaded, store, created.id)
    pdf = to_pdf(document, analysis.planner.frontier())
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"-\s*\n\s*", "-", "\n".join(page.extract_text() for page in reader.pages))
    for title in SECTION_TITLES:
        assert title in text
    assert f"{money_per_year(document.eal_after)} with the plan" in text.replace("\n", " ")
    plan = text.split("# Measure Title", 1)[1].split("Not in the plan")[0]
    assert all(measure_id in plan for measure_id in document.measure_ids)
    # The charts are drawn as vector graphics with their text kept: their titles and axes read back.
    for chart_text in ("Efficient frontier", "Error budget per service (minutes per year)", "residual EAL ($/yr)"):
        assert chart_text in text


def test_without_a_session_the_budget_plan_is_proposed(loaded):
    analysis = analyse(loaded)
    document = build_plan_document(analysis, plan_in_force(analysis, WorkingPlan(30_000)))
    assert document.proposed
    assert list(document.measure_ids) == sorted(analysis.planner.plan(30_000).selected,
                                                key=list(document.measure_ids).index)
    assert sorted(document.measure_ids) == sorted(analysis.planner.plan(30_000).selected)


def test_no_credentials_in_exports(loaded):
    secret = "https://admin:s3cr3t-token@prometheus.internal:9090"
    evidence = dataclasses.replace(loaded.evidence, sources=(*loaded.evidence.sources, f"prometheus:{secret}"))
    analysis = analyse(dataclasses.replace(loaded, evidence=evidence))
    document = build_plan_document(analysis, plan_in_force(analysis, WorkingPlan(10_000)))
    for render_text in (to_markdown, to_json, to_csv, lambda d: to_html(d)):
        text = render_text(document)
        assert "s3cr3t-token" not in text and "admin:" not in text
        assert "prometheus:https://prometheus.internal:9090" in text
    assert sanitise("kube:ctx") == "kube:ctx"
    assert str(Path.home()) not in to_json(document) or str(Path.home()) == "/"
    assert isinstance(Evidence().sources, tuple)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_cli_export_writes_each_format(tmp_path, fmt, capsys):
    output = tmp_path / f"plan.{fmt}"
    assert main(["export", str(DEMO), "--format", fmt, "--output", str(output), "--budget", "20000"]) == 0
    assert output.stat().st_size > 500 and "wrote" in capsys.readouterr().out


def test_cli_export_reads_the_session_from_the_review_db_variable(tmp_path, monkeypatch, loaded, session, capsys):
    store, created = session
    monkeypatch.setenv("RISKMODEL_REVIEW_DB", str(store.path))
    output = tmp_path / "plan.json"
    assert main(["export", str(DEMO), "--format", "json", "--output", str(output), "--session", created.id]) == 0
    data = json.loads(output.read_text(encoding="utf-8"))
    expected, _, _ = document_for_session(loaded, store, created.id)
    assert data["session"]["id"] == created.id and [m["id"] for m in data["measures"]] == list(expected.measure_ids)
    assert render(expected, "md").decode().startswith("# Mitigation plan · demo")
