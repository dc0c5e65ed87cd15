"""Review: the session record (edits, decisions), sessions list and comparison, exports."""

import pandas as pd
import streamlit as st

from app_pages import ui
from riskmodel.report.document import document_for_session
from riskmodel.report.export import RENDERERS, to_html
from riskmodel.review.store import RISK_DECISIONS, inputs_hash

analysis = ui.require_analysis()
store = ui.store()
st.title("Review session")

current = ui.session_id()
if current is None:
    st.info("No review session is open: the numbers are read-only. Start one to record edits and decisions.")
    if st.button("Start a review session", key="start_session"):
        ui.ensure_session()
        st.rerun()
    st.stop()

session = store.get_session(current)
st.markdown(f"**{session.name}** · opened {session.created_at:%Y-%m-%d %H:%M} UTC by {session.created_by} · "
            f"`{session.id}`" + (f" · duplicated from `{session.parent_id}`" if session.parent_id else ""))
if session.inputs_hash != inputs_hash(ui.base().input_hashes):
    st.warning("The scenario, catalogs or evidence changed since this session was opened: its numbers are "
               "recomputed on today's inputs.")

st.subheader("Decide on a risk")
with st.form("risk_decision"):
    risk = st.selectbox("Failure mode", [m.failure_mode_id for m in analysis.register.failure_modes], key="risk_id")
    decision = st.radio("Decision", RISK_DECISIONS, horizontal=True, key="risk_decision")
    owner = st.text_input("Owner", key="risk_owner")
    due = st.date_input("Due", value=None, key="risk_due")
    note = st.text_input("Note", key="risk_note")
    if st.form_submit_button("Record decision"):
        store.decide_risk(current, risk, decision, owner, due.isoformat() if due else None, note, ui.reviewer())
        st.rerun()

decisions = store.risk_decisions(current) + store.measure_decisions(current)
st.subheader(f"Decisions ({len(decisions)})")
st.dataframe(pd.DataFrame([{"on": d.item_kind, "item": d.item_id, "decision": d.decision, "owner": d.owner,
                            "due": d.due_date, "note": d.note, "who": d.who, "when": d.at} for d in decisions]),
             hide_index=True, width="stretch", key="decisions_table")
edits = store.edits(current)
st.subheader(f"Edits ({len(edits)})")
st.dataframe(pd.DataFrame([{"what": f"{e.target_kind} {e.target_id}.{e.field}", "old": str(e.old_value),
                            "new": str(e.new_value), "who": e.who, "when": e.at, "why": e.why} for e in edits]),
             hide_index=True, width="stretch")

st.subheader("Export the plan")
document, planned = document_for_session(ui.base(), store, current, st.session_state.get("budget"), analysis)
columns = st.columns(4)
for column, (fmt, render) in zip(columns, RENDERERS.items(), strict=True):
    text = to_html(document, planned.planner.frontier()) if fmt == "html" else render(document)
    column.download_button(f"Download {fmt.upper()}", text, file_name=f"plan-{session.scenario_name}.{fmt}",
                           key=f"export_{fmt}", width="stretch")
st.caption(f"{len(document.measures)} measures · EAL {ui.money(document.eal_before)} → {ui.money(document.eal_after)}"
           f" per year · {'proposed (nothing approved yet)' if document.proposed else 'approved'}")

st.subheader("Sessions")
sessions = store.list_sessions()
st.dataframe(pd.DataFrame([{"name": s.session.name, "opened": s.session.created_at, "by": s.session.created_by,
                            "edits": s.edit_count, "decisions": s.decision_count, "id": s.session.id}
                           for s in sessions]), hide_index=True, width="stretch", key="sessions_table")
if st.button("Duplicate this session", key="duplicate"):
    copy = store.duplicate_session(current, f"{session.name} (copy)", ui.reviewer())
    st.session_state["session_id"] = copy.id
    st.rerun()
others = [s.session for s in sessions if s.session.id != current]
if others:
    other = st.selectbox("Compare with", others, format_func=lambda s: f"{s.name} · {s.id[:8]}", key="compare_with")
    comparison = store.compare_sessions(current, other.id)
    theirs = ui.analysis(other.id).register.eal_per_year
    st.metric("EAL in this session vs the other", ui.money(document.eal_before),
              delta=ui.money(document.eal_before - theirs), delta_color="inverse")
    st.write({"inputs that differ": list(comparison.inputs_changed),
              "edits only here": [".".join(k) for k in comparison.edits_only_a],
              "edits only there": [".".join(k) for k in comparison.edits_only_b],
              "edits with other values": [".".join(k) for k in comparison.edits_differ],
              "decisions that differ": [":".join(k) for k in comparison.decisions_differ]})
