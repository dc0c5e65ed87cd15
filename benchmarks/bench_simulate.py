"""Benchmark of the Monte Carlo engine (DESIGN.md "Speed and size"); run: python benchmarks/bench_simulate.py

Prints, from one run:
* incidents processed per second on the large generated scenario with the shipped catalog,
  overlap detection and exact evaluation of interacting overlaps included (all usable cores);
* two straightforward per-incident networkx evaluations on the SAME incidents (a random
  sample of the engine's first chunk), timed on that sample and compared per incident:
  - *minimal*: failed nodes → pods → workloads → services → dependants, cost × duration; no
    rescheduling, no degraded cost — it computes less than the engine does;
  - *full*: the same traversal plus what DESIGN.md's one-incident cost asks for — first-fit
    decreasing rescheduling of lost pods over the surviving nodes, phase A / phase B, degraded
    cost by the share of replicas lost — checked to give the engine's stand-alone losses;
* peak memory (ru_maxrss) and the wall time of 100,000 simulated years of the demo scenario.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riskmodel.engine.topology import RESCHEDULABLE_KINDS, build_graph  # noqa: E402
from riskmodel.files.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS, load_catalog  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402
from riskmodel.plan.planner import Planner  # noqa: E402
from riskmodel.simulate.engine import BLOCK_YEARS, _single, chunk_years_for, draw_chunk  # noqa: E402
from riskmodel.simulate.montecarlo import simulate_table
from riskmodel.simulate.parallel import default_workers  # noqa: E402
from riskmodel.simulate.tables import build_pair_table  # noqa: E402
from riskmodel.sources.scenario import load_scenario


def lost_replicas(graph: nx.DiGraph, failed) -> dict[str, int]:
    """Replicas each workload loses, found by walking the graph from the failed nodes."""
    lost: dict[str, int] = {}
    for name in failed.nodes:
        for pod in graph.successors(f"node:{name}"):
            workload = graph.nodes[pod]["workload"]
            lost[workload] = lost.get(workload, 0) + 1
    for name in failed.workloads:
        lost[name] = graph.nodes[f"workload:{name}"]["replicas"]
    return lost


def naive_cost(graph: nx.DiGraph, failed, duration_minutes: float, services: dict) -> float:
    """Per-incident graph traversal: failed nodes → pods → workloads → services → dependants.

    No rescheduling and no overlap handling (it is the *simple* baseline): a workload is down
    when its surviving replicas fall below what it needs; a service is down when a backing
    workload is down or a service it depends on is down.
    """
    lost = lost_replicas(graph, failed)
    down: set[str] = {f"service:{s}" for s in failed.services}
    for workload, count in lost.items():
        replicas = graph.nodes[f"workload:{workload}"]["replicas"]
        if replicas - count < services["required"][workload]:
            down.update(s for s in graph.successors(f"workload:{workload}") if s.startswith("service:"))
    affected = set(down)
    for service in down:
        affected |= {n for n in nx.descendants(graph, service) if n.startswith("service:")}
    return sum(services["cost"][s] for s in affected) * duration_minutes / 60.0


def full_context(scenario) -> dict:
    """Per-scenario lookups of the full baseline (built once, like the graph)."""
    used: dict[str, list[float]] = {n.name: [0.0, 0.0, 0] for n in scenario.nodes}
    for w in scenario.workloads:
        for name in w.pods:
            used[name][0] += w.requests.cpu_millicores
            used[name][1] += w.requests.memory_bytes
            used[name][2] += 1
    return {"workloads": {w.name: w for w in scenario.workloads},
            "services": {f"service:{s.name}": s for s in scenario.services},
            "nodes": [(n.name, n.zone, n.schedulable, n.allocatable.cpu_millicores - used[n.name][0],
                       n.allocatable.memory_bytes - used[n.name][1], n.allocatable.max_pods - used[n.name][2])
                      for n in scenario.nodes],
            "zone": {n.name: n.zone for n in scenario.nodes}}


def full_cost_per_minute(graph: nx.DiGraph, lost: dict[str, float], failed, ctx: dict) -> float:
    """Dollars per minute with ``lost`` replicas per workload (DESIGN.md one-incident rules)."""
    down = {f"service:{s}" for s in failed.services}
    share: dict[str, float] = {}
    for name, count in lost.items():
        w = ctx["workloads"][name]
        backs = [s for s in graph.successors(f"workload:{name}") if s.startswith("service:")]
        if not failed.degraded and w.replicas - count < w.required_replicas - 1e-9:
            down.update(backs)
        elif count > 1e-12:
            for s in backs:
                share[s] = max(share.get(s, 0.0), count / max(w.replicas, 1))
    for service in list(down):
        down |= {n for n in nx.descendants(graph, service) if n.startswith("service:")}
    cost = sum(ctx["services"][s].cost_per_hour for s in down)
    cost += sum(ctx["services"][s].degraded_cost_per_hour * f for s, f in share.items() if s not in down)
    return cost / 60.0


def first_fit(graph: nx.DiGraph, failed, ctx: dict) -> dict[str, int]:
    """Lost pods rescheduled per workload: first fit decreasing (cpu, then memory) in node order."""
    pods = []
    for name in failed.nodes:
        for pod in graph.successors(f"node:{name}"):
            w = ctx["workloads"][graph.nodes[pod]["workload"]]
            if w.kind in RESCHEDULABLE_KINDS and w.name not in failed.workloads:
                order = (w.name, int(pod.rsplit("-", 1)[1]))
                pods.append((-w.requests.cpu_millicores, -w.requests.memory_bytes, order, w, ctx["zone"][name]))
    position = {w: i for i, w in enumerate(ctx["workloads"])}
    pods.sort(key=lambda p: (p[0], p[1], position[p[2][0]], p[2][1]))
    free = {n[0]: [n[3], n[4], n[5]] for n in ctx["nodes"] if n[2] and n[0] not in failed.nodes}
    placed: dict[str, int] = {}
    for _, _, _, w, zone in pods:
        cpu, memory = w.requests.cpu_millicores, w.requests.memory_bytes
        for name, node_zone, *_ in ctx["nodes"]:
            room = free.get(name)
            if room and room[0] >= cpu and room[1] >= memory and room[2] >= 1 and \
                    (not w.zonal_volumes or node_zone == zone):
                room[0], room[1], room[2] = room[0] - cpu, room[1] - memory, room[2] - 1
                placed[w.name] = placed.get(w.name, 0) + 1
                break
    return placed


def full_loss(graph: nx.DiGraph, failed, phase_a: float, phase_b: float, scale: float, incident_cost: float,
              ctx: dict) -> float:
    """One incident's loss: phase A before rescheduling, phase B after it (DESIGN.md)."""
    lost: dict[str, float] = dict(lost_replicas(graph, failed))
    if failed.degraded:
        lost = {w: n * failed.impact_fraction for w, n in lost.items()}
    cost_a = full_cost_per_minute(graph, lost, failed, ctx)
    cost_b = cost_a
    if phase_b > 0 and not failed.degraded:
        placed = first_fit(graph, failed, ctx)
        cost_b = full_cost_per_minute(graph, {w: n - placed.get(w, 0) for w, n in lost.items()}, failed, ctx)
    return scale * (cost_a * phase_a + cost_b * phase_b) + incident_cost


def bench_large(years: int, naive_n: int) -> None:
    scenario = generate_large_scenario()
    catalog, _ = load_catalog([SHIPPED_CATALOGS])
    print(f"large scenario: {len(scenario.nodes)} nodes, {len(scenario.workloads)} workloads, "
          f"{sum(w.replicas for w in scenario.workloads)} pods, {len(scenario.services)} services; "
          f"catalog: {len(catalog.failure_modes)} failure modes")
    started = time.perf_counter()
    planner = Planner(scenario, catalog)
    table = build_pair_table(planner)
    print(f"  risk model + pair table built in {time.perf_counter() - started:.2f} s "
          f"({len(table.mode)} pairs, {len(table.structures.group)} distinct failed sets; one-off, not in the rate)")
    simulate_table(table, years=BLOCK_YEARS * 2, seed=0, workers=1)  # warm-up: imports, a few union keys
    started = time.perf_counter()
    result = simulate_table(table, years=years, seed=1)
    elapsed = time.perf_counter() - started
    rate = result.incidents / elapsed
    print(f"  engine: {result.incidents:,} incidents over {years:,} years in {elapsed:.2f} s = {rate:,.0f} incidents/s "
          f"on {default_workers()} worker process(es) ({result.overlapped_share:.2%} overlapped, "
          f"{result.combined_share:.2%} evaluated exactly as unions)  [target >= 1,000,000/s]")
    print(f"  simulated mean ${result.mean_loss:,.0f}/yr ± {result.std_error:,.0f} vs analytic EAL ${result.analytic_eal:,.0f}")
    bench_naive(scenario, table, years, naive_n, elapsed / result.incidents)


def bench_naive(scenario, table, years: int, naive_n: int, engine_per_incident: float) -> None:
    """Both per-incident baselines on a random sample of the engine's first chunk (seed 1)."""
    chunk = chunk_years_for(table, None) // BLOCK_YEARS
    children = np.random.SeedSequence(1).spawn(int(np.ceil(years / BLOCK_YEARS)))[:chunk]
    incidents = draw_chunk(table, [np.random.default_rng(c) for c in children], [BLOCK_YEARS] * len(children))
    _, scale, engine_loss = _single(table, incidents)
    sample = np.sort(np.random.default_rng(2).choice(len(incidents), min(naive_n, len(incidents)), replace=False))
    failed = [table.structures.impacts[int(table.structure[incidents.pair[i]])].failed_set for i in sample]
    graph = build_graph(scenario)
    lookups = {"required": {w.name: w.required_replicas for w in scenario.workloads},
               "cost": {f"service:{s.name}": s.cost_per_hour for s in scenario.services}}
    ctx = full_context(scenario)
    started = time.perf_counter()
    for f, i in zip(failed, sample, strict=True):
        naive_cost(graph, f, float(incidents.end[i] - incidents.start[i]), lookups)
    minimal = (time.perf_counter() - started) / len(sample)
    started = time.perf_counter()
    full = [full_loss(graph, f, float(incidents.phase_a[i]), float(incidents.phase_b[i]), float(scale[i]),
                      float(incidents.incident_cost[i]), ctx) for f, i in zip(failed, sample, strict=True)]
    full_time = (time.perf_counter() - started) / len(sample)
    agree = np.isclose(full, engine_loss[sample], rtol=1e-9, atol=1e-6)
    print(f"  same incidents, a random {len(sample):,} of the engine's first chunk, evaluated one by one with networkx:")
    print(f"    minimal (no rescheduling, no degraded cost): {minimal * 1e6:,.1f} µs/incident = "
          f"{1 / minimal:,.0f}/s; engine is {minimal / engine_per_incident:,.1f}× faster")
    print(f"    full (rescheduling, phases, degraded cost; equals the engine's stand-alone loss on "
          f"{agree.sum():,}/{len(sample):,} incidents): {full_time * 1e6:,.1f} µs/incident = {1 / full_time:,.0f}/s; "
          f"engine is {full_time / engine_per_incident:,.1f}× faster  [target >= 50×]")


def bench_demo(years: int) -> None:
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    planner = Planner(loaded.scenario, loaded.catalog, loaded.evidence)
    started = time.perf_counter()
    table = build_pair_table(planner)
    built = time.perf_counter() - started
    result = simulate_table(table, years=years, seed=1)
    elapsed = time.perf_counter() - started
    print(f"demo scenario: {years:,} simulated years in {elapsed:.2f} s (table {built:.2f} s) [target <= 10 s], "
          f"{result.incidents:,} incidents = {result.incidents / elapsed:,.0f}/s, "
          f"{result.combined_share:.2%} evaluated exactly; mean ${result.mean_loss:,.0f} ± {result.std_error:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=2_000, help="simulated years of the large scenario")
    parser.add_argument("--naive", type=int, default=3_000, help="sampled incidents the baselines are timed on")
    parser.add_argument("--demo-years", type=int, default=100_000)
    args = parser.parse_args()
    bench_large(args.years, args.naive)
    bench_demo(args.demo_years)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:,.0f} MiB in the main process, {children:,.0f} MiB in the largest worker "
          f"(target <= 2,048 MiB)")


if __name__ == "__main__":
    main()
