"""Speed-ups of the Monte Carlo loop that must not change a single bit.

A block's arithmetic runs piece by piece (arrays that stay in the CPU's caches), the overlap
sort picks introsort where it gives the stable order, and union cache names are built for
all rows at once. None of this may change a number: the piece sizes are forced tiny here and
every array of the incidents and of the chunk's outcome must equal, bit for bit, the one
computed in a single piece.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import catalog, mode, node, scenario, service, workload

from riskmodel.engine.csr import reduced_by_code
from riskmodel.engine.impact import FailedSet
from riskmodel.files.loader import SHIPPED_SCENARIOS
from riskmodel.plan.planner import Planner
from riskmodel.simulate import draw, engine
from riskmodel.simulate.draw import Incidents
from riskmodel.simulate.overlap import _start_order
from riskmodel.simulate.sweep import key_rows
from riskmodel.simulate.tables import InjectedFailure, PairTable, build_pair_table
from riskmodel.simulate.unions import NAME_WIDTH, UnionEvaluator, _names
from riskmodel.sources.scenario import load_scenario


@pytest.fixture(scope="module")
def demo() -> Planner:
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    return Planner(loaded.scenario, loaded.catalog, loaded.evidence)


def single_risk() -> PairTable:
    """One workload behind a $600/h service, crashing 3 times a year for 30-300 minutes."""
    shop = scenario(["a"], [node("n1", "a")], [workload("api", ["n1"])], [service("shop", ["api"], cost_per_hour=600)])
    crash = mode("crash", "workload", frequency=3, detect=0, repair={"low": 30, "high": 300})
    return build_pair_table(Planner(shop, catalog([crash])))


def _chunk(table: PairTable, sizes: list[int], seed: int) -> tuple[Incidents, engine.ChunkOutcome]:
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    incidents = engine.draw_chunk(table, [np.random.default_rng(c) for c in children], sizes)
    return incidents, engine.evaluate_chunk(table, incidents, sum(sizes), UnionEvaluator(table.structures))


def _assert_same_bits(table: PairTable, sizes: list[int], monkeypatch, draw_piece: int, evaluate_piece: int) -> int:
    monkeypatch.setattr(draw, "PIECE", 1 << 40)
    monkeypatch.setattr(engine, "PIECE_INCIDENTS", 1 << 40)
    whole_incidents, whole = _chunk(table, sizes, seed=5)
    assert len(whole_incidents) > 4 * max(draw_piece, evaluate_piece)  # many pieces below
    monkeypatch.setattr(draw, "PIECE", draw_piece)
    monkeypatch.setattr(engine, "PIECE_INCIDENTS", evaluate_piece)
    incidents, pieces = _chunk(table, sizes, seed=5)
    for name in Incidents.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(incidents, name), getattr(whole_incidents, name), err_msg=name)
    for name in ("annual_loss", "bad_minutes", "mode_loss"):
        np.testing.assert_array_equal(getattr(pieces, name), getattr(whole, name), err_msg=name)
    assert (pieces.incidents, pieces.overlapped, pieces.combined) == (whole.incidents, whole.overlapped, whole.combined)
    return whole.combined


def test_pieces_change_no_bit_of_the_demo(demo: Planner, monkeypatch) -> None:
    table = build_pair_table(demo)
    combined = _assert_same_bits(table, [300, 300], monkeypatch, draw_piece=97, evaluate_piece=400)
    assert combined > 0  # unions were evaluated in the pieces too


def test_pieces_change_no_bit_of_a_plan(demo: Planner, monkeypatch) -> None:
    measures = [m.id for m in demo.catalog.measures][:6]
    _assert_same_bits(build_pair_table(demo, measures), [400], monkeypatch, draw_piece=61, evaluate_piece=256)


def test_pieces_change_no_bit_of_a_single_risk(monkeypatch) -> None:
    _assert_same_bits(single_risk(), [20_000], monkeypatch, draw_piece=1_000, evaluate_piece=3_000)


def test_injected_failures_keep_one_piece_and_their_numbers(demo: Planner, monkeypatch) -> None:
    nodes = demo.scenario.nodes
    injected = [InjectedFailure("a", FailedSet(nodes=frozenset([nodes[0].name])), 100.0, 300.0),
                InjectedFailure("b", FailedSet(nodes=frozenset([nodes[1].name])), 100.0, 200.0)]
    table = build_pair_table(demo, injected=injected)
    incidents, _ = _chunk(table, [50], seed=5)
    assert engine._pieces(incidents.year, 50) == [(0, len(incidents))]  # years out of order: one piece
    _assert_same_bits(table, [50, 50], monkeypatch, draw_piece=33, evaluate_piece=64)


def test_pieces_are_whole_years_in_order(monkeypatch) -> None:
    year = np.repeat(np.arange(10), [3, 0, 5, 1, 1, 4, 0, 0, 2, 6])
    assert engine._pieces(year, 10) == [(0, 22)]  # 22 incidents: one piece by default
    monkeypatch.setattr(engine, "PIECE_INCIDENTS", 5)
    pieces = engine._pieces(year, 10)
    assert len(pieces) > 2 and pieces[0][0] == 0 and pieces[-1][1] == len(year)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))
    for low, _ in pieces:  # no year is split between two pieces
        assert low == 0 or year[low] != year[low - 1]


def test_start_order_is_the_stable_order() -> None:
    rng = np.random.default_rng(3)
    many = np.repeat(np.arange(4), 500) * 10.0 + rng.random(2000)  # many a year: introsort, no ties
    ties = np.repeat(np.arange(4), 500) * 10.0 + rng.integers(0, 3, 2000)  # ties: the stable sort again
    few = np.repeat(np.arange(1000), 2) * 10.0 + rng.random(2000)  # two a year: timsort
    for keys, years in ((many, 4), (ties, 4), (few, 1000)):
        order, ordered = _start_order(keys, years)
        np.testing.assert_array_equal(order, np.argsort(keys, kind="stable"))
        np.testing.assert_array_equal(ordered, keys[order])


def test_cache_names_ignore_padding_and_tell_keys_apart() -> None:
    codes = [[0], [0, 2], [2, 256], [2, 1 << 40], list(range(0, 2 * NAME_WIDTH, 2))]  # the last is longer than a name
    run = np.repeat(np.arange(len(codes)), [len(c) for c in codes])
    rows = key_rows(np.zeros(len(codes), dtype=np.int64), np.zeros(len(codes), dtype=np.int64), run,
                    np.concatenate([np.array(c, dtype=np.int64) for c in codes]), len(codes))
    names = _names(rows)
    assert len(set(names)) == len(codes)
    narrow = _names(rows[:4, :3 + 2])  # the same keys padded to another width
    assert narrow == names[:4]
    assert names[-1] == rows[-1, :3 + rows[-1, 2]].tobytes()


def test_reduced_by_code_by_hand():
    # Codes 3, 1, 3, 0, 1: the largest of each is 7 (code 0), 5 (code 1) and 2 (code 3); rows of
    # a matrix are summed per code the same way (what np.add.at into a dense array would give).
    codes, largest = reduced_by_code(np.array([3, 1, 3, 0, 1]), np.array([1.0, 5.0, 2.0, 7.0, 4.0]), np.maximum)
    assert codes.tolist() == [0, 1, 3] and largest.tolist() == [7.0, 5.0, 2.0]
    codes, sums = reduced_by_code(np.array([2, 0, 2]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.add)
    assert codes.tolist() == [0, 2] and sums.tolist() == [[3.0, 4.0], [6.0, 8.0]]
    empty, none = reduced_by_code(np.zeros(0, dtype=np.int64), np.zeros(0), np.maximum)
    assert len(empty) == len(none) == 0
