"""Shortcuts of the Monte Carlo loop that a single risk takes, each against what it replaces.

None may change a bit: skipping the pair-pick uniforms of one-pair modes leaves the generator
where drawing them would; repair minutes written straight into phase A equal detect (0) +
repair; the overlap sort on int64 bit patterns gives the stable float order; the walk from
direct overlaps equals the running maximum; quantiles read from sorted losses equal
``np.quantile``; and a stand-alone loss without the ×1 and +0 is the full formula's.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_simulate_pieces import single_risk

from riskmodel.simulate import draw, engine
from riskmodel.simulate.draw import Incidents, skip_uniforms
from riskmodel.simulate.overlap import YEAR_STRIDE, _opens, _start_order, clusters
from riskmodel.simulate.result import sorted_quantiles


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.Philox])
@pytest.mark.parametrize("count", [0, 1, 7, 250_001])
def test_skipped_uniforms_leave_the_stream_where_drawing_them_would(bit_generator, count):
    drawn, skipped = (np.random.Generator(bit_generator(11)) for _ in range(2))
    for rng in (drawn, skipped):  # what a block draws before the picks
        rng.standard_normal(5)
        rng.poisson(3.0, size=1_000)
    drawn.random(count)
    skip_uniforms(skipped, count)
    np.testing.assert_array_equal(skipped.random(1_000), drawn.random(1_000))
    np.testing.assert_array_equal(skipped.standard_normal(1_000), drawn.standard_normal(1_000))
    np.testing.assert_array_equal(skipped.poisson(2.5, 1_000), drawn.poisson(2.5, 1_000))


def _two_modes():
    """Two one-pair modes (a crash and a slow incident with detect time), so that mode arrays
    and per-mode σ are gathered rather than broadcast."""
    from builders import catalog, mode, node, scenario, service, workload

    from riskmodel.plan.planner import Planner
    from riskmodel.simulate.tables import build_pair_table

    shop = scenario(["a"], [node("n1", "a")], [workload("api", ["n1"])], [service("shop", ["api"], cost_per_hour=600)])
    modes = [mode("crash", "workload", frequency=3, detect=0, repair={"low": 30, "high": 300}),
             mode("slow", "workload", frequency=1, detect={"low": 5, "high": 50}, repair=20)]
    return build_pair_table(Planner(shop, catalog(modes)))


@pytest.mark.parametrize("make", [single_risk, _two_modes])
def test_one_pair_modes_draw_what_the_pair_search_draws(make, monkeypatch):
    # The general path draws the uniforms and searches each mode's (one) pair; the shortcut
    # steps over them and takes the mode's pair. Every array of the incidents is the same.
    monkeypatch.setattr(draw, "PIECE", 4_096)
    table = make()
    assert table.single_pair_modes
    searched = dataclasses.replace(table, single_pair_modes=False)
    quick = draw.draw_block(table, np.random.default_rng(4), 20_000)
    full = draw.draw_block(searched, np.random.default_rng(4), 20_000)
    assert len(quick) > 40_000
    for name in Incidents.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(quick, name), getattr(full, name), err_msg=name)


def test_repair_written_into_phase_a_equals_detect_plus_repair(monkeypatch):
    # Without detect time the duration is the repair; the general path (taken when timing is
    # not neutral: factors 1, nothing saved) computes max(0, 0·1 − 0) + max(0, repair·1 − 0).
    monkeypatch.setattr(draw, "PIECE", 4_096)
    table = single_risk()
    assert table.neutral_timing and not table.detect.any()
    general = dataclasses.replace(table, neutral_timing=False)
    quick = draw.draw_block(table, np.random.default_rng(9), 10_000)
    full = draw.draw_block(general, np.random.default_rng(9), 10_000)
    for name in Incidents.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(quick, name), getattr(full, name), err_msg=name)
    np.testing.assert_array_equal(quick.end, quick.start + quick.phase_a)


def test_stand_alone_loss_is_the_full_formula():
    table = single_risk()
    incidents = draw.draw_block(table, np.random.default_rng(2), 5_000)
    _, scale, loss = engine._single(table, incidents)
    full = table.pair_cost_a[incidents.pair] * incidents.phase_a
    full *= table.scale[incidents.pair]
    full += incidents.incident_cost
    np.testing.assert_array_equal(loss, full)
    assert table.pair_cost_a[0] == pytest.approx(10.0)  # $600/h
    np.testing.assert_array_equal(scale, 1.0)


def test_int64_sort_keys_give_the_stable_float_order():
    rng = np.random.default_rng(3)
    year = np.sort(rng.integers(0, 2_000, 6_000))
    start = np.round(rng.random(6_000) * 1_000) * 525.6  # many equal starts: ties keep index order
    key = year * YEAR_STRIDE + start
    key[:2] = 0.0
    order, ordered = _start_order(key, 2_000)
    np.testing.assert_array_equal(order, np.argsort(key, kind="stable"))
    np.testing.assert_array_equal(ordered, key[order])
    negative = key - 1e6  # negative keys do not sort as their bit patterns: the float sort is kept
    np.testing.assert_array_equal(_start_order(negative, 2_000)[0], np.argsort(negative, kind="stable"))


def _running_maximum_opens(sorted_start: np.ndarray, reach: np.ndarray) -> np.ndarray:
    opens = np.ones(len(reach) + 1, dtype=bool)
    opens[1:-1] = sorted_start[1:] >= np.maximum.accumulate(reach)[:-1]
    return opens


def test_walk_from_direct_overlaps_equals_the_running_maximum():
    rng = np.random.default_rng(0)
    walked = fallback = 0
    for trial in range(600):
        size = int(rng.integers(1, 500))
        start = np.sort(rng.random(size) * rng.choice([50.0, 1e3, 1e5]))
        duration = rng.lognormal(0.0, rng.choice([0.5, 2.0, 4.0]), size) * rng.choice([0.01, 1.0, 10.0])
        duration[rng.random(size) < 0.2 * (trial % 2)] = 0.0
        if trial % 3 == 0:
            start = np.round(start)  # equal starts
        if trial % 4 == 1:  # whole minutes: incidents that start exactly where another ends
            start, duration = np.round(start), np.round(duration)
        if trial % 50 == 0:
            duration[0] = 1e9  # one incident covering all the others: a run longer than the walk
        reach = start + duration
        direct = int(np.count_nonzero(start[1:] < reach[:-1]))
        walked += direct * 8 <= size
        fallback += direct * 8 > size
        np.testing.assert_array_equal(_opens(start, reach), _running_maximum_opens(start, reach))
    assert walked > 100 and fallback > 100


def test_clusters_of_a_hand_made_year():
    # Year 0: [0, 100) and [50, 60) overlap, [100, 120) starts where the first ends (no
    # overlap), [200, 900) covers [300, 310) and [800, 850) (which do not touch each other);
    # year 1 starts at 150 and overlaps nothing (year 0's incidents never reach into it).
    year = np.array([0, 0, 0, 0, 0, 0, 1])
    start = np.array([300.0, 0.0, 100.0, 50.0, 200.0, 800.0, 150.0])
    end = np.array([310.0, 100.0, 120.0, 60.0, 900.0, 850.0, 160.0])
    members, cluster = clusters(year, start, end)
    np.testing.assert_array_equal(members, [1, 3, 4, 0, 5])
    np.testing.assert_array_equal(cluster, [0, 0, 1, 1, 1])


@pytest.mark.parametrize("quantiles", [(0.5, 0.9, 0.99), (0.0, 1.0, 0.25), (0.123, 0.5, 0.999999)])
def test_sorted_quantiles_equal_numpy(quantiles):
    rng = np.random.default_rng(1)
    for size in (2, 3, 10, 1_001, 100_000):
        for losses in (rng.lognormal(8, 2, size), np.where(rng.random(size) < 0.7, 0.0, rng.random(size) * 1e6),
                       rng.integers(0, 4, size).astype(float)):
            ordered = np.sort(losses)
            assert sorted_quantiles(ordered, quantiles) == tuple(float(v) for v in np.quantile(ordered, quantiles))
    assert sorted_quantiles(np.array([1.0, 3.0]), (0.5, 0.25, 1.0)) == (2.0, 1.5, 3.0)
