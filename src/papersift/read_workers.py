"""Reading big imports on every CPU: worker processes that run `readers.read_path`.

Parsing is pure Python (a .bib of 20k entries takes seconds), so a big import reads its
files in worker processes, one a CPU, biggest file first. A worker is
`python -m papersift.read_workers`: it takes file paths on stdin and answers each with
the pickled `ReadResult` (or the `PapersiftError`) on stdout, both length-prefixed.

Plain subprocesses rather than `multiprocessing`: they need no `if __name__ ==
"__main__"` guard in whatever script imports papersift, no /dev/shm semaphores, and
nothing is forked from the TUI's threads. A worker that cannot start or dies only means
its files are read in the calling process, as they would be without workers: the
import's outcome never depends on the workers.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import queue
import stat
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from papersift.models import PapersiftError
from papersift.readers import ReadResult, detect_format, read_path

#: Below this many bytes of regular files, workers cost more than they save: starting
#: one takes ~0.15 s, and every record is pickled back.
PARALLEL_MIN_BYTES = 8 * 2**20

_LENGTH = struct.Struct(">Q")

Outcome = ReadResult | PapersiftError


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def plan(paths: Sequence[Path], min_bytes: int | None = None) -> list[int]:
    """Indexes of the paths worth reading in workers, biggest first; [] for none.

    Only regular files: a pipe (`<(curl …)`) can be read by this process alone.
    Costliest first (size times the format's cost), so the last file to finish is a
    quick one (LPT scheduling).
    """
    sizes: dict[int, int] = {}
    costs: dict[int, float] = {}
    for n, path in enumerate(paths):
        try:
            st = os.stat(path)
        except OSError:
            continue  # read_path reports it, from this process
        if stat.S_ISREG(st.st_mode):
            sizes[n] = st.st_size
            costs[n] = st.st_size * _cost_per_byte(path)
    if min_bytes is None:
        min_bytes = PARALLEL_MIN_BYTES
    if len(sizes) < 2 or sum(sizes.values()) < min_bytes or cpus() < 2 or not sys.executable:
        return []
    return sorted(costs, key=lambda n: -costs[n])


def _cost_per_byte(path: Path) -> float:
    """Relative parse time per byte, from the file's format: BibTeX is ~15x a listing."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return 1.0
    return 15.0 if detect_format(head, os.fspath(path)) == "bibtex" else 1.0


def read_in_workers(
    paths: Sequence[Path],
    order: Sequence[int],
    finish: Callable[[int, Outcome], None],
    workers: int | None = None,
) -> set[int]:
    """Read `paths[n]` for each n in `order` in worker processes.

    `finish(n, outcome)` is called on this thread as each file is done. Returns the
    indexes done; the caller reads any other (a worker failed to start or died).
    """
    todo = deque(order)
    lock = threading.Lock()
    results: queue.Queue[tuple[int, Outcome] | None] = queue.Queue()
    count = min(workers or cpus(), len(order))
    threads = [
        threading.Thread(target=_drive, args=(paths, todo, lock, results), daemon=True)
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    done: set[int] = set()
    running = count
    while running:
        item = results.get()
        if item is None:  # one worker is finished
            running -= 1
            continue
        n, outcome = item
        done.add(n)
        finish(n, outcome)
    for thread in threads:
        thread.join()
    return done


def _drive(
    paths: Sequence[Path],
    todo: deque[int],
    lock: threading.Lock,
    results: queue.Queue[tuple[int, Outcome] | None],
) -> None:
    """One worker process: hand it files until none is left; stop at its first failure."""
    try:
        proc = _start()
    except OSError:
        results.put(None)
        return
    assert proc.stdin is not None and proc.stdout is not None
    try:
        while True:
            with lock:
                if not todo:
                    break
                n = todo.popleft()
            try:
                _send(proc.stdin, os.fspath(paths[n]))
                outcome = _receive(proc.stdout)
            except (OSError, EOFError, pickle.UnpicklingError):
                break  # the worker died: the caller reads file n itself
            if not isinstance(outcome, ReadResult | PapersiftError):
                break  # the worker crashed on this file (a bug): read it here to see
            results.put((n, outcome))
    finally:
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        results.put(None)


def _start() -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    # The worker must import this very papersift, even when it is not installed (tests
    # run from a source tree).
    here = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "papersift.read_workers"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        # A worker has nothing to say on stderr, and in the TUI it would land on the screen.
        stderr=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )


def _send(stream: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    # Only ever from our own child process: the bytes are as trusted as this code.
    return pickle.loads(data)


def _read(path: Path) -> ReadResult:
    from papersift import dedupe  # rapidfuzz: only in a worker, only when importing

    result = read_path(path)
    # Dedupe's per-record work, done here on this CPU rather than in the importer.
    result.features = dedupe.features(result.records)
    return result


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's loop: read each path sent, answer with its outcome, until EOF."""
    while True:
        try:
            path = _receive(stdin)
        except EOFError:
            return
        try:
            outcome: object = _read(Path(str(path)))
        except PapersiftError as exc:
            outcome = exc
        except Exception as exc:  # a reader bug: say so; the caller reads the file itself
            outcome = repr(exc)
        _send(stdout, outcome)


if __name__ == "__main__":
    # A worker's objects live until its answer is sent (see `gcpause`).
    gc.disable()
    serve(sys.stdin.buffer, sys.stdout.buffer)
