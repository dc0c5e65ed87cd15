"""The new outputs: ``rank --format json`` ``importance`` and ``sensitivity``, the faulttree
command's errors, the Markdown sections and the Importance & uncertainty page (AppTest),
all showing what the library computed."""

from __future__ import annotations

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
from riskmodel.report.formatting import money
from riskmodel.report.uncertainty import measure_next_lines, tornado_chart, tornado_lines
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
RANK_KEYS = ["scenario", "eal_per_year", "failure_modes", "nodes", "zones", "services", "flags", "blind_spot_nodes",
             "measures", "plan", "frontier", "current_problems", "findings", "placeholders"]


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


def test_markdown_sections_name_the_measure_next_inputs_and_the_tornado(demo) -> None:
    analysis, report = demo
    result = uncertainty(analysis.planner, analysis.placeholders, report.plan.budget, report.plan.selected, draws=200)
    lines = measure_next_lines(result.value_of_information)
    assert lines[0] == "## What to measure before the next review"
    top = result.value_of_information.top
    assert len(top) == 5 and all(f"worth up to {money(v.evpi_per_year)} a year" in "\n".join(lines) for v in top)
    table = tornado_lines(result.sensitivity)
    assert sum(line.startswith("| ") for line in table) == 1 + TOP_BARS
    figure = tornado_chart(result.sensitivity)
    assert list(figure.data[0].y)[-1] == result.sensitivity.top[0].label
    assert math.isclose(figure.data[1].x[-1] + figure.data[1].base, result.sensitivity.top[0].eal_at_high)


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
