"""Reading big imports on every CPU: worker processes that run `readers.read_path`.

Parsing is pure Python (a .bib of 20k entries takes a second or two), so a big import
shares its files between the importing process and worker processes, one reader a
CPU (see `plan`). A worker is `python -m papersift.parallel.readers`: it takes pickled
file paths on stdin and answers each on stdout (see `serve`): the records in chunks,
with dedupe's features of them, then the rest of the `ReadResult`, or the
`PapersiftError`.

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
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from papersift.memory import release_memory
from papersift.models import PapersiftError
from papersift.parallel.fork import cpus
from papersift.readers import ReadResult, detect_format, format_named, read_path

#: Below this many bytes of regular files, workers cost more than they save: starting
#: one takes ~0.15 s, and every record is pickled back.
PARALLEL_MIN_BYTES = 8 * 2**20

Outcome = ReadResult | PapersiftError


def plan(paths: Sequence[Path], min_bytes: int | None = None) -> list[int]:
    """Indexes of the paths to read in workers, costliest first; [] to read all here.

    This process is one of the readers: with `cpus()` CPUs, `cpus() - 1` workers and
    this process share the files by estimated cost (size times the format's cost per
    byte), each file going to the reader with the least work so far, costliest file
    first (LPT scheduling). Reading here spares sending records over a pipe, and a
    worker's memory: every worker holds a file's records at its peak, beside the
    records this process already has. Only regular files go to workers: a pipe
    (`<(curl …)`) can be read by this process alone.
    """
    if min_bytes is None:
        min_bytes = PARALLEL_MIN_BYTES
    workers = cpus() - 1
    costs: dict[int, float] = {}
    total_bytes = 0
    for n, path in enumerate(paths):
        try:
            st = os.stat(path)
        except OSError:
            continue  # read_path reports it, from this process
        if stat.S_ISREG(st.st_mode):
            total_bytes += st.st_size
            costs[n] = st.st_size * _cost_per_byte(path)
    if workers < 1 or len(costs) < 2 or total_bytes < min_bytes or not sys.executable:
        return []
    loads = [0.0] * (workers + 1)  # loads[0] is this process
    for_workers: list[int] = []
    for n in sorted(costs, key=lambda n: -costs[n]):
        reader = min(range(len(loads)), key=lambda r: (loads[r], r))
        loads[reader] += costs[n]
        if reader:
            for_workers.append(n)
    return for_workers


def _cost_per_byte(path: Path) -> float:
    """Relative parse time per byte of the file's format (`Format.cost_per_byte`)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return 1.0
    return format_named(detect_format(head, os.fspath(path))).cost_per_byte


def read_in_workers(
    paths: Sequence[Path],
    order: Sequence[int],
    finish: Callable[[int, Outcome], None],
    meanwhile: Callable[[], None] | None = None,
) -> set[int]:
    """Read `paths[n]` for each n in `order` in worker processes.

    `meanwhile()` runs on this thread while they work. `finish(n, outcome)` is called on
    this thread as each file is done. Returns the indexes done; the caller reads any
    other (a worker failed to start or died).
    """
    todo = deque(order)
    lock = threading.Lock()
    results: queue.Queue[tuple[int, Outcome] | None] = queue.Queue()
    count = min(cpus() - 1, len(order))
    threads = [
        threading.Thread(target=_drive, args=(paths, todo, lock, results), daemon=True)
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    if meanwhile is not None:
        meanwhile()
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
                outcome = _receive_outcome(proc.stdout)
            except Exception:  # EOF, a cut-off pickle, a broken pipe: the worker died
                break  # the caller reads file n itself
            if outcome is None:
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
    here = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "papersift.parallel.readers"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        # A worker has nothing to say on stderr, and in the TUI it would land on the screen.
        stderr=subprocess.DEVNULL,
        env=env,
        close_fds=True,
    )


def _send(stream: BinaryIO, obj: object) -> None:
    # Pickled straight into the pipe (protocol 5 writes 64 KiB frames): no copy of a
    # 50 MB answer in memory on either side.
    pickle.dump(obj, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    """The next object sent; EOFError at the end of the stream (or a cut-off one)."""
    # Only ever from our own child process: the bytes are as trusted as this code.
    return pickle.load(stream)


def _read(path: Path) -> ReadResult:
    from papersift import dedupe  # rapidfuzz: only in a worker, only when importing

    result = read_path(path)
    # Dedupe's per-record work, done here on this CPU rather than in the importer.
    result.features = dedupe.features(result.records)
    return result


#: Records sent in one message: the worker frees them as it goes, so a big file's
#: records are not held twice (here and in the importer) for the whole transfer.
_CHUNK = 2000


def serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """The worker's loop: read each path sent, answer with its outcome, until EOF.

    An answer is ("records", records, features) messages, then ("done", the
    `ReadResult` without its records) -- or one ("error", `PapersiftError`), or
    ("crash", text) for a reader bug.
    """
    while True:
        try:
            path = _receive(stdin)
        except EOFError:
            return
        try:
            result = _read(Path(str(path)))
        except PapersiftError as exc:
            _send(stdout, ("error", exc))
            continue
        except Exception as exc:  # a reader bug: say so; the caller reads the file itself
            _send(stdout, ("crash", repr(exc)))
            continue
        records, features = result.records, result.features or []
        result.records, result.features = [], None
        # Reversed, so each chunk (first records first) is cut off the end of the lists
        # in O(1) and freed once sent.
        records.reverse()
        features.reverse()
        sent = 0
        while records:
            chunk, records[-_CHUNK:] = records[-_CHUNK:], []
            feats, features[-_CHUNK:] = features[-_CHUNK:], []
            chunk.reverse()
            feats.reverse()
            _send(stdout, ("records", chunk, feats))
            del chunk, feats
            sent += 1
            if sent % 4 == 0:
                release_memory()
        _send(stdout, ("done", result))
        del result
        release_memory()


def _receive_outcome(stream: BinaryIO) -> Outcome | None:
    """One file's answer from `serve`, reassembled; None if the worker hit a bug."""
    records: list[Any] = []
    features: list[Any] = []
    while True:
        message = _receive(stream)
        kind = message[0] if isinstance(message, tuple) and message else None
        if kind == "records":
            records.extend(message[1])
            features.extend(message[2])
        elif kind == "done" and isinstance(message[1], ReadResult):
            result = message[1]
            result.records = records
            result.features = features if len(features) == len(records) else None
            return result
        elif kind == "error" and isinstance(message[1], PapersiftError):
            return message[1]
        else:
            return None


if __name__ == "__main__":
    # A worker's objects live until its answer is sent (see `papersift.memory`).
    gc.disable()
    serve(sys.stdin.buffer, sys.stdout.buffer)
