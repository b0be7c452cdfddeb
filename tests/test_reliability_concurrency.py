"""Two processes on one library: no lost update, and a clear word when one must wait."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from papersift import actions, cli, store
from papersift.models import PapersiftError
from papersift.store import Library, LibraryBusy

from .conftest import make_library as shared_make_library

CTX = multiprocessing.get_context("forkserver")
IDS = [f"p{i:03d}" for i in range(40)]


def make_library(path: Path) -> None:
    shared_make_library(path, IDS)


def snapshot(path: Path) -> dict[str, str]:
    """Hash of every file under the library directory (the lock file included)."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def tagger(path: str, prefix: str, rounds: int) -> None:
    """A TUI-like writer: one open Library, many small changes to shared papers."""
    library = Library(Path(path))
    for r in range(rounds):
        for pid in IDS[r % 4 :: 4]:
            actions.add_tags(library, [pid], [f"{prefix}{r}"])
        if r % 3 == 0:
            actions.set_note(library, IDS[r], f"{prefix} note {r}")


def hold_lock(path: str, conn, seconds: float) -> None:
    """Take the library's write lock, say so, and keep it (a long import)."""
    library = Library(Path(path))
    with library.locked():
        conn.send_bytes(b"locked")
        time.sleep(seconds)


def test_two_writers_on_the_same_papers_lose_nothing(tmp_path: Path):
    path = tmp_path / "library"
    make_library(path)
    rounds = 12
    procs = [CTX.Process(target=tagger, args=(str(path), prefix, rounds)) for prefix in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    final = Library(path, readonly=True)
    for r in range(rounds):
        for pid in IDS[r % 4 :: 4]:
            tags = final.triage_of(pid).tags
            assert f"a{r}" in tags and f"b{r}" in tags, (pid, tags)
    for r in range(0, rounds, 3):
        # Both wrote the same note field: the later one wins, but it is one of the two.
        assert final.triage_of(IDS[r]).note in (f"a note {r}", f"b note {r}")


def test_tui_like_writer_and_cli_import_at_once(tmp_path: Path):
    """A long-open Library keeps writing while `papersift import` runs in another process."""
    path = tmp_path / "library"
    make_library(path)
    listing = tmp_path / "new.txt"
    listing.write_text(
        "\n\n".join(
            f"Concurrent paper {i}: on distinct topic {i * 7919}\n"
            f"We describe experiment {i} in enough words to look like an abstract here."
            for i in range(150)
        ),
        encoding="utf-8",
    )
    writer = CTX.Process(target=tagger, args=(str(path), "w", 20))
    writer.start()
    proc = subprocess.run(
        [sys.executable, "-m", "papersift", "--library", str(path), "import", str(listing)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    writer.join(120)
    assert writer.exitcode == 0
    assert proc.returncode == 0, proc.stderr
    final = Library(path, readonly=True)
    assert len(final.papers) == len(IDS) + 150
    for r in range(20):
        for pid in IDS[r % 4 :: 4]:
            assert f"w{r}" in final.triage_of(pid).tags


def test_a_writer_waiting_too_long_is_told_why_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    path = tmp_path / "library"
    make_library(path)
    reader, writer = CTX.Pipe(duplex=False)
    holder = CTX.Process(target=hold_lock, args=(str(path), writer, 30.0))
    holder.start()
    try:
        assert reader.poll(20) and reader.recv_bytes() == b"locked"
        before = snapshot(path)
        monkeypatch.setattr(store, "LOCK_TIMEOUT", 1.5)
        started = time.monotonic()
        code = cli.main(["--library", str(path), "star", IDS[0]])
        waited = time.monotonic() - started
        err = capsys.readouterr().err
        assert code == 1
        assert 1.0 <= waited < 10
        # While waiting the user is told what is going on, then why it gave up.
        assert "waiting for another papersift process" in err
        assert "another papersift process has been writing this library" in err
        assert "1.5 s" in err and str(path) in err
        assert "Traceback" not in err
        assert snapshot(path) == before
        # The library API raises the documented type (a PapersiftError).
        with pytest.raises(LibraryBusy):
            actions.set_starred(Library(path), [IDS[0]], True)
    finally:
        holder.kill()
        holder.join(10)


def test_a_killed_lock_holder_never_blocks_the_next_writer(tmp_path: Path):
    """The lock is an flock: the kernel drops it when its holder dies, no stale lock file."""
    path = tmp_path / "library"
    make_library(path)
    reader, writer = CTX.Pipe(duplex=False)
    holder = CTX.Process(target=hold_lock, args=(str(path), writer, 600.0))
    holder.start()
    assert reader.poll(20) and reader.recv_bytes() == b"locked"
    holder.kill()
    holder.join(10)
    started = time.monotonic()
    actions.set_starred(Library(path), [IDS[1]], True)
    assert time.monotonic() - started < 2
    assert Library(path, readonly=True).triage_of(IDS[1]).starred


def test_doctor_restore_waits_for_the_lock_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "library"
    make_library(path)
    monkeypatch.setattr(store, "BACKUP_INTERVAL", 0.0)
    actions.set_starred(Library(path), [IDS[2]], True)
    actions.set_starred(Library(path), [IDS[3]], True)
    reader, writer = CTX.Pipe(duplex=False)
    holder = CTX.Process(target=hold_lock, args=(str(path), writer, 30.0))
    holder.start()
    try:
        assert reader.poll(20) and reader.recv_bytes() == b"locked"
        before = snapshot(path)
        monkeypatch.setattr(store, "LOCK_TIMEOUT", 0.5)
        with pytest.raises(PapersiftError, match="another papersift process"):
            store.restore_backup(path, store.backups(path)[0])
        assert snapshot(path) == before
    finally:
        holder.kill()
        holder.join(10)


def test_readers_never_take_the_lock(tmp_path: Path):
    """`list`/`show` and a read-only open work while a writer holds the lock."""
    path = tmp_path / "library"
    make_library(path)
    reader, writer = CTX.Pipe(duplex=False)
    holder = CTX.Process(target=hold_lock, args=(str(path), writer, 30.0))
    holder.start()
    try:
        assert reader.poll(20) and reader.recv_bytes() == b"locked"
        env = {**os.environ}
        proc = subprocess.run(
            [sys.executable, "-m", "papersift", "--library", str(path), "list"],
            capture_output=True,
            text=True,
            timeout=20,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count("\n") == len(IDS)
    finally:
        holder.kill()
        holder.join(10)
