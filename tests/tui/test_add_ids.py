"""Adding papers by arXiv id or DOI in the app (`+`): a pasted list looked up against
the local server, the report, the papers in the list, the waiting count, the retries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events
from textual.widgets import TextArea

from papersift.lookup import Lookup, load_lookup_config, read_queue
from papersift.store import Library
from papersift.tui.screens.add_ids import AddIdsScreen
from tests.lookup_server import Services, serve

from .conftest import settle

WIDE = (160, 45)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, config_path: Path) -> Iterator[Services]:
    config_path.write_text("[lookup]\ntimeout = 2\n")
    with serve() as services:
        monkeypatch.setenv("PAPERSIFT_ARXIV_API", services.arxiv_api)
        monkeypatch.setenv("PAPERSIFT_DOI_URL", services.doi_url)
        yield services


def title_of(app) -> str:
    return str(app.main_screen.query_one("#list-title").render())


async def test_paste_a_list_see_the_papers_and_the_waiting_count(
    make_app, lib_path: Path, server: Services
) -> None:
    server.doi_mode = "503"  # doi.org is down: the DOI waits
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert "waiting" not in title_of(app)
        await pilot.press("plus")
        await settle(pilot, app)
        assert isinstance(app.screen, AddIdsScreen)
        assert app.focused is app.screen.query_one(TextArea)
        app.post_message(
            events.Paste(
                "2403.04652\nhttps://arxiv.org/abs/1706.03762v7, 10.1038/nature14539\nbogus\n"
            )
        )
        await settle(pilot, app)
        assert "bogus" in app.screen.query_one(TextArea).text
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        report = str(app.screen.query_one("#add-ids-lines").render())
        lines = report.splitlines()
        assert lines[0] == "bogus: failed: not an arXiv id or a DOI"
        assert lines[1].startswith("2403.04652: merged into ")
        assert lines[2].startswith("https://arxiv.org/abs/1706.03762v7: added ")
        assert lines[3] == "10.1038/nature14539: queued: doi.org: HTTP 503 Service Unavailable"
        assert "1 lookup waiting" in lines[4]
        assert len(server.arxiv_requests()) == 1
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, AddIdsScreen)
        assert "1 lookup waiting" in title_of(app)

        # The new paper is in the list and the search index.
        await pilot.press("/", *"attention", "enter")
        await settle(pilot, app)
        titles = [app.library.papers[pid].title for pid in app.view_ids()]
        assert "Attention Is All You Need" in titles

        # doi.org is back: the app's retry (its timer's work) adds the waiting DOI.
        server.doi_mode = "ok"
        app.lookups.retry()
        await settle(pilot, app)
        assert "waiting" not in title_of(app)
        assert read_queue(lib_path).waiting == []
        assert "Deep learning" in {p.title for p in Library(lib_path).papers.values()}


async def test_the_app_retries_the_queue_at_start(make_app, lib_path: Path, server: Services):
    server.arxiv_mode = "503"
    library = Library(lib_path)
    Lookup(lib_path, load_lookup_config()).add(library, "hep-th/9711200 1706.03762")
    library.close()
    assert len(read_queue(lib_path).waiting) == 2

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        # Still down: the retry at start failed again and the count stays.
        assert len(server.arxiv_requests()) == 2
        assert "2 lookups waiting" in title_of(app)

    server.arxiv_mode = "ok"
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert len(server.arxiv_requests()) == 3
        assert "waiting" not in title_of(app)
        titles = {p.title for p in app.library.papers.values()}
        assert "Attention Is All You Need" in titles
        assert "The Large N Limit of Superconformal field theories and supergravity" in titles


async def test_the_palette_opens_it_and_another_process_changes_the_count(
    make_app, lib_path: Path, server: Services
):
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"arXiv id or DOI")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, AddIdsScreen)
        await pilot.press("escape")
        await settle(pilot, app)

        # `papersift add` in another process queues a lookup: the title follows.
        server.arxiv_mode = "503"
        other = Library(lib_path)
        Lookup(lib_path, load_lookup_config()).add(other, "1706.03762")
        other.close()
        app.lookups.check_queue()
        await settle(pilot, app)
        assert "1 lookup waiting" in title_of(app)


async def test_a_broken_queue_and_config_are_said_at_start(
    make_app, lib_path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAPERSIFT_DOI_URL", "not a url")
    monkeypatch.setenv("PAPERSIFT_ARXIV_API", "http://127.0.0.1:9/api/query")  # never the internet
    (lib_path / "lookup-queue.json").write_text("{broken")
    app = make_app()
    said: list[str] = []
    monkeypatch.setattr(app, "say", lambda message, **kwargs: said.append(message))
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
    assert any("PAPERSIFT_DOI_URL" in m and "not an http(s) URL" in m for m in said)
    assert any("lookup-queue.json: cannot read the lookup queue" in m for m in said)
    assert (lib_path / "lookup-queue.json").read_text() == "{broken"
