"""The figures a publish writes: the register, current problems and findings of one analysis as
named, tagged numbers, in Heapster's schema (``<category>/<metric>``, a ``type`` tag saying what
the figure is about, as Heapster's ``type=node|pod|cluster``), one batch per publish.

Measurements and their units:

* ``risk/eal_per_year`` — expected annual loss, dollars per year; ``type`` ``cluster`` (the
  total), ``failure_mode``, ``service``, ``node`` (tagged with its ``zone`` too) or ``zone``;
* ``risk/bad_minutes_per_year`` — expected bad minutes of a service per year;
* ``risk/error_budget_minutes`` — a service's error budget, minutes per year;
* ``risk/budget_share`` — expected bad minutes over the error budget (a ratio; 0.25 = 25%);
* ``risk/current_problems`` — how many problems of each ``kind`` the cluster has now (every kind
  is written, zeros too, so a dashboard shows 0 rather than no data);
* ``risk/current_problem_cost_per_hour`` — what fixing one current problem alone saves, dollars
  per hour (tags ``kind``, ``problem`` and ``node`` where the problem is on a node);
* ``risk/finding_eal_per_year`` — the expected annual loss a configuration finding causes
  (tags ``kind``, ``workload``).

Every figure is tagged with ``cluster``. Ordering is stable (the register's order), so two
batches of the same analysis are equal.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from riskmodel.engine.current import KIND_ORDER, CurrentProblem
from riskmodel.report.analysis import Analysis

EAL = "risk/eal_per_year"
BAD_MINUTES = "risk/bad_minutes_per_year"
ERROR_BUDGET = "risk/error_budget_minutes"
BUDGET_SHARE = "risk/budget_share"
CURRENT_PROBLEMS = "risk/current_problems"
PROBLEM_COST = "risk/current_problem_cost_per_hour"
FINDING_EAL = "risk/finding_eal_per_year"
METRICS = (EAL, BAD_MINUTES, ERROR_BUDGET, BUDGET_SHARE, CURRENT_PROBLEMS, PROBLEM_COST, FINDING_EAL)
UNITS = {EAL: "$/year", BAD_MINUTES: "min/year", ERROR_BUDGET: "min/year", BUDGET_SHARE: "of budget",
         CURRENT_PROBLEMS: "problems", PROBLEM_COST: "$/hour", FINDING_EAL: "$/year"}
NODE_PROBLEM_KINDS = frozenset({"node_not_ready", "node_cordoned"})

Tags = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Figure:
    """One number: a measurement name, its tags (sorted by key) and its value in the metric's unit."""

    metric: str
    tags: Tags
    value: float

    def tag(self, key: str) -> str | None:
        return next((value for name, value in self.tags if name == key), None)

    @property
    def key(self) -> tuple[str, Tags]:
        """What identifies the series: the measurement and its tags."""
        return self.metric, self.tags


@dataclass(frozen=True)
class Batch:
    """Every figure of one publish, stamped with one time (whole seconds, as nanoseconds since the
    epoch): a retried write of the same batch lands on the same points instead of adding new ones."""

    timestamp_ns: int
    cluster: str
    figures: tuple[Figure, ...]

    @property
    def timestamp_seconds(self) -> float:
        return self.timestamp_ns / 1e9


def _figure(metric: str, value: float, **tags: str | None) -> Figure:
    if not math.isfinite(value):
        raise ValueError(f"{metric} {tags}: value {value!r} is not a finite number")
    return Figure(metric, tuple(sorted((k, v) for k, v in tags.items() if v)), float(value))


def _problem_node(kind: str, name: str) -> str | None:
    if kind in NODE_PROBLEM_KINDS:
        return name
    if kind == "condition_active":
        return name.split("/", 1)[0]
    return None


def _unique(problems: tuple[CurrentProblem, ...]) -> list[CurrentProblem]:
    """One problem per (kind, name): the same condition read from two sources is one series, at its highest
    cost (problems come most expensive first)."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        if (problem.kind, problem.name) not in seen:
            seen.add((problem.kind, problem.name))
            unique.append(problem)
    return unique


def analysis_figures(analysis: Analysis, cluster: str) -> tuple[Figure, ...]:
    """The figures of one analysis, tagged ``cluster``: register, current problems, findings."""
    register = analysis.register
    zone_of = {node.name: node.zone for node in analysis.loaded.scenario.nodes}
    figures = [_figure(EAL, register.eal_per_year, cluster=cluster, type="cluster")]
    figures += [_figure(EAL, mode.eal_per_year, cluster=cluster, type="failure_mode", failure_mode=mode.failure_mode_id)
                for mode in register.failure_modes]
    for service in register.services:
        tags = {"cluster": cluster, "type": "service", "service": service.name}
        figures += [_figure(EAL, service.eal_per_year, **tags),
                    _figure(BAD_MINUTES, service.bad_minutes_per_year, **tags),
                    _figure(ERROR_BUDGET, service.error_budget_minutes, **tags),
                    _figure(BUDGET_SHARE, service.budget_used, **tags)]
    figures += [_figure(EAL, eal, cluster=cluster, type="node", node=node, zone=zone_of.get(node))
                for node, eal in register.nodes.items()]
    figures += [_figure(EAL, eal, cluster=cluster, type="zone", zone=zone) for zone, eal in register.zones.items()]
    problems = _unique(analysis.current_problems)
    counts = Counter(problem.kind for problem in problems)
    figures += [_figure(CURRENT_PROBLEMS, counts[kind], cluster=cluster, type="cluster", kind=kind)
                for kind in KIND_ORDER]
    figures += [_figure(PROBLEM_COST, problem.cost_per_hour, cluster=cluster, type="problem", kind=problem.kind,
                        problem=problem.name, node=_problem_node(problem.kind, problem.name))
                for problem in problems]
    figures += [_figure(FINDING_EAL, finding.eal_per_year, cluster=cluster, type="finding", kind=finding.kind,
                        workload=finding.workload)
                for finding in analysis.findings]
    return tuple(figures)


def batch_of(analysis: Analysis, cluster: str, timestamp_seconds: float) -> Batch:
    """One publish: the analysis's figures at ``timestamp_seconds`` (rounded down to a whole second)."""
    return Batch(int(timestamp_seconds) * 1_000_000_000, cluster, analysis_figures(analysis, cluster))
