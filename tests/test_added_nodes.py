"""Why ``spare-node-capacity`` has a negative ΔEAL on the demo: the spare nodes' own incidents.

Hand-computed: on a three-node, two-zone cluster with one node failure mode that only costs
its incident cost (2 incidents a node a year × $100), one spare per zone adds 2 nodes, so
2 × 2 × $100 = $400/yr of incidents and saves nothing: ΔEAL = −$400. On the demo, each spare
gets the catalog's ``node-oom-kills`` rate, the mean of a lognormal with 90% interval
{0.5, 10}, exp(μ + σ²/2) with μ = (ln 0.5 + ln 10)/2 and σ = (ln 10 − ln 0.5)/(2 × 1.6449)
= 3.385 a year, at the mean incident cost of {20, 200} = $80.80: $273.51 a spare a year.
"""

from __future__ import annotations

import math

import pytest
from conftest import small_catalog, small_scenario, write_yaml

from riskmodel.cli.main import main
from riskmodel.report.added_nodes import added_nodes_note
from riskmodel.report.analysis import analyse, rank_report
from riskmodel.sources.scenario import load_scenario

Z90 = 1.6448536269514722


def _lognormal_mean(low: float, high: float) -> float:
    mu, sigma = (math.log(low) + math.log(high)) / 2, (math.log(high) - math.log(low)) / (2 * Z90)
    return math.exp(mu + sigma**2 / 2)


def test_spares_add_their_own_incidents_by_hand(tmp_path) -> None:
    catalog = small_catalog()
    catalog["failure_modes"] = [{"id": "node-toil", "title": "Node toil", "scope": "node", "frequency_per_year": 2,
                                 "detect_minutes": 1, "repair_minutes": 1, "incident_cost": 100,
                                 "effect": {"type": "loss_only"}, "rationale": "hand-made for tests"}]
    catalog["measures"] = [{"id": "spare", "title": "Spare", "kind": "mitigation", "applies_to": ["node"],
                            "cost": {"per_target_per_year": 1000}, "effect": {"spare_nodes_per_zone": 1},
                            "rationale": "hand-made for tests"}]
    write_yaml(tmp_path / "catalog.yaml", catalog)
    analysis = analyse(load_scenario(write_yaml(tmp_path / "scenario.yaml", small_scenario())))
    assert analysis.planner.evaluate(()).eal_per_year == pytest.approx(3 * 2 * 100)
    note = added_nodes_note(analysis.planner, "spare")
    assert note is not None and note.added_nodes == ("spare-a-1", "spare-b-1")
    assert note.added_nodes_eal_per_year == pytest.approx(2 * 2 * 100)
    assert note.saved_per_year == pytest.approx(0, abs=1e-9) and note.eal_reduction == pytest.approx(-400)
    (measure,) = rank_report(analysis).measures
    assert measure.eal_reduction == pytest.approx(-400) and measure.annual_cost == pytest.approx(2 * 1000)


def test_demo_spare_node_capacity_is_explained(capsys) -> None:
    analysis = analyse(load_scenario("scenarios/demo.yaml"))
    planner = analysis.planner
    note = added_nodes_note(planner, "spare-node-capacity")
    assert note is not None and len(note.added_nodes) == 3  # one per zone of eu-west-1a/b/c
    oom_per_spare = _lognormal_mean(0.5, 10) * _lognormal_mean(20, 200)
    assert oom_per_spare == pytest.approx(273.51, abs=0.01)
    model = planner.model_for(("spare-node-capacity",))
    evaluation = model.evaluate(service_minutes=False)
    oom = [float(evaluation.eal_per_pair[i]) for i, unit in enumerate(model.units)
           if unit.name.startswith("spare-") and model.modes[model.pair_mode[i]].id == "node-oom-kills"]
    assert oom == pytest.approx([oom_per_spare] * 3)
    ranked = next(m for m in planner.rank() if m.id == "spare-node-capacity")
    assert note.eal_reduction == pytest.approx(ranked.eal_reduction)
    assert ranked.eal_reduction == pytest.approx(-2412.64, abs=0.01)  # the figure the issue saw
    assert note.added_nodes_eal_per_year == pytest.approx(3075.51, abs=0.01)
    assert note.saved_per_year == pytest.approx(662.87, abs=0.01)  # zone outages whose pods now fit
    assert main(["rank", "scenarios/demo.yaml"]) == 0
    out = capsys.readouterr().out
    assert ("note: spare-node-capacity adds 3 node(s) (spare-eu-west-1a-1, spare-eu-west-1b-1, spare-eu-west-1c-1): "
            "their own incidents add $3,076/yr") in out and "raises the expected loss by $2,413/yr" in out
