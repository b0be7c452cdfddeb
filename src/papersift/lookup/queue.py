"""The lookups that could not be done yet, kept in the library (`lookup-queue.json`).

A lookup that met a closed network, a timeout or a busy service waits here, is retried
later (`papersift add --retry`, and the app now and then) and leaves once it is done.
One that cannot succeed (a DOI nobody registered, a malformed answer) is not retried
forever: it moves to `failed`, with its reason, until the user clears it.

The file is small JSON, rewritten atomically (`fsutil`) by whoever holds the library
lock, so the CLI and a running app never lose each other's entries. A file that cannot
be read is never overwritten: the error names it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from papersift.fsutil import atomic_write_bytes, describe_os_error
from papersift.models import PapersiftError

__all__ = [
    "FILE_NAME",
    "Failed",
    "QueueState",
    "Waiting",
    "read_queue",
    "waiting_count",
    "write_queue",
]

FILE_NAME = "lookup-queue.json"
_FORMAT = "papersift-lookup-queue"
_VERSION = 1


@dataclass(slots=True)
class Waiting:
    """A lookup to try again: its key (`Identifier.key`), the text the user gave, when
    it was first asked for, how often it was tried and why the last try failed."""

    key: str
    typed: str
    since: float
    attempts: int = 1
    error: str = ""
    last_try: float = 0.0


@dataclass(slots=True)
class Failed:
    """A queued lookup that turned out not to work, with the reason."""

    key: str
    typed: str
    reason: str
    at: float


@dataclass(slots=True)
class QueueState:
    """The queue file's content."""

    waiting: list[Waiting] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        data = {
            "format": _FORMAT,
            "version": _VERSION,
            "waiting": [asdict(w) for w in self.waiting],
            "failed": [asdict(f) for f in self.failed],
        }
        return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"


def read_queue(library_dir: Path) -> QueueState:
    """The queue of the library at `library_dir` (empty when there is no file)."""
    path = Path(library_dir) / FILE_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return QueueState()
    except OSError as exc:
        raise PapersiftError(
            f"{path}: cannot read the lookup queue: {describe_os_error(exc)}"
        ) from exc
    try:
        data: Any = orjson.loads(raw)
        if data.get("format") != _FORMAT or not isinstance(data.get("version"), int):
            raise ValueError("not a papersift lookup queue")
        if data["version"] > _VERSION:
            raise ValueError(f"written by a newer papersift (version {data['version']})")
        return QueueState(
            waiting=[Waiting(**w) for w in data.get("waiting", [])],
            failed=[Failed(**f) for f in data.get("failed", [])],
        )
    except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
        raise PapersiftError(
            f"{path}: cannot read the lookup queue ({exc}); it was left as it is — move it "
            "away to start a new queue"
        ) from None


def write_queue(library_dir: Path, state: QueueState) -> None:
    """Replace the queue file atomically (call holding the library lock)."""
    atomic_write_bytes(Path(library_dir) / FILE_NAME, state.to_bytes())


def waiting_count(library_dir: Path) -> int:
    """How many lookups wait (0 when the queue cannot be read: the retry says why)."""
    try:
        return len(read_queue(library_dir).waiting)
    except PapersiftError:
        return 0
