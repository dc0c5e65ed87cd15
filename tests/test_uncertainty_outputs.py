"""The new outputs: ``rank --format json`` ``importance`` and ``sensitivity``, the faulttree
command's errors, the Markdown sections and the Importance & uncertainty page (AppTest),
all showing what the library computed."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from riskmodel.analytics.sensitivity import TOP_BARS
from riskmodel.analytics.uncertainty import tornado, uncertainty
from riskmodel.cli.main import main
from riskmodel.engine.importance import importance
from riskmodel.report.analysis import analyse, rank_report
from riskmodel.report.document import document_for_session, with_uncertainty
from riskmodel.report.escaping import markdown_text
from riskmodel.report.export import to_csv, to_html, to_json, to_markdown
from riskmodel.report.formatting import money
from riskmodel.report.uncertainty import tornado_chart
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
RANK_KEYS = ["scenario", "eal_per_year", "failure_modes", "nodes", "zones", "services", "flags", "blind_spot_nodes",
             "measures", "plan", "frontier", "current_problems", "findings", "placeholders", "measure_notes"]


@pytest.fixture(scope="module")
def demo():
    analysis = analyse(load_scenario(DEMO))
    return analysis, rank_report(analysis)


def _no_constants(name: str) -> None:
    raise AssertionError(f"non-standard JSON constant {name}")


def test_rank_json_adds_importance_and_sensitivity_after_the_existing_keys(demo, capsys) -> None:
    analysis, report = demo
    assert main(["rank", str(DEMO), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out, parse_constant=_no_constants)
    assert list(data) == [*RANK_KEYS, "importance", "sensitivity"]
    expected = importance(analysis.model)
    checkout = next(s for s in data["importance"]["services"] if s["service"] == "checkout")
    assert checkout["probability"] == pytest.approx(expected.service("checkout").probability, rel=1e-12)
    assert checkout["cut_sets"]["by_order"] == {"1": 16, "2": 11, "3": 0}
    assert checkout["cut_sets"]["listed"][0] == {"events": ["node:node-a3"], "probability": pytest.approx(
        expected.service("checkout").cut_sets.listed[0].probability, rel=1e-12)}
    bars = data["sensitivity"]["top"]
    assert len(bars) == TOP_BARS and [b["swing"] for b in bars] == sorted((b["swing"] for b in bars), reverse=True)
    first = tornado(analysis.planner, analysis.placeholders, report.plan.budget).top[0]
    assert (bars[0]["input"], bars[0]["eal_at_low"], bars[0]["eal_at_high"]) == (
        first.input, pytest.approx(first.eal_at_low), pytest.approx(first.eal_at_high))
    assert data["sensitivity"]["plan"] == sorted(report.plan.selected)


def test_faulttree_names_an_unknown_service_and_exits_2(tmp_path, capsys) -> None:
    assert main(["faulttree", str(DEMO), "--service", "no-such", "--output", str(tmp_path / "t.xml")]) == 2
    assert "no service 'no-such'; expected one of: kubernetes-api" in capsys.readouterr().err
    assert not (tmp_path / "t.xml").exists()
    assert main(["faulttree", str(DEMO), "--service", "checkout", "--output", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert str(tmp_path) in error and "cannot write" in error and "Traceback" not in error


def test_the_plan_export_says_what_to_measure_next_and_carries_the_tornado(demo, tmp_path, capsys) -> None:
    analysis, report = demo
    document, planned, view = document_for_session(analysis.loaded, None, None, analysis=analysis)
    assert document.uncertainty is None and "Not sampled for this export" in to_markdown(document)
    document = with_uncertainty(document, planned, view, draws=100)
    result = uncertainty(analysis.planner, analysis.placeholders, report.plan.budget, report.plan.selected, draws=100)
    top, bars = result.value_of_information.top, result.sensitivity.top
    assert [v.input for v in document.uncertainty.measure_next] == [v.input for v in top] and len(top) == 5
    markdown = to_markdown(document)
    block = markdown.split("## What to measure before the next review\n")[1].split("## ")[0]
    rows = [line.strip("| ").split(" | ") for line in block.splitlines()[3:] if line.startswith("| ")]
    # User strings are escaped in Markdown (report.escaping): compare with the escaped text.
    assert rows == [[markdown_text(v.label), markdown_text(v.input), money(v.evpi_per_year)] for v in top]
    tornado = markdown.split("## Which estimates move the answer\n")[1].split("## ")[0]
    assert sum(line.startswith("| ") for line in tornado.splitlines()) == 1 + TOP_BARS
    assert f"| {bars[0].label} | {bars[0].low:g} → {bars[0].high:g} {bars[0].unit} | {money(bars[0].eal_at_low)} |" in tornado
    rows = list(csv.DictReader(io.StringIO(to_csv(document))))
    assert [float(r["EVPI ($/yr)"]) for r in rows if r["section"] == "measure_next"] == [
        pytest.approx(v.evpi_per_year, abs=0.005) for v in top]
    assert [r["id"] for r in rows if r["section"] == "sensitivity"] == [b.input for b in bars]
    page = to_html(document)
    assert page.count("<img class='chart' alt='Tornado") == 1  # the static chart for print
    tornado_html = page.split("<h2>Which estimates move the answer</h2>")[1]
    assert "at the 95th percentile" in tornado_html and "plotly" in tornado_html  # and the interactive one
    assert json.loads(to_json(document))["uncertainty"]["measure_next"][0]["evpi_per_year"] == pytest.approx(
        top[0].evpi_per_year)
    figure = tornado_chart(bars, result.sensitivity.eal_per_year)
    assert list(figure.data[0].y)[-1] == bars[0].label
    assert math.isclose(figure.data[1].x[-1] + figure.data[1].base, bars[0].eal_at_high)
    output = tmp_path / "plan.md"
    assert main(["export", str(DEMO), "--format", "md", "--output", str(output), "--draws", "100"]) == 0
    assert block in output.read_text(encoding="utf-8") and "wrote" in capsys.readouterr().out


def test_the_importance_and_uncertainty_page_shows_library_numbers(tmp_path, monkeypatch, demo) -> None:
    analysis, report = demo
    monkeypatch.setenv("RISKMODEL_REVIEW_DB", str(tmp_path / "reviews.sqlite3"))
    monkeypatch.setenv("RISKMODEL_SCENARIO", str(DEMO))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    app.switch_page(str(ROOT / "app_pages" / "uncertainty.py")).run()
    assert not app.exception, app.exception
    app.selectbox(key="importance_service").set_value("checkout").run()
    assert not app.exception
    checkout = importance(analysis.model).service("checkout")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Expected minutes down / yr"] == f"{checkout.expected_down_minutes_per_year:,.1f}"
    assert metrics["Cut sets of order 1 · 2 · 3"] == "16 · 11 · 0"
    cuts = app.dataframe[0].value
    assert cuts.iloc[0]["units out together"] == "node:node-a3"
    result = uncertainty(analysis.planner, analysis.placeholders, report.plan.budget, report.plan.selected, draws=500)
    assert metrics["Knowing every input exactly is worth up to"] == f"{money(result.value_of_information.evpi_per_year)}/yr"
    assert metrics["P(plan loses money)"] == f"{result.stability.net_benefit.p_negative:.0%}"
    measures = app.dataframe[4].value
    first = result.stability.measures[0]
    assert (measures.iloc[0]["measure"], measures.iloc[0]["P(in plan)"]) == (first.measure_id, first.p_in_plan)
    app.switch_page(str(ROOT / "app_pages" / "overview.py")).run()
    assert not app.exception, app.exception
    shown = [m.value for m in app.markdown if "for this decision" in m.value]
    assert len(shown) == 5 and all(money(v.evpi_per_year) in line
                                   for v, line in zip(result.value_of_information.top, shown, strict=True))


def test_the_overview_samples_on_request(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RISKMODEL_REVIEW_DB", str(tmp_path / "reviews.sqlite3"))
    monkeypatch.setenv("RISKMODEL_SCENARIO", str(DEMO))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    app.run()
    assert not app.exception and not [m for m in app.markdown if "for this decision" in m.value]
    app.button(key="measure_next_button").click().run()
    assert not app.exception and len([m for m in app.markdown if "for this decision" in m.value]) == 5
