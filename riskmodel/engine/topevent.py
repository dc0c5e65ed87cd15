"""The probability that a service is down at a random moment, and its derivative by every event.

For a service's tree (see :mod:`riskmodel.engine.faulttree`), with independent events:

``P(down) = 1 − Π_direct (1 − q_d) × Σ_σ P(σ) · Q(σ)``

where σ runs over the states of the events that take out more than one node (zones,
regions, the cluster), each leaving a set K of nodes out for sure, and Q(σ) is the
probability that no gate loses enough pods given K, with every other node out with its own
probability p_n. Q is computed exactly per group of gates that share nodes (gates without
shared nodes are independent, so Q is the product over groups), by a dynamic programme over
the group's nodes whose state is the pods each gate has lost so far.

Two cut-offs keep wide trees fast, each counted into ``error_bound`` (an absolute bound on
``P(down)``, 0 when nothing was cut): a gate whose own probability of losing enough given K
is below :data:`GATE_CUTOFF` is left out of Q (Bonferroni: Q_kept − Σ dropped ≤ Q ≤ Q_kept),
and programme states less likely than :data:`STATE_CUTOFF` are dropped. With both cut-offs 0
the result is exact. On the demo nothing that matters is cut (the bound is below 1e-40).

The same programme run backwards gives ∂Q/∂p_n for every node; Birnbaum importance of an
event is then ∂P(down)/∂q_e, which for a multilinear P equals P(down | e) − P(down | not e).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from riskmodel.engine.faulttree import FaultForest, ServiceTree, WorkloadGate

GATE_CUTOFF = 1e-15
STATE_CUTOFF = 1e-18
COARSE_STATES = 4096
"""States of the multi-node events enumerated per tree; the mass of the rest goes into the bound."""


@dataclass(frozen=True, eq=False)
class TopEvent:
    """``P(down)`` of one service, its bound, and ``birnbaum[e] = ∂P/∂q_e`` per event index."""

    service: str
    probability: float
    error_bound: float
    birnbaum: dict[int, float] = field(repr=False)


@dataclass(frozen=True)
class _GroupResult:
    ok: float
    derivative: dict[int, float]
    pruned: float


class TopEventSolver:
    """Solves the trees of one forest; groups of gates shared by several services are solved once."""

    def __init__(self, forest: FaultForest, gate_cutoff: float = GATE_CUTOFF,
                 state_cutoff: float = STATE_CUTOFF) -> None:
        self.forest = forest
        self.gate_cutoff = gate_cutoff
        self.state_cutoff = state_cutoff
        self._groups: dict[tuple, _GroupResult] = {}
        self._marginals: dict[tuple, float] = {}
        single = [e for e, event in enumerate(forest.events) if len(event.nodes) == 1]
        self.node_p, self.node_events = _node_probabilities(forest, single)

    def solve(self, tree: ServiceTree) -> TopEvent:
        if tree.down_now:
            return TopEvent(tree.service, 1.0, 0.0, {})
        q = self.forest.probabilities
        direct_ok = math.prod(1.0 - q[d] for d in tree.direct)
        coarse = [e for e in tree.node_events if len(self.forest.events[e].nodes) > 1]
        node_p, node_events = self.node_p, self.node_events
        gates = [gate for gate in tree.gates if gate.nodes_can_break_it]
        states, leftover = _coarse_states(self.forest, coarse)
        ok_sum, bound = 0.0, leftover
        node_grad: dict[int, float] = defaultdict(float)
        ok_of: dict[frozenset[int], float] = {}
        for on, weight, lost_nodes in states:
            ok, grad, cut = self._ok_given(gates, lost_nodes, node_p)
            ok_of[on] = ok
            ok_sum += weight * ok
            bound += weight * cut
            for node, value in grad.items():
                node_grad[node] += weight * value
        coarse_grad = _coarse_gradient(q, coarse, states, ok_of)
        probability = 1.0 - direct_ok * ok_sum
        birnbaum: dict[int, float] = {}
        for d in tree.direct:
            birnbaum[d] = (1.0 - probability) / (1.0 - q[d]) if q[d] < 1 else 0.0
        for node, gradient in node_grad.items():
            if not gradient:
                continue
            events = node_events[node]
            for e in events:
                others = math.prod(1.0 - q[f] for f in events if f != e)
                birnbaum[e] = birnbaum.get(e, 0.0) - direct_ok * gradient * others
        for c in coarse:
            birnbaum[c] = -direct_ok * coarse_grad[c]
        return TopEvent(tree.service, float(np.clip(probability, 0.0, 1.0)), direct_ok * bound, birnbaum)

    def _ok_given(self, gates: list[WorkloadGate], lost_nodes: frozenset[int],
                  node_p: dict[int, float]) -> tuple[float, dict[int, float], float]:
        """Q(K), ∂Q/∂p_n for nodes not in K, and the probability mass cut off."""
        kept: list[tuple[WorkloadGate, int]] = []
        dropped = 0.0
        for gate in gates:
            lost = sum(count for node, count in gate.pods_on_node if node in lost_nodes)
            still = gate.lost_pods_needed - lost
            if still <= 0:
                return 0.0, {}, 0.0
            marginal = self._marginal(gate, lost_nodes, still, node_p)
            if marginal < self.gate_cutoff:
                dropped += marginal
            else:
                kept.append((gate, still))
        ok, pruned = 1.0, dropped
        grad: dict[int, float] = {}
        results = [self._group(group, lost_nodes, node_p) for group in _groups(kept, lost_nodes, node_p)]
        for k, result in enumerate(results):
            ok *= result.ok
            pruned += result.pruned
            rest = math.prod(r.ok for j, r in enumerate(results) if j != k)
            for node, value in result.derivative.items():
                grad[node] = grad.get(node, 0.0) + value * rest
        return ok, grad, pruned

    def _marginal(self, gate: WorkloadGate, lost_nodes: frozenset[int], still: int, node_p: dict[int, float]) -> float:
        """P(the gate loses ``still`` more pods) on its own: a Poisson-binomial tail."""
        key = (gate.workload, lost_nodes)
        if key not in self._marginals:
            pods = [(node_p.get(node, 0.0), count) for node, count in gate.pods_on_node if node not in lost_nodes]
            self._marginals[key] = loss_tail([(p, count) for p, count in pods if p > 0], still)
        return self._marginals[key]

    def _group(self, group: list[tuple[WorkloadGate, int]], lost_nodes: frozenset[int],
               node_p: dict[int, float]) -> _GroupResult:
        key = (tuple(gate.workload for gate, _ in group), lost_nodes)
        if key not in self._groups:
            self._groups[key] = _solve_group(group, lost_nodes, node_p, self.state_cutoff)
        return self._groups[key]


def _coarse_gradient(q: np.ndarray, coarse: list[int], states: list[tuple[frozenset[int], float, frozenset[int]]],
                     ok_of: dict[frozenset[int], float]) -> dict[int, float]:
    """∂(Σ_σ P(σ)·Q(σ))/∂q_c as Σ over states without c of P(the others) · (Q(with c) − Q(without)),
    so that an event that changes nothing gets exactly 0."""
    gradient: dict[int, float] = {}
    for c in coarse:
        total = 0.0
        for on, weight, _ in states:
            with_c = on | {c}
            if c in on or with_c not in ok_of or q[c] >= 1:
                continue
            difference = ok_of[with_c] - ok_of[on]
            if difference:
                total += weight / (1.0 - q[c]) * difference
        gradient[c] = total
    return gradient


def _node_probabilities(forest: FaultForest, single: list[int]) -> tuple[dict[int, float], dict[int, list[int]]]:
    """Per node, the probability that a single-node event has it out, and those events."""
    events: dict[int, list[int]] = defaultdict(list)
    for e in single:
        events[next(iter(forest.events[e].nodes))].append(e)
    p = {node: 1.0 - math.prod(1.0 - forest.events[e].probability for e in found) for node, found in events.items()}
    return p, dict(events)


def _coarse_states(forest: FaultForest, coarse: list[int]) -> tuple[list[tuple[frozenset[int], float, frozenset[int]]], float]:
    """(events on, probability, nodes out) for the likeliest states of the multi-node events:
    every state when there are few, else all states with up to k events on; and the mass left out."""
    q = [forest.events[e].probability for e in coarse]
    limit = len(coarse)
    while limit > 0 and sum(math.comb(len(coarse), k) for k in range(limit + 1)) > COARSE_STATES:
        limit -= 1
    states = []
    total = 0.0
    off = math.prod(1.0 - x for x in q)
    for k in range(limit + 1):
        for on in itertools.combinations(range(len(coarse)), k):
            weight = off
            for i in on:
                weight *= q[i] / (1.0 - q[i]) if q[i] < 1 else 0.0
            if not on and any(x >= 1 for x in q):
                weight = 0.0
            nodes = frozenset().union(*(forest.events[coarse[i]].nodes for i in on))
            states.append((frozenset(coarse[i] for i in on), weight, nodes))
            total += weight
    return states, max(0.0, 1.0 - total) if limit < len(coarse) else 0.0


def loss_tail(nodes: list[tuple[float, int]], needed: int) -> float:
    """P(Σ count·X ≥ needed) for independent X ~ Bernoulli(p), from (p, count) per node."""
    distribution = np.zeros(needed + 1)
    distribution[0] = 1.0
    for p, count in nodes:
        shifted = np.zeros_like(distribution)
        if count < needed:
            shifted[count:needed] = distribution[: needed - count]
        shifted[needed] = distribution[max(0, needed - count):].sum()
        distribution = (1.0 - p) * distribution + p * shifted
    return float(distribution[needed])


def _groups(kept: list[tuple[WorkloadGate, int]], lost_nodes: frozenset[int],
            node_p: dict[int, float]) -> list[list[tuple[WorkloadGate, int]]]:
    """Kept gates joined when they share a node that may still go out (union–find)."""
    parent = list(range(len(kept)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[int, int] = {}
    for i, (gate, _) in enumerate(kept):
        for node, _count in gate.pods_on_node:
            if node in lost_nodes or node_p.get(node, 0.0) <= 0:
                continue
            if node in owner:
                parent[find(i)] = find(owner[node])
            else:
                owner[node] = i
    groups: dict[int, list[tuple[WorkloadGate, int]]] = defaultdict(list)
    for i, item in enumerate(kept):
        groups[find(i)].append(item)
    return list(groups.values())


def _solve_group(group: list[tuple[WorkloadGate, int]], lost_nodes: frozenset[int],
                 node_p: dict[int, float], state_cutoff: float) -> _GroupResult:
    """Forward–backward over the group's nodes: P(no gate loses enough) and its derivative by p_n."""
    needed = [still for _, still in group]
    hits: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for g, (gate, _) in enumerate(group):
        for node, count in gate.pods_on_node:
            if node not in lost_nodes and node_p.get(node, 0.0) > 0:
                hits[node].append((g, count))
    nodes = sorted(hits)
    forward: list[dict[tuple[int, ...], float]] = [{tuple(0 for _ in group): 1.0}]
    pruned = 0.0
    for node in nodes:
        p = node_p[node]
        step: dict[tuple[int, ...], float] = defaultdict(float)
        for state, mass in forward[-1].items():
            step[state] += (1.0 - p) * mass
            moved = _lose(state, hits[node], needed)
            if moved is not None:
                step[moved] += p * mass
        kept = {}
        for state, mass in step.items():
            if mass < state_cutoff:
                pruned += mass
            else:
                kept[state] = mass
        forward.append(kept)
    ok = float(sum(forward[-1].values()))
    backward: dict[tuple[int, ...], float] = dict.fromkeys(forward[-1], 1.0)
    derivative: dict[int, float] = {}
    for k in range(len(nodes) - 1, -1, -1):
        node, p = nodes[k], node_p[nodes[k]]
        before = forward[k]
        grad = 0.0
        previous: dict[tuple[int, ...], float] = {}
        for state, mass in before.items():
            stay = backward.get(state, 0.0)
            moved = _lose(state, hits[node], needed)
            go = backward.get(moved, 0.0) if moved is not None else 0.0
            grad += mass * (go - stay)
            previous[state] = (1.0 - p) * stay + p * go
        derivative[node] = grad
        backward = previous
    return _GroupResult(ok, derivative, pruned)


def _lose(state: tuple[int, ...], hits: list[tuple[int, int]], needed: list[int]) -> tuple[int, ...] | None:
    """The state after a node goes out; None when a gate has then lost enough."""
    lost = list(state)
    for g, count in hits:
        lost[g] += count
        if lost[g] >= needed[g]:
            return None
    return tuple(lost)
