"""Nodes, pods, workloads, PDBs and volumes of raw Kubernetes objects into typed records.

Only fields the risk model uses are read; each is checked, and a problem names the field.
"""

from __future__ import annotations

from typing import Any

from riskmodel.model.evidence import NodeCondition
from riskmodel.sources.dump import NodeInfo, PdbInfo, PodInfo, PvcInfo, PvInfo, WorkloadInfo
from riskmodel.sources.k8s_evidence import node_conditions
from riskmodel.sources.k8s_fields import (
    ParseContext,
    Place,
    integer,
    labels_of,
    mapping,
    quantity,
    sequence,
    text,
)

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
BETA_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"
TAINT_EFFECTS = frozenset({"NoSchedule", "PreferNoSchedule", "NoExecute"})


def _zone_and_region(name: str, labels: dict[str, str], ctx: ParseContext) -> tuple[str | None, str | None]:
    zone = labels.get(ZONE_LABEL)
    if zone is None and BETA_ZONE_LABEL in labels:
        zone = labels[BETA_ZONE_LABEL]
        ctx.note(f"nodes take their zone from the deprecated label {BETA_ZONE_LABEL}", name)
    if zone is None:
        ctx.note(f"nodes without a zone label ({ZONE_LABEL}); put in zone 'unknown-zone'", name)
    return zone, labels.get(REGION_LABEL) or labels.get(BETA_REGION_LABEL)


def _taints(spec: dict[str, Any], place: Place) -> tuple[tuple[str, str, str], ...]:
    taints = []
    for index, raw in enumerate(sequence(spec, "taints", place)):
        at = place.at("taints", index)
        if not isinstance(raw, dict):
            raise at.error("expected a taint object")
        effect = text(raw, "effect", at, required=True)
        if effect not in TAINT_EFFECTS:
            raise at.error(f"expected effect NoSchedule, PreferNoSchedule or NoExecute, got {effect!r}", "effect")
        taints.append((text(raw, "key", at, required=True), text(raw, "value", at), effect))
    return tuple(taints)


def parse_node(obj: dict[str, Any], place: Place, ctx: ParseContext) -> tuple[NodeInfo | None, list[NodeCondition]]:
    """A Node: zone, allocatable (cpu millicores, memory bytes, pods), taints, conditions.

    A node without ``status.allocatable`` still reports its conditions, but it stays out of
    the topology (reported), since nothing could be scheduled on it in the model.
    """
    metadata = mapping(obj, "metadata", place, required=True)
    name = text(metadata, "name", place.at("metadata"), required=True)
    labels = labels_of(metadata, place.at("metadata"))
    spec, status = mapping(obj, "spec", place), mapping(obj, "status", place)
    allocatable = mapping(status, "allocatable", place.at("status"))
    conditions = node_conditions(name, status, place.at("status"), ctx)
    if not allocatable:
        ctx.skip("nodes without status.allocatable left out of the topology (conditions kept)", name)
        return None, conditions
    at = place.at("status", "allocatable")
    pods_value = allocatable.get("pods", 110)
    try:
        max_pods = int(pods_value)
    except (TypeError, ValueError):
        raise at.error(f"expected a whole number of pods, got {pods_value!r}", "pods") from None
    zone, region = _zone_and_region(name, labels, ctx)
    node = NodeInfo(
        name=name,
        zone=zone,
        region=region,
        cpu_millicores=quantity(allocatable, "cpu", at),
        memory_bytes=int(quantity(allocatable, "memory", at)),
        max_pods=max_pods,
        labels=labels,
        taints=_taints(spec, place.at("spec")),
        unschedulable=bool(spec.get("unschedulable", False)),
    )
    return node, conditions


def _one_container(container: Any, at: Place) -> tuple[float, float]:
    """``resources.requests`` cpu (millicores) and memory (bytes) of one container."""
    if not isinstance(container, dict):
        raise at.error("expected a container object")
    requests = mapping(mapping(container, "resources", at), "requests", at.at("resources"))
    where = at.at("resources", "requests")
    return quantity(requests, "cpu", where), quantity(requests, "memory", where)


def _init_requests(containers: list[Any], place: Place) -> tuple[float, float, float, float]:
    """(init cpu, init memory, sidecar cpu, sidecar memory) by Kubernetes' rule.

    A regular init container runs alone after the sidecars (``restartPolicy: Always``)
    started before it, so it needs its own request plus theirs; the largest such sum counts.
    """
    cpu = memory = side_cpu = side_memory = 0.0
    for index, container in enumerate(containers):
        one_cpu, one_memory = _one_container(container, place.at("initContainers", index))
        if container.get("restartPolicy") == "Always":
            side_cpu, side_memory = side_cpu + one_cpu, side_memory + one_memory
        else:
            cpu, memory = max(cpu, side_cpu + one_cpu), max(memory, side_memory + one_memory)
    return cpu, memory, side_cpu, side_memory


def pod_requests(spec: dict[str, Any], place: Place) -> tuple[float, int]:
    """Effective pod requests as the scheduler sees them.

    max(Σ containers + Σ sidecars, largest init container) per resource, plus ``overhead``.
    """
    cpu = memory = 0.0
    for index, container in enumerate(sequence(spec, "containers", place)):
        one_cpu, one_memory = _one_container(container, place.at("containers", index))
        cpu, memory = cpu + one_cpu, memory + one_memory
    init = sequence(spec, "initContainers", place)
    if init:
        init_cpu, init_memory, side_cpu, side_memory = _init_requests(init, place)
        cpu, memory = max(cpu + side_cpu, init_cpu), max(memory + side_memory, init_memory)
    overhead = mapping(spec, "overhead", place)
    cpu += quantity(overhead, "cpu", place.at("overhead"))
    memory += quantity(overhead, "memory", place.at("overhead"))
    return cpu, int(memory)


def _controller(metadata: dict[str, Any], place: Place) -> tuple[str | None, str | None]:
    """(kind, name) of the controller owner reference (or the first owner)."""
    owners = sequence(metadata, "ownerReferences", place)
    chosen = next((o for o in owners if isinstance(o, dict) and o.get("controller")), owners[0] if owners else None)
    if chosen is None:
        return None, None
    if not isinstance(chosen, dict):
        raise place.error("expected an owner reference object", "ownerReferences", 0)
    at = place.at("ownerReferences", owners.index(chosen))
    return text(chosen, "kind", at, required=True), text(chosen, "name", at, required=True)


def parse_pod(obj: dict[str, Any], place: Place) -> PodInfo:
    """A Pod: node (``spec.nodeName``), owner, effective requests and PVC claims."""
    metadata = mapping(obj, "metadata", place, required=True)
    meta_at = place.at("metadata")
    spec = mapping(obj, "spec", place, required=True)
    cpu, memory = pod_requests(spec, place.at("spec"))
    claims = []
    for index, volume in enumerate(sequence(spec, "volumes", place.at("spec"))):
        claim = volume.get("persistentVolumeClaim") if isinstance(volume, dict) else None
        if isinstance(claim, dict):
            claims.append(text(claim, "claimName", place.at("spec", "volumes", index, "persistentVolumeClaim"), required=True))
    owner_kind, owner_name = _controller(metadata, meta_at)
    return PodInfo(
        namespace=text(metadata, "namespace", meta_at) or "default",
        name=text(metadata, "name", meta_at, required=True),
        node=text(spec, "nodeName", place.at("spec")) or None,
        phase=text(mapping(obj, "status", place), "phase", place.at("status")) or "Unknown",
        owner_kind=owner_kind,
        owner_name=owner_name,
        cpu_millicores=cpu,
        memory_bytes=memory,
        claims=tuple(claims),
        labels=labels_of(metadata, meta_at),
    )


def parse_workload(obj: dict[str, Any], kind: str, place: Place) -> WorkloadInfo:
    """A Deployment, StatefulSet, DaemonSet or ReplicaSet: desired replicas and owner."""
    metadata = mapping(obj, "metadata", place, required=True)
    meta_at = place.at("metadata")
    spec = mapping(obj, "spec", place)
    owner_kind, owner_name = _controller(metadata, meta_at)
    return WorkloadInfo(
        kind=kind,
        namespace=text(metadata, "namespace", meta_at) or "default",
        name=text(metadata, "name", meta_at, required=True),
        replicas=integer(spec, "replicas", place.at("spec")),
        owner_kind=owner_kind,
        owner_name=owner_name,
    )


def _int_or_percent(spec: dict[str, Any], key: str, place: Place) -> int | str | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit() and int(value[:-1]) <= 100:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise place.error(f"expected a whole number or a percentage such as '50%', got {value!r}", key)


def parse_pdb(obj: dict[str, Any], place: Place) -> PdbInfo:
    """A PodDisruptionBudget (policy/v1 or v1beta1) with its label selector."""
    metadata = mapping(obj, "metadata", place, required=True)
    spec = mapping(obj, "spec", place, required=True)
    at = place.at("spec")
    selector = mapping(spec, "selector", at)
    expressions = []
    for index, raw in enumerate(sequence(selector, "matchExpressions", at.at("selector"))):
        where = at.at("selector", "matchExpressions", index)
        values = tuple(str(v) for v in sequence(raw, "values", where))
        expressions.append((text(raw, "key", where, required=True), text(raw, "operator", where, required=True), values))
    return PdbInfo(
        namespace=text(metadata, "namespace", place.at("metadata")) or "default",
        name=text(metadata, "name", place.at("metadata"), required=True),
        match_labels=labels_of(selector, at.at("selector"), "matchLabels"),
        match_expressions=tuple(expressions),
        min_available=_int_or_percent(spec, "minAvailable", at),
        max_unavailable=_int_or_percent(spec, "maxUnavailable", at),
    )


def _pv_affinity_zone(spec: dict[str, Any], place: Place) -> str | None:
    required = mapping(mapping(spec, "nodeAffinity", place), "required", place.at("nodeAffinity"))
    for term in sequence(required, "nodeSelectorTerms", place.at("nodeAffinity", "required")):
        for expression in term.get("matchExpressions") or [] if isinstance(term, dict) else []:
            key = expression.get("key") if isinstance(expression, dict) else None
            values = expression.get("values") or []
            if key in (ZONE_LABEL, BETA_ZONE_LABEL) and expression.get("operator") == "In" and len(values) == 1:
                return str(values[0])
    return None


def parse_pv(obj: dict[str, Any], place: Place) -> PvInfo:
    """A PersistentVolume: its zone from nodeAffinity, else its zone label; and its claim."""
    metadata = mapping(obj, "metadata", place, required=True)
    labels = labels_of(metadata, place.at("metadata"))
    spec = mapping(obj, "spec", place)
    zone = _pv_affinity_zone(spec, place.at("spec")) or labels.get(ZONE_LABEL) or labels.get(BETA_ZONE_LABEL)
    claim_ref = mapping(spec, "claimRef", place.at("spec"))
    claim = None
    if claim_ref:
        at = place.at("spec", "claimRef")
        claim = (text(claim_ref, "namespace", at) or "default", text(claim_ref, "name", at, required=True))
    return PvInfo(name=text(metadata, "name", place.at("metadata"), required=True), zone=zone, claim=claim)


def parse_pvc(obj: dict[str, Any], place: Place) -> PvcInfo:
    metadata = mapping(obj, "metadata", place, required=True)
    return PvcInfo(
        namespace=text(metadata, "namespace", place.at("metadata")) or "default",
        name=text(metadata, "name", place.at("metadata"), required=True),
        volume_name=text(mapping(obj, "spec", place), "volumeName", place.at("spec")) or None,
    )
