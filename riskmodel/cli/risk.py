"""``rank`` and ``whatif`` commands: the risk register, measures and plan; a blast radius."""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

from riskmodel.cli import arguments
from riskmodel.files.jsonfile import json_text
from riskmodel.report.analysis import RankReport, analyse, money, rank_report
from riskmodel.simulate.whatif import BlastRadius, whatif
from riskmodel.sources.scenario import load_scenario


def rank_json(report: RankReport) -> dict[str, Any]:
    """The JSON of ``rank --format json``: the report's fields in order, measures with net and ROI."""
    return {
        "scenario": report.scenario,
        "eal_per_year": report.eal_per_year,
        "failure_modes": [asdict(mode) for mode in report.failure_modes],
        "nodes": [asdict(node) for node in report.nodes],
        "zones": [asdict(zone) for zone in report.zones],
        "services": [
            {**asdict(service.budget), "budget_used": service.budget.budget_used,
             "bad_minutes_per_year_with_plan": service.bad_minutes_per_year_with_plan}
            for service in report.services
        ],
        "flags": [asdict(flag) for flag in report.flags],
        "blind_spot_nodes": list(report.blind_spot_nodes),
        "measures": [
            {"id": m.id, "title": m.title, "kind": m.kind, "annual_cost": m.annual_cost,
             "eal_reduction": m.eal_reduction, "net_benefit": m.net_benefit, "roi": m.roi}
            for m in report.measures
        ],
        "plan": {"budget": report.plan.budget, "selected": list(report.plan.selected),
                 "annual_cost": report.plan.annual_cost, "residual_eal_per_year": report.plan.residual_eal_per_year,
                 "method": report.plan.method},
        "frontier": [asdict(point) for point in report.frontier],
    }


def _rank_table(report: RankReport, top: int = 15) -> str:
    lines = [f"Scenario {report.scenario}: expected annual loss {money(report.eal_per_year)}/year", "",
             f"{'failure mode':<40} {'units':>5} {'freq/yr':>8} {'EAL/yr':>12}"]
    for mode in report.failure_modes[:top]:
        lines.append(f"{mode.failure_mode_id:<40} {mode.units:>5} {mode.frequency_per_year:>8.3f} "
                     f"{money(mode.eal_per_year):>12}")
    lines += ["", f"{'service':<24} {'bad min/yr':>10} {'budget min':>10} {'used':>7} {'with plan':>10}"]
    for service in report.services:
        budget = service.budget
        lines.append(f"{budget.name:<24} {budget.bad_minutes_per_year:>10.1f} "
                     f"{budget.error_budget_minutes:>10.1f} {budget.budget_used:>7.0%} "
                     f"{service.bad_minutes_per_year_with_plan:>10.1f}")
    for flag in report.flags:
        lines.append(f"  ! {flag.failure_mode_id} alone uses {flag.budget_share:.0%} of {flag.service}'s budget")
    if report.blind_spot_nodes:
        lines.append(f"  ! no node-problem-detector on: {', '.join(report.blind_spot_nodes)}")
    lines += ["", f"{'measure':<36} {'kind':<10} {'cost/yr':>10} {'ΔEAL/yr':>11} {'net':>11} {'ROI':>6}"]
    for m in report.measures:
        roi = "free" if m.roi is None else f"{m.roi:.1f}"
        lines.append(f"{m.id:<36} {m.kind:<10} {money(m.annual_cost):>10} {money(m.eal_reduction):>11} "
                     f"{money(m.net_benefit):>11} {roi:>6}")
    plan = report.plan
    lines += ["", f"Plan for {money(plan.budget)}/year ({plan.method}): {', '.join(plan.selected) or 'nothing'}",
              f"  costs {money(plan.annual_cost)}/year, residual EAL {money(plan.residual_eal_per_year)}/year"]
    return "\n".join(lines)


def _rank_csv(report: RankReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "kind", "annual_cost", "eal_reduction", "net_benefit", "roi", "in_plan"])
    selected = set(report.plan.selected)
    for m in report.measures:
        writer.writerow([m.id, m.kind, f"{m.annual_cost:.2f}", f"{m.eal_reduction:.2f}",
                         f"{m.net_benefit:.2f}", "" if m.roi is None else f"{m.roi:.4f}", m.id in selected])
    return out.getvalue()


def cmd_rank(args: argparse.Namespace) -> int:
    report = rank_report(analyse(load_scenario(Path(args.scenario))), args.budget)
    if args.format == "json":
        print(json_text(rank_json(report), what="rank"))
    elif args.format == "csv":
        print(_rank_csv(report), end="")
    else:
        print(_rank_table(report))
    return 0


def blast_radius_json(radius: BlastRadius) -> dict[str, Any]:
    """The JSON of ``whatif --format json``: rescheduled pods as ``{pod, node}`` records."""
    data = asdict(radius)
    data["rescheduled_pods"] = [{"pod": pod, "node": node} for pod, node in radius.rescheduled_pods]
    return data


def _whatif_table(radius: BlastRadius) -> str:
    lines = [f"failed nodes: {', '.join(radius.failed_nodes) or '-'}"]
    for key in ("failed_workloads", "unavailable_workloads", "degraded_workloads", "down_services",
                "degraded_services", "unschedulable_pods", "down_services_after_reschedule"):
        lines.append(f"{key.replace('_', ' ')}: {', '.join(getattr(radius, key)) or '-'}")
    lines.append(f"rescheduled pods: {len(radius.rescheduled_pods)}")
    lines.append(f"cost per hour: {money(radius.cost_per_hour)} "
                 f"(after rescheduling: {money(radius.cost_per_hour_after_reschedule)})")
    return "\n".join(lines)


def cmd_whatif(args: argparse.Namespace) -> int:
    loaded = load_scenario(Path(args.scenario))
    radius = whatif(loaded.scenario, args.fail)
    print(json_text(blast_radius_json(radius), what="whatif") if args.format == "json" else _whatif_table(radius))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    rank = commands.add_parser("rank", help="risk register, ranked measures and the budget plan")
    rank.add_argument("scenario", metavar="SCENARIO")
    rank.add_argument("--budget", type=arguments.budget_dollars, default=None, metavar="AMOUNT",
                      help="annual budget in dollars (default: every measure that pays for itself)")
    rank.add_argument("--format", choices=("table", "json", "csv"), default="table")
    rank.set_defaults(handler=cmd_rank)
    what = commands.add_parser("whatif", help="blast radius of failing nodes, zones, workloads or services now")
    what.add_argument("scenario", metavar="SCENARIO")
    what.add_argument("--fail", action="append", required=True, metavar="KIND:NAME",
                      help="node:NAME, zone:NAME, region:NAME, workload:NAME or service:NAME (repeatable)")
    what.add_argument("--format", choices=("table", "json"), default="table")
    what.set_defaults(handler=cmd_whatif)
