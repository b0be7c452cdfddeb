"""Snapshots of the secondary screens at 80x24 and 160x45.

Tag editor, note editor, triage mode and the duplicates review, each in `HostApp` over
the sample corpus (plus three possible duplicates). Nothing depends on the clock and
no cursor blinks. Refresh with `pytest tests/tui/test_snapshots_screens.py
--snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea

from papersift import actions
from papersift.store import Library
from papersift.tui.screens.duplicates import DuplicatesScreen
from papersift.tui.screens.note_editor import NoteEditor
from papersift.tui.screens.tag_editor import TagEditor
from papersift.tui.screens.triage import TriageScreen

from .screens_host import NASTY_TITLE, HostApp, add_paper, build_library, copy_library, settle

SIZES = {"narrow": (80, 24), "wide": (160, 45)}


@pytest.fixture(scope="session")
def snapshot_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("screens-snap") / "library")


@pytest.fixture
def snap_library(tmp_path: Path, snapshot_template: Path) -> Library:
    path = copy_library(snapshot_template, tmp_path / "library")
    library = Library(path)
    ids = list(library.papers)
    actions.set_status(library, ids[:2], "read")
    actions.set_status(library, [ids[2]], "discarded")
    actions.set_starred(library, [ids[3]], True)
    actions.add_tags(library, [ids[3]], ["multilingual", "to cite"])
    actions.set_note(library, ids[3], "Compare the zip-tie init with plain vocab extension.")
    yield library
    library.close()


@pytest.fixture(autouse=True)
def no_blinking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def host(library: Library, factory: Callable[[HostApp], Screen[Any]]) -> HostApp:
    return HostApp(library, factory)


def ready(*keys: str) -> Callable[[Pilot], Any]:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_triage(snap_compare, snap_library: Library, size: str) -> None:
    # Starts on the paper with a star, tags and a note; 3 of 12 already triaged.
    app = host(snap_library, lambda app: TriageScreen(list(app.library.papers)[:12], 3))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready())


@pytest.mark.parametrize("size", SIZES)
def test_triage_all_done(snap_compare, snap_library: Library, size: str) -> None:
    app = host(snap_library, lambda app: TriageScreen(list(app.library.papers)[:4], 3))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready("r"))


@pytest.mark.parametrize("size", SIZES)
def test_tag_editor(snap_compare, snap_library: Library, size: str) -> None:
    all_tags = {"RLHF": 12, "alignment": 9, "multilingual": 7, "Wrong age": 2, "safety": 1}
    titles = [p.title for p in list(snap_library.papers.values())[3:6]]
    app = host(snap_library, lambda app: TagEditor(titles, ["multilingual", "to cite"], all_tags))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready("a", "l"))


@pytest.mark.parametrize("size", SIZES)
def test_tag_editor_near_miss(snap_compare, snap_library: Library, size: str) -> None:
    all_tags = {"RLHF": 12, "alignment": 9}
    app = host(snap_library, lambda app: TagEditor(["One paper"], [], all_tags))
    assert snap_compare(
        app, terminal_size=SIZES[size], run_before=ready("r", "l", "h", "f", "enter")
    )


@pytest.mark.parametrize("size", SIZES)
def test_note_editor(snap_compare, snap_library: Library, size: str) -> None:
    note = "Compare the zip-tie init with plain vocab extension.\n\n[bold]literal[/] \x1b[31m"
    app = host(snap_library, lambda app: NoteEditor(NASTY_TITLE, note))
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready())


@pytest.mark.parametrize("size", SIZES)
def test_duplicates(snap_compare, snap_library: Library, size: str) -> None:
    app = host(snap_library, lambda app: DuplicatesScreen())
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready())


@pytest.mark.parametrize("size", SIZES)
def test_duplicates_keep_right(snap_compare, snap_library: Library, size: str) -> None:
    # Second pair (same title, different abstracts), the newer side marked to keep.
    app = host(snap_library, lambda app: DuplicatesScreen())
    assert snap_compare(app, terminal_size=SIZES[size], run_before=ready("j", "l"))


def test_triage_literal_data(snap_compare, snap_library: Library) -> None:
    pid = add_paper(
        snap_library.path,
        NASTY_TITLE,
        abstract="[red]not red[/red] and \x1b]8;;https://evil.example\x1b\\a link\x1b]8;;\x1b\\",
        authors=("[b]Ada[/b]",),
        year=2024,
    )
    snap_library.reload()
    app = host(snap_library, lambda app: TriageScreen([pid]))
    assert snap_compare(app, terminal_size=SIZES["narrow"], run_before=ready())
