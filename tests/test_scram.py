"""Our fault trees, cut sets and importance against SCRAM, a real fault-tree engine.

``python -m riskmodel faulttree`` writes each service's tree in Open-PSA MEF; SCRAM (the
Debian package ``scram``, installed by ``make test`` through scripts/install-scram.sh as
root) analyses it with its defaults for the exact answer: BDD for cut sets and for the
probability (its report says ``approximation="none"``; ``--rare-event`` and ``--mcub``
would switch to approximations from the cut sets), with the product cut-off (default 1e-8)
set to 0 and the order limit (default 20) set to the number of basic events, so that every
minimal cut set is listed. SCRAM prints numbers with ``%g``, 6 significant digits: on the
demo our probabilities and importance factors must round to what it prints, and the exact
probability of SCRAM's own list of minimal cut sets (expanded on one event at a time, with
our events' probabilities) must equal ours to 1e-9 relative; the hand cases have short
exact decimals (0.028, 0.1981), which are compared to 1e-9 relative.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from faulttree_cases import quorum_over_three_zones, transitive_dependency

from riskmodel.cli.main import main
from riskmodel.engine.faulttree import FaultForest, fault_forest
from riskmodel.engine.importance import ImportanceReport, importance_of
from riskmodel.engine.openpsa import fault_tree_xml, mef_names
from riskmodel.engine.risk import RiskModel
from riskmodel.files.loader import SHIPPED_SCENARIOS
from riskmodel.sources.scenario import load_scenario

pytestmark = pytest.mark.skipif(shutil.which("scram") is None,
                                reason="SCRAM not installed: needs the Debian package scram "
                                       "(scripts/install-scram.sh installs it as root)")


def scram(tree: Path, events: int, tmp_path: Path) -> ET.Element:
    report = tmp_path / f"{tree.stem}-report.xml"
    subprocess.run(["scram", str(tree), "--probability", "true", "--importance", "true", "--cut-off", "0",
                    "--limit-order", str(max(events, 1)), "-o", str(report)],
                   check=True, capture_output=True, timeout=120)
    return ET.parse(report).getroot()


def printed(value: float) -> float:
    """Half a unit in the 6th significant digit of a number SCRAM printed with %g."""
    return 0.0 if value == 0 or math.isinf(value) else 0.5 * 10 ** (math.floor(math.log10(abs(value))) - 5)


def union_probability(cut_sets: set[tuple[str, ...]], q: dict[str, float]) -> float:
    """P(at least one cut set in force), exactly: Shannon expansion on the most shared event."""
    @cache
    def p(sets: frozenset[frozenset[str]]) -> float:
        if not sets:
            return 0.0
        if frozenset() in sets:
            return 1.0
        counts: dict[str, int] = {}
        for cut in sets:
            for event in cut:
                counts[event] = counts.get(event, 0) + 1
        x = max(counts, key=lambda e: (counts[e], e))
        given = frozenset(cut - {x} for cut in sets)
        without = frozenset(cut for cut in sets if x not in cut)
        return q[x] * p(given) + (1.0 - q[x]) * p(without)

    return p(frozenset(frozenset(cut) for cut in cut_sets))


def check_service(forest: FaultForest, report: ImportanceReport, service: str, result: ET.Element,
                  rel: float | None = None) -> None:
    names = mef_names(forest)
    assert result.find(".//calculated-quantity[@name='Probability Analysis']").get("approximation") == "none"
    products = result.find(".//sum-of-products")
    ours = report.service(service)
    probability = float(products.get("probability"))
    if rel is None:
        assert abs(ours.probability - probability) <= printed(probability) * (1 + 1e-9)
    else:
        assert ours.probability == pytest.approx(probability, rel=rel)
    theirs = {tuple(sorted(names[e.get("name")] for e in p.findall("basic-event"))) for p in products.findall("product")}
    assert {cut.events for cut in ours.cut_sets.listed} == {cut for cut in theirs if len(cut) <= 3}
    q = {event.label: event.probability for event in forest.events}
    assert union_probability(theirs, q) == pytest.approx(ours.probability, rel=1e-9)
    assert ours.cut_sets.beyond_order_3 == sum(len(cut) > 3 for cut in theirs)
    factors = {names[e.get("name")]: e for e in result.findall(".//importance/basic-event")}
    assert {e.event for e in ours.events} == set(factors)
    for event in ours.events:
        found = factors[event.event]
        for value, key in ((event.birnbaum, "MIF"), (event.fussell_vesely, "CIF"),
                           (event.risk_achievement_worth, "RAW"), (event.risk_reduction_worth, "RRW")):
            assert abs(value - float(found.get(key))) <= printed(float(found.get(key))) * (1 + 1e-9), (event.event, key)


def test_every_demo_service_matches_scram(tmp_path: Path) -> None:
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    forest = fault_forest(RiskModel(loaded.scenario, loaded.catalog, loaded.evidence))
    report = importance_of(forest)
    for service in forest.service_names:  # the command for one service, the same writer for the rest
        tree = tmp_path / f"{service}.xml"
        if service == "checkout":
            assert main(["faulttree", str(SHIPPED_SCENARIOS / "demo.yaml"), "--service", service,
                         "--output", str(tree)]) == 0
        else:
            tree.write_text(fault_tree_xml(forest, service, "demo"), encoding="utf-8")
        check_service(forest, report, service, scram(tree, len(forest.events), tmp_path))


@pytest.mark.parametrize(("case", "service", "probability"), [
    (quorum_over_three_zones, "kv", 0.028), (transitive_dependency, "front", 0.1981)])
def test_hand_computed_trees_match_scram_to_1e9(tmp_path: Path, case, service: str, probability: float) -> None:
    forest = case()
    report = importance_of(forest)
    tree = tmp_path / f"{service}.xml"
    tree.write_text(fault_tree_xml(forest, service, "hand"), encoding="utf-8")
    result = scram(tree, len(forest.events), tmp_path)
    assert float(result.find(".//sum-of-products").get("probability")) == pytest.approx(probability, rel=1e-9)
    check_service(forest, report, service, result, rel=1e-9)


def test_a_real_imported_cluster_matches_scram(tmp_path: Path) -> None:
    """tests/fixtures/k8s-annotated (a recorded minikube cluster, see its SOURCES.md) imported
    as ``riskmodel import`` does, then every service's tree against SCRAM."""
    scenario = tmp_path / "minikube.yaml"
    fixture = Path(__file__).resolve().parent / "fixtures" / "k8s-annotated"
    assert main(["import", "--source", f"file:{fixture}", "--output", str(scenario)]) == 0
    loaded = load_scenario(scenario)
    forest = fault_forest(RiskModel(loaded.scenario, loaded.catalog, loaded.evidence))
    report = importance_of(forest)
    assert len(forest.service_names) == 8
    for service in forest.service_names:
        tree = tmp_path / f"{service}.xml"
        tree.write_text(fault_tree_xml(forest, service, "minikube"), encoding="utf-8")
        check_service(forest, report, service, scram(tree, len(forest.events), tmp_path))
