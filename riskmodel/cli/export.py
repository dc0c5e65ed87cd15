"""``export``: write a mitigation plan (Markdown, HTML, PDF, CSV or JSON) without the app."""

from __future__ import annotations

import argparse
from pathlib import Path

from riskmodel.cli import arguments
from riskmodel.files.reading import write_bytes
from riskmodel.report.document import document_for_session
from riskmodel.report.export import FORMATS, render
from riskmodel.report.formatting import money_per_year
from riskmodel.review.store import REVIEW_DB_VARIABLE, ReviewStore
from riskmodel.sources.scenario import load_scenario


def cmd_export(args: argparse.Namespace) -> int:
    loaded = load_scenario(Path(args.scenario))
    store = ReviewStore(args.db) if args.session else None
    document, analysis, _ = document_for_session(loaded, store, args.session, args.budget)
    write_bytes(args.output, render(document, args.format, analysis.planner.frontier()))
    print(f"wrote {args.output}: {len(document.measures)} measures, expected annual loss "
          f"{money_per_year(document.eal_before)} → {money_per_year(document.eal_after)}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="write the mitigation plan as md, html, pdf, csv or json")
    export.add_argument("scenario", metavar="SCENARIO")
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--output", required=True, metavar="FILE")
    export.add_argument("--budget", type=arguments.budget_dollars, default=None, metavar="AMOUNT",
                        help="annual budget in dollars (replaces the session's; default: the session's, or every "
                             "measure that pays for itself)")
    export.add_argument("--session", default=None, metavar="ID", help="a stored review session: its edits, "
                        "decisions and working plan")
    export.add_argument("--db", default=None, metavar="PATH",
                        help=f"review database (default: ${REVIEW_DB_VARIABLE}, else the user data dir)")
    export.set_defaults(handler=cmd_export)
