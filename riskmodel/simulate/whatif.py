"""Deterministic what-if: "what if these nodes, zones, workloads or services fail now?"."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from riskmodel.engine.impact import FailedSet, StructuralImpact, structural_impact
from riskmodel.engine.topology import TopologyIndex
from riskmodel.errors import InputError
from riskmodel.model.scenario import Scenario

FAIL_KINDS = ("node", "zone", "region", "workload", "service")


@dataclass(frozen=True)
class BlastRadius:
    """What a failed set breaks right away, what rescheduling saves, and the cost per hour.

    ``cost_per_hour`` is the burn rate before lost pods are rescheduled;
    ``cost_per_hour_after_reschedule`` once they run elsewhere (until repair).
    """

    failed_nodes: tuple[str, ...]
    failed_workloads: tuple[str, ...]
    unavailable_workloads: tuple[str, ...]
    degraded_workloads: tuple[str, ...]
    down_services: tuple[str, ...]
    degraded_services: tuple[str, ...]
    rescheduled_pods: tuple[tuple[str, str], ...]
    unschedulable_pods: tuple[str, ...]
    cost_per_hour: float
    down_services_after_reschedule: tuple[str, ...]
    cost_per_hour_after_reschedule: float


def parse_specs(specs: Iterable[str], scenario: Scenario,
                kinds: tuple[str, ...] = FAIL_KINDS) -> list[tuple[str, str]]:
    """``KIND:NAME`` strings checked against the scenario, as (kind, name) pairs."""
    known: dict[str, Collection[str]] = {
        "node": scenario.nodes_by_name, "zone": scenario.zones_by_name,
        "region": {z.region for z in scenario.zones},
        "workload": scenario.workloads_by_name, "service": scenario.services_by_name,
    }
    parsed = []
    for spec in specs:
        kind, _, name = spec.partition(":")
        if kind not in kinds or not name:
            raise InputError("--fail", f"expected KIND:NAME with KIND one of {', '.join(kinds)}, got {spec!r}")
        if name not in known[kind]:
            sample = ", ".join(sorted(known[kind])[:8])
            raise InputError("--fail", f"unknown {kind} {name!r}; expected one of: {sample}")
        parsed.append((kind, name))
    return parsed


def parse_failures(specs: Iterable[str], scenario: Scenario) -> FailedSet:
    """``node:NAME`` / ``zone:NAME`` / ``region:NAME`` / ``workload:NAME`` / ``service:NAME``."""
    nodes: set[str] = set()
    workloads: set[str] = set()
    services: set[str] = set()
    for kind, name in parse_specs(specs, scenario):
        if kind == "node":
            nodes.add(name)
        elif kind == "zone":
            nodes.update(scenario.nodes_by_zone[name])
        elif kind == "region":
            for zone in scenario.zones:
                if zone.region == name:
                    nodes.update(scenario.nodes_by_zone[zone.name])
        elif kind == "workload":
            workloads.add(name)
        else:
            services.add(name)
    return FailedSet(frozenset(nodes), frozenset(workloads), frozenset(services))


def _pod_name(index: TopologyIndex, pod: int) -> str:
    workload = int(index.pod_workload[pod])
    first = int(index.pod_counts[:workload].sum())
    return f"{index.workload_names[workload]}-{pod - first}"


def describe(index: TopologyIndex, impact: StructuralImpact) -> BlastRadius:
    """Names for everything an impact touches, in scenario order."""
    before, after = impact.before, impact.after or impact.before
    workloads, services = index.workload_names, index.service_names

    def names(mask, universe) -> tuple[str, ...]:
        return tuple(name for name, hit in zip(universe, mask, strict=True) if hit)

    return BlastRadius(
        failed_nodes=tuple(n for n in index.node_names if n in impact.failed_set.nodes),
        failed_workloads=tuple(w for w in workloads if w in impact.failed_set.workloads),
        unavailable_workloads=names(before.unavailable_workloads, workloads),
        degraded_workloads=names(before.degraded_workloads, workloads),
        down_services=names(before.down_services, services),
        degraded_services=names(before.degraded_services, services),
        rescheduled_pods=tuple((_pod_name(index, pod), index.node_names[node]) for pod, node in impact.placement.moves),
        unschedulable_pods=tuple(_pod_name(index, pod) for pod in impact.placement.unschedulable),
        cost_per_hour=before.cost_per_minute(index) * 60.0,
        down_services_after_reschedule=names(after.down_services, services),
        cost_per_hour_after_reschedule=after.cost_per_minute(index) * 60.0,
    )


def whatif(scenario: Scenario, specs: Iterable[str], index: TopologyIndex | None = None) -> BlastRadius:
    """Blast radius of failing everything in ``specs`` at once."""
    index = index or TopologyIndex(scenario)
    return describe(index, structural_impact(index, parse_failures(specs, scenario)))
