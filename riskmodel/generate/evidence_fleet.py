"""A seeded fleet of clusters with node-problem history, in the ``file`` form, for calibration.

Each cluster has 6–20 nodes and two reads (``kubectl get nodes,events -o json`` saved as a
snapshot folder: ``nodes.json``, ``events.json``, ``snapshot.json``), half-way through and at
the end of a 30-day window (the API server keeps events 30 days). Its incidents are drawn per
node from Poisson(cluster rate × node-years), the cluster rate being the fleet rate times a
Gamma(2, ½) factor (mean 1, variance ½: clusters really differ). Each incident leaves what the
real detectors leave:

* a crash and reboot: ``KernelOops``, then the node controller's ``NodeNotReady`` a few minutes
  later, the kubelet's ``Rebooted`` and ``NodeReady`` when it is back;
* a kernel deadlock: ``TaskHung``, then node-problem-detector's ``DockerHung`` and
  ``KernelDeadlock=True``, ``False`` again when repaired;
* a read-only root filesystem: ``FilesystemIsReadOnly`` and ``ReadonlyFilesystem=True``, then
  ``False``;
* OOM kills: ``OOMKilling`` events.

Events of one reason on one node are one aggregated Event (count, first and last time), as
Kubernetes stores them. A condition shows only its last transition, so a repair time is seen
only when the first read falls inside an incident; in about half the clusters it is placed in
one (a team snapshots a cluster during an incident and again later). Randomness comes from
the ``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

WINDOW_DAYS = 30.0
START = datetime(2026, 10, 1, tzinfo=UTC)
FLEET_RATES_PER_NODE_YEAR = {"crash": 0.8, "deadlock": 0.3, "readonly": 0.15, "oom": 4.0}
"""The true fleet rates the generator draws from (incidents per node-year)."""
MEDIAN_MINUTES = {"crash": (4.0, 12.0), "deadlock": (6.0, 45.0), "readonly": (0.0, 70.0)}
"""(detect, repair) medians of the lognormal durations, minutes."""


@dataclass
class _Node:
    name: str
    zone: str
    events: dict[str, list[datetime]] = field(default_factory=dict)
    episodes: list[tuple[str, datetime, datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class GeneratedRead:
    """One read of one cluster: the three files of its snapshot folder, as JSON data."""

    files: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class GeneratedCluster:
    name: str
    nodes: int
    reads: tuple[GeneratedRead, ...]
    incidents: dict[str, int]


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _minutes(rng: np.random.Generator, median: float) -> timedelta:
    return timedelta(minutes=float(median * rng.lognormal(0.0, 0.4))) if median else timedelta(0)


def _incidents(rng: np.random.Generator, node: _Node, kind: str, rate: float) -> int:
    count = int(rng.poisson(rate * WINDOW_DAYS / 365.0))
    for _ in range(count):
        start = START + timedelta(days=float(rng.uniform(0.5, WINDOW_DAYS - 1)))
        if kind == "oom":
            node.events.setdefault("OOMKilling", []).append(start)
            continue
        detect, repair = (_minutes(rng, m) for m in MEDIAN_MINUTES[kind])
        seen, back = start + detect, start + detect + repair
        if kind == "crash":
            for reason, moment in (("KernelOops", start), ("NodeNotReady", seen), ("Rebooted", back - timedelta(seconds=30)),
                                   ("NodeReady", back)):
                node.events.setdefault(reason, []).append(moment)
        elif kind == "deadlock":
            node.events.setdefault("TaskHung", []).append(start)
            node.events.setdefault("DockerHung", []).append(seen)
            node.episodes.append(("KernelDeadlock", seen, back))
        else:
            node.events.setdefault("FilesystemIsReadOnly", []).append(seen)
            node.episodes.append(("ReadonlyFilesystem", seen, back))
    return count


def _node_object(node: _Node, at: datetime) -> dict[str, Any]:
    conditions = [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastTransitionTime": _time(START)}]
    for kind, reason in (("KernelDeadlock", "KernelHasNoDeadlock"), ("ReadonlyFilesystem", "FilesystemIsNotReadOnly")):
        mine = [(s, e) for k, s, e in node.episodes if k == kind and s <= at]
        status, since = "False", START
        if mine:
            start, end = max(mine)
            status, since = ("True", start) if end > at else ("False", end)
        conditions.append({"type": kind, "status": status, "reason": reason if status == "False" else kind,
                           "lastTransitionTime": _time(since), "lastHeartbeatTime": _time(at)})
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": node.name, "labels": {"topology.kubernetes.io/zone": node.zone,
                                                       "topology.kubernetes.io/region": "fleet-1"}},
            "status": {"allocatable": {"cpu": "3920m", "memory": "15Gi", "pods": "110"}, "conditions": conditions}}


_COMPONENT = {"NodeNotReady": "node-controller", "NodeReady": "kubelet", "Rebooted": "kubelet",
              "OOMKilling": "kernel-monitor", "KernelOops": "kernel-monitor", "TaskHung": "kernel-monitor",
              "DockerHung": "kernel-monitor", "FilesystemIsReadOnly": "readonly-monitor"}


def _event_objects(nodes: list[_Node], at: datetime) -> list[dict[str, Any]]:
    items = []
    for node in nodes:
        for reason, times in sorted(node.events.items()):
            happened = sorted(t for t in times if t <= at)
            if not happened:
                continue
            items.append({"apiVersion": "v1", "kind": "Event",
                          "metadata": {"name": f"{node.name}.{reason.lower()}", "namespace": "default"},
                          "involvedObject": {"kind": "Node", "name": node.name}, "reason": reason,
                          "type": "Normal" if reason in ("NodeReady", "Rebooted") else "Warning",
                          "count": len(happened), "source": {"component": _COMPONENT[reason], "host": node.name},
                          "firstTimestamp": _time(happened[0]), "lastTimestamp": _time(happened[-1])})
    return items


def _read(nodes: list[_Node], at: datetime, name: str) -> GeneratedRead:
    return GeneratedRead({
        "nodes.json": {"apiVersion": "v1", "kind": "List", "items": [_node_object(n, at) for n in nodes]},
        "events.json": {"apiVersion": "v1", "kind": "List", "items": _event_objects(nodes, at)},
        "snapshot.json": {"time": _time(at), "source": f"generated:{name}"},
    })


def _first_read_time(rng: np.random.Generator, nodes: list[_Node]) -> datetime:
    """Half-way, or (in about half the clusters with a condition episode) inside one of them."""
    episodes = [(s, e) for n in nodes for _, s, e in n.episodes]
    if episodes and rng.random() < 0.5:
        start, end = episodes[int(rng.integers(len(episodes)))]
        return start + (end - start) * float(rng.uniform(0.2, 0.8))
    return START + timedelta(days=WINDOW_DAYS / 2)


def generate_fleet(rng: np.random.Generator, clusters: int = 50) -> list[GeneratedCluster]:
    """``clusters`` clusters with their two reads each."""
    fleet = []
    for index in range(clusters):
        name = f"cluster-{index + 1:02d}"
        size = int(rng.integers(6, 21))
        nodes = [_Node(f"{name}-node-{i + 1:02d}", f"fleet-1{'abc'[i % 3]}") for i in range(size)]
        factor = float(rng.gamma(2.0, 0.5))
        incidents = {kind: sum(_incidents(rng, node, kind, rate * factor) for node in nodes)
                     for kind, rate in FLEET_RATES_PER_NODE_YEAR.items()}
        first, last = _first_read_time(rng, nodes), START + timedelta(days=WINDOW_DAYS)
        fleet.append(GeneratedCluster(name, size, (_read(nodes, first, name), _read(nodes, last, name)), incidents))
    return fleet


def write_fleet(fleet: list[GeneratedCluster], folder: Path) -> list[tuple[str, Path]]:
    """Each read as ``folder/<cluster>/read-<n>/``; returns (cluster, read folder) pairs in order."""
    written = []
    for cluster in fleet:
        for number, read in enumerate(cluster.reads, start=1):
            target = folder / cluster.name / f"read-{number}"
            target.mkdir(parents=True, exist_ok=True)
            for file, data in read.files.items():
                (target / file).write_text(json.dumps(data, indent=1), encoding="utf-8")
            written.append((cluster.name, target))
    return written


__all__ = ["FLEET_RATES_PER_NODE_YEAR", "WINDOW_DAYS", "GeneratedCluster", "GeneratedRead", "generate_fleet",
           "write_fleet"]
