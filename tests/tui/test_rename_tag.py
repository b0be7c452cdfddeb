"""Renaming and merging tags library-wide from the command palette."""

from __future__ import annotations

from papersift import actions
from papersift.store import Library
from papersift.tui.screens.rename_tag import RenameTagScreen

from .conftest import settle

WIDE = (160, 45)


async def _open(app, pilot) -> RenameTagScreen:
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*"Rename or merge")
    await pilot.pause(0.5)
    await pilot.press("enter")
    await settle(pilot, app)
    assert isinstance(app.screen, RenameTagScreen)
    return app.screen


async def test_rename_merges_into_an_existing_tag_and_undoes(make_app, lib_path) -> None:
    library = Library(lib_path)
    ids = list(library.papers)[:4]
    actions.add_tags(library, ids[:2], ["RLHF"])
    actions.add_tags(library, ids[2:], ["rlhf-methods"])
    library.close()

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await _open(app, pilot)
        await pilot.press(*"rlhf-methods", "enter")
        await pilot.press(*"rlhf")
        await pilot.pause()
        message = str(app.screen.query_one("#rename-message").render())
        assert "'RLHF' exists (2 papers): the two will merge" in message
        await pilot.press("enter")
        await settle(pilot, app)
        on_disk = Library(lib_path)
        assert [on_disk.triage_of(pid).tags for pid in ids] == [("RLHF",)] * 4
        assert on_disk.all_tags() == {"RLHF": 4}

        await pilot.press("u")
        await settle(pilot, app)
        assert Library(lib_path).all_tags() == {"RLHF": 2, "rlhf-methods": 2}


async def test_unknown_tag_and_escape_change_nothing(make_app, lib_path) -> None:
    library = Library(lib_path)
    actions.add_tags(library, list(library.papers)[:1], ["keep"])
    library.close()
    before = (lib_path / "triage.json").read_bytes()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        screen = await _open(app, pilot)
        await pilot.press(*"nope", "enter", *"other", "enter")
        await pilot.pause()
        assert "No paper has the tag 'nope'" in str(screen.query_one("#rename-message").render())
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, RenameTagScreen)
    assert (lib_path / "triage.json").read_bytes() == before
