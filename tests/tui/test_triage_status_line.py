"""Triage mode reports decisions on one fixed line, never as toasts over the paper
(issue #13 item 3)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from papersift.tui.screens.triage import TriageScreen

from .conftest import settle


def status_line(screen: TriageScreen) -> str:
    return str(screen.query_one("#triage-status", Static).render())


async def test_quick_decisions_replace_one_line_and_stack_no_toasts(
    make_app, lib_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        body = screen.query_one("#triage-body")
        line = screen.query_one("#triage-status")
        app.clear_notifications()
        for key in "rwxdrwxdrwxdrwxdrwxd":  # twenty quick decisions
            await pilot.press(key)
        await settle(pilot, app)
        assert list(app._notifications) == []  # no toast at all
        assert status_line(screen) == "1 paper → discarded"  # the last one only
        # A fixed place below the paper, not over it.
        assert line.region.y >= body.region.bottom
        await pilot.press("u")
        await settle(pilot, app)
        # It says what the paper went back to (issue #18 item 14), not the undone change.
        assert status_line(screen).startswith("Undone: 1 paper back to inbox")
        assert list(app._notifications) == []


async def test_the_report_clears_after_a_while(make_app, monkeypatch) -> None:
    monkeypatch.setattr(TriageScreen, "report_seconds", 1.0)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("r")
        # Until the change is done and reported (a loaded CI machine takes seconds).
        for _ in range(1000):
            if status_line(app.screen):
                break
            await pilot.pause(0.01)
        assert status_line(app.screen) == "1 paper → to-read"
        await pilot.pause(2.0)
        assert status_line(app.screen) == ""
        # Outside triage mode a change is still a toast.
        await pilot.press("escape")
        await settle(pilot, app)
        app.clear_notifications()
        await pilot.press("s")
        await settle(pilot, app)
        assert len(app._notifications) == 1


def test_a_tag_put_back_in_the_editor_undoes_as_tags_as_before(lib_path: Path) -> None:
    """A step that only gives a tag back to the papers that had it says what its undo
    restores too (issue #18 item 14), like every other change."""
    from papersift import actions
    from papersift.store import Library
    from papersift.tui.screens.editing import tag_step_change
    from papersift.tui.screens.tag_editor import TagEdit

    library = Library(lib_path)
    try:
        pid = next(iter(library.papers))
        actions.add_tags(library, [pid], ["x"])
        actions.remove_tags(library, [pid], ["x"])
        change = tag_step_change(library, [pid], TagEdit(add=["x"]), {"x": [pid]})
        assert library.triage_of(pid).tags == ("x",)
        assert change.undo_description == "tags of 1 paper as before"
    finally:
        library.close()
