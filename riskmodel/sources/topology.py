"""A :class:`ClusterDump` into a :class:`~riskmodel.model.scenario.Scenario`: the cluster as it is now.

Nodes keep their state (Ready or not, cordoned); a node without zone labels goes into a
named placeholder zone per region (``unknown-zone-<region>``), whatever order the files
came in. Workloads come from :mod:`.workloads` (live, unplaced and not-live replicas),
services from :mod:`.services` (Service objects, annotations, ``--defaults``, inferred
dependencies). Static control-plane pods become ``ControlPlane`` workloads (etcd keeps its
quorum). Everything still a placeholder is listed in the scenario's ``placeholders``, and
everything dropped is reported in the dump's accounting and notes.
"""

from __future__ import annotations

import math
from collections import Counter

from riskmodel.files.collector import collector_paused
from riskmodel.model.defaults import ServiceDefaults
from riskmodel.model.quantity import cpu_quantity
from riskmodel.model.scenario import (
    Allocatable,
    Node,
    NotLivePod,
    PlaceholderEntry,
    Requests,
    Scenario,
    Taint,
    Workload,
    Zone,
)
from riskmodel.sources.controlplane import QUORUM_COMPONENTS
from riskmodel.sources.dump import ClusterDump, NodeInfo, PdbInfo
from riskmodel.sources.services import build_services
from riskmodel.sources.workloads import Draft, workload_drafts

UNKNOWN_ZONE = "unknown-zone"
UNKNOWN_REGION = "unknown-region"


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


def placeholder_zone(region: str | None) -> str:
    return f"{UNKNOWN_ZONE}-{region}" if region else UNKNOWN_ZONE


def nodes_and_zones(dump: ClusterDump) -> tuple[list[Zone], list[Node], list[PlaceholderEntry]]:
    """Nodes with their state and zones; zones without labels become named placeholders."""
    regions: dict[str, str] = {}
    nodes: list[Node] = []
    unlabelled: dict[str, list[str]] = {}
    for info in sorted(dump.nodes, key=lambda n: n.name):
        zone = info.zone or placeholder_zone(info.region)
        if not info.zone:
            unlabelled.setdefault(zone, []).append(info.name)
        region = info.region or UNKNOWN_REGION
        if regions.setdefault(zone, region) != region:
            dump.notes.append(f"zone {zone} is labelled with regions {regions[zone]} and {region}; using "
                              f"{regions[zone]} (node {info.name})")
        nodes.append(_node(info, zone))
    zones = [Zone(name=z, region=r, placeholder=z in unlabelled) for z, r in sorted(regions.items())]
    placeholders = [PlaceholderEntry(field=f"zones.{zone}", reason=(
        f"no zone label on {len(names)} node(s) ({', '.join(names[:5])}{', …' if len(names) > 5 else ''}): "
        "they share this placeholder zone; label them topology.kubernetes.io/zone or confirm"))
        for zone, names in sorted(unlabelled.items())]
    return zones, nodes, placeholders


def _node(info: NodeInfo, zone: str) -> Node:
    allocatable = {"cpu": cpu_quantity(info.cpu_millicores), "memory": info.memory_bytes, "pods": max(info.max_pods, 1),
                   "extended": info.extended}
    if info.ephemeral_storage_bytes is not None:
        allocatable["ephemeral-storage"] = info.ephemeral_storage_bytes
    return Node(
        name=info.name, zone=zone, labels=info.labels, allocatable=Allocatable.model_validate(allocatable),
        taints=tuple(Taint(key=k, value=v, effect=e) for k, v, e in info.taints),  # type: ignore[arg-type]
        ready=info.ready, unschedulable=info.unschedulable,
    )


def _zonal_claims(dump: ClusterDump) -> set[tuple[str, str]]:
    """(namespace, claim) pairs bound to a zonal PersistentVolume."""
    zonal_pvs = {pv.name for pv in dump.pvs if pv.zone}
    return {(c.namespace, c.name) for c in dump.pvcs if c.volume_name in zonal_pvs} | {
        pv.claim for pv in dump.pvs if pv.zone and pv.claim
    }


def _requests(draft: Draft) -> Requests:
    pods = draft.pods
    if not pods:
        template = next((c for c in draft.controllers if c.cpu_millicores or c.memory_bytes), None)
        cpu, memory = (template.cpu_millicores, template.memory_bytes) if template else (0.0, 0)
        return Requests.model_validate({"cpu": cpu_quantity(cpu), "memory": memory})
    extended: dict[str, float] = {}
    for pod in pods:
        for key, value in pod.extended.items():
            extended[key] = max(extended.get(key, 0.0), value)
    return Requests.model_validate({
        "cpu": cpu_quantity(max(p.cpu_millicores for p in pods)), "memory": max(p.memory_bytes for p in pods),
        "ephemeral-storage": max(p.ephemeral_storage_bytes for p in pods), "extended": extended})


class _PdbIndex:
    """PDBs by (namespace, first ``matchLabels`` pair), so that each workload is checked only
    against the PDBs that can select it; one with expressions alone is checked for every
    workload of its namespace. Candidates come back in the dump's order: the first PDB that
    selects a workload is the one used."""

    def __init__(self, pdbs: list[PdbInfo]) -> None:
        self.pdbs = pdbs
        self.by_label: dict[tuple[str, str, str], list[int]] = {}
        self.by_namespace: dict[str, list[int]] = {}
        for position, pdb in enumerate(pdbs):
            if pdb.match_labels:
                key, value = next(iter(pdb.match_labels.items()))
                self.by_label.setdefault((pdb.namespace, key, value), []).append(position)
            elif pdb.match_expressions:
                self.by_namespace.setdefault(pdb.namespace, []).append(position)

    def selecting(self, namespace: str, labels: dict[str, str]) -> list[PdbInfo]:
        positions = set(self.by_namespace.get(namespace, ()))
        for key, value in labels.items():
            positions.update(self.by_label.get((namespace, key, value), ()))
        return [self.pdbs[p] for p in sorted(positions) if _matches(self.pdbs[p], labels)]


def _min_available(draft: Draft, name: str, desired: int, dump: ClusterDump, pdbs: _PdbIndex) -> int | None:
    selecting = pdbs.selecting(draft.namespace, draft.labels)
    if not selecting:
        return None
    pdb = selecting[0]
    value = min_available(pdb, desired)
    needed = min(max(value, 1), desired)
    if value != needed:
        dump.notes.append(f"workload {name}: PDB {pdb.name} asks for {value} of {desired} pods; using {needed}")
    return needed


def _workload(draft: Draft, name: str, dump: ClusterDump, zonal: set[tuple[str, str]], pdbs: _PdbIndex) -> Workload:
    spec_desired = draft.desired
    live = len(draft.live) + draft.unplaced
    desired = max(spec_desired if spec_desired is not None else live + len(draft.not_live), live, 1)
    needed = _min_available(draft, name, desired, dump, pdbs)
    quorum = needed is None and draft.kind in ("ControlPlane", "StatefulSet") and (
        draft.name in QUORUM_COMPONENTS or (draft.kind == "StatefulSet" and draft.name.startswith("etcd")))
    return Workload(
        name=name, namespace=draft.namespace, kind=draft.kind,  # type: ignore[arg-type]
        requests=_requests(draft), pods=tuple(p.node for p in draft.live if p.node),
        unplaced_replicas=draft.unplaced, desired_replicas=desired if spec_desired is not None else None,
        not_live_pods=tuple(NotLivePod(name=pod.name, reason=reason, node=pod.node, detail=detail[:300])  # type: ignore[arg-type]
                            for pod, reason, detail in draft.not_live),
        min_available=needed, quorum=quorum,
        zonal_volumes=any((p.namespace, claim) in zonal for p in draft.pods for claim in p.claims),
        labels=draft.labels,
    )


def _named(drafts: dict) -> dict[str, Draft]:
    """Drafts under their scenario names: the cluster name, or namespace/name where names repeat."""
    plain = Counter(key[2] for key in drafts)
    return {(key[2] if plain[key[2]] == 1 else f"{key[1]}/{key[2]}"): draft for key, draft in sorted(drafts.items())}


@collector_paused()
def dump_to_scenario(dump: ClusterDump, name: str, defaults: ServiceDefaults | None = None,
                     strict: bool = False) -> Scenario:
    """The scenario a review starts from: the cluster's current state, placeholders listed."""
    zones, nodes, placeholders = nodes_and_zones(dump)
    drafts = _named(workload_drafts(dump, {n.name: n for n in dump.nodes}))
    zonal = _zonal_claims(dump)
    pdbs = _PdbIndex(dump.pdbs)
    workloads = []
    for workload_name, draft in drafts.items():
        workloads.append(_workload(draft, workload_name, dump, zonal, pdbs))
        if draft.unplaced and not draft.pods:
            placeholders.append(PlaceholderEntry(field=f"workloads.{workload_name}.pods", reason=(
                f"its pods are not in the input: {draft.unplaced} ready replica(s) from its status, placement "
                "unknown, so node and zone failures cannot reach them")))
            dump.notes.append(f"workload {workload_name}: pods not in the input; {draft.unplaced} ready replica(s) "
                              "from its status, placement unknown")
        elif draft.missing_pods:
            dump.notes.append(f"workload {workload_name}: no pods in a capture that has pods of namespace "
                              f"{draft.namespace}; counted as 0 live replicas")
    result = build_services(dump.services, drafts, dump.accounting.skip, defaults, strict)
    dump.notes.extend(result.notes)
    observed = dump.evidence.observed_at
    return Scenario(
        name=name, zones=tuple(zones), nodes=tuple(nodes), workloads=tuple(workloads),
        services=tuple(result.services), placeholders=tuple(placeholders + result.placeholders),
        observed_at=observed.isoformat().replace("+00:00", "Z") if observed else None,
    )
