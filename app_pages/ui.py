"""The one UI module that knows about Streamlit caching and session state.

Pages call these helpers to get the analysis of the current scenario (with the review
session's edits applied), the plan in force (the session's working plan, or without a
session the one kept in this browser tab's state), the review store and the reviewer's
name; every number still comes from ``riskmodel``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from riskmodel.analytics.uncertainty import Uncertainty, uncertainty
from riskmodel.engine.importance import ImportanceReport, importance
from riskmodel.errors import RiskModelError
from riskmodel.files.loader import SHIPPED_CATALOGS, SHIPPED_SCENARIOS
from riskmodel.report.analysis import Analysis, analyse
from riskmodel.report.edit_preview import EditPreview, preview_edit
from riskmodel.report.formatting import money_per_year
from riskmodel.report.plan_view import PlanInForce, plan_in_force, plan_summary
from riskmodel.review.edits import Edit, EditKey, EditValue
from riskmodel.review.store import ReviewStore, ReviewStoreError, default_path
from riskmodel.review.working_plan import WorkingPlan
from riskmodel.sources.scenario import LoadedScenario, load_scenario

UPLOAD_LIMIT_BYTES = 8 * 1024 * 1024
PLAN_STATE = "working_plan"
"""Session-state key of the working plan when no review session is open (survives page changes)."""
TOASTS_STATE = "pending_toasts"


def _file_stats(paths: Sequence[str]) -> tuple[tuple[str, int, int], ...]:
    """(path, mtime in ns, size in bytes) of each path; (path, -1, -1) for one that is gone."""
    stats = []
    for name in paths:
        try:
            found = os.stat(name)
        except OSError:
            stats.append((name, -1, -1))
        else:
            stats.append((name, found.st_mtime_ns, found.st_size))
    return tuple(stats)


_GENERATION: dict[str, int] = {}
"""How many times a scenario's named inputs were seen to change since the server started."""


def _stamp(path: str) -> tuple:
    """Cheap cache key: the scenario file's own stat and how often the files it names changed.

    Only the files the last load read and the folders it was told to read are looked at (a
    scenario kept in a large folder costs nothing extra); a change among them starts a new
    generation, so every cache below reloads once."""
    head = _file_stats([path])
    generation = _GENERATION.get(path, 0)
    if _load(path, (head, generation)).changed():
        generation = _GENERATION[path] = generation + 1
    return head, generation


UPLOAD_PREFIX = "riskmodel-upload-"


def allowed_roots(path: str | Path) -> tuple[Path, ...]:
    """Where the files an uploaded scenario names may lie: its own upload folder, the shipped
    scenarios and catalogs. A scenario of the server's own (``RISKMODEL_SCENARIO``, the picker) is not fenced."""
    folder = Path(path).parent
    return (folder, SHIPPED_SCENARIOS, SHIPPED_CATALOGS) if folder.name.startswith(UPLOAD_PREFIX) else ()


@dataclass(frozen=True)
class _Loaded:
    """A load and the stats its watched files had right after it."""

    scenario: LoadedScenario
    watched: tuple[tuple[str, int, int], ...]

    def changed(self) -> bool:
        return _file_stats([name for name, _, _ in self.watched]) != self.watched


@st.cache_resource(show_spinner="Loading scenario, catalogs and evidence…", max_entries=8)
def _load(path: str, stamp: tuple) -> _Loaded:
    loaded = load_scenario(path, allowed_roots=allowed_roots(path))
    return _Loaded(loaded, _file_stats(loaded.watched_paths))


@st.cache_resource(show_spinner="Computing blast radii and expected losses…", max_entries=16)
def _analysis(path: str, stamp: tuple, edits: tuple[Edit, ...]) -> Analysis:
    return analyse(_load(path, stamp).scenario, edits)


@st.cache_resource(show_spinner="Resolving the plan…", max_entries=64)
def _plan_view(path: str, stamp: tuple, edits: tuple[Edit, ...], working: WorkingPlan) -> PlanInForce:
    return plan_in_force(_analysis(path, stamp, edits), working)


@st.cache_resource(show_spinner="Computing the total with this edit…", max_entries=32)
def _preview(path: str, stamp: tuple, edits: tuple[Edit, ...], key: EditKey, new_value: Any) -> EditPreview:
    return preview_edit(_load(path, stamp).scenario, edits, key, new_value, _analysis(path, stamp, edits))


@st.cache_resource
def _store(path: str) -> ReviewStore:
    return ReviewStore(path)


def store() -> ReviewStore:
    """The review database: ``RISKMODEL_REVIEW_DB`` or the default under the user's data dir."""
    return _store(str(default_path()))


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
    return _load(path, _stamp(path)).scenario


def analysis(session: str | None = None) -> Analysis:
    """The analysis of the current scenario with a session's edits applied (default: the open one)."""
    path = scenario_path()
    edits = tuple(store().edits(session)) if session else current_edits()
    return _analysis(path, _stamp(path), edits)


def working_plan() -> WorkingPlan:
    """The plan the review is working on: the open session's, else this tab's."""
    current = session_id()
    if current:
        return store().plan(current)
    return st.session_state.setdefault(PLAN_STATE, WorkingPlan())


STORAGE_NOTICE = "storage_notice"


def stored(write: Callable[[], Any]) -> bool:
    """Run a write to the review database; a storage fault (full disk, read-only file system,
    damaged file) becomes a notice for the next run instead of a traceback. False if it failed:
    nothing of it was written and the page goes on showing the last recorded state."""
    try:
        write()
    except ReviewStoreError as error:
        st.session_state[STORAGE_NOTICE] = str(error)
        return False
    return True


def show_storage_notice() -> None:
    """The last storage fault, shown once at the top of the page."""
    problem = st.session_state.pop(STORAGE_NOTICE, None)
    if problem:
        st.error("The review database could not record your last change; the page shows the last recorded "
                 "state.\n\n" + markdown_text(problem), icon=":material/database:")


def set_working_plan(plan: WorkingPlan) -> None:
    """Keep ``plan`` where :func:`working_plan` reads it (the session in SQLite, else this tab)."""
    current = session_id()
    if current:
        stored(lambda: store().set_plan(current, plan, reviewer()))
    else:
        st.session_state[PLAN_STATE] = plan


def plan_view(session: str | None = None) -> PlanInForce:
    """The plan in force on the current analysis (or on another session's, with its own plan)."""
    path = scenario_path()
    if session:
        return _plan_view(path, _stamp(path), tuple(store().edits(session)), store().plan(session))
    return _plan_view(path, _stamp(path), current_edits(), working_plan())


def preview(key: EditKey, new_value: EditValue) -> EditPreview:
    """Total EAL before and after recording one more edit (raises the validator's error)."""
    path = scenario_path()
    return _preview(path, _stamp(path), current_edits(), key, new_value)


def require_analysis() -> Analysis:
    """The analysis, or a clear error on the page (never a traceback) and a stop."""
    try:
        return analysis()
    except RiskModelError as error:
        st.error("Cannot load the scenario:\n\n" + markdown_text(str(error)))
        st.stop()
        raise


def ensure_session() -> str:
    """The open review session, creating one named after the scenario if none is open; a new
    session takes over the plan this tab was working on."""
    current = session_id()
    if current is None:
        session = store().create_session(f"Review of {base().scenario.name}", base(), reviewer())
        tab_plan = st.session_state.pop(PLAN_STATE, None)
        if tab_plan is not None:
            store().set_plan(session.id, tab_plan, reviewer())
        st.session_state["session_id"] = current = session.id
    return current


def plan_header() -> None:
    """The line at the top of every page naming the plan in force and where it is kept."""
    try:
        view = plan_view()
    except RiskModelError:
        return
    current = session_id()
    where = f"kept in session “{store().get_session(current).name}”" if current else \
        "kept in this browser tab: no review session is open"
    with st.container(border=True, key="plan_header"):
        st.markdown(f"**Plan in force** ({where}): {plan_summary(view.resolved)}. Expected annual loss "
                    f"{money_per_year(view.eal_per_year)} → **{money_per_year(view.eal_with_plan)}** with the plan.")
        st.caption("Measures: " + (", ".join(view.selected) or "none"))


def toast_later(message: str) -> None:
    """A toast shown at the start of the next run (a toast raised just before st.rerun is lost)."""
    st.session_state.setdefault(TOASTS_STATE, []).append(message)


def show_toasts() -> None:
    for message in st.session_state.pop(TOASTS_STATE, []):
        st.toast(message, icon=":material/check_circle:")


def adopt_upload(name: str, data: bytes) -> str | None:
    """Validate an uploaded scenario; switch to it only if it loads. Returns the whole error
    message (naming the uploaded file, not the temporary copy) if it does not."""
    if len(data) > UPLOAD_LIMIT_BYTES:
        return f"{name}: file is {len(data):,} bytes, over the {UPLOAD_LIMIT_BYTES:,}-byte upload limit"
    folder = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX))
    target = folder / Path(name).name
    target.write_bytes(data)
    try:
        load_scenario(target, allowed_roots=allowed_roots(target))
    except RiskModelError as error:
        return str(error).replace(str(target), Path(name).name).replace(str(folder) + os.sep, "")
    st.session_state["scenario_path"] = str(target)
    st.session_state.pop("session_id", None)
    return None


_MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|$~"


def markdown_text(text: str) -> str:
    """``text`` shown as it is inside markdown (every special character escaped, lines kept), so
    a long error message wraps and reads whole instead of scrolling out of a code block."""
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_SPECIAL else c for c in text)
    return "  \n".join(escaped.splitlines())


def table(rows: Sequence[Mapping[str, Any]], formats: Mapping[str, Callable[[Any], str]] | None = None,
          key: str | None = None, **options: Any) -> None:
    """A dataframe whose cells are shown in the one number style (``riskmodel.report.formatting``)
    while columns stay numeric, so they sort by value."""
    frame = pd.DataFrame(list(rows))
    shown = frame.style.format({column: f for column, f in (formats or {}).items() if column in frame.columns},
                               na_rep="—")
    st.dataframe(shown, hide_index=True, width="stretch", key=key, **options)


def sync_widget(key: str, value: Any) -> None:
    """Make a keyed widget show ``value`` (the stored plan) before it is drawn this run."""
    st.session_state[key] = value


def number_columns(**formats: str) -> dict:
    """Column formats for st.dataframe: ``money`` columns in dollars, others printf-style."""
    return {name: st.column_config.NumberColumn(format="dollar" if fmt == "money" else fmt)
            for name, fmt in formats.items()}


APP_DRAWS = 500
"""Joint draws the app samples by default (the CLI export uses 1,000)."""
UNCERTAINTY_STATE = "uncertainty_sampled"
"""Session-state flag: the uncertain inputs were sampled in this tab (the Overview then shows EVPI)."""


@st.cache_resource(show_spinner="Building every service's fault tree…", max_entries=8)
def _importance(path: str, stamp: tuple, edits: tuple[Edit, ...]) -> ImportanceReport:
    return importance(_analysis(path, stamp, edits).model)


def importance_report() -> ImportanceReport:
    """Cut sets and importance of every service of the current scenario (with the session's edits)."""
    path = scenario_path()
    return _importance(path, _stamp(path), current_edits())


@st.cache_resource(show_spinner="Sampling every uncertain input jointly…", max_entries=16)
def _uncertainty(path: str, stamp: tuple, edits: tuple[Edit, ...], working: WorkingPlan, draws: int) -> Uncertainty:
    found = _analysis(path, stamp, edits)
    plan = _plan_view(path, stamp, edits, working).resolved.plan
    return uncertainty(found.planner, found.placeholders, plan.budget, plan.selected, draws)


def uncertainty_report(draws: int = APP_DRAWS) -> Uncertainty:
    """Tornado, ranking stability and value of information under the budget of the plan in force."""
    path = scenario_path()
    return _uncertainty(path, _stamp(path), current_edits(), working_plan(), draws)
