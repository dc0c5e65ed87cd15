"""Nodes, pods, workloads, PDBs and volumes of raw Kubernetes objects into typed records.

Only fields the risk model uses are read; each is checked, and a problem names the field.
"""

from __future__ import annotations

from typing import Any

from riskmodel.model.bounds import MAX_PODS_PER_NODE
from riskmodel.model.evidence import NodeCondition
from riskmodel.model.scenario import NAME_MAX_LENGTH
from riskmodel.sources.dump import NodeInfo, PdbInfo, PodInfo, PvcInfo, PvInfo, ServiceInfo, WorkloadInfo
from riskmodel.sources.k8s_evidence import node_conditions
from riskmodel.sources.k8s_fields import (
    ParseContext,
    Place,
    integer,
    is_name,
    labels_of,
    mapping,
    object_name,
    objects,
    quantity,
    sequence,
    strings,
    text,
)
from riskmodel.sources.k8s_pods import quick_pod, references
from riskmodel.sources.k8s_resources import BASIC_RESOURCES, extended_resources, pod_resources

ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"
BETA_ZONE_LABEL = "failure-domain.beta.kubernetes.io/zone"
BETA_REGION_LABEL = "failure-domain.beta.kubernetes.io/region"
TAINT_EFFECTS = frozenset({"NoSchedule", "PreferNoSchedule", "NoExecute"})


def _ready(name: str, conditions: list[NodeCondition]) -> tuple[bool, str]:
    """Whether the node's Ready condition is True, and the reason and message when it is not."""
    ready = next((c for c in conditions if c.type == "Ready"), None)
    if ready is None or ready.status == "True":
        return True, ""
    return False, f"Ready={ready.status} {ready.reason}: {ready.message}".strip(": ")


def _topology_label(labels: dict[str, str], keys: tuple[str, ...], place: Place) -> tuple[str | None, str | None]:
    """(the first of ``keys`` present, its value), the value checked as a name a scenario can hold."""
    for key in keys:
        value = labels.get(key)
        if value:
            if not is_name(value):
                raise place.error(f"expected a zone or region name of letters, digits and '. _ / : -' inside "
                                  f"(at most {NAME_MAX_LENGTH} characters), got {value[:80]!r}", key)
            return key, value
    return None, None


def _zone_and_region(name: str, labels: dict[str, str], place: Place,
                     ctx: ParseContext) -> tuple[str | None, str | None]:
    key, zone = _topology_label(labels, (ZONE_LABEL, BETA_ZONE_LABEL), place)
    if key == BETA_ZONE_LABEL:
        ctx.note(f"nodes take their zone from the deprecated label {BETA_ZONE_LABEL}", name)
    if zone is None:
        ctx.note(f"nodes without a zone label ({ZONE_LABEL}); put in a placeholder zone per region "
                 "('unknown-zone-<region>')", name)
    return zone, _topology_label(labels, (REGION_LABEL, BETA_REGION_LABEL), place)[1]


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
    name = object_name(metadata, "name", place.at("metadata"), required=True)
    labels = labels_of(metadata, place.at("metadata"))
    spec, status = mapping(obj, "spec", place), mapping(obj, "status", place)
    allocatable = mapping(status, "allocatable", place.at("status"))
    conditions = node_conditions(name, status, place.at("status"), ctx)
    if not allocatable:
        return None, conditions  # the reader reports it
    at = place.at("status", "allocatable")
    pods_value = allocatable.get("pods", 110)
    try:
        max_pods = int(pods_value)
    except (TypeError, ValueError, OverflowError):
        raise at.error(f"expected a whole number of pods, got {pods_value!r}", "pods") from None
    if isinstance(pods_value, bool) or not 0 <= max_pods <= MAX_PODS_PER_NODE:
        raise at.error(f"expected a whole number of pods from 0 to {MAX_PODS_PER_NODE:,}, got {pods_value!r}", "pods")
    zone, region = _zone_and_region(name, labels, place.at("metadata", "labels"), ctx)
    ready, ready_detail = _ready(name, conditions)
    if not any(c.type == "Ready" for c in conditions):
        ctx.note("nodes that report no Ready condition; taken as Ready", name)
    ephemeral = allocatable.get("ephemeral-storage")
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
        ready=ready,
        ready_detail=ready_detail,
        ephemeral_storage_bytes=None if ephemeral is None else int(quantity(allocatable, "ephemeral-storage", at)),
        extended=extended_resources(allocatable, at),
        file=place.file,
    )
    return node, conditions


def _pod_status(obj: dict[str, Any], place: Place) -> tuple[str, bool | None, str]:
    """(phase, Ready condition, why it does not serve) of a pod's status."""
    status = mapping(obj, "status", place)
    at = place.at("status")
    phase = text(status, "phase", at) or "Unknown"
    ready: bool | None = None
    detail = ""
    for index, condition in enumerate(sequence(status, "conditions", at)):
        if not isinstance(condition, dict):
            continue
        if condition.get("type") == "Ready":
            ready = condition.get("status") == "True"
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            where = at.at("conditions", index)
            detail = f"{text(condition, 'reason', where) or 'Unschedulable'}: {text(condition, 'message', where)}".strip(": ")
    for container, where in objects(status, "containerStatuses", at):
        waiting = mapping(mapping(container, "state", where), "waiting", where.at("state"))
        if waiting and not detail:
            reason = text(waiting, "reason", where.at("state", "waiting")) or "waiting"
            detail = f"container {text(container, 'name', where) or '?'} {reason}"
    return phase, ready, detail


def _controller(metadata: dict[str, Any], place: Place) -> tuple[str | None, str | None]:
    """(kind, name) of the controller owner reference (or the first owner)."""
    owners = sequence(metadata, "ownerReferences", place)
    chosen = next((o for o in owners if isinstance(o, dict) and o.get("controller")), owners[0] if owners else None)
    if chosen is None:
        return None, None
    if not isinstance(chosen, dict):
        raise place.error("expected an owner reference object", "ownerReferences", 0)
    at = place.at("ownerReferences", owners.index(chosen))
    return text(chosen, "kind", at, required=True), object_name(chosen, "name", at, required=True)


def parse_pod(obj: dict[str, Any], place: Place) -> PodInfo:
    """A Pod: node (``spec.nodeName``), owner, status, effective requests and PVC claims; the
    common shape through :func:`.k8s_pods.quick_pod`, the rest (and every error) checked."""
    quick = quick_pod(obj, place.file)
    return quick if quick is not None else checked_pod(obj, place)


def checked_pod(obj: dict[str, Any], place: Place) -> PodInfo:
    """:func:`parse_pod` with every field checked where it is read, so a problem names its path."""
    metadata = mapping(obj, "metadata", place, required=True)
    meta_at = place.at("metadata")
    spec = mapping(obj, "spec", place, required=True)
    resources = pod_resources(spec, place.at("spec"))
    phase, ready, detail = _pod_status(obj, place)
    claims = []
    for index, volume in enumerate(sequence(spec, "volumes", place.at("spec"))):
        claim = volume.get("persistentVolumeClaim") if isinstance(volume, dict) else None
        if isinstance(claim, dict):
            claims.append(text(claim, "claimName", place.at("spec", "volumes", index, "persistentVolumeClaim"), required=True))
    owner_kind, owner_name = _controller(metadata, meta_at)
    return PodInfo(
        namespace=object_name(metadata, "namespace", meta_at) or "default",
        name=object_name(metadata, "name", meta_at, required=True),
        node=object_name(spec, "nodeName", place.at("spec")) or None,
        phase=phase,
        owner_kind=owner_kind,
        owner_name=owner_name,
        cpu_millicores=resources.get("cpu", 0.0),
        memory_bytes=int(resources.get("memory", 0.0)),
        claims=tuple(claims),
        labels=labels_of(metadata, meta_at),
        ready=ready,
        not_ready_detail=detail,
        annotations=labels_of(metadata, meta_at, "annotations"),
        ephemeral_storage_bytes=int(resources.get("ephemeral-storage", 0.0)),
        extended={k: v for k, v in resources.items() if k not in BASIC_RESOURCES and v > 0},
        references=references(spec),
        file=place.file,
    )


def parse_workload(obj: dict[str, Any], kind: str, place: Place) -> WorkloadInfo:
    """A Deployment, StatefulSet, DaemonSet or ReplicaSet: desired and ready replicas, owner,
    labels and annotations, and its pod template's labels, requests and env values.

    A DaemonSet's desired count is ``status.desiredNumberScheduled`` (one per eligible node)."""
    metadata = mapping(obj, "metadata", place, required=True)
    meta_at = place.at("metadata")
    spec = mapping(obj, "spec", place)
    status = mapping(obj, "status", place)
    owner_kind, owner_name = _controller(metadata, meta_at)
    template = mapping(spec, "template", place.at("spec"))
    template_spec = mapping(template, "spec", place.at("spec", "template"))
    resources = pod_resources(template_spec, place.at("spec", "template", "spec")) if template_spec else {}
    if kind == "DaemonSet":
        replicas = integer(status, "desiredNumberScheduled", place.at("status"))
        ready = integer(status, "numberReady", place.at("status"))
    else:
        replicas = integer(spec, "replicas", place.at("spec"))
        ready = integer(status, "readyReplicas", place.at("status"))
    return WorkloadInfo(
        kind=kind,
        namespace=object_name(metadata, "namespace", meta_at) or "default",
        name=object_name(metadata, "name", meta_at, required=True),
        replicas=replicas,
        owner_kind=owner_kind,
        owner_name=owner_name,
        ready_replicas=ready,
        labels=labels_of(metadata, meta_at),
        annotations=labels_of(metadata, meta_at, "annotations"),
        template_labels=labels_of(mapping(template, "metadata", place.at("spec", "template")),
                                  place.at("spec", "template", "metadata")),
        cpu_millicores=resources.get("cpu", 0.0),
        memory_bytes=int(resources.get("memory", 0.0)),
        references=references(template_spec),
        file=place.file,
    )


def parse_service(obj: dict[str, Any], place: Place) -> ServiceInfo:
    """A Service: its selector, ports and annotations (``riskmodel.io/*`` among them)."""
    metadata = mapping(obj, "metadata", place, required=True)
    meta_at = place.at("metadata")
    spec = mapping(obj, "spec", place)
    at = place.at("spec")
    ports = []
    for index, raw in enumerate(sequence(spec, "ports", at)):
        where = at.at("ports", index)
        if not isinstance(raw, dict):
            raise where.error("expected a port object")
        port = integer(raw, "port", where)
        if port is not None:
            ports.append((port, text(raw, "name", where)))
    return ServiceInfo(
        namespace=object_name(metadata, "namespace", meta_at) or "default",
        name=object_name(metadata, "name", meta_at, required=True),
        selector=labels_of(spec, at, "selector"),
        ports=tuple(ports),
        type=text(spec, "type", at) or "ClusterIP",
        annotations=labels_of(metadata, meta_at, "annotations"),
        file=place.file,
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
    for raw, where in objects(selector, "matchExpressions", at.at("selector")):
        values = strings(raw, "values", where)
        expressions.append((text(raw, "key", where, required=True), text(raw, "operator", where, required=True), values))
    return PdbInfo(
        file=place.file,
        namespace=object_name(metadata, "namespace", place.at("metadata")) or "default",
        name=object_name(metadata, "name", place.at("metadata"), required=True),
        match_labels=labels_of(selector, at.at("selector"), "matchLabels"),
        match_expressions=tuple(expressions),
        min_available=_int_or_percent(spec, "minAvailable", at),
        max_unavailable=_int_or_percent(spec, "maxUnavailable", at),
    )


def _pv_affinity_zone(spec: dict[str, Any], place: Place) -> str | None:
    required = mapping(mapping(spec, "nodeAffinity", place), "required", place.at("nodeAffinity"))
    for term, at in objects(required, "nodeSelectorTerms", place.at("nodeAffinity", "required")):
        for expression, where in objects(term, "matchExpressions", at):
            values = strings(expression, "values", where)
            key, operator = text(expression, "key", where), text(expression, "operator", where)
            if key in (ZONE_LABEL, BETA_ZONE_LABEL) and operator == "In" and len(values) == 1:
                return values[0]
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
    return PvInfo(name=object_name(metadata, "name", place.at("metadata"), required=True), zone=zone, claim=claim)


def parse_pvc(obj: dict[str, Any], place: Place) -> PvcInfo:
    metadata = mapping(obj, "metadata", place, required=True)
    return PvcInfo(
        namespace=object_name(metadata, "namespace", place.at("metadata")) or "default",
        name=object_name(metadata, "name", place.at("metadata"), required=True),
        volume_name=text(mapping(obj, "spec", place), "volumeName", place.at("spec")) or None,
    )
