"""Background CPU work that steps aside while the user waits for the screen.

Python runs one thread at a time (the GIL). A ranking refit in a worker thread
(`ranking.rows.PackedRows` products: 250 ms at 100k papers, back to back during a
burst of decisions) takes the GIL from the UI thread every few milliseconds, so a
filter keystroke that needs 30 ms of the UI thread's time took twice that and more.
The UI marks the moments a user is waiting (`FOREGROUND.busy()`: a keystroke in the
filter box, until its rows are painted: `idle()`), and long background loops call
`FOREGROUND.wait()` between their steps, which returns at once when nobody waits and
otherwise sleeps (without the GIL) until the mark is cleared or expires.

The mark expires by itself after `BUSY_LIMIT`, so a mark never cleared (a filter that
failed, a screen that closed) cannot stall the background work for longer.
"""

from __future__ import annotations

import threading
import time

__all__ = ["BUSY_LIMIT", "FOREGROUND", "Foreground"]

#: Seconds a busy mark lasts when nothing clears it (each `busy()` starts it again).
BUSY_LIMIT = 0.25


class Foreground:
    """Whether the user is waiting for the screen right now (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._until = 0.0

    def busy(self, seconds: float = BUSY_LIMIT) -> None:
        """The user waits for the screen: background steps hold off for up to `seconds`."""
        with self._lock:
            self._until = time.monotonic() + seconds
            self._idle.clear()

    def idle(self) -> None:
        """The screen has answered: background work goes on at once."""
        with self._lock:
            self._until = 0.0
            self._idle.set()

    @property
    def is_busy(self) -> bool:
        """A busy mark is set and has not expired."""
        return not self._idle.is_set() and time.monotonic() < self._until

    def wait(self) -> float:
        """Between steps of background work: return at once when nobody waits, else
        when the mark is cleared or expires. Returns the seconds waited."""
        if self._idle.is_set():
            return 0.0
        with self._lock:
            left = self._until - time.monotonic()
        if left <= 0:
            return 0.0
        start = time.monotonic()
        self._idle.wait(left)
        return time.monotonic() - start


#: The process's one foreground: the TUI marks it, the ranking's loops wait on it.
FOREGROUND = Foreground()
