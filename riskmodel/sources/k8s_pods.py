"""Pods in the shape nearly every pod of a dump has, read without building field paths.

A 10,000-node dump holds 100,000 pods; the checked reader (:func:`.k8s_objects.parse_pod`) builds
a :class:`~.k8s_fields.Place` per field it reads so that a problem can name its path, which cost
most of the import. :func:`quick_pod` reads the same fields with the same checks in plain dict
access and gives up (None) on anything it does not take exactly as the checked reader would: a
field of the wrong type, a name that is not a scenario name, init containers, pod overhead,
resources other than cpu and memory, limits without requests. The checked reader then reads that
pod, with its clear error if it has one, so a quick pod and a checked pod are always equal.
"""

from __future__ import annotations

from typing import Any

from riskmodel.sources.dump import PodInfo
from riskmodel.sources.k8s_fields import checked_quantity, checked_text, is_name

_CPU_MEMORY = frozenset({"cpu", "memory"})


def _list(value: Any) -> list[Any]:
    """``value`` when it is a list, else empty: for fields only searched, never required."""
    return value if isinstance(value, list) else []


def references(spec: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """(where, value) of every env value, arg and command of the pod's containers, for finding
    names of other services; values from secrets or config maps are not in the object."""
    found: list[tuple[str, str]] = []
    for key in ("initContainers", "containers"):
        for container in _list(spec.get(key)):
            if not isinstance(container, dict):
                continue
            name = container.get("name", "?")
            for env in _list(container.get("env")):
                if isinstance(env, dict) and isinstance(env.get("value"), str) and env["value"]:
                    found.append((f"container {name} env {env.get('name', '?')}", env["value"]))
            for part in ("command", "args"):
                values = container.get(part) or []
                if isinstance(values, list):
                    found += [(f"container {name} {part}", v) for v in values if isinstance(v, str)]
    return tuple(found)


_SHARED_NAMES: dict[str, bool] = {}
"""Whether each namespace, node and owner name seen is a valid name: they repeat across pods."""


def _name(value: Any, shared: bool = False) -> str | None:
    """``object_name()`` of a field's value ('' when absent), None where it would raise."""
    found = checked_text(value)
    if not found:
        return found
    if not shared:
        return found if is_name(found) else None
    valid = _SHARED_NAMES.get(found)
    if valid is None:
        if len(_SHARED_NAMES) > 100_000:
            _SHARED_NAMES.clear()
        valid = _SHARED_NAMES[found] = is_name(found)
    return found if valid else None


def _string_map(value: Any) -> dict[str, str] | None:
    """``labels_of()``: the map itself ({} when absent), None where it would raise."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return None
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            return None
    return value


def _requests(spec: dict[str, Any]) -> dict[str, float] | None:
    """Requests summed over the containers (summed as ``pod_resources`` sums), when each asks only
    for cpu and memory (limits no wider than requests) and there are no init containers or overhead."""
    init, overhead, containers = spec.get("initContainers"), spec.get("overhead"), spec.get("containers")
    if not (init is None or init == []) or not (overhead is None or overhead == {}):
        return None
    if not isinstance(containers, list | None):
        return None
    total: dict[str, float] = {}
    for container in containers or ():
        if not isinstance(container, dict):
            return None
        resources = container.get("resources")
        if not resources:
            continue
        if not isinstance(resources, dict):
            return None
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if not isinstance(requests, dict) or not isinstance(limits, dict):
            return None
        if not (limits.keys() <= requests.keys() and requests.keys() <= _CPU_MEMORY):
            return None
        first = not total
        for key, value in requests.items():
            parsed = _quantity(key, value)
            if parsed is None:
                return None
            total[key] = parsed if first else total.get(key, 0.0) + parsed
    return total


_QUANTITIES: dict[tuple[str, str], float | None] = {}
"""``checked_quantity`` of each (resource, text) seen: a dump's pods ask for a few sizes each."""


def _quantity(key: str, value: Any) -> float | None:
    """``checked_quantity(key, value)``, remembered for text values."""
    if type(value) is not str:
        return checked_quantity(key, value)
    found = _QUANTITIES.get((key, value), _QUANTITIES)
    if found is _QUANTITIES:
        if len(_QUANTITIES) > 100_000:
            _QUANTITIES.clear()
        found = _QUANTITIES[(key, value)] = checked_quantity(key, value)
    return found  # type: ignore[return-value]


def _status(status: dict[str, Any]) -> tuple[str, bool | None, str] | None:
    """(phase, Ready condition, why it does not serve), as the checked reader's ``_pod_status``."""
    phase = checked_text(status.get("phase"))
    conditions = status.get("conditions")
    if phase is None or not isinstance(conditions, list | None):
        return None
    ready: bool | None = None
    detail = ""
    for condition in conditions or ():
        if not isinstance(condition, dict):
            continue
        if condition.get("type") == "Ready":
            ready = condition.get("status") == "True"
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            reason, message = checked_text(condition.get("reason")), checked_text(condition.get("message"))
            if reason is None or message is None:
                return None
            detail = f"{reason or 'Unschedulable'}: {message}".strip(": ")
    containers = status.get("containerStatuses")
    if not isinstance(containers, list | None):
        return None
    for container in containers or ():
        if not isinstance(container, dict):
            return None
        state = container.get("state")
        if state is None:
            continue
        if not isinstance(state, dict):
            return None
        waiting = state.get("waiting")
        if waiting is None:
            continue
        if not isinstance(waiting, dict):
            return None
        if waiting and not detail:
            reason, name = checked_text(waiting.get("reason")), checked_text(container.get("name"))
            if reason is None or name is None:
                return None
            detail = f"container {name or '?'} {reason or 'waiting'}"
    return phase or "Unknown", ready, detail


def _claims(spec: dict[str, Any]) -> tuple[str, ...] | None:
    volumes = spec.get("volumes")
    if not isinstance(volumes, list | None):
        return None
    claims = []
    for volume in volumes or ():
        claim = volume.get("persistentVolumeClaim") if isinstance(volume, dict) else None
        if isinstance(claim, dict):
            name = checked_text(claim.get("claimName"))
            if not name:
                return None
            claims.append(name)
    return tuple(claims)


def _owner(metadata: dict[str, Any]) -> tuple[str | None, str | None] | None:
    """(kind, name) of the controller owner reference (or the first owner)."""
    owners = metadata.get("ownerReferences")
    if not owners:
        return (None, None) if owners is None or isinstance(owners, list) else None
    if not isinstance(owners, list):
        return None
    chosen = owners[0]
    for owner in owners:
        if isinstance(owner, dict) and owner.get("controller"):
            chosen = owner
            break
    if not isinstance(chosen, dict):
        return None
    kind, name = checked_text(chosen.get("kind")), _name(chosen.get("name"), shared=True)
    return (kind, name) if kind and name else None


def quick_pod(obj: dict[str, Any], file: str) -> PodInfo | None:
    """The pod as :func:`.k8s_objects.parse_pod` reads it, or None to leave it to that reader."""
    metadata, spec, status = obj.get("metadata"), obj.get("spec"), obj.get("status")
    if not isinstance(metadata, dict) or not isinstance(spec, dict) or not isinstance(status, dict | None):
        return None
    name = _name(metadata.get("name"))
    namespace, node = _name(metadata.get("namespace"), shared=True), _name(spec.get("nodeName"), shared=True)
    labels, annotations = _string_map(metadata.get("labels")), _string_map(metadata.get("annotations"))
    if not name or namespace is None or node is None or labels is None or annotations is None:
        return None
    requests, state, claims, owner = _requests(spec), _status(status or {}), _claims(spec), _owner(metadata)
    if requests is None or state is None or claims is None or owner is None:
        return None
    pod = object.__new__(PodInfo)  # every field set at once: a frozen dataclass's __init__ sets them one by one
    pod.__dict__.update(
        namespace=namespace or "default", name=name, node=node or None, phase=state[0],
        owner_kind=owner[0], owner_name=owner[1], cpu_millicores=requests.get("cpu", 0.0),
        memory_bytes=int(requests.get("memory", 0.0)),
        claims=claims, labels=labels, ready=state[1], not_ready_detail=state[2], annotations=annotations,
        ephemeral_storage_bytes=0, extended={}, references=references(spec), file=file,
    )
    return pod
