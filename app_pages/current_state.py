"""Small, self-contained blocks about the cluster's current state, for the pages to place.

Each function draws one block from the analysis (no number is computed here): the banner of
values not yet reviewed, the table of what is broken now, and the configuration findings.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.analysis import Analysis

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
    st.dataframe(pd.DataFrame([{"problem": p.kind.replace("_", " "), "name": p.name, "cost $/h": p.cost_per_hour,
                                "detail": p.detail} for p in problems]),
                 hide_index=True, width="stretch", key="current_problems_table",
                 column_config=ui.number_columns(**{"cost $/h": "money"}))


def findings_table(analysis: Analysis) -> None:
    """Configuration findings ranked by the expected annual loss their fix removes."""
    if not analysis.findings:
        return
    st.subheader("Configuration findings")
    st.dataframe(pd.DataFrame([{"finding": f.kind.replace("_", " "), "workload": f.workload,
                                "EAL ($/yr)": f.eal_per_year, "fixed by": ", ".join(f.fixed_by), "detail": f.detail}
                               for f in analysis.findings]),
                 hide_index=True, width="stretch", key="findings_table",
                 column_config=ui.number_columns(**{"EAL ($/yr)": "money"}))
