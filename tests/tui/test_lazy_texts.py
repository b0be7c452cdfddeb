"""The TUI opens a library with its texts unread (as `papersift` does) and reads them
after the first paint: what shows before and after, and what waits for them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from papersift.query import parse
from papersift.store import Library
from papersift.tui.app import PapersiftApp
from papersift.tui.widgets.detail import PaperDetail
from papersift.tui.widgets.paper_list import PaperList

from .conftest import add_papers, settle


def _gated_app(lib_path: Path) -> tuple[PapersiftApp, threading.Event]:
    """An app on a lazily opened library whose texts are read only once the event is set."""
    library = Library(lib_path, lazy_texts=True)
    assert not library.texts_loaded
    gate = threading.Event()
    read = library.ensure_texts

    def gated() -> None:
        gate.wait(30)
        read()

    library.ensure_texts = gated  # type: ignore[method-assign]
    return PapersiftApp(library, poll_seconds=0), gate


async def _until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"never happened: {what}")


async def test_detail_shows_the_abstract_once_the_texts_are_read(lib_path: Path, config_path):
    full = Library(lib_path)
    app, gate = _gated_app(lib_path)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            detail = app.query_one(PaperDetail)
            plist = app.query_one(PaperList)
            await _until(pilot, lambda: detail.paper_id is not None, "a paper in the detail")
            paper = full.papers[detail.paper_id]
            assert paper.abstract, "the sample paper under the cursor has an abstract"
            # The list and the paper's light data are there; its abstract is on its way.
            assert len(plist) == len(full.papers)
            assert detail.text.plain.startswith(paper.title)
            assert "Abstract\nloading abstract…" in detail.text.plain
            assert paper.abstract[:40] not in detail.text.plain
            gate.set()
            await _until(pilot, lambda: app.library.texts_loaded, "the texts read")
            await settle(pilot, app)
            assert f"Abstract\n{paper.abstract[:40]}" in detail.text.plain
            assert "loading abstract" not in detail.text.plain
            assert app.library.papers == full.papers
    finally:
        gate.set()
        app.library.close()
        full.close()


async def test_has_abstract_waits_for_the_texts(lib_path: Path, config_path):
    add_papers(lib_path, [{"title": "A paper without an abstract"}])
    full = Library(lib_path)
    with_abstract = [pid for pid, p in full.papers.items() if p.abstract.strip()]
    assert 0 < len(with_abstract) < len(full.papers)
    app, gate = _gated_app(lib_path)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            plist = app.query_one(PaperList)
            await _until(pilot, lambda: len(plist) > 0, "the first rows")
            # A field-only query is answered by the small index meanwhile...
            assert app.live.search(parse("-is:starred")) is not None
            # ...but not one about abstracts: no paper has one yet.
            assert app.live.search(parse("has:abstract")) is None
            assert app.live.search(parse("is:inbox OR has:abstract")) is None
            gate.set()
            await _until(pilot, lambda: app.live.ready, "the word index")
            assert sorted(app.live.search(parse("has:abstract"))) == sorted(with_abstract)
    finally:
        gate.set()
        app.library.close()
        full.close()


async def test_an_export_before_the_texts_are_read_has_them(
    lib_path: Path, config_path, tmp_path: Path
):
    full = Library(lib_path)
    app, gate = _gated_app(lib_path)
    target = tmp_path / "out.bib"
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            plist = app.query_one(PaperList)
            await _until(pilot, lambda: len(plist) > 0, "the first rows")
            from papersift.tui.screens.export import ExportScreen

            screen = ExportScreen(plist.ids[:5])
            app.push_screen(screen)
            await pilot.pause()
            # Read the texts only once the export has started waiting for them.
            loop = asyncio.get_running_loop()
            entries = loop.run_in_executor(None, screen.entries)
            await pilot.pause(0.05)
            assert not app.library.texts_loaded
            gate.set()
            got = await entries
            assert [e.paper for e in got] == [full.papers[pid] for pid in plist.ids[:5]]
            assert any(e.paper.abstract for e in got)
            assert not target.exists()
    finally:
        gate.set()
        app.library.close()
        full.close()


async def test_the_word_index_is_kept_for_the_next_open(lib_path: Path, make_app) -> None:
    cache = lib_path / "search-index.npz"
    assert not cache.exists()
    first = make_app()
    async with first.run_test(size=(140, 40)) as pilot:
        await _until(pilot, lambda: first.live.ready, "the word index")
        await settle(pilot, first)
        answer = sorted(first.live.search(parse("multilingual alignment")))
        assert answer
    # Written after the index went into use, by the same worker.
    assert cache.is_file()
    second = make_app()
    async with second.run_test(size=(140, 40)) as pilot:
        await _until(pilot, lambda: second.live.ready, "the word index")
        await settle(pilot, second)
        assert second.live.current is not None and second.live.current.from_cache
        assert sorted(second.live.search(parse("multilingual alignment"))) == answer
