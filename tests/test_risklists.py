"""Risk lists teams already keep: Google's CRE risk sheet both ways, riskquant's FAIR CSV.

Sources (see tests/fixtures/risklists/SOURCES.md):

* CRE: Matt Brown, "Know thy enemy: How to prioritize and communicate risks—CRE life lessons",
  Google Cloud blog, 2017-05-23,
  https://cloud.google.com/blog/products/gcp/know-thy-enemy-how-to-prioritize-and-communicate-risks-cre-life-lessons
  — its example table "Risk | Bad minutes/year" (14 rows, reproduced below to the minute).
  The article prints only the result; the ETTD/ETTR/impact/ETTF inputs in the fixture are
  OUR reading of each sentence, chosen so that the sheet's formula gives the published
  figure. So this test proves that the import, the engine's service-scope incidents with an
  impact share and the 365-day year compute the sheet's ``(ETTD + ETTR) × impact × 365 /
  ETTF`` exactly, and that the published figures follow from those inputs; it cannot prove
  they were Google's inputs.
* riskquant: Netflix-Skunkworks/riskquant README @ 0415368e, "Using riskquant as a utility":
  input rows ALICE/BOB/CHARLIE and the printed output ``$26,600,000``, ``$1,010,000``,
  ``$40,400`` (3 significant digits, riskquant's ``_sigdigs``), and the library example
  ``annualized_loss() == 40400.128269457266``. Mapping: riskquant's ``Probability`` is used
  as a Poisson **rate** (``annualized_loss = p × lognormal mean``, ``np.random.poisson(p)``
  losses a year), so ``frequency_per_year = Probability``; ``[Low_loss, High_loss]`` is the
  90% interval of a lognormal, the same as the workbench's ``{low, high}``. Tolerance: the
  printed output must match after rounding to 3 significant digits (it is all riskquant
  prints), the library value to a relative 1e-12 (both are exp(μ + σ²/2) in float64; scipy's
  z₀.₉₅ and ours differ in the 16th digit).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from conftest import FIXTURES

from riskmodel.cli.main import main
from riskmodel.errors import InputError, InputErrors
from riskmodel.files.cre_sheet import read_cre_sheet
from riskmodel.files.riskquant_csv import read_riskquant_csv
from riskmodel.report.analysis import analyse
from riskmodel.sources.scenario import load_scenario

CRE_SHEET = FIXTURES / "risklists" / "cre-know-thy-enemy.csv"
RISKQUANT_CSV = FIXTURES / "risklists" / "riskquant-readme.csv"
PUBLISHED_BAD_MINUTES = {  # the article's table, in its order
    "Overload results in slow or dropped requests during the peak hour each day.": 3559,
    "A bad release takes the entire service down. Rollback is not tested.": 507,
    "Users report an outage before monitoring and alerting notifies the operator.": 395,
    "There is a physical failure in the hosting location that requires complete restoration from a backup "
    "or disaster recovery plan.": 242,
    "The wrong server is turned off and requests are dropped.": 213,
    "Overload results in a cascading failure. Manual intervention is required to halt or fix the issue.": 150,
    "Operator accidentally deletes database; restore from backup is required": 129,
    "Unnoticed growth in usage triggers overload; service collapses.": 125,
    "A configuration mishap reduces capacity; causing overload and dropped requests": 122,
    "A new release breaks a small set of requests; not detected for a day.": 119,
    "Operator is slow to debug and root cause bug due to noisy alerting": 76,
    "A daylight savings bug drops requests.": 71,
    "Restarts for weekly upgrades drop in-progress requests (i.e., no lame ducking).": 52,
    "A leap year bug causes all servers to restart and drop requests.": 16,
}
RISKQUANT_PRINTED = {"bob": "$26,600,000", "charlie": "$1,010,000", "alice": "$40,400"}


def _sigdigs(value: float) -> str:
    """riskquant's output format: 3 significant digits, then dollars with separators."""
    return f"${float(f'{value:.3g}'):,.0f}"


@pytest.fixture(scope="module")
def cre_import(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cre")
    assert main(["import-risks", str(CRE_SHEET), "--format", "cre", "--service", "game", "--slo", "0.999",
                 "--output", str(out)]) == 0
    return out / "scenario.yaml"


def test_the_sheet_formula_gives_the_published_table():
    risks = read_cre_sheet(CRE_SHEET)
    assert [r.risk for r in risks] == list(PUBLISHED_BAD_MINUTES)
    assert [round(r.bad_minutes_per_year) for r in risks] == list(PUBLISHED_BAD_MINUTES.values())
    peak = risks[0]  # (5 + 60) min × 15% × 365 / 1 day
    assert peak.bad_minutes_per_year == pytest.approx(65 * 0.15 * 365)


def test_the_engine_reproduces_the_published_rows_to_the_minute(cre_import):
    analysis = analyse(load_scenario(cre_import))
    from riskmodel.engine.service_risk import modes_on_service

    rows = modes_on_service(analysis.model, "game")
    assert {r.title: round(r.bad_minutes_per_year) for r in rows} == PUBLISHED_BAD_MINUTES
    sheet = {r.risk: r.bad_minutes_per_year for r in read_cre_sheet(CRE_SHEET)}
    for row in rows:
        assert row.bad_minutes_per_year == pytest.approx(sheet[row.title], rel=1e-12)
    total = sum(PUBLISHED_BAD_MINUTES.values())
    assert analysis.register.services[0].bad_minutes_per_year == pytest.approx(total, abs=len(rows) * 0.5)
    assert analysis.register.services[0].error_budget_minutes == pytest.approx(525.6)


def test_rank_gives_the_sheet_back(cre_import, capsys):
    assert main(["rank", str(cre_import), "--format", "cre-csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert list(rows[0]) == ["risk", "ettd_minutes", "ettr_minutes", "impact_percent", "ettf_days",
                             "bad_minutes_per_year", "budget_share", "too_big"]
    assert [r["risk"] for r in rows] == list(PUBLISHED_BAD_MINUTES)  # the article's order is by bad minutes
    inputs = {r.risk: r for r in read_cre_sheet(CRE_SHEET)}
    for row in rows:
        source = inputs[row["risk"]]
        assert float(row["ettd_minutes"]) == pytest.approx(source.ettd_minutes)
        assert float(row["ettr_minutes"]) == pytest.approx(source.ettr_minutes)
        assert float(row["impact_percent"]) == pytest.approx(source.impact_percent)
        assert float(row["ettf_days"]) == pytest.approx(source.ettf_days)
        assert round(float(row["bad_minutes_per_year"])) == PUBLISHED_BAD_MINUTES[row["risk"]]
        assert float(row["budget_share"]) == pytest.approx(float(row["bad_minutes_per_year"]) / 525.6, abs=1e-5)  # bad minutes printed to 0.01
    # 25% of a 99.9% budget is 131.4 minutes: the six risks of 150 minutes and more are too big
    assert [r["too_big"] for r in rows] == ["True"] * 6 + ["False"] * 8


def test_a_mode_of_a_real_cluster_in_sheet_terms(scenario_files):
    """A node-loss mode on a 3-node cluster: the sheet's formula of the exported row gives the
    engine's bad minutes (hand-checked: 'shop' is down while its web pod reschedules)."""
    from riskmodel.engine.service_risk import modes_on_service

    analysis = analyse(load_scenario(scenario_files()))
    shop = {r.failure_mode_id: r for r in modes_on_service(analysis.model, "shop")}
    node = shop["node-loss"]
    assert node.incidents_per_year == pytest.approx(0.3)  # 0.1 per node-year on n1, n2, n3 all touch shop
    assert (node.detect_minutes, node.repair_minutes) == pytest.approx((5, 120))
    sheet_formula = (node.detect_minutes + node.repair_minutes) * node.impact_fraction * 365 / node.ettf_days
    assert sheet_formula == pytest.approx(node.bad_minutes_per_year)
    assert 0 < node.impact_fraction < 1  # rescheduling ends the outage before the repair does


@pytest.mark.parametrize(("line", "expected"), [
    ("Bad push,5,abc,100,30,no", "ettr_minutes: expected minutes to repair, got 'abc'"),
    ("Bad push,5,30,0,30,no", "impact_percent: expected a percentage of users > 0 and ≤ 100, got '0'"),
    ("Bad push,5,30,120,30,no", "impact_percent: expected a percentage of users > 0 and ≤ 100, got '120'"),
    ("Bad push,5,30,50,0,no", "ettf_days: expected days between failures > 0, got '0'"),
    ("Bad push,5,30,50,30,maybe", "accepted: expected yes or no"),
    (",5,30,50,30,no", "risk: expected a description of the risk, got an empty cell"),
    ("Bad push,5,30", "3 cells; expected 6"),
])
def test_bad_cre_rows_name_line_and_column(tmp_path, line, expected):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("risk,ettd_minutes,ettr_minutes,impact_percent,ettf_days,accepted\nOk,1,1,1,1,no\n" + line + "\n",
                     encoding="utf-8")
    with pytest.raises((InputError, InputErrors)) as caught:
        read_cre_sheet(sheet)
    assert f"{sheet}:3: {expected}" in str(caught.value)


def test_a_sheet_with_a_wrong_header_says_what_is_missing(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("risk,ettd,ettr_minutes,impact_percent,ettf_days,accepted\nx,1,1,1,1,no\n", encoding="utf-8")
    assert main(["import-risks", str(sheet), "--format", "cre", "--service", "s", "--slo", "0.99",
                 "--output", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert f"{sheet}:1: header" in error and "missing column(s) ettd_minutes" in error and "unknown column(s) ettd" in error
    assert not (tmp_path / "out").exists()


def test_cre_needs_a_service_and_an_slo(tmp_path, capsys):
    out = str(tmp_path / "out")
    assert main(["import-risks", str(CRE_SHEET), "--format", "cre", "--slo", "0.999", "--output", out]) == 2
    assert "--service: the CRE sheet is about one service" in capsys.readouterr().err
    assert main(["import-risks", str(CRE_SHEET), "--format", "cre", "--service", "g", "--slo", "99.9",
                 "--output", out]) == 2
    assert "--slo: expected the service's SLO as a fraction" in capsys.readouterr().err


def test_riskquant_readme_example_reproduced(tmp_path, capsys):
    out = tmp_path / "fair"
    assert main(["import-risks", str(RISKQUANT_CSV), "--format", "riskquant", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Identifier 'ALICE' is failure mode 'alice'" in printed
    assert main(["rank", str(out / "scenario.yaml"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    eal = {m["failure_mode_id"]: m["eal_per_year"] for m in report["failure_modes"]}
    assert [m["failure_mode_id"] for m in report["failure_modes"]] == ["bob", "charlie", "alice"]  # riskquant's order
    assert {mode: _sigdigs(value) for mode, value in eal.items()} == RISKQUANT_PRINTED
    assert eal["alice"] == pytest.approx(40400.128269457266, rel=1e-12)
    # by hand: ALICE's lognormal has μ = ln(10^6.5), σ = ln(10) / (2 · 1.6449); mean exp(μ + σ²/2)
    sigma = math.log(10) / (2 * 1.6448536269514722)
    assert eal["alice"] == pytest.approx(0.01 * math.exp(6.5 * math.log(10) + sigma**2 / 2), rel=1e-12)
    assert report["eal_per_year"] == pytest.approx(sum(eal.values()))


def test_riskquant_rows_are_checked_as_riskquant_does(tmp_path):
    bad = tmp_path / "fair.csv"
    bad.write_text("Identifier,Name,Probability,Low_loss,High_loss\nA,a,1.5,10,100\nB,b,0.1,100,10\nC,c,0.1,$1,000,1\n",
                   encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        read_riskquant_csv(bad)
    text = str(caught.value)
    assert f"{bad}:2: probability: expected a yearly rate (riskquant's Probability) ≥ 0 and ≤ 1, got '1.5'" in text
    assert f"{bad}:3: high_loss: expected High_loss > Low_loss" in text
    assert f"{bad}:4: 6 cells; expected 5" in text


def test_riskquant_repeated_identifiers_become_variants(tmp_path):
    from riskmodel.files.riskquant_csv import riskquant_catalog

    sheet = tmp_path / "fair.csv"
    sheet.write_text("Insider,Data leak by staff,0.1,10,100\nInsider,Data leak by contractor,0.2,10,100\n",
                     encoding="utf-8")
    catalog, notes = riskquant_catalog(read_riskquant_csv(sheet), sheet)
    assert [m.id for m in catalog.failure_modes] == ["insider", "insider-2"]
    assert notes == ["line 1: Identifier 'Insider' is failure mode 'insider'",
                     "line 2: Identifier 'Insider' is failure mode 'insider-2'"]
