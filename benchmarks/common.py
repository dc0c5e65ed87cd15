"""What every benchmark shares: the machine's load, alternated side-by-side timings with the
garbage collector off, peak memory of a command summed over its processes, and the
``figure [target …: met]`` line format ``make bench`` prints.

Other work on the machine slows everything: timings are only compared within one run, with
the two sides alternated (engine, baseline, engine, baseline, …) and the medians divided.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def load() -> str:
    """The load averages over 1, 5 and 15 minutes and the cores, for every report."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} on {os.cpu_count()} cores"


def verdict(value: float, target: float, *, at_most: bool = True) -> str:
    met = value <= target if at_most else value >= target
    return "met" if met else "MISSED"


def timed(function: Callable[[], object]) -> float:
    """Seconds of one call with the cyclic garbage collector off (as in both sides of a ratio)."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        function()
        return time.perf_counter() - started
    finally:
        if enabled:
            gc.enable()


def alternated(first: Callable[[], object], second: Callable[[], object], rounds: int = 3) -> tuple[float, float]:
    """Median seconds of ``first`` and of ``second``, run alternately ``rounds`` times each."""
    a, b = [], []
    for _ in range(rounds):
        a.append(timed(first))
        b.append(timed(second))
    return statistics.median(a), statistics.median(b)


@dataclass(frozen=True)
class CommandRun:
    """A command's wall time and its peak memory summed over its process tree (MiB)."""

    seconds: float
    peak_rss_mib: float
    peak_pss_mib: float
    """Proportional set size: pages shared by forked workers counted once, split among them."""
    output: str


def _tree_memory(pid: int) -> tuple[float, float]:
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0, 0.0
    rss = pss = 0.0
    for process in processes:
        try:
            info = process.memory_full_info()
        except psutil.Error:
            continue
        rss += info.rss
        pss += getattr(info, "pss", info.rss)
    return rss / 2**20, pss / 2**20


def run_command(args: list[str], *, cwd: Path = ROOT, poll_seconds: float = 0.25) -> CommandRun:
    """Run ``args`` (a riskmodel command line), sampling the memory of its processes meanwhile."""
    peak = [0.0, 0.0]
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss = _tree_memory(process.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            done.wait(poll_seconds)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}): {err.strip()[-800:]}")
    return CommandRun(seconds, peak[0], peak[1], out)


def riskmodel(*args: str) -> list[str]:
    return [PYTHON, "-m", "riskmodel", *args]
