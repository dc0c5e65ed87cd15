"""Benchmark: cut sets and importance for every service, and a 1,000-draw ranking-stability run,
on the large scenario (``python -m riskmodel generate large``: seed 7, 1,000 nodes, 200 services).

Targets (issue #13): importance for all services ≤ 5 s; the 1,000-draw ranking stability
(joint draws, the budget plan per draw, the plan's net benefit, EVPI per input) ≤ 10 s, on
2 cores. Side by side in the same run: importance by re-solving each tree with every event
forced out and in (the naive way to get Birnbaum), and the plan per draw by rebuilding the
risk model and planner with the drawn values (what the vectorised run avoids).
Run: ``.venv/bin/python benchmarks/bench_uncertainty.py`` (or ``make bench``).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riskmodel.analytics.inputs import draw_inputs  # noqa: E402
from riskmodel.analytics.sensitivity import sensitivity  # noqa: E402
from riskmodel.analytics.stability import draw_sample, ranking_stability  # noqa: E402
from riskmodel.analytics.uncertainty import evaluator, plan_candidates  # noqa: E402
from riskmodel.analytics.voi import value_of_information  # noqa: E402
from riskmodel.engine.cutcount import CountCache  # noqa: E402
from riskmodel.engine.cutsets import cut_sets  # noqa: E402
from riskmodel.engine.faulttree import fault_forest  # noqa: E402
from riskmodel.engine.importance import importance_of  # noqa: E402
from riskmodel.engine.risk import RiskModel  # noqa: E402
from riskmodel.engine.topevent import TopEventSolver  # noqa: E402
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog  # noqa: E402
from riskmodel.generate.large import generate_large_scenario  # noqa: E402
from riskmodel.model.catalog import Catalog  # noqa: E402
from riskmodel.plan.planner import Planner  # noqa: E402

DRAWS = 1000
NAIVE_TREES = 5
NAIVE_EVENTS = 4
REBUILT_DRAWS = 2


def _naive_birnbaum(forest, trees) -> tuple[float, int, int]:
    """Birnbaum by solving a tree twice per event (q = 1, q = 0), on the first
    ``NAIVE_EVENTS`` events of each of ``trees``: (seconds, solves done, solves all events need)."""
    started, solved, needed = time.perf_counter(), 0, 0
    for tree in trees:
        events = [*tree.direct, *tree.node_events]
        needed += 2 * len(events)
        for e in events[:NAIVE_EVENTS]:
            for value in (1.0, 0.0):
                event = dataclasses.replace(forest.events[e], probability=value)
                changed = dataclasses.replace(forest, events=forest.events[:e] + (event,) + forest.events[e + 1:])
                TopEventSolver(changed).solve(tree)
                solved += 1
    return time.perf_counter() - started, solved, needed


def _catalog_with(catalog: Catalog, inputs, values: np.ndarray) -> Catalog:
    """The catalog with every sampled interval replaced by one drawn value (for the rebuild baseline)."""
    modes = {m.id: m for m in catalog.failure_modes}
    for entry, value in zip(inputs.sampled, values, strict=True):
        if entry.source == "catalog":
            modes[entry.target] = modes[entry.target].model_copy(update={entry.field: float(value)})
    return catalog.model_copy(update={"failure_modes": tuple(modes[m.id] for m in catalog.failure_modes)})


def main() -> None:
    started = time.perf_counter()
    scenario = generate_large_scenario()
    catalog = load_catalog([SHIPPED_CATALOGS])[0]
    model = RiskModel(scenario, catalog)
    planner = Planner(scenario, catalog, base=model)
    budget = sum(r.annual_cost for r in planner.rank() if r.net_benefit > 0)
    plan = planner.plan(budget)
    print(f"large scenario: {len(scenario.nodes)} nodes, {len(scenario.workloads)} workloads, "
          f"{len(scenario.services)} services; model, ranking and plan ({len(plan.selected)} measures, "
          f"budget ${budget:,.0f}) in {time.perf_counter() - started:.2f} s (setup, not timed below)")

    started = time.perf_counter()
    forest = fault_forest(model)
    solver = TopEventSolver(forest)
    tops = [solver.solve(tree) for tree in forest.trees]
    top_time = time.perf_counter() - started
    started = time.perf_counter()
    cache = CountCache(forest)
    listings = [cut_sets(forest, tree, cache=cache) for tree in forest.trees]
    cut_time = time.perf_counter() - started
    started = time.perf_counter()
    report = importance_of(fault_forest(model))  # from the model: the trees are built inside the timing
    total_importance = time.perf_counter() - started
    exact = sum(c.beyond_order_3 is not None for c in listings)
    listed = sum(len(c.listed) for c in listings)
    worst = max(t.error_bound / t.probability for t in tops if t.probability > 0)
    print(f"fault trees: {len(forest.events):,} basic events; top events, Birnbaum/FV/RAW/RRW of every event "
          f"for {len(forest.trees)} services: {top_time:.2f} s; largest error bound {worst:.1e} of P(down)")
    print(f"cut sets: {listed:,} of order ≤ 3 listed, counts beyond order 3 exact for {exact}/{len(listings)} "
          f"services (upper bound for the rest): {cut_time:.2f} s")
    print(f"importance for all services (fault trees + top events + importance + cut sets + weighted by cost): "
          f"{total_importance:.2f} s — target ≤ 5 s: {'met' if total_importance <= 5 else 'MISSED'} "
          f"({5 / total_importance:.2f}× headroom); {len(report.weighted)} units weighted by outage cost; "
          f"cut sets {cut_time / (top_time + cut_time):.0%} of trees + top events + cut sets measured above")
    trees = sorted(forest.trees, key=lambda t: len(t.node_events) + len(t.direct))[-NAIVE_TREES:]
    fast = time.perf_counter()
    for tree in trees:
        solver.solve(tree)
    fast = time.perf_counter() - fast
    naive, solved, needed = _naive_birnbaum(forest, trees)
    extrapolated = naive / solved * needed
    print(f"  side by side on the {NAIVE_TREES} widest trees: one forward–backward solve each {fast:.3f} s vs "
          f"forcing each event in and out: {solved} solves measured {naive:.2f} s, so {needed:,} solves for all "
          f"their events ≈ {extrapolated:,.0f} s ({extrapolated / fast:,.0f}×, extrapolated)")

    started = time.perf_counter()
    batch = evaluator(planner, ())
    candidates = plan_candidates(planner, budget)
    sample = draw_sample(batch, batch.inputs, budget, candidates, DRAWS, np.random.default_rng(scenario.settings.seed))
    sampled = time.perf_counter() - started
    stability = ranking_stability(batch, sample, plan.selected, sum(planner.costs[m] for m in plan.selected), 0)
    value = value_of_information(batch, batch.inputs, sample, plan.selected)
    stability_time = time.perf_counter() - started
    started = time.perf_counter()
    bars = sensitivity(batch, batch.inputs, budget, candidates, model)
    tornado_time = time.perf_counter() - started
    print(f"ranking stability: {DRAWS:,} joint draws of {len(batch.inputs.sampled)} inputs, the budget plan per draw "
          f"({len(candidates)} candidates, {len(batch._tables)} topology variants) {sampled:.2f} s; with P(top 5), "
          f"P(in plan), net benefit and EVPI per input {stability_time:.2f} s — target ≤ 10 s: "
          f"{'met' if stability_time <= 10 else 'MISSED'} ({10 / stability_time:.2f}× headroom)")
    print(f"  {len(stability.contested_measures)} contested measures, plan net benefit P5 ${stability.net_benefit.p5:,.0f}"
          f" P95 ${stability.net_benefit.p95:,.0f}; EVPI ${value.evpi_per_year:,.0f}/yr; tornado of "
          f"{len(bars.bars)} inputs with plan changes for the top 15: {tornado_time:.2f} s")
    rebuilt = time.perf_counter()
    values = draw_inputs(batch.inputs, np.random.default_rng(1), REBUILT_DRAWS)
    for k in range(REBUILT_DRAWS):
        drawn = _catalog_with(catalog, batch.inputs, values[:, k])
        Planner(scenario, drawn).greedy(budget, candidates)
    per_draw = (time.perf_counter() - rebuilt) / REBUILT_DRAWS
    print(f"  side by side: rebuilding the risk model and planner per draw takes {per_draw:.2f} s a draw "
          f"({per_draw * DRAWS:,.0f} s for {DRAWS:,}): {per_draw * DRAWS / sampled:,.0f}× the vectorised run")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (other work on the machine slows the "
          "wall times)")


if __name__ == "__main__":
    main()
