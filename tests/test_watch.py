"""Watching a folder: a real temporary folder, files appearing in it (some written in
chunks), real imports into a real library; `papersift watch` in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from papersift.models import PapersiftError
from papersift.readers import read_path
from papersift.store import Library
from papersift.watch import STATE_FILE, FolderWatcher, is_candidate

from .conftest import SAMPLE_DATA, SAMPLE_LISTINGS

LISTING = SAMPLE_LISTINGS[0]
OTHER_LISTING = SAMPLE_LISTINGS[1]
#: Papers in LISTING, as `papersift import` reads it.
N_LISTING = len(read_path(LISTING).records)
BIB = """@article{vaswani2017,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish and Shazeer, Noam},
  year = {2017},
  eprint = {1706.03762},
  archivePrefix = {arXiv}
}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "inbox"
    path.mkdir()
    return path


@pytest.fixture
def library(library_path: Path):
    library = Library(library_path)
    yield library
    library.close()


def statuses(events) -> list[tuple[str, str]]:
    return [(e.path.name, e.status) for e in events]


def test_a_file_is_imported_only_once_it_has_stopped_growing(library, folder: Path):
    watcher = FolderWatcher(library, folder)
    data = LISTING.read_bytes()
    third = len(data) // 3
    target = folder / "today.txt"
    with target.open("wb") as handle:
        handle.write(data[:third])
        handle.flush()
        assert watcher.poll() == []  # first look: noted
        handle.write(data[third : 2 * third])
        handle.flush()
        assert watcher.poll() == []  # grew since: still being written
        handle.write(data[2 * third :])
    assert watcher.poll() == []  # complete now, but not yet seen unchanged
    assert len(library) == 0
    (event,) = watcher.poll()
    assert (event.status, event.report.format) == ("imported", "listing")
    assert event.report.new == event.report.read == len(library) == N_LISTING
    assert watcher.poll() == []  # handled: not looked at again while unchanged


def test_once_by_content_rewritten_content_imports_again(library, folder: Path):
    watcher = FolderWatcher(library, folder)
    (folder / "a.txt").write_bytes(LISTING.read_bytes())
    watcher.poll()
    assert statuses(watcher.poll()) == [("a.txt", "imported")]
    # The same content under another name, and the same file touched: not imported.
    (folder / "copy.txt").write_bytes(LISTING.read_bytes())
    os.utime(folder / "a.txt", ns=(time.time_ns(), time.time_ns() + 10**9))
    watcher.poll()
    events = watcher.poll()
    assert statuses(events) == [("a.txt", "seen"), ("copy.txt", "seen")]
    assert "this content was imported on" in events[0].line()
    before = len(library)
    # Rewritten with new content: imported again.
    (folder / "a.txt").write_bytes(OTHER_LISTING.read_bytes())
    watcher.poll()
    (event,) = watcher.poll()
    assert event.status == "imported" and event.report.new > 0
    assert len(library) == before + event.report.new


def test_a_bad_file_fails_once_and_is_retried_only_when_it_changes(library, folder: Path):
    watcher = FolderWatcher(library, folder)
    (folder / "refs.bib").write_text("@article{broken, title = {Unclosed\n")
    watcher.poll()
    (event,) = watcher.poll()
    assert event.status == "failed" and "refs.bib" in event.report.error
    assert len(library) == 0
    os.utime(folder / "refs.bib", ns=(time.time_ns(), time.time_ns() + 10**9))
    watcher.poll()
    (event,) = watcher.poll()
    assert event.status == "seen" and "not retried" in event.line()
    # A new watcher (a restart) remembers it too.
    restarted = FolderWatcher(library, folder)
    restarted.poll()
    assert statuses(restarted.poll()) == [("refs.bib", "seen")]
    (folder / "refs.bib").write_text(BIB)
    restarted.poll()
    (event,) = restarted.poll()
    assert event.status == "imported" and event.report.format == "bibtex"
    assert [p.arxiv for p in library.papers.values()] == ["1706.03762"]


def test_every_registered_format_is_picked_up(library, folder: Path):
    watcher = FolderWatcher(library, folder)
    (folder / "list.txt").write_bytes(LISTING.read_bytes())
    (folder / "refs.bib").write_text(BIB)
    (folder / "shared.json").write_bytes((SAMPLE_DATA / "reading-list-alignment.json").read_bytes())
    ris = "TY  - JOUR\nTI  - An RIS paper about watching folders\nPY  - 2024\nER  - \n"
    (folder / "export.ris").write_text(ris)
    watcher.poll()
    events = watcher.poll()
    assert sorted((e.path.name, e.report.format) for e in events) == [
        ("export.ris", "ris"),
        ("list.txt", "listing"),
        ("refs.bib", "bibtex"),
        ("shared.json", "reading-list"),
    ]
    assert all(e.status == "imported" for e in events)


def test_hidden_partial_and_other_files_are_left_alone(library, folder: Path):
    for name in (".hidden.txt", "paper.txt.part", "x.txt.crdownload", "notes.txt~", "a.pdf"):
        (folder / name).write_bytes(LISTING.read_bytes())
    (folder / "sub.txt").mkdir()
    watcher = FolderWatcher(library, folder)
    watcher.poll()
    assert watcher.poll() == []
    assert len(library) == 0
    assert is_candidate("Listing.TXT") and is_candidate("refs.bibtex")
    assert not is_candidate("refs.bib.tmp")


def test_the_record_is_kept_atomically_in_the_library(library, folder: Path):
    watcher = FolderWatcher(library, folder)
    (folder / "a.txt").write_bytes(LISTING.read_bytes())
    watcher.poll()
    watcher.poll()
    record = json.loads((library.path / STATE_FILE).read_text())
    (entry,) = record["files"].values()
    assert entry["file"] == "a.txt" and entry["error"] == ""
    assert not list(library.path.glob(f".{STATE_FILE}.*"))  # no temp file left


def test_a_broken_record_is_a_clear_error(library, folder: Path):
    (library.path / STATE_FILE).write_text("{not json")
    with pytest.raises(PapersiftError, match=f"{STATE_FILE}: not valid JSON"):
        FolderWatcher(library, folder)
    with pytest.raises(PapersiftError, match="not a folder"):
        FolderWatcher(library, folder / "missing")


def test_a_vanished_file_is_skipped(library, folder: Path):
    watcher = FolderWatcher(library, folder)
    (folder / "a.txt").write_bytes(LISTING.read_bytes())
    watcher.poll()
    (folder / "a.txt").unlink()
    assert watcher.poll() == []
    assert not (library.path / STATE_FILE).exists()


# ---------------------------------------------------------------------- the command


def papersift(*args: str, library: Path) -> list[str]:
    return [sys.executable, "-m", "papersift", "--library", str(library), *args]


def test_watch_once_prints_the_import_lines(library_path: Path, folder: Path):
    (folder / "a.txt").write_bytes(LISTING.read_bytes())
    (folder / "bad.bib").write_text("@article{x, title = {never closed\n")
    proc = subprocess.run(
        papersift("watch", str(folder), "--once", "--interval", "0.2", library=library_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # a file failed, as `papersift import` says
    lines = proc.stdout.splitlines()
    assert lines == [
        f"{folder / 'a.txt'}: read {N_LISTING} (listing), new {N_LISTING}, merged 0, unchanged 0, "
        "possible duplicates 0",
        f"{folder / 'bad.bib'}: FAILED, nothing imported",
    ]
    assert "error: bad.bib:" in proc.stderr
    again = subprocess.run(
        papersift("watch", str(folder), "--once", "--interval", "0.2", library=library_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0].startswith("a.txt: this content was imported on")
    assert "bad.bib: failed on" in again.stdout


def test_watch_runs_until_ctrl_c_and_imports_files_as_they_appear(library_path: Path, folder: Path):
    proc = subprocess.Popen(
        papersift("watch", str(folder), "--interval", "1", library=library_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "watching" in proc.stderr.readline()
        data = LISTING.read_bytes()
        with (folder / "new.txt").open("wb") as handle:
            for start in range(0, len(data), len(data) // 4):
                handle.write(data[start : start + len(data) // 4])
                handle.flush()
                # Shorter than the interval: every two looks see it grow, and at
                # least one look sees it half written.
                time.sleep(0.3)
        line = proc.stdout.readline()
        assert line.startswith(f"{folder / 'new.txt'}: read {N_LISTING} (listing), new {N_LISTING}")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped watching" in err and "Traceback" not in err
    library = Library(library_path, readonly=True)
    assert len(library) == N_LISTING
    library.close()
