"""``ledger SCENARIO --session ID``: the accepted risks and whether they still hold; exit 1 when any is reopened.

The session's edits are applied to today's scenario, catalogs and evidence (as the app does),
so a new snapshot, new evidence or an edit that pushes an accepted risk over its ceiling, or
an expiry date that passed, reopens it. Reopenings are recorded in the review database
(history), unless ``--no-record``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

from riskmodel.errors import InputError
from riskmodel.report.analysis import analyse
from riskmodel.report.ledger_view import ledger_lines
from riskmodel.review.ledger_check import check_ledger
from riskmodel.review.store import REVIEW_DB_VARIABLE, ReviewStore
from riskmodel.sources.scenario import load_scenario

EXIT_REOPENED = 1


def parse_day(text: str | None) -> date | None:
    """``--today`` as a date (None: today in UTC)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--today", f"expected an ISO date YYYY-MM-DD, got {text!r}") from None


def cmd_ledger(args: argparse.Namespace) -> int:
    store = ReviewStore(args.db)
    edits = store.edits(args.session)
    analysis = analyse(load_scenario(Path(args.scenario)), edits)
    ledger = check_ledger(store, args.session, analysis.model, parse_day(args.today), record=not args.no_record)
    if args.format == "json":
        print(json.dumps({"session": args.session, "reopened": len(ledger.reopened),
                          "entries": [{**asdict(e), "status": e.status} for e in ledger.entries]},
                         indent=2, default=str))
    else:
        session = store.get_session(args.session)
        print(f"Accepted risks of {session.scenario_name} (session “{session.name}”, {session.id}): "
              f"{len(ledger.entries)}, {len(ledger.reopened)} reopened, {len(ledger.holding)} holding")
        if ledger.entries:
            print("\n".join(ledger_lines(ledger)))
    return EXIT_REOPENED if ledger.reopened else 0


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("ledger", help="accepted risks of a review session; exit 1 when one is reopened")
    parser.add_argument("scenario", metavar="SCENARIO")
    parser.add_argument("--session", required=True, metavar="ID", help="the review session (its edits apply)")
    parser.add_argument("--db", default=None, metavar="PATH",
                        help=f"the review database (default: ${REVIEW_DB_VARIABLE}, else the user data dir)")
    parser.add_argument("--today", default=None, metavar="YYYY-MM-DD", help="check expiry dates as of this day")
    parser.add_argument("--no-record", action="store_true", help="do not record the reopenings found")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(handler=cmd_ledger)
