"""Every loader and source under hypothesis (tests/fuzz/): only the project's error family
escapes, every message names the file and the field or line, and what is accepted ranks and
simulates to finite numbers. The short ``ci`` profile runs here; ``make fuzz`` runs 10,000
inputs per loader and prints the counts.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fuzz.profiles import settings_for, time_limit
from fuzz.targets import ACCEPTED, REJECTED, TARGETS, Target, run_check
from hypothesis import given


@pytest.mark.parametrize("target", TARGETS, ids=[target.name for target in TARGETS])
def test_loader_survives_fuzzing(target: Target) -> None:
    outcomes: Counter[str] = Counter()

    @settings_for(target.name)
    @given(target.inputs)
    def one(value: object) -> None:
        with time_limit():
            outcomes[run_check(target, value)] += 1

    one()
    assert set(outcomes) == {ACCEPTED, REJECTED}, f"{target.name}: {dict(outcomes)}; a harness that only ever " \
        "accepts or only ever rejects tests little"
