"""Hypothesis settings per run: ``RISKMODEL_FUZZ_PROFILE=ci`` (the default, used by ``make
test``: a few hundred examples per loader, derandomised so every run tries the same inputs)
or ``fuzz`` (``make fuzz``: 10,000 per loader, random). ``RISKMODEL_FUZZ_EXAMPLES`` overrides
the count of either.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "RISKMODEL_FUZZ_PROFILE"
CI_EXAMPLES = {"catalog": 100, "scenario": 100, "what-if": 100, "kubectl JSON": 80, "kubectl YAML": 80}
"""The loaders that rank and simulate every accepted input get fewer examples in ``ci``."""
CI_DEFAULT_EXAMPLES = 200
FUZZ_EXAMPLES = 10_000
EXAMPLE_SECONDS = 60
"""An example still running after this long is a hang, reported as a crash."""

_COMMON: dict[str, Any] = {
    "deadline": None, "database": None, "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}


def profile() -> str:
    name = os.environ.get(PROFILE_VARIABLE, "ci")
    if name not in ("ci", "fuzz"):
        raise SystemExit(f"{PROFILE_VARIABLE}={name!r}: expected 'ci' or 'fuzz'")
    return name


def examples(target: str) -> int:
    override = os.environ.get("RISKMODEL_FUZZ_EXAMPLES")
    if override:
        return int(override)
    return FUZZ_EXAMPLES if profile() == "fuzz" else CI_EXAMPLES.get(target, CI_DEFAULT_EXAMPLES)


def settings_for(target: str) -> settings:
    return settings(max_examples=examples(target), derandomize=profile() == "ci", **_COMMON)


@contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Raise TimeoutError in the main thread if the block runs longer than ``seconds``."""
    def expire(*_: object) -> None:
        raise TimeoutError(f"one example ran longer than {seconds:g} s")

    previous: Callable[..., Any] | int | None = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
