"""No editor (tags, note, rename) loses what was typed (issue #13 item 2).

Enter on typed tags saves them at once; and whatever is still typed reaches the library
(or, for a rename, a remembered draft) when another screen opens over the editor, when
the app quits and when the terminal closes (SIGHUP). Quitting is run with `App.run`
(not `run_test`), so the event loop really ends as it does for a user.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from papersift import actions
from papersift.store import Library
from papersift.tui.screens.note_editor import NoteEditor
from papersift.tui.screens.rename_tag import RenameTagScreen
from papersift.tui.screens.tag_editor import TagEditor

from .conftest import settle

WIDE = (160, 45)


def reread(path: Path) -> Library:
    return Library(path)


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else "comma" if ch == "," else ch)


async def open_tags(pilot, app) -> str:
    await settle(pilot, app)
    pid = app.view_ids()[0]
    await pilot.press("t")
    await settle(pilot, app)
    assert isinstance(app.screen, TagEditor)
    return pid


async def test_enter_saves_a_tag_at_once_and_stays_open(make_app, lib_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        pid = await open_tags(pilot, app)
        await type_text(pilot, "survey")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, TagEditor)  # open for more
        assert reread(lib_path).triage_of(pid).tags == ("survey",)
        await type_text(pilot, "to-cite")
        await pilot.press("enter")
        await settle(pilot, app)
        assert reread(lib_path).triage_of(pid).tags == ("survey", "to-cite")
        await pilot.press("enter")  # an empty line closes
        await settle(pilot, app)
        assert not isinstance(app.screen, TagEditor)
        # Each enter was one change: undo takes back the last tag only.
        await pilot.press("u")
        await settle(pilot, app)
    assert reread(lib_path).triage_of(pid).tags == ("survey",)


def _quit_with(make_app, steps, *, hangup: bool = False) -> dict[str, Any]:
    app = make_app()
    seen: dict[str, Any] = {"exits": 0}
    exit_app = app.exit

    def counted_exit(*args: Any, **kwargs: Any) -> None:
        seen["exits"] += 1
        exit_app(*args, **kwargs)

    app.exit = counted_exit  # type: ignore[method-assign]

    async def auto_pilot(pilot) -> None:
        await steps(pilot, app, seen)
        await pilot.pause()
        if hangup:
            # Only with a handler installed: SIGHUP's default would end the test run.
            assert signal.getsignal(signal.SIGHUP) not in (signal.SIG_DFL, signal.SIG_IGN)
            os.kill(os.getpid(), signal.SIGHUP)
            await pilot.pause(0.5)
            if not seen["exits"]:
                exit_app()  # (the test fails below; do not hang)
        else:
            await app.action_quit()

    app.run(headless=True, size=WIDE, auto_pilot=auto_pilot)
    return seen


async def _tag_entered_then_more_typed(pilot, app, seen) -> None:
    seen["pid"] = await open_tags(pilot, app)
    await type_text(pilot, "entered")
    await pilot.press("enter")
    await type_text(pilot, "typed, not-entered")


def test_quit_with_the_tag_editor_open_keeps_entered_and_typed_tags(make_app, lib_path) -> None:
    seen = _quit_with(make_app, _tag_entered_then_more_typed)
    assert reread(lib_path).triage_of(seen["pid"]).tags == ("entered", "typed", "not-entered")


def test_terminal_closing_with_the_tag_editor_open_keeps_the_tags(make_app, lib_path) -> None:
    seen = _quit_with(make_app, _tag_entered_then_more_typed, hangup=True)
    assert seen["exits"] == 1  # the hangup quit the app
    assert reread(lib_path).triage_of(seen["pid"]).tags == ("entered", "typed", "not-entered")


def test_terminal_closing_with_the_note_editor_open_keeps_the_note(make_app, lib_path) -> None:
    async def steps(pilot, app, seen) -> None:
        await settle(pilot, app)
        seen["pid"] = app.view_ids()[0]
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "half a thought")

    seen = _quit_with(make_app, steps, hangup=True)
    assert seen["exits"] == 1
    assert reread(lib_path).triage_of(seen["pid"]).note == "half a thought"


async def test_another_screen_over_the_editors_saves_what_is_typed(
    make_app, lib_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        pid = await open_tags(pilot, app)
        await type_text(pilot, "typed")
        app.action_help()  # another screen opens over the editor
        await settle(pilot, app)
        assert reread(lib_path).triage_of(pid).tags == ("typed",)
        app.screen.dismiss()
        await settle(pilot, app)
        assert isinstance(app.screen, TagEditor)
        assert app.screen.query_one("#tag-input").value == ""  # entered, not twice
        await pilot.press("escape")
        await settle(pilot, app)

        await pilot.press("n")
        await settle(pilot, app)
        await type_text(pilot, "first")
        app.action_help()
        await settle(pilot, app)
        assert reread(lib_path).triage_of(pid).note == "first"
        app.screen.dismiss()
        await settle(pilot, app)
        await type_text(pilot, " and more")
        await pilot.press("escape")
        await settle(pilot, app)
    assert reread(lib_path).triage_of(pid).note == "first and more"


def test_quit_with_the_rename_dialog_open_keeps_a_draft(make_app, lib_path: Path) -> None:
    library = Library(lib_path)
    actions.add_tags(library, list(library.papers)[:2], ["rlhf"])
    library.close()

    async def steps(pilot, app, seen) -> None:
        await settle(pilot, app)
        from papersift.tui.commands import rename_tag

        rename_tag(app, app.main_screen)
        await settle(pilot, app)
        assert isinstance(app.screen, RenameTagScreen)
        await type_text(pilot, "rlhf")
        await pilot.press("enter")
        await type_text(pilot, "RLHF-method")

    _quit_with(make_app, steps)
    # Nothing was renamed unasked...
    assert Library(lib_path).all_tags() == {"rlhf": 2}
    # ...and the next session's dialog opens on the draft.
    app = make_app()

    async def reopen(pilot, app, seen) -> None:
        await settle(pilot, app)
        from papersift.tui.commands import rename_tag

        rename_tag(app, app.main_screen)
        await settle(pilot, app)
        seen["old"] = app.screen.query_one("#rename-old").value
        seen["new"] = app.screen.query_one("#rename-new").value
        await pilot.press("enter")  # rename now
        await settle(pilot, app)

    seen = _quit_with(lambda: app, reopen)
    assert (seen["old"], seen["new"]) == ("rlhf", "RLHF-method")
    assert Library(lib_path).all_tags() == {"RLHF-method": 2}
