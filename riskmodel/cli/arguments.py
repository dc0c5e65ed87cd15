"""Argument types for numbers on the command line, bounded like the same numbers in a file.

``--budget inf``, ``--years 10**12`` or ``--seed -1`` are refused by argparse with the bound
in the message (exit 2), instead of reaching the model as a value no file could hold.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from riskmodel.model.bounds import (
    MAX_MINUTES,
    MAX_MONEY,
    MAX_NODES,
    MAX_PODS,
    MAX_SEED,
    MAX_SERVICES,
    MAX_SIMULATED_YEARS,
)

MAX_WORKERS = 256
MAX_DRAWS = 100_000
"""Joint draws of the uncertain inputs in one export (about twenty minutes on the demo)."""


def bounded_float(low: float, high: float, unit: str, *, low_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite float in [low, high] (or (low, high] when ``low_open``)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of {unit}, got {text!r}") from None
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            opening = "(" if low_open else "["
            raise argparse.ArgumentTypeError(f"expected {unit} in {opening}{low:g}, {high:g}], got {text!r}")
        return value

    return parse


def bounded_int(low: int, high: int, unit: str) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""
    def parse(text: str) -> int:
        try:
            value = int(text) if len(text) <= 30 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number of {unit} from {low:,} to {high:,}, got {text!r}")
        return value

    return parse


budget_dollars = bounded_float(0, MAX_MONEY, "dollars per year")
simulated_years = bounded_int(2, MAX_SIMULATED_YEARS, "simulated years")
seed = bounded_int(0, MAX_SEED, "seed")
workers = bounded_int(1, MAX_WORKERS, "worker processes")
minutes = bounded_float(0, MAX_MINUTES, "minutes", low_open=True)
node_count = bounded_int(4, MAX_NODES, "nodes")
draw_count = bounded_int(0, MAX_DRAWS, "joint draws")
workload_count = bounded_int(6, MAX_PODS, "workloads")
service_count = bounded_int(3, MAX_SERVICES, "services")


def refuse_nul(namespace: argparse.Namespace) -> None:
    """No argument may hold a NUL byte (a C string ends there; a path with one is no path)."""
    for name, value in vars(namespace).items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in values):
            from riskmodel.errors import InputError

            option = "--" + name.replace("_", "-")
            raise InputError(option, "contains a NUL byte; expected a name, path or URI without one")
