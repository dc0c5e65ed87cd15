"""Benchmark of the Monte Carlo engine (the speed targets in README.md "Speed and size"); run: python benchmarks/bench_simulate.py

Prints, from one run:
* incidents processed per second on the large generated scenario with the shipped catalog,
  overlap detection and exact evaluation of interacting overlaps included;
* a straightforward per-incident networkx evaluation on the SAME incidents (the first N of
  the engine's first chunk), timed on a subset and extrapolated per incident — said so below;
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

from riskmodel.generate import generate_large_scenario  # noqa: E402
from riskmodel.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS, load_catalog, load_scenario  # noqa: E402
from riskmodel.planner import Planner  # noqa: E402
from riskmodel.simulate import build_pair_table, simulate_table  # noqa: E402
from riskmodel.simulate.engine import BLOCK_YEARS, chunk_years_for, draw_chunk  # noqa: E402
from riskmodel.topology import build_graph  # noqa: E402


def naive_cost(graph: nx.DiGraph, failed, duration_minutes: np.ndarray, services: dict) -> float:
    """Per-incident graph traversal: failed nodes → pods → workloads → services → dependants.

    No rescheduling and no overlap handling (it is the *simple* baseline): a workload is down
    when its surviving replicas fall below what it needs; a service is down when a backing
    workload is down or a service it depends on is down.
    """
    lost: dict[str, int] = {}
    for name in failed.nodes:
        for pod in graph.successors(f"node:{name}"):
            workload = graph.nodes[pod]["workload"]
            lost[workload] = lost.get(workload, 0) + 1
    for name in failed.workloads:
        lost[name] = graph.nodes[f"workload:{name}"]["replicas"]
    down: set[str] = {f"service:{s}" for s in failed.services}
    for workload, count in lost.items():
        replicas = graph.nodes[f"workload:{workload}"]["replicas"]
        if replicas - count < services["required"][workload]:
            down.update(s for s in graph.successors(f"workload:{workload}") if s.startswith("service:"))
    affected = set(down)
    for service in down:
        affected |= {n for n in nx.descendants(graph, service) if n.startswith("service:")}
    return sum(services["cost"][s] for s in affected) * duration_minutes / 60.0


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
    simulate_table(table, years=BLOCK_YEARS * 2, seed=0)  # warm-up: imports, union cache of a few keys
    started = time.perf_counter()
    result = simulate_table(table, years=years, seed=1)
    elapsed = time.perf_counter() - started
    rate = result.incidents / elapsed
    print(f"  engine: {result.incidents:,} incidents over {years:,} years in {elapsed:.2f} s = {rate:,.0f} incidents/s "
          f"({result.overlapped_share:.2%} overlapped, {result.combined_share:.2%} evaluated exactly as unions)")
    print(f"  simulated mean ${result.mean_loss:,.0f}/yr ± {result.std_error:,.0f} vs analytic EAL ${result.analytic_eal:,.0f}")

    # The same incidents: the first chunk of the engine's run with seed 1, drawn again.
    chunk = chunk_years_for(table, None) // BLOCK_YEARS
    children = np.random.SeedSequence(1).spawn(int(np.ceil(years / BLOCK_YEARS)))[:chunk]
    incidents = draw_chunk(table, [np.random.default_rng(c) for c in children], [BLOCK_YEARS] * len(children))
    graph = build_graph(scenario)
    lookups = {"required": {w.name: w.required_replicas for w in scenario.workloads},
               "cost": {f"service:{s.name}": s.cost_per_hour for s in scenario.services}}
    subset = min(naive_n, len(incidents))
    started = time.perf_counter()
    for i in range(subset):
        impact = table.structures.impacts[int(table.structure[incidents.pair[i]])]
        naive_cost(graph, impact.failed_set, float(incidents.end[i] - incidents.start[i]), lookups)
    naive_per_incident = (time.perf_counter() - started) / subset
    engine_per_incident = elapsed / result.incidents
    print(f"  naive networkx per-incident evaluation: timed on the first {subset:,} of the same incidents, "
          f"{naive_per_incident * 1e6:,.1f} µs/incident (extrapolated: {1 / naive_per_incident:,.0f} incidents/s)")
    print(f"  engine vs naive: {naive_per_incident / engine_per_incident:,.0f}× faster per incident "
          f"(the engine also handles rescheduling and overlaps; the naive one does neither)")


def bench_demo(years: int) -> None:
    loaded = load_scenario(SHIPPED_SCENARIOS / "demo.yaml")
    planner = Planner(loaded.scenario, loaded.catalog, loaded.evidence)
    started = time.perf_counter()
    table = build_pair_table(planner)
    built = time.perf_counter() - started
    result = simulate_table(table, years=years, seed=1)
    elapsed = time.perf_counter() - started
    print(f"demo scenario: {years:,} simulated years in {elapsed:.2f} s (table {built:.2f} s), "
          f"{result.incidents:,} incidents = {result.incidents / elapsed:,.0f}/s, "
          f"{result.combined_share:.2%} evaluated exactly; mean ${result.mean_loss:,.0f} ± {result.std_error:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=2_000, help="simulated years of the large scenario")
    parser.add_argument("--naive", type=int, default=2_000, help="incidents the naive evaluation is timed on")
    parser.add_argument("--demo-years", type=int, default=100_000)
    args = parser.parse_args()
    bench_large(args.years, args.naive)
    bench_demo(args.demo_years)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:,.0f} MiB (target <= 2,048 MiB)")


if __name__ == "__main__":
    main()
