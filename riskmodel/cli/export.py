"""``export``: write a mitigation plan (Markdown, HTML, CSV or JSON) without the app."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmodel.cli import arguments
from riskmodel.files.reading import write_text
from riskmodel.report.document import document_for_session
from riskmodel.report.export import FORMATS, RENDERERS, to_html
from riskmodel.review.store import ReviewStore
from riskmodel.sources.scenario import load_scenario


def cmd_export(args: argparse.Namespace) -> int:
    loaded = load_scenario(Path(args.scenario))
    store = ReviewStore(args.db) if args.session else None
    document, analysis = document_for_session(loaded, store, args.session, args.budget)
    text = to_html(document, analysis.planner.frontier()) if args.format == "html" else RENDERERS[args.format](document)
    write_text(args.output, text)
    print(f"wrote {args.output}: {len(document.measures)} measures, EAL {document.eal_before:,.0f} → "
          f"{document.eal_after:,.0f} $/year")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write the mitigation plan as md, html, csv or json")
    export.add_argument("scenario", metavar="SCENARIO")
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--output", required=True, metavar="FILE")
    export.add_argument("--budget", type=arguments.budget_dollars, default=None, metavar="AMOUNT",
                        help="annual budget for the proposed plan when no measure is approved")
    export.add_argument("--session", default=None, metavar="ID", help="a stored review session")
    export.add_argument("--db", default=None, metavar="PATH", help="review database (default: user data dir)")
    export.set_defaults(handler=cmd_export)
