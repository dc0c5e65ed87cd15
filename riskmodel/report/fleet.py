"""A fleet of clusters reviewed together: each cluster ranked and simulated, then the fleet total.

Every cluster gets the same treatment as ``rank`` and ``simulate`` give one: its register and
budget plan (:func:`riskmodel.report.analysis.rank_report`), then Monte Carlo years without and
with that plan. All clusters run the same number of years, so the fleet's loss in a simulated
year is the sum of the clusters' losses in that year (the clusters are independent: each has
its own seed), and the fleet's P99 is read from those sums. With ``dask`` every cluster's
chunks go to the same Dask client (one local cluster or one scheduler for the whole fleet).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from riskmodel.plan.planner import Plan
from riskmodel.report.analysis import analyse, rank_report
from riskmodel.simulate.dask_runner import dask_client
from riskmodel.simulate.montecarlo import simulate
from riskmodel.simulate.result import SimulationResult
from riskmodel.sources.scenario import load_scenario


@dataclass(frozen=True, eq=False)
class ClusterOutcome:
    """One cluster: its analytic EAL and plan (dollars per year), and its simulated years."""

    path: str
    scenario: str
    nodes: int
    seed: int
    eal_per_year: float
    plan: Plan
    base: SimulationResult
    with_plan: SimulationResult


@dataclass(frozen=True)
class FleetTotal:
    """Sums over the clusters (dollars per year); P99 of the fleet's summed annual loss."""

    clusters: int
    nodes: int
    eal_per_year: float
    plan_cost: float
    residual_eal_per_year: float
    mean_loss: float
    mean_loss_with_plan: float
    p99: float
    p99_with_plan: float


@dataclass(frozen=True, eq=False)
class FleetReport:
    years: int
    clusters: tuple[ClusterOutcome, ...]
    total: FleetTotal


def cluster_seed(seed: int, position: int) -> int:
    """The seed of the cluster at ``position`` when the fleet is given one seed (independent
    streams: :class:`numpy.random.SeedSequence` of (seed, position))."""
    return int(np.random.SeedSequence([seed, position]).generate_state(1, dtype=np.uint32)[0])


def fleet_report(paths: Sequence[Path], *, years: int, seed: int | None = None, budget: float | None = None,
                 workers: int | None = None, dask: Any = None,
                 progress: Callable[[str, int, int], None] | None = None) -> FleetReport:
    """Rank and simulate every scenario of ``paths``; ``seed`` None keeps each scenario's own.

    ``progress(label, done, total)`` is called per simulated chunk of each run.
    """
    with dask_client(dask) if dask is not None else contextlib.nullcontext() as client:
        clusters = tuple(_cluster(Path(path), position, years=years, seed=seed, budget=budget, workers=workers,
                                  dask=client, progress=progress) for position, path in enumerate(paths))
    return FleetReport(years, clusters, _total(clusters))


def _cluster(path: Path, position: int, *, years: int, seed: int | None, budget: float | None, workers: int | None,
             dask: Any, progress: Callable[[str, int, int], None] | None) -> ClusterOutcome:
    loaded = load_scenario(path)
    analysis = analyse(loaded)
    report = rank_report(analysis, budget)
    own_seed = loaded.scenario.settings.seed if seed is None else cluster_seed(seed, position)
    planner = analysis.planner

    def step(label: str) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, total: progress(f"{path.name} {label}", done, total))

    base = simulate(planner, years=years, seed=own_seed, workers=workers, dask=dask, progress=step("base"))
    with_plan = simulate(planner, report.plan.selected, years=years, seed=own_seed, workers=workers, dask=dask,
                         progress=step("with plan"))
    return ClusterOutcome(str(path), loaded.scenario.name, len(loaded.scenario.nodes), own_seed, report.eal_per_year,
                          report.plan, base, with_plan)


def _total(clusters: tuple[ClusterOutcome, ...]) -> FleetTotal:
    if not clusters:
        return FleetTotal(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    base = np.sum([c.base.annual_loss for c in clusters], axis=0)
    planned = np.sum([c.with_plan.annual_loss for c in clusters], axis=0)
    return FleetTotal(
        clusters=len(clusters), nodes=sum(c.nodes for c in clusters),
        eal_per_year=sum(c.eal_per_year for c in clusters), plan_cost=sum(c.plan.annual_cost for c in clusters),
        residual_eal_per_year=sum(c.plan.residual_eal_per_year for c in clusters),
        mean_loss=float(base.mean()), mean_loss_with_plan=float(planned.mean()),
        p99=float(np.quantile(base, 0.99)), p99_with_plan=float(np.quantile(planned, 0.99)))
