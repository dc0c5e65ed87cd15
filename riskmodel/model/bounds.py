"""Upper bounds on the numbers a file may hold, where physics or money gives one.

Every bound is generous for a real cluster and a real business, and each keeps the model's
arithmetic finite and its run time bounded: a value past one is a typo or an attack, and is
refused with the bound in the message. ``docs/formats.md`` (section "Limits") lists them all;
``tests/test_limits.py`` checks that it does.
"""

from __future__ import annotations

MINUTES_PER_YEAR = 525_600
"""365 days of 1,440 minutes: the unit of error budgets and of the simulated year."""

HOURS_PER_YEAR = MINUTES_PER_YEAR // 60
"""8,760: turns dollars per hour into dollars per year and back."""

MAX_FREQUENCY_PER_YEAR = float(MINUTES_PER_YEAR)
"""Incidents per unit and year: once a minute. More often is a state, not a failure mode."""

MAX_MINUTES = float(MINUTES_PER_YEAR)
"""Any duration in minutes (detect, repair, start-up, minutes saved, injected failures): one year."""

MAX_SECONDS = MAX_MINUTES * 60
"""Any duration in seconds (the eviction timeout): one year."""

MAX_MONEY = 1e12
"""Any amount of money, in dollars (per hour, per year or once): a trillion, more than any
company's yearly revenue."""

MIN_POSITIVE_MONEY = 0.01
"""A positive amount of money below one cent is refused: a unit slip, and a divisor of ROI."""

MAX_INTERVAL_RATIO = 1e6
"""``high / low`` of a 90% interval: six orders of magnitude. Wider says nothing, and its
lognormal mean exp(μ + σ²/2) would run away from both ends."""

MAX_YEARS = 100.0
"""Amortisation and prior weight in years: a century."""

MIN_PRIOR_WEIGHT_YEARS = 0.01
"""The prior's weight in years (~3.7 days): the divisor of the Gamma–Poisson posterior."""

MAX_LIKELIHOOD_RATIO = 1_000.0
"""How much one active node condition may multiply a rate."""

MAX_CPU_CORES = 100_000
"""CPU of one node or one pod, in cores: the largest single machines have a few thousand."""

MAX_CPU_MILLICORES = MAX_CPU_CORES * 1000.0

MAX_MEMORY_BYTES = 2**50
"""Memory of one node or one pod: 1 PiB; the largest single machines have 32 TiB."""

MAX_PODS_PER_NODE = 10_000
"""A node's allocatable ``pods``; the kubelet default is 110 and no provider allows 1,000."""

MAX_NODES = 10_000
"""Nodes in one scenario: twice Kubernetes' supported 5,000, and the largest benchmark."""

MAX_PODS = 200_000
"""Pods of all workloads of one scenario together (each workload's ``pods`` list too):
Kubernetes supports 150,000 per cluster. Bounds the run time of ``rank`` and ``simulate``."""

MAX_SERVICES = 10_000
"""Services in one scenario (the large benchmark has 200)."""

MAX_SIMULATED_YEARS = 10_000_000
"""Monte Carlo years in one run (what-if files, ``--years``)."""

MAX_SIMULATED_INCIDENTS = 1e9
"""Incidents one Monte Carlo run may draw (expected incidents a year × years): about ten
minutes at the measured speed. ``simulate`` refuses more, naming the years it could run."""

MAX_SEED = 2**63 - 1
"""Seeds are non-negative 63-bit integers (what numpy's generators take without surprise)."""

MAX_EVENT_COUNT = 10**9
"""The count of one event or one problem counter read from evidence."""


def at_most(value: float, bound: float, unit: str) -> str:
    """The message for a value over its bound, with both in the field's unit."""
    return f"expected at most {bound:,.0f} {unit}, got {value:g}".replace(" ,", " ")
