"""Seeded generator of large, realistic scenarios (benchmarks, tests, the ``generate`` command).

:func:`generate_large_scenario` builds the benchmark cluster of the math contract (docs/formats.md) (by default 1,000
nodes in 3 zones, ≈10,000 pods, 300 workloads, 200 services) from one
``numpy.random.default_rng(seed)``: the same seed always gives the same scenario, and no
global random state is touched. It works in steps (nodes, platform workloads, application
workloads and their placement, services and their dependencies); each step draws from the
generator in a fixed order, so keep that order when changing one. Writing a scenario out as
YAML lives in :mod:`riskmodel.files.scenario_yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from riskmodel.generate.packing import Placer, water_fill
from riskmodel.generate.services import service_records
from riskmodel.model.scenario import Scenario

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


@dataclass(frozen=True)
class _Fleet:
    """The nodes: three control-plane nodes first, then the workers (instance type drawn per worker)."""

    names: list[str]
    zone_index: np.ndarray
    cpu_millicores: np.ndarray
    memory_mib: np.ndarray
    worker_kinds: np.ndarray
    """Index into :data:`INSTANCE_TYPES` of each worker (control-plane nodes excluded)."""
    control_planes: int = 3

    @property
    def worker_names(self) -> list[str]:
        return self.names[self.control_planes :]


def _draw_fleet(rng: np.random.Generator, nodes: int, zones: int) -> _Fleet:
    """Instance types by fleet share; workers spread round-robin over the zones."""
    control_planes = _Fleet.control_planes
    workers = nodes - control_planes
    shares = np.array([share for *_, share in INSTANCE_TYPES])
    kinds = rng.choice(len(INSTANCE_TYPES), size=workers, p=shares / shares.sum())
    names = [f"cp-{index + 1}" for index in range(control_planes)]
    names += [f"node-{index + 1:04d}" for index in range(workers)]
    zone_index = np.concatenate([np.arange(control_planes) % zones, np.arange(workers) % zones])
    cpu_millicores = np.concatenate(
        [np.full(control_planes, CONTROL_PLANE_TYPE[1]), [INSTANCE_TYPES[k][1] for k in kinds]]
    )
    memory_mib = np.concatenate([np.full(control_planes, CONTROL_PLANE_TYPE[2]), [INSTANCE_TYPES[k][2] for k in kinds]])
    return _Fleet(names, zone_index, cpu_millicores, memory_mib, kinds)


def _node_record(fleet: _Fleet, index: int, zone_names: list[str]) -> dict[str, Any]:
    """One node as scenario data; control-plane nodes carry the role label and a NoSchedule taint."""
    zone = zone_names[fleet.zone_index[index]]
    taints: list[dict[str, str]] = []
    if index < fleet.control_planes:
        labels = {"node-role.kubernetes.io/control-plane": "", **_node_labels(CONTROL_PLANE_TYPE[0], zone)}
        taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    else:
        labels = _node_labels(INSTANCE_TYPES[fleet.worker_kinds[index - fleet.control_planes]][0], zone)
    record: dict[str, Any] = {
        "name": fleet.names[index],
        "zone": zone,
        "allocatable": {
            "cpu": f"{int(fleet.cpu_millicores[index])}m",
            "memory": f"{int(fleet.memory_mib[index])}Mi",
            "pods": MAX_PODS,
        },
        "labels": labels,
    }
    if taints:
        record["taints"] = taints
    return record


def _worker_placer(fleet: _Fleet, zones: int) -> Placer:
    """Free capacity of the workers only: application pods never land on control-plane nodes."""
    control_planes = fleet.control_planes
    return Placer(
        fleet.zone_index[control_planes:],
        fleet.cpu_millicores[control_planes:] * 1.0,
        fleet.memory_mib[control_planes:] * 1.0,
        np.full(len(fleet.names) - control_planes, MAX_PODS),
        zones,
    )


def _control_plane_workloads(control_plane_nodes: list[str]) -> list[dict[str, Any]]:
    """A quorum ``etcd`` and ``kube-apiserver`` on every control-plane node."""
    return [
        {
            "name": "etcd",
            "namespace": "kube-system",
            "kind": "ControlPlane",
            "quorum": True,
            "requests": {"cpu": "500m", "memory": "2Gi"},
            "pods": list(control_plane_nodes),
        },
        {
            "name": "kube-apiserver",
            "namespace": "kube-system",
            "kind": "ControlPlane",
            "min_available": 1,
            "requests": {"cpu": "750m", "memory": "2Gi"},
            "pods": list(control_plane_nodes),
        },
    ]


def _daemonset_workloads(rng: np.random.Generator, fleet: _Fleet, placer: Placer) -> list[dict[str, Any]]:
    """Three DaemonSets, their pods taken out of the workers' free capacity before any app is placed.

    About 2 % of nodes lack ``node-problem-detector``: the blind spots evidence must cope with.
    """
    names = fleet.names
    blind = rng.random(len(names)) < 0.02
    daemonsets = (
        ("cilium", "kube-system", 100, 512, list(names)),
        ("node-problem-detector", "kube-system", 20, 80, [n for n, b in zip(names, blind, strict=True) if not b]),
        ("node-exporter", "monitoring", 100, 128, list(names)),
    )
    node_index = {name: index for index, name in enumerate(names)}
    records: list[dict[str, Any]] = []
    for name, namespace, cpu_millicores, memory_mib, ds_nodes in daemonsets:
        records.append(
            {
                "name": name,
                "namespace": namespace,
                "kind": "DaemonSet",
                "requests": {"cpu": f"{cpu_millicores}m", "memory": f"{memory_mib}Mi"},
                "pods": ds_nodes,
            }
        )
        for ds_node in ds_nodes:
            index = node_index[ds_node]
            if index >= fleet.control_planes:
                placer.take(index - fleet.control_planes, cpu_millicores, memory_mib)
    return records


@dataclass(frozen=True)
class _AppDraws:
    """Every random draw of the application workloads, one array entry per workload.

    Drawn up front, array by array, in a fixed order: that order is what makes a seed
    reproduce the same scenario, so new draws go after the existing ones.
    """

    stateful: np.ndarray
    single: np.ndarray
    replicas: np.ndarray
    cpu_millicores: np.ndarray
    memory_mib: np.ndarray
    single_zone: np.ndarray
    zonal: np.ndarray
    quorum: np.ndarray
    pdb_draw: np.ndarray
    """Uniform [0, 1): < 0.3 → PDB at 50 %, < 0.6 → at 75 %, else no PDB."""
    domain_pick: np.ndarray
    component_pick: np.ndarray
    stateful_pick: np.ndarray
    zone_offset: np.ndarray


def _draw_replicas(
    rng: np.random.Generator, apps: int, target_app_pods: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which workloads are stateful or single-replica, and every workload's replica count.

    Deployments share the pods left over by the fixed ones along heavy-tailed weights, so the
    total comes close to ``target_app_pods`` while a few Deployments get very wide.
    """
    stateful = rng.random(apps) < 0.2
    single = (~stateful) & (rng.random(apps) < 0.08)
    weights = rng.lognormal(mean=0.0, sigma=1.0, size=apps)
    weights[stateful | single] = 0.0
    stateful_replicas = rng.choice(np.array([2, 3, 3, 5]), size=apps)
    fixed_pods = int(stateful_replicas[stateful].sum()) + int(single.sum())
    replicas = np.where(stateful, stateful_replicas, 1).astype(int)
    deployments = np.flatnonzero(~stateful & ~single)
    if len(deployments):
        wide = water_fill(
            weights[deployments], max(target_app_pods - fixed_pods, 2 * len(deployments)), 2, MAX_REPLICAS
        )
        replicas[deployments] = wide
    return stateful, single, replicas


def _draw_requests(
    rng: np.random.Generator, stateful: np.ndarray, replicas: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pod cpu (millicores) and memory (MiB) requests; very wide Deployments get small pods."""
    apps = len(stateful)
    cpu_millicores = rng.choice(CPU_CHOICES_M, size=apps, p=CPU_WEIGHTS / CPU_WEIGHTS.sum())
    memory_mib = cpu_millicores * rng.choice(MEMORY_PER_CPU_MIB, size=apps) // 1000
    memory_mib = np.maximum(memory_mib, 128)
    stateful_cpu = rng.choice(STATEFUL_CPU_M, size=apps)
    stateful_memory = rng.choice(STATEFUL_MEMORY_MIB, size=apps)
    cpu_millicores = np.where(stateful, stateful_cpu, cpu_millicores)
    memory_mib = np.where(stateful, stateful_memory, memory_mib)
    big = ~stateful & (replicas > 40)
    cpu_millicores = np.where(big, np.minimum(cpu_millicores, 500), cpu_millicores)
    memory_mib = np.where(big, np.minimum(memory_mib, 1024), memory_mib)
    return cpu_millicores, memory_mib


def _draw_apps(rng: np.random.Generator, apps: int, target_app_pods: int, zones: int) -> _AppDraws:
    """Replicas, requests, then placement and availability traits and names, in that order."""
    stateful, single, replicas = _draw_replicas(rng, apps, target_app_pods)
    cpu_millicores, memory_mib = _draw_requests(rng, stateful, replicas)
    return _AppDraws(
        stateful=stateful,
        single=single,
        replicas=replicas,
        cpu_millicores=cpu_millicores,
        memory_mib=memory_mib,
        # Every draw below happens in full (numpy &, not Python and): the stream never depends on masks.
        single_zone=(~stateful) & (~single) & (replicas <= 6) & (rng.random(apps) < 0.1),
        zonal=stateful & (rng.random(apps) < 0.85),
        quorum=stateful & (replicas % 2 == 1) & (rng.random(apps) < 0.5),
        pdb_draw=rng.random(apps),
        domain_pick=rng.integers(0, len(DOMAINS), size=apps),
        component_pick=rng.integers(0, len(COMPONENTS), size=apps),
        stateful_pick=rng.integers(0, len(STATEFUL_COMPONENTS), size=apps),
        zone_offset=rng.integers(0, zones, size=apps),
    )


def _place_replicas(draws: _AppDraws, index: int, placer: Placer, zones: int) -> list[int]:
    """Worker indices of one workload's pods: zones in rotation (or one zone), distinct nodes preferred."""
    used: set[int] = set()
    chosen_nodes: list[int] = []
    offset = int(draws.zone_offset[index])
    for replica in range(int(draws.replicas[index])):
        zone = offset if draws.single_zone[index] else (offset + replica) % zones
        chosen = placer.place(zone, float(draws.cpu_millicores[index]), float(draws.memory_mib[index]), used)
        used.add(chosen)
        chosen_nodes.append(chosen)
    return chosen_nodes


def _app_workload_record(
    draws: _AppDraws, index: int, placer: Placer, worker_names: list[str], zones: int
) -> dict[str, Any]:
    """One Deployment or StatefulSet as scenario data, its pods placed on the workers."""
    stateful = bool(draws.stateful[index])
    domain = DOMAINS[draws.domain_pick[index]]
    component = STATEFUL_COMPONENTS[draws.stateful_pick[index]] if stateful else COMPONENTS[draws.component_pick[index]]
    name = f"{domain}-{component}-{index + 1:03d}"
    count = int(draws.replicas[index])
    record: dict[str, Any] = {
        "name": name,
        "namespace": domain,
        "kind": "StatefulSet" if stateful else "Deployment",
        "requests": {"cpu": f"{int(draws.cpu_millicores[index])}m", "memory": f"{int(draws.memory_mib[index])}Mi"},
        "pods": [worker_names[node] for node in _place_replicas(draws, index, placer, zones)],
        "labels": {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": domain},
    }
    if draws.zonal[index]:
        record["zonal_volumes"] = True
    pdb_draw = draws.pdb_draw[index]
    if draws.quorum[index]:
        record["quorum"] = True
    elif count >= 2 and pdb_draw < 0.6:
        record["min_available"] = max(1, int(np.ceil(count * (0.5 if pdb_draw < 0.3 else 0.75))))
    return record


WORKLOADS_PER_NODE = 0.3
"""Beyond 1,000 nodes the default workload count grows with the cluster (3,000 at 10,000 nodes),
so pods keep to ≈10 per node instead of piling into the widest Deployments' replica cap."""


def default_workloads(nodes: int) -> int:
    """300 workloads up to 1,000 nodes (the benchmark cluster), then 0.3 per node."""
    return max(300, round(WORKLOADS_PER_NODE * nodes))


def generate_large_scenario(
    seed: int = 7, nodes: int = 1000, zones: int = 3, workloads: int | None = None, services: int = 200
) -> Scenario:
    """A validated scenario of ``nodes`` nodes, ``workloads`` workloads (default
    :func:`default_workloads`) and ``services`` services.

    Three control-plane nodes (tainted) run a quorum ``etcd`` and ``kube-apiserver``; three
    DaemonSets run on (nearly) every node; the other workloads are Deployments and
    StatefulSets (most with zonal volumes, some quorum systems), some single-replica, some
    packed into one zone. Services form a DAG of hard dependencies: a service only depends
    on services listed before it. Everything is drawn from ``numpy.random.default_rng(seed)``,
    step by step in the order below: reordering the steps changes every scenario after it.
    """
    workloads = default_workloads(nodes) if workloads is None else workloads
    if nodes < 4 or zones < 1 or workloads < 6 or services < 3:
        raise ValueError("expected nodes >= 4, zones >= 1, workloads >= 6 and services >= 3")
    rng = np.random.default_rng(seed)
    zone_names = _zone_names(zones)
    fleet = _draw_fleet(rng, nodes, zones)
    placer = _worker_placer(fleet, zones)
    platform_workloads = _control_plane_workloads(fleet.names[: fleet.control_planes])
    platform_workloads += _daemonset_workloads(rng, fleet, placer)
    apps = workloads - len(platform_workloads)
    platform_pods = sum(len(record["pods"]) for record in platform_workloads)
    app_draws = _draw_apps(rng, apps, max(apps, TARGET_PODS_PER_NODE * nodes - platform_pods), zones)
    app_records = [_app_workload_record(app_draws, index, placer, fleet.worker_names, zones) for index in range(apps)]
    return Scenario.model_validate(
        {
            "name": f"large-seed-{seed}",
            "description": (
                f"Generated by riskmodel.generate.large.generate_large_scenario(seed={seed}, nodes={nodes}, zones={zones}, "
                f"workloads={workloads}, services={services})"
            ),
            "zones": [{"name": zone, "region": REGION} for zone in zone_names],
            "nodes": [_node_record(fleet, index, zone_names) for index in range(nodes)],
            "workloads": platform_workloads + app_records,
            "services": service_records(rng, app_draws.stateful, app_records, services),
        }
    )
