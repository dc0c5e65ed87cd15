"""The accepted-risk ledger in the app: reopened acceptances at the top of the Review page and the
Overview, the form that accepts a risk with a ceiling, and the ledger table.

Every value comes from ``riskmodel.review.ledger`` (the rule) and ``riskmodel.report.ledger_view``
(the words); the page only wires widgets to them.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from app_pages import ui
from riskmodel.errors import RiskModelError
from riskmodel.report.analysis import Analysis
from riskmodel.report.ledger_view import CEILING_LABELS, LEDGER_HEADER, accepted_risks, ceiling_text, ledger_cells
from riskmodel.report.ledger_view import value_text as ledger_value
from riskmodel.review.ledger import Ceiling, Ledger, RiskMeter
from riskmodel.review.ledger_check import accept_with_ceiling, check_ledger, today_utc
from riskmodel.review.records import ReviewStoreError


def current_ledger(analysis: Analysis) -> Ledger | None:
    """The open session's ledger on its analysis now (new reopenings are recorded); None without a
    session. When the reopenings cannot be recorded (a full disk, a read-only file system) the
    page says so and shows the ledger as it stands, unrecorded."""
    current = ui.session_id()
    if current is None:
        return None
    try:
        return check_ledger(ui.store(), current, analysis.model)
    except ReviewStoreError as error:
        st.warning("The review database could not record the reopened acceptances; they are shown, not "
                   "recorded.\n\n" + ui.markdown_text(str(error)), icon=":material/database:")
        return check_ledger(ui.store(), current, analysis.model, record=False)


def reopened_banner(analysis: Analysis) -> None:
    """Acceptances the analysis reopened: first thing a session shows, until accepted again or decided otherwise."""
    ledger = current_ledger(analysis)
    if ledger is None or not ledger.reopened:
        return
    lines = []
    for row in accepted_risks(Ledger(ledger.reopened)):
        cells = dict(zip(LEDGER_HEADER, ledger_cells(row), strict=True))
        lines.append(f"- **{cells['Risk']}** ({cells['Why']}): accepted by {ui.markdown_text(row.owner)} "
                     f"until {cells['Expires']} within {cells['Ceiling']}; now {cells['Now']}")
    st.error(f"Reopened acceptances ({len(lines)}): decide on them again.\n\n" + "\n".join(lines))


def _accept(analysis: Analysis) -> None:
    state = st.session_state
    kind = state["accept_kind"]
    typed = state.get("accept_ceiling")
    if typed is None:
        state["accept_problem"] = "Type the ceiling first."
        return
    ceiling = Ceiling(kind, float(typed) / 100 if kind == "budget_share" else float(typed))
    try:
        accepted = accept_with_ceiling(ui.store(), ui.ensure_session(), analysis.model, state["accept_mode"],
                                       state.get("accept_owner", ""), state.get("accept_reason", ""),
                                       state["accept_expires"], ceiling, ui.reviewer())
    except RiskModelError as error:
        state["accept_problem"] = f"Not accepted: {error}"
        return
    ui.toast_later(f"Accepted: {accepted.failure_mode_id} until {accepted.expires_on:%Y-%m-%d} within "
                   f"{ceiling_text(accepted.ceiling)}")


def ledger_section(analysis: Analysis) -> None:
    """The ledger table and the accept form."""
    ledger = current_ledger(analysis)
    rows = accepted_risks(ledger) if ledger else ()
    st.subheader(f"Accepted risks ({len(rows)})")
    if rows:
        ui.table([dict(zip(LEDGER_HEADER, ledger_cells(row), strict=True)) for row in rows], key="ledger_table")
    modes = [m.failure_mode_id for m in analysis.register.failure_modes]
    with st.form("accept_form"):
        st.caption("Accept a risk: who owns it, why, until when, and the ceiling it must stay within. A later "
                   "analysis (new snapshot, evidence or edit) over the ceiling, or the date passing, reopens it.")
        st.selectbox("Failure mode", modes, key="accept_mode")
        columns = st.columns(2)
        columns[0].text_input("Owner", key="accept_owner")
        columns[1].date_input("Expires", value=today_utc() + timedelta(days=90), key="accept_expires")
        st.text_input("Reason", key="accept_reason")
        st.radio("Ceiling", list(CEILING_LABELS), format_func=CEILING_LABELS.__getitem__, horizontal=True,
                 key="accept_kind")
        st.number_input("Ceiling value (percent of the budget, or dollars a year)", min_value=0.0, value=None,
                        format="%g", key="accept_ceiling")
        st.form_submit_button("Accept with this ceiling", on_click=_accept, args=(analysis,), key="accept_submit")
    chosen, kind = st.session_state.get("accept_mode"), st.session_state.get("accept_kind", "budget_share")
    measured = RiskMeter(analysis.model).measure(chosen, None, kind) if chosen else None
    if measured is not None:
        st.caption(f"{chosen} now: {ledger_value(kind, measured.value)}"
                   + (f" of {measured.service}'s error budget" if measured.service else ""))
    problem = st.session_state.pop("accept_problem", None)
    if problem:
        st.error(ui.markdown_text(str(problem)))
