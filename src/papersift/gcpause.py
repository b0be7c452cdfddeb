"""Pausing Python's cyclic garbage collector around bulk work.

Imports build hundreds of thousands of small objects (records, features, unpickled
results from worker processes) and none of them is cyclic garbage; the collector would
only rescan them over and over: a third of dedupe's time and half of unpickling a
worker's answer at 100k records.
"""

from __future__ import annotations

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
