"""``check``: the CI gate. Exit 0 when every rule holds, 1 when one fails, 2 on bad input.

``check SCENARIO [--baseline OLD] [--max-budget-share 0.25] [--max-eal-increase PCT]
[--session ID [--db PATH] [--today YYYY-MM-DD]] [--manifests PATH…] [--format text|sarif|junit]
[--output FILE]`` — the rules are in :mod:`riskmodel.report.check.rules`; ``--manifests`` names
the Kubernetes files a scenario was imported from, so that results point at the object to
change. With ``--session`` the session's edits apply and its accepted risks are checked too
(a reopened acceptance fails the gate, as ``ledger`` would; reopenings are recorded).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from riskmodel.cli.ledger import parse_day
from riskmodel.errors import InputError
from riskmodel.report.analysis import analyse
from riskmodel.report.check.junit import to_junit
from riskmodel.report.check.locate import Location, Locator, ManifestIndex
from riskmodel.report.check.rules import ACCEPTED_RISK, BUDGET_SHARE, EAL_INCREASE, CheckReport, check
from riskmodel.report.check.sarif import to_sarif
from riskmodel.report.formatting import money, money_per_year, percent, signed_money
from riskmodel.review.ledger import Ledger
from riskmodel.review.ledger_check import check_ledger
from riskmodel.review.store import REVIEW_DB_VARIABLE, ReviewStore
from riskmodel.sources.scenario import load_scenario

EXIT_RULE_FAILED = 1
TOP_DELTAS = 10


def _place(locations: tuple[Location, ...]) -> str:
    return ", ".join(f"{loc.file}:{loc.line}" if loc.line else loc.file for loc in locations)


def _rule_lines(report: CheckReport, rule: str, title: str) -> list[str]:
    cases = [case for case in report.cases if case.rule == rule]
    if not cases:
        return []
    failed = [case for case in cases if not case.passed and not case.skipped]
    lines = [f"rule {rule} ({title}): {len(failed)} of {len(cases)} failed"]
    for case in sorted(cases, key=lambda c: (c.passed, c.subject)):
        status = "SKIP" if case.skipped else ("ok  " if case.passed else "FAIL")
        where = f"  [{_place(case.locations)}]" if not case.passed else ""
        lines.append(f"  {status} {case.message}{where}")
    return [*lines, ""]


def _delta_lines(report: CheckReport) -> list[str]:
    if report.baseline_file is None or report.baseline_eal_per_year is None:
        return []
    change = report.eal_per_year - report.baseline_eal_per_year
    lines = [f"against baseline {report.baseline_file}: EAL {money(report.baseline_eal_per_year)} → "
             f"{money(report.eal_per_year)} per year ({signed_money(change)})"]
    for kind, title in (("failure_mode", "failure mode"), ("service", "service")):
        rows = [d for d in report.deltas if d.kind == kind and abs(d.change) >= 0.5]
        lines.append(f"  ΔEAL by {title} ({len(rows)} changed{', largest first' if rows else ''}):")
        for delta in rows[:TOP_DELTAS]:
            lines.append(f"    {delta.name:<40} {money(delta.before):>12} → {money(delta.after):>12} "
                         f"({signed_money(delta.change)})")
        if len(rows) > TOP_DELTAS:
            lines.append(f"    … {len(rows) - TOP_DELTAS} more")
    return [*lines, ""]


def _finding_lines(report: CheckReport) -> list[str]:
    if not report.findings:
        return []
    with_baseline = report.baseline_file is not None
    states = {state: sum(r.state == state for r in report.findings) for state in ("new", "resolved", "unchanged")}
    head = (f"findings: {states['new']} new, {states['resolved']} resolved, {states['unchanged']} unchanged"
            if with_baseline else f"findings: {len(report.findings)}")
    lines = [head]
    for result in sorted(report.findings, key=lambda r: (("new", "resolved", "unchanged").index(r.state),
                                                          -r.finding.eal_per_year)):
        state = f"{result.state:<9} " if with_baseline else ""
        lines.append(f"  {state}{result.finding.id:<48} {money_per_year(result.finding.eal_per_year):>13}  "
                     f"[{_place(result.locations)}]")
    return [*lines, ""]


def text_report(report: CheckReport) -> str:
    share = f"each service uses at most {percent(report.max_budget_share)} of its error budget"
    lines = [f"check {report.scenario_file}: expected annual loss {money(report.eal_per_year)} per year", ""]
    lines += _rule_lines(report, BUDGET_SHARE, share)
    if report.max_eal_increase_percent is not None:
        lines += _rule_lines(report, EAL_INCREASE, f"EAL grows at most {report.max_eal_increase_percent:g}% "
                                                   "over the baseline")
    lines += _rule_lines(report, ACCEPTED_RISK, "every accepted risk holds within its ceiling until its expiry date")
    lines += _delta_lines(report) + _finding_lines(report)
    failed = len(report.failed)
    lines.append(f"result: {'FAILED' if failed else 'passed'} ({failed} of {len(report.cases)} rule cases failed)")
    return "\n".join(lines)


def _locator(path: Path, manifests: ManifestIndex, store: ReviewStore | None = None,
             session_id: str | None = None) -> tuple[Any, Locator]:
    loaded = load_scenario(path)
    edits = store.edits(session_id) if store is not None and session_id is not None else ()
    return analyse(loaded, edits), Locator(str(path), loaded.scenario, manifests)


def _limits(args: argparse.Namespace) -> None:
    if args.session is None and (args.db is not None or args.today is not None):
        raise InputError("--db/--today", "check a review session's accepted risks: give --session ID too")
    if not 0 < args.max_budget_share <= 100 or not math.isfinite(args.max_budget_share):
        raise InputError("--max-budget-share", f"expected a share above 0 (0.25 = 25%), got {args.max_budget_share}")
    if args.max_eal_increase is not None:
        if not math.isfinite(args.max_eal_increase) or args.max_eal_increase < 0:
            raise InputError("--max-eal-increase", f"expected a percentage ≥ 0, got {args.max_eal_increase}")
        if args.baseline is None:
            raise InputError("--max-eal-increase", "compares with a baseline: give --baseline OLD_SCENARIO too")


def cmd_check(args: argparse.Namespace) -> int:
    _limits(args)
    manifests = ManifestIndex(Path(p) for p in args.manifests or [])
    store = ReviewStore(args.db) if args.session else None
    analysis, locator = _locator(Path(args.scenario), manifests, store, args.session)
    baseline, baseline_locator = _locator(Path(args.baseline), manifests) if args.baseline else (None, None)
    ledger: Ledger | None = None
    if store is not None:
        ledger = check_ledger(store, args.session, analysis.model, parse_day(args.today))
    report = check(analysis, locator, args.max_budget_share, baseline, baseline_locator, args.max_eal_increase,
                   ledger)
    code = EXIT_RULE_FAILED if report.failed else 0
    if args.format == "sarif":
        text = json.dumps(to_sarif(report, code), indent=2)
    elif args.format == "junit":
        text = to_junit(report)
    else:
        text = text_report(report)
    if args.output:
        Path(args.output).write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
        print(f"wrote {args.output}: {len(report.failed)} of {len(report.cases)} rule cases failed", file=sys.stderr)
    else:
        print(text)
    return code


def register(commands: Any) -> None:
    """Add ``check`` to the CLI."""
    gate = commands.add_parser("check", help="CI gate: exit 1 when a risk rule fails (text, SARIF or JUnit)")
    gate.add_argument("scenario", metavar="SCENARIO")
    gate.add_argument("--baseline", metavar="OLD_SCENARIO", help="compare with this scenario (e.g. before a change)")
    gate.add_argument("--max-budget-share", type=float, default=0.25, metavar="SHARE",
                      help="largest share of a service's error budget its expected bad minutes may use (0.25)")
    gate.add_argument("--max-eal-increase", type=float, default=None, metavar="PCT",
                      help="largest growth of expected annual loss over --baseline, percent (cluster and services)")
    gate.add_argument("--manifests", action="append", metavar="PATH",
                      help="Kubernetes manifest files or folders the scenario came from: results point at them")
    gate.add_argument("--session", metavar="ID", help="also check this review session's accepted risks "
                                                       "(its edits apply)")
    gate.add_argument("--db", default=None, metavar="PATH",
                      help=f"the review database (default: ${REVIEW_DB_VARIABLE}, else the user data dir)")
    gate.add_argument("--today", default=None, metavar="YYYY-MM-DD", help="check expiry dates as of this day")
    gate.add_argument("--format", choices=("text", "sarif", "junit"), default="text")
    gate.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    gate.set_defaults(handler=cmd_check)
