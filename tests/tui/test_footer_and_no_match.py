"""The main screen's footer and its "no match here" message (issue #13 item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer

from papersift import actions
from papersift.store import Library
from papersift.tui.screens.main import MainScreen

from .conftest import settle


@pytest.mark.parametrize("width", [80, 120, 160])
async def test_footer_entries_are_separated(make_app, width: int) -> None:
    app = make_app()
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot, app)
        footer = app.screen.query_one(Footer)
        line = app.screen._compositor.render_strips()[footer.region.y].text
    assert "statust" not in line
    assert "status t Tags" in line


async def test_no_match_here_says_where_the_matches_are_and_offers_all_papers(
    make_app, lib_path: Path
) -> None:
    library = Library(lib_path)
    ids = list(library.papers)
    title = library.papers[ids[0]].title
    actions.set_status(library, ids[:1], "read")
    library.close()
    # A quoted phrase of the read paper's title: in no inbox paper.
    query = '"' + " ".join(title.split()[:4]) + '"'

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot, app)
        main = app.screen
        assert isinstance(main, MainScreen) and main.view == "status:inbox"
        await pilot.press("slash")
        main.filter_bar.input.value = query
        await settle(pilot, app)
        plist = main.paper_list
        assert len(plist) == 0
        message = plist.empty_message
        assert message.startswith("No paper in this view matches the filter; 1 paper in ")
        assert "(1 read)" in message
        assert "A: search all papers" in message
        await pilot.press("escape")  # back to the list
        await pilot.press("A")
        await settle(pilot, app)
        assert main.view == "all"
        assert main.filter_bar.text == query
        assert ids[0] in plist.ids
