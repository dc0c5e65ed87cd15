"""Counting the minimal cut sets beyond the listed order, without listing them.

A dynamic programme per workload gate over the node events holding its pods, in preorder of
their nesting (cluster ⊃ region ⊃ zone ⊃ node), with a state budget: a tree too wide for it is
left uncounted (None) and :mod:`riskmodel.engine.cutsets` reports an upper bound instead.
``CountCache`` shares the nesting and the counts between the trees of one forest.
"""

from __future__ import annotations

import numpy as np

from riskmodel.engine.faulttree import FaultForest, ServiceTree

LISTED_ORDER = 3
"""Cut sets up to this order are listed; the ones beyond are counted here."""
COUNT_STATE_BUDGET = 200_000
"""Distinct (position, state) pairs the exact count may visit before it gives up on a tree."""


class CountCache:
    """What the counts of several trees of one forest share: per gate its events in nesting
    order, its own count, and the count for each set of other gates it is tracked with."""

    def __init__(self, forest: FaultForest) -> None:
        self.forest = forest
        self._nesting: dict[tuple[int, frozenset[int]], tuple | None] = {}
        self.local: dict[tuple[int, frozenset[int]], int | None] = {}
        self.counted: dict[tuple[int, frozenset[int], frozenset[int]], int] = {}

    def nesting(self, workload: int, excluded: frozenset[int]) -> tuple | None:
        """(events holding the workload's pods in preorder, position after each subtree, and the
        nodes they cover grouped by the last position covering them: the positions, where each
        group starts, the nodes in that order), or None if not nested."""
        key = (workload, excluded)
        if key not in self._nesting:
            forest = self.forest
            events = [e for e in np.flatnonzero(forest.event_pods[:, workload] > 0).tolist() if e not in excluded]
            nested = _preorder(events, [forest.events[e].nodes for e in events])
            if nested is None:
                self._nesting[key] = None
            else:
                order = [events[i] for i in nested[0]]
                last = np.full(len(forest.node_names), -1, dtype=np.int64)
                for position, e in enumerate(order):
                    last[sorted(forest.events[e].nodes)] = position
                covered = np.flatnonzero(last >= 0)
                by_last = covered[np.argsort(last[covered], kind="stable")]
                positions, starts = np.unique(last[by_last], return_index=True)
                self._nesting[key] = (order, nested[1], positions, starts, by_last)
        return self._nesting[key]


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
        locals_ = [self._local(g) for g in self.gates]
        bound = sum(count or 0 for count in locals_)
        if any(count is None for count in locals_):
            return None, bound
        left, exact = budget, 0
        for g, local in zip(self.gates, locals_, strict=True):
            if not local:
                continue
            others = self._others(g)
            key = (g, self._excluded(g), frozenset(others))
            if key not in self.cache.counted:
                result = self._programme(g, others, left)
                if result is None:
                    return None, bound
                self.cache.counted[key] = result[0]
                left -= result[1]
            exact += self.cache.counted[key]
        return exact, bound

    def _excluded(self, g: int) -> frozenset[int]:
        holding = np.flatnonzero(self.forest.event_pods[:, g] > 0).tolist()
        return frozenset(e for e in holding if e in self.alone)

    def _local(self, g: int) -> int | None:
        key = (g, self._excluded(g))
        if key not in self.cache.local:
            result = self._programme(g, [], None)
            self.cache.local[key] = None if result is None else result[0]
        return self.cache.local[key]

    def _others(self, g: int) -> list[int]:
        nesting = self.cache.nesting(g, self._excluded(g))
        if nesting is None:
            return []
        held = self.forest.event_pods[nesting[0]][:, self.gates].any(axis=0)
        return [self.gates[h] for h in np.flatnonzero(held).tolist() if self.gates[h] != g]

    def _programme(self, g: int, others: list[int], budget: int | None) -> tuple[int, int] | None:
        """Sets over the events holding gate g's pods that break g minimally (order ≥ 4), with
        ``others`` neither broken with an event to spare nor broken when listed before g."""
        nesting = self.cache.nesting(g, self._excluded(g))
        if nesting is None:
            return None
        order, skip, last_positions, starts, by_last = nesting
        tracked = [g, *others]
        needed = [self.needed[t] for t in tracked]
        held = self.forest.event_pods[order][:, tracked]
        hits: list[list[tuple[int, int]]] = [[] for _ in order]
        for row, column in zip(*np.nonzero(held), strict=True):
            hits[row].append((int(column), int(held[row, column])))
        pods = self.forest.node_workload_pods
        reach = _suffix_reach(len(order), last_positions, starts,
                              pods[np.ix_(by_last, tracked)] if pods is not None else None)
        programme = _Programme(needed, reach, [t < g for t in tracked], hits)
        positions = len(order)
        buckets: dict[int, dict] = {0: {((), 0): 1}}
        total = visited = 0
        for i in range(positions):
            bucket = buckets.pop(i, None)
            if not bucket:
                continue
            visited += len(bucket)
            if budget is not None and visited > budget:
                return None
            following = buckets.setdefault(i + 1, {})
            jump = buckets.setdefault(skip[i], {}) if skip[i] > i + 1 else following
            dropping = programme.dropping(i)
            for (state, size), ways in bucket.items():
                if dropping and (0 in dropping or any(entry[0] in dropping for entry in state)):
                    kept = programme.canonical(state, size, i + 1)
                else:
                    kept = (state, size)
                if kept is not None:
                    following[kept] = following.get(kept, 0) + ways
                verdict, taken = programme.take(state, size, i)
                if verdict == "cut":
                    total += ways if size + 1 > LISTED_ORDER else 0
                elif verdict == "open":
                    key = programme.canonical(taken, size + 1, skip[i])
                    if key is not None:
                        jump[key] = jump.get(key, 0) + ways
        return total, visited


class _Programme:
    """Transitions of the counting programme for one counted gate (tracked gate 0).

    A state is the number of events taken (capped at 4) and, for each tracked gate that a
    taken event holds pods of and that can still break, ``(gate, pods lost, fewest pods of
    a taken event)``; ``fewest`` is 0 once a taken event holds none. Gates not in the state
    have lost nothing: once anything is taken they are poisoned (a taken event holds none of
    their pods), so breaking them later would leave an event to spare.
    """

    def __init__(self, needed: list[int], reach: list[list[int]], earlier: list[bool],
                 hits: list[list[tuple[int, int]]]) -> None:
        self.needed = needed
        self.reach = reach
        self.earlier = earlier
        self.hits = [dict(row) for row in hits]
        # Per position and tracked gate: the pods a state must have lost already to still break it.
        self.short = [[n - row[p] for n, row in zip(needed, reach, strict=True)] for p in range(len(hits) + 1)]

    def dropping(self, position: int) -> frozenset[int]:
        """Tracked gates whose reach shrinks when the event at ``position`` is skipped: only
        states holding them (or any state, when the counted gate is one) need re-checking."""
        return frozenset(t for t, row in enumerate(self.reach) if row[position + 1] < row[position])

    def canonical(self, state: tuple, size: int, position: int) -> tuple | None:
        """Gates that can no longer break are dropped; None when the counted gate cannot."""
        short = self.short[position]
        counted = state[0][1] if state and state[0][0] == 0 else 0
        if counted < short[0]:
            return None
        kept = tuple(entry for entry in state if entry[1] >= short[entry[0]])
        return kept, (size if size <= LISTED_ORDER else LISTED_ORDER + 1)

    def take(self, state: tuple, size: int, position: int) -> tuple[str, tuple]:
        """(verdict, state) after taking the event at ``position``: ``cut`` when the counted gate
        breaks and every broken gate has no event to spare and none is listed before it,
        ``open`` when nothing broke, ``drop`` otherwise."""
        hits, needed, earlier = self.hits[position], self.needed, self.earlier
        entries = []
        held = 0
        broken = counted_broken = False
        for gate, lost, fewest in state:
            pods = hits.get(gate)
            if pods is None:
                entries.append((gate, lost, 0))  # this event holds none of its pods
                continue
            held += 1
            lost += pods
            fewest = fewest if fewest < pods else pods
            if lost >= needed[gate]:
                if fewest <= 0 or lost - fewest >= needed[gate] or earlier[gate]:
                    return "drop", ()
                broken, counted_broken = True, counted_broken or gate == 0
            entries.append((gate, lost, fewest))
        if held < len(hits):
            known = {entry[0] for entry in state}
            for gate, pods in hits.items():
                if gate in known:
                    continue
                fewest = pods if size == 0 else 0
                if pods >= needed[gate]:
                    if fewest <= 0 or pods - fewest >= needed[gate] or earlier[gate]:
                        return "drop", ()
                    broken, counted_broken = True, counted_broken or gate == 0
                entries.append((gate, pods, fewest))
            entries.sort()
        if not broken:
            return "open", tuple(entries)
        return ("cut" if counted_broken else "drop"), ()


def _suffix_reach(positions: int, last_positions: np.ndarray, starts: np.ndarray,
                  pods: np.ndarray | None) -> list[list[int]]:
    """Per tracked gate and position: pods on the nodes of the events from that position on.
    ``pods`` (covered nodes × tracked gates) is grouped by the last position covering each
    node: group k starts at row ``starts[k]`` and belongs to ``last_positions[k]``."""
    if pods is None or not positions:
        return [[0] * (positions + 1) for _ in range(0 if pods is None else pods.shape[1])]
    per_position = np.zeros((positions + 1, pods.shape[1]), dtype=np.int64)
    if len(starts):
        per_position[last_positions] = np.add.reduceat(pods, starts, axis=0)
    return np.cumsum(per_position[::-1], axis=0)[::-1].T.tolist()


def _preorder(events: list[int], node_sets: list[frozenset[int]]) -> tuple[list[int], list[int]] | None:
    """Events in preorder of their nesting and, per position, the position after its subtree;
    None when two events overlap without one containing the other."""
    by_size = sorted(range(len(events)), key=lambda i: (-len(node_sets[i]), events[i]))
    owner: dict[int, int] = {}
    children: dict[int | None, list[int]] = {}
    for i in by_size:
        parents = {owner.get(node) for node in node_sets[i]}
        if len(parents) != 1:
            return None
        parent = parents.pop()
        if parent is not None and not node_sets[i] <= node_sets[parent]:
            return None
        children.setdefault(parent, []).append(i)
        for node in node_sets[i]:
            owner[node] = i
    order: list[int] = []
    ends: list[int] = []
    stack: list[tuple[int, int]] = [(root, 0) for root in reversed(children.get(None, []))]
    end_of: dict[int, int] = {}
    while stack:
        item, state = stack.pop()
        if state == 0:
            order.append(item)
            stack.append((item, 1))
            stack.extend((child, 0) for child in reversed(children.get(item, [])))
        else:
            end_of[item] = len(order)
    ends = [end_of[i] for i in order]
    return order, ends


def count_beyond(forest: FaultForest, tree: ServiceTree, cache: CountCache, alone: frozenset[int],
                 budget: int = COUNT_STATE_BUDGET) -> tuple[int | None, int]:
    """(exact count of minimal cut sets beyond :data:`LISTED_ORDER`, or None when over ``budget``
    states or not nested; an upper bound). ``alone``: events that are cut sets by themselves."""
    return _Count(forest, tree, cache, alone).beyond(budget)
