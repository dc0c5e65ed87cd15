"""The rules of ``check`` and the comparison with a baseline, as typed results.

* ``budget-share`` — every service's expected bad minutes per year use at most
  ``max_budget_share`` of its error budget (the figure the dashboards draw against 25%);
* ``eal-increase`` (with a baseline and ``max_eal_increase_percent``) — the cluster's expected
  annual loss, and each service's, grew by at most that many percent over the baseline's (a
  service the baseline lacks is skipped: nothing to compare; one whose baseline loss is zero
  fails on any increase over a cent);
* ``accepted-risk`` (with a review session's ledger) — every accepted risk still holds: not
  over its ceiling, not past its expiry date (the ledger's own rule, :mod:`riskmodel.review.ledger`).

With a baseline the report also carries ΔEAL per failure mode and per service and the
configuration findings that are new, resolved or unchanged. Every case and finding points at
its scenario entry (and manifest object when the manifests are given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from riskmodel.plan.findings import Finding
from riskmodel.report.analysis import Analysis
from riskmodel.report.check.locate import Location, Locator
from riskmodel.report.formatting import minutes, money, percent, slo
from riskmodel.report.ledger_view import LEDGER_HEADER, accepted_risks, ledger_cells
from riskmodel.review.ledger import Ledger

BUDGET_SHARE = "budget-share"
EAL_INCREASE = "eal-increase"
ACCEPTED_RISK = "accepted-risk"
CLUSTER = "cluster"
CENT = 0.01


@dataclass(frozen=True)
class RuleCase:
    """One rule applied to one subject (a service, or ``cluster``): the value against the limit."""

    rule: str
    subject: str
    passed: bool
    value: float
    limit: float
    message: str
    locations: tuple[Location, ...]
    skipped: bool = False


@dataclass(frozen=True)
class Delta:
    """Expected annual loss (dollars per year) of one failure mode or service, before and after."""

    kind: Literal["failure_mode", "service"]
    name: str
    before: float
    after: float

    @property
    def change(self) -> float:
        return self.after - self.before


FindingState = Literal["new", "resolved", "unchanged"]


@dataclass(frozen=True)
class FindingResult:
    finding: Finding
    state: FindingState
    locations: tuple[Location, ...]


@dataclass(frozen=True)
class CheckReport:
    scenario_file: str
    baseline_file: str | None
    eal_per_year: float
    baseline_eal_per_year: float | None
    max_budget_share: float
    max_eal_increase_percent: float | None
    cases: tuple[RuleCase, ...]
    deltas: tuple[Delta, ...]
    findings: tuple[FindingResult, ...]

    @property
    def failed(self) -> tuple[RuleCase, ...]:
        return tuple(case for case in self.cases if not case.passed and not case.skipped)


def _budget_cases(analysis: Analysis, locator: Locator, limit: float) -> list[RuleCase]:
    flags: dict[str, list[str]] = {}
    for flag in analysis.register.flags:
        flags.setdefault(flag.service, []).append(f"{flag.failure_mode_id} {percent(flag.budget_share)}")
    cases = []
    for budget in analysis.register.services:
        share = budget.budget_used
        passed = share <= limit
        message = (f"{budget.name}: expected {minutes(budget.bad_minutes_per_year)} bad minutes per year use "
                   f"{percent(share)} of its {minutes(budget.error_budget_minutes)}-minute error budget "
                   f"(SLO {slo(budget.slo)}; limit {percent(limit)})")
        if not passed and flags.get(budget.name):
            message += "; largest single risks: " + ", ".join(flags[budget.name][:3])
        cases.append(RuleCase(BUDGET_SHARE, budget.name, passed, share, limit, message, locator.service(budget.name)))
    return cases


def increase_percent(before: float, after: float) -> float:
    """Percent growth from ``before`` to ``after``; from zero, any rise over a cent is infinite."""
    if before > 0:
        return (after - before) / before * 100.0
    return math.inf if after > before + CENT else 0.0


def _increase_case(subject: str, before: float, after: float, limit: float,
                   locations: tuple[Location, ...]) -> RuleCase:
    percent = increase_percent(before, after)
    what = "the cluster's" if subject == CLUSTER else f"{subject}'s"
    message = (f"{what} expected annual loss {money(before)} → {money(after)} per year "
               f"({percent:+.1f}%; limit +{limit:g}%)")
    return RuleCase(EAL_INCREASE, subject, percent <= limit, percent, limit, message, locations)


def _increase_cases(analysis: Analysis, baseline: Analysis, locator: Locator, limit: float) -> list[RuleCase]:
    before = {s.name: s.eal_per_year for s in baseline.register.services}
    cases = [_increase_case(CLUSTER, baseline.register.eal_per_year, analysis.register.eal_per_year, limit,
                            locator.whole())]
    for service in analysis.register.services:
        if service.name not in before:
            cases.append(RuleCase(EAL_INCREASE, service.name, True, math.nan, limit,
                                  f"{service.name}: new service, not in the baseline; nothing to compare",
                                  locator.service(service.name), skipped=True))
            continue
        cases.append(_increase_case(service.name, before[service.name], service.eal_per_year, limit,
                                    locator.service(service.name)))
    return cases


def deltas(analysis: Analysis, baseline: Analysis) -> tuple[Delta, ...]:
    """ΔEAL per failure mode and per service, largest change first within each kind."""
    found: list[Delta] = []
    for kind, now, then in (
            ("failure_mode", {m.failure_mode_id: m.eal_per_year for m in analysis.register.failure_modes},
             {m.failure_mode_id: m.eal_per_year for m in baseline.register.failure_modes}),
            ("service", {s.name: s.eal_per_year for s in analysis.register.services},
             {s.name: s.eal_per_year for s in baseline.register.services})):
        rows = [Delta(kind, name, then.get(name, 0.0), now.get(name, 0.0))  # type: ignore[arg-type]
                for name in sorted(set(now) | set(then))]
        found += sorted(rows, key=lambda d: (-abs(d.change), d.name))
    return tuple(found)


def _findings(analysis: Analysis, locator: Locator, baseline: Analysis | None,
              baseline_locator: Locator | None) -> tuple[FindingResult, ...]:
    if baseline is None or baseline_locator is None:
        return tuple(FindingResult(f, "unchanged", locator.workload(f.workload)) for f in analysis.findings)
    before = {f.id for f in baseline.findings}
    now = {f.id for f in analysis.findings}
    results = [FindingResult(f, "unchanged" if f.id in before else "new", locator.workload(f.workload))
               for f in analysis.findings]
    results += [FindingResult(f, "resolved", baseline_locator.workload(f.workload))
                for f in baseline.findings if f.id not in now]
    return tuple(results)


def _ledger_cases(ledger: Ledger, locator: Locator) -> list[RuleCase]:
    """One case per acceptance still in the catalog: it fails when the ledger reopened it
    (over its ceiling, or past its expiry date)."""
    cases = []
    for row in accepted_risks(ledger):
        if row.value_now is None:
            continue
        cells = dict(zip(LEDGER_HEADER, ledger_cells(row), strict=True))
        passed = row.status == "holding"
        message = (f"{cells['Risk']}: accepted by {row.owner} until {cells['Expires']} within {cells['Ceiling']}; "
                   f"now {cells['Now']}" + ("" if passed else f" — reopened ({cells['Why']})"))
        cases.append(RuleCase(ACCEPTED_RISK, cells["Risk"], passed, row.value_now, row.ceiling, message,
                              locator.whole()))
    return cases


def check(analysis: Analysis, locator: Locator, max_budget_share: float,
          baseline: Analysis | None = None, baseline_locator: Locator | None = None,
          max_eal_increase_percent: float | None = None, ledger: Ledger | None = None) -> CheckReport:
    """Every rule case, the deltas and the findings of ``analysis`` (against ``baseline``); with
    ``ledger`` (a review session's accepted risks, checked on ``analysis``), one case per acceptance."""
    cases = _budget_cases(analysis, locator, max_budget_share)
    if baseline is not None and max_eal_increase_percent is not None:
        cases += _increase_cases(analysis, baseline, locator, max_eal_increase_percent)
    if ledger is not None:
        cases += _ledger_cases(ledger, locator)
    return CheckReport(
        scenario_file=locator.file, baseline_file=baseline_locator.file if baseline_locator else None,
        eal_per_year=analysis.register.eal_per_year,
        baseline_eal_per_year=baseline.register.eal_per_year if baseline else None,
        max_budget_share=max_budget_share, max_eal_increase_percent=max_eal_increase_percent,
        cases=tuple(cases), deltas=deltas(analysis, baseline) if baseline else (),
        findings=_findings(analysis, locator, baseline, baseline_locator))
