"""Triage mode's progress is for the library and for this sitting, whichever list it
was opened on (issue #18 item 11: it restarted at "0 / 279" after 40 decisions and read
"10 / 10 100%" when opened from To read)."""

from __future__ import annotations

from textual.widgets import ProgressBar, Static

from papersift.tui.app import PapersiftApp
from papersift.tui.screens.triage import TriageScreen

from .conftest import settle


def top(screen: TriageScreen) -> tuple[str, str]:
    return (
        str(screen.query_one("#triage-progress", Static).render()),
        str(screen.query_one("#triage-position", Static).render()),
    )


async def open_triage(pilot, app: PapersiftApp) -> TriageScreen:
    await pilot.press("enter")
    await settle(pilot, app)
    assert isinstance(app.screen, TriageScreen)
    return app.screen


async def test_progress_counts_the_sitting_and_the_library(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        n = len(app.library.papers)
        screen = await open_triage(pilot, app)
        assert top(screen) == (
            f"0 decided this sitting · 0 / {n} screened",
            f"paper 1 of {n} in Inbox",
        )
        for key in "rrd":
            await pilot.press(key)
            await settle(pilot, app)
        assert top(screen)[0] == f"3 decided this sitting · 3 / {n} screened"
        bar = screen.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (3, n)
        # An undo takes its decision back from both counts.
        await pilot.press("u")
        await settle(pilot, app)
        assert top(screen)[0] == f"2 decided this sitting · 2 / {n} screened"
        # Opened again on the inbox (now 2 papers fewer): a new sitting, the same library.
        await pilot.press("escape")
        await settle(pilot, app)
        screen = await open_triage(pilot, app)
        progress, position = top(screen)
        assert progress == f"0 decided this sitting · 2 / {n} screened"
        assert position.endswith(f" of {n - 2} in Inbox")  # where the list's cursor is
        await pilot.press("w")
        await settle(pilot, app)
        assert top(screen)[0] == f"1 decided this sitting · 3 / {n} screened"
        await pilot.press("escape")
        await settle(pilot, app)
        # From To read: the list is named, and the count is still the library's, not
        # "2 / 2 100%" of a list that is all decided.
        main = app.main_screen
        assert main is not None
        main.set_view("status:to-read")
        await settle(pilot, app)
        screen = await open_triage(pilot, app)
        assert top(screen) == (
            f"0 decided this sitting · 3 / {n} screened",
            "paper 1 of 2 in To read",
        )
        await pilot.press("i")  # back to the inbox: one screened fewer
        await settle(pilot, app)
        assert top(screen)[0] == f"1 decided this sitting · 2 / {n} screened"


async def test_a_filtered_list_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"alignment", "enter")
        await settle(pilot, app)
        shown = len(app.main_screen.paper_list) if app.main_screen else 0
        assert 0 < shown < len(app.library.papers)
        await pilot.press("escape")
        await settle(pilot, app)
        screen = await open_triage(pilot, app)
        assert top(screen)[1] == f"paper 1 of {shown} in Inbox (filtered)"
