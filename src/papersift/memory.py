"""Memory housekeeping around bulk work: pausing the cyclic collector (`paused_gc`) and
handing freed heap back to the system (`release_memory`).

Imports build hundreds of thousands of small objects (records, features, unpickled
results from worker processes) and none of them is cyclic garbage; the collector would
only rescan them over and over: a third of dedupe's time and half of unpickling a
worker's answer at 100k records.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector for the block; restore its state after (nestable)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def release_memory() -> None:
    """Hand freed heap back to the system (glibc's `malloc_trim`; elsewhere nothing).

    glibc keeps freed memory for later, so a process goes on holding the peak of its
    last big step (a file's text and raw entries, dedupe's blocks): ~100 MB at 100k
    records, which another reader or a forked child would need.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
