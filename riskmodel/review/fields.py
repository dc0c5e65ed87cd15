"""What each editable number means and in which unit, so an edit form and an edit history can
say it ("incidents per node per year", "minutes", "$ per hour") instead of a field name.

Pure data: :mod:`riskmodel.report.formatting` turns a value and its :class:`FieldMeaning`
into text. Every field of :data:`riskmodel.review.edits.EDITABLE_FIELDS` has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from riskmodel.errors import InputError
from riskmodel.review.edits import EDIT_FILE

ValueKind = Literal["rate", "minutes", "money", "fraction", "factor", "years"]


@dataclass(frozen=True)
class FieldMeaning:
    """One editable field: its unit as people write it and a sentence saying what it is.

    ``input_scale`` converts the number a person types into the stored value: fractions are
    typed in percent (99.9 → 0.999), everything else as stored.
    """

    field: str
    kind: ValueKind
    unit: str
    meaning: str

    @property
    def input_scale(self) -> float:
        return 100.0 if self.kind == "fraction" else 1.0

    @property
    def input_unit(self) -> str:
        return "%" if self.kind == "fraction" else self.unit


_FIXED: dict[tuple[str, str], tuple[ValueKind, str, str]] = {
    ("failure_mode", "detect_minutes"): ("minutes", "min", "minutes until an incident is detected (ETTD)"),
    ("failure_mode", "repair_minutes"): ("minutes", "min", "minutes from detection until it is repaired (ETTR)"),
    ("failure_mode", "incident_cost"): ("money", "$", "fixed cost of each incident, on top of its outage cost"),
    ("failure_mode", "effect.impact_fraction"): ("fraction", "%", "share of the unit's capacity an incident "
                                                                 "takes out while it is degraded"),
    ("failure_mode", "prior_weight_years"): ("years", "yr", "years of observation the catalog rate counts as "
                                                            "when node evidence updates it"),
    ("measure", "cost.once"): ("money", "$", "one-off cost, spread over the amortisation years"),
    ("measure", "cost.per_year"): ("money", "$/yr", "recurring cost per year"),
    ("measure", "cost.per_target_once"): ("money", "$/target", "one-off cost per node or workload it covers"),
    ("measure", "cost.per_target_per_year"): ("money", "$/target/yr", "recurring cost per node or workload "
                                                                      "per year"),
    ("measure", "effect.frequency_factor"): ("factor", "×", "multiplies how often the failure modes it covers "
                                                            "happen"),
    ("measure", "effect.detect_factor"): ("factor", "×", "multiplies the minutes until detection"),
    ("measure", "effect.repair_factor"): ("factor", "×", "multiplies the minutes until repair"),
    ("measure", "effect.detect_minutes_saved"): ("minutes", "min", "minutes taken off detection"),
    ("measure", "effect.repair_minutes_saved"): ("minutes", "min", "minutes taken off repair"),
    ("measure", "effect.impact_factor"): ("factor", "×", "multiplies the cost of each incident it covers"),
    ("service", "cost_per_hour"): ("money", "$/h", "cost of each hour the service is down"),
    ("service", "degraded_cost_per_hour"): ("money", "$/h", "cost of each hour it is degraded, weighted by the "
                                                            "share of replicas lost"),
    ("service", "slo"): ("fraction", "%", "availability target; error budget = (1 − SLO) × 525,600 min/yr"),
}


def scope_word(scope: str) -> str:
    """``control_plane`` → ``control plane``: a scope as a unit people count."""
    return scope.replace("_", " ")


def field_meaning(target_kind: str, field: str, scope: str | None = None) -> FieldMeaning:
    """The unit and meaning of one editable field; ``scope`` names the unit a frequency counts
    per (``node`` → ``/node/yr``). A field outside the edit allow-list is an error."""
    if (target_kind, field) == ("failure_mode", "frequency_per_year"):
        unit = scope_word(scope or "unit")
        return FieldMeaning(field, "rate", f"/{unit}/yr",
                            f"incidents per {unit} per year (the catalog's rate, before node evidence adjusts it)")
    if (target_kind, field) not in _FIXED:
        raise InputError(EDIT_FILE, f"{field!r} of a {target_kind} is not an editable field", field=field)
    kind, unit, meaning = _FIXED[(target_kind, field)]
    return FieldMeaning(field, kind, unit, meaning)


__all__ = ["FieldMeaning", "ValueKind", "field_meaning", "scope_word"]
