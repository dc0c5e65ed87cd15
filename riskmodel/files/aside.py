"""A piece of work done on the second core while this process goes on: in a forked child.

``import`` of a 10,000-node dump writes its evidence file (0.9 s of encoding) and its scenario
YAML (1 s) one after the other, on one core of two. :func:`done_aside` forks a child that does
the first while the parent does the second; the child inherits the data by fork, so nothing is
copied or pickled, and sends nothing back but its exit status. Whatever goes wrong in the child
(an error writing, a problem in the data, no fork on this platform, threads in this process that
a fork could deadlock), the parent does the work itself when it waits: the result, and the
error the user sees, are the serial ones.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _fork_safe() -> bool:
    """Fork only where it exists and no other Python thread could hold a lock the child needs."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _run_child(work: Callable[[], object]) -> None:  # pragma: no cover - runs in the forked child
    status = 1
    try:
        work()
        status = 0
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers


@contextmanager
def done_aside(work: Callable[[], object], *, parallel: bool = True) -> Iterator[Callable[[], None]]:
    """Start ``work`` in a forked child; yields ``wait``, which returns once ``work`` is done (by
    the child, or else by this process, raising what ``work`` raises). ``parallel=False``, or no
    safe fork: ``wait`` does the work here. Leaving the block without waiting stops the child."""
    pid = 0
    if parallel and _fork_safe():
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            _run_child(work)

    def wait() -> None:
        nonlocal pid
        if pid:
            status = os.waitpid(pid, 0)[1]
            pid = 0
            if os.waitstatus_to_exitcode(status) == 0:
                return
        work()

    try:
        yield wait
    finally:
        if pid:  # left without waiting (an error, an interrupt): stop the child
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
