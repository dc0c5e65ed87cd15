"""``rank`` and ``whatif`` commands: the risk register, measures and plan; a blast radius."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

from riskmodel.loader import load_scenario
from riskmodel.report import analyse, blast_radius_report, money, rank_report
from riskmodel.whatif import whatif


def _rank_table(report: dict[str, Any], top: int = 15) -> str:
    lines = [f"Scenario {report['scenario']}: expected annual loss {money(report['eal_per_year'])}/year", "",
             f"{'failure mode':<40} {'units':>5} {'freq/yr':>8} {'EAL/yr':>12}"]
    for mode in report["failure_modes"][:top]:
        lines.append(f"{mode['failure_mode_id']:<40} {mode['units']:>5} {mode['frequency_per_year']:>8.3f} "
                     f"{money(mode['eal_per_year']):>12}")
    lines += ["", f"{'service':<24} {'bad min/yr':>10} {'budget min':>10} {'used':>7} {'with plan':>10}"]
    for service in report["services"]:
        lines.append(f"{service['name']:<24} {service['bad_minutes_per_year']:>10.1f} "
                     f"{service['error_budget_minutes']:>10.1f} {service['budget_used']:>7.0%} "
                     f"{service['bad_minutes_per_year_with_plan']:>10.1f}")
    for flag in report["flags"]:
        lines.append(f"  ! {flag['failure_mode_id']} alone uses {flag['budget_share']:.0%} of {flag['service']}'s budget")
    if report["blind_spot_nodes"]:
        lines.append(f"  ! no node-problem-detector on: {', '.join(report['blind_spot_nodes'])}")
    lines += ["", f"{'measure':<36} {'kind':<10} {'cost/yr':>10} {'ΔEAL/yr':>11} {'net':>11} {'ROI':>6}"]
    for m in report["measures"]:
        roi = "free" if m["roi"] is None else f"{m['roi']:.1f}"
        lines.append(f"{m['id']:<36} {m['kind']:<10} {money(m['annual_cost']):>10} {money(m['eal_reduction']):>11} "
                     f"{money(m['net_benefit']):>11} {roi:>6}")
    plan = report["plan"]
    lines += ["", f"Plan for {money(plan['budget'])}/year ({plan['method']}): {', '.join(plan['selected']) or 'nothing'}",
              f"  costs {money(plan['annual_cost'])}/year, residual EAL {money(plan['residual_eal_per_year'])}/year"]
    return "\n".join(lines)


def _rank_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "kind", "annual_cost", "eal_reduction", "net_benefit", "roi", "in_plan"])
    selected = set(report["plan"]["selected"])
    for m in report["measures"]:
        writer.writerow([m["id"], m["kind"], f"{m['annual_cost']:.2f}", f"{m['eal_reduction']:.2f}",
                         f"{m['net_benefit']:.2f}", "" if m["roi"] is None else f"{m['roi']:.4f}",
                         m["id"] in selected])
    return out.getvalue()


def cmd_rank(args: argparse.Namespace) -> int:
    report = rank_report(analyse(load_scenario(Path(args.scenario))), args.budget)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    elif args.format == "csv":
        print(_rank_csv(report), end="")
    else:
        print(_rank_table(report))
    return 0


def _whatif_table(data: dict[str, Any]) -> str:
    lines = [f"failed nodes: {', '.join(data['failed_nodes']) or '-'}"]
    for key in ("failed_workloads", "unavailable_workloads", "degraded_workloads", "down_services",
                "degraded_services", "unschedulable_pods", "down_services_after_reschedule"):
        lines.append(f"{key.replace('_', ' ')}: {', '.join(data[key]) or '-'}")
    lines.append(f"rescheduled pods: {len(data['rescheduled_pods'])}")
    lines.append(f"cost per hour: {money(data['cost_per_hour'])} "
                 f"(after rescheduling: {money(data['cost_per_hour_after_reschedule'])})")
    return "\n".join(lines)


def cmd_whatif(args: argparse.Namespace) -> int:
    loaded = load_scenario(Path(args.scenario))
    data = blast_radius_report(whatif(loaded.scenario, args.fail))
    print(json.dumps(data, indent=2) if args.format == "json" else _whatif_table(data))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    rank = commands.add_parser("rank", help="risk register, ranked measures and the budget plan")
    rank.add_argument("scenario", metavar="SCENARIO")
    rank.add_argument("--budget", type=float, default=None, metavar="AMOUNT",
                      help="annual budget in dollars (default: every measure that pays for itself)")
    rank.add_argument("--format", choices=("table", "json", "csv"), default="table")
    rank.set_defaults(handler=cmd_rank)
    what = commands.add_parser("whatif", help="blast radius of failing nodes, zones, workloads or services now")
    what.add_argument("scenario", metavar="SCENARIO")
    what.add_argument("--fail", action="append", required=True, metavar="KIND:NAME",
                      help="node:NAME, zone:NAME, region:NAME, workload:NAME or service:NAME (repeatable)")
    what.add_argument("--format", choices=("table", "json"), default="table")
    what.set_defaults(handler=cmd_whatif)
