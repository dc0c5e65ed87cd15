"""The service layer of a generated scenario: services, their costs and SLOs, and a dependency DAG.

The last step of :func:`riskmodel.generate.large.generate_large_scenario`: it only needs the
application workloads (names, namespaces, kinds) and draws from the same generator after them,
in a fixed order (backing workloads, costs, SLOs, dependency counts, then per service).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SLO_CHOICES = np.array([0.99, 0.995, 0.999, 0.9995])
SLO_WEIGHTS = np.array([0.15, 0.30, 0.40, 0.15])


def _platform_services() -> list[dict[str, Any]]:
    """The Kubernetes API and the cluster network as services, so apps can depend on them."""
    return [
        {
            "name": "kubernetes-api",
            "workloads": ["kube-apiserver", "etcd"],
            "cost_per_hour": 2000.0,
            "degraded_cost_per_hour": 300.0,
            "slo": 0.999,
        },
        {
            "name": "cluster-network",
            "workloads": ["cilium"],
            "cost_per_hour": 1500.0,
            "degraded_cost_per_hour": 300.0,
            "slo": 0.9995,
        },
    ]


@dataclass(frozen=True)
class _ServiceDraws:
    """The random draws of the application services, one entry per service (fixed draw order)."""

    backing: list[list[int]]
    """Application workload indices behind each service."""
    cost_per_hour: np.ndarray
    degraded_cost_per_hour: np.ndarray
    slo: np.ndarray
    dependency_counts: np.ndarray
    network_dependency: np.ndarray


def _draw_backing(rng: np.random.Generator, stateful: np.ndarray, app_services: int) -> list[list[int]]:
    """Each service gets one workload, then the rest go to random services.

    Stateful workloads come first, so that they back the foundational (low-index) services.
    """
    shuffled = rng.permutation(len(stateful))
    shuffled = np.concatenate([shuffled[stateful[shuffled]], shuffled[~stateful[shuffled]]])
    backing: list[list[int]] = [[] for _ in range(app_services)]
    for position, workload in enumerate(shuffled):
        target = position if position < app_services else int(rng.integers(0, app_services))
        backing[target].append(int(workload))
    return backing


def _draw_services(rng: np.random.Generator, stateful: np.ndarray, app_services: int) -> _ServiceDraws:
    """Backing workloads, then log-normal costs ($/h, ≈5 % tier-one ×12), SLOs and dependency counts."""
    backing = _draw_backing(rng, stateful, app_services)
    costs = np.exp(rng.normal(np.log(900.0), 1.2, size=app_services))
    tier_one = rng.random(app_services) < 0.05
    costs = np.where(tier_one, costs * 12, costs)
    costs = np.clip(np.round(costs, -1), 50.0, 60000.0)
    degraded = np.round(costs * rng.uniform(0.1, 0.3, size=app_services), -1)
    return _ServiceDraws(
        backing=backing,
        cost_per_hour=costs,
        degraded_cost_per_hour=degraded,
        slo=rng.choice(SLO_CHOICES, size=app_services, p=SLO_WEIGHTS),
        dependency_counts=np.minimum(rng.poisson(1.6, size=app_services), 5),
        network_dependency=rng.random(app_services) < 0.3,
    )


def _service_depends(
    rng: np.random.Generator,
    draws: _ServiceDraws,
    index: int,
    app_records: list[dict[str, Any]],
    earlier_names: list[str],
) -> list[str]:
    """Hard dependencies of service ``index``: only on services listed before it, so they form a DAG.

    ``rng.random()`` is drawn only for services backed by a Deployment (short-circuit ``and``).
    """
    depends: list[str] = []
    if index > 0 and draws.dependency_counts[index] > 0:
        picks = rng.choice(index, size=min(int(draws.dependency_counts[index]), index), replace=False)
        depends = [earlier_names[int(p)] for p in sorted(picks)]
    if draws.network_dependency[index]:
        depends.append("cluster-network")
    members = draws.backing[index]
    if members and any(app_records[m]["kind"] == "Deployment" for m in members) and (rng.random() < 0.05):
        depends.append("kubernetes-api")
    return depends


def _app_service_records(
    rng: np.random.Generator, draws: _ServiceDraws, app_records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The application services as scenario data, named after their first workload's domain."""
    records: list[dict[str, Any]] = []
    names: list[str] = []
    for index, members in enumerate(draws.backing):
        domain = app_records[members[0]]["namespace"] if members else "service"
        name = f"{domain}-svc-{index + 1:03d}"
        depends = _service_depends(rng, draws, index, app_records, names)
        record: dict[str, Any] = {
            "name": name,
            "workloads": [app_records[m]["name"] for m in members] or ["node-exporter"],
            "cost_per_hour": float(draws.cost_per_hour[index]),
            "degraded_cost_per_hour": float(draws.degraded_cost_per_hour[index]),
            "slo": float(draws.slo[index]),
        }
        if depends:
            record["depends_on"] = depends
        records.append(record)
        names.append(name)
    return records


def service_records(
    rng: np.random.Generator, stateful: np.ndarray, app_records: list[dict[str, Any]], services: int
) -> list[dict[str, Any]]:
    """``services`` services: the two platform ones, then application services backed by ``app_records``.

    ``stateful`` marks the stateful application workloads (one entry per record), which back
    the foundational services.
    """
    platform = _platform_services()
    draws = _draw_services(rng, stateful, services - len(platform))
    return platform + _app_service_records(rng, draws, app_records)
