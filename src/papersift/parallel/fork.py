"""CPU-bound work shared with forked children, where forking is safe.

A forked child sees the parent's memory as it is (copy-on-write): dedupe's features of
100k candidates need no pickling to be scored on a second CPU. Forking is only safe in
a process with a single thread (a child gets a copy of every lock, held or not, and
only the forking thread), so the TUI, which imports from a worker thread, never forks;
nor does anything off Linux (macOS frameworks are not fork-safe). Then, and whenever a
child fails in any way, the work is simply done in this process.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """True where `fork_map` would use children: Linux, one thread, several CPUs."""
    return sys.platform == "linux" and threading.active_count() == 1 and cpus() > 1


def fork_map(func: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """`[func(item) for item in items]`, items after the first each in a forked child.

    `func` must be pure: a child's side effects are lost, only its return value (which
    must pickle) comes back. The results are the same whichever way they were made.
    """
    if len(items) < 2 or not can_fork():
        return [func(item) for item in items]
    children: list[tuple[int, int] | None] = []
    for item in items[1:]:
        children.append(_spawn(func, item))
    results = [func(items[0])]
    for item, child in zip(items[1:], children, strict=True):
        value = _collect(child) if child is not None else None
        results.append(value[0] if value is not None else func(item))
    return results


def _spawn(func: Callable[[T], R], item: T) -> tuple[int, int] | None:
    """Fork a child computing `func(item)`: (pid, read end of its pipe), or None."""
    try:
        read_fd, write_fd = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: compute, send, and leave without any cleanup of the parent's
        status = 1
        try:
            os.close(read_fd)
            data = pickle.dumps(func(item), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(data)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    return pid, read_fd


def _collect(child: tuple[int, int]) -> tuple[object] | None:
    """(the child's result,) or None if it failed."""
    pid, read_fd = child
    try:
        with os.fdopen(read_fd, "rb") as stream:
            data = stream.read()
    except OSError:
        data = b""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = -1
    if status != 0 or not data:
        return None
    try:
        return (pickle.loads(data),)
    except Exception:  # a cut-off answer: do the work here
        return None
