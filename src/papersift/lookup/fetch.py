"""HTTP for lookups: the standard library's urllib, a deadline per request, and every
failure sorted into "try again later" (`Transient`) or "this will not work" (`Permanent`).

urllib and not httpx: one GET at a time with a timeout, redirects (doi.org sends each DOI
to its registration agency) and TLS is all lookups need, and urllib does it without a
new dependency. The limiter keeps arXiv's terms of use (one request every 3 s) with an
injectable clock and sleep, so tests check it without waiting.
"""

from __future__ import annotations

import http.client
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from papersift import __version__

__all__ = [
    "MAX_BYTES",
    "Permanent",
    "RateLimiter",
    "Transient",
    "Unreachable",
    "get",
    "shared_stamp",
]

#: No metadata answer comes near this; a bigger one is refused, not read into memory.
MAX_BYTES = 16 * 1024 * 1024
USER_AGENT = f"papersift/{__version__} (paper triage; add by arXiv id or DOI)"
#: HTTP statuses that say "later": the service is busy, down or asks us to slow down.
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class Transient(Exception):
    """The service could not answer now (offline, timeout, 5xx, 429): queue and retry."""


class Unreachable(Transient):
    """No answer at all (no network, a timeout): the service's other lookups of this
    round would only wait out their timeouts too."""


class Permanent(Exception):
    """The answer will not change (404, a malformed response): report, never retry."""


class RateLimiter:
    """At most one request every `interval` seconds.

    Within one process by default; with `shared` (a stamp file), across every process
    of the user that shares it: the app retrying its queue and `papersift add` in a
    shell then never send arXiv two requests within the interval. The shared stamp is
    wall-clock time (it outlives processes); a stamp from the future (the clock was set
    back) never makes a request wait more than one interval.
    """

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        shared: Path | None = None,
    ) -> None:
        self.interval = interval
        self.clock = time.time if shared is not None and clock is time.monotonic else clock
        self.sleep = sleep
        self.shared = shared
        self._last: float | None = None
        self._lock = threading.Lock()

    def _pause(self, last: float | None) -> None:
        if last is not None:
            pause = min(self.interval, last + self.interval - self.clock())
            if pause > 0:
                self.sleep(pause)

    def wait(self) -> None:
        """Sleep until a request may be sent, and count it as sent."""
        with self._lock:
            if self.shared is None:
                self._pause(self._last)
                self._last = self.clock()
                return
            try:
                with FileLock(f"{self.shared}.lock", timeout=10 * self.interval):
                    try:
                        last: float | None = float(self.shared.read_text())
                    except (OSError, ValueError):
                        last = self._last
                    self._pause(last)
                    self._last = self.clock()
                    self.shared.write_text(repr(self._last))
            except (OSError, Timeout):
                # No shared stamp to be had (a read-only temp dir): this process's own.
                self._pause(self._last)
                self._last = self.clock()


def shared_stamp() -> Path:
    """The user's arXiv request stamp: in the temp dir, so no library and no home
    directory is written by a lookup."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"papersift-arxiv-{user}.stamp"


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", exc)
    return str(getattr(reason, "strerror", None) or reason)


def get(url: str, *, accept: str, timeout: float) -> bytes:
    """The body of a GET of `url`, read within `timeout` seconds in all.

    Raises `Transient` or `Permanent` (their message says why, for the user).
    """
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read(65536):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise Permanent(f"the answer is over {MAX_BYTES // (1024 * 1024)} MB")
                if time.monotonic() > deadline:
                    raise Unreachable(f"no complete answer within {timeout:g} s")
                chunks.append(chunk)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        if exc.code in _RETRY_STATUSES:
            raise Transient(f"HTTP {exc.code} {exc.reason}".rstrip()) from None
        raise Permanent(f"HTTP {exc.code} {exc.reason}".rstrip()) from None
    except TimeoutError:
        raise Unreachable(f"no answer within {timeout:g} s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Unreachable(f"no answer within {timeout:g} s") from None
        raise Unreachable(f"cannot reach {request.host}: {_reason(exc)}") from None
    except (OSError, ValueError, http.client.HTTPException) as exc:  # reset mid-body
        raise Transient(f"cannot read from {request.host}: {_reason(exc)}") from None
