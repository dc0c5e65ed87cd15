"""In-place edits a review team makes to the numbers, applied to the frozen models.

A review argues about numbers ("that node loss is more like 0.3 a year"); each change is an
:class:`Edit` that names its target (a failure mode, measure or service), a dotted field path
and the old and new values. Edits never mutate the loaded models: :func:`apply_edits` returns
new, fully validated ones, so a bad value is rejected with the same range checks (and the same
kind of message: file, field path, what was expected) as a bad value in a YAML file.

Only an explicit allow-list of numeric fields can be edited (:data:`EDITABLE_FIELDS`):
ids, scopes and topology stay what the reviewed inputs say, so a session remains explainable.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from riskmodel.errors import InputError, InputErrors
from riskmodel.files.loader import validation_errors
from riskmodel.model.catalog import Catalog, FailureMode, Measure
from riskmodel.model.estimate import Interval
from riskmodel.model.scenario import Scenario, Service

TargetKind = Literal["failure_mode", "measure", "service"]
EditValue = float | dict[str, float] | None
"""A point value, a 90% interval ``{"low": …, "high": …}``, or None (a field that was unset)."""
EditKey = tuple[str, str, str]
"""(target_kind, target_id, field): what one edit changes; later edits of a key win."""

EDIT_FILE = "edit"
"""The "file" an edit's InputError names: the value came from a review, not from YAML."""

EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "failure_mode": (
        "frequency_per_year",
        "detect_minutes",
        "repair_minutes",
        "incident_cost",
        "effect.impact_fraction",
        "prior_weight_years",
    ),
    "measure": (
        "cost.once",
        "cost.per_year",
        "cost.per_target_once",
        "cost.per_target_per_year",
        "effect.frequency_factor",
        "effect.detect_factor",
        "effect.repair_factor",
        "effect.detect_minutes_saved",
        "effect.repair_minutes_saved",
        "effect.impact_factor",
    ),
    "service": ("cost_per_hour", "degraded_cost_per_hour", "slo"),
}
"""Fields a review may change, per target kind (units as the field names say)."""


@dataclasses.dataclass(frozen=True)
class _Target:
    """Where entries of one target kind live and how they are validated on their own."""

    holder: Literal["catalog", "scenario"]
    collection: str
    id_attribute: str
    model: type[BaseModel]
    label: str


_TARGETS: dict[str, _Target] = {
    "failure_mode": _Target("catalog", "failure_modes", "id", FailureMode, "failure mode"),
    "measure": _Target("catalog", "measures", "id", Measure, "measure"),
    "service": _Target("scenario", "services", "name", Service, "service"),
}


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (what every review timestamp uses)."""
    return datetime.now(UTC)


def _plain(value: Any) -> Any:
    """Interval → dict and int → float, so values compare and store as JSON the same way."""
    if isinstance(value, Interval):
        return {"low": value.low, "high": value.high}
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


@dataclasses.dataclass(frozen=True)
class Edit:
    """One recorded change of one number: who changed what from what to what, and why.

    ``at`` must be timezone-aware; it is stored in UTC. Values are a point (float) or a 90%
    interval dict ``{low, high}`` in the unit the field name says.
    """

    target_kind: str
    target_id: str
    field: str
    old_value: EditValue
    new_value: EditValue
    who: str
    why: str = ""
    at: datetime = dataclasses.field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise InputError(EDIT_FILE, "expected a timezone-aware UTC time, got a naive datetime", field="at")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "old_value", _plain(self.old_value))
        object.__setattr__(self, "new_value", _plain(self.new_value))

    @property
    def key(self) -> EditKey:
        return (self.target_kind, self.target_id, self.field)


def _entry_path(target: _Target, target_id: str, field: str = "") -> str:
    """``failure_modes[node-loss].frequency_per_year``: entries are named by id, not index."""
    base = f"{target.collection}[{target_id}]"
    return f"{base}.{field}" if field else base


def _check_value(value: Any, path: str) -> None:
    """A new value must be a finite number or a ``{low, high}`` interval of finite numbers."""
    if isinstance(value, bool) or value is None:
        raise InputError(EDIT_FILE, f"expected a number or an interval {{low, high}}, got {value!r}", field=path)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(EDIT_FILE, f"expected a finite number, got {value!r}", field=path)
        return
    if isinstance(value, dict):
        if set(value) != {"low", "high"}:
            raise InputError(EDIT_FILE, f"expected an interval with exactly low and high, got keys {sorted(value)}",
                             field=path)
        for end in ("low", "high"):
            _check_value(value[end], f"{path}.{end}")
        return
    raise InputError(EDIT_FILE, f"expected a number or an interval {{low, high}}, got {type(value).__name__}",
                     field=path)


def check_edit(edit: Edit) -> None:
    """Reject an edit of an unknown kind, a field outside the allow-list or a malformed value.

    Range checks (frequency ≥ 0, factor in (0, 1], …) need the model and happen in
    :func:`apply_edits`; this is what can be said about the edit alone.
    """
    if edit.target_kind not in EDITABLE_FIELDS:
        raise InputError(EDIT_FILE, f"unknown target kind {edit.target_kind!r}; expected one of: "
                         f"{', '.join(EDITABLE_FIELDS)}", field="target_kind")
    target = _TARGETS[edit.target_kind]
    path = _entry_path(target, edit.target_id, edit.field)
    if not edit.target_id:
        raise InputError(EDIT_FILE, f"expected the id of a {target.label}, got an empty id", field="target_id")
    allowed = EDITABLE_FIELDS[edit.target_kind]
    if edit.field not in allowed:
        raise InputError(EDIT_FILE, f"{edit.field!r} cannot be edited on a {target.label}; expected one of: "
                         f"{', '.join(allowed)}", field=path)
    _check_value(edit.new_value, path)


def _entry_index(entries: Sequence[Mapping[str, Any]], target: _Target, target_id: str) -> int:
    for index, entry in enumerate(entries):
        if entry[target.id_attribute] == target_id:
            return index
    known = [str(entry[target.id_attribute]) for entry in entries]
    sample = ", ".join(sorted(known)[:5]) + (", …" if len(known) > 5 else "")
    raise InputError(EDIT_FILE, f"unknown {target.label} {target_id!r}; expected one of: {sample or '(none)'}",
                     field=_entry_path(target, target_id))


def _set_dotted(entry: dict[str, Any], field: str, value: Any) -> None:
    *parents, last = field.split(".")
    for part in parents:
        entry = entry[part]
    entry[last] = value


def _validate_entry(target: _Target, target_id: str, entry: dict[str, Any]) -> None:
    """Validate one edited entry on its own so errors name it by id and field path."""
    try:
        target.model.model_validate(entry)
    except ValidationError as error:
        found = validation_errors(error, entry, "", EDIT_FILE, target.model)
        problems = [
            InputError(EDIT_FILE, problem.message, field=_entry_path(target, target_id, problem.field or ""))
            for problem in found
        ]
        if len(problems) == 1:
            raise problems[0] from None
        raise InputErrors(problems) from None


def apply_edits(catalog: Catalog, scenario: Scenario, edits: Sequence[Edit]) -> tuple[Catalog, Scenario]:
    """New, validated catalog and scenario with ``edits`` applied in order (later edits win).

    The inputs are left untouched. Raises :class:`InputError` (file ``"edit"``, field path
    like ``failure_modes[node-loss].frequency_per_year``) for a field that is not editable,
    an unknown id, or a value the model's range checks reject.
    """
    if not edits:
        return catalog, scenario
    dumped: dict[str, dict[str, Any]] = {}
    touched: dict[tuple[str, str], dict[str, Any]] = {}
    for edit in edits:
        check_edit(edit)
        target = _TARGETS[edit.target_kind]
        if target.holder not in dumped:
            model = catalog if target.holder == "catalog" else scenario
            dumped[target.holder] = model.model_dump(by_alias=True)
        entries = dumped[target.holder][target.collection]
        entry = entries[_entry_index(entries, target, edit.target_id)]
        _set_dotted(entry, edit.field, edit.new_value)
        touched[(edit.target_kind, edit.target_id)] = entry
    for (kind, target_id), entry in touched.items():
        _validate_entry(_TARGETS[kind], target_id, entry)
    new_catalog = Catalog.model_validate(dumped["catalog"]) if "catalog" in dumped else catalog
    new_scenario = Scenario.model_validate(dumped["scenario"]) if "scenario" in dumped else scenario
    return new_catalog, new_scenario


def current_value(catalog: Catalog, scenario: Scenario, target_kind: str, target_id: str, field: str) -> EditValue:
    """The value a field has now (to show as "original value" and to record as ``old_value``).

    Returns a float, an interval dict ``{low, high}``, or None for an unset optional field.
    """
    check_edit(Edit(target_kind, target_id, field, None, 0.0, who=""))
    target = _TARGETS[target_kind]
    holder: BaseModel = catalog if target.holder == "catalog" else scenario
    entries = getattr(holder, target.collection)
    found = [entry for entry in entries if getattr(entry, target.id_attribute) == target_id]
    if not found:
        _entry_index([{target.id_attribute: getattr(e, target.id_attribute)} for e in entries], target, target_id)
    value: Any = found[0]
    for part in field.split("."):
        value = getattr(value, part)
    plain: EditValue = _plain(value)
    return plain


def final_values(edits: Sequence[Edit]) -> dict[EditKey, EditValue]:
    """The value each edited field ends at (later edits win): a session's overrides."""
    return {edit.key: edit.new_value for edit in edits}


__all__ = [
    "EDITABLE_FIELDS",
    "Edit",
    "EditKey",
    "EditValue",
    "apply_edits",
    "check_edit",
    "current_value",
    "final_values",
    "utc_now",
]

