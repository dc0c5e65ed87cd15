"""Counting the minimal cut sets beyond the listed order, without listing them.

A dynamic programme per workload gate over the node events holding its pods, in preorder of
their nesting (cluster ⊃ region ⊃ zone ⊃ node), with a state budget: a tree too wide for it is
left uncounted (None) and :mod:`riskmodel.engine.cutsets` reports an upper bound instead.
Sibling events with nothing nested inside them that hold the same pods of every tracked gate
(the nodes of a zone, mostly) are one step of the programme: taking c of m of them is
``C(m, c)`` ways to the same state, so the steps follow the distinct pod patterns, not the
nodes. ``CountCache`` shares the nesting, the programmes and the per-gate listings between the
trees of one forest; a programme is also shared between gates whose steps are the same.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from riskmodel.engine.faulttree import FaultForest, ServiceTree

LISTED_ORDER = 3
"""Cut sets up to this order are listed; the ones beyond are counted here."""
COUNT_STATE_BUDGET = 200_000
"""Distinct (step, state) pairs the exact count of one tree may visit before it gives up on it
(programmes computed for it are charged; those shared from the cache are not)."""
_CAPPED_SIZE = LISTED_ORDER + 1
_NONE_TAKEN = 1 << 62
"""``fewest`` before any event is taken (larger than any pod count)."""


@dataclass(frozen=True)
class Nesting:
    """A gate's node events in preorder of their nesting: ``ends[i]`` is the position after
    the subtree of ``events[i]``; ``reach`` the pods of every workload on all their nodes."""

    events: tuple[int, ...]
    ends: tuple[int, ...]
    reach: np.ndarray


class CountCache:
    """What the cut sets of several trees of one forest share: per workload the events holding
    its pods, their nesting, each counting programme's result, and the gate's own minimal cut
    sets up to the listed order (filled by :mod:`riskmodel.engine.cutsets`)."""

    def __init__(self, forest: FaultForest) -> None:
        self.forest = forest
        self._holding: dict[int, frozenset[int]] = {}
        self._nesting: dict[tuple[int, frozenset[int]], Nesting | None] = {}
        self._forest_order: tuple[np.ndarray, np.ndarray] | None | bool = False
        self.programmes: dict[tuple, tuple[int, int]] = {}
        """(gate, events left out, other tracked gates) → (count, states visited)."""
        self.by_steps: dict[tuple, tuple[int, int]] = {}
        """The same, keyed by what the programme computes on (needs, order flags, steps)."""
        self.abandoned: dict[tuple, int] = {}
        """Programmes stopped at a state limit, with the limit they passed."""
        self.gate_cuts: dict[int, tuple[frozenset[int], ...]] = {}
        self.cut_records: dict[frozenset[int], tuple[tuple[str, ...], float]] = {}
        """A listed cut set's event labels (sorted) and probability, by its events."""

    def holding(self, workload: int) -> frozenset[int]:
        """Events (by index) that take out a node holding pods of ``workload``."""
        if workload not in self._holding:
            self._holding[workload] = frozenset(np.flatnonzero(self.forest.event_pods[:, workload] > 0).tolist())
        return self._holding[workload]

    def _preorder_of_forest(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per event, its position in a preorder of the nesting of all events that take out
        nodes and the position after its subtree; None when they do not all nest."""
        if self._forest_order is False:
            events = self.forest.events
            taking = sorted((e for e, event in enumerate(events) if event.nodes),
                            key=lambda e: (-len(events[e].nodes), e))
            nested = _preorder(taking, [events[e].nodes for e in taking])
            if nested is None:
                self._forest_order = None
            else:
                position = np.full(len(events), -1, dtype=np.int64)
                end = np.full(len(events), -1, dtype=np.int64)
                chosen = np.array([taking[i] for i in nested[0]], dtype=np.int64)
                position[chosen] = np.arange(len(chosen))
                end[chosen] = nested[1]
                self._forest_order = position, end
        return self._forest_order  # type: ignore[return-value]

    def nesting(self, workload: int, excluded: frozenset[int]) -> Nesting | None:
        """The nesting of the events holding the workload's pods but ``excluded``; None when
        two of them overlap without one containing the other. When all the forest's events
        nest, a subset's nesting is read off theirs: the subset in the forest's preorder is a
        preorder of its own nesting (an event's nearest ancestor in the subset is its parent
        there, and a subtree stays contiguous), and a subtree ends at the first event of the
        subset past the forest's subtree. Otherwise it is built for the subset alone."""
        key = (workload, excluded)
        if key not in self._nesting:
            forest_order = self._preorder_of_forest()
            chosen = self.holding(workload) - excluded
            if forest_order is not None:
                position, end = forest_order
                ids = np.fromiter(chosen, dtype=np.int64, count=len(chosen))
                ids = ids[np.argsort(position[ids])]
                events = ids.tolist()
                ends = np.searchsorted(position[ids], end[ids]).tolist()
                nested: tuple[list[int], list[int]] | None = (events, ends)
            else:
                events = sorted(chosen, key=lambda e: (-len(self.forest.events[e].nodes), e))
                found = _preorder(events, [self.forest.events[e].nodes for e in events])
                nested = None if found is None else ([events[i] for i in found[0]], found[1])
            self._nesting[key] = None if nested is None else _nesting(self.forest, *nested)
        return self._nesting[key]


def _nesting(forest: FaultForest, events: list[int], ends: list[int]) -> Nesting:
    """The nesting of ``events`` in preorder with their subtree ends; its reach adds up the
    roots (the events inside no earlier subtree)."""
    deepest = np.maximum.accumulate(np.asarray([0, *ends[:-1]], dtype=np.int64)) if events else np.zeros(0, np.int64)
    roots = [e for e, inside in zip(events, (deepest > np.arange(len(events))).tolist(), strict=True) if not inside]
    reach = forest.event_pods[roots].sum(axis=0) if roots else np.zeros(len(forest.workload_names), dtype=np.int64)
    return Nesting(tuple(events), tuple(ends), reach)


def _preorder(events: list[int], node_sets: list[frozenset[int]]) -> tuple[list[int], list[int]] | None:
    """Events (given in (−size, index) order) in preorder of their nesting, by position, and
    per position the position after its subtree; None when two events overlap without one
    containing the other."""
    owner: dict[int, int] = {}
    children: dict[int | None, list[int]] = defaultdict(list)
    for i, nodes in enumerate(node_sets):
        parents = {owner.get(node) for node in nodes}
        if len(parents) != 1:
            return None
        parent = parents.pop()
        if parent is not None and not nodes <= node_sets[parent]:
            return None
        children[parent].append(i)
        for node in nodes:
            owner[node] = i
    order: list[int] = []
    end_of: dict[int, int] = {}
    stack: list[tuple[int, bool]] = [(root, False) for root in reversed(children[None])]
    while stack:
        item, closing = stack.pop()
        if closing:
            end_of[item] = len(order)
            continue
        order.append(item)
        stack.append((item, True))
        stack.extend((child, False) for child in reversed(children.get(item, ())))
    return order, [end_of[i] for i in order]


class _Count:
    """Counts minimal cut sets of order ≥ 4 made of node events.

    Node events nest (a node inside a zone inside a region) or are disjoint, so in a minimal
    set they are disjoint (a node inside a chosen zone adds nothing) and their pods add up.
    Every such set is minimal for a gate it breaks: all its events hold pods of that gate.
    So the count is a sum over gates g of the sets of events holding g's pods that break g,
    break no gate listed before g, and break no gate with an event to spare. Each sum term
    is a dynamic programme over those events in preorder of their nesting, taking or
    skipping each (taking one skips its descendants). A set is complete the moment a gate
    breaks: one more event would always be one to spare.
    """

    def __init__(self, forest: FaultForest, tree: ServiceTree, cache: CountCache, alone: frozenset[int]) -> None:
        self.forest = forest
        self.cache = cache
        self.alone = alone
        self.gates = [gate.workload for gate in tree.gates if gate.nodes_can_break_it]
        self.needed = {gate.workload: gate.lost_pods_needed for gate in tree.gates}

    def beyond(self, budget: int) -> tuple[int | None, int]:
        """(exact count or None when over ``budget`` states or not nested, upper bound)."""
        locals_ = [self._result(g, ()) for g in self.gates]
        bound = sum(result[0] for result in locals_ if result is not None)
        if any(result is None for result in locals_):
            return None, bound
        visited = exact = 0
        for g, local in zip(self.gates, locals_, strict=True):
            if local is None or not local[0]:
                continue
            others = self._others(g)
            computed = bool(others) and (g, self._excluded(g), others) not in self.cache.programmes
            result = self._result(g, others, budget - visited) if others else local
            if result is None:
                return None, bound
            visited += result[1] if computed else 0
            if visited > budget:
                return None, bound
            exact += result[0]
        return exact, bound

    def _excluded(self, g: int) -> frozenset[int]:
        return self.alone & self.cache.holding(g)

    def _others(self, g: int) -> tuple[int, ...]:
        """The tree's other gates that the events holding g's pods can break (a gate that
        cannot lose enough pods on all their nodes plays no part in which sets count)."""
        nesting = self.cache.nesting(g, self._excluded(g))
        if nesting is None:
            return ()
        return tuple(h for h in self.gates if h != g and nesting.reach[h] >= self.needed[h])

    def _result(self, g: int, others: tuple[int, ...], limit: int | None = None) -> tuple[int, int] | None:
        """(count, states visited) of g's programme with ``others`` tracked; None if not nested
        or when it would visit more than ``limit`` states (then it stops there)."""
        excluded = self._excluded(g)
        key = (g, excluded, others)
        if limit is not None and self.cache.abandoned.get(key, -1) >= limit:
            return None
        if key not in self.cache.programmes:
            nesting = self.cache.nesting(g, excluded)
            if nesting is None:
                return None
            if nesting.reach[g] < self.needed[g]:
                self.cache.programmes[key] = (0, 0)  # all its events together do not break it
                return self.cache.programmes[key]
            tracked = (g, *others)
            held = self.forest.event_pods[np.ix_(list(nesting.events), list(tracked))]
            steps = _steps(nesting, [tuple(row) for row in held.tolist()])
            needed = tuple(self.needed[t] for t in tracked)
            earlier = tuple(t < g for t in tracked)
            signature = (needed, earlier, steps)
            if signature not in self.cache.by_steps:
                result = _Programme(needed, earlier, steps).run(limit)
                if result is None:
                    self.cache.abandoned[key] = limit if limit is not None else -1
                    return None
                self.cache.by_steps[signature] = result
            self.cache.programmes[key] = self.cache.by_steps[signature]
        return self.cache.programmes[key]


def _steps(nesting: Nesting, rows: list[tuple[int, ...]]) -> tuple[tuple[tuple[int, ...], int, int, int], ...]:
    """The programme's steps in preorder: (pods of each tracked gate on one event, how many
    such events, the step after it, the step of its parent or −1). An event with events nested
    inside is a step of its own (taking it skips to the step after its subtree); the leaves
    under one parent are grouped by their pods, after the parent's other children."""
    ends = nesting.ends
    steps: list[list] = []

    def emit(first: int, stop: int, parent_step: int) -> None:
        leaves: dict[tuple[int, ...], int] = {}
        position = first
        while position < stop:
            after = ends[position]
            if after == position + 1:
                leaves[rows[position]] = leaves.get(rows[position], 0) + 1
            else:
                at = len(steps)
                steps.append([rows[position], 1, 0, parent_step])
                emit(position + 1, after, at)
                steps[at][2] = len(steps)
            position = after
        for pods, count in leaves.items():
            steps.append([pods, count, len(steps) + 1, parent_step])

    emit(0, len(ends), -1)
    return tuple((pods, count, end, parent) for pods, count, end, parent in steps)


class _Programme:
    """The counting programme for one counted gate (tracked gate 0) over its steps.

    A state is ``(events taken, capped at 4; pods lost per tracked gate; fewest pods of that
    gate on a taken event)``. ``fewest`` starts above any count and drops to 0 once a taken
    event holds none of the gate's pods: a gate breaks minimally only while it is positive and
    the gate's loss minus it stays below the need. Before a step, a gate whose lost pods plus
    every pod still reachable cannot reach its need is set to (0, 0) (it can never break, and
    so behaves as one that lost nothing), the counted gate in that case ends the state, and
    ``fewest`` is capped at the largest pods one later event holds (breaking takes such an
    event, so a larger value decides nothing): states that cannot differ in what they count
    are one.
    """

    def __init__(self, needed: tuple[int, ...], earlier: tuple[bool, ...],
                 steps: tuple[tuple[tuple[int, ...], int, int, int], ...]) -> None:
        self.needed = needed
        self.earlier = earlier
        self.steps = steps
        gates, count = len(needed), len(steps)
        pods = np.array([s[0] for s in steps], dtype=np.int64).reshape(count, gates)
        multiplicity = np.array([s[1] for s in steps], dtype=np.int64)
        parents = np.array([s[3] for s in steps], dtype=np.int64)
        # Pods still reachable before step p: steps ≥ p whose parent is before p (the rest
        # lie inside one of them).
        change = np.zeros((count + 2, gates), dtype=np.int64)
        np.add.at(change, parents + 1, pods * multiplicity[:, None])
        np.add.at(change, np.arange(count) + 1, -pods * multiplicity[:, None])
        reach = np.cumsum(change, axis=0)[:count + 1]
        short = np.asarray(needed, dtype=np.int64)[None, :] - reach
        cap = np.zeros((count + 1, gates), dtype=np.int64)
        if count:
            cap[:count] = np.maximum.accumulate(pods[::-1], axis=0)[::-1]
        self.short = short.tolist()
        self.cap = cap.tolist()
        # Per position, the tracked gates (but the counted one) that can run out of reach there.
        self.may_die = [[t for t in range(1, gates) if row[t] > 0] for row in self.short]
        same = (short[1:] == short[:-1]).all(axis=1) & (cap[1:] == cap[:-1]).all(axis=1)
        self.same = [False, *same.tolist()]
        self.hits = [[t for t, held in enumerate(step[0]) if held] for step in steps]

    def canonical(self, state: tuple[int, ...], position: int) -> tuple[int, ...] | None:
        """``state`` as seen before ``position``; None when the counted gate cannot break."""
        short = self.short[position]
        if state[1] < short[0]:
            return None
        gates = len(self.needed)
        lost = state[1:gates + 1]
        fewest = list(map(min, state[gates + 1:], self.cap[position]))
        dead = [t for t in self.may_die[position] if lost[t] < short[t]]
        if dead:
            values = list(lost)
            for t in dead:
                values[t] = fewest[t] = 0
            lost = tuple(values)
        return (state[0], *lost, *fewest)

    def verdict(self, lost: tuple[int, ...], fewest: tuple[int, ...], step: int) -> str:
        """After taking events of ``step`` (``lost``, ``fewest`` as they then are): ``cut`` when
        the counted gate breaks and every broken gate has no event to spare and none is listed
        before it, ``open`` when nothing broke, ``drop`` otherwise."""
        needed, earlier = self.needed, self.earlier
        counted = other = False
        for t in self.hits[step]:
            if lost[t] >= needed[t]:
                if fewest[t] <= 0 or lost[t] - fewest[t] >= needed[t] or earlier[t]:
                    return "drop"
                if t == 0:
                    counted = True
                else:
                    other = True
        return "cut" if counted else "drop" if other else "open"

    def run(self, limit: int | None = None) -> tuple[int, int] | None:
        """(sets counted, distinct (step, state) pairs visited); None once more than ``limit``.

        From a state, a step of ``count`` like events is skipped or ``c`` of them are taken
        (``C(count, c)`` ways). Taking c adds c times their pods and sets ``fewest`` to the
        minimum with them once; nothing breaks before ``c`` reaches the first count at which
        a gate they hit loses enough, where the verdict is taken, and a ``c`` too small for
        the counted gate to still break after the step leads nowhere, so only the ``c`` in
        between are states to carry on."""
        gates, steps, needed = len(self.needed), self.steps, self.needed
        buckets: list[dict[tuple[int, ...], int]] = [{} for _ in range(len(steps) + 1)]
        start = self.canonical((0,) + (0,) * gates + (_NONE_TAKEN,) * gates, 0)
        if start is not None:
            buckets[0][start] = 1
        total = visited = 0
        for i, (pods, count, end, _) in enumerate(steps):
            bucket = buckets[i]
            if not bucket:
                continue
            visited += len(bucket)
            if limit is not None and visited > limit:
                return None
            following, jump = buckets[i + 1], buckets[end]
            unchanged = self.same[i + 1]
            hits, short, counted_pods = self.hits[i], self.short[end], pods[0]
            cap, may_die = self.cap[end], self.may_die[end]
            for state, ways in bucket.items():
                kept = state if unchanged else self.canonical(state, i + 1)
                if kept is not None:
                    following[kept] = following.get(kept, 0) + ways
                lost = state[1:gates + 1]
                fewest = tuple(map(min, state[gates + 1:], pods))
                carried = tuple(map(min, fewest, cap))  # ``canonical`` at ``end``, inlined: c moves only the losses
                breaks_at = min(-((lost[t] - needed[t]) // pods[t]) for t in hits)
                lowest = max(1, -((lost[0] - short[0]) // counted_pods))
                for copies in range(lowest, min(breaks_at - 1, count) + 1):
                    losses = [held + copies * more for held, more in zip(lost, pods, strict=True)]
                    dead = [t for t in may_die if losses[t] < short[t]]
                    if dead:
                        kept_fewest = list(carried)
                        for t in dead:
                            losses[t] = kept_fewest[t] = 0
                        taken = (min(state[0] + copies, _CAPPED_SIZE), *losses, *kept_fewest)
                    else:
                        taken = (min(state[0] + copies, _CAPPED_SIZE), *losses, *carried)
                    jump[taken] = jump.get(taken, 0) + ways * math.comb(count, copies)
                if breaks_at <= count and state[0] + breaks_at > LISTED_ORDER:
                    after = tuple(held + breaks_at * more for held, more in zip(lost, pods, strict=True))
                    if self.verdict(after, fewest, i) == "cut":
                        total += ways * math.comb(count, breaks_at)
            buckets[i] = {}
        return total, visited


def count_beyond(forest: FaultForest, tree: ServiceTree, cache: CountCache, alone: frozenset[int],
                 budget: int = COUNT_STATE_BUDGET) -> tuple[int | None, int]:
    """(exact count of minimal cut sets beyond :data:`LISTED_ORDER`, or None when over ``budget``
    states or not nested; an upper bound). ``alone``: events that are cut sets by themselves."""
    return _Count(forest, tree, cache, alone).beyond(budget)
