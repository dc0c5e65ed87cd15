"""The union cache's eviction path and the edges of the size range.

The cache once emptied itself mid-call and then read keys it had just dropped (a KeyError
on the large scenario at its default 10,000 years). A cache bound far below one chunk's keys
must give exactly the numbers of an unbounded one: values depend on the key alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import catalog, mode, node, scenario, workload

from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog
from riskmodel.generate.large import generate_large_scenario
from riskmodel.plan.planner import Planner
from riskmodel.simulate import unions
from riskmodel.simulate.montecarlo import simulate, simulate_table
from riskmodel.simulate.tables import build_pair_table
from riskmodel.simulate.unions import UnionEvaluator


@pytest.fixture(scope="module")
def large_planner() -> Planner:
    shipped, _ = load_catalog([SHIPPED_CATALOGS])
    return Planner(generate_large_scenario(), shipped)


def _random_keys(table, count: int, seed: int) -> list[unions.UnionKey]:
    rng = np.random.default_rng(seed)
    hard = np.flatnonzero(~table.degraded & (table.group == 0))
    keys = []
    for _ in range(count):
        chosen = rng.choice(hard, size=int(rng.integers(2, 4)), replace=False).tolist()
        split = int(rng.integers(0, len(chosen) + 1))
        keys.append((0, frozenset(chosen[:split]), frozenset(chosen[split:]), False))
    return keys


def test_a_cache_smaller_than_one_call_gives_every_key(large_planner: Planner) -> None:
    table = build_pair_table(large_planner).structures
    keys = _random_keys(table, 200, seed=1)
    unbounded = UnionEvaluator(table, cache_limit=10**9).rates(keys)
    small = UnionEvaluator(table, cache_limit=120)
    first = small.rates(keys[:100])
    assert len(small.cache) == 100
    # 50 of these are cached, 50 are new: they overflow the bound, which empties the cache
    # after the cached values were read.
    second = small.rates(keys[50:150])
    assert len(small.cache) == 50
    tiny = UnionEvaluator(table, cache_limit=7)
    assert len(tiny.rates(keys)) == len(keys) and len(tiny.cache) == 0  # more keys than the bound: none kept
    for (cost, bad), (want_cost, want_bad) in zip(first + second, unbounded[:100] + unbounded[50:150], strict=True):
        assert cost == want_cost
        np.testing.assert_array_equal(bad, want_bad)


def test_large_scenario_simulates_with_a_tiny_cache(large_planner: Planner, monkeypatch) -> None:
    table = build_pair_table(large_planner)
    monkeypatch.setattr(unions, "CACHE_LIMIT", 10**9)
    unbounded = simulate_table(table, years=400, seed=11, workers=1)
    monkeypatch.setattr(unions, "CACHE_LIMIT", 20)
    small = simulate_table(build_pair_table(large_planner), years=400, seed=11, workers=2)
    assert small.combined_share > 0.005  # unions were evaluated, so the eviction path ran
    np.testing.assert_array_equal(small.annual_loss, unbounded.annual_loss)
    assert [s.mean_bad_minutes for s in small.services] == [s.mean_bad_minutes for s in unbounded.services]


def test_a_scenario_without_services_simulates() -> None:
    shop = scenario(["a"], [node("n1", "a"), node("n2", "a")], [workload("batch", ["n1", "n2"])], [])
    result = simulate(Planner(shop, catalog([mode("node-loss", "node", frequency=2, detect=5, repair=60,
                                                   incident_cost=100)])), years=2_000, seed=4)
    assert result.services == ()
    # Only the fixed incident cost is lost: 2 nodes × 2 incidents/yr × $100.
    assert result.analytic_eal == pytest.approx(400.0)
    assert abs(result.mean_loss - 400.0) < 4 * result.std_error
