"""Small, self-contained blocks about the cluster's current state, for the pages to place.

Each function draws one block from the analysis (no number is computed here): the banner of
values not yet reviewed, the table of what is broken now, and the configuration findings.
"""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from riskmodel.report.analysis import Analysis
from riskmodel.report.formatting import money

SHOWN_PLACEHOLDERS = 8


def placeholder_banner(analysis: Analysis) -> None:
    """A banner naming the placeholder values, until a reviewer edits them."""
    pending = analysis.placeholders
    if not pending:
        return
    names = ", ".join(f"`{p.field_path}`" for p in pending[:SHOWN_PLACEHOLDERS])
    more = f" and {len(pending) - SHOWN_PLACEHOLDERS} more" if len(pending) > SHOWN_PLACEHOLDERS else ""
    st.warning(f"**{len(pending)} values are placeholders, not yet reviewed:** {names}{more}. "
               "Money figures rest on them until a reviewer edits them (Risk register → Edit a number).")


def current_problems_table(analysis: Analysis) -> None:
    """What is broken now, most expensive first; each cost is what fixing that problem alone saves."""
    problems = analysis.current_problems
    if not problems:
        return
    st.subheader(f"Broken now · {len(problems)} problems")
    ui.table([{"Problem": p.kind.replace("_", " "), "Name": p.name, "Cost now ($/h)": p.cost_per_hour,
               "Detail": p.detail} for p in problems], {"Cost now ($/h)": money}, key="current_problems_table")


def findings_table(analysis: Analysis) -> None:
    """Configuration findings ranked by the expected annual loss their fix removes."""
    if not analysis.findings:
        return
    st.subheader("Configuration findings")
    ui.table([{"Finding": f.kind.replace("_", " "), "Workload": f.workload, "EAL ($/yr)": f.eal_per_year,
               "Fixed by": ", ".join(f.fixed_by), "Detail": f.detail} for f in analysis.findings],
             {"EAL ($/yr)": money}, key="findings_table")
