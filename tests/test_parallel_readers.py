"""Big imports read their files in worker processes, with exactly the outcome of reading here."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from papersift.dedupe import features
from papersift.importer import import_files, read_files
from papersift.parallel import readers as parallel_readers
from papersift.store import Library
from tests.conftest import SAMPLE_LISTINGS

BIB = sorted((Path(__file__).parent / "data" / "bibtex").glob("*.bib"))


def files(tmp_path: Path) -> list[Path]:
    broken = tmp_path / "broken.bib"
    broken.write_text("@misc{a, title = {unclosed\n", encoding="utf-8")
    return [*SAMPLE_LISTINGS, broken, tmp_path / "missing.txt", *BIB]


def outcome(paths: list[Path]):
    results, reports = read_files(paths)
    return [(r.file, r.records, r.warnings) for r in results], reports


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every import with two readable files take the worker path."""
    monkeypatch.setattr(parallel_readers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel_readers, "cpus", lambda: 2)


def test_plan_shares_files_with_this_process_by_cost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = SAMPLE_LISTINGS[0].read_text(encoding="utf-8")
    bib = "@misc{a, title = {T}}\n"
    sizes = {"l1.txt": (listing, 3), "b1.bib": (bib, 400), "l2.txt": (listing, 1)}
    paths = []
    for name, (text, times) in sizes.items():
        path = tmp_path / name
        path.write_text(text * times, encoding="utf-8")
        paths.append(path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    paths += [tmp_path / "missing.bib", fifo]
    cost = {n: p.stat().st_size * (5 if p.suffix == ".bib" else 1) for n, p in enumerate(paths[:3])}
    costliest, second, third = sorted(cost, key=lambda n: -cost[n])
    monkeypatch.setattr(parallel_readers, "cpus", lambda: 2)
    # Two readers, this process first: the costliest file here, the second to the worker,
    # the third to whichever has less so far.
    expected = [second] + ([third] if cost[second] < cost[costliest] else [])
    assert parallel_readers.plan(paths, min_bytes=0) == expected
    monkeypatch.setattr(parallel_readers, "cpus", lambda: 3)
    assert parallel_readers.plan(paths, min_bytes=0) == [second, third]
    assert parallel_readers.plan(paths) == []  # far below PARALLEL_MIN_BYTES
    assert parallel_readers.plan(paths[:1], min_bytes=0) == []  # one file: nothing to share
    monkeypatch.setattr(parallel_readers, "cpus", lambda: 1)
    assert parallel_readers.plan(paths, min_bytes=0) == []


def test_workers_read_exactly_what_this_process_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: None
) -> None:
    paths = files(tmp_path)
    monkeypatch.setattr(parallel_readers, "PARALLEL_MIN_BYTES", 10**12)
    here = outcome(paths)
    monkeypatch.setattr(parallel_readers, "PARALLEL_MIN_BYTES", 0)
    calls: list[int] = []
    real = parallel_readers.read_in_workers

    def spy(paths, order, finish, workers=None):
        done = real(paths, order, finish, workers)
        calls.append(len(done))
        return done

    monkeypatch.setattr(parallel_readers, "read_in_workers", spy)
    results, reports = read_files(paths)
    assert calls and calls[0] >= 1  # the worker read its share
    assert [(r.file, r.records, r.warnings) for r in results] == here[0]
    assert reports == here[1]
    assert "broken.bib:1:" in reports[len(SAMPLE_LISTINGS)].error
    assert "no such file" in reports[len(SAMPLE_LISTINGS) + 1].error
    # The workers computed dedupe's features of their records, as dedupe would.
    for result in results:
        assert result.features == features(result.records)


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/true", "/bin/cat"])
def test_a_worker_that_cannot_start_or_answer_means_reading_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parallel: None, executable: str
) -> None:
    paths = files(tmp_path)
    monkeypatch.setattr(parallel_readers, "PARALLEL_MIN_BYTES", 10**12)
    here = outcome(paths)
    monkeypatch.setattr(parallel_readers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(sys, "executable", executable)
    progress: list[tuple[int, int]] = []
    results, reports = read_files(paths, lambda stage, done, total: progress.append((done, total)))
    assert [(r.file, r.records, r.warnings) for r in results] == here[0]
    assert reports == here[1]
    assert progress == [(n, len(paths)) for n in range(1, len(paths) + 1)]


def test_an_import_through_workers_builds_the_same_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [*SAMPLE_LISTINGS, *BIB]
    one = Library(tmp_path / "one")
    import_files(one, paths)
    monkeypatch.setattr(parallel_readers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel_readers, "cpus", lambda: 2)
    assert parallel_readers.plan(paths)
    two = Library(tmp_path / "two")
    import_files(two, paths)
    assert len(two.papers) >= 318
    assert {k: v.to_dict() | {"added": 0} for k, v in two.papers.items()} == {
        k: v.to_dict() | {"added": 0} for k, v in one.papers.items()
    }
    assert two.possible == one.possible


def test_the_worker_streams_records_in_chunks_and_answers_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from papersift.readers import read_path

    monkeypatch.setattr(parallel_readers, "_CHUNK", 7)  # 189 records: 27 messages
    big = max(SAMPLE_LISTINGS, key=lambda p: p.stat().st_size)
    request = io.BytesIO()
    sample_bib = Path(__file__).parent / "data" / "bibtex" / "sample.bib"
    for path in (tmp_path / "missing.bib", big, sample_bib):
        parallel_readers._send(request, str(path))
    request.seek(0)
    answer = io.BytesIO()
    parallel_readers.serve(request, answer)
    answer.seek(0)
    first = parallel_readers._receive_outcome(answer)
    assert "no such file" in str(first)
    for path in (big, sample_bib):
        got = parallel_readers._receive_outcome(answer)
        expected = read_path(path)
        assert got.records == expected.records
        assert got.warnings == expected.warnings
        assert got.features == features(expected.records)
    with pytest.raises(EOFError):
        parallel_readers._receive(answer)
