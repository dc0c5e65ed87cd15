"""The cluster as a graph (for people and pictures) and as arrays (for the math).

:func:`build_graph` gives the networkx view: region → zone → node → pod → workload →
service, plus ``depends_on`` edges between services. :class:`TopologyIndex` holds the same
facts as numpy arrays indexed by position, which is what the impact code evaluates
thousands of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np

from riskmodel.model.scenario import Scenario

RESCHEDULABLE_KINDS = frozenset({"Deployment", "StatefulSet"})
"""DaemonSet pods are bound to their node and control-plane pods are static: neither moves."""
SCHEDULING_COMPONENTS = frozenset({"kube-scheduler", "kube-apiserver"})
"""Control-plane components without which nothing is (re)scheduled."""
EPHEMERAL_STORAGE = "ephemeral-storage"


def is_scheduling_component(name: str, kind: str) -> bool:
    """A ControlPlane workload named after the scheduler or the API server (``kube-system/kube-scheduler`` too)."""
    return kind == "ControlPlane" and name.rsplit("/", 1)[-1] in SCHEDULING_COMPONENTS


def build_graph(scenario: Scenario) -> nx.DiGraph:
    """Typed graph of the topology; node ids are ``kind:name`` and carry a ``kind`` attribute."""
    graph = nx.DiGraph()
    for zone in scenario.zones:
        graph.add_node(f"region:{zone.region}", kind="region", name=zone.region)
        graph.add_node(f"zone:{zone.name}", kind="zone", name=zone.name)
        graph.add_edge(f"region:{zone.region}", f"zone:{zone.name}", relation="contains")
    for node in scenario.nodes:
        graph.add_node(f"node:{node.name}", kind="node", name=node.name, zone=node.zone)
        graph.add_edge(f"zone:{node.zone}", f"node:{node.name}", relation="contains")
    for workload in scenario.workloads:
        graph.add_node(f"workload:{workload.name}", kind="workload", name=workload.name,
                       workload_kind=workload.kind, replicas=workload.replicas)
        for position, node_name in enumerate(workload.pods):
            pod = f"pod:{workload.name}-{position}"
            graph.add_node(pod, kind="pod", name=f"{workload.name}-{position}", workload=workload.name)
            graph.add_edge(f"node:{node_name}", pod, relation="runs")
            graph.add_edge(pod, f"workload:{workload.name}", relation="backs")
    for service in scenario.services:
        graph.add_node(f"service:{service.name}", kind="service", name=service.name)
        for workload_name in service.workloads:
            graph.add_edge(f"workload:{workload_name}", f"service:{service.name}", relation="serves")
    for service in scenario.services:
        for dependency in service.depends_on:
            graph.add_edge(f"service:{dependency}", f"service:{service.name}", relation="needed_by")
    return graph


def service_closure(scenario: Scenario) -> dict[str, frozenset[str]]:
    """Each service with every service it hard-depends on, transitively (itself included)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(service.name for service in scenario.services)
    graph.add_edges_from((s.name, d) for s in scenario.services for d in s.depends_on)
    return {name: frozenset(nx.descendants(graph, name)) | {name} for name in graph.nodes}


@dataclass(frozen=True, eq=False)
class TopologyIndex:
    """Arrays of the topology, built once per scenario; read-only after construction.

    Units: cpu in millicores, memory in bytes, costs in dollars per hour.

    The index holds the cluster in its current state: only live replicas count (``replicas``),
    nodes that are down now offer no room, and what is broken now cannot break again — a
    workload unavailable now needs no replicas (``required_replicas`` 0) and a service down
    now costs nothing more (``cost_per_hour`` 0); their cost now is the current problems'.
    When the scheduler or the API server is unavailable now, nothing reschedules.
    """

    scenario: Scenario

    @cached_property
    def node_names(self) -> list[str]:
        return [node.name for node in self.scenario.nodes]

    @cached_property
    def node_position(self) -> dict[str, int]:
        return {name: position for position, name in enumerate(self.node_names)}

    @cached_property
    def zone_names(self) -> list[str]:
        return [zone.name for zone in self.scenario.zones]

    @cached_property
    def node_zone(self) -> np.ndarray:
        zone_position = {name: position for position, name in enumerate(self.zone_names)}
        return np.array([zone_position[node.zone] for node in self.scenario.nodes], dtype=np.int64)

    @cached_property
    def node_region(self) -> list[str]:
        return [self.scenario.zones_by_name[node.zone].region for node in self.scenario.nodes]

    @cached_property
    def node_schedulable(self) -> np.ndarray:
        return np.array([node.schedulable for node in self.scenario.nodes], dtype=bool)

    @cached_property
    def workload_names(self) -> list[str]:
        return [workload.name for workload in self.scenario.workloads]

    @cached_property
    def workload_position(self) -> dict[str, int]:
        return {name: position for position, name in enumerate(self.workload_names)}

    @cached_property
    def replicas(self) -> np.ndarray:
        """Live replicas per workload (placed pods plus those whose node is unknown)."""
        return np.array([w.replicas for w in self.scenario.workloads], dtype=np.int64)

    @cached_property
    def pod_counts(self) -> np.ndarray:
        """Placed pods per workload: the pod arrays below have this many entries per workload."""
        return np.array([len(w.pods) for w in self.scenario.workloads], dtype=np.int64)

    @cached_property
    def workload_unavailable_now(self) -> np.ndarray:
        return np.array([w.unavailable_now for w in self.scenario.workloads], dtype=bool)

    @cached_property
    def required_replicas(self) -> np.ndarray:
        """Replicas needed to stay available; 0 for a workload already unavailable now."""
        required = np.array([w.required_replicas for w in self.scenario.workloads], dtype=np.int64)
        return np.where(self.workload_unavailable_now, 0, required)

    @cached_property
    def scheduling_workloads(self) -> np.ndarray:
        """Workloads whose loss stops all (re)scheduling: the scheduler and the API server."""
        return np.array([is_scheduling_component(w.name, w.kind) for w in self.scenario.workloads], dtype=bool)

    @cached_property
    def scheduling_down_now(self) -> bool:
        return bool((self.scheduling_workloads & self.workload_unavailable_now).any())

    @cached_property
    def service_down_now(self) -> np.ndarray:
        """Services down now: a backing workload unavailable now, or a hard dependency down now."""
        directly = self.service_own_workloads.astype(float) @ self.workload_unavailable_now.astype(float) > 0
        return self.service_closure.astype(float) @ directly.astype(float) > 0

    @cached_property
    def pod_node(self) -> np.ndarray:
        return np.array(
            [self.node_position[n] for w in self.scenario.workloads for n in w.pods], dtype=np.int64
        )

    @cached_property
    def pod_workload(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.workload_names)), self.pod_counts)

    @cached_property
    def pod_cpu_millicores(self) -> np.ndarray:
        cpu = np.array([w.requests.cpu_millicores for w in self.scenario.workloads], dtype=float)
        return cpu[self.pod_workload]

    @cached_property
    def pod_memory_bytes(self) -> np.ndarray:
        memory = np.array([w.requests.memory_bytes for w in self.scenario.workloads], dtype=float)
        return memory[self.pod_workload]

    @cached_property
    def pod_reschedulable(self) -> np.ndarray:
        movable = np.array([w.kind in RESCHEDULABLE_KINDS for w in self.scenario.workloads], dtype=bool)
        return movable[self.pod_workload] & (not self.scheduling_down_now)

    @cached_property
    def other_resources(self) -> list[str]:
        """Resources besides cpu, memory and pod slots that some pod requests: ephemeral-storage,
        extended resources (``nvidia.com/gpu``); the rescheduling fit checks each of them."""
        names: dict[str, None] = {}
        for w in self.scenario.workloads:
            if w.requests.ephemeral_storage_bytes:
                names[EPHEMERAL_STORAGE] = None
            names.update(dict.fromkeys(name for name, amount in w.requests.extended.items() if amount > 0))
        return list(names)

    @cached_property
    def pod_other(self) -> np.ndarray:
        """(pods × other resources) requests of each pod, in each resource's unit."""
        per_workload = np.zeros((len(self.workload_names), len(self.other_resources)))
        for row, workload in enumerate(self.scenario.workloads):
            per_workload[row] = [_requested(workload, name) for name in self.other_resources]
        return per_workload[self.pod_workload]

    @cached_property
    def free_other(self) -> np.ndarray:
        """(nodes × other resources) what each node has left (ephemeral storage not reported: unlimited)."""
        offered = np.zeros((len(self.node_names), len(self.other_resources)))
        for row, node in enumerate(self.scenario.nodes):
            offered[row] = [_offered(node, name) for name in self.other_resources]
        used = np.zeros_like(offered)
        np.add.at(used, self.pod_node, self.pod_other)
        return offered - used

    @cached_property
    def pod_zone_bound(self) -> np.ndarray:
        """Zone a pod must stay in (its volume's zone), or -1 when it may go anywhere."""
        zonal = np.array([w.zonal_volumes for w in self.scenario.workloads], dtype=bool)[self.pod_workload]
        return np.where(zonal, self.node_zone[self.pod_node], -1)

    @cached_property
    def node_allocatable(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per node: allocatable cpu (millicores), memory (bytes) and pod slots."""
        nodes = self.scenario.nodes
        return (np.array([n.allocatable.cpu_millicores for n in nodes], dtype=float),
                np.array([n.allocatable.memory_bytes for n in nodes], dtype=float),
                np.array([n.allocatable.max_pods for n in nodes], dtype=np.int64))

    @cached_property
    def free_cpu_millicores(self) -> np.ndarray:
        return self.node_allocatable[0] - np.bincount(self.pod_node, self.pod_cpu_millicores, len(self.node_names))

    @cached_property
    def free_memory_bytes(self) -> np.ndarray:
        return self.node_allocatable[1] - np.bincount(self.pod_node, self.pod_memory_bytes, len(self.node_names))

    @cached_property
    def free_pod_slots(self) -> np.ndarray:
        return self.node_allocatable[2] - np.bincount(self.pod_node, minlength=len(self.node_names))

    @cached_property
    def pods_on_node(self) -> list[np.ndarray]:
        order = np.argsort(self.pod_node, kind="stable")
        bounds = np.searchsorted(self.pod_node[order], np.arange(len(self.node_names) + 1))
        return [order[bounds[i]: bounds[i + 1]] for i in range(len(self.node_names))]

    @cached_property
    def service_names(self) -> list[str]:
        return [service.name for service in self.scenario.services]

    @cached_property
    def service_position(self) -> dict[str, int]:
        return {name: position for position, name in enumerate(self.service_names)}

    @cached_property
    def service_own_workloads(self) -> np.ndarray:
        """Boolean (services × workloads): the workloads backing each service."""
        matrix = np.zeros((len(self.service_names), len(self.workload_names)), dtype=bool)
        for row, service in enumerate(self.scenario.services):
            matrix[row, [self.workload_position[w] for w in service.workloads]] = True
        return matrix

    @cached_property
    def service_workload_columns(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Backing workloads of all services flattened, for ``np.maximum.reduceat``:
        (workload columns, start of each backed service's run, the backed services)."""
        lists = [np.flatnonzero(row) for row in self.service_own_workloads]
        backed = np.array([i for i, members in enumerate(lists) if members.size], dtype=np.int64)
        columns = np.concatenate([lists[i] for i in backed]) if backed.size else np.zeros(0, dtype=np.int64)
        starts = np.cumsum([0] + [lists[i].size for i in backed[:-1]]).astype(np.int64)
        return columns, starts, backed

    @cached_property
    def node_workload_pods(self) -> np.ndarray:
        """Pods of each workload on each node (nodes × workloads)."""
        counts = np.zeros((len(self.node_names), len(self.workload_names)), dtype=np.int64)
        np.add.at(counts, (self.pod_node, self.pod_workload), 1)
        return counts

    @cached_property
    def service_closure(self) -> np.ndarray:
        """Boolean (services × services): row s marks s and everything it hard-depends on."""
        closure = service_closure(self.scenario)
        matrix = np.zeros((len(self.service_names), len(self.service_names)), dtype=bool)
        for row, name in enumerate(self.service_names):
            matrix[row, [self.service_position[d] for d in closure[name]]] = True
        return matrix

    @cached_property
    def full_cost_per_hour(self) -> np.ndarray:
        """Each service's outage cost as the scenario states it."""
        return np.array([s.cost_per_hour for s in self.scenario.services], dtype=float)

    @cached_property
    def full_degraded_cost_per_hour(self) -> np.ndarray:
        return np.array([s.degraded_cost_per_hour for s in self.scenario.services], dtype=float)

    @cached_property
    def cost_per_hour(self) -> np.ndarray:
        """What one more hour of outage costs: nothing for a service that is down now."""
        return np.where(self.service_down_now, 0.0, self.full_cost_per_hour)

    @cached_property
    def degraded_cost_per_hour(self) -> np.ndarray:
        return np.where(self.service_down_now, 0.0, self.full_degraded_cost_per_hour)

    @cached_property
    def error_budget_minutes(self) -> np.ndarray:
        return np.array([s.error_budget_minutes_per_year for s in self.scenario.services], dtype=float)

    def nodes_in_zone(self, zone: str) -> np.ndarray:
        return np.flatnonzero(self.node_zone == self.zone_names.index(zone))

    def nodes_in_region(self, region: str) -> np.ndarray:
        return np.flatnonzero(np.array(self.node_region) == region)


def _requested(workload, name: str) -> float:
    if name == EPHEMERAL_STORAGE:
        return float(workload.requests.ephemeral_storage_bytes)
    return float(workload.requests.extended.get(name, 0.0))


def _offered(node, name: str) -> float:
    if name == EPHEMERAL_STORAGE:
        reported = node.allocatable.ephemeral_storage_bytes
        return np.inf if reported is None else float(reported)
    return float(node.allocatable.extended.get(name, 0.0))


_NODE_ARRAYS = ("node_names", "node_position", "zone_names", "node_zone", "node_region", "node_schedulable",
                "node_allocatable")


def inherit_arrays(child: TopologyIndex, parent: TopologyIndex) -> None:
    """Give a variant's index the arrays of its parent that cannot differ, instead of deriving
    them again from 10,000 pods: node arrays when the two share their nodes and zones, and the
    node position of each pod of a workload the variant left as it was (positions hold while the
    parent's nodes come first, in order)."""
    shared_nodes = child.scenario.nodes is parent.scenario.nodes and child.scenario.zones is parent.scenario.zones
    if shared_nodes:
        for name in _NODE_ARRAYS:
            if name in parent.__dict__:
                child.__dict__[name] = parent.__dict__[name]
    known = len(parent.node_names)
    if not shared_nodes and child.node_names[:known] != parent.node_names:
        return
    before = parent.scenario.workloads_by_name
    starts = np.concatenate([[0], np.cumsum(parent.pod_counts)]).astype(np.int64)
    pieces = []
    for workload in child.scenario.workloads:
        if before.get(workload.name) is workload:
            at = parent.workload_position[workload.name]
            pieces.append(parent.pod_node[starts[at]:starts[at + 1]])
        else:
            pieces.append(np.array([child.node_position[n] for n in workload.pods], dtype=np.int64))
    child.__dict__["pod_node"] = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
