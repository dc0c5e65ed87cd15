"""Monte Carlo over simulated years, with overlapping incidents combined.

Each simulated year draws incidents per (failure mode, unit) pair, places them uniformly in
the year's 525,600 minutes, draws detect and repair minutes, and costs every incident. An
incident that overlaps no other (the common case) costs exactly what the analytic model
says — ``scale · (cost_a · phase A + cost_b · phase B) + incident_cost`` — evaluated for all
of them at once with numpy. Overlapping incidents whose impacts can interact (shared
workloads beyond their slack, a shared service that goes down, rescheduling room, blocked
scheduling) are evaluated exactly as one union over time. See :mod:`.overlap`,
:mod:`.sweep` and :mod:`.unions` for the rules and the documented approximations. Nothing
in how they are computed approximates further: unions are evaluated in batches and cached by
key, first fit is skipped only where a room check proves what it returns, and chunks may run
on forked worker processes (:mod:`.parallel`) — the numbers depend on the
seed and the scenario only (:mod:`.engine` on blocks of years). Within an interacting
cluster, each member's incident cost is counted once.

Usage::

    planner = Planner(scenario, catalog, evidence)
    base = simulate(planner, years=10_000, seed=1)
    planned = simulate(planner, ["etcd-backups"], years=10_000, seed=1)
    compare(base, planned)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from riskmodel.engine.threads import blas_single_threaded
from riskmodel.plan.planner import Planner
from riskmodel.simulate.dask_runner import dask_ordered
from riskmodel.simulate.engine import (
    ChunkOutcome,
    Progress,
    block_years_for,
    chunk_years_for,
    draw_chunk,
    evaluate_chunk,
)
from riskmodel.simulate.parallel import default_workers, run_ordered
from riskmodel.simulate.result import (
    ConvergencePoint,
    ModeOutcome,
    ServiceOutcome,
    SimulationResult,
    exceedance_curve,
    sorted_quantiles,
    std_error,
)
from riskmodel.simulate.structures import StructureTable
from riskmodel.simulate.tables import InjectedFailure, PairTable, build_pair_table
from riskmodel.simulate.unions import UnionEvaluator


def _root(seed: int | None, rng: np.random.Generator | None) -> np.random.SeedSequence:
    if seed is not None:
        return np.random.SeedSequence(seed)
    if rng is None:
        raise ValueError("pass a seed or a numpy.random.Generator: simulations are always reproducible")
    return np.random.SeedSequence(int(rng.integers(2**63)))


def simulate(planner: Planner, measure_ids: Iterable[str] = (), *, years: int, seed: int | None = None,
             rng: np.random.Generator | None = None, injected: Sequence[InjectedFailure] = (),
             chunk_years: int | None = None, progress: Progress | None = None,
             workers: int | None = None, dask: Any = None) -> SimulationResult:
    """Simulate ``years`` years of the scenario with the measures ``measure_ids`` in place.

    ``workers``: processes to spread chunks over (default: the usable cores when forking is
    safe, see :mod:`.parallel`); ``dask``: run the chunks as Dask tasks instead — ``"local"``,
    a scheduler address or a ``distributed.Client`` (see :mod:`.dask_runner`). The numbers
    depend on neither.
    """
    table = build_pair_table(planner, measure_ids, injected)
    return simulate_table(table, tuple(measure_ids), years=years, seed=seed, rng=rng,
                          chunk_years=chunk_years, progress=progress, workers=workers, dask=dask)


_EVALUATORS: WeakKeyDictionary[StructureTable, UnionEvaluator] = WeakKeyDictionary()
"""Union caches per structure table, kept while the table lives (values depend on keys only)."""


def simulate_table(table: PairTable, measures: tuple[str, ...] = (), *, years: int, seed: int | None = None,
                   rng: np.random.Generator | None = None, chunk_years: int | None = None,
                   progress: Progress | None = None, workers: int | None = None, dask: Any = None) -> SimulationResult:
    """Simulate from a prepared pair table (lets benchmarks time the loop alone)."""
    if years < 2:
        raise ValueError(f"expected at least 2 simulated years, got {years}")
    block = block_years_for(table)
    sizes = [min(block, years - start) for start in range(0, years, block)]
    children = _root(seed, rng).spawn(len(sizes))
    per_chunk = chunk_years_for(table, chunk_years) // block
    evaluator = _EVALUATORS.setdefault(table.structures, UnionEvaluator(table.structures))
    firsts = list(range(0, len(sizes), per_chunk))

    def run(position: int) -> ChunkOutcome:
        first = firsts[position]
        chunk_sizes = sizes[first:first + per_chunk]
        generators = [np.random.default_rng(child) for child in children[first:first + per_chunk]]
        with blas_single_threaded():
            return evaluate_chunk(table, draw_chunk(table, generators, chunk_sizes), sum(chunk_sizes), evaluator)

    if dask is None:
        outcomes = run_ordered(run, len(firsts), default_workers() if workers is None else workers)
    else:
        outcomes = dask_ordered(table, [(children[first:first + per_chunk], sizes[first:first + per_chunk])
                                        for first in firsts], dask)
    annual_loss = np.zeros(years)
    totals = _Totals(len(table.service_names), len(table.mode_names))
    convergence: list[ConvergencePoint] = []
    done = 0
    for outcome in outcomes:
        annual_loss[done:done + len(outcome.annual_loss)] = outcome.annual_loss
        totals.add(outcome, table.error_budget_minutes)
        done += len(outcome.annual_loss)
        seen = annual_loss[:done]
        convergence.append(ConvergencePoint(done, float(seen.mean()), std_error(seen)))
        if progress is not None:
            progress(done, years)
    return _result(table, measures, seed, annual_loss, totals, tuple(convergence))


class _Totals:
    """Running sums over chunks (everything but the per-year losses)."""

    def __init__(self, services: int, modes: int) -> None:
        self.bad = np.zeros(services)
        self.exhausted = np.zeros(services)
        self.mode_loss = np.zeros(modes)
        self.incidents = self.overlapped = self.combined = 0

    def add(self, outcome: ChunkOutcome, budgets: np.ndarray) -> None:
        self.bad += outcome.bad_minutes.sum(axis=0)
        self.exhausted += (outcome.bad_minutes > budgets[None, :]).sum(axis=0)
        self.mode_loss += outcome.mode_loss
        self.incidents += outcome.incidents
        self.overlapped += outcome.overlapped
        self.combined += outcome.combined


def _result(table: PairTable, measures: tuple[str, ...], seed: int | None, annual_loss: np.ndarray,
            totals: _Totals, convergence: tuple[ConvergencePoint, ...]) -> SimulationResult:
    years = len(annual_loss)
    total = float(totals.mode_loss.sum())
    ordered = np.sort(annual_loss)
    thresholds, probabilities = exceedance_curve(annual_loss, ordered)
    p50, p90, p99 = sorted_quantiles(ordered, (0.5, 0.9, 0.99))
    last = convergence[-1] if convergence and convergence[-1].years == years else None  # the same figures of all years
    return SimulationResult(
        years=years, seed=seed, measures=measures, mean_loss=float(annual_loss.mean()) if last is None else last.mean_loss,
        p50=p50, p90=p90, p99=p99, std_error=std_error(annual_loss) if last is None else last.std_error,
        analytic_eal=table.analytic_eal,
        exceedance_thresholds=thresholds, exceedance_probabilities=probabilities,
        services=tuple(ServiceOutcome(name, float(totals.bad[i] / years), float(table.error_budget_minutes[i]),
                                      float(totals.exhausted[i] / years))
                       for i, name in enumerate(table.service_names)),
        modes=tuple(ModeOutcome(name, float(totals.mode_loss[i] / years),
                                float(totals.mode_loss[i] / total) if total > 0 else 0.0)
                    for i, name in enumerate(table.mode_names)),
        incidents=totals.incidents,
        overlapped_share=totals.overlapped / totals.incidents if totals.incidents else 0.0,
        combined_share=totals.combined / totals.incidents if totals.incidents else 0.0,
        convergence=convergence, annual_loss=annual_loss,
    )
