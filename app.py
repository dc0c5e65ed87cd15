"""Reliability risk workbench: navigation and the sidebar that picks scenario and review."""

from __future__ import annotations

import streamlit as st

from app_pages import ui
from riskmodel.errors import RiskModelError
from riskmodel.files.loader import SHIPPED_SCENARIOS

st.set_page_config(page_title="Kubernetes risk workbench", page_icon=":material/shield:", layout="wide")

PAGES = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/topology.py", title="Topology", icon=":material/hub:"),
    st.Page("app_pages/node_problems.py", title="Node problems", icon=":material/monitor_heart:"),
    st.Page("app_pages/register.py", title="Risk register", icon=":material/table:"),
    st.Page("app_pages/measures.py", title="Measures & plan", icon=":material/build:"),
    st.Page("app_pages/uncertainty.py", title="Importance & uncertainty", icon=":material/troubleshoot:"),
    st.Page("app_pages/whatif.py", title="What-if", icon=":material/bolt:"),
    st.Page("app_pages/simulation.py", title="Simulated years", icon=":material/casino:"),
    st.Page("app_pages/review.py", title="Review", icon=":material/gavel:"),
]


def _open_session() -> None:
    st.session_state["session_id"] = st.session_state["review_session"]


def _new_session() -> None:
    st.session_state.pop("session_id", None)
    ui.ensure_session()


def sidebar() -> None:
    with st.sidebar:
        st.text_input("Reviewer", key="reviewer", placeholder="your name")
        shipped = sorted(str(p) for p in SHIPPED_SCENARIOS.glob("*.yaml") if not p.name.startswith("whatif-"))
        current = ui.scenario_path()
        options = shipped if current in shipped else [current, *shipped]
        chosen = st.selectbox("Scenario", options, index=options.index(current),
                              format_func=lambda p: p.rsplit("/", 1)[-1])
        if chosen != current:
            st.session_state["scenario_path"] = chosen
            st.session_state.pop("session_id", None)
            st.rerun()
        upload = st.file_uploader("Open a scenario file", type=["yaml", "yml"], key="scenario_upload")
        if upload is not None and st.session_state.get("adopted_upload") != upload.file_id:
            problem = ui.adopt_upload(upload.name, upload.getvalue())
            if problem:
                st.error("Upload rejected; the current scenario stays open.\n\n" + ui.markdown_text(problem))
            else:
                st.session_state["adopted_upload"] = upload.file_id
                st.rerun()
        sessions = ui.store().list_sessions()
        labels = {s.session.id: f"{s.session.name} · {s.session.created_at:%Y-%m-%d %H:%M}" for s in sessions}
        if sessions:
            ids = [None, *labels]
            ui.sync_widget("review_session", ui.session_id() if ui.session_id() in ids else None)
            st.selectbox("Review session", ids, key="review_session", on_change=_open_session,
                         format_func=lambda i: "— none (read-only) —" if i is None else labels[i])
        st.button("New review session", width="stretch", key="new_session", on_click=_new_session)


try:
    sidebar()
    page = st.navigation(PAGES)
    ui.show_toasts()
    ui.show_storage_notice()
    ui.plan_header()
    page.run()
except RiskModelError as error:
    st.error(ui.markdown_text(str(error)))
