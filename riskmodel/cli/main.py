"""``python -m riskmodel``: the command-line face of the same library the app uses.

Each command is a small function from parsed arguments to an exit code. Errors of the
:class:`~riskmodel.errors.RiskModelError` family print as they are (they already name the
file, line and field) and exit 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from riskmodel.cli import arguments
from riskmodel.cli.terminal import print_error
from riskmodel.errors import InputError, InputErrors, RiskModelError, redact
from riskmodel.files.jsonfile import json_text
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog, parse_model, yaml_files
from riskmodel.files.reading import write_text

EXIT_OK = 0
EXIT_BAD_INPUT = 2

Command = Callable[[argparse.Namespace], int]
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _looks_like_catalog(path: Path) -> bool:
    """A catalog file has a top-level ``catalog:`` key; anything else is read as a scenario."""
    from riskmodel.files.overlay_file import has_top_level_key

    return has_top_level_key(path, "catalog")


def _validate_one(path: Path) -> str:
    from riskmodel.simulate.whatif_file import load_whatif, looks_like_whatif

    if looks_like_whatif(path):
        return load_whatif(path).summary()
    from riskmodel.files.overlay_file import looks_like_overlay

    if looks_like_overlay(path):
        from riskmodel.model.overlay import CatalogOverlay

        overlay, _ = parse_model(CatalogOverlay, path)
        return (f"ok  {path}: catalog overlay {overlay.overlay!r}, {len(overlay.failure_modes)} failure modes "
                "(their ids are checked against the catalogs of the scenario that names it)")
    if _looks_like_catalog(path):
        catalog, _ = load_catalog([path])
        return f"ok  {path}: catalog, {len(catalog.failure_modes)} failure modes, {len(catalog.measures)} measures"
    from riskmodel.sources.scenario import load_scenario

    loaded = load_scenario(path)
    scenario = loaded.scenario
    pods = sum(workload.replicas for workload in scenario.workloads)
    return (
        f"ok  {path}: scenario {scenario.name!r}, {len(scenario.zones)} zones, {len(scenario.nodes)} nodes, "
        f"{len(scenario.workloads)} workloads, {pods} pods, {len(scenario.services)} services, "
        f"{len(loaded.catalog.failure_modes)} failure modes, {len(loaded.evidence.conditions)} conditions, "
        f"{len(loaded.evidence.events)} events"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate catalog and scenario files (folders expand to their YAML files)."""
    failed = False
    files = yaml_files(Path(p) for p in args.paths)
    missing = [Path(p) for p in args.paths if not Path(p).exists()]
    for path in missing:
        print_error(f"error {path}: file or folder not found")
        failed = True
    if not files and not missing:
        print_error("error: no .yaml files found in " + ", ".join(args.paths))
        return EXIT_BAD_INPUT
    if _has_duplicate_ids_across(files):
        failed = True
    for path in files:
        if not path.exists():
            continue
        try:
            print(_validate_one(path))
        except RiskModelError as error:
            failed = True
            print_error(error)
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _has_duplicate_ids_across(files: Sequence[Path]) -> bool:
    """Catalog files validated together must not repeat ids (they merge into one catalog)."""
    catalogs = [path for path in files if path.exists() and _looks_like_catalog(path)]
    if len(catalogs) < 2:
        return False
    try:
        load_catalog(catalogs)
    except InputErrors as error:
        duplicates = [e for e in error.errors if "duplicate" in e.message]
        for problem in duplicates:
            print_error(problem)
        return bool(duplicates)
    except InputError:
        return False
    return False


def cmd_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of catalog and scenario files."""
    from riskmodel.model.catalog import CatalogFile
    from riskmodel.model.scenario import Scenario

    schemas = {
        "catalog": CatalogFile.model_json_schema(mode="validation"),
        "scenario": Scenario.model_json_schema(mode="validation"),
    }
    chosen = schemas if args.kind == "all" else schemas[args.kind]
    print(json_text(chosen, what="schema"))
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    """Write the seeded large scenario (1,000 nodes, ~10,000 pods) used by the benchmarks."""
    from riskmodel.files.scenario_yaml import scenario_to_yaml
    from riskmodel.generate.large import generate_large_scenario

    scenario = generate_large_scenario(seed=args.seed, nodes=args.nodes, workloads=args.workloads,
                                       services=args.services)
    write_text(args.output, scenario_to_yaml(scenario))
    pods = sum(workload.replicas for workload in scenario.workloads)
    print(f"wrote {args.output}: {len(scenario.nodes)} nodes, {len(scenario.workloads)} workloads, {pods} pods, "
          f"{len(scenario.services)} services (seed {args.seed})")
    return EXIT_OK


def _register_core(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser("validate", help="check catalog and scenario files; exit 2 on errors")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    validate.set_defaults(handler=cmd_validate)
    schema = commands.add_parser("schema", help="print the JSON Schema of catalog and scenario files")
    schema.add_argument("kind", nargs="?", choices=("all", "catalog", "scenario"), default="all")
    schema.set_defaults(handler=cmd_schema)
    generate = commands.add_parser("generate", help="write the seeded large scenario for benchmarks")
    generate.add_argument("kind", choices=("large",))
    generate.add_argument("--output", required=True, metavar="FILE")
    generate.add_argument("--seed", type=arguments.seed, default=7)
    generate.add_argument("--nodes", type=arguments.node_count, default=1000)
    generate.add_argument("--workloads", type=arguments.workload_count, default=None,
                          help="workloads (default: 300, or 0.3 per node beyond 1,000 nodes)")
    generate.add_argument("--services", type=arguments.service_count, default=200)
    generate.set_defaults(handler=cmd_generate)


COMMAND_MODULES: dict[str, str] = {
    "validate": __name__, "schema": __name__, "generate": __name__,
    "rank": "riskmodel.cli.risk", "whatif": "riskmodel.cli.risk",
    "snapshot": "riskmodel.cli.sources", "import": "riskmodel.cli.sources", "evidence": "riskmodel.cli.sources",
    "simulate": "riskmodel.cli.simulate", "chaos": "riskmodel.cli.simulate",
    "export": "riskmodel.cli.export", "import-risks": "riskmodel.cli.risklists",
    "calibrate": "riskmodel.cli.calibrate", "ledger": "riskmodel.cli.ledger", "publish": "riskmodel.cli.publish",
    "check": "riskmodel.cli.check", "faulttree": "riskmodel.cli.faulttree", "fleet": "riskmodel.cli.fleet",
}
"""Which module registers each command, so that a run imports only its own command's module
(``import`` needs neither the engine nor plotly nor pandas: 0.9 s of start-up). A command not
listed here still works: its run registers every module, as ``--help`` does."""


def _registrar(module: str) -> Registrar:
    if module == __name__:
        return _register_core
    register: Registrar = importlib.import_module(module).register
    return register


def _registrars() -> list[Registrar]:
    """Every module that adds commands, in the order ``--help`` lists them; each owns its own
    arguments and handler."""
    modules = ["riskmodel.cli.risk", "riskmodel.cli.sources", "riskmodel.cli.simulate", "riskmodel.cli.export",
               "riskmodel.cli.risklists", "riskmodel.cli.calibrate", "riskmodel.cli.ledger", "riskmodel.cli.publish",
               "riskmodel.cli.check", "riskmodel.cli.faulttree", "riskmodel.cli.fleet"]
    return [_register_core] + [_registrar(module) for module in modules]


def _registrars_for(argv: Sequence[str] | None) -> list[Registrar]:
    """The registrar of the command ``argv`` starts with; every registrar otherwise (help, an
    option first, no command, or one not in :data:`COMMAND_MODULES`), so that argparse says
    what it says with all of them."""
    module = COMMAND_MODULES.get(argv[0]) if argv else None
    return [_registrar(module)] if module else _registrars()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The CLI's parser: every command, or only the one ``argv`` names (see :data:`COMMAND_MODULES`)."""
    parser = argparse.ArgumentParser(
        prog="python -m riskmodel",
        description="Reliability risk workbench for Kubernetes: validate inputs, rank risks and "
        f"measures, simulate failures, export plans. Shipped catalogs: {SHIPPED_CATALOGS}",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _registrars_for(argv):
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage and the problem
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    try:
        arguments.refuse_nul(args)
        return int(args.handler(args))
    except RiskModelError as error:
        print_error(error)
        return EXIT_BAD_INPUT
    except OSError as error:  # the environment, not the input: a full disk, a missing permission
        print_error(f"error: {redact(str(error))}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; stop quietly like other Unix tools.
        sys.stderr.close()
        return 0


__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "build_parser", "main", "parse_model"]
