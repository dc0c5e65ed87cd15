"""``fleet`` command: rank and simulate many clusters on one engine, then the fleet total.

``python -m riskmodel fleet PATH [PATH ...] [--years N] [--seed S] [--budget AMOUNT]
[--workers W | --dask ADDRESS] [--format table|json]`` where each PATH is a scenario file or a
folder of them (catalog and what-if files in a folder are left out, and said so).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from riskmodel.cli.main import _looks_like_catalog
from riskmodel.cli.simulate import check_workers, dask_for
from riskmodel.errors import InputError
from riskmodel.files.jsonfile import json_text
from riskmodel.files.loader import yaml_files
from riskmodel.report.fleet import ClusterOutcome, FleetReport, fleet_report
from riskmodel.report.formatting import money
from riskmodel.simulate.whatif_file import looks_like_whatif


def scenario_paths(values: list[str]) -> list[Path]:
    """Scenario files named or found in the folders named; skipped files are said on stderr."""
    missing = [value for value in values if not Path(value).exists()]
    if missing:
        raise InputError(missing[0], "file or folder not found; expected a scenario file or a folder of them")
    paths: list[Path] = []
    for path in yaml_files(Path(value) for value in values):
        if _looks_like_catalog(path) or looks_like_whatif(path):
            print(f"fleet: left out {path} (a {'catalog' if _looks_like_catalog(path) else 'what-if'} file)",
                  file=sys.stderr)
            continue
        paths.append(path)
    if not paths:
        raise InputError(", ".join(values), "no scenario files found; expected scenario YAML files")
    return paths


def _progress(label: str, done: int, total: int) -> None:
    print(f"\r{label}: {done:,}/{total:,} years", end="" if done < total else "\n", file=sys.stderr)


def _cluster_lines(cluster: ClusterOutcome) -> list[str]:
    plan, base, planned = cluster.plan, cluster.base, cluster.with_plan
    return [f"{cluster.scenario} ({cluster.path}, {cluster.nodes:,} nodes, seed {cluster.seed})",
            f"  {'':<12} {'EAL/yr':>14} {'simulated mean':>15} {'P99':>14}",
            f"  {'base':<12} {money(cluster.eal_per_year):>14} {money(base.mean_loss):>15} {money(base.p99):>14}",
            f"  {'with plan':<12} {money(plan.residual_eal_per_year):>14} {money(planned.mean_loss):>15} "
            f"{money(planned.p99):>14}",
            f"  plan ({plan.method}): {', '.join(plan.selected) or 'nothing'}; costs {money(plan.annual_cost)}/year"]


def fleet_table(report: FleetReport) -> str:
    lines: list[str] = []
    for cluster in report.clusters:
        lines += [*_cluster_lines(cluster), ""]
    total = report.total
    lines += [f"Fleet: {total.clusters} clusters, {total.nodes:,} nodes, {report.years:,} simulated years each",
              f"  {'':<12} {'EAL/yr':>14} {'simulated mean':>15} {'P99':>14}",
              f"  {'base':<12} {money(total.eal_per_year):>14} {money(total.mean_loss):>15} {money(total.p99):>14}",
              f"  {'with plans':<12} {money(total.residual_eal_per_year):>14} {money(total.mean_loss_with_plan):>15} "
              f"{money(total.p99_with_plan):>14}",
              f"  plans cost {money(total.plan_cost)}/year and avoid "
              f"{money(total.mean_loss - total.mean_loss_with_plan)}/year (simulated)"]
    return "\n".join(lines)


def fleet_json(report: FleetReport) -> dict[str, Any]:
    return {
        "years": report.years,
        "clusters": [{"path": c.path, "scenario": c.scenario, "nodes": c.nodes, "seed": c.seed,
                      "eal_per_year": c.eal_per_year, "plan": asdict(c.plan),
                      "base": c.base.to_dict(), "with_plan": c.with_plan.to_dict()} for c in report.clusters],
        "fleet": asdict(report.total),
    }


def cmd_fleet(args: argparse.Namespace) -> int:
    check_workers(args)
    if args.years < 2:
        raise InputError("--years", f"expected at least 2 simulated years, got {args.years}")
    paths = scenario_paths(args.paths)
    with dask_for(args.dask) as dask:
        report = fleet_report(paths, years=args.years, seed=args.seed, budget=args.budget, workers=args.workers,
                              dask=dask, progress=None if args.quiet else _progress)
    print(json_text(fleet_json(report), what="fleet") if args.format == "json" else fleet_table(report))
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    fleet = commands.add_parser("fleet", help="rank and simulate many clusters, one table each and the fleet total")
    fleet.add_argument("paths", nargs="+", metavar="PATH", help="scenario files or folders of them")
    fleet.add_argument("--years", type=int, default=10_000, help="simulated years per cluster (default 10000)")
    fleet.add_argument("--seed", type=int, default=None,
                       help="one seed for the fleet (each cluster gets its own stream); default: each scenario's")
    fleet.add_argument("--budget", type=float, default=None, metavar="AMOUNT",
                       help="annual budget per cluster (default: every measure that pays for itself)")
    fleet.add_argument("--workers", type=int, default=None, help="worker processes (default: the usable cores)")
    fleet.add_argument("--dask", metavar="ADDRESS", default=None,
                       help="run every cluster's chunks on one Dask client: 'local' or a scheduler address")
    fleet.add_argument("--format", choices=("table", "json"), default="table")
    fleet.add_argument("--quiet", action="store_true", help="no progress on stderr")
    fleet.set_defaults(handler=cmd_fleet)
