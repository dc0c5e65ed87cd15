"""Evidence: what the cluster says about its nodes right now, whatever source it came from.

Sources (``riskmodel.sources``) only emit these types; the risk engine only reads them.
Times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

NPD_CONDITION_TYPES = frozenset(
    {
        "KernelDeadlock",
        "ReadonlyFilesystem",
        "FrequentKubeletRestart",
        "FrequentDockerRestart",
        "FrequentContainerdRestart",
        "CorruptDockerOverlay2",
        "FrequentUnregisterNetDevice",
        "XfsShutdown",
        "CperHardwareErrorFatal",
        "KubeletUnhealthy",
        "ContainerRuntimeUnhealthy",
        "NTPProblem",
        "DiskBadBlock",
        "IPTablesVersionsMismatch",
        "ConntrackFull",
        "DNSUnreachable",
    }
)
"""Condition types the node problem detector's shipped configs can set (see its config/)."""

KUBELET_CONDITION_TYPES = frozenset(
    {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable", "OutOfDisk"}
)
"""Condition types the kubelet and cloud controllers set on every node."""

PROBLEM_WHEN_FALSE = frozenset({"Ready"})
"""Conditions that signal a problem when *not* True (Ready=False/Unknown)."""


@dataclass(frozen=True)
class NodeCondition:
    """One ``status.conditions`` entry of a node."""

    node: str
    type: str
    status: str
    reason: str = ""
    message: str = ""
    last_transition_time: datetime | None = None
    last_heartbeat_time: datetime | None = None

    @property
    def is_problem(self) -> bool:
        """True while the condition reports a problem now."""
        if self.type in PROBLEM_WHEN_FALSE:
            return self.status != "True"
        return self.status == "True"


@dataclass(frozen=True)
class NodeEvent:
    """One Kubernetes Event about a node (NPD temporary problems, kubelet, controllers)."""

    node: str
    reason: str
    count: int = 1
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None
    source_component: str = ""
    type: str = "Normal"
    message: str = ""


@dataclass(frozen=True)
class NodeMetric:
    """A node's utilisation against allocatable, from metrics (kubelet, Prometheus, Heapster)."""

    node: str
    cpu_usage_millicores: float | None = None
    memory_working_set_bytes: float | None = None
    cpu_allocatable_millicores: float | None = None
    memory_allocatable_bytes: float | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True)
class Evidence:
    """Everything known about node health, merged from one or more sources.

    ``window_start``/``observed_at`` bound the observation window that event counts cover.
    ``skipped`` lists input items a source deliberately ignored, each with its reason.
    """

    conditions: tuple[NodeCondition, ...] = ()
    events: tuple[NodeEvent, ...] = ()
    metrics: tuple[NodeMetric, ...] = ()
    observed_at: datetime | None = None
    window_start: datetime | None = None
    sources: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default_factory=tuple)

    def merged(self, other: Evidence) -> Evidence:
        """Union of two evidence sets; the window widens to cover both."""
        starts = [t for t in (self.window_start, other.window_start) if t is not None]
        ends = [t for t in (self.observed_at, other.observed_at) if t is not None]
        return Evidence(
            conditions=self.conditions + other.conditions,
            events=self.events + other.events,
            metrics=self.metrics + other.metrics,
            observed_at=max(ends) if ends else None,
            window_start=min(starts) if starts else None,
            sources=self.sources + other.sources,
            skipped=self.skipped + other.skipped,
        )

    def npd_covered_nodes(self) -> frozenset[str]:
        """Nodes that report at least one node-problem-detector condition."""
        return frozenset(c.node for c in self.conditions if c.type in NPD_CONDITION_TYPES)
