"""One number style for everything a person reads: the app, the CLI tables and the exports.

Money in dollars with thousands separators and no cents above $100 (``$1,234,567``,
``$42.50``, never ``-$0``); SLOs and probabilities in percent (``99.95%``, ``0.005%``);
ROI as a multiple (``172.8×``, ``free`` for a measure that costs nothing); minutes to one
decimal; rates to three significant digits. Values of edited fields carry their unit
(``0.01–0.08 /node/yr``, ``30 min``, ``$36,000/h``, ``99.9%``).

Machine-readable outputs (JSON, the numbers of CSV cells) keep plain numbers; their column
names still say the unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from riskmodel.review.edits import Edit
from riskmodel.review.fields import FieldMeaning, field_meaning

DASH = "—"
"""What a cell shows for a value that does not exist (not a number, an unset field)."""

CENTS_BELOW = 100.0
"""Dollar amounts under this many dollars keep their cents."""


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def money(value: float) -> str:
    """Dollars: ``$1,234``, ``-$1,500``, ``$42.50`` (cents only below $100); zero is ``$0``."""
    if not _finite(value):
        return DASH
    cents = round(abs(value), 2) < CENTS_BELOW
    rounded = round(value, 2) if cents else round(value)
    if rounded == 0:
        return "$0"
    body = f"{abs(rounded):,.2f}".removesuffix(".00") if cents else f"{abs(rounded):,.0f}"
    return f"-${body}" if rounded < 0 else f"${body}"


def money_per_year(value: float) -> str:
    """``$1,234/yr``."""
    return f"{money(value)}/yr"


def signed_money(value: float) -> str:
    """A change of money: ``+$1,200``, ``-$1,200``; no change is ``$0`` (never ``-$0``)."""
    text = money(value)
    return text if text in ("$0", DASH) or text.startswith("-") else f"+{text}"


def percent(fraction: float) -> str:
    """A probability or share in percent: ``12%``, ``4.2%``, ``0.005%`` (two significant digits
    below 1%), ``0%``."""
    if not _finite(fraction):
        return DASH
    value = fraction * 100
    if value == 0:
        return "0%"
    if abs(value) >= 10:
        return f"{value:,.0f}%"
    if abs(value) >= 1:
        return f"{value:.1f}%"
    decimals = min(8, 1 - math.floor(math.log10(abs(value))))
    return _trim(f"{value:.{decimals}f}") + "%"


def slo(fraction: float) -> str:
    """An availability target in percent with the digits it has: ``99.9%``, ``99.95%``."""
    if not _finite(fraction):
        return DASH
    return _trim(f"{fraction * 100:.4f}") + "%"


def roi(value: float | None) -> str:
    """Loss avoided per dollar spent as a multiple: ``172.8×``; ``free`` when nothing is spent."""
    if value is None:
        return "free"
    return f"{value:,.1f}×" if _finite(value) else DASH


def minutes(value: float) -> str:
    """Minutes to one decimal with thousands separators: ``1,234.5``."""
    return f"{value:,.1f}" if _finite(value) else DASH


def number(value: float, significant: int = 3) -> str:
    """A plain quantity (a rate, a count) to ``significant`` digits, never in e-notation."""
    if not _finite(value):
        return DASH
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, significant - 1 - magnitude)
    return _trim(f"{value:,.{decimals}f}") if decimals else f"{value:,.0f}"


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scalar(value: float, meaning: FieldMeaning) -> str:
    if meaning.kind == "money":
        return money(value)
    if meaning.kind == "fraction":
        return slo(value) if meaning.field == "slo" else percent(value)
    if meaning.kind == "minutes":
        return _trim(f"{value:,.1f}")
    return number(value, 4)


def value_text(value: float | Mapping[str, float] | None, meaning: FieldMeaning) -> str:
    """An edited field's value as people write it: ``0.01–0.08 /node/yr``, ``2 /node/yr``,
    ``30 min``, ``$36,000/h``, ``99.9%``, ``×0.5``; ``unset`` for an empty optional field."""
    if value is None:
        return "unset"
    if isinstance(value, Mapping):
        shown = f"{_scalar(value['low'], meaning)}–{_scalar(value['high'], meaning)}"
    else:
        shown = _scalar(float(value), meaning)
    if meaning.kind == "factor":
        return f"×{shown}"
    if meaning.kind == "money":
        return shown + meaning.unit.removeprefix("$")
    if meaning.kind == "fraction" or not meaning.unit:
        return shown
    return f"{shown} {meaning.unit}"


def change_text(old: float | Mapping[str, float] | None, new: float | Mapping[str, float] | None,
                meaning: FieldMeaning) -> str:
    """``0.01–0.08 /node/yr → 2 /node/yr``."""
    return f"{value_text(old, meaning)} → {value_text(new, meaning)}"


def edit_text(edit: Edit, scope: str | None = None) -> str:
    """One edit as history shows it: ``0.01–0.08 /node/yr → 2 /node/yr``."""
    return change_text(edit.old_value, edit.new_value, field_meaning(edit.target_kind, edit.field, scope))


def edited_marker(edits: Sequence[Edit], target_kind: str, target_id: str, scope: str | None = None) -> str:
    """What a table shows next to an edited entry: each edited field, its value now and its
    original (the value before the session's first edit of that field)."""
    originals: dict[str, Edit] = {}
    finals: dict[str, Edit] = {}
    for edit in edits:
        if (edit.target_kind, edit.target_id) == (target_kind, target_id):
            originals.setdefault(edit.field, edit)
            finals[edit.field] = edit
    parts = []
    for name, first in originals.items():
        meaning = field_meaning(target_kind, name, scope)
        parts.append(f"✎ {name} {value_text(finals[name].new_value, meaning)} "
                     f"(was {value_text(first.old_value, meaning)})")
    return "; ".join(parts)


__all__ = ["DASH", "change_text", "edit_text", "edited_marker", "minutes", "money", "money_per_year", "number", "percent", "roi",
           "signed_money", "slo", "value_text"]
