"""The fault tree of every service, read from the topology and the risk model.

**Basic events** are the units a failure mode takes out whole: a node, a zone, a region, a
workload, the control plane, a service (and the cluster, for a cluster-scope mode that
makes things unavailable). Several failure modes on one unit are one event: the unit is out
while any of them is in force. Degraded and no-scheduling modes take nothing down by
themselves and are not events (the register prices them).

An event is **in force** at a random moment with probability ``q = 1 − exp(−M / 525,600)``,
where ``M`` is the event's incident-minutes per year: Σ over its failure modes of rate ×
impact scale × (detect + repair minutes), the same numbers the register uses
(:attr:`~riskmodel.engine.risk.Evaluation.impact_minutes_a` + ``impact_minutes_b``). This is
exact, not the rare-event approximation ``q ≈ M / 525,600``, for the model's incidents: each
(mode, unit) pair starts incidents as a Poisson process and each lasts its duration, so the
number in force at a random moment is Poisson with mean ``M / 525,600``. Different units
fail independently (the model's assumption everywhere but in Monte Carlo overlaps).

**Gates** follow the engine's rules on the cluster as it is now: a workload is unavailable
while its live replicas minus those lost are below ``required_replicas`` (min_available or
quorum), i.e. once ``lost_pods_needed = replicas − required + 1`` of its placed pods are on
nodes that are out (unplaced replicas are never lost with a node), or when an event fails it
whole. A service is down while a backing workload is unavailable or a service it hard-
depends on (transitively) is down. Nodes down now hold no live pods; a workload unavailable
now cannot break again and its services are down now: their tree is already true.

The tree is structural: pods on a node that is out count as lost for as long as it is out.
Rescheduling, which the register credits, shortens real outages of stateless workloads, so
these probabilities are an upper bound on what rescheduling would leave.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from riskmodel.engine.risk import Evaluation, RiskModel
from riskmodel.model.bounds import MINUTES_PER_YEAR


@dataclass(frozen=True)
class BasicEvent:
    """One unit that can be out, what it takes out, and how likely it is out at a random moment."""

    label: str
    """``scope:name`` (``node:node-a1``, ``zone:eu-west-1a``, ``workload:cart``)."""
    scope: str
    name: str
    failure_modes: tuple[str, ...]
    outage_minutes_per_year: float
    probability: float
    nodes: frozenset[int]
    """Positions (in the topology index) of the nodes it takes out."""
    workloads: frozenset[int]
    services: frozenset[int]

    @property
    def takes_out_nodes(self) -> bool:
        return bool(self.nodes)


@dataclass(frozen=True)
class WorkloadGate:
    """A workload of a service's tree: unavailable once ``lost_pods_needed`` of its placed pods
    are on nodes that are out, or once a ``direct`` event fails it whole."""

    workload: int
    name: str
    lost_pods_needed: int
    pods_on_node: tuple[tuple[int, int], ...]
    """(node position, live pods of this workload there), placed pods only, by node position."""
    direct: tuple[int, ...]
    """Events (indices into :attr:`FaultForest.events`) that fail the workload whole."""

    @cached_property
    def placed_pods(self) -> int:
        return sum(count for _, count in self.pods_on_node)

    @cached_property
    def nodes_can_break_it(self) -> bool:
        return self.lost_pods_needed <= self.placed_pods


@dataclass(frozen=True)
class ServiceTree:
    """The top event "service down" of one service."""

    service: str
    position: int
    down_now: bool
    closure: tuple[str, ...]
    """The service and every service it hard-depends on, transitively."""
    gates: tuple[WorkloadGate, ...]
    """The backing workloads of every service in the closure (each once)."""
    direct: tuple[int, ...]
    """Events that take the service down alone: they fail a gate's workload whole or a
    service of the closure."""
    node_events: tuple[int, ...]
    """Events that take out nodes holding pods of a gate that nodes can break."""


@dataclass(frozen=True, eq=False)
class FaultForest:
    """Every basic event of a scenario and the tree of every service."""

    events: tuple[BasicEvent, ...]
    trees: tuple[ServiceTree, ...]
    node_names: tuple[str, ...]
    workload_names: tuple[str, ...]
    service_names: tuple[str, ...]
    cost_per_hour: np.ndarray
    """Each service's cost of one more outage hour now (0 for a service down now)."""
    own_workloads: tuple[tuple[str, ...], ...] = ()
    """Per service, the workloads backing it directly."""
    depends_on: tuple[tuple[int, ...], ...] = ()
    """Per service, the positions of the services it hard-depends on directly."""
    node_workload_pods: np.ndarray | None = None
    """Live pods of each workload on each node (nodes × workloads)."""

    @cached_property
    def event_pods(self) -> np.ndarray:
        """Live pods of each workload on the nodes each event takes out (events × workloads)."""
        pods = self.node_workload_pods
        if pods is None or not self.events:
            return np.zeros((len(self.events), len(self.workload_names)), dtype=np.int64)
        return np.stack([pods[sorted(event.nodes)].sum(axis=0) if event.nodes else np.zeros(pods.shape[1], dtype=np.int64)
                         for event in self.events])

    @cached_property
    def event_position(self) -> dict[str, int]:
        return {event.label: i for i, event in enumerate(self.events)}

    def tree(self, service: str) -> ServiceTree:
        for tree in self.trees:
            if tree.service == service:
                return tree
        raise KeyError(service)

    @cached_property
    def probabilities(self) -> np.ndarray:
        return np.array([event.probability for event in self.events], dtype=float)


def in_force_probability(outage_minutes_per_year: float) -> float:
    """``1 − exp(−M / 525,600)``: P(at least one incident in force) for Poisson incidents."""
    return -math.expm1(-outage_minutes_per_year / MINUTES_PER_YEAR)


def _event_rows(model: RiskModel, evaluation: Evaluation) -> dict[tuple, list[int]]:
    """Pairs of unavailable-effect modes grouped by (unit label, what they take out)."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pair, unit in enumerate(model.units):
        mode = model.modes[model.pair_mode[pair]]
        if mode.effect.type != "unavailable":
            continue
        failed, _ = model.structure_keys[model.pair_structure[pair]]
        if not (failed.nodes or failed.workloads or failed.services):
            continue
        groups[(unit.scope, unit.name, failed.nodes, failed.workloads, failed.services)].append(pair)
    return groups


def basic_events(model: RiskModel, evaluation: Evaluation | None = None) -> tuple[BasicEvent, ...]:
    """The scenario's basic events, from the pairs of ``evaluation`` (default: as catalogued)."""
    evaluation = evaluation or model.evaluate(service_minutes=False)
    index = model.index
    minutes = evaluation.impact_minutes_a + evaluation.impact_minutes_b
    events: list[BasicEvent] = []
    rows = _event_rows(model, evaluation)
    shared = Counter(f"{scope}:{name}" for scope, name, *_ in rows)
    for (scope, name, nodes, workloads, services), pairs in rows.items():
        label = f"{scope}:{name}"
        if shared[label] > 1:
            label += "[" + ",".join(sorted(w.rsplit("/", 1)[-1] for w in workloads) or sorted(nodes | services)) + "]"
        outage = float(minutes[pairs].sum())
        events.append(BasicEvent(
            label=label, scope=scope, name=name,
            failure_modes=tuple(dict.fromkeys(model.modes[model.pair_mode[p]].id for p in pairs)),
            outage_minutes_per_year=outage, probability=in_force_probability(outage),
            nodes=frozenset(index.node_position[n] for n in nodes),
            workloads=frozenset(index.workload_position[w] for w in workloads),
            services=frozenset(index.service_position[s] for s in services)))
    return tuple(events)


def _gates(model: RiskModel, events: tuple[BasicEvent, ...]) -> list[WorkloadGate]:
    index = model.index
    direct: dict[int, list[int]] = defaultdict(list)
    for i, event in enumerate(events):
        for workload in event.workloads:
            direct[workload].append(i)
    gates = []
    for position, name in enumerate(index.workload_names):
        required = int(index.required_replicas[position])
        if required <= 0:
            gates.append(WorkloadGate(position, name, int(index.replicas[position]) + 1, (), ()))
            continue
        on_node = np.flatnonzero(index.node_workload_pods[:, position])
        pods = tuple((int(n), int(index.node_workload_pods[n, position])) for n in on_node)
        needed = int(index.replicas[position]) - required + 1
        gates.append(WorkloadGate(position, name, needed, pods, tuple(direct[position])))
    return gates


def fault_forest(model: RiskModel, evaluation: Evaluation | None = None) -> FaultForest:
    """Basic events and every service's tree, on the model's cluster as it is now."""
    index = model.index
    events = basic_events(model, evaluation)
    gates = _gates(model, events)
    covering: dict[int, list[int]] = defaultdict(list)
    for i, event in enumerate(events):
        for node in event.nodes:
            covering[node].append(i)
    service_events: dict[int, list[int]] = defaultdict(list)
    for i, event in enumerate(events):
        for service in event.services:
            service_events[service].append(i)
    trees = []
    for position, name in enumerate(index.service_names):
        closure = [index.service_names[s] for s in np.flatnonzero(index.service_closure[position])]
        members = np.flatnonzero(index.service_own_workloads[index.service_closure[position]].any(axis=0))
        tree_gates = tuple(gates[w] for w in members if gates[w].lost_pods_needed <= int(index.replicas[w]))
        direct = {e for gate in tree_gates for e in gate.direct}
        direct |= {e for s in np.flatnonzero(index.service_closure[position]) for e in service_events[int(s)]}
        node_events = {e for gate in tree_gates if gate.nodes_can_break_it
                       for node, _ in gate.pods_on_node for e in covering[node]}
        trees.append(ServiceTree(name, position, bool(index.service_down_now[position]), tuple(closure),
                                 tree_gates, tuple(sorted(direct)), tuple(sorted(node_events - direct))))
    services = model.scenario.services
    return FaultForest(events, tuple(trees), tuple(index.node_names), tuple(index.workload_names),
                       tuple(index.service_names), index.cost_per_hour.copy(),
                       tuple(tuple(s.workloads) for s in services),
                       tuple(tuple(index.service_position[d] for d in s.depends_on) for s in services),
                       index.node_workload_pods)
