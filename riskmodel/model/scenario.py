"""Cluster topology as a scenario file describes it: zones, nodes, workloads and pods, services.

Resources follow Kubernetes: ``allocatable: {cpu: "8", memory: 32Gi, pods: 110}`` and
``requests: {cpu: 500m, memory: 1Gi}``; they are parsed into ``cpu_millicores`` and
``memory_bytes``. Parsing checks each entry; :func:`scenario_problems` checks references
between entries, dependency cycles and pods that no node could hold.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator

from riskmodel.errors import FieldPath
from riskmodel.model.bounds import (
    MAX_MINUTES,
    MAX_NODES,
    MAX_PODS,
    MAX_PODS_PER_NODE,
    MAX_SECONDS,
    MAX_SEED,
    MAX_SERVICES,
    MAX_YEARS,
    MINUTES_PER_YEAR,
)
from riskmodel.model.catalog import Money, WorkloadKind
from riskmodel.model.estimate import StrictModel
from riskmodel.model.quantity import cpu_millicores, cpu_quantity, memory_bytes, resource_count

NAME_PATTERN = r"^[A-Za-z0-9]([A-Za-z0-9._/:-]*[A-Za-z0-9])?$"
NAME_MAX_LENGTH = 253
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NAME_PATTERN)]
"""Names of zones, nodes, workloads and services: letters, digits and ``. _ / : -`` inside
(``node_1`` too: Kubernetes' own names never hold ``_``, hand-written dumps and labels do)."""
_QUANTITY_SCHEMA = {"anyOf": [{"type": "string", "pattern": r"^[+-]?(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$"},
                              {"type": "number"}], "description": "a Kubernetes quantity: 500m, 2, 16Gi, 1000Mi, 1e3"}
Millicores = Annotated[
    float, BeforeValidator(cpu_millicores), PlainSerializer(cpu_quantity, return_type=str),
    WithJsonSchema(_QUANTITY_SCHEMA, mode="validation"),
]
"""CPU in millicores; read from a Kubernetes quantity and written back as one (``'500m'``)."""
Bytes = Annotated[int, BeforeValidator(memory_bytes), WithJsonSchema(_QUANTITY_SCHEMA, mode="validation")]
Count = Annotated[float, BeforeValidator(resource_count), Field(ge=0), WithJsonSchema(_QUANTITY_SCHEMA, mode="validation")]
"""An extended resource (``nvidia.com/gpu: 1``) or ``hugepages-2Mi`` amount, in its own unit."""

KUBERNETES_EVICTION_TIMEOUT_SECONDS = 300.0
"""Default ``--pod-eviction-timeout`` / not-ready toleration of Kubernetes."""


class Allocatable(StrictModel):
    """What a node offers to pods (``status.allocatable``)."""

    cpu_millicores: Millicores = Field(alias="cpu")
    memory_bytes: Bytes = Field(alias="memory")
    max_pods: int = Field(default=110, ge=1, le=MAX_PODS_PER_NODE, alias="pods")
    ephemeral_storage_bytes: Bytes | None = Field(default=None, alias="ephemeral-storage")
    """Local scratch space for pods; None: not reported, so not a limit on rescheduling."""
    extended: dict[str, Count] = Field(default_factory=dict)
    """Extended resources the node advertises (``nvidia.com/gpu: 1``), by resource name."""


class Requests(StrictModel):
    """What each pod of a workload asks for (``resources.requests``, summed over containers)."""

    cpu_millicores: Millicores = Field(default=0.0, alias="cpu")
    memory_bytes: Bytes = Field(default=0, alias="memory")
    ephemeral_storage_bytes: Bytes = Field(default=0, alias="ephemeral-storage")
    extended: dict[str, Count] = Field(default_factory=dict)
    """Extended resources each pod asks for (``nvidia.com/gpu: 1``); only nodes offering them fit it."""


class Taint(StrictModel):
    key: str
    value: str = ""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


class Zone(StrictModel):
    name: Name
    region: Name
    placeholder: bool = False
    """A zone named by ``import`` for nodes without zone labels, not one the cloud reported."""


class Node(StrictModel):
    name: Name
    zone: Name
    allocatable: Allocatable
    labels: dict[str, str] = Field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    ready: bool = True
    """The node's Ready condition is True now; a NotReady node is down now."""
    unschedulable: bool = False
    """Cordoned (``spec.unschedulable``): down now for the model, as a node being drained."""

    @property
    def down_now(self) -> bool:
        """NotReady or cordoned: no live pods, no room for rescheduled ones."""
        return not self.ready or self.unschedulable

    @property
    def schedulable(self) -> bool:
        """Whether pods without a toleration may land here: up now and no NoSchedule/NoExecute taint."""
        return not self.down_now and not any(taint.effect in ("NoSchedule", "NoExecute") for taint in self.taints)


class NotLivePod(StrictModel):
    """A pod of a workload that exists but serves nothing now, and why."""

    name: Name
    reason: Literal["pending", "node_down", "not_ready"]
    node: Name | None = None
    detail: str = ""


class Workload(StrictModel):
    """A Deployment, StatefulSet, DaemonSet or control-plane component and where its pods run.

    ``pods`` lists the node of each live replica (running and ready, on a node that is up).
    ``unplaced_replicas`` are live replicas whose node is unknown (the pods were not in the
    input; the count comes from the workload's status), ``not_live_pods`` the pods that exist
    but serve nothing now, ``desired_replicas`` what the spec asks for (default: live plus
    not-live pods). ``min_available`` comes from a PodDisruptionBudget; a ``quorum`` system
    needs ⌊n/2⌋+1 of its desired members; otherwise 1. ``zonal_volumes``: each pod's volume
    is bound to the zone of its node (zonal disks).
    """

    name: Name
    namespace: Name = "default"
    kind: WorkloadKind = "Deployment"
    requests: Requests = Requests()
    pods: tuple[Name, ...] = Field(default=(), max_length=MAX_PODS)
    unplaced_replicas: int = Field(default=0, ge=0, le=MAX_PODS)
    desired_replicas: int | None = Field(default=None, ge=1, le=MAX_PODS)
    not_live_pods: tuple[NotLivePod, ...] = Field(default=(), max_length=MAX_PODS)
    min_available: int | None = Field(default=None, ge=1)
    quorum: bool = False
    zonal_volumes: bool = False
    labels: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _min_available_fits(self) -> Workload:
        if self.desired < 1:
            raise ValueError("a workload needs at least one replica: list its pods, or set desired_replicas "
                             "or unplaced_replicas")
        if self.min_available is not None and self.min_available > self.desired:
            raise ValueError(
                f"min_available {self.min_available} exceeds the {self.desired} replicas of the workload; "
                "expected at most the number of replicas"
            )
        if self.quorum and self.min_available is not None:
            raise ValueError("set either quorum (⌊n/2⌋+1 needed) or min_available, not both")
        return self

    @property
    def replicas(self) -> int:
        """Live replicas now: placed pods plus those whose node is unknown."""
        return len(self.pods) + self.unplaced_replicas

    @property
    def desired(self) -> int:
        """Replicas the workload should have (its spec), at least the live ones."""
        if self.desired_replicas is not None:
            return max(self.desired_replicas, self.replicas)
        return self.replicas + len(self.not_live_pods)

    @property
    def required_replicas(self) -> int:
        """Replicas that must run for the workload to be available (quorum of the desired members)."""
        if self.quorum:
            return self.desired // 2 + 1
        return self.min_available if self.min_available is not None else 1

    @property
    def unavailable_now(self) -> bool:
        return self.replicas < self.required_replicas


class InferredDependency(StrictModel):
    """A hard dependency guessed from the cluster (an env value naming another service's DNS name)."""

    service: Name
    evidence: str = Field(min_length=1)


class Service(StrictModel):
    """A user-facing service: what backs it, what it hard-depends on, what an outage costs."""

    name: Name
    workloads: tuple[Name, ...] = Field(min_length=1)
    depends_on: tuple[Name, ...] = ()
    inferred_dependencies: tuple[InferredDependency, ...] = ()
    """Which of ``depends_on`` were inferred by ``import`` rather than declared, with the evidence."""
    cost_per_hour: Money
    degraded_cost_per_hour: Money = 0.0
    slo: float = Field(gt=0, lt=1, allow_inf_nan=False)
    review_placeholder: bool = False

    @model_validator(mode="after")
    def _inferred_are_dependencies(self) -> Service:
        missing = [d.service for d in self.inferred_dependencies if d.service not in self.depends_on]
        if missing:
            raise ValueError(f"inferred dependencies {', '.join(missing)} are not in depends_on; "
                             "expected every inferred dependency listed in depends_on too")
        return self

    @property
    def error_budget_minutes_per_year(self) -> float:
        return (1 - self.slo) * MINUTES_PER_YEAR


class PlaceholderEntry(StrictModel):
    """One value ``import`` could not read from the cluster, by field path, until a reviewer sees it."""

    field: str = Field(min_length=1)
    reason: str = Field(min_length=1)


class Settings(StrictModel):
    """Model constants a team may tune per scenario."""

    amortisation_years: float = Field(default=3.0, gt=0, le=MAX_YEARS, allow_inf_nan=False)
    eviction_timeout_seconds: float = Field(
        default=KUBERNETES_EVICTION_TIMEOUT_SECONDS, ge=0, le=MAX_SECONDS, allow_inf_nan=False
    )
    startup_minutes: float = Field(default=2.0, ge=0, le=MAX_MINUTES, allow_inf_nan=False)
    budget_share_flag: float = Field(default=0.25, gt=0, le=1, allow_inf_nan=False)
    blind_spot_detect_factor: float = Field(default=2.0, ge=1, le=100, allow_inf_nan=False)
    seed: int = Field(default=20261126, ge=0, le=MAX_SEED)


class Scenario(StrictModel):
    """One cluster topology plus the catalogs and evidence a review reads with it."""

    name: Name
    description: str = ""
    catalogs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    catalog_overlays: tuple[str, ...] = ()
    """Overlay files (``calibrate`` output) laid over the catalogs in order, relative to the scenario file."""
    settings: Settings = Settings()
    zones: tuple[Zone, ...] = Field(default=(), max_length=MAX_NODES)
    nodes: tuple[Node, ...] = Field(default=(), max_length=MAX_NODES)
    workloads: tuple[Workload, ...] = Field(default=(), max_length=MAX_PODS)
    services: tuple[Service, ...] = Field(default=(), max_length=MAX_SERVICES)
    placeholders: tuple[PlaceholderEntry, ...] = ()
    observed_at: str | None = None
    """When the cluster was read (RFC 3339), for an imported scenario: its current state is of that time."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Scenario:
        """A copy, with the tables cached on this scenario (nodes by name, zones of each
        workload, …) left behind: pydantic copies them along, and they would describe the
        nodes, workloads or services the update replaced."""
        copied = super().model_copy(update=update, deep=deep)
        for name, attribute in vars(Scenario).items():
            if isinstance(attribute, cached_property):
                copied.__dict__.pop(name, None)
        return copied

    @cached_property
    def nodes_by_name(self) -> dict[str, Node]:
        return {node.name: node for node in self.nodes}

    @cached_property
    def zones_by_name(self) -> dict[str, Zone]:
        return {zone.name: zone for zone in self.zones}

    @cached_property
    def nodes_by_zone(self) -> dict[str, frozenset[str]]:
        """Node names of each zone (every zone present, possibly empty)."""
        zones: dict[str, set[str]] = {zone.name: set() for zone in self.zones}
        for node in self.nodes:
            zones.setdefault(node.zone, set()).add(node.name)
        return {zone: frozenset(names) for zone, names in zones.items()}

    @cached_property
    def workloads_by_name(self) -> dict[str, Workload]:
        return {workload.name: workload for workload in self.workloads}

    @cached_property
    def zones_by_workload(self) -> dict[str, frozenset[str]]:
        """The zones of each workload's placed pods (empty for a workload with none placed)."""
        zone_of = {node.name: node.zone for node in self.nodes}
        return {workload.name: frozenset(zone_of[node] for node in workload.pods) for workload in self.workloads}

    @cached_property
    def services_by_name(self) -> dict[str, Service]:
        return {service.name: service for service in self.services}


def _duplicates(kind: str, names: list[str]) -> Iterator[tuple[FieldPath, str]]:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            yield (kind, index, "name"), f"duplicate name {name!r}; each {kind[:-1]} needs a unique name"
        seen.add(name)


def _unknown(path: FieldPath, kind: str, name: str, known: dict[str, object]) -> tuple[FieldPath, str]:
    sample = ", ".join(sorted(known)[:5]) + (", …" if len(known) > 5 else "")
    return path, f"unknown {kind} {name!r}; expected one of: {sample}"


def _dependency_cycles(scenario: Scenario) -> Iterator[tuple[FieldPath, str]]:
    import networkx as nx  # here: 0.3 s of start-up that only checking a scenario's dependencies needs

    graph = nx.DiGraph()
    for service in scenario.services:
        graph.add_node(service.name)
        graph.add_edges_from((service.name, dependency) for dependency in service.depends_on)
    index = {service.name: position for position, service in enumerate(scenario.services)}
    for component in nx.strongly_connected_components(graph):
        first = min(component, key=lambda name: index.get(name, len(index)))
        if len(component) == 1 and not graph.has_edge(first, first):
            continue
        # one loop per tangle: enumerating every simple cycle of a dense graph takes exponential time
        cycle = [edge[0] for edge in nx.find_cycle(graph.subgraph(component), source=first)]
        start = cycle.index(min(cycle, key=lambda name: index.get(name, len(index))))
        cycle = cycle[start:] + cycle[:start]
        loop = " -> ".join([*cycle, cycle[0]])
        yield ("services", index[cycle[0]], "depends_on"), f"dependency cycle {loop}; hard dependencies must not loop"


def scenario_problems(scenario: Scenario) -> Iterator[tuple[FieldPath, str]]:
    """References between entries, cycles and impossible pods, as (field path, message)."""
    pods = sum(workload.replicas for workload in scenario.workloads)
    if pods > MAX_PODS:
        yield ("workloads",), (
            f"{pods:,} pods in all workloads together; expected at most {MAX_PODS:,} "
            "(Kubernetes supports 150,000 per cluster)"
        )
    yield from _duplicates("zones", [zone.name for zone in scenario.zones])
    yield from _duplicates("nodes", [node.name for node in scenario.nodes])
    yield from _duplicates("workloads", [workload.name for workload in scenario.workloads])
    yield from _duplicates("services", [service.name for service in scenario.services])
    for index, node in enumerate(scenario.nodes):
        if node.zone not in scenario.zones_by_name:
            yield _unknown(("nodes", index, "zone"), "zone", node.zone, scenario.zones_by_name)  # type: ignore[arg-type]
    if not scenario.nodes and any(workload.pods for workload in scenario.workloads):
        yield ("nodes",), "workloads place pods on nodes but no nodes are listed; expected the nodes of the cluster"
        return
    largest_cpu = max((node.allocatable.cpu_millicores for node in scenario.nodes), default=0.0)
    largest_memory = max((node.allocatable.memory_bytes for node in scenario.nodes), default=0)
    for index, workload in enumerate(scenario.workloads):
        for position, node_name in enumerate(workload.pods):
            if node_name not in scenario.nodes_by_name:
                yield _unknown(("workloads", index, "pods", position), "node", node_name, scenario.nodes_by_name)  # type: ignore[arg-type]
        if not workload.pods:
            continue
        if workload.requests.cpu_millicores > largest_cpu:
            yield ("workloads", index, "requests", "cpu"), (
                f"each pod requests {workload.requests.cpu_millicores:g} millicores but the largest node "
                f"offers {largest_cpu:g}; expected a request that fits on some node"
            )
        if workload.requests.memory_bytes > largest_memory:
            yield ("workloads", index, "requests", "memory"), (
                f"each pod requests {workload.requests.memory_bytes} bytes but the largest node "
                f"offers {largest_memory}; expected a request that fits on some node"
            )
    for index, service in enumerate(scenario.services):
        for position, workload_name in enumerate(service.workloads):
            if workload_name not in scenario.workloads_by_name:
                yield _unknown(("services", index, "workloads", position), "workload", workload_name, scenario.workloads_by_name)  # type: ignore[arg-type]
        for position, dependency in enumerate(service.depends_on):
            if dependency not in scenario.services_by_name:
                yield _unknown(("services", index, "depends_on", position), "service", dependency, scenario.services_by_name)  # type: ignore[arg-type]
    yield from _dependency_cycles(scenario)
    yield from _placeholder_problems(scenario)


_PLACEHOLDER_ROOTS = ("services", "nodes", "workloads", "zones")


def _placeholder_problems(scenario: Scenario) -> Iterator[tuple[FieldPath, str]]:
    """Each placeholder must name an entry of the scenario: ``services.<name>.<field>`` and the like."""
    known: dict[str, object] = {
        "services": scenario.services_by_name, "nodes": scenario.nodes_by_name,
        "workloads": scenario.workloads_by_name, "zones": scenario.zones_by_name,
    }
    for index, entry in enumerate(scenario.placeholders):
        root, _, rest = entry.field.partition(".")
        names = known.get(root)
        if names is None:
            yield ("placeholders", index, "field"), (
                f"unknown placeholder root {root!r} in {entry.field!r}; expected one of: {', '.join(_PLACEHOLDER_ROOTS)}")
        elif not any(rest == name or rest.startswith(f"{name}.") for name in names):  # type: ignore[attr-defined]
            yield ("placeholders", index, "field"), f"{entry.field!r} names no {root[:-1]} of this scenario"
