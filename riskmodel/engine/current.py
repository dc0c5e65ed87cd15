"""What is broken now: NotReady and cordoned nodes, workloads below their desired replicas,
Pending pods and conditions that report a problem now, each with what it costs per hour.

The cost of a problem is what fixing it alone would save per hour: the services' cost in
the current state (replicas missing against the desired count; a workload is unavailable
while its live replicas are below what it needs, degraded while below desired, with the
degraded cost weighted by the share missing, as for incidents) minus the cost with that
problem's replicas restored. Problems overlap (a NotReady node's pods are also the missing
replicas of their workloads), so the costs are not additive. An active condition costs
what it adds to the expected annual loss (its likelihood ratio applied to the failure
modes it signals on that node), per hour.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from riskmodel.engine.risk import Evaluation, RiskModel
from riskmodel.engine.topology import TopologyIndex
from riskmodel.model.bounds import HOURS_PER_YEAR
from riskmodel.model.evidence import NodeCondition

KIND_ORDER = ("node_not_ready", "node_cordoned", "workload_below_desired", "pod_pending", "condition_active")


@dataclass(frozen=True)
class CurrentProblem:
    """One thing wrong now; ``cost_per_hour`` in dollars is what fixing it alone saves."""

    kind: str
    name: str
    detail: str
    cost_per_hour: float


def _desired(index: TopologyIndex) -> np.ndarray:
    return np.array([w.desired for w in index.scenario.workloads], dtype=float)


def _needed(index: TopologyIndex) -> np.ndarray:
    return np.array([w.required_replicas for w in index.scenario.workloads], dtype=float)


def state_cost_per_hour(index: TopologyIndex, missing: np.ndarray) -> float:
    """Dollars per hour of the services with ``missing`` replicas per workload (against desired)."""
    if not index.service_names:
        return 0.0
    desired = _desired(index)
    unavailable = desired - missing < _needed(index) - 1e-9
    directly = index.service_own_workloads.astype(float) @ unavailable.astype(float) > 0
    down = index.service_closure.astype(float) @ directly.astype(float) > 0
    share = np.where(desired > 0, missing / np.maximum(desired, 1), 0.0)
    degraded = np.max(np.where(index.service_own_workloads, share[None, :], 0.0), axis=1, initial=0.0)
    return float(down @ index.full_cost_per_hour + np.where(down, 0.0, degraded) @ index.full_degraded_cost_per_hour)


def current_missing(index: TopologyIndex) -> np.ndarray:
    """Replicas missing now per workload: desired minus live."""
    return np.maximum(_desired(index) - index.replicas, 0.0)


def current_cost_per_hour(index: TopologyIndex) -> float:
    """What the cluster's current state costs per hour, all problems together."""
    return state_cost_per_hour(index, current_missing(index))


def _saving(index: TopologyIndex, missing: np.ndarray, restored: np.ndarray) -> float:
    now = state_cost_per_hour(index, missing)
    return max(0.0, now - state_cost_per_hour(index, np.maximum(missing - restored, 0.0)))


def _node_problems(index: TopologyIndex, missing: np.ndarray, ready: dict[str, NodeCondition]) -> list[CurrentProblem]:
    on_node: dict[str, Counter[int]] = {}
    for position, workload in enumerate(index.scenario.workloads):
        for pod in workload.not_live_pods:
            if pod.reason == "node_down" and pod.node:
                on_node.setdefault(pod.node, Counter())[position] += 1
    problems = []
    for node in index.scenario.nodes:
        if not node.down_now:
            continue
        lost = on_node.get(node.name, Counter())
        restored = np.zeros(len(missing))
        for position, count in lost.items():
            restored[position] = count
        names = ", ".join(sorted(index.workload_names[p] for p in lost)) or "none"
        if node.ready:
            kind, why = "node_cordoned", "cordoned (spec.unschedulable)"
        else:
            condition = ready.get(node.name)
            kind = "node_not_ready"
            why = (f"Ready={condition.status} {condition.reason}: {condition.message}".strip(": ")
                   if condition else "Ready is not True") + ("; also cordoned" if node.unschedulable else "")
        detail = (f"{why}; {int(restored.sum())} pod(s) not live (workloads: {names}); no room for rescheduled pods")
        problems.append(CurrentProblem(kind, node.name, detail, _saving(index, missing, restored)))
    return problems


def _workload_problems(index: TopologyIndex, missing: np.ndarray) -> list[CurrentProblem]:
    problems = []
    for position, workload in enumerate(index.scenario.workloads):
        if missing[position] <= 0:
            continue
        restored = np.zeros(len(missing))
        restored[position] = missing[position]
        reasons = Counter(pod.reason.replace("_", " ") for pod in workload.not_live_pods)
        why = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items())) or "pods missing"
        state = "unavailable" if workload.unavailable_now else "degraded"
        detail = f"{workload.replicas} of {workload.desired} replicas live ({state}; {why})"
        problems.append(CurrentProblem("workload_below_desired", workload.name, detail,
                                       _saving(index, missing, restored)))
        for pod in workload.not_live_pods:
            if pod.reason != "pending":
                continue
            one = np.zeros(len(missing))
            one[position] = 1
            problems.append(CurrentProblem("pod_pending", f"{workload.namespace}/{pod.name}",
                                           f"of {workload.name}: {pod.detail or 'Pending'}", _saving(index, missing, one)))
    return problems


def _condition_problems(model: RiskModel, evaluation: Evaluation) -> list[CurrentProblem]:
    """Active conditions (other than Ready) on nodes of the scenario, costed by the EAL they add."""
    nodes = set(model.index.node_names)
    active = [c for c in model.evidence.conditions if c.type != "Ready" and c.is_problem and c.node in nodes]
    if not active:
        return []
    pair_of = {(model.modes[m].id, unit.name): i for i, (m, unit) in enumerate(zip(model.pair_mode, model.units,
                                                                                  strict=True)) if unit.scope == "node"}
    problems = []
    for condition in active:
        added, signalled = 0.0, []
        for mode in model.modes:
            ratio = next((s.likelihood_ratio for s in mode.signals.conditions if s.type == condition.type), None)
            pair = pair_of.get((mode.id, condition.node))
            if ratio is None or pair is None:
                continue
            signalled.append(f"{mode.id} ×{ratio:g}")
            added += float(evaluation.eal_per_pair[pair]) * (1.0 - 1.0 / ratio)
        since = f" since {condition.last_transition_time:%Y-%m-%d %H:%M}" if condition.last_transition_time else ""
        raises = f"; raises {', '.join(signalled)}" if signalled else "; no failure mode of the catalog signals it"
        detail = f"{condition.type}={condition.status}{since} ({condition.reason or 'no reason'}){raises}"
        problems.append(CurrentProblem("condition_active", f"{condition.node}/{condition.type}", detail,
                                       added / HOURS_PER_YEAR))
    return problems


def current_problems(model: RiskModel, evaluation: Evaluation | None = None) -> tuple[CurrentProblem, ...]:
    """Every problem of the current state, most expensive first."""
    index = model.index
    missing = current_missing(index)
    ready = {c.node: c for c in model.evidence.conditions if c.type == "Ready" and c.status != "True"}
    problems = _node_problems(index, missing, ready) + _workload_problems(index, missing)
    problems += _condition_problems(model, evaluation or model.evaluate(service_minutes=False))
    return tuple(sorted(problems, key=lambda p: (-p.cost_per_hour, KIND_ORDER.index(p.kind), p.name)))
