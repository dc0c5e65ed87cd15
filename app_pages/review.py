"""Review: the session record (edits, decisions), exports of the plan in force, sessions and their differences."""

import streamlit as st

from app_pages import ledger_block, ui
from riskmodel.report.compare import session_differences
from riskmodel.report.document import document_for_session, with_uncertainty
from riskmodel.report.export import FORMATS, MEDIA_TYPES, render
from riskmodel.report.formatting import edit_text, money_per_year, signed_money
from riskmodel.review.store import RISK_DECISIONS, inputs_hash

analysis = ui.require_analysis()
store = ui.store()
st.title("Review session")

current = ui.session_id()
if current is None:
    st.info("No review session is open: the numbers are read-only. Start one to record edits and decisions; "
            "it takes over the plan you are working on.")
    if st.button("Start a review session", key="start_session"):
        ui.ensure_session()
        st.rerun()
    st.stop()

session = store.get_session(current)
st.markdown(f"**{ui.markdown_text(session.name)}** · opened {session.created_at:%Y-%m-%d %H:%M} UTC by "
            f"{ui.markdown_text(session.created_by)} · "
            f"`{session.id}`" + (f" · duplicated from `{session.parent_id}`" if session.parent_id else ""))
if session.inputs_hash != inputs_hash(ui.base().input_hashes):
    st.warning("The scenario, catalogs or evidence changed since this session was opened: its numbers are "
               "recomputed on today's inputs.")
ledger_block.reopened_banner(analysis)


def _decide_risk() -> None:
    due = st.session_state.get("risk_due")
    store.decide_risk(current, st.session_state["risk_id"], st.session_state["risk_decision"],
                      st.session_state.get("risk_owner", ""), due.isoformat() if due else None,
                      st.session_state.get("risk_note", ""), ui.reviewer())
    ui.toast_later(f"Decision recorded: {st.session_state['risk_id']} · {st.session_state['risk_decision']}")


st.subheader("Decide on a risk")
with st.form("risk_decision_form"):
    st.selectbox("Failure mode", [m.failure_mode_id for m in analysis.register.failure_modes], key="risk_id")
    st.radio("Decision", RISK_DECISIONS, horizontal=True, key="risk_decision")
    st.text_input("Owner", key="risk_owner")
    st.date_input("Due", value=None, key="risk_due")
    st.text_input("Note", key="risk_note")
    st.form_submit_button("Record decision", on_click=_decide_risk)

decisions = store.risk_decisions(current) + store.measure_decisions(current)
st.subheader(f"Decisions ({len(decisions)})")
ui.table([{"On": d.item_kind, "Item": d.item_id, "Decision": d.decision, "Owner": d.owner,
           "Due": d.due_date.isoformat() if d.due_date else "—", "Note": d.note, "Who": d.who,
           "When (UTC)": f"{d.at:%Y-%m-%d %H:%M}"} for d in decisions], key="decisions_table")
ledger_block.ledger_section(analysis)
edits = store.edits(current)
scopes = {m.id: m.scope for m in analysis.loaded.catalog.failure_modes}
st.subheader(f"Edits ({len(edits)})")
ui.table([{"What": f"{e.target_kind} {e.target_id} · {e.field}",
           "Change": edit_text(e, scopes.get(e.target_id) if e.target_kind == "failure_mode" else None),
           "Who": e.who, "When (UTC)": f"{e.at:%Y-%m-%d %H:%M}", "Why": e.why} for e in edits], key="edits_table")

st.subheader("Export the plan in force")
document, planned, view = document_for_session(ui.base(), store, current, analysis=analysis,
                                               working=ui.working_plan())
frontier = planned.planner.frontier()
columns = st.columns(len(FORMATS))
for column, fmt in zip(columns, FORMATS, strict=True):
    column.download_button(f"Download {fmt.upper()}",
                           lambda fmt=fmt: render(with_uncertainty(document, planned, view, ui.APP_DRAWS), fmt, frontier),
                           file_name=f"plan-{session.scenario_name}.{fmt}", mime=MEDIA_TYPES[fmt],
                           key=f"export_{fmt}", width="stretch", on_click="ignore")
st.caption(f"{len(document.measures)} measures · expected annual loss {money_per_year(document.eal_before)} → "
           f"{money_per_year(document.eal_after)} · "
           f"{'proposed (nothing approved yet)' if document.proposed else 'with approved measures'}")

st.subheader("Sessions")
sessions = store.list_sessions()
ui.table([{"Name": s.session.name, "Opened (UTC)": f"{s.session.created_at:%Y-%m-%d %H:%M}", "By": s.session.created_by,
           "Edits": s.edit_count, "Decisions": s.decision_count, "Id": s.session.id} for s in sessions],
         key="sessions_table")
if st.button("Duplicate this session", key="duplicate"):
    copy = store.duplicate_session(current, f"{session.name} (copy)", ui.reviewer())
    st.session_state["session_id"] = copy.id
    st.rerun()
others = [s.session for s in sessions if s.session.id != current]
if others:
    other = st.selectbox("Compare with", others, format_func=lambda s: f"{s.name} · {s.id[:8]}", key="compare_with")
    theirs, their_plan = ui.analysis(other.id), ui.plan_view(other.id)
    st.metric("EAL in this session vs the other", money_per_year(analysis.register.eal_per_year),
              delta=f"{signed_money(analysis.register.eal_per_year - theirs.register.eal_per_year)}/yr",
              delta_color="inverse")
    rows = session_differences(store.compare_sessions(current, other.id), analysis, theirs, view, their_plan)
    if rows:
        ui.table([{"What": r.kind, "Item": r.item, "This session": r.here, f"Other: {other.name}": r.there,
                   "Difference ($/yr)": r.delta} for r in rows],
                 {"Difference ($/yr)": lambda v: "" if v is None or v != v else signed_money(v)},
                 key="differences_table")
    else:
        st.info("The two sessions agree: same inputs, edits, decisions and plan.")
