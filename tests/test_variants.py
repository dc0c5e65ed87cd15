"""A topology variant that reuses its parent's blast radii must equal a full rebuild.

Per failed set the rescheduled pods and the per-minute costs must be identical (not merely
close): costs no longer depend on which failed sets are evaluated together, and a variant
built from another variant (one measure more) must also equal a rebuild.
"""

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
        _assert_same_structures(reused, rebuilt)
    first, second = TOPOLOGY[0], TOPOLOGY[-1]
    one = RiskModel(apply_topology_measures(scenario, [first]), CATALOG, base.evidence, parent=base)
    both = apply_topology_measures(scenario, [first, second])
    _assert_same_structures(RiskModel(both, CATALOG, base.evidence, parent=one), RiskModel(both, CATALOG, base.evidence))


def test_planner_scenarios_equal_applying_every_measure_at_once():
    """A variant's scenario is its last measure applied to the cached scenario of the others: the
    same scenario as applying them all in one go, for every combination the planner builds."""
    from riskmodel.plan.planner import Planner

    scenario = generate_large_scenario(seed=5, nodes=90, workloads=30, services=15)
    planner = Planner(scenario, CATALOG)
    ids = [m.id for m in TOPOLOGY]
    for combination in [ids[:2], ids[1:4], ids, [ids[0], ids[-1]]]:
        key = tuple(combination)
        assert planner.scenario_for(key) == apply_topology_measures(scenario, [planner.measures[i] for i in key]), key
        _assert_same_structures(planner.model_for(key), RiskModel(planner.scenario_for(key), CATALOG))


def _assert_same_structures(reused: RiskModel, rebuilt: RiskModel) -> None:
    assert reused.units == rebuilt.units
    for column in ("pair_mode", "pair_structure", "base_rate", "base_detect", "base_repair", "reschedule_kind"):
        np.testing.assert_array_equal(getattr(reused, column), getattr(rebuilt, column), err_msg=column)
    assert reused.structure_keys == rebuilt.structure_keys
    for mine, theirs in zip(reused.structures, rebuilt.structures, strict=True):
        np.testing.assert_array_equal(mine.placement.rescheduled_per_workload, theirs.placement.rescheduled_per_workload)
    for mine, theirs in zip(reused.structure_cost_per_minute, rebuilt.structure_cost_per_minute, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for mine, theirs in zip(reused.structure_bad_minutes, rebuilt.structure_bad_minutes, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_variants_reuse_summary_derived_from_its_parents_equals_one_built_afresh():
    """The arrays a grandchild's reuse decision reads are taken from the parent's for carried
    structures (node positions renumbered when spare nodes shift them): array for array the
    summary built from scratch, on every model the planner built for a whole ranking."""
    import dataclasses

    from riskmodel.engine.variants import parent_summary
    from riskmodel.plan.planner import Planner

    scenario = generate_large_scenario(seed=5, nodes=90, workloads=30, services=15)
    planner = Planner(scenario, CATALOG)
    planner.frontier()
    derived = [m for m in [*planner._models.values(), *planner._partial.values()]
               if m.parent is not None and m._reused_rows[0].size]
    assert len(derived) >= 5 and any(m._numbering is not None for m in derived)
    spare = next(m for m in TOPOLOGY if m.effect.spare_nodes_per_zone)
    parent = planner.model_for((spare.id,))
    listed_otherwise = parent.scenario.model_copy(update={"nodes": parent.scenario.nodes[::-1]})
    reordered = RiskModel(listed_otherwise, CATALOG, parent.evidence, parent=parent)
    assert reordered._reused_rows[0].size and not np.array_equal(reordered._numbering[1],
                                                                  np.arange(len(listed_otherwise.nodes)))
    for model in [*derived, reordered]:
        got = model.reuse_summary
        want = parent_summary(model.index, model.structure_keys, model.structures)
        for column in dataclasses.fields(want):
            np.testing.assert_array_equal(getattr(got, column.name), getattr(want, column.name), err_msg=column.name)


def test_a_partial_variant_gives_the_whole_variants_mode_eal_to_the_bit():
    """The planner's per-mode EALs come from variants listing only the modes all their measures
    apply to; each listed mode's EAL equals the whole variant's exactly, under neutral and under
    drawn factors, and the partial model refuses what it cannot answer."""
    from riskmodel.plan.planner import Planner

    scenario = generate_large_scenario(seed=5, nodes=90, workloads=30, services=15)
    planner = Planner(scenario, CATALOG)
    planner.frontier()
    partial = dict(planner._partial)
    assert len(partial) >= 5
    assert any(len(model.units) * 10 < len(planner.base.units) for model in partial.values())
    rng = np.random.default_rng(7)
    for key, model in partial.items():
        whole = RiskModel(model.scenario, CATALOG, model.evidence)
        listed = [i for i, mode in enumerate(CATALOG.failure_modes) if model.lists(mode.id)]
        assert listed and len(listed) < len(CATALOG.failure_modes)
        for mode in listed:
            for factors in [(1.0, 1.0, 1.0, 0.0, 0.0, 1.0, False),
                            (*rng.uniform(0.2, 1.0, 3), *rng.uniform(0.0, 5.0, 2), rng.uniform(0.5, 1.0), True)]:
                assert model.mode_eal(mode, factors) == whole.mode_eal(mode, factors), (key, mode)
    smallest = min(partial.values(), key=lambda m: len(m.units))
    whole_from_partial = RiskModel(smallest.scenario, CATALOG, smallest.evidence, parent=smallest)
    _assert_same_structures(whole_from_partial, RiskModel(smallest.scenario, CATALOG, smallest.evidence))
    unlisted = next(i for i, mode in enumerate(CATALOG.failure_modes) if not model.lists(mode.id))
    with pytest.raises(ValueError, match="does not list"):
        model.mode_eal(unlisted, (1.0, 1.0, 1.0, 0.0, 0.0, 1.0, False))
    with pytest.raises(ValueError, match="partial model"):
        model.evaluate()


def test_a_copied_scenario_does_not_keep_the_tables_cached_on_the_original():
    """pydantic's model_copy carries cached properties along; a copy with other nodes or
    workloads must answer from its own (zones of each workload, nodes by name)."""
    scenario = generate_large_scenario(seed=5, nodes=90, workloads=30, services=15)
    moved = scenario.workloads[0]
    before = scenario.zones_by_workload[moved.name]
    elsewhere = next(n for n in scenario.nodes if frozenset({n.zone}) != before)
    assert before and len(scenario.nodes_by_name) == 90
    other = moved.model_copy(update={"pods": (elsewhere.name,) * len(moved.pods)})
    extra = scenario.nodes[0].model_copy(update={"name": "extra-node"})
    copied = scenario.model_copy(update={"nodes": (*scenario.nodes, extra),
                                         "workloads": (other, *scenario.workloads[1:])})
    assert len(copied.nodes_by_name) == 91 and "extra-node" not in scenario.nodes_by_name
    assert copied.zones_by_workload[moved.name] == frozenset({elsewhere.zone})
    from riskmodel.engine.exposure import workload_zones
    assert workload_zones(other, copied) == frozenset({elsewhere.zone})
