"""Python's cyclic garbage collector paused while a large model is read or assembled.

Building a 10,000-node cluster's risk model or register creates millions of small objects
(rows, failed sets, phase views) that all stay alive; each collection the allocations trigger
walks every one of them again, which cost 40% of the build. Reading a kubectl dump of 100,000
pods (millions of decoded JSON objects) and writing its scenario lose as much the same way.
Reference counting still frees everything as usual while the collector waits; it runs again
as soon as the build is done. The planner's loops (greedy, frontier, …) build dozens of
variant models: paused around the whole loop, the collector walks the heap once at its end
instead of after every build.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (if it was running), then restore it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
