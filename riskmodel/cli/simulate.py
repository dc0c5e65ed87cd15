"""``simulate`` and ``chaos`` commands: Monte Carlo years with and without a plan; chaos manifests.

``python -m riskmodel simulate SCENARIO [--plan PLAN] [--years N] [--seed S] [--workers W | --dask ADDRESS]
[--format table|json]``
where SCENARIO is a scenario or a what-if file (``base_scenario:``) and PLAN is a comma-separated
list of measure ids or a YAML/JSON file with a ``selected:`` list (``rank --format json`` prints
one under ``plan``; the whole ``rank`` output works too).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from riskmodel.cli import arguments
from riskmodel.errors import InputError
from riskmodel.files.jsonfile import json_text
from riskmodel.files.reading import checked_path, write_text
from riskmodel.files.yamlfile import parse_yaml, read_text
from riskmodel.model.bounds import MAX_SIMULATED_INCIDENTS
from riskmodel.plan.planner import Planner
from riskmodel.report.formatting import minutes, money, money_per_year, percent
from riskmodel.simulate.dask_runner import dask_client
from riskmodel.simulate.montecarlo import simulate
from riskmodel.simulate.result import compare
from riskmodel.simulate.tables import InjectedFailure
from riskmodel.simulate.whatif_file import load_whatif, looks_like_whatif
from riskmodel.sources.scenario import load_scenario

CONNECT_SECONDS = 10
"""How long to wait for a Dask scheduler before reporting it unreachable."""


def read_plan(value: str) -> tuple[str, ...]:
    """Measure ids from ``a,b,c`` or from a YAML/JSON file with ``selected`` (at top level or under ``plan``)."""
    path = checked_path(value, "--plan")
    if not path.is_file():
        return tuple(part.strip() for part in value.split(",") if part.strip())
    data = parse_yaml(read_text(path), str(path))
    if isinstance(data, dict) and isinstance(data.get("plan"), dict):
        data = data["plan"]
    selected = data.get("selected") if isinstance(data, dict) else None
    if not isinstance(selected, list) or not all(isinstance(i, str) for i in selected):
        raise InputError(str(path), "expected a mapping with a 'selected:' list of measure ids", field="selected")
    return tuple(selected)


def check_run_size(planner: Planner, years: int) -> float:
    """Refuse a run that would draw more than ``MAX_SIMULATED_INCIDENTS``; returns the expected
    incidents per year (Σ rate over every failure mode and unit, before measures)."""
    per_year = float(np.sum(planner.base.base_rate))
    if per_year * years > MAX_SIMULATED_INCIDENTS:
        most = max(int(MAX_SIMULATED_INCIDENTS // per_year), 0)
        raise InputError("--years", f"the scenario expects {per_year:,.0f} incidents a year, so {years:,} years would "
                         f"draw about {per_year * years:,.0f}, over the {MAX_SIMULATED_INCIDENTS:,.0f} one run may; "
                         f"expected at most {most:,} years, or lower frequencies")
    return per_year


def progress_bar(done: int, total: int) -> None:
    """A one-line text bar on stderr, redrawn per chunk."""
    width = 30
    filled = int(width * done / total)
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} years", end="", file=sys.stderr)
    if done >= total:
        print(file=sys.stderr)


def _table(data: dict[str, Any], title: str) -> list[str]:
    lines = [f"{title}: mean {money_per_year(data['mean_loss'])} ± {money(data['std_error'])} (std. error), "
             f"P50 {money(data['p50'])}, P90 {money(data['p90'])}, P99 {money(data['p99'])}; "
             f"analytic EAL {money_per_year(data['analytic_eal'])}",
             f"  {data['incidents']:,} incidents over {data['years']:,} years, {percent(data['overlapped_share'])} "
             f"overlapped, {percent(data['combined_share'])} evaluated as combined failures",
             f"  {'service':<24} {'bad min/yr':>10} {'budget min/yr':>13} {'P(budget out)':>14}"]
    for s in data["services"]:
        lines.append(f"  {s['name']:<24} {minutes(s['mean_bad_minutes']):>10} {minutes(s['error_budget_minutes']):>13} "
                     f"{percent(s['p_budget_exhausted']):>14}")
    top = sorted(data["modes"], key=lambda m: -m["loss_share"])[:8]
    lines.append("  top failure modes: " + ", ".join(f"{m['id']} {percent(m['loss_share'])}" for m in top
                                                     if m["loss_share"] > 0))
    return lines


def check_workers(args: argparse.Namespace) -> None:
    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", f"expected at least 1 worker process, got {args.workers}")
    if args.workers is not None and args.dask:
        raise InputError("--dask", "expected either --workers (local processes) or --dask (Dask workers), not both")


@contextlib.contextmanager
def dask_for(address: str | None) -> Iterator[Any]:
    """A Dask client for ``--dask`` (``local`` or a scheduler address), or None; an unreachable
    scheduler is a clear error naming the address, not a traceback."""
    if not address:
        yield None
        return
    if address != "local" and "://" not in address and ":" not in address:
        raise InputError("--dask", f"expected 'local' or a scheduler address such as tcp://10.0.0.5:8786, got {address!r}")
    if address == "local":
        with dask_client("local") as client:
            yield client
        return
    import distributed

    try:
        client = distributed.Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:
        raise InputError("--dask", f"could not reach the Dask scheduler at {address}: {error}") from error
    with client:
        yield client


def cmd_simulate(args: argparse.Namespace) -> int:
    path = Path(args.scenario)
    injected: tuple[InjectedFailure, ...] = ()
    plan: tuple[str, ...] = read_plan(args.plan) if args.plan else ()
    years, seed = args.years, args.seed
    if looks_like_whatif(path):
        whatif = load_whatif(path)
        loaded, injected = whatif.loaded, whatif.injected
        plan = plan or whatif.spec.measures
        years = years or whatif.spec.years
        seed = whatif.seed if seed is None else seed
    else:
        loaded = load_scenario(path)
    years = years or 10_000
    if years < 2:
        raise InputError("--years", f"expected at least 2 simulated years, got {years}")
    seed = loaded.scenario.settings.seed if seed is None else seed
    planner = Planner(loaded.scenario, loaded.catalog, loaded.evidence)
    check_run_size(planner, years)
    progress = None if args.quiet else progress_bar
    check_workers(args)
    with dask_for(args.dask) as dask:
        base = simulate(planner, years=years, seed=seed, injected=injected, progress=progress, workers=args.workers,
                        dask=dask)
        if not plan:
            data: dict[str, Any] = base.to_dict()
            print(json_text(data, what="simulate") if args.format == "json" else "\n".join(_table(data, "base")))
            return 0
        planned = simulate(planner, plan, years=years, seed=seed, injected=injected, progress=progress,
                           workers=args.workers, dask=dask)
    comparison = compare(base, planned)
    if args.format == "json":
        print(json_text(comparison.to_dict(), what="simulate"))
    else:
        diff = comparison.difference
        lines = _table(base.to_dict(), "base") + _table(planned.to_dict(), "with plan " + ", ".join(plan))
        lines.append(f"plan avoids {money_per_year(diff.mean_loss_avoided)} ± {money(diff.std_error)}, "
                     f"P99 lower by {money(diff.p99_avoided)}")
        print("\n".join(lines))
    return 0


def cmd_chaos(args: argparse.Namespace) -> int:
    from riskmodel.simulate.chaos import chaos_manifests, dump_manifests

    loaded = load_scenario(Path(args.scenario))
    manifests = chaos_manifests(loaded.scenario, args.fail, tool=args.tool, namespace=args.namespace,
                                duration_minutes=args.duration_minutes)
    text = dump_manifests(manifests)
    if args.output:
        write_text(args.output, text)
        print(f"wrote {len(manifests)} manifest(s) for {args.tool} to {args.output}")
    else:
        print(text, end="")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    sim = commands.add_parser("simulate", help="Monte Carlo over simulated years, with and without a plan")
    sim.add_argument("scenario", metavar="SCENARIO", help="a scenario or a what-if file (base_scenario:)")
    sim.add_argument("--plan", metavar="PLAN", help="measure ids a,b,c or a YAML/JSON file with 'selected:'")
    sim.add_argument("--years", type=arguments.simulated_years, default=None, help="simulated years (default: the what-if file's, or 10000)")
    sim.add_argument("--seed", type=arguments.seed, default=None, help="random seed (default: the file's or the scenario's)")
    sim.add_argument("--format", choices=("table", "json"), default="table")
    sim.add_argument("--workers", type=arguments.workers, default=None,
                     help="worker processes (default: the usable cores); the numbers do not depend on it")
    sim.add_argument("--dask", metavar="ADDRESS", default=None,
                     help="run the chunks as Dask tasks: 'local' (a LocalCluster on this machine) or a scheduler "
                          "address such as tcp://10.0.0.5:8786; same numbers as local workers")
    sim.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    sim.set_defaults(handler=cmd_simulate)
    chaos = commands.add_parser("chaos", help="export a failure set as Chaos Mesh or LitmusChaos manifests")
    chaos.add_argument("scenario", metavar="SCENARIO")
    chaos.add_argument("--fail", action="append", required=True, metavar="KIND:NAME",
                       help="node:NAME, zone:NAME or workload:NAME (repeatable)")
    chaos.add_argument("--tool", choices=("chaos-mesh", "litmus"), default="chaos-mesh")
    chaos.add_argument("--namespace", default="chaos-testing", help="namespace the chaos objects live in")
    chaos.add_argument("--duration-minutes", type=arguments.minutes, default=10.0)
    chaos.add_argument("--output", metavar="FILE", help="write the manifests here (default: stdout)")
    chaos.set_defaults(handler=cmd_chaos)
