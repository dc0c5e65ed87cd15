"""The one UI module that knows about Streamlit caching and session state.

Pages call these helpers to get the analysis of the current scenario (with the review
session's edits applied), the review store and the reviewer's name; every number still
comes from ``riskmodel``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import streamlit as st

from riskmodel.analytics.uncertainty import Uncertainty, uncertainty
from riskmodel.engine.importance import ImportanceReport, importance
from riskmodel.errors import RiskModelError
from riskmodel.files.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS
from riskmodel.report.analysis import Analysis, RankReport, analyse, money, rank_report  # noqa: F401 - money re-exported for pages
from riskmodel.review.edits import Edit, apply_edits, current_value
from riskmodel.review.store import ReviewStore
from riskmodel.sources.scenario import LoadedScenario, load_scenario

UPLOAD_LIMIT_BYTES = 8 * 1024 * 1024


def _stamp(path: str) -> tuple[tuple[str, float, int], ...]:
    """Cheap cache key that changes when the scenario, its folder or the shipped catalogs change."""
    scenario = Path(path)
    files = [scenario, *scenario.parent.rglob("*.json"), *SHIPPED_CATALOGS.glob("*.yaml")]
    return tuple((str(f), f.stat().st_mtime, f.stat().st_size) for f in files if f.is_file())


@st.cache_resource(show_spinner="Loading scenario, catalogs and evidence…", max_entries=8)
def _load(path: str, stamp: tuple) -> LoadedScenario:
    return load_scenario(path)


@st.cache_resource(show_spinner="Computing blast radii and expected losses…", max_entries=16)
def _analysis(path: str, stamp: tuple, edits: tuple[Edit, ...]) -> Analysis:
    return analyse(_load(path, stamp), edits)


@st.cache_resource
def _store(path: str | None) -> ReviewStore:
    return ReviewStore(path)


def store() -> ReviewStore:
    """The review database: ``RISKMODEL_REVIEW_DB`` or the default under the user's data dir."""
    return _store(os.environ.get("RISKMODEL_REVIEW_DB") or None)


def scenario_path() -> str:
    """The open scenario: chosen in the sidebar, else ``RISKMODEL_SCENARIO``, else the demo."""
    default = os.environ.get("RISKMODEL_SCENARIO") or str(SHIPPED_SCENARIOS / "demo.yaml")
    return st.session_state.setdefault("scenario_path", default)


def session_id() -> str | None:
    return st.session_state.get("session_id")


def reviewer() -> str:
    return st.session_state.get("reviewer") or "anonymous"


def current_edits() -> tuple[Edit, ...]:
    current = session_id()
    return tuple(store().edits(current)) if current else ()


def base() -> LoadedScenario:
    path = scenario_path()
    return _load(path, _stamp(path))


def analysis(session: str | None = None) -> Analysis:
    """The analysis of the current scenario with a session's edits applied (default: the open one)."""
    path = scenario_path()
    edits = tuple(store().edits(session)) if session else current_edits()
    return _analysis(path, _stamp(path), edits)


def report(budget: float | None) -> RankReport:
    """The register, measures and plan under ``budget`` (default: every measure that pays for itself)."""
    return _report(scenario_path(), _stamp(scenario_path()), current_edits(), budget)


@st.cache_data(show_spinner="Ranking measures and planning…", max_entries=64)
def _report(path: str, stamp: tuple, edits: tuple[Edit, ...], budget: float | None) -> RankReport:
    return rank_report(_analysis(path, stamp, edits), budget)


def require_analysis() -> Analysis:
    """The analysis, or a clear error on the page (never a traceback) and a stop."""
    try:
        return analysis()
    except RiskModelError as error:
        st.error(f"Cannot load the scenario:\n\n```\n{error}\n```")
        st.stop()
        raise


def ensure_session() -> str:
    """The open review session, creating one named after the scenario if none is open."""
    current = session_id()
    if current is None:
        session = store().create_session(f"Review of {base().scenario.name}", base(), reviewer())
        st.session_state["session_id"] = current = session.id
    return current


def adopt_upload(name: str, data: bytes) -> str | None:
    """Validate an uploaded scenario; switch to it only if it loads. Returns an error message."""
    if len(data) > UPLOAD_LIMIT_BYTES:
        return f"{name}: file is {len(data):,} bytes, over the {UPLOAD_LIMIT_BYTES:,}-byte upload limit"
    folder = Path(tempfile.mkdtemp(prefix="riskmodel-upload-"))
    target = folder / Path(name).name
    target.write_bytes(data)
    try:
        load_scenario(target)
    except RiskModelError as error:
        return str(error)
    st.session_state["scenario_path"] = str(target)
    st.session_state.pop("session_id", None)
    return None


def validate_edit(edit: Edit) -> None:
    """Raise the validator's clear error if ``edit`` would make the inputs invalid."""
    apply_edits(base().catalog, base().scenario, (*current_edits(), edit))


def edit_form(key: str, target_kind: str, ids: list[str], fields: list[str], label: str) -> None:
    """A form that records one edit of ``target_kind`` after checking it against the validators."""
    with st.form(f"{key}_form"):
        target_id = st.selectbox(label, ids, key=f"{key}_target")
        field = st.selectbox("Field", fields, key=f"{key}_field")
        new_value = st.number_input("New value (a point value, in the unit the field name says)", min_value=0.0,
                                    value=None, step=0.01, format="%.4f", key=f"{key}_value")
        why = st.text_input("Why", key=f"{key}_why", placeholder="e.g. we lost 3 nodes to this last year")
        submitted = st.form_submit_button("Record edit")
    if not submitted:
        return
    if new_value is None or not why.strip():
        st.error("An edit needs a new value and a reason.")
        return
    loaded = base()
    old = current_value(loaded.catalog, loaded.scenario, target_kind, target_id, field)
    edit = Edit(target_kind, target_id, field, old, float(new_value), reviewer(), why.strip())
    try:
        validate_edit(edit)
    except RiskModelError as error:
        st.error(f"Edit rejected, nothing recorded:\n\n```\n{error}\n```")
        return
    store().record_edit(ensure_session(), edit)
    st.rerun()


def number_columns(**formats: str) -> dict:
    """Column formats for st.dataframe: ``money`` columns in dollars, others printf-style."""
    return {name: st.column_config.NumberColumn(format="dollar" if fmt == "money" else fmt)
            for name, fmt in formats.items()}


APP_DRAWS = 500
"""Joint draws the app samples by default (the CLI and the exports use 1,000)."""


@st.cache_resource(show_spinner="Building every service's fault tree…", max_entries=8)
def _importance(path: str, stamp: tuple, edits: tuple[Edit, ...]) -> ImportanceReport:
    return importance(_analysis(path, stamp, edits).model)


def importance_report() -> ImportanceReport:
    """Cut sets and importance of every service of the current scenario (with the session's edits)."""
    return _importance(scenario_path(), _stamp(scenario_path()), current_edits())


@st.cache_resource(show_spinner="Sampling every uncertain input jointly…", max_entries=16)
def _uncertainty(path: str, stamp: tuple, edits: tuple[Edit, ...], budget: float | None, draws: int) -> Uncertainty:
    analysis = _analysis(path, stamp, edits)
    plan = _report(path, stamp, edits, budget).plan
    return uncertainty(analysis.planner, analysis.placeholders, plan.budget, plan.selected, draws)


def uncertainty_report(budget: float | None = None, draws: int = APP_DRAWS) -> Uncertainty:
    """Tornado, ranking stability and value of information under ``budget`` (default: the default budget)."""
    return _uncertainty(scenario_path(), _stamp(scenario_path()), current_edits(), budget, draws)
