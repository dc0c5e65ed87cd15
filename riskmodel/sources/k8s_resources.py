"""What a pod asks the scheduler for: the effective requests of a pod spec, by Kubernetes' rules
(limits fill missing requests, init containers and sidecars, ``overhead``), every resource in
its unit (cpu in millicores, memory and storage in bytes, extended resources as counts).
"""

from __future__ import annotations

from typing import Any

from riskmodel.sources.k8s_fields import Place, amount, mapping, quantity, sequence

BASIC_RESOURCES = frozenset({"cpu", "memory", "pods", "ephemeral-storage"})


def extended_resources(resources: dict[str, Any], place: Place) -> dict[str, float]:
    """Extended resources (``nvidia.com/gpu``) and hugepages of a resource map, non-zero only."""
    found = {key: amount(resources, key, place) for key in resources if key not in BASIC_RESOURCES}
    return {key: value for key, value in found.items() if value > 0}


_CPU_MEMORY = frozenset({"cpu", "memory"})


def _one_container(container: Any, at: Place) -> dict[str, float]:
    """``resources.requests`` of one container, every resource in its unit.

    Kubernetes defaults the requests of a resource that only has a limit to that limit (and
    extended resources must request what they limit), so limits fill in missing requests.
    """
    if not isinstance(container, dict):
        raise at.error("expected a container object")
    resources = container.get("resources")
    if not resources:
        return {}
    if not isinstance(resources, dict):
        raise at.error(f"expected an object, got {type(resources).__name__}", "resources")
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    if not isinstance(requests, dict) or not isinstance(limits, dict):
        raise at.at("resources").error("expected an object", "requests" if not isinstance(requests, dict) else "limits")
    if limits.keys() <= requests.keys() and requests.keys() <= _CPU_MEMORY:  # the common case, kept fast
        where = at.at("resources", "requests")
        return {key: quantity(requests, key, where) for key in requests}
    found: dict[str, float] = {}
    if limits:
        where = at.at("resources", "limits")
        found = {key: amount(limits, key, where) for key in limits if key not in requests}
    if requests:
        where = at.at("resources", "requests")
        for key in requests:
            found[key] = amount(requests, key, where)
    return found


def _add(total: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    if not total:
        return dict(more)
    for key, value in more.items():
        total[key] = total.get(key, 0.0) + value
    return total


def _largest(total: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    return {key: max(total.get(key, 0.0), more.get(key, 0.0)) for key in total.keys() | more.keys()}


def _init_requests(containers: list[Any], place: Place) -> tuple[dict[str, float], dict[str, float]]:
    """(largest init need, sum of sidecars) by Kubernetes' rule.

    A regular init container runs alone after the sidecars (``restartPolicy: Always``)
    started before it, so it needs its own request plus theirs; the largest such sum counts.
    """
    need: dict[str, float] = {}
    sidecars: dict[str, float] = {}
    for index, container in enumerate(containers):
        one = _one_container(container, place.at("initContainers", index))
        if container.get("restartPolicy") == "Always":
            sidecars = _add(sidecars, one)
        else:
            need = _largest(need, _add(dict(sidecars), one))
    return need, sidecars


def pod_resources(spec: dict[str, Any], place: Place) -> dict[str, float]:
    """Effective pod requests as the scheduler sees them, every resource in its unit.

    max(Σ containers + Σ sidecars, largest init container) per resource, plus ``overhead``.
    """
    total: dict[str, float] = {}
    for index, container in enumerate(sequence(spec, "containers", place)):
        total = _add(total, _one_container(container, place.at("containers", index)))
    init = sequence(spec, "initContainers", place)
    if init:
        need, sidecars = _init_requests(init, place)
        total = _largest(_add(total, sidecars), need)
    overhead = mapping(spec, "overhead", place)
    if overhead:
        total = _add(total, {key: amount(overhead, key, place.at("overhead")) for key in overhead})
    return total
