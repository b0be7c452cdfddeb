"""Nasty input files through `papersift import`: a clear error, non-zero exit, and the
library byte-for-byte unchanged.

Small files live in tests/data/nasty/; big or special ones (50 MB lines, deep JSON,
FIFOs, directories, symlink loops, sockets) are made at test time in tmp_path.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from papersift.importer import import_files
from papersift.store import Library

from .conftest import SAMPLE_LISTINGS

NASTY = Path(__file__).parent / "data" / "nasty"

#: file name -> what the error must say beyond the file name (a line, a JSON path, or
#: the reason when there is no line to point at).
# latin1.*, duplicate-keys.bib, duplicate-field.bib and no-title.bib import with a
# warning since issue #17 (tests/test_bibtex_wild.py checks what they give).
EXPECTED = {
    "binary.bin": r"binary file",
    "pdf-renamed.bib": r"binary file",
    "bom-only.txt": r"empty",
    "empty.txt": r"empty",
    "whitespace-only.txt": r"empty",
    "noise-only.txt": r"no papers found",
    "truncated.bib": r"truncated\.bib:1: .*not closed",
    "malformed-missing-comma.bib": r"malformed-missing-comma\.bib:6:",
    "malformed-unbalanced.bib": r"malformed-unbalanced\.bib:1:",
    "malformed-no-key.bib": r"malformed-no-key\.bib:1: .*no citation key",
    "malformed-field-name.bib": r"malformed-field-name\.bib:1:",
    "only-comments.bib": r"no entries",
    "wrong-types.json": r"wrong-types\.json: \$\.papers\[0\]\.title: expected a string",
    "wrong-types-papers.json": r"\$\.papers: expected an array",
    "future-version.json": r"future-version\.json: \$\.version: .*newer papersift",
    "not-a-reading-list.json": r"\$\.format: not a papersift reading list",
    "json-array.json": r"json-array\.json: \$: expected an object",
    "json-truncated.json": r"json-truncated\.json:5:\d+: not valid JSON",
    "json-trailing-garbage.json": r"json-trailing-garbage\.json:2:\d+: not valid JSON",
    "json-nan.json": r"json-nan\.json:1:\d+: not valid JSON",
    "json-huge-number.json": r"json-huge-number\.json:1:\d+: not valid JSON",
    "json-lone-surrogate.json": r"json-lone-surrogate\.json:1:\d+: not valid JSON",
    "json-duplicate-ids.json": r"\$\.papers\[1\]\.id: .*also the id of \$\.papers\[0\]",
    "json-bad-id.json": r"\$\.papers\[0\]\.id: .*not a paper id",
    "json-nul-in-id.json": r"\$\.papers\[0\]\.id: .*not a paper id",
}


def snapshot(path: Path) -> dict[str, str]:
    """sha256 of every file under the library directory."""
    return {
        str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def papersift(library: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "papersift", "--library", str(library), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library with papers, triage and a backup: everything an import could damage."""
    path = tmp_path_factory.mktemp("bad-input") / "library"
    assert papersift(path, "import", str(SAMPLE_LISTINGS[0])).returncode == 0
    pid = Library(path, readonly=True).entries()[0].id
    assert papersift(path, "star", pid).returncode == 0
    assert papersift(path, "note", pid, "--set", "keep me").returncode == 0
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Files too big or too special to commit: path and what the error must say."""
    d = tmp_path_factory.mktemp("generated")
    out: dict[str, tuple[Path, str]] = {}
    big = d / "fifty-mb-line.txt"
    big.write_text("a" * 50_000_000)
    out["50 MB listing line"] = (big, r"fifty-mb-line\.txt:1: a 50,000,000-character line")
    big_bib = d / "fifty-mb-line.bib"
    big_bib.write_text("@article{k, title={" + "a" * 50_000_000 + "}}")
    out["50 MB .bib line"] = (big_bib, r"fifty-mb-line\.bib:1: a 50,000,021-character line")
    long_title = d / "long-title.bib"
    long_title.write_text("@article{k,\n title={" + "word " * 5000 + "}}\n")
    out["25k-character title"] = (long_title, r"long-title\.bib:1: a [\d,]+-character title")
    nested = d / "deep.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    out["JSON nested 100k deep"] = (nested, r"deep\.json:1:\d+: JSON nested more than")
    nested_paper = d / "deep-in-paper.json"
    nested_paper.write_text(
        '{"format": "papersift-reading-list", "version": 1, "name": "n", "papers": '
        '[{"id": "a", "title": "t", "x": ' + '{"a":' * 5000 + "1" + "}" * 5000 + "}]}"
    )
    out["JSON nested in a paper"] = (nested_paper, r"deep-in-paper\.json:1:\d+: JSON nested")
    fifo = d / "fifo.txt"
    os.mkfifo(fifo)
    out["FIFO without writer"] = (fifo, r"fifo\.txt: the file is empty")
    directory = d / "folder.bib"
    directory.mkdir()
    out["directory as file"] = (directory, r"folder\.bib: is a directory")
    (d / "loop-a").symlink_to(d / "loop-b")
    (d / "loop-b").symlink_to(d / "loop-a")
    out["symlink loop"] = (d / "loop-a", r"loop-a: cannot read: Too many levels of symbolic")
    (d / "dangling.txt").symlink_to(d / "gone.txt")
    out["dangling symlink"] = (d / "dangling.txt", r"dangling\.txt: no such file")
    out["missing file"] = (d / "never-existed.bib", r"never-existed\.bib: no such file")
    out["character device"] = (Path("/dev/zero"), r"/dev/zero: not a regular file")
    sock_path = d / "socket.txt"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    out["unix socket"] = (sock_path, r"socket\.txt: (not a regular file|cannot read)")
    return out


def check_refused(library: Path, path: Path, expected: str) -> str:
    """Run `papersift import path`; return a problem description, or "" if all is well."""
    before = snapshot(library)
    done = papersift(library, "import", str(path))
    problems = []
    if done.returncode == 0:
        problems.append(f"exit 0 (stdout: {done.stdout[:200]!r})")
    if "Traceback" in done.stderr:
        problems.append("a traceback")
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    if not errors:
        problems.append(f"no error line: {done.stderr[:300]!r}")
    elif not re.search(expected, errors[0]):
        problems.append(f"error {errors[0][:300]!r} does not match {expected!r}")
    elif path.name not in errors[0]:
        problems.append(f"error does not name the file: {errors[0][:200]!r}")
    if len(done.stderr) > 2000:
        problems.append(f"{len(done.stderr)} characters of stderr (an error is one line)")
    if snapshot(library) != before:
        problems.append("the library changed")
    return "; ".join(problems)


def test_every_committed_nasty_file_is_refused(library: Path):
    files = sorted(p for p in NASTY.iterdir() if p.name in EXPECTED)
    assert {p.name for p in files} == set(EXPECTED), "EXPECTED and tests/data/nasty disagree"
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda p: check_refused(library, p, EXPECTED[p.name]), files))
    failures = {p.name: r for p, r in zip(files, results, strict=True) if r}
    assert not failures, failures


def test_every_generated_nasty_file_is_refused(library: Path, generated):
    items = sorted(generated.items())
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda kv: check_refused(library, *kv[1]), items))
    failures = {name: r for (name, _), r in zip(items, results, strict=True) if r}
    assert not failures, failures


def test_all_nasty_files_in_one_command(library: Path, generated):
    """One `papersift import` of everything: one error per file, nothing imported."""
    paths = sorted(p for p in NASTY.iterdir() if p.name in EXPECTED)
    paths += [p for p, _ in generated.values()]
    before = snapshot(library)
    done = papersift(library, "import", *map(str, paths))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == len(paths)
    assert done.stdout.count("FAILED, nothing imported") == len(paths)
    assert snapshot(library) == before


def test_utf16_with_bom_is_read(tmp_path: Path):
    """Not nasty after all: what Windows editors save as "Unicode" imports fine."""
    done = papersift(tmp_path / "lib", "import", str(NASTY / "utf16.txt"))
    assert done.returncode == 0, done.stderr
    assert Library(tmp_path / "lib", readonly=True).entries()[0].paper.title == (
        "A title in UTF-16"
    )


def test_a_good_file_still_imports_beside_a_missing_one(tmp_path: Path):
    """`papersift import *.txt` where one file vanished after the shell listed it."""
    library = tmp_path / "lib"
    gone = tmp_path / "vanished.txt"
    done = papersift(library, "import", str(SAMPLE_LISTINGS[0]), str(gone))
    assert done.returncode == 1
    assert f"error: {gone}: no such file" in done.stderr
    assert len(Library(library, readonly=True)) > 0


def test_a_file_deleted_between_listing_and_reading(tmp_path: Path):
    """The importer has the list of paths; the second file is removed while the first is
    read. It is reported by name and the rest is imported."""
    first = tmp_path / "first.txt"
    first.write_bytes(SAMPLE_LISTINGS[0].read_bytes())
    second = tmp_path / "second.txt"
    second.write_bytes(SAMPLE_LISTINGS[1].read_bytes())

    def delete_after_first(stage: str, done: int, total: int) -> None:
        if stage == "read" and done == 1:
            second.unlink()

    library = Library(tmp_path / "lib")
    reports = import_files(library, [first, second], delete_after_first)
    assert reports[0].ok and reports[0].new > 0
    assert not reports[1].ok and "second.txt: no such file" in reports[1].error


def test_a_file_replaced_by_a_directory_between_listing_and_reading(tmp_path: Path):
    first = tmp_path / "first.txt"
    first.write_bytes(SAMPLE_LISTINGS[0].read_bytes())
    second = tmp_path / "second.bib"
    second.write_text("@misc{k, title={T}}")

    def swap(stage: str, done: int, total: int) -> None:
        if stage == "read" and done == 1:
            second.unlink()
            second.mkdir()

    reports = import_files(Library(tmp_path / "lib"), [first, second], swap)
    assert reports[0].ok
    assert "second.bib: is a directory" in reports[1].error
