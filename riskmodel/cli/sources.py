"""CLI commands over the sources: ``snapshot``, ``import`` and ``evidence``.

``--source`` is repeatable (``file:DIR``, ``kube[:CONTEXT]``, ``prometheus:URL``,
``heapster:FILE``, ``logs:PATH``), like Heapster's ``--sink``. ``import`` accounts for every
object it read (per kind: read, used, skipped with each skip's reason) and writes the
evidence it read next to the scenario, so the scenario ranks with it as it is. Handlers
return an exit code; bad input and unreachable sources raise the RiskModelError family,
which the CLI prints (exit 2).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from riskmodel.cli.terminal import terminal_text
from riskmodel.errors import InputError
from riskmodel.model.defaults import ServiceDefaults
from riskmodel.model.placeholders import placeholders
from riskmodel.model.scenario import Scenario
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.registry import read_sources, split_uri


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Read live clusters and save them in the file form; a failed read keeps the old snapshot."""
    from riskmodel.sources import kube
    from riskmodel.sources.snapshot import check_output, write_snapshot

    if len(args.source) != 1 or split_uri(args.source[0])[0] != "kube":
        raise InputError("--source", "snapshot reads exactly one live cluster: --source kube[:CONTEXT]")
    context = split_uri(args.source[0])[1] or None
    check_output(args.output, (resource.plural for resource in kube.RESOURCES))  # before any API call
    lists = kube.fetch_lists(context)
    dump = kube.parse_lists(lists, args.source[0])  # parse first: never save what cannot be read back
    out = write_snapshot(lists, args.source[0], Path(args.output), dump)
    counts = ", ".join(f"{len(data['items'])} {plural}" for plural, data in lists.items())
    print(f"snapshot written to {out}: {counts}")
    return 0


PLACEHOLDER_HEADER = ("# TO REVIEW: {count} value(s) below are placeholders, not read from the cluster "
                      "(listed under placeholders:);\n# review each before trusting any money figure.\n")


def scenario_yaml(scenario: Scenario) -> str:
    """The imported scenario as YAML, headed by how many placeholders it holds."""
    from riskmodel.files.scenario_yaml import scenario_to_yaml

    text = scenario_to_yaml(scenario)
    count = len(placeholders(scenario))
    return (PLACEHOLDER_HEADER.format(count=count) if count else "") + text


PARALLEL_EVIDENCE_ITEMS = 5_000
"""From this many conditions and events on, the evidence file is written by a forked child while
the scenario's YAML is made (:mod:`riskmodel.files.aside`); below, the fork is not worth it."""


def import_scenario(dump: ClusterDump, name: str, output: Path, defaults: ServiceDefaults | None = None,
                    strict: bool = False) -> tuple[Scenario, Path]:
    """Build the scenario, write its evidence next to it and link it; returns both."""
    from riskmodel.files.aside import done_aside
    from riskmodel.sources.evidence_file import write_evidence
    from riskmodel.sources.topology import dump_to_scenario

    scenario = dump_to_scenario(dump, name, defaults, strict)
    evidence_path = output.with_name(f"{output.stem}.evidence.json")
    items = len(dump.evidence.conditions) + len(dump.evidence.events)
    with done_aside(lambda: write_evidence(dump.evidence, evidence_path),
                    parallel=items >= PARALLEL_EVIDENCE_ITEMS) as evidence_written:
        scenario = scenario.model_copy(update={"evidence": (evidence_path.name,)})
        try:
            text = scenario_yaml(scenario)
        finally:
            evidence_written()  # its error first, as when the evidence was written before the YAML was made
    output.write_text(text, encoding="utf-8")
    return scenario, evidence_path


def import_report(dump: ClusterDump, scenario: Scenario, output: Path, evidence: Path) -> dict[str, Any]:
    """What ``import --format json`` prints: every object accounted for, notes and placeholders."""
    summary = dump.accounting.summary()
    return {
        "scenario": str(output), "evidence": str(evidence),
        "read": summary.read, "used": summary.used,
        "skipped": [asdict(skip) for skip in summary.skipped],
        "nodes": len(scenario.nodes), "nodes_down_now": sum(n.down_now for n in scenario.nodes),
        "workloads": len(scenario.workloads), "services": len(scenario.services),
        "observed_at": scenario.observed_at,
        "notes": dump.notes + list(dump.evidence.skipped),
        "placeholders": [p.field_path for p in placeholders(scenario)],
    }


def _print_import(report: dict[str, Any], name: str) -> None:
    print(f"scenario {name!r} written to {report['scenario']} (evidence: {report['evidence']}): "
          f"{report['nodes']} nodes ({report['nodes_down_now']} down now), {report['workloads']} workloads, "
          f"{report['services']} services")
    if not report["nodes"]:
        print("  warning: no nodes in the sources; node and zone failures cannot be modelled "
              "(add kubectl get nodes -o json)")
    print(f"  {'kind':<28} {'read':>6} {'used':>6} {'skipped':>8}")
    for kind, read in report["read"].items():
        used = report["used"][kind]
        print(terminal_text(f"  {kind:<28} {read:>6} {used:>6} {read - used:>8}"))
    grouped: dict[tuple[str, str], list[str]] = {}
    for skip in report["skipped"]:
        grouped.setdefault((skip["kind"], skip["reason"]), []).append(skip["name"])
    for (kind, reason), names in grouped.items():
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        print(terminal_text(f"  skipped {len(names)} {kind}: {reason} ({shown})"))
    for line in report["notes"]:
        print(terminal_text(f"  note: {line}"))
    if report["placeholders"]:
        print(f"  not yet reviewed ({len(report['placeholders'])}): {', '.join(report['placeholders'][:8])}"
              + (", …" if len(report["placeholders"]) > 8 else ""))


def cmd_import(args: argparse.Namespace) -> int:
    """Write a scenario (and its evidence) from the real objects of the sources."""
    from riskmodel.files.loader import parse_model

    defaults = parse_model(ServiceDefaults, Path(args.defaults))[0] if args.defaults else None
    dump = read_sources(args.source, strict=args.strict)
    output = Path(args.output)
    scenario, evidence = import_scenario(dump, args.name, output, defaults, args.strict)
    report = import_report(dump, scenario, output, evidence)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        _print_import(report, args.name)
    return 0


def evidence_summary(dump: ClusterDump) -> dict[str, Any]:
    """What the evidence says, per node: problems now, event reasons with counts, metrics."""
    from riskmodel.engine.likelihood import blind_spot_nodes

    evidence = dump.evidence
    nodes: dict[str, dict[str, Any]] = {}
    for condition in evidence.conditions:
        entry = nodes.setdefault(condition.node, {"problems": [], "events": Counter()})
        if condition.is_problem:
            entry["problems"].append(f"{condition.type}={condition.status}")
    for event in evidence.events:
        nodes.setdefault(event.node, {"problems": [], "events": Counter()})["events"][event.reason] += event.count
    return {
        "sources": list(evidence.sources),
        "observed_at": evidence.observed_at.isoformat() if evidence.observed_at else None,
        "nodes": {n: {"problems": e["problems"], "events": dict(e["events"])} for n, e in sorted(nodes.items())},
        "npd_blind_spots": sorted(blind_spot_nodes(nodes, evidence)),
        "metrics": len(evidence.metrics),
        "skipped": dump.skipped,
        "notes": dump.notes,
    }


def cmd_evidence(args: argparse.Namespace) -> int:
    """Print what the sources say about node health."""
    summary = evidence_summary(read_sources(args.source))
    if args.format == "json":
        print(json.dumps(summary, indent=2))
        return 0
    print(f"sources: {', '.join(summary['sources'])}; observed at {summary['observed_at']}")
    print(f"{'node':<40} {'problems now':<40} events (reason×count)")
    for node, entry in summary["nodes"].items():
        events = ", ".join(f"{r}×{c}" for r, c in sorted(entry["events"].items()))
        print(f"{node:<40} {', '.join(entry['problems']) or '-':<40} {events or '-'}")
    print(f"no node-problem-detector condition (blind spots): {', '.join(summary['npd_blind_spots']) or 'none'}")
    for line in summary["skipped"] + summary["notes"]:
        print(f"note: {line}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``snapshot``, ``import`` and ``evidence`` to the CLI."""
    source_help = "repeatable: file:DIR_OR_FILE, kube[:CONTEXT], prometheus:URL, heapster:FILE, logs:PATH"
    snap = subparsers.add_parser("snapshot", help="save a live cluster read for offline review")
    snap.add_argument("--source", action="append", required=True, help="kube[:CONTEXT]")
    snap.add_argument("--output", required=True, help="snapshot folder (replaced only after a good read)")
    snap.set_defaults(handler=cmd_snapshot)
    imp = subparsers.add_parser("import", help="write a scenario from real cluster objects")
    imp.add_argument("--source", action="append", required=True, help=source_help)
    imp.add_argument("--output", required=True, help="scenario YAML to write")
    imp.add_argument("--name", default="imported", help="scenario name")
    imp.add_argument("--defaults", metavar="FILE", help="YAML rules giving cost and SLO per namespace or name pattern")
    imp.add_argument("--strict", action="store_true", help="fail on the first bad file or annotation (for CI)")
    imp.add_argument("--format", choices=("table", "json"), default="table")
    imp.set_defaults(handler=cmd_import)
    ev = subparsers.add_parser("evidence", help="summarise node conditions, events and metrics")
    ev.add_argument("--source", action="append", required=True, help=source_help)
    ev.add_argument("--format", choices=("table", "json"), default="table")
    ev.set_defaults(handler=cmd_evidence)
