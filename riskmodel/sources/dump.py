"""What a Kubernetes source reads, before it becomes a scenario: plain, typed records.

Every source (file, kube, prometheus, heapster) returns a :class:`ClusterDump`; the
``file`` and ``kube`` sources fill the topology records, metric sources only evidence.
``skipped`` says what was deliberately not used and why; ``notes`` reports choices made
on the way (a fallback zone label, an unknown condition type) so nothing is silent;
``accounting`` counts every object read, per kind, and says why each unused one was skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from riskmodel.model.evidence import Evidence
from riskmodel.sources.accounting import Accounting


@dataclass(frozen=True)
class NodeInfo:
    """A node's place and capacity (``status.allocatable``), cpu in millicores, memory in bytes."""

    name: str
    zone: str | None
    region: str | None
    cpu_millicores: float
    memory_bytes: int
    max_pods: int
    labels: dict[str, str]
    taints: tuple[tuple[str, str, str], ...] = ()
    unschedulable: bool = False
    ready: bool = True
    ready_detail: str = ""
    """The Ready condition's reason and message when it is not True (``KubeletNotReady: … cni …``)."""
    ephemeral_storage_bytes: int | None = None
    extended: dict[str, float] = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True)
class PodInfo:
    """A pod: where it runs, who owns it, what it requests (Kubernetes' effective requests)."""

    namespace: str
    name: str
    node: str | None
    phase: str
    owner_kind: str | None
    owner_name: str | None
    cpu_millicores: float
    memory_bytes: int
    claims: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    ready: bool | None = None
    """The pod's Ready condition (None: not reported)."""
    not_ready_detail: str = ""
    """Why it is not serving: the scheduler's message for a Pending pod, a container's waiting reason."""
    annotations: dict[str, str] = field(default_factory=dict)
    ephemeral_storage_bytes: int = 0
    extended: dict[str, float] = field(default_factory=dict)
    references: tuple[tuple[str, str], ...] = ()
    """(where, value) of env values, args and commands of its containers: ``env DB_HOST``, ``args``."""
    file: str = ""


@dataclass(frozen=True)
class WorkloadInfo:
    """A Deployment, StatefulSet, DaemonSet or ReplicaSet (with its owning Deployment, if any)."""

    kind: str
    namespace: str
    name: str
    replicas: int | None
    owner_kind: str | None = None
    owner_name: str | None = None
    ready_replicas: int | None = None
    """``status.readyReplicas`` (DaemonSet: ``status.numberReady``)."""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    template_labels: dict[str, str] = field(default_factory=dict)
    cpu_millicores: float = 0.0
    memory_bytes: int = 0
    """Requests of one pod of its template (used when its pods are not in the input)."""
    references: tuple[tuple[str, str], ...] = ()
    file: str = ""


@dataclass(frozen=True)
class PdbInfo:
    """A PodDisruptionBudget: ``min_available``/``max_unavailable`` as int or ``'50%'``."""

    namespace: str
    name: str
    match_labels: dict[str, str]
    match_expressions: tuple[tuple[str, str, tuple[str, ...]], ...]
    min_available: int | str | None
    max_unavailable: int | str | None
    file: str = ""


@dataclass(frozen=True)
class ServiceInfo:
    """A Kubernetes Service: which pods it selects, its ports, and its annotations."""

    namespace: str
    name: str
    selector: dict[str, str]
    ports: tuple[tuple[int, str], ...] = ()
    """(port, name) of each ``spec.ports`` entry."""
    type: str = "ClusterIP"
    annotations: dict[str, str] = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True)
class PvInfo:
    """A PersistentVolume, the zone it is bound to (None: reachable from any zone) and its claim."""

    name: str
    zone: str | None
    claim: tuple[str, str] | None


@dataclass(frozen=True)
class PvcInfo:
    namespace: str
    name: str
    volume_name: str | None


@dataclass
class ClusterDump:
    """Everything one read of one or more sources produced; a read is all-or-nothing."""

    nodes: list[NodeInfo] = field(default_factory=list)
    pods: list[PodInfo] = field(default_factory=list)
    workloads: list[WorkloadInfo] = field(default_factory=list)
    pdbs: list[PdbInfo] = field(default_factory=list)
    pvs: list[PvInfo] = field(default_factory=list)
    pvcs: list[PvcInfo] = field(default_factory=list)
    services: list[ServiceInfo] = field(default_factory=list)
    evidence: Evidence = field(default_factory=Evidence)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    accounting: Accounting = field(default_factory=Accounting)

    def merge(self, other: ClusterDump) -> ClusterDump:
        """Both dumps in one (sources are read separately, then combined)."""
        return ClusterDump(
            nodes=self.nodes + other.nodes,
            pods=self.pods + other.pods,
            workloads=self.workloads + other.workloads,
            pdbs=self.pdbs + other.pdbs,
            pvs=self.pvs + other.pvs,
            pvcs=self.pvcs + other.pvcs,
            services=self.services + other.services,
            evidence=self.evidence.merged(other.evidence),
            skipped=self.skipped + other.skipped,
            notes=self.notes + other.notes,
            accounting=self.accounting.merged(other.accounting),
        )
