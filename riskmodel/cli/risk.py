"""``rank`` and ``whatif`` commands: the risk register, measures and plan; a blast radius."""

from __future__ import annotations

import argparse
import csv
import io
from dataclasses import asdict
from pathlib import Path
from typing import Any

from riskmodel.analytics.sensitivity import Sensitivity
from riskmodel.analytics.uncertainty import tornado
from riskmodel.cli import arguments
from riskmodel.engine.importance import ImportanceReport, importance
from riskmodel.engine.topology import TopologyIndex
from riskmodel.files.jsonfile import json_text
from riskmodel.report.analysis import Analysis, RankReport, analyse, rank_report
from riskmodel.report.escaping import csv_cell
from riskmodel.report.formatting import minutes, money, money_per_year, number, percent, roi
from riskmodel.report.uncertainty import importance_json, sensitivity_json
from riskmodel.simulate.whatif import BlastRadius, whatif
from riskmodel.sources.scenario import load_scenario


def rank_json(report: RankReport, importance: ImportanceReport | None = None,
              sensitivity: Sensitivity | None = None) -> dict[str, Any]:
    """The JSON of ``rank --format json``: the report's fields in order, measures with net and ROI;
    then cut sets and importance per service, and the tornado (null when not computed)."""
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
        "current_problems": [asdict(problem) for problem in report.current_problems],
        "findings": [asdict(finding) for finding in report.findings],
        "placeholders": [placeholder.field_path for placeholder in report.placeholders],
        "measure_notes": list(report.measure_notes),
        "importance": None if importance is None else importance_json(importance),
        "sensitivity": None if sensitivity is None else sensitivity_json(sensitivity),
    }


def current_state_lines(report: RankReport, top: int = 10) -> list[str]:
    """The current problems, most expensive first: what the table shows before the risks."""
    if not report.current_problems:
        return []
    lines = [f"Broken now ({len(report.current_problems)} problems; each cost is what fixing it alone saves):",
             f"  {'kind':<24} {'name':<44} {'cost/h':>9}  detail"]
    for problem in report.current_problems[:top]:
        lines.append(f"  {problem.kind:<24} {problem.name[:44]:<44} {money(problem.cost_per_hour):>10}  "
                     f"{problem.detail[:100]}")
    return [*lines, ""]


def findings_lines(report: RankReport, top: int = 10) -> list[str]:
    """Configuration findings ranked by the expected annual loss a fix removes."""
    if not report.findings:
        return []
    lines = ["", f"{'finding':<48} {'EAL ($/yr)':>12}  fixed by"]
    for finding in report.findings[:top]:
        lines.append(f"{finding.id[:48]:<48} {money(finding.eal_per_year):>12}  {', '.join(finding.fixed_by) or '-'}")
    return lines


def placeholder_lines(report: RankReport) -> list[str]:
    """The "not yet reviewed" list every output ends with."""
    if not report.placeholders:
        return []
    return ["", f"Not yet reviewed ({len(report.placeholders)} placeholder values):"] + [
        f"  {p.field_path}: {p.reason}" for p in report.placeholders]


def _rank_table(report: RankReport, top: int = 15) -> str:
    lines = [*current_state_lines(report),
             f"Scenario {report.scenario}: expected annual loss {money_per_year(report.eal_per_year)}", "",
             f"{'failure mode':<40} {'units':>5} {'incidents/yr':>12} {'EAL ($/yr)':>12}"]
    for mode in report.failure_modes[:top]:
        lines.append(f"{mode.failure_mode_id:<40} {mode.units:>5} {number(mode.frequency_per_year):>12} "
                     f"{money(mode.eal_per_year):>12}")
    lines += findings_lines(report)
    lines += ["", f"{'service':<24} {'bad min/yr':>10} {'budget min/yr':>13} {'used':>7} {'with plan min/yr':>16}"]
    for service in report.services:
        budget = service.budget
        lines.append(f"{budget.name:<24} {minutes(budget.bad_minutes_per_year):>10} "
                     f"{minutes(budget.error_budget_minutes):>13} {percent(budget.budget_used):>7} "
                     f"{minutes(service.bad_minutes_per_year_with_plan):>16}")
    for flag in report.flags:
        lines.append(f"  ! {flag.failure_mode_id} alone uses {percent(flag.budget_share)} of {flag.service}'s budget")
    if report.blind_spot_nodes:
        lines.append(f"  ! no node-problem-detector on: {', '.join(report.blind_spot_nodes)}")
    lines += ["", f"{'measure':<36} {'kind':<10} {'cost ($/yr)':>11} {'ΔEAL ($/yr)':>11} {'net ($/yr)':>11} "
                  f"{'ROI':>7}"]
    for m in report.measures:
        lines.append(f"{m.id:<36} {m.kind:<10} {money(m.annual_cost):>11} {money(m.eal_reduction):>11} "
                     f"{money(m.net_benefit):>11} {roi(m.roi):>7}")
    lines += [f"  note: {note}" for note in report.measure_notes]
    plan = report.plan
    lines += ["", f"Plan for {money_per_year(plan.budget)} ({plan.method}): {', '.join(plan.selected) or 'nothing'}",
              f"  costs {money_per_year(plan.annual_cost)}, residual EAL {money_per_year(plan.residual_eal_per_year)}"]
    lines += placeholder_lines(report)
    return "\n".join(lines)


def _rank_csv(report: RankReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "kind", "annual_cost", "eal_reduction", "net_benefit", "roi", "in_plan"])
    selected = set(report.plan.selected)
    for m in report.measures:
        writer.writerow([csv_cell(m.id), m.kind, f"{m.annual_cost:.2f}", f"{m.eal_reduction:.2f}",
                         f"{m.net_benefit:.2f}", "" if m.roi is None else f"{m.roi:.4f}", m.id in selected])
    return out.getvalue()


def _rank_cre_csv(analysis: Analysis, service: str | None) -> str:
    """``rank --format cre-csv``: each failure mode against one service's budget, as the CRE sheet."""
    from riskmodel.engine.service_risk import modes_on_service
    from riskmodel.report.cre_csv import chosen_service, cre_csv

    return cre_csv(modes_on_service(analysis.model, chosen_service(analysis.model, service)))


def cmd_rank(args: argparse.Namespace) -> int:
    analysis = analyse(load_scenario(Path(args.scenario), overlays=args.overlay or ()))
    if args.format == "cre-csv":
        print(_rank_cre_csv(analysis, args.service), end="")
        return 0
    report = rank_report(analysis, args.budget)
    if args.format == "json":
        found = importance(analysis.model)
        bars = tornado(analysis.planner, analysis.placeholders, report.plan.budget)
        print(json_text(rank_json(report, found, bars), what="rank"))
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
    lines.append(f"cost per hour: {money(radius.cost_per_hour)}/h "
                 f"(after rescheduling: {money(radius.cost_per_hour_after_reschedule)}/h)")
    return "\n".join(lines)


def cmd_whatif(args: argparse.Namespace) -> int:
    """The blast radius starts from the current state: what is down now is named, not counted again."""
    loaded = load_scenario(Path(args.scenario))
    index = TopologyIndex(loaded.scenario)
    radius = whatif(loaded.scenario, args.fail, index)
    down_now = [name for name, down in zip(index.service_names, index.service_down_now, strict=True) if down]
    if args.format == "json":
        print(json_text({**blast_radius_json(radius), "down_now_services": down_now}, what="whatif"))
    else:
        print(_whatif_table(radius) + (f"\ndown now already (not counted again): {', '.join(down_now)}"
                                       if down_now else ""))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    rank = commands.add_parser("rank", help="risk register, ranked measures and the budget plan")
    rank.add_argument("scenario", metavar="SCENARIO")
    rank.add_argument("--budget", type=arguments.budget_dollars, default=None, metavar="AMOUNT",
                      help="annual budget in dollars (default: every measure that pays for itself)")
    rank.add_argument("--format", choices=("table", "json", "csv", "cre-csv"), default="table")
    rank.add_argument("--overlay", action="append", metavar="FILE",
                      help="catalog overlay (calibrate output) laid over the catalogs; repeatable")
    rank.add_argument("--service", metavar="NAME", help="the service of --format cre-csv (default: the only one)")
    rank.set_defaults(handler=cmd_rank)
    what = commands.add_parser("whatif", help="blast radius of failing nodes, zones, workloads or services now")
    what.add_argument("scenario", metavar="SCENARIO")
    what.add_argument("--fail", action="append", required=True, metavar="KIND:NAME",
                      help="node:NAME, zone:NAME, region:NAME, workload:NAME or service:NAME (repeatable)")
    what.add_argument("--format", choices=("table", "json"), default="table")
    what.set_defaults(handler=cmd_whatif)
