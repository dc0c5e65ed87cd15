"""``import-risks``: the risk lists teams already keep (a CRE sheet, a riskquant CSV) as a scenario.

Writes ``DIR/scenario.yaml`` and ``DIR/catalog.yaml``; ``rank DIR/scenario.yaml`` then ranks
them with everything else the workbench does (``--format cre-csv`` gives the sheet back).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from riskmodel.errors import InputError
from riskmodel.files.cre_sheet import read_cre_sheet
from riskmodel.files.risklist_writer import write_risk_list
from riskmodel.files.riskquant_csv import read_riskquant_csv
from riskmodel.model.catalog import CatalogFile
from riskmodel.model.scenario import Scenario
from riskmodel.report.formatting import minutes, money_per_year, percent, slo
from riskmodel.sources.scenario import load_scenario


def _argument_error(option: str, error: ValidationError) -> InputError:
    problem = error.errors()[0]
    return InputError(option, f"{problem['msg'][:1].lower()}{problem['msg'][1:]}, got {problem.get('input')!r}")


def _cre(args: argparse.Namespace, sheet: Path) -> tuple[Scenario, CatalogFile, list[str]]:
    from riskmodel.files.cre_sheet import cre_catalog, cre_scenario

    if not args.service:
        raise InputError("--service", "the CRE sheet is about one service; expected --service NAME")
    if args.slo is None or not 0 < args.slo < 1:
        raise InputError("--slo", f"expected the service's SLO as a fraction between 0 and 1 (0.999), got {args.slo}")
    risks = read_cre_sheet(sheet)
    try:
        scenario = cre_scenario(args.name or args.service, args.service, args.slo, args.cost_per_hour, "catalog.yaml")
    except ValidationError as error:
        raise _argument_error("--service", error) from None
    catalog = cre_catalog(risks, args.service, sheet)
    budget = scenario.services_by_name[args.service].error_budget_minutes_per_year
    lines = [f"{len(risks)} risks to {args.service} (SLO {slo(args.slo)}, error budget {minutes(budget)} min/yr); "
             f"the sheet's bad minutes add up to {minutes(sum(r.bad_minutes_per_year for r in risks))} min/yr "
             f"({percent(sum(r.bad_minutes_per_year for r in risks) / budget)} of the budget)"]
    accepted = [mode.id for mode, risk in zip(catalog.failure_modes, risks, strict=True) if risk.accepted]
    if accepted:
        lines.append(f"accepted in the sheet ({len(accepted)}): {', '.join(accepted)} — the sheet has no owner, "
                     "expiry or ceiling; accept them in a review session to put them on the ledger")
    if args.cost_per_hour is None:
        lines.append(f"services.{args.service}.cost_per_hour is a placeholder ($0/h): pass --cost-per-hour for dollars")
    return scenario, catalog, lines


def _riskquant(args: argparse.Namespace, sheet: Path) -> tuple[Scenario, CatalogFile, list[str]]:
    from riskmodel.files.riskquant_csv import riskquant_catalog, riskquant_scenario

    risks = read_riskquant_csv(sheet)
    try:
        scenario = riskquant_scenario(args.name or "riskquant", "catalog.yaml")
    except ValidationError as error:
        raise _argument_error("--name", error) from None
    catalog, notes = riskquant_catalog(risks, sheet)
    total = sum(r.eal_per_year for r in risks)
    return scenario, catalog, [f"{len(risks)} loss scenarios, expected annual loss {money_per_year(total)}",
                               *notes]


def cmd_import_risks(args: argparse.Namespace) -> int:
    """Write the risk list as a scenario and its catalog, then read them back as ``rank`` will."""
    sheet = Path(args.file)
    build = _cre if args.format == "cre" else _riskquant
    scenario, catalog, lines = build(args, sheet)
    scenario_path, catalog_path = write_risk_list(Path(args.output), scenario, catalog,
                                                  f"Imported by riskmodel import-risks --format {args.format} from "
                                                  f"{sheet.name}")
    loaded = load_scenario(scenario_path)
    print(f"wrote {scenario_path} and {catalog_path}: {len(loaded.catalog.failure_modes)} failure modes")
    for line in lines:
        print(f"  {line}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("import-risks", help="a CRE risk sheet or a riskquant CSV as a scenario and catalog")
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--format", choices=("cre", "riskquant"), required=True,
                        help="cre: risk,ettd_minutes,ettr_minutes,impact_percent,ettf_days,accepted; "
                             "riskquant: Identifier,Name,Probability,Low_loss,High_loss")
    parser.add_argument("--output", required=True, metavar="DIR", help="folder for scenario.yaml and catalog.yaml")
    parser.add_argument("--service", metavar="NAME", help="cre: the service the sheet is about")
    parser.add_argument("--slo", type=float, metavar="FRACTION", help="cre: the service's SLO, e.g. 0.999")
    parser.add_argument("--cost-per-hour", type=float, metavar="DOLLARS",
                        help="cre: the service's outage cost per hour (default: a $0 placeholder)")
    parser.add_argument("--name", help="scenario name (default: the service, or 'riskquant')")
    parser.set_defaults(handler=cmd_import_risks)
