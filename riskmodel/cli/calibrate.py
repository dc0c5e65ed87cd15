"""``calibrate``: fit the catalog's node failure rates and repair times to a fleet's history.

``--source NAME=URI`` names the cluster a read belongs to (several reads of one cluster:
snapshots over time); a bare ``URI`` is a cluster of its own. Writes a catalog overlay that a
scenario names under ``catalog_overlays:`` or ``rank --overlay`` applies, and prints prior
against posterior for every mode with evidence.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from riskmodel.engine.calibration import ClusterHistory, calibrate, calibration_overlay, observation_years
from riskmodel.errors import InputError
from riskmodel.files.loader import SHIPPED_CATALOGS, load_catalog
from riskmodel.files.overlay_file import overlay_to_yaml
from riskmodel.model.evidence import Evidence
from riskmodel.report.calibration_report import calibration_json, calibration_lines
from riskmodel.sources.registry import read_source


def cluster_of(argument: str) -> tuple[str, str]:
    """``prod=file:snap/`` → (``prod``, ``file:snap/``); ``file:snap/`` → (``file:snap/``, same)."""
    name, equals, rest = argument.partition("=")
    if equals and name and ":" not in name:
        if not rest:
            raise InputError("--source", f"expected NAME=URI such as prod=file:snapshots/prod, got {argument!r}")
        return name, rest
    return argument, argument


def read_clusters(arguments: list[str], event_ttl_hours: float | None) -> tuple[list[ClusterHistory], list[str]]:
    """Every source read, grouped into clusters by name (in the order first named)."""
    reads: dict[str, list[Evidence]] = {}
    nodes: dict[str, set[str]] = {}
    notes: list[str] = []
    for argument in arguments:
        name, uri = cluster_of(argument)
        dump = read_source(uri)
        evidence = dump.evidence
        reads.setdefault(name, []).append(evidence)
        nodes.setdefault(name, set()).update({n.name for n in dump.nodes} | {c.node for c in evidence.conditions}
                                             | {e.node for e in evidence.events})
        if dump.skipped:
            notes.append(f"{uri}: the reader skipped {len(dump.skipped)} item(s) (calibrate reads nodes and "
                         f"events only; `evidence --source {uri}` lists them)")
    clusters = [ClusterHistory(name, tuple(evidence), frozenset(nodes[name]), observation_years(evidence, event_ttl_hours))
                for name, evidence in reads.items()]
    return clusters, notes


def cmd_calibrate(args: argparse.Namespace) -> int:
    catalog, _ = load_catalog([Path(p) for p in args.catalog] if args.catalog else [SHIPPED_CATALOGS])
    clusters, notes = read_clusters(args.source, args.event_ttl_hours)
    calibration = calibrate(catalog, clusters, args.min_episodes, notes)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    overlay = calibration_overlay(calibration, args.name, stamp,
                                  f"Fitted by calibrate from {len(clusters)} clusters ({len(args.source)} reads).")
    header = (f"Catalog overlay written by riskmodel calibrate on {stamp}: {len(overlay.failure_modes)} failure modes\n"
              "Name it in a scenario under catalog_overlays: or pass rank --overlay FILE.")
    Path(args.output).write_text(overlay_to_yaml(overlay, header), encoding="utf-8")
    if args.format == "json":
        print(json.dumps({**calibration_json(calibration), "overlay": str(args.output)}, indent=2, default=str))
    else:
        print("\n".join(calibration_lines(calibration)))
        print(f"overlay written to {args.output}: {len(overlay.failure_modes)} failure modes")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("calibrate", help="fit node failure rates and repair times to a fleet's history")
    parser.add_argument("--source", action="append", required=True, metavar="[CLUSTER=]URI",
                        help="a read of a cluster (file:DIR, kube:CONTEXT, prometheus:URL, …); repeat, and name "
                             "the cluster (CLUSTER=URI) to give several reads of one cluster")
    parser.add_argument("--output", required=True, metavar="OVERLAY.yaml", help="the catalog overlay to write")
    parser.add_argument("--catalog", action="append", metavar="PATH", help="catalogs to fit (default: the shipped ones)")
    parser.add_argument("--event-ttl-hours", type=float, metavar="HOURS",
                        help="how long the API server keeps events (--event-ttl; default 1): each read's events "
                             "then cover that long, else they start at the earliest event")
    parser.add_argument("--min-episodes", type=int, default=3, metavar="N",
                        help="episodes needed before fitted detect/repair minutes replace the catalog's (default 3)")
    parser.add_argument("--name", default="calibration", help="the overlay's name (an identifier)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(handler=cmd_calibrate)
