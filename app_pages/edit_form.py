"""The edit form of the register: says what a field means and what an edit would do, then records it.

Shows the current value with its unit and meaning, takes a point or a 90% interval (typed in
the unit shown: percent for SLOs), shows the total EAL with the new value before anything is
recorded, and asks for a reason when the total moves by more than 20%.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app_pages import ui
from riskmodel.errors import RiskModelError
from riskmodel.report.edit_preview import REASON_SHARE, EditPreview
from riskmodel.report.formatting import money_per_year, percent, signed_money, value_text
from riskmodel.review.edits import Edit, EditValue, current_value
from riskmodel.review.fields import FieldMeaning, field_meaning

POINT, INTERVAL = "point value", "90% interval"


def _typed_value(key: str, meaning: FieldMeaning) -> EditValue:
    """The value the form holds now, in stored units, or None while incomplete."""
    scale = meaning.input_scale
    if st.session_state.get(f"{key}_shape", POINT) == POINT:
        value = st.session_state.get(f"{key}_value")
        return None if value is None else float(value) / scale
    low, high = st.session_state.get(f"{key}_low"), st.session_state.get(f"{key}_high")
    if low is None or high is None:
        return None
    return {"low": float(low) / scale, "high": float(high) / scale}


def _record(key: str, target_kind: str, meaning: FieldMeaning) -> None:
    """Button callback: record the edit if it is complete and valid; clear the form after."""
    target_id, field = st.session_state[f"{key}_target"], st.session_state[f"{key}_field"]
    new_value = _typed_value(key, meaning)
    why = (st.session_state.get(f"{key}_why") or "").strip()
    if new_value is None:
        st.session_state[f"{key}_problem"] = "Type the new value (or both ends of the interval) first."
        return
    try:
        preview = ui.preview((target_kind, target_id, field), new_value)
    except RiskModelError as error:
        st.session_state[f"{key}_problem"] = f"Edit rejected, nothing recorded:\n\n{error}"
        return
    if preview.needs_reason and not why:
        st.session_state[f"{key}_problem"] = (f"This edit moves total EAL by {percent(preview.change_share)} "
                                              f"(more than {percent(REASON_SHARE)}): say why before recording it.")
        return
    edit = Edit(target_kind, target_id, field, preview.old_value, new_value, ui.reviewer(), why)
    if not ui.stored(lambda: ui.store().record_edit(ui.ensure_session(), edit)):
        return
    for suffix in ("value", "low", "high"):
        st.session_state[f"{key}_{suffix}"] = None
    st.session_state[f"{key}_why"] = ""
    ui.toast_later(f"Recorded: {target_id} · {field} {value_text(preview.old_value, meaning)} → "
                   f"{value_text(new_value, meaning)}")


def _preview(key: str, target_kind: str, target_id: str, field: str, meaning: FieldMeaning) -> EditPreview | None:
    new_value = _typed_value(key, meaning)
    if new_value is None:
        return None
    try:
        preview = ui.preview((target_kind, target_id, field), new_value)
    except RiskModelError as error:
        st.error("This value would be rejected:\n\n" + ui.markdown_text(str(error)))
        return None
    columns = st.columns(2)
    columns[0].metric("Total EAL now", money_per_year(preview.eal_before))
    columns[1].metric("Total EAL with this edit", money_per_year(preview.eal_after),
                      delta=f"{signed_money(preview.change)}/yr ({percent(preview.change_share)})",
                      delta_color="inverse")
    if preview.needs_reason:
        st.warning(f"This moves total EAL by {percent(preview.change_share)}, more than {percent(REASON_SHARE)}: "
                   "a reason is required.")
    return preview


def edit_form(key: str, target_kind: str, ids: list[str], fields: list[str], label: str,
              context: Callable[[str, str], str] | None = None, scopes: dict[str, str] | None = None) -> None:
    """Edit one number of ``target_kind``; ``context(target, field)`` adds a sentence about the
    current value (e.g. how many units a per-unit frequency counts), ``scopes`` the unit of each."""
    columns = st.columns(2)
    target_id = columns[0].selectbox(label, ids, key=f"{key}_target")
    field = columns[1].selectbox("Field", fields, key=f"{key}_field")
    meaning = field_meaning(target_kind, field, (scopes or {}).get(target_id))
    loaded = ui.analysis().loaded
    now = current_value(loaded.catalog, loaded.scenario, target_kind, target_id, field)
    extra = context(target_id, field) if context else ""
    st.markdown(f"**Now:** {value_text(now, meaning)} — {meaning.meaning}." + (f" {extra}" if extra else ""))
    shape = st.radio("New value as", (POINT, INTERVAL), horizontal=True, key=f"{key}_shape")
    unit = meaning.input_unit
    if shape == POINT:
        st.number_input(f"New value ({unit})", min_value=0.0, value=None, step=0.01, format="%g", key=f"{key}_value")
    else:
        ends = st.columns(2)
        ends[0].number_input(f"Low end, 5th percentile ({unit})", min_value=0.0, value=None, format="%g",
                             key=f"{key}_low")
        ends[1].number_input(f"High end, 95th percentile ({unit})", min_value=0.0, value=None, format="%g",
                             key=f"{key}_high")
    _preview(key, target_kind, target_id, field, meaning)
    st.text_input("Why", key=f"{key}_why", placeholder="e.g. we lost 3 nodes to this last year")
    st.button("Record edit", key=f"{key}_record", on_click=_record, args=(key, target_kind, meaning))
    problem = st.session_state.pop(f"{key}_problem", None)
    if problem:
        st.error(ui.markdown_text(str(problem)))
