"""A :class:`ClusterDump` into a :class:`~riskmodel.model.scenario.Scenario`: real objects, reviewable.

Pods are grouped by their controller (a ReplicaSet counts for its Deployment, found through
its owner reference or, without ReplicaSet objects, through the ``pod-template-hash``
suffix). Static control-plane pods become ``ControlPlane`` workloads (etcd as a quorum).
Services cannot be read from a dump: each Deployment/StatefulSet gets one with a placeholder
cost and SLO marked ``review_placeholder: true``. Everything dropped is reported in notes.
"""

from __future__ import annotations

import math
from collections import defaultdict

from riskmodel.model.scenario import Allocatable, Node, Requests, Scenario, Service, Taint, Workload, Zone
from riskmodel.sources.dump import ClusterDump, PdbInfo, PodInfo, WorkloadInfo

PLACEHOLDER_COST_PER_HOUR = 100.0
PLACEHOLDER_SLO = 0.999
UNKNOWN_ZONE = "unknown-zone"
UNKNOWN_REGION = "unknown-region"
DONE_PHASES = frozenset({"Succeeded", "Failed"})


def _millicores(value: float) -> str:
    """Millicores as a quantity string: the models parse ``cpu`` as a Kubernetes quantity."""
    return f"{value:.15g}m"


def _owner(pod: PodInfo, replica_sets: dict[tuple[str, str], WorkloadInfo], deployments: set[tuple[str, str]]) -> tuple[str, str] | None:
    """(kind, name) of the workload that keeps this pod running, or None (Jobs, bare pods)."""
    kind, name = pod.owner_kind, pod.owner_name
    if kind == "ReplicaSet" and name:
        rs = replica_sets.get((pod.namespace, name))
        if rs is not None and rs.owner_kind == "Deployment" and rs.owner_name:
            return "Deployment", rs.owner_name
        template_hash = pod.labels.get("pod-template-hash", "")
        base = name.removesuffix(f"-{template_hash}") if template_hash else name.rsplit("-", 1)[0]
        if rs is None and ((pod.namespace, base) in deployments or template_hash):
            return "Deployment", base
        return "Deployment", name  # a bare ReplicaSet behaves like a Deployment here
    if kind in ("StatefulSet", "DaemonSet") and name:
        return kind, name
    if kind == "Node" and pod.namespace == "kube-system":
        return "ControlPlane", pod.name.removesuffix(f"-{pod.node}") if pod.node else pod.name
    return None


def _matches(pdb: PdbInfo, labels: dict[str, str]) -> bool:
    if not pdb.match_labels and not pdb.match_expressions:
        return False  # an empty selector selects nothing in policy/v1 for our purposes
    if any(labels.get(k) != v for k, v in pdb.match_labels.items()):
        return False
    for key, operator, values in pdb.match_expressions:
        present = key in labels
        if (operator == "In" and labels.get(key) not in values) or (operator == "NotIn" and labels.get(key) in values):
            return False
        if (operator == "Exists" and not present) or (operator == "DoesNotExist" and present):
            return False
    return True


def min_available(pdb: PdbInfo, replicas: int) -> int:
    """Pods a PDB keeps: ``minAvailable`` (a percentage rounds up) or replicas − ``maxUnavailable``."""
    def scaled(value: int | str) -> int:
        if isinstance(value, str):
            return math.ceil(int(value.rstrip("%")) * replicas / 100)
        return value

    if pdb.min_available is not None:
        return scaled(pdb.min_available)
    if pdb.max_unavailable is not None:
        return replicas - scaled(pdb.max_unavailable)
    return 1


def _workload(key: tuple[str, str, str], pods: list[PodInfo], name: str, dump: ClusterDump, zonal: bool) -> Workload:
    kind, namespace, _ = key
    labels = pods[0].labels
    needed = None
    for pdb in dump.pdbs:
        if pdb.namespace == namespace and _matches(pdb, labels):
            value = min_available(pdb, len(pods))
            needed = min(max(value, 1), len(pods))
            if value != needed:
                dump.notes.append(f"workload {name}: PDB {pdb.name} asks for {value} of {len(pods)} pods; using {needed}")
    quorum = kind in ("ControlPlane", "StatefulSet") and key[2].startswith("etcd") and needed is None
    return Workload(
        name=name, namespace=namespace, kind=kind,  # type: ignore[arg-type]
        requests=Requests.model_validate(
            {"cpu": _millicores(max(p.cpu_millicores for p in pods)), "memory": max(p.memory_bytes for p in pods)}
        ),
        pods=tuple(p.node for p in pods if p.node), min_available=needed, quorum=quorum,
        zonal_volumes=zonal, labels=labels,
    )


def _group_pods(dump: ClusterDump) -> dict[tuple[str, str, str], list[PodInfo]]:
    replica_sets = {(w.namespace, w.name): w for w in dump.workloads if w.kind == "ReplicaSet"}
    deployments = {(w.namespace, w.name) for w in dump.workloads if w.kind == "Deployment"}
    known_nodes = {n.name for n in dump.nodes}
    groups: dict[tuple[str, str, str], list[PodInfo]] = defaultdict(list)
    for pod in dump.pods:
        if pod.phase in DONE_PHASES or not pod.node:
            dump.notes.append(f"pod {pod.namespace}/{pod.name} ({pod.phase}, not running on a node) left out")
            continue
        if pod.node not in known_nodes:
            dump.notes.append(f"pod {pod.namespace}/{pod.name} runs on {pod.node}, which is not in the dump; left out")
            continue
        owner = _owner(pod, replica_sets, deployments)
        if owner is None:
            dump.notes.append(f"pod {pod.namespace}/{pod.name} has no long-running controller ({pod.owner_kind}); left out")
            continue
        groups[(owner[0], pod.namespace, owner[1])].append(pod)
    return groups


def _zonal_claims(dump: ClusterDump) -> set[tuple[str, str]]:
    """(namespace, claim) pairs bound to a zonal PersistentVolume."""
    zonal_pvs = {pv.name for pv in dump.pvs if pv.zone}
    return {(c.namespace, c.name) for c in dump.pvcs if c.volume_name in zonal_pvs} | {
        pv.claim for pv in dump.pvs if pv.zone and pv.claim
    }


def _nodes_and_zones(dump: ClusterDump) -> tuple[list[Zone], list[Node]]:
    regions: dict[str, str] = {}
    nodes = []
    for info in dump.nodes:
        zone = info.zone or UNKNOWN_ZONE
        regions.setdefault(zone, info.region or UNKNOWN_REGION)
        nodes.append(Node(
            name=info.name, zone=zone, labels=info.labels,
            allocatable=Allocatable.model_validate(
                {"cpu": _millicores(info.cpu_millicores), "memory": info.memory_bytes, "pods": max(info.max_pods, 1)}
            ),
            taints=tuple(Taint(key=k, value=v, effect=e) for k, v, e in info.taints),  # type: ignore[arg-type]
        ))
    return [Zone(name=z, region=r) for z, r in sorted(regions.items())], nodes


def dump_to_scenario(dump: ClusterDump, name: str) -> Scenario:
    """The scenario a review starts from; service costs and SLOs are placeholders to review."""
    zones, nodes = _nodes_and_zones(dump)
    groups = _group_pods(dump)
    plain_names = [key[2] for key in groups]
    zonal = _zonal_claims(dump)
    workloads, services = [], []
    for key, pods in sorted(groups.items()):
        kind, namespace, base = key
        unique = base if plain_names.count(base) == 1 else f"{namespace}/{base}"
        has_zonal = any((p.namespace, claim) in zonal for p in pods for claim in p.claims)
        workload = _workload(key, pods, unique, dump, has_zonal)
        workloads.append(workload)
        if kind in ("Deployment", "StatefulSet"):
            services.append(Service(
                name=unique, workloads=(unique,), cost_per_hour=PLACEHOLDER_COST_PER_HOUR,
                slo=PLACEHOLDER_SLO, review_placeholder=True,
            ))
    return Scenario(name=name, zones=tuple(zones), nodes=tuple(nodes), workloads=tuple(workloads), services=tuple(services))
