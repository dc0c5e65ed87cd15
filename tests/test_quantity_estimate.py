"""Kubernetes quantities and lognormal intervals against hand-computed values."""

import math

import numpy as np
import pytest

from riskmodel.model.estimate import Interval, draw, point
from riskmodel.model.quantity import cpu_millicores, memory_bytes


@pytest.mark.parametrize(
    ("text", "millicores"),
    [("500m", 500.0), ("2", 2000.0), ("0.5", 500.0), ("1e3", 1_000_000.0), (4, 4000.0), ("250000u", 250.0)],
)
def test_cpu_quantities(text, millicores):
    assert cpu_millicores(text) == pytest.approx(millicores)


@pytest.mark.parametrize(
    ("text", "size_bytes"),
    [("16Gi", 16 * 2**30), ("1000Mi", 1000 * 2**20), ("1e3", 1000), ("128974848", 128974848), ("1G", 10**9), ("64Ki", 65536)],
)
def test_memory_quantities(text, size_bytes):
    assert memory_bytes(text) == size_bytes


@pytest.mark.parametrize("bad", ["two", "16GB", "", "1.2.3", "-1", True, [1], {"cpu": 1}])
def test_bad_quantities_say_what_was_expected(bad):
    """Twice each: the parsers remember strings and numbers, and a remembered parse must not turn
    a bad value (or an unhashable one from a bad file) into anything but the same clear error."""
    for parse in (memory_bytes, cpu_millicores, memory_bytes, cpu_millicores):
        with pytest.raises(ValueError, match="quantity"):
            parse(bad)


def test_remembered_quantities_keep_their_type():
    """``1`` and ``1.0`` hash alike; each keeps its own parse (typed cache) and both are right."""
    assert cpu_millicores(1) == cpu_millicores(1.0) == 1000.0
    assert memory_bytes("1Gi") == memory_bytes("1Gi") == 2**30 and isinstance(memory_bytes("1Gi"), int)


def test_interval_is_lognormal_with_hand_computed_mean():
    # {low: 1, high: 100}: mu = (ln 1 + ln 100)/2 = 2.302585; sigma = ln 100 / (2*1.644854) = 4.605170/3.289707 = 1.399872
    # mean = exp(2.302585 + 1.399872**2 / 2) = exp(3.282406) = 26.6398
    interval = Interval(low=1, high=100)
    assert interval.mu == pytest.approx(2.302585, abs=1e-6)
    assert interval.sigma == pytest.approx(1.399872, abs=1e-5)
    assert point(interval) == pytest.approx(26.64, abs=0.01)
    assert point(3.5) == 3.5


def test_interval_draws_cover_90_percent():
    # 200,000 draws: the share inside [low, high] should be 0.90; binomial s.e. = sqrt(.9*.1/2e5) = 0.00067,
    # so ±0.005 is over 7 standard errors.
    rng = np.random.default_rng(1)
    values = draw(Interval(low=2, high=50), rng, 200_000)
    inside = np.mean((values >= 2) & (values <= 50))
    assert inside == pytest.approx(0.90, abs=0.005)
    assert math.isclose(np.median(values), math.sqrt(2 * 50), rel_tol=0.02)
