"""Kubernetes resource quantities (``500m``, ``2``, ``16Gi``, ``1000Mi``, ``1e3``).

Follows the grammar of ``k8s.io/apimachinery/pkg/api/resource``: a signed decimal number,
then either a binary suffix (Ki … Ei), a decimal suffix (n u m k M G T P E) or an exponent.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL_SUFFIXES = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(\d+\.?\d*|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$"
)


def parse_quantity(value: str | int | float) -> Decimal:
    """Return the quantity's value in base units (cores for cpu, bytes for memory).

    Raises ValueError with the expected forms when ``value`` is not a quantity.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a Kubernetes quantity such as '500m', '2' or '16Gi', got {value!r}")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite quantity, got {value!r}")
        return Decimal(str(value))
    text = str(value).strip()
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(
            f"expected a Kubernetes quantity such as '500m', '2', '16Gi', '1000Mi' or '1e3', got {value!r}"
        )
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation as error:  # pragma: no cover - the regex already guards this
        raise ValueError(f"expected a number in quantity {value!r}") from error
    suffix = match.group("suffix") or ""
    if suffix in _BINARY_SUFFIXES:
        return number * _BINARY_SUFFIXES[suffix]
    if suffix in _DECIMAL_SUFFIXES:
        return number * _DECIMAL_SUFFIXES[suffix]
    return number * Decimal(10) ** int(suffix[1:])


def _non_negative(quantity: Decimal, value: object) -> Decimal:
    if quantity < 0:
        raise ValueError(f"expected a quantity >= 0, got {value!r}")
    return quantity


def cpu_millicores(value: str | int | float) -> float:
    """CPU quantity in millicores: ``'500m'`` → 500.0, ``'2'`` → 2000.0."""
    return float(_non_negative(parse_quantity(value), value) * 1000)


def memory_bytes(value: str | int | float) -> int:
    """Memory quantity in bytes, rounded up as Kubernetes does: ``'1Gi'`` → 1073741824."""
    quantity = _non_negative(parse_quantity(value), value)
    return int(quantity.to_integral_value(rounding="ROUND_CEILING"))


def resource_count(value: str | int | float) -> float:
    """An extended resource or hugepages quantity in its own unit: ``'1'`` → 1.0, ``'2Mi'`` → 2097152.0."""
    return float(_non_negative(parse_quantity(value), value))
