"""Benchmark of the Monte Carlo engine (DESIGN.md "Speed and size"); run: python benchmarks/bench_simulate.py

Prints, from one run, every figure next to its target:
* the large generated scenario (1,000 nodes) at 10,000 simulated years on all usable cores:
  time and incidents per second, overlap handling and exact unions included [>= 5,000,000/s];
* the engine against two per-incident networkx evaluations of the SAME incidents (a random
  sample of the engine's first chunk), the garbage collector off in every timing and the sides
  alternated, per core (the engine on one worker process) [>= 100x]:
  - *minimal*: failed nodes -> pods -> workloads -> services -> dependants, cost x duration; no
    rescheduling, no degraded cost — it computes less than the engine does;
  - *full*: the same traversal plus what DESIGN.md's one-incident cost asks for — first-fit
    decreasing rescheduling of lost pods over the surviving nodes, phase A / phase B, degraded
    cost by the share of replicas lost — checked to give the engine's stand-alone losses;
* a single risk (Poisson frequency x lognormal loss, 1,000,000 years) against the same compound
  draw in plain vectorised numpy, alternated, one core each, wall and CPU time [engine <= 2x
  numpy]; the plain draw computes less than the engine must (no start times, no overlap sweep,
  no bad minutes, quantiles, exceedance or convergence), so a third side computes those figures
  for this one risk in plain numpy too, for reference;
* 100,000 simulated years of the demo scenario [<= 10 s], and peak memory [<= 2 GiB].
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import alternated, load, timed, verdict  # noqa: E402
from riskmodel.engine.topology import RESCHEDULABLE_KINDS, build_graph  # noqa: E402
from riskmodel.files.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS, load_catalog  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402
from riskmodel.model.bounds import MINUTES_PER_YEAR  # noqa: E402
from riskmodel.model.catalog import Catalog, FailureMode  # noqa: E402
from riskmodel.model.scenario import Scenario  # noqa: E402
from riskmodel.plan.planner import Planner  # noqa: E402
from riskmodel.simulate.engine import _single, block_years_for, draw_chunk  # noqa: E402
from riskmodel.simulate.montecarlo import simulate_table  # noqa: E402
from riskmodel.simulate.overlap import YEAR_STRIDE  # noqa: E402
from riskmodel.simulate.parallel import default_workers  # noqa: E402
from riskmodel.simulate.result import SimulationResult  # noqa: E402
from riskmodel.simulate.tables import build_pair_table  # noqa: E402
from riskmodel.sources.scenario import load_scenario  # noqa: E402


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
          f"catalog: {len(catalog.failure_modes)} failure modes; {load()}")
    started = time.perf_counter()
    planner = Planner(scenario, catalog)
    table = build_pair_table(planner)
    print(f"  risk model + pair table built in {time.perf_counter() - started:.2f} s "
          f"({len(table.mode)} pairs, {len(table.structures.group)} distinct failed sets; one-off, not in the rate)")
    simulate_table(table, years=block_years_for(table) * 2, seed=0, workers=1)  # warm-up: imports, caches
    result = None

    def headline() -> None:
        nonlocal result
        result = simulate_table(table, years=years, seed=1)

    elapsed = timed(headline)
    assert result is not None
    rate = result.incidents / elapsed
    print(f"  engine: {result.incidents:,} incidents over {years:,} years in {elapsed:.2f} s = {rate:,.0f} incidents/s "
          f"on {default_workers()} worker process(es) ({result.overlapped_share:.2%} of incidents in overlapping "
          f"non-degraded clusters, {result.combined_share:.2%} evaluated exactly as unions)  "
          f"[target >= 5,000,000/s: {verdict(rate, 5e6, at_most=False)}]")
    print(f"  simulated mean ${result.mean_loss:,.0f}/yr ± {result.std_error:,.0f} vs analytic EAL ${result.analytic_eal:,.0f}")
    bench_naive(scenario, table, naive_n)


def bench_naive(scenario, table, naive_n: int) -> None:
    """Engine (one worker) against both per-incident baselines, alternated, GC off."""
    block = block_years_for(table)
    incidents = draw_chunk(table, [np.random.default_rng(np.random.SeedSequence(1).spawn(1)[0])], [block])
    _, scale, engine_loss = _single(table, incidents)
    sample = np.sort(np.random.default_rng(2).choice(len(incidents), min(naive_n, len(incidents)), replace=False))
    failed = [table.structures.impacts[int(table.structure[incidents.pair[i]])].failed_set for i in sample]
    graph = build_graph(scenario)
    lookups = {"required": {w.name: w.required_replicas for w in scenario.workloads},
               "cost": {f"service:{s.name}": s.cost_per_hour for s in scenario.services}}
    ctx = full_context(scenario)
    engine_years = 3 * block
    counted: dict[str, int] = {}

    def engine() -> None:
        counted["incidents"] = simulate_table(table, years=engine_years, seed=7, workers=1).incidents

    def minimal() -> None:
        for f, i in zip(failed, sample, strict=True):
            naive_cost(graph, f, float(incidents.end[i] - incidents.start[i]), lookups)

    full: list[float] = []

    def full_run() -> None:
        full[:] = [full_loss(graph, f, float(incidents.phase_a[i]), float(incidents.phase_b[i]), float(scale[i]),
                             float(incidents.incident_cost[i]), ctx) for f, i in zip(failed, sample, strict=True)]

    engine_seconds, full_seconds = alternated(engine, full_run)
    engine_again, minimal_seconds = alternated(engine, minimal)
    per_incident = min(engine_seconds, engine_again) / counted["incidents"]
    full_time, minimal_time = full_seconds / len(sample), minimal_seconds / len(sample)
    agree = np.isclose(full, engine_loss[sample], rtol=1e-9, atol=1e-6)
    print(f"  per core, the same incidents one by one with networkx ({len(sample):,} sampled from the engine's first "
          f"chunk), GC off, alternated with the engine on one worker ({engine_years:,} years, "
          f"{1 / per_incident:,.0f} incidents/s):")
    print(f"    minimal (no rescheduling, no degraded cost): {minimal_time * 1e6:,.1f} µs/incident = "
          f"{1 / minimal_time:,.0f}/s; engine is {minimal_time / per_incident:,.1f}x faster")
    ratio = full_time / per_incident
    print(f"    full (rescheduling, phases, degraded cost; equals the engine's stand-alone loss on "
          f"{agree.sum():,}/{len(sample):,} incidents): {full_time * 1e6:,.1f} µs/incident = {1 / full_time:,.0f}/s; "
          f"engine is {ratio:,.1f}x faster  [target >= 100x: {verdict(ratio, 100, at_most=False)}]")


def single_risk_table():
    """One workload and its service ($600/h), one failure mode: 3 outages a year, repair minutes
    lognormal on the 90% interval 30–300, nothing else (no detect time, no rescheduling)."""
    scenario = Scenario.model_validate({
        "name": "single-risk", "zones": [{"name": "a", "region": "r"}],
        "nodes": [{"name": "n1", "zone": "a", "allocatable": {"cpu": "4", "memory": "8Gi"}}],
        "workloads": [{"name": "api", "pods": ["n1"], "requests": {"cpu": "1", "memory": "1Gi"}}],
        "services": [{"name": "shop", "workloads": ["api"], "cost_per_hour": 600, "slo": 0.999}]})
    mode = FailureMode.model_validate({"id": "crash", "title": "crash", "scope": "workload", "frequency_per_year": 3,
                                       "detect_minutes": 0, "repair_minutes": {"low": 30, "high": 300},
                                       "rationale": "the single-risk benchmark case"})
    return build_pair_table(Planner(scenario, Catalog(failure_modes=(mode,), measures=())))


def _timed_both(function) -> tuple[float, float]:
    """Wall and CPU seconds of one call, the collector off (CPU time: what other work on a
    shared machine cannot add to a one-core measurement)."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        if enabled:
            gc.enable()


def _alternated_both(sides: dict, rounds: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds of each side, after one warm-up call each, run in turn."""
    for function in sides.values():
        function()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, function in sides.items():
            runs[name].append(_timed_both(function))
    return {name: (statistics.median(w for w, _ in r), statistics.median(c for _, c in r)) for name, r in runs.items()}


def plain_compound(rng: np.random.Generator, years: int, mu: float, sigma: float, dollars_per_minute: float) -> float:
    """The compound Poisson–lognormal draw in plain vectorised numpy: incidents per year,
    lognormal repair minutes, dollars summed per year; the mean annual loss."""
    counts = rng.poisson(3.0, years)
    losses = dollars_per_minute * rng.lognormal(mu, sigma, int(counts.sum()))
    return float(np.bincount(np.repeat(np.arange(years), counts), losses, minlength=years).mean())


def plain_same_figures(rng: np.random.Generator, years: int, mu: float, sigma: float, dollars_per_minute: float,
                       budget_minutes: float, chunk_years: int) -> tuple[float, float]:
    """The same draw plus what the engine also reports for this risk, in plain numpy: start
    times, overlapping outages of the one workload counted once (their union), bad minutes
    and budget exhaustion per year, the per-mode sum, p50/p90/p99, the exceedance curve and
    the convergence points (mean and standard error every ``chunk_years``). Returns the mean
    annual loss and the share of years over budget."""
    counts = rng.poisson(3.0, years)
    size = int(counts.sum())
    start = rng.random(size) * MINUTES_PER_YEAR
    minutes = rng.lognormal(mu, sigma, size)
    year = np.repeat(np.arange(years), counts)
    offset = year * YEAR_STRIDE
    key = offset + start
    order = np.argsort(key, kind="stable")
    end = start + minutes
    reach = np.maximum.accumulate((np.minimum(end, YEAR_STRIDE - 1.0) + offset)[order])
    first = np.ones(size, dtype=bool)
    first[1:] = key[order][1:] >= reach[:-1]
    union = np.flatnonzero(first)
    outage = np.maximum.reduceat(end[order], union) - start[order][union]  # each union of overlapping outages
    bad = np.bincount(year[order][union], outage, minlength=years)
    annual = dollars_per_minute * bad
    mode_total = float(np.add.accumulate(annual)[-1])
    exhausted = float((bad > budget_minutes).mean())
    ordered = np.sort(annual)
    np.quantile(ordered, [0.5, 0.9, 0.99])
    positive = ordered[np.searchsorted(ordered, 0.0, side="right"):]
    np.searchsorted(ordered, np.geomspace(positive[0], positive[-1], 24), side="right")
    for done in range(chunk_years, years + 1, chunk_years):
        seen = annual[:done]
        seen.mean(), seen.std(ddof=1)
    return mode_total / years, exhausted


def bench_single_risk(years: int) -> None:
    table = single_risk_table()
    sigma = float(table.repair_sigma[0])  # the engine's own distribution: mean-one lognormal x its point value
    mu = float(np.log(table.repair[0])) - sigma**2 / 2
    dollars = float(table.pair_cost_a[0])
    budget = float(table.error_budget_minutes[0])
    block = block_years_for(table)
    results: dict[str, object] = {}

    def engine() -> None:
        results["engine"] = simulate_table(table, years=years, seed=3, workers=1)

    def plain() -> None:
        results["numpy"] = plain_compound(np.random.default_rng(3), years, mu, sigma, dollars)

    def same() -> None:
        results["same"] = plain_same_figures(np.random.default_rng(3), years, mu, sigma, dollars, budget, block)

    times = _alternated_both({"engine": engine, "numpy": plain, "same": same}, rounds=5)
    result = results["engine"]
    assert isinstance(result, SimulationResult)
    same_mean, same_exhausted = results["same"]  # type: ignore[misc]
    (engine_wall, engine_cpu), (numpy_wall, numpy_cpu), (same_wall, same_cpu) = (
        times["engine"], times["numpy"], times["same"])
    ratio = engine_wall / numpy_wall
    print(f"single risk (Poisson 3/yr x lognormal repair 30-300 min at $10/min, {years:,} years, {block:,}-year blocks), "
          f"one core each, GC off, warm-up, median of 5 alternated runs; {load()}:")
    print(f"  engine {engine_wall:.3f} s wall / {engine_cpu:.3f} s CPU (mean ${result.mean_loss:,.0f}/yr ± "
          f"{result.std_error:,.0f}; its outage overlapping itself counted once); it also draws start times, sweeps "
          f"for overlaps, and reports bad minutes and budget exhaustion per year, the per-mode sum, quantiles, "
          f"exceedance and {len(result.convergence)} convergence points")
    print(f"  plain numpy compound draw (counts, lognormal minutes, sums per year; none of the above) "
          f"{numpy_wall:.3f} s wall / {numpy_cpu:.3f} s CPU (mean ${results['numpy']:,.0f}/yr): "
          f"engine takes {ratio:.2f}x its wall time, {engine_cpu / numpy_cpu:.2f}x its CPU time  "
          f"[target <= 2x: {verdict(ratio, 2)}]")
    print(f"  plain numpy computing the same figures for this one risk {same_wall:.3f} s wall / {same_cpu:.3f} s CPU "
          f"(mean ${same_mean:,.0f}/yr, {same_exhausted:.1%} of years over budget vs the engine's "
          f"{result.services[0].p_budget_exhausted:.1%}): engine takes {engine_wall / same_wall:.2f}x its wall time, "
          f"{engine_cpu / same_cpu:.2f}x its CPU time")


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
          f"{result.combined_share:.2%} evaluated exactly; mean ${result.mean_loss:,.0f} ± {result.std_error:,.0f}  "
          f"[target <= 10 s: {verdict(elapsed, 10)}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10_000, help="simulated years of the large scenario")
    parser.add_argument("--naive", type=int, default=2_000, help="sampled incidents the baselines are timed on")
    parser.add_argument("--single-years", type=int, default=1_000_000)
    parser.add_argument("--demo-years", type=int, default=100_000)
    args = parser.parse_args()
    bench_large(args.years, args.naive)
    bench_single_risk(args.single_years)
    bench_demo(args.demo_years)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:,.0f} MiB in the main process, {children:,.0f} MiB in the largest worker "
          f"[target <= 2,048 MiB: {verdict(peak + children, 2048)}]; {load()}")


if __name__ == "__main__":
    main()
