"""``make fuzz``: every target of :mod:`fuzz.targets` under the ``fuzz`` profile, counted.

Unlike the pytest run, a crash does not stop its target: it is counted (with the first few
inputs that crashed, to reproduce) and the target goes on, so the table says how many of
10,000 inputs crashed. Exit status 1 when any did.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import given

from fuzz.profiles import examples, profile, settings_for, time_limit
from fuzz.targets import TARGETS, Target, run_check


def _kind(error: BaseException) -> str:
    """What a crash is, without the parts that differ between inputs (paths, numbers)."""
    where = traceback.extract_tb(error.__traceback__)[-1]
    message = re.sub(r"/tmp/\S+|\d+", "…", str(error))[:80]
    return f"{type(error).__name__} at {Path(where.filename).name}:{where.lineno}: {message}"


def fuzz(target: Target) -> tuple[Counter[str], list[str], float]:
    counts: Counter[str] = Counter()
    crashes: list[str] = []
    kinds: Counter[str] = Counter()

    @settings_for(target.name)
    @given(target.inputs)
    def one(value: object) -> None:
        counts["tried"] += 1
        try:
            with time_limit():
                counts[run_check(target, value)] += 1
        except Exception as error:  # noqa: BLE001 - counting every crash is the point
            counts["crashes"] += 1
            kinds[_kind(error)] += 1
            if kinds[_kind(error)] == 1 and len(crashes) < 10:
                crashes.append(f"{type(error).__name__}: {str(error)[:300]}\n  input: {value!r:.600}\n"
                               + "".join(traceback.format_tb(error.__traceback__)[-3:]))

    started = time.monotonic()
    one()
    crashes = [f"{count}× {kind}" for kind, count in kinds.most_common()] + crashes
    return counts, crashes, time.monotonic() - started


def main() -> int:
    only = set(sys.argv[1:])
    print(f"profile {profile()}: up to {examples('catalog'):,} inputs per loader", flush=True)
    rows, failed = [], False
    for target in TARGETS:
        if only and target.name not in only:
            continue
        counts, crashes, seconds = fuzz(target)
        rows.append((target.name, counts["tried"], counts["accepted"], counts["rejected"], counts["crashes"], seconds))
        print(f"  {target.name}: {counts['tried']:,} tried in {seconds:.0f} s", flush=True)
        for crash in crashes:
            failed = True
            print(f"    CRASH {crash}", flush=True)
    print()
    print(f"| {'loader':<16} | {'inputs tried':>12} | {'accepted':>9} | {'rejected cleanly':>16} | {'crashes':>7} | {'seconds':>7} |")
    print(f"|{'-' * 18}|{'-' * 13}:|{'-' * 10}:|{'-' * 17}:|{'-' * 8}:|{'-' * 8}:|")
    for name, tried, accepted, rejected, crashed, seconds in rows:
        print(f"| {name:<16} | {tried:>12,} | {accepted:>9,} | {rejected:>16,} | {crashed:>7,} | {seconds:>7.0f} |")
    return 1 if failed or any(row[4] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
