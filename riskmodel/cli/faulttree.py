"""``faulttree``: a service's fault tree in Open-PSA MEF, for SCRAM or another fault-tree engine."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmodel.engine.faulttree import fault_forest
from riskmodel.engine.openpsa import fault_tree_xml
from riskmodel.engine.risk import RiskModel
from riskmodel.errors import InputError
from riskmodel.files.reading import write_text
from riskmodel.sources.scenario import load_scenario


def cmd_faulttree(args: argparse.Namespace) -> int:
    loaded = load_scenario(Path(args.scenario))
    forest = fault_forest(RiskModel(loaded.scenario, loaded.catalog, loaded.evidence))
    if args.service not in forest.service_names:
        known = ", ".join(forest.service_names[:8]) + (", …" if len(forest.service_names) > 8 else "")
        raise InputError(args.scenario, f"no service {args.service!r}; expected one of: {known}", field="--service")
    write_text(args.output, fault_tree_xml(forest, args.service, loaded.scenario.name))
    tree = forest.tree(args.service)
    state = "down now (the tree is a true house event)" if tree.down_now else (
        f"{len(tree.gates)} workload gates, {len(tree.direct) + len(tree.node_events)} basic events")
    print(f"wrote {args.output}: fault tree of {args.service}, {state}; "
          f"analyse with: scram {args.output} --probability true --importance true --cut-off 0")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    tree = commands.add_parser("faulttree", help="write a service's fault tree in Open-PSA MEF (for SCRAM)")
    tree.add_argument("scenario", metavar="SCENARIO")
    tree.add_argument("--service", required=True, metavar="NAME")
    tree.add_argument("--output", required=True, metavar="FILE")
    tree.set_defaults(handler=cmd_faulttree)
