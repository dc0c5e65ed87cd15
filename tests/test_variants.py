"""A topology variant that reuses its parent's blast radii must equal a full rebuild."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from riskmodel.engine.risk import RiskModel
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog
from riskmodel.generate.large import generate_large_scenario
from riskmodel.plan.mitigation import apply_topology_measures
from riskmodel.sources.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog([SHIPPED_CATALOGS])[0]
TOPOLOGY = [m for m in CATALOG.measures if m.changes_topology]


def _cases():
    demo = load_scenario(ROOT / "scenarios" / "demo.yaml")
    small = generate_large_scenario(seed=3, nodes=120, workloads=40, services=25)
    return [("demo", demo.scenario, demo.evidence), ("generated-120", small, None)]


@pytest.mark.parametrize(("name", "scenario", "evidence"), _cases(), ids=lambda c: c if isinstance(c, str) else "")
def test_reused_impacts_equal_a_rebuild(name, scenario, evidence):
    assert len(TOPOLOGY) >= 4  # spare capacity, zone spread, regional storage, replicas, control plane
    base = RiskModel(scenario, CATALOG, evidence) if evidence else RiskModel(scenario, CATALOG)
    for measure in TOPOLOGY:
        changed = apply_topology_measures(scenario, [measure])
        reused = RiskModel(changed, CATALOG, base.evidence, parent=base)
        rebuilt = RiskModel(changed, CATALOG, base.evidence)
        with_reuse, without = reused.evaluate(), rebuilt.evaluate()
        assert with_reuse.eal_per_year == pytest.approx(without.eal_per_year, rel=1e-12), measure.id
        np.testing.assert_allclose(with_reuse.bad_minutes_per_service, without.bad_minutes_per_service, rtol=1e-12)
        assert [s.placement.moves for s in reused.structures] == [s.placement.moves for s in rebuilt.structures]
