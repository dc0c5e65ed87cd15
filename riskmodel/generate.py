"""Seeded generator of large, realistic scenarios, and writing a scenario back out as YAML.

:func:`generate_large_scenario` builds the benchmark cluster of the math contract (docs/formats.md) (by default 1,000
nodes in 3 zones, ≈10,000 pods, 300 workloads, 200 services) from one
``numpy.random.default_rng(seed)``: the same seed always gives the same scenario, and no
global random state is touched. :func:`scenario_to_yaml` writes any scenario with the
user-facing field names (``allocatable: {cpu, memory, pods}``, ``requests: {cpu, memory}``)
so that :func:`riskmodel.loader.parse_scenario` reads back an equal scenario.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import yaml

from riskmodel.scenario import Scenario

REGION = "us-east-1"

INSTANCE_TYPES: tuple[tuple[str, int, int, float], ...] = (
    # name, allocatable millicores, allocatable MiB, share of the worker fleet
    ("m6i.2xlarge", 7910, 30156, 0.40),
    ("m6i.4xlarge", 15890, 61540, 0.30),
    ("r6i.2xlarge", 7910, 62320, 0.15),
    ("c6i.4xlarge", 15890, 28830, 0.15),
)
CONTROL_PLANE_TYPE = ("m6i.xlarge", 3920, 14574)
MAX_PODS = 110

CPU_CHOICES_M = np.array([100, 250, 500, 1000, 2000, 4000])
CPU_WEIGHTS = np.array([0.12, 0.22, 0.28, 0.22, 0.12, 0.04])
MEMORY_PER_CPU_MIB = np.array([1024, 2048, 4096])
STATEFUL_CPU_M = np.array([500, 1000, 2000, 4000])
STATEFUL_MEMORY_MIB = np.array([2048, 4096, 8192, 16384])

MAX_REPLICAS = 150
"""Widest generated Deployment (a heavy-tailed replica distribution, capped)."""

TARGET_PODS_PER_NODE = 10
"""≈10 pods per node in total (DaemonSets included): 1,000 nodes → ≈10,000 pods."""

DOMAINS = (
    "orders",
    "payments",
    "cart",
    "catalog",
    "search",
    "checkout",
    "inventory",
    "pricing",
    "shipping",
    "accounts",
    "auth",
    "notifications",
    "reviews",
    "recommendations",
    "media",
    "billing",
    "ledger",
    "fraud",
    "loyalty",
    "promotions",
    "returns",
    "warehouse",
    "analytics",
    "reporting",
    "gateway",
    "sessions",
    "profile",
    "support",
    "tax",
    "currency",
)
COMPONENTS = ("api", "worker", "consumer", "web", "grpc", "cron", "proxy")
STATEFUL_COMPONENTS = ("db", "cache", "queue", "store")

SLO_CHOICES = np.array([0.99, 0.995, 0.999, 0.9995])
SLO_WEIGHTS = np.array([0.15, 0.30, 0.40, 0.15])


def _zone_names(zones: int) -> list[str]:
    if zones <= 26:
        return [f"{REGION}{chr(ord('a') + index)}" for index in range(zones)]
    return [f"{REGION}-az{index + 1}" for index in range(zones)]


def _node_labels(instance_type: str, zone: str) -> dict[str, str]:
    return {
        "node.kubernetes.io/instance-type": instance_type,
        "topology.kubernetes.io/region": REGION,
        "topology.kubernetes.io/zone": zone,
    }


def _water_fill(weights: np.ndarray, total: int, low: int, high: int) -> np.ndarray:
    """Integers in [low, high] proportional to ``weights`` that sum to ``total`` (when feasible)."""
    count = len(weights)
    total = int(min(max(total, low * count), high * count))
    share = np.full(count, float(low))
    free = np.ones(count, dtype=bool)
    for _ in range(50):
        remaining = total - share[~free].sum()
        if not free.any() or remaining <= 0:
            break
        proposal = (
            weights[free] / weights[free].sum() * remaining
            if weights[free].sum() > 0
            else np.full(free.sum(), remaining / free.sum())
        )
        clipped = np.clip(proposal, low, high)
        share[free] = clipped
        settled = (proposal <= low) | (proposal >= high)
        if not settled.any():
            break
        free_index = np.flatnonzero(free)
        free[free_index[settled]] = False
    result = np.clip(np.floor(share), low, high).astype(int)
    # Hand out the rounding remainder one replica at a time, largest fractional part first.
    remainder = total - int(result.sum())
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    position = 0
    while remainder != 0 and position < 10 * count:
        index = order[position % count]
        step = 1 if remainder > 0 else -1
        if low <= result[index] + step <= high:
            result[index] += step
            remainder -= step
        position += 1
    return result


class _Placer:
    """First fit over a rotating, zone-by-zone node order, tracking free cpu, memory, pods."""

    def __init__(self, zone_of: np.ndarray, cpu: np.ndarray, memory: np.ndarray, pods: np.ndarray, zones: int):
        self.free_cpu = cpu.astype(np.float64).copy()
        self.free_memory = memory.astype(np.float64).copy()
        self.free_pods = pods.astype(np.int64).copy()
        self.by_zone = [np.flatnonzero(zone_of == zone) for zone in range(zones)]
        self.cursor = [0] * zones
        self.zones = zones

    def take(self, node: int, cpu: float, memory: float) -> int:
        self.free_cpu[node] -= cpu
        self.free_memory[node] -= memory
        self.free_pods[node] -= 1
        return node

    def place(self, zone: int, cpu: float, memory: float, avoid: set[int]) -> int:
        """A node in ``zone`` (then any zone) with room for the pod, preferring one not in ``avoid``."""
        for candidate_zone in [zone, *[(zone + step) % self.zones for step in range(1, self.zones)]]:
            nodes = self.by_zone[candidate_zone]
            if len(nodes) == 0:
                continue
            start = self.cursor[candidate_zone]
            fallback = -1
            for step in range(len(nodes)):
                node = int(nodes[(start + step) % len(nodes)])
                if self.free_cpu[node] >= cpu and self.free_memory[node] >= memory and self.free_pods[node] > 0:
                    if node not in avoid:
                        self.cursor[candidate_zone] = (start + step + 1) % len(nodes)
                        return self.take(node, cpu, memory)
                    if fallback < 0:
                        fallback = node
            if fallback >= 0:
                return self.take(fallback, cpu, memory)
        # Nothing has room: overcommit the emptiest node (never expected at the default sizes).
        return self.take(int(np.argmax(self.free_cpu)), cpu, memory)


def generate_large_scenario(
    seed: int = 7, nodes: int = 1000, zones: int = 3, workloads: int = 300, services: int = 200
) -> Scenario:
    """A validated scenario of ``nodes`` nodes, ``workloads`` workloads and ``services`` services.

    Three control-plane nodes (tainted) run a quorum ``etcd`` and ``kube-apiserver``; three
    DaemonSets run on (nearly) every node; the other workloads are Deployments and
    StatefulSets (most with zonal volumes, some quorum systems), some single-replica, some
    packed into one zone. Services form a DAG of hard dependencies: a service only depends
    on services listed before it. Everything is drawn from ``numpy.random.default_rng(seed)``.
    """
    if nodes < 4 or zones < 1 or workloads < 6 or services < 3:
        raise ValueError("expected nodes >= 4, zones >= 1, workloads >= 6 and services >= 3")
    rng = np.random.default_rng(seed)
    zone_names = _zone_names(zones)

    # ---------------------------------------------------------------- nodes
    control_planes = 3
    workers = nodes - control_planes
    shares = np.array([share for *_, share in INSTANCE_TYPES])
    kinds = rng.choice(len(INSTANCE_TYPES), size=workers, p=shares / shares.sum())
    worker_zone = np.arange(workers) % zones
    node_names = [f"cp-{index + 1}" for index in range(control_planes)]
    node_names += [f"node-{index + 1:04d}" for index in range(workers)]
    node_zone = np.concatenate([np.arange(control_planes) % zones, worker_zone])
    node_cpu = np.concatenate([np.full(control_planes, CONTROL_PLANE_TYPE[1]), [INSTANCE_TYPES[k][1] for k in kinds]])
    node_memory_mib = np.concatenate(
        [np.full(control_planes, CONTROL_PLANE_TYPE[2]), [INSTANCE_TYPES[k][2] for k in kinds]]
    )
    node_records: list[dict[str, Any]] = []
    for index, name in enumerate(node_names):
        zone = zone_names[node_zone[index]]
        if index < control_planes:
            labels = {"node-role.kubernetes.io/control-plane": "", **_node_labels(CONTROL_PLANE_TYPE[0], zone)}
            taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
        else:
            labels = _node_labels(INSTANCE_TYPES[kinds[index - control_planes]][0], zone)
            taints = []
        record: dict[str, Any] = {
            "name": name,
            "zone": zone,
            "allocatable": {
                "cpu": f"{int(node_cpu[index])}m",
                "memory": f"{int(node_memory_mib[index])}Mi",
                "pods": MAX_PODS,
            },
            "labels": labels,
        }
        if taints:
            record["taints"] = taints
        node_records.append(record)

    # Free capacity of the workers only: application pods never land on control-plane nodes.
    placer = _Placer(
        node_zone[control_planes:],
        node_cpu[control_planes:] * 1.0,
        node_memory_mib[control_planes:] * 1.0,
        np.full(workers, MAX_PODS),
        zones,
    )
    worker_names = node_names[control_planes:]
    node_index = {name: index for index, name in enumerate(node_names)}

    # ------------------------------------------------- control plane and DaemonSets
    cp_nodes = node_names[:control_planes]
    workload_records: list[dict[str, Any]] = [
        {
            "name": "etcd",
            "namespace": "kube-system",
            "kind": "ControlPlane",
            "quorum": True,
            "requests": {"cpu": "500m", "memory": "2Gi"},
            "pods": list(cp_nodes),
        },
        {
            "name": "kube-apiserver",
            "namespace": "kube-system",
            "kind": "ControlPlane",
            "min_available": 1,
            "requests": {"cpu": "750m", "memory": "2Gi"},
            "pods": list(cp_nodes),
        },
    ]
    blind = rng.random(nodes) < 0.02  # node-problem-detector not running: blind spots
    daemonsets = (
        ("cilium", "kube-system", 100, 512, list(node_names)),
        ("node-problem-detector", "kube-system", 20, 80, [n for n, b in zip(node_names, blind, strict=True) if not b]),
        ("node-exporter", "monitoring", 100, 128, list(node_names)),
    )
    for name, namespace, cpu, memory, ds_nodes in daemonsets:
        workload_records.append(
            {
                "name": name,
                "namespace": namespace,
                "kind": "DaemonSet",
                "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
                "pods": ds_nodes,
            }
        )
        for ds_node in ds_nodes:
            index = node_index[ds_node]
            if index >= control_planes:
                placer.take(index - control_planes, cpu, memory)
    platform_workloads = len(workload_records)

    # ------------------------------------------------------- application workloads
    apps = workloads - platform_workloads
    target_app_pods = max(apps, TARGET_PODS_PER_NODE * nodes - sum(len(w["pods"]) for w in workload_records))
    stateful = rng.random(apps) < 0.2
    single = (~stateful) & (rng.random(apps) < 0.08)
    weights = rng.lognormal(mean=0.0, sigma=1.0, size=apps)
    weights[stateful | single] = 0.0
    stateful_replicas = rng.choice(np.array([2, 3, 3, 5]), size=apps)
    fixed_pods = int(stateful_replicas[stateful].sum()) + int(single.sum())
    replicas = np.where(stateful, stateful_replicas, 1).astype(int)
    deployments = np.flatnonzero(~stateful & ~single)
    if len(deployments):
        wide = _water_fill(
            weights[deployments], max(target_app_pods - fixed_pods, 2 * len(deployments)), 2, MAX_REPLICAS
        )
        replicas[deployments] = wide
    cpu_m = rng.choice(CPU_CHOICES_M, size=apps, p=CPU_WEIGHTS / CPU_WEIGHTS.sum())
    memory_mib = cpu_m * rng.choice(MEMORY_PER_CPU_MIB, size=apps) // 1000
    memory_mib = np.maximum(memory_mib, 128)
    stateful_cpu = rng.choice(STATEFUL_CPU_M, size=apps)
    stateful_memory = rng.choice(STATEFUL_MEMORY_MIB, size=apps)
    cpu_m = np.where(stateful, stateful_cpu, cpu_m)
    memory_mib = np.where(stateful, stateful_memory, memory_mib)
    big = ~stateful & (replicas > 40)  # keep very wide Deployments small per pod
    cpu_m = np.where(big, np.minimum(cpu_m, 500), cpu_m)
    memory_mib = np.where(big, np.minimum(memory_mib, 1024), memory_mib)

    single_zone = (~stateful) & (~single) & (replicas <= 6) & (rng.random(apps) < 0.1)
    zonal = stateful & (rng.random(apps) < 0.85)
    quorum = stateful & (replicas % 2 == 1) & (rng.random(apps) < 0.5)
    pdb = rng.random(apps)
    domain_pick = rng.integers(0, len(DOMAINS), size=apps)
    component_pick = rng.integers(0, len(COMPONENTS), size=apps)
    stateful_pick = rng.integers(0, len(STATEFUL_COMPONENTS), size=apps)
    zone_offset = rng.integers(0, zones, size=apps)

    app_names: list[str] = []
    for index in range(apps):
        domain = DOMAINS[domain_pick[index]]
        component = STATEFUL_COMPONENTS[stateful_pick[index]] if stateful[index] else COMPONENTS[component_pick[index]]
        name = f"{domain}-{component}-{index + 1:03d}"
        app_names.append(name)
        count = int(replicas[index])
        pods: list[str] = []
        used: set[int] = set()
        for replica in range(count):
            zone = int(zone_offset[index]) if single_zone[index] else (int(zone_offset[index]) + replica) % zones
            chosen = placer.place(zone, float(cpu_m[index]), float(memory_mib[index]), used)
            used.add(chosen)
            pods.append(worker_names[chosen])
        record = {
            "name": name,
            "namespace": domain,
            "kind": "StatefulSet" if stateful[index] else "Deployment",
            "requests": {"cpu": f"{int(cpu_m[index])}m", "memory": f"{int(memory_mib[index])}Mi"},
            "pods": pods,
            "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": domain},
        }
        if zonal[index]:
            record["zonal_volumes"] = True
        if quorum[index]:
            record["quorum"] = True
        elif count >= 2 and pdb[index] < 0.6:
            record["min_available"] = max(1, int(np.ceil(count * (0.5 if pdb[index] < 0.3 else 0.75))))
        workload_records.append(record)

    # ------------------------------------------------------------------ services
    platform_services: list[dict[str, Any]] = [
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
    app_services = services - len(platform_services)
    shuffled = rng.permutation(apps)
    # Stateful workloads first, so that they back the foundational (low-index) services.
    shuffled = np.concatenate([shuffled[stateful[shuffled]], shuffled[~stateful[shuffled]]])
    backing: list[list[int]] = [[] for _ in range(app_services)]
    for position, workload in enumerate(shuffled):
        target = position if position < app_services else int(rng.integers(0, app_services))
        backing[target].append(int(workload))
    costs = np.exp(rng.normal(np.log(900.0), 1.2, size=app_services))
    tier_one = rng.random(app_services) < 0.05
    costs = np.where(tier_one, costs * 12, costs)
    costs = np.clip(np.round(costs, -1), 50.0, 60000.0)
    degraded = np.round(costs * rng.uniform(0.1, 0.3, size=app_services), -1)
    slos = rng.choice(SLO_CHOICES, size=app_services, p=SLO_WEIGHTS)
    dependency_counts = np.minimum(rng.poisson(1.6, size=app_services), 5)
    network_dependency = rng.random(app_services) < 0.3
    service_records = list(platform_services)
    app_service_names: list[str] = []
    for index in range(app_services):
        members = backing[index]
        domain = workload_records[platform_workloads + members[0]]["namespace"] if members else "service"
        name = f"{domain}-svc-{index + 1:03d}"
        depends: list[str] = []
        if index > 0 and dependency_counts[index] > 0:
            picks = rng.choice(index, size=min(int(dependency_counts[index]), index), replace=False)
            depends = [app_service_names[int(p)] for p in sorted(picks)]
        if network_dependency[index]:
            depends.append("cluster-network")
        if (
            members
            and any(workload_records[platform_workloads + m]["kind"] == "Deployment" for m in members)
            and (rng.random() < 0.05)
        ):
            depends.append("kubernetes-api")
        record = {
            "name": name,
            "workloads": [app_names[m] for m in members] or ["node-exporter"],
            "cost_per_hour": float(costs[index]),
            "degraded_cost_per_hour": float(degraded[index]),
            "slo": float(slos[index]),
        }
        if depends:
            record["depends_on"] = depends
        service_records.append(record)
        app_service_names.append(name)

    return Scenario.model_validate(
        {
            "name": f"large-seed-{seed}",
            "description": (
                f"Generated by riskmodel.generate.generate_large_scenario(seed={seed}, nodes={nodes}, zones={zones}, "
                f"workloads={workloads}, services={services})"
            ),
            "zones": [{"name": zone, "region": REGION} for zone in zone_names],
            "nodes": node_records,
            "workloads": workload_records,
            "services": service_records,
        }
    )


# ---------------------------------------------------------------------- writing YAML


def cpu_quantity(millicores: float) -> str:
    """Millicores as a Kubernetes quantity that parses back to exactly the same value."""
    if float(millicores).is_integer():
        whole = int(millicores)
        return str(whole // 1000) if whole % 1000 == 0 else f"{whole}m"
    return f"{Decimal(repr(float(millicores)))}m"


def memory_quantity(size: int) -> str:
    """Bytes as the largest exact binary quantity (``16Gi``, ``1000Mi``, ``512Ki``, ``1234``)."""
    for suffix, factor in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size and size % factor == 0:
            return f"{size // factor}{suffix}"
    return str(size)


def _cpu_memory(cpu: float, memory: int) -> dict[str, Any]:
    return {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)}


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data with the field names and quantities a scenario file uses."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for node_data, node in zip(data.get("nodes", []), scenario.nodes, strict=True):
        allocatable = node.allocatable
        node_data["allocatable"] = {
            **_cpu_memory(allocatable.cpu_millicores, allocatable.memory_bytes),
            "pods": allocatable.max_pods,
        }
    for workload_data, workload in zip(data.get("workloads", []), scenario.workloads, strict=True):
        if "requests" in workload_data:
            workload_data["requests"] = _cpu_memory(workload.requests.cpu_millicores, workload.requests.memory_bytes)
    return data


_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def scenario_to_yaml(scenario: Scenario) -> str:
    """YAML text that :func:`riskmodel.loader.parse_scenario` reads back as an equal scenario."""
    header = f"# Scenario {scenario.name!r}, written by riskmodel.generate.scenario_to_yaml\n"
    body = yaml.dump(
        scenario_document(scenario),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=120,
    )
    return header + body
