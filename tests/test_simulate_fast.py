"""The exact shortcuts of the fast Monte Carlo engine, each against the plain computation it replaces.

* the guided pair search equals ``np.searchsorted`` over the cumulative rates;
* the class-by-class room proof (hand-computed first-fit cases);
* union keys are told apart exactly even when their hashes collide.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from builders import node, scenario, workload

from riskmodel.engine.room import classes_fit, size_classes
from riskmodel.engine.topology import TopologyIndex
from riskmodel.simulate import sweep
from riskmodel.simulate.draw import pick_pairs
from riskmodel.simulate.tables import pair_sampler


def _table(rates: np.ndarray, modes: np.ndarray) -> SimpleNamespace:
    cumulative = np.cumsum(rates)
    count = int(modes.max()) + 1
    first = np.searchsorted(modes, np.arange(count), side="left")
    last = np.searchsorted(modes, np.arange(count), side="right") - 1
    low = np.where(first > 0, cumulative[np.maximum(first - 1, 0)], 0.0)
    return SimpleNamespace(mode_low=low, mode_span=cumulative[last] - low, mode_last=last, sampler=pair_sampler(cumulative),
                           single_pair_modes=False,
                           cumulative=cumulative, mode_first=first)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_guided_pair_search_equals_searchsorted(seed):
    # Rates over seven orders of magnitude, runs of zero-rate pairs, modes of one pair and of
    # thousands; uniforms at the ends of [0, 1) included.
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 3_000, size=12)
    modes = np.repeat(np.arange(12), sizes)
    rates = np.exp(rng.uniform(-8, 8, size=len(modes)))
    rates[rng.random(len(modes)) < 0.2] = 0.0
    table = _table(rates, modes)
    chosen = rng.integers(0, 12, size=200_000)
    chosen = chosen[table.mode_span[chosen] > 0]
    uniform = rng.random(len(chosen))
    uniform[:3] = [0.0, np.nextafter(1.0, 0.0), 0.5]
    target = table.mode_low[chosen] + uniform * table.mode_span[chosen]
    expected = np.clip(np.searchsorted(table.cumulative, target, side="right"), table.mode_first[chosen],
                       table.mode_last[chosen])
    np.testing.assert_array_equal(pick_pairs(table, chosen, uniform), expected)


def _classes():
    # Two schedulable nodes with room (a: 4 cpu, b: 2 cpu) and a third (c) whose pods move:
    # pods of 2 cpu (class 0) and 1 cpu (class 1), all 1 Gi, in one zone.
    shop = scenario(["z"], [node("a", "z", cpu="4", memory="64Gi"), node("b", "z", cpu="2", memory="64Gi"),
                            node("c", "z", cpu="16", memory="64Gi")],
                    [workload("big", ["c"] * 4, cpu="2"), workload("small", ["c"] * 2, cpu="1")], [])
    return size_classes(TopologyIndex(shop))


@pytest.mark.parametrize(("big", "small", "proven"), [
    # FFD puts the 2-cpu pods on a (2) then b (1); the 1-cpu pods go where 1-cpu room is left.
    (2, 2, True),   # class 1: room 4 + 2 = 6 ≥ 2 big · ⌈2/1⌉ + 2 small = 6
    (3, 0, True),   # class 0: room 2 + 1 = 3 ≥ 3
    (4, 0, False),  # class 0: room 3 < 4 (and first fit indeed leaves one pod)
    (2, 3, False),  # class 1: 6 < 2 · 2 + 3 = 7 (and first fit indeed leaves one 1-cpu pod)
])
def test_class_by_class_room_proof(big, small, proven):
    classes = _classes()
    assert classes.penalty[0, 1] == 2 and classes.penalty[1, 0] == 0
    pods = np.zeros((1, 2, 2))
    pods[0, 0, 0], pods[0, 1, 0] = big, small
    # Node c fails: the room it had (16 cpu worth) leaves the zone.
    taken = classes.units[[2]][None, :, :].sum(axis=1, keepdims=True)
    assert classes_fit(classes, pods, taken).tolist() == [proven]


def test_union_keys_are_exact_when_hashes_collide(monkeypatch):
    group = np.array([0, 0, 1, 0, 0])
    blocked = np.array([0, 1, 0, 0, 0])
    codes = [[2, 5], [2, 5], [2, 5], [2, 5], [2, 7, 9]]
    run = np.repeat(np.arange(5), [len(c) for c in codes])
    flat = np.array([c for row in codes for c in row])
    keys, inverse = sweep.distinct_keys(group, blocked, run, flat, 5)
    assert len(keys) == 4 and inverse[0] == inverse[3] and len(set(inverse[[0, 1, 2, 4]].tolist())) == 4
    monkeypatch.setattr(sweep, "_hashes", lambda *args: np.zeros(5, dtype=np.uint64))
    collided, again = sweep.distinct_keys(group, blocked, run, flat, 5)
    assert len(collided) == 4
    np.testing.assert_array_equal(collided[again], keys[inverse])
