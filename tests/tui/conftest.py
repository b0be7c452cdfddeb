"""Fixtures for the TUI tests: a real library on disk, a private config file, no blinking.

The sample corpus is imported once per session into a template library; each test gets
its own copy, so tests can change it freely and check the files afterwards.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from papersift import actions
from papersift.importer import import_files
from papersift.models import Paper, Source
from papersift.normalize import paper_id
from papersift.paths import sample_corpus_files
from papersift.store import Library
from papersift.tui.app import PapersiftApp


@pytest.fixture(autouse=True)
def no_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cursors do not blink, so screenshots do not depend on timing."""
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file of the test's own (not created: write it to use it)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("PAPERSIFT_CONFIG", str(path))
    return path


@pytest.fixture(scope="session")
def template_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "library"
    library = Library(path)
    reports = import_files(library, sample_corpus_files())
    assert all(r.ok for r in reports), [r.error for r in reports]
    library.close()
    return path


@pytest.fixture
def lib_path(tmp_path: Path, template_library: Path) -> Path:
    """A library filled with the bundled sample corpus (318 papers), the test's own."""
    dest = tmp_path / "library"
    shutil.copytree(template_library, dest, ignore=shutil.ignore_patterns(".lock"))
    return dest


@pytest.fixture
def make_app(lib_path: Path, config_path: Path) -> Iterator[Callable[..., PapersiftApp]]:
    """Build apps on the test's library (several: restart tests make a second one)."""
    libraries: list[Library] = []

    def make(path: Path | None = None, **kwargs: object) -> PapersiftApp:
        library = Library(path or lib_path)
        libraries.append(library)
        kwargs.setdefault("poll_seconds", 0)
        return PapersiftApp(library, **kwargs)  # type: ignore[arg-type]

    yield make
    for library in libraries:
        library.close()


def short_lived(app: PapersiftApp) -> list:
    """The app's workers that end by themselves (all but the folder watch)."""
    return [w for w in app.workers if w.group != "watch"]


async def settle(pilot: Pilot, app: PapersiftApp, rounds: int = 30) -> None:
    """Wait until no worker runs and the messages they posted are handled.

    The folder watch's worker runs until stopped, so it is not waited for.
    """
    for _ in range(rounds):
        await pilot.pause()
        if workers := short_lived(app):  # (an empty list would mean all of them)
            await app.workers.wait_for_complete(workers)
        await pilot.pause(0.02)
        main = app.main_screen
        timers_pending = main is not None and (
            main._count_timer is not None or main.filter_bar._timer is not None
        )
        if timers_pending:
            await pilot.pause(0.1)
            continue
        if not any(w.is_running for w in short_lived(app)):
            await pilot.pause()
            return


def add_papers(path: Path, papers: list[dict[str, object]]) -> list[str]:
    """Add papers (title plus any Paper fields) to the library at `path`; their ids."""
    library = Library(path)
    try:
        ids = []
        with library.locked():
            library.reload_corpus_if_changed()
            all_papers = dict(library.papers)
            for i, fields in enumerate(papers):
                title = str(fields["title"])
                pid = paper_id(title, str(fields.get("doi", "")))
                ids.append(pid)
                all_papers[pid] = Paper(
                    id=pid,
                    sources=(Source("hand-made.txt", i),),
                    added=time.time() + i,
                    **fields,  # type: ignore[arg-type]
                )
            library.write_corpus(all_papers, library.possible, library.aliases)
        return ids
    finally:
        library.close()


def decided_library(lib_path: Path) -> None:
    """Star two cross-lingual papers and discard two controllable-generation ones in the
    library at `lib_path`: enough decisions for a ranking, from two known topics."""
    library = Library(lib_path)
    by_file: dict[str, list[str]] = {}
    for pid, paper in library.papers.items():
        files = {s.file for s in paper.sources}
        if len(files) == 1:
            by_file.setdefault(next(iter(files)), []).append(pid)
    actions.set_starred(library, by_file["trending-papers-cross-lingual-nlp.txt"][:2], True)
    actions.set_status(
        library, by_file["daily-papers-mar-11-controllable-generation.txt"][:2], "discarded"
    )
    library.close()
