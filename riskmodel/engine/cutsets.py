"""Minimal cut sets of a service's fault tree: listed up to order 3, counted beyond.

A cut set is a set of basic events whose joint occurrence takes the service down; it is
minimal when no proper subset does. An event that fails a backing workload or a service of
the closure whole is a cut set of order 1 alone. Every other minimal cut set is made of
events that take out nodes (node, zone, region, cluster), and is a minimal cut set of one
workload gate: its events hold pods of that workload, together lose exactly enough of them
(dropping any one event saves the workload) and make no other gate lose enough with an
event to spare.

Sets up to order 3 are enumerated (most probable first): each gate's own minimal sets once
per forest (they do not depend on the tree the gate is in), then per tree their union without
the tree's direct events, less the sets holding a smaller one. Their probability of being in
force at a random moment is the product of their events' probabilities (the events are
independent, so this is exact, not an approximation), taken in event order. Sets beyond order 3 are counted
exactly (:mod:`riskmodel.engine.cutcount`) by a dynamic programme over the nesting of the node events (cluster ⊃ region ⊃
zone ⊃ node) with a state budget; when a tree is too wide for the budget, the count is
left open and an upper bound is given instead: the sum over gates of each gate's own
minimal sets, before removing those that contain another gate's cut set.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from riskmodel.engine.cutcount import COUNT_STATE_BUDGET, LISTED_ORDER, CountCache, count_beyond
from riskmodel.engine.faulttree import FaultForest, ServiceTree, WorkloadGate
from riskmodel.model.bounds import MINUTES_PER_YEAR


@dataclass(frozen=True)
class CutSet:
    """Events (their labels, sorted) whose joint occurrence takes the service down, and the
    probability that all of them are in force at a random moment."""

    events: tuple[str, ...]
    probability: float

    @property
    def order(self) -> int:
        return len(self.events)

    @property
    def minutes_per_year(self) -> float:
        """Expected minutes a year during which the whole set is in force."""
        return self.probability * MINUTES_PER_YEAR


@dataclass(frozen=True)
class CutSets:
    """A service's minimal cut sets up to order 3 and how many there are beyond."""

    service: str
    listed: tuple[CutSet, ...]
    beyond_order_3: int | None
    """The exact number of minimal cut sets of order 4 and more; None when the count passed
    :data:`COUNT_STATE_BUDGET` (then see ``beyond_order_3_at_most``)."""
    beyond_order_3_at_most: int
    """An upper bound (equal to ``beyond_order_3`` when that is known)."""
    down_now: bool = False

    def count_by_order(self) -> dict[int, int]:
        counts = Counter(cut.order for cut in self.listed)
        return {order: counts.get(order, 0) for order in range(1, LISTED_ORDER + 1)}


def _union_coverage(gate_pods: dict[int, int], node_sets: Iterable[frozenset[int]]) -> int:
    covered = frozenset().union(*node_sets)
    return sum(gate_pods.get(node, 0) for node in covered)


def _gate_minimal_cuts(forest: FaultForest, gate: WorkloadGate, cache: CountCache) -> tuple[frozenset[int], ...]:
    """The gate's own minimal cut sets of node events (indices) up to order 3, whatever tree
    it is in: order by order, so every smaller one is known when a set is checked."""
    if gate.workload not in cache.gate_cuts:
        holding = sorted(cache.holding(gate.workload))
        column = forest.event_pods[holding, gate.workload].tolist() if holding else []
        order = [i for _, i in sorted(((-pods, i) for i, pods in enumerate(column)))]
        node_sets = [forest.events[e].nodes for e in holding]
        known: set[frozenset[int]] = set()
        found: list[frozenset[int]] = []
        for size in range(1, LISTED_ORDER + 1):
            new = _gate_cuts_of_size(size, gate.lost_pods_needed, dict(gate.pods_on_node), column, order,
                                     node_sets, known)
            known |= new
            found.extend(frozenset(holding[i] for i in cut) for cut in new)
        cache.gate_cuts[gate.workload] = tuple(found)
    return cache.gate_cuts[gate.workload]


def _node_cut_candidates(forest: FaultForest, tree: ServiceTree, cache: CountCache) -> list[frozenset[int]]:
    """Sets of node events up to order 3 that are cuts of some gate of the tree and contain no
    smaller cut of any: the gates' own minimal sets without the tree's direct events (which
    stand alone), less those holding another such set. (A proper subset that breaks a gate
    holds a minimal set of that gate, so this is minimality in the tree.)"""
    cuts = {cut for gate in tree.gates if gate.nodes_can_break_it for cut in _gate_minimal_cuts(forest, gate, cache)}
    if any(forest.events[e].nodes for e in tree.direct):  # only events that take out nodes are in those sets
        direct = frozenset(tree.direct)
        cuts = {cut for cut in cuts if direct.isdisjoint(cut)}
    singles = frozenset(next(iter(cut)) for cut in cuts if len(cut) == 1)
    return [cut for cut in cuts if len(cut) == 1 or not _holds_a_smaller(cut, singles, cuts)]


def _holds_a_smaller(cut: frozenset[int], singles: frozenset[int], cuts: set[frozenset[int]]) -> bool:
    """Whether a proper subset of ``cut`` is among ``cuts`` (``singles``: their one-event members)."""
    return not singles.isdisjoint(cut) or any(
        frozenset(sub) in cuts for k in range(2, len(cut)) for sub in itertools.combinations(cut, k))


def _gate_cuts_of_size(size: int, needed: int, pods: dict[int, int], coverage: list[int], order: list[int],
                       node_sets: list[frozenset[int]], known: set[frozenset[int]]) -> set[frozenset[int]]:
    """Cuts of one gate with ``size`` events, none containing a ``known`` (smaller) cut.

    An event nested in another chosen one adds nothing, so such sets are skipped; disjoint
    events' pods add up; events that overlap without nesting fall back to the union."""
    cuts: set[frozenset[int]] = set()

    def contains_known(chosen: tuple[int, ...]) -> bool:
        return any(frozenset(sub) in known for k in range(1, len(chosen)) for sub in itertools.combinations(chosen, k))

    def lost(chosen: tuple[int, ...], additive: bool) -> int:
        if additive:
            return sum(coverage[i] for i in chosen)
        return _union_coverage(pods, (node_sets[i] for i in chosen))

    def extend(chosen: tuple[int, ...], start: int, covered_bound: int, additive: bool) -> None:
        missing = size - len(chosen)
        for k in range(start, len(order)):
            event = order[k]
            if covered_bound + coverage[event] * missing < needed:
                break
            events = node_sets[event]
            if any(events <= node_sets[c] or node_sets[c] <= events for c in chosen):
                continue
            disjoint = additive and all(events.isdisjoint(node_sets[c]) for c in chosen)
            candidate = (*chosen, event)
            if frozenset(candidate) in known or contains_known(candidate):
                continue
            breaks = lost(candidate, disjoint) >= needed
            if len(candidate) == size:
                if breaks:
                    cuts.add(frozenset(candidate))
            elif not breaks:
                extend(candidate, k + 1, covered_bound + coverage[event], disjoint)

    extend((), 0, 0, True)
    return cuts


def _record(forest: FaultForest, cut: frozenset[int], cache: CountCache) -> tuple[tuple[str, ...], float]:
    """The cut set's labels, sorted, and its probability: the product of its events', taken in
    event order so that a set has one value in every tree."""
    if cut not in cache.cut_records:
        cache.cut_records[cut] = (tuple(sorted(forest.events[e].label for e in cut)),
                                  math.prod(forest.events[e].probability for e in sorted(cut)))
    return cache.cut_records[cut]


def cut_sets(forest: FaultForest, tree: ServiceTree, budget: int = COUNT_STATE_BUDGET,
             cache: CountCache | None = None) -> CutSets:
    """Minimal cut sets of ``tree`` up to order 3, most probable first, and the count beyond.

    ``cache`` shares counting work between trees of the same forest."""
    if tree.down_now:
        return CutSets(tree.service, (), 0, 0, down_now=True)
    cache = cache or CountCache(forest)
    sets = [frozenset({e}) for e in tree.direct] + _node_cut_candidates(forest, tree, cache)
    listed = tuple(sorted((CutSet(*_record(forest, cut, cache)) for cut in sets),
                          key=lambda c: (-c.probability, c.order, c.events)))
    alone = frozenset(next(iter(cut)) for cut in sets if len(cut) == 1)
    exact, bound = count_beyond(forest, tree, cache, alone, budget)
    return CutSets(tree.service, listed, exact, bound)


def all_cut_sets(forest: FaultForest, budget: int = COUNT_STATE_BUDGET) -> tuple[CutSets, ...]:
    """Cut sets of every service, in scenario order."""
    cache = CountCache(forest)
    return tuple(cut_sets(forest, tree, budget, cache) for tree in forest.trees)
