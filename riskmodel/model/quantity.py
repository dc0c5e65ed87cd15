"""Kubernetes resource quantities (``500m``, ``2``, ``16Gi``, ``1000Mi``, ``1e3``).

Follows the grammar of ``k8s.io/apimachinery/pkg/api/resource``: a signed decimal number,
then either a binary suffix (Ki … Ei), a decimal suffix (n u m k M G T P E) or an exponent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar

from riskmodel.model.bounds import MAX_CPU_CORES, MAX_MEMORY_BYTES

MAX_QUANTITY_DIGITS = 40
"""Digits of a quantity's number: more is no real quantity, and is refused before any arithmetic."""
MAX_QUANTITY_EXPONENT = 30
"""Largest ``|exponent|`` of ``1e3``-style quantities: ``1e999999`` is refused at once."""

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
    match = _QUANTITY.match(text) if len(text) <= 2 * MAX_QUANTITY_DIGITS else None
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
    exponent = suffix[1:].lstrip("+-").lstrip("0")
    if len(exponent) > 2 or int(exponent or 0) > MAX_QUANTITY_EXPONENT:
        raise ValueError(f"expected an exponent of at most {MAX_QUANTITY_EXPONENT} in quantity {value!r}")
    return number * Decimal(10) ** int(suffix[1:])


def _in_range(quantity: Decimal, value: object, most: Decimal, unit: str) -> Decimal:
    if quantity < 0:
        raise ValueError(f"expected a quantity >= 0, got {value!r}")
    if quantity > most:
        raise ValueError(f"expected at most {most:,.0f} {unit}, got {value!r}")
    return quantity


_NANO = Decimal("1e-9")


_Parsed = TypeVar("_Parsed")


def _cached(parse: Callable[[str | int | float], _Parsed]) -> Callable[[str | int | float], _Parsed]:
    """``parse`` remembering its last 65,536 answers for strings and numbers: a 10,000-node
    cluster repeats a few dozen quantities, and every topology variant validates its changed
    workloads again. Anything else (a list from a bad file) is parsed as it is, to its clear error."""
    remembered = lru_cache(maxsize=65_536, typed=True)(parse)

    def parse_value(value: str | int | float) -> _Parsed:
        return remembered(value) if type(value) in (str, int, float) else parse(value)

    parse_value.__doc__, parse_value.__name__ = parse.__doc__, parse.__name__
    return parse_value


@_cached
def cpu_millicores(value: str | int | float) -> float:
    """CPU quantity in millicores: ``'500m'`` → 500.0, ``'2'`` → 2000.0.

    At most ``MAX_CPU_CORES``; a non-zero amount below ``1n`` (the finest a Kubernetes quantity
    holds) is refused rather than rounded.
    """
    cores = _in_range(parse_quantity(value), value, Decimal(MAX_CPU_CORES), "cores")
    if 0 < cores < _NANO:
        raise ValueError(f"expected 0 or at least 1n (a billionth of a core), got {value!r}")
    return float(cores * 1000)


@_cached
def memory_bytes(value: str | int | float) -> int:
    """Memory quantity in bytes, rounded up as Kubernetes does: ``'1Gi'`` → 1073741824 (at most 1 PiB)."""
    quantity = _in_range(parse_quantity(value), value, Decimal(MAX_MEMORY_BYTES), "bytes")
    return int(quantity.to_integral_value(rounding="ROUND_CEILING"))


def resource_count(value: str | int | float) -> float:
    """An extended resource or hugepages quantity in its own unit: ``'1'`` → 1.0, ``'2Mi'`` → 2097152.0.

    Bounded like memory (1 PiB): hugepages are bytes, and no device count comes near it.
    """
    return float(_in_range(parse_quantity(value), value, Decimal(MAX_MEMORY_BYTES), "units"))


def cpu_quantity(millicores: float) -> str:
    """Millicores as a Kubernetes quantity that parses back to exactly the same value.

    Never an exponent together with a suffix (``1e+15m`` is no quantity): whole cores as an
    integer, whole millicores with ``m``, anything finer as a plain decimal number of millicores.
    """
    value = float(millicores)
    if value.is_integer():
        whole = int(value)
        return str(whole // 1000) if whole % 1000 == 0 else f"{whole}m"
    return f"{Decimal(repr(value)):f}m"
