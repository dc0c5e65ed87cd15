"""CLI commands over the sources: ``snapshot``, ``import`` and ``evidence``.

``--source`` is repeatable (``file:DIR``, ``kube[:CONTEXT]``, ``prometheus:URL``,
``heapster:FILE``), like Heapster's ``--sink``. Handlers return an exit code; bad input and
unreachable sources raise the RiskModelError family, which the CLI prints (exit 2).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from riskmodel.engine.likelihood import blind_spot_nodes
from riskmodel.errors import InputError
from riskmodel.sources.dump import ClusterDump
from riskmodel.sources.registry import read_sources, split_uri

PLACEHOLDER_COMMENT = "  # TO REVIEW: placeholder cost_per_hour and slo, not read from the cluster"


def cmd_snapshot(args: argparse.Namespace) -> int:
    """Read live clusters and save them in the file form; a failed read keeps the old snapshot."""
    from riskmodel.sources import kube
    from riskmodel.sources.snapshot import write_snapshot

    if len(args.source) != 1 or split_uri(args.source[0])[0] != "kube":
        raise InputError("--source", "snapshot reads exactly one live cluster: --source kube[:CONTEXT]")
    context = split_uri(args.source[0])[1] or None
    lists = kube.fetch_lists(context)
    dump = kube.parse_lists(lists, args.source[0])  # parse first: never save what cannot be read back
    out = write_snapshot(lists, args.source[0], Path(args.output), dump)
    counts = ", ".join(f"{len(data['items'])} {plural}" for plural, data in lists.items())
    print(f"snapshot written to {out}: {counts}")
    return 0


def scenario_yaml(dump: ClusterDump, name: str) -> str:
    """The imported scenario as YAML, each placeholder service flagged by a comment."""
    from riskmodel.files.scenario_yaml import scenario_to_yaml
    from riskmodel.sources.topology import dump_to_scenario

    if not dump.nodes:
        raise InputError("--source", "no nodes in the sources; import needs at least the nodes of the cluster")
    text = scenario_to_yaml(dump_to_scenario(dump, name))
    lines = []
    for line in text.splitlines():
        if line.startswith("services:"):
            lines.append("# Services below are one per Deployment/StatefulSet with PLACEHOLDER costs and SLOs;")
            lines.append("# review each (review_placeholder: true) before trusting any money figure.")
        lines.append(line + PLACEHOLDER_COMMENT if line.strip() == "review_placeholder: true" else line)
    return "\n".join(lines) + "\n"


def cmd_import(args: argparse.Namespace) -> int:
    """Write a scenario from the real objects of the sources."""
    dump = read_sources(args.source)
    text = scenario_yaml(dump, args.name)
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"scenario {args.name!r} written to {args.output}: {len(dump.nodes)} nodes, {len(dump.pods)} pods read")
    for line in dump.skipped + dump.notes:
        print(f"  note: {line}")
    return 0


def evidence_summary(dump: ClusterDump) -> dict[str, Any]:
    """What the evidence says, per node: problems now, event reasons with counts, metrics."""
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
    source_help = "repeatable: file:DIR_OR_FILE, kube[:CONTEXT], prometheus:URL, heapster:FILE"
    snap = subparsers.add_parser("snapshot", help="save a live cluster read for offline review")
    snap.add_argument("--source", action="append", required=True, help="kube[:CONTEXT]")
    snap.add_argument("--output", required=True, help="snapshot folder (replaced only after a good read)")
    snap.set_defaults(handler=cmd_snapshot)
    imp = subparsers.add_parser("import", help="write a scenario from real cluster objects")
    imp.add_argument("--source", action="append", required=True, help=source_help)
    imp.add_argument("--output", required=True, help="scenario YAML to write")
    imp.add_argument("--name", default="imported", help="scenario name")
    imp.set_defaults(handler=cmd_import)
    ev = subparsers.add_parser("evidence", help="summarise node conditions, events and metrics")
    ev.add_argument("--source", action="append", required=True, help=source_help)
    ev.add_argument("--format", choices=("table", "json"), default="table")
    ev.set_defaults(handler=cmd_evidence)
