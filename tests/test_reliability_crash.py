"""Crash safety: SIGKILL a process that keeps writing triage changes, hundreds of times.

The child opens the library once (as the TUI does) and applies a deterministic stream of
actions, sending an ack after each `actions.*` call returns. The parent reads acks, kills
the child at a random moment, reopens the library and checks that it loads and holds every
acknowledged change (plus, at most, the one change that was in flight when it died).

Two children are used: a forked one (fast, so a few hundred kills fit in seconds) and a
real `python` subprocess that prints its acks on stdout, killed a few dozen times.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import orjson
import pytest

from papersift import actions, doctor, store
from papersift.models import PapersiftError, Triage
from papersift.store import Library

N_PAPERS = 24
IDS = [f"p{i:03d}" for i in range(N_PAPERS)]
STATUSES = ("inbox", "to-read", "reading", "read", "discarded")
#: Kills in the fast (forked) loop and in the subprocess loop; the slow variant multiplies.
FAST_KILLS = int(os.environ.get("PAPERSIFT_CRASH_KILLS", "300"))
SUBPROCESS_KILLS = 25


@dataclass(frozen=True)
class State:
    """The part of a paper's triage the kill test drives."""

    starred: bool = False
    status: str = "inbox"
    tags: tuple[str, ...] = ()
    note: str = ""


def op(seq: int) -> tuple[str, list[str], object]:
    """The `seq`-th change of the stream: the same in parent and child (seeded by seq)."""
    rnd = random.Random(seq * 7919 + 17)
    kind = rnd.choice(("star", "star", "status", "tag", "untag", "note", "note", "bulk"))
    if kind == "bulk":
        return kind, rnd.sample(IDS, 5), rnd.random() < 0.5
    pid = rnd.choice(IDS)
    if kind == "star":
        return kind, [pid], rnd.random() < 0.5
    if kind == "status":
        return kind, [pid], rnd.choice(STATUSES)
    if kind in ("tag", "untag"):
        return kind, [pid], f"t{rnd.randrange(6)}"
    # A long multi-line note makes the write bigger, so kills land inside it more often.
    return kind, [pid], f"note {seq}\n" + "months of thoughts. " * rnd.randrange(1, 200)


def apply_op(model: dict[str, State], seq: int) -> dict[str, State]:
    """The model after change `seq`."""
    kind, ids, value = op(seq)
    out = dict(model)
    for pid in ids:
        s = out[pid]
        if kind in ("star", "bulk"):
            s = replace(s, starred=bool(value))
        elif kind == "status":
            s = replace(s, status=str(value))
        elif kind == "tag":
            s = replace(s, tags=tuple(dict.fromkeys((*s.tags, str(value)))))
        elif kind == "untag":
            s = replace(s, tags=tuple(t for t in s.tags if t != value))
        else:
            s = replace(s, note=str(value).rstrip())
        out[pid] = s
    return out


def do_op(library: Library, seq: int) -> None:
    """Apply change `seq` through the same actions the TUI's keys call."""
    kind, ids, value = op(seq)
    if kind in ("star", "bulk"):
        actions.set_starred(library, ids, bool(value))
    elif kind == "status":
        actions.set_status(library, ids, str(value))
    elif kind == "tag":
        actions.add_tags(library, ids, [str(value)])
    elif kind == "untag":
        actions.remove_tags(library, ids, [str(value)])
    else:
        actions.set_note(library, ids[0], str(value))


def disk_state(path: Path) -> dict[str, State]:
    """What a fresh process sees: the library must load, whatever moment the kill hit."""
    library = Library(path, readonly=True)
    out = {}
    for pid in IDS:
        t: Triage = library.triage_of(pid)
        out[pid] = State(t.starred, t.status, t.tags, t.note)
    library.close()
    return out


def make_library(path: Path) -> None:
    # Imported here: the killed child processes import this module as a plain script,
    # where a package-relative import at the top would fail.
    from .conftest import make_library as shared_make_library

    shared_make_library(path, IDS)


def forked_writer(path: str, first_seq: int, backup_every_write: bool, conn) -> None:
    """Child: open the library once, then apply changes first_seq, first_seq+1, … forever."""
    if backup_every_write:
        # Backups on every write, so kills also land in the middle of a backup.
        store.BACKUP_INTERVAL = 0.0
    library = Library(Path(path))
    seq = first_seq
    while True:
        do_op(library, seq)
        if backup_every_write:
            library._last_backup = 0.0
        # A pipe write that returned is in the kernel: it survives the SIGKILL.
        conn.send_bytes(b"%d" % seq)
        seq += 1


def check_after_kill(
    path: Path, model: dict[str, State], last_acked: int
) -> tuple[dict[str, State], str]:
    """Compare the reopened library with the model; return (new model, outcome)."""
    on_disk = disk_state(path)
    if on_disk == model:
        return model, "acked"
    in_flight = apply_op(model, last_acked + 1)
    if on_disk == in_flight:
        # The change in flight reached the disk before the ack: allowed, and not lost.
        return in_flight, "in-flight-persisted"
    lost = {pid: (model[pid], on_disk[pid]) for pid in IDS if model[pid] != on_disk[pid]}
    raise AssertionError(f"after ack {last_acked}: expected/actual differ: {lost}")


def run_forked_kills(path: Path, kills: int, seed: int) -> dict[str, int]:
    """The fast loop; returns counts of outcomes for the report."""
    rnd = random.Random(seed)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["papersift.actions", "papersift.store", __name__])
    model = {pid: State() for pid in IDS}
    seq = 0
    stats = {"kills": 0, "acked_changes": 0, "acked": 0, "in-flight-persisted": 0}
    for round_no in range(kills):
        reader, writer = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=forked_writer, args=(str(path), seq, round_no % 3 == 0, writer), daemon=True
        )
        proc.start()
        writer.close()
        last_acked = seq - 1
        # Kill after 0-12 acks plus a random delay: sometimes while the library is still
        # opening, mostly somewhere inside a write (temp file, fsync, rename, backup).
        wanted = rnd.randrange(0, 13)
        while last_acked - seq + 1 < wanted and reader.poll(5):
            last_acked = int(reader.recv_bytes())
            model = apply_op(model, last_acked)
        time.sleep(rnd.random() * 0.004)
        proc.kill()
        proc.join(10)
        assert proc.exitcode == -signal.SIGKILL, f"writer died on its own: {proc.exitcode}"
        # Acks sent before the kill are still in the pipe: they count.
        while reader.poll(0):
            try:
                last_acked = int(reader.recv_bytes())
            except EOFError:
                break
            model = apply_op(model, last_acked)
        reader.close()
        stats["acked_changes"] += last_acked - seq + 1
        model, outcome = check_after_kill(path, model, last_acked)
        stats[outcome] += 1
        stats["kills"] += 1
        seq = last_acked + 2  # skip the in-flight change: the model now matches the disk
    return stats


def assert_backups_sound(path: Path) -> None:
    """Every backup generation parses and the rotation keeps at most BACKUP_GENERATIONS."""
    generations = store.backups(path)
    assert 1 <= len(generations) <= store.BACKUP_GENERATIONS
    for backup in generations:
        data = orjson.loads(backup.read_bytes())
        assert isinstance(data.get("triage"), dict)


def test_sigkill_while_writing_never_loses_an_acknowledged_change(tmp_path: Path):
    path = tmp_path / "library"
    make_library(path)
    stats = run_forked_kills(path, FAST_KILLS, seed=20240607)
    assert stats["kills"] == FAST_KILLS
    # The kills must really have interrupted work, not only idle processes.
    assert stats["acked_changes"] > FAST_KILLS
    assert_backups_sound(path)
    problems = [p for p in doctor.check(path) if not p.startswith("note:")]
    assert problems == []
    # Each writer removes the temp files its killed predecessors left: only the last
    # kill's (one triage.json temp, one backup temp at most) can still be there.
    leftovers = [p.name for p in path.rglob("*.tmp")]
    assert len(leftovers) <= 2, leftovers
    stats["temp_files_left"] = len(leftovers)
    print(f"crash-kill stats: {stats}")


@pytest.mark.slow
def test_sigkill_many_more_times(tmp_path: Path):
    path = tmp_path / "library"
    make_library(path)
    stats = run_forked_kills(path, 2000, seed=99)
    assert stats["kills"] == 2000
    assert_backups_sound(path)
    print(f"crash-kill stats (slow): {stats}")


CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from papersift.store import Library
import test_reliability_crash as t
library = Library(Path({path!r}))
seq = {first}
while True:
    t.do_op(library, seq)
    print(seq, flush=True)
    seq += 1
"""


def test_sigkill_of_a_python_subprocess_that_prints_acks(tmp_path: Path):
    """The same check with a plain subprocess: acks are lines on its stdout."""
    path = tmp_path / "library"
    make_library(path)
    rnd = random.Random(7)
    model = {pid: State() for pid in IDS}
    seq = 0
    persisted_in_flight = 0
    for _ in range(SUBPROCESS_KILLS):
        code = CHILD.format(tests=str(Path(__file__).parent), path=str(path), first=seq)
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, bufsize=1
        )
        assert proc.stdout is not None
        last_acked = seq - 1
        wanted = rnd.randrange(1, 20)
        for line in proc.stdout:
            last_acked = int(line)
            model = apply_op(model, last_acked)
            if last_acked - seq + 1 >= wanted:
                break
        time.sleep(rnd.random() * 0.003)
        proc.send_signal(signal.SIGKILL)
        for line in proc.stdout:  # lines printed before the kill are acks too
            last_acked = int(line)
            model = apply_op(model, last_acked)
        proc.wait(10)
        assert proc.returncode == -signal.SIGKILL, proc.returncode
        model, outcome = check_after_kill(path, model, last_acked)
        persisted_in_flight += outcome == "in-flight-persisted"
        seq = last_acked + 2
    assert disk_state(path) == model


def test_kill_during_import_leaves_a_loadable_library(tmp_path: Path):
    """An import killed at any point: the corpus is the old one or the new one, whole."""
    path = tmp_path / "library"
    make_library(path)
    listing = tmp_path / "listing.txt"
    listing.write_text(
        "\n\n".join(
            f"A study of topic number {i} in depth\n"
            + f"We study topic {i} carefully and report what we found in many experiments."
            for i in range(400)
        ),
        encoding="utf-8",
    )
    rnd = random.Random(3)
    outcomes = {"old": 0, "new": 0}
    for _ in range(8):
        before = set(Library(path, readonly=True).papers)
        proc = subprocess.Popen(
            [sys.executable, "-m", "papersift", "--library", str(path), "import", str(listing)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.2 + rnd.random() * 0.8)
        proc.kill()
        proc.wait(10)
        after = set(Library(path, readonly=True).papers)
        assert before <= after
        outcomes["new" if after != before else "old"] += 1
        if after != before:
            assert len(after - before) == 400
            break
    # Whatever happened, the user's triage is untouched and doctor finds nothing wrong.
    assert [p for p in doctor.check(path) if not p.startswith("note:")] == []


# --------------------------------------------------------------------------------------
# Disk full, read-only file system, permission denied: a clear message, nothing changed
# --------------------------------------------------------------------------------------


def papersift(library: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess; `prelude` is Python run first (fault injection)."""
    code = (
        "import sys\n" + prelude + "\nfrom papersift.cli import main\nsys.exit(main(sys.argv[1:]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code, "--library", str(library), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under the library directory, byte for byte."""
    return {
        str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()
    }


def write_listing(path: Path, n: int = 30, prefix: str = "Paper") -> Path:
    path.write_text(
        "\n\n".join(
            f"{prefix} number {i} about subject {i * 31}\n"
            f"We present result {i} with enough words to be read as an abstract, of course."
            for i in range(n)
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def small_fs(tmp_path: Path):
    """A real 4 MiB tmpfs, to get real ENOSPC/EROFS from the kernel (root only)."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(directory: Path) -> Path:
    """Fill the file system holding `directory` until the kernel says ENOSPC."""
    filler = directory / "filler"
    # Unbuffered: every write reaches the kernel, so nothing is left to fail at close.
    with open(filler, "wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    f.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def imported_library(root: Path, tmp_path: Path) -> tuple[Path, str]:
    library = root / "library"
    listing = write_listing(tmp_path / "listing.txt")
    done = papersift(library, "import", str(listing))
    assert done.returncode == 0, done.stderr
    pid = Library(library, readonly=True).entries()[0].id
    assert papersift(library, "tag", pid, "--add", "before").returncode == 0
    return library, pid


def test_real_full_disk_star_and_import_fail_cleanly(small_fs: Path, tmp_path: Path):
    library, pid = imported_library(small_fs, tmp_path)
    filler = fill(small_fs)
    before = snapshot(library)
    star = papersift(library, "star", pid)
    assert star.returncode == 1
    assert "disk is full" in star.stderr and "Traceback" not in star.stderr
    assert snapshot(library) == before
    more = write_listing(tmp_path / "more.txt", 40, prefix="Other")
    imp = papersift(library, "import", str(more))
    assert imp.returncode == 1 and "disk is full" in imp.stderr, imp.stderr
    assert "Traceback" not in imp.stderr
    assert snapshot(library) == before
    # Free the space: the very same command now works and the old state is all there.
    filler.unlink()
    assert papersift(library, "star", pid).returncode == 0
    t = Library(library, readonly=True).triage_of(pid)
    assert t.starred and t.tags == ("before",)


def test_real_read_only_file_system(small_fs: Path, tmp_path: Path):
    library, pid = imported_library(small_fs, tmp_path)
    before = snapshot(library)
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    star = papersift(library, "star", pid)
    assert star.returncode == 1
    assert "read-only" in star.stderr and "Traceback" not in star.stderr
    # Reading still works from a read-only library.
    shown = papersift(library, "show", pid)
    assert shown.returncode == 0 and "tags: before" in shown.stdout
    subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    assert snapshot(library) == before


def as_nobody(path: str, conn) -> None:
    """Child: drop root, then try to change the library (root ignores file modes)."""
    os.setgid(65534)
    os.setuid(65534)
    try:
        actions.set_starred(Library(Path(path)), [IDS[0]], True)
    except PapersiftError as exc:
        conn.send_bytes(b"PapersiftError: " + str(exc).encode())
    except BaseException as exc:
        conn.send_bytes(f"{type(exc).__name__}: {exc}".encode())
    else:
        conn.send_bytes(b"no error")


@pytest.fixture
def shared_tmp():
    """A directory other users may enter (pytest's tmp_path is private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="papersift-perm-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
@pytest.mark.parametrize("parent_mode", [0o755, 0o700], ids=["not-writable", "not-readable"])
def test_real_permission_denied(shared_tmp: Path, parent_mode: int):
    """Another user's library: readable but not writable, or not even readable."""
    path = shared_tmp / "library"
    make_library(path)
    actions.set_starred(Library(path), [IDS[1]], True)
    path.chmod(parent_mode)
    before = snapshot(path)
    ctx = multiprocessing.get_context("forkserver")
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=as_nobody, args=(str(path), writer))
    child.start()
    child.join(30)
    answer = reader.recv_bytes().decode()
    assert answer.startswith("PapersiftError:") and "permission denied" in answer, answer
    assert str(path) in answer
    assert snapshot(path) == before


ENOSPC_ON_FSYNC = """
import errno, os
def _full(fd):
    raise OSError(errno.ENOSPC, "No space left on device")
os.fsync = _full
"""
EACCES_ON_CREATE = """
import errno, tempfile
def _denied(*a, **k):
    raise PermissionError(errno.EACCES, "Permission denied")
tempfile.mkstemp = _denied
"""
EROFS_ON_RENAME = """
import errno, os
def _ro(*a, **k):
    raise OSError(errno.EROFS, "Read-only file system")
os.replace = _ro
"""


@pytest.mark.parametrize(
    ("prelude", "said"),
    [
        (ENOSPC_ON_FSYNC, "disk is full"),
        (EACCES_ON_CREATE, "permission denied"),
        (EROFS_ON_RENAME, "read-only"),
    ],
    ids=["enospc-fsync", "eacces-create", "erofs-rename"],
)
@pytest.mark.parametrize("command", ["star", "note", "tag", "status"])
def test_injected_write_faults_through_the_cli(tmp_path: Path, prelude, said, command):
    """Where a machine cannot produce the fault for real (CI, non-root), inject it."""
    path = tmp_path / "library"
    make_library(path)
    actions.add_tags(Library(path), [IDS[0]], ["kept"])
    before = snapshot(path)
    args = {
        "star": ("star", IDS[0]),
        "note": ("note", IDS[0], "--set", "lost?"),
        "tag": ("tag", IDS[0], "--add", "new"),
        "status": ("status", IDS[0], "read"),
    }[command]
    done = papersift(path, *args, prelude=prelude)
    assert done.returncode == 1, done.stdout + done.stderr
    assert said in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1  # one clear line
    assert snapshot(path) == before
    assert not list(path.rglob("*.tmp"))


# --------------------------------------------------------------------------------------
# Backups and `papersift doctor`
# --------------------------------------------------------------------------------------


def test_backups_rotate_and_hold_earlier_states(tmp_path: Path, monkeypatch):
    """At most BACKUP_GENERATIONS copies; each is the state before a change, newest first."""
    monkeypatch.setattr(store, "BACKUP_INTERVAL", 0.0)
    path = tmp_path / "library"
    make_library(path)
    library = Library(path)
    changes = store.BACKUP_GENERATIONS + 3
    for i in range(changes):
        actions.set_note(library, IDS[0], f"note {i}")
        library._last_backup = 0.0
        for n, backup in enumerate(sorted(store.backups(path))):
            # Backups are named by the second; give each its own so none is overwritten.
            backup.rename(backup.with_name(f"triage-20000101T{n:06d}.json"))
    generations = store.backups(path)
    assert len(generations) == store.BACKUP_GENERATIONS
    kept = [orjson.loads(g.read_bytes())["triage"][IDS[0]]["note"] for g in generations]
    # The newest backup was taken before the last change, so it holds the one before it.
    assert kept == [f"note {i}" for i in range(changes - 2, changes - 2 - len(kept), -1)]
    assert library.triage_of(IDS[0]).note == f"note {changes - 1}"


def test_doctor_reports_damage_and_restores_the_backup(tmp_path: Path):
    library, pid = imported_library(tmp_path, tmp_path)
    assert papersift(library, "star", pid).returncode == 0
    assert papersift(library, "note", pid, "--set", "months of notes").returncode == 0
    newest = store.backups(library)[0]
    backed_up_triage = orjson.loads(newest.read_bytes())["triage"]
    ok = papersift(library, "doctor")
    assert ok.returncode == 0 and "ok:" in ok.stdout
    # A torn file (another tool, a bad sync, a disk error): half of it is gone.
    triage = library / "triage.json"
    triage.write_bytes(triage.read_bytes()[: triage.stat().st_size // 2])
    damaged = triage.read_bytes()
    listing = papersift(library, "list")
    assert listing.returncode == 1
    assert "triage.json" in listing.stderr and "papersift doctor" in listing.stderr
    report = papersift(library, "doctor")
    assert report.returncode == 1
    assert "triage.json: damaged JSON" in report.stdout
    assert "papersift doctor --restore" in report.stdout
    restored = papersift(library, "doctor", "--restore")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "restored triage from" in restored.stdout
    # The damaged file is kept beside, in case there is something in it worth saving.
    assert (library / "triage.json.before-restore").read_bytes() == damaged
    reopened = Library(library, readonly=True)
    assert {k: Triage.from_dict(v) for k, v in backed_up_triage.items()} == dict(reopened.triage)
    assert papersift(library, "list").returncode == 0


def test_doctor_on_a_damaged_corpus_does_not_promise_a_triage_restore(tmp_path: Path):
    library, pid = imported_library(tmp_path, tmp_path)
    assert papersift(library, "star", pid).returncode == 0  # so that a backup exists
    assert store.backups(library)
    corpus = library / "corpus.json"
    corpus.write_bytes(corpus.read_bytes()[:100])
    report = papersift(library, "doctor")
    assert report.returncode == 1
    assert "corpus.json: damaged JSON" in report.stdout
    # Backups hold triage only: the advice must be to re-import, and triage is safe.
    assert "import" in report.stdout
    assert "doctor --restore" not in report.stdout
    # Following that advice brings everything back.
    corpus.rename(library / "corpus.json.damaged")
    assert papersift(library, "import", str(tmp_path / "listing.txt")).returncode == 0
    t = Library(library, readonly=True).entry(pid).triage
    assert t.starred and t.tags == ("before",)
    assert papersift(library, "doctor").returncode == 0
