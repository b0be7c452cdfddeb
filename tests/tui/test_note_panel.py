"""In triage mode the note editor is a panel beside (or, on a narrow terminal, below)
the paper, so its abstract stays readable while the note is written (issue #18 item
12); what is typed is kept as from the centred dialog."""

from __future__ import annotations

import html
import re

import pytest
from textual.widgets import Static, TextArea

from papersift.tui.screens.note_editor import NoteEditor
from papersift.tui.screens.triage import TriageScreen

from .conftest import settle


def screen_words(app) -> str:
    """The words on the composited screen (every screen drawn, the editor on top)."""
    svg = app.export_screenshot()
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return " ".join(html.unescape(re.sub("<[^>]+>", "", t)).replace("\xa0", " ") for t in texts)


async def open_note(pilot, app) -> tuple[TriageScreen, NoteEditor]:
    await settle(pilot, app)
    await pilot.press("enter")
    await settle(pilot, app)
    triage = app.screen
    assert isinstance(triage, TriageScreen)
    await pilot.press("n")
    await settle(pilot, app)
    editor = app.screen
    assert isinstance(editor, NoteEditor)
    return triage, editor


@pytest.mark.parametrize(("size", "panel"), [((120, 36), "side"), ((80, 24), "bottom")])
async def test_the_note_editor_leaves_the_abstract_in_view(make_app, size, panel) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        triage, editor = await open_note(pilot, app)
        pid = triage.current_id()
        assert editor.panel == panel
        dialog = editor.query_one("#note-editor").region
        body = triage.query_one("#triage-body").region
        abstract = triage.query_one("#triage-abstract", Static).region.intersection(body)
        # The abstract's first lines are on screen, and the panel covers none of them.
        assert abstract.height >= 5
        assert not abstract.crop_size((abstract.width, 5)).overlaps(dialog)
        if panel == "side":
            assert dialog.x >= abstract.right and dialog.width >= 40
            assert dialog.y >= 1  # triage's top line (progress, position) stays in view
        else:
            assert dialog.y >= abstract.y + 5 and dialog.width == size[0]
        # Drawn as it is, not dimmed, and its words are on the screen.
        assert editor.styles.background.a == 0
        first_words = " ".join(app.library.papers[pid].abstract.split()[:4])
        assert first_words in screen_words(app)
        await pilot.press(*"typed beside the paper")
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is triage
        assert not triage.has_class("-noting-side") and not triage.has_class("-noting-bottom")
        assert app.library.triage_of(pid).note == "typed beside the paper"


async def test_text_typed_in_the_panel_survives_a_screen_over_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        triage, editor = await open_note(pilot, app)
        pid = triage.current_id()
        editor.query_one(TextArea).insert("kept while the help is open")
        app.action_help()  # another screen opens over the editor
        await settle(pilot, app)
        assert app.library.triage_of(pid).note == "kept while the help is open"
        app.screen.dismiss()
        await settle(pilot, app)
        assert app.screen is editor


async def test_the_main_screen_keeps_the_centred_dialog(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, NoteEditor) and app.screen.panel == ""
        assert app.screen.styles.background.a > 0
