"""Snapshots of the main screen and the help screen, narrow (80x24), medium (120x32,
main screen only) and wide (160x45).

Refresh with `pytest tests/tui --snapshot-update` and look at the SVGs before committing.
The library is the sample corpus with a few papers triaged, so every column shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from papersift import actions
from papersift.store import Library

from .conftest import add_papers, settle

NARROW = (80, 24)
MEDIUM = (120, 32)
WIDE = (160, 45)


@pytest.fixture
def snapshot_app(make_app, lib_path: Path, monkeypatch: pytest.MonkeyPatch):
    # A fixed config path: the help screen shows it.
    monkeypatch.setenv("PAPERSIFT_CONFIG", "/nonexistent/papersift/config.toml")
    add_papers(
        lib_path,
        [
            {
                "title": "[bold]Markup[/] in a title \x1b[31mwith an escape\x1b[0m",
                "abstract": "Shown literally: [red]not red[/red].",
                "authors": ("Ada Lovelace", "Alan Turing"),
                "year": 2024,
                "venue": "NeurIPS",
                "doi": "10.1234/example.5678",
            }
        ],
    )
    library = Library(lib_path)
    ids = list(library.papers)
    actions.set_starred(library, [ids[0], ids[2], ids[3]], True)
    actions.set_status(library, [ids[1], ids[3]], "to-read")
    actions.set_status(library, [ids[2]], "reading")
    actions.set_status(library, [ids[4]], "read")
    actions.set_status(library, [ids[5]], "discarded")
    actions.add_tags(library, [ids[0], ids[2]], ["alignment", "rlhf"])
    actions.add_tags(library, [ids[3]], ["multilingual"])
    actions.set_note(library, ids[2], "Compare with DPO.\nSection 4 has the ablation.")
    library.save_ui_state({"view": "all", "cursor": ids[2], "sort": "score"})
    library.close()
    return make_app()


async def _ready(pilot: Pilot) -> None:
    await settle(pilot, pilot.app)  # type: ignore[arg-type]


def test_main_wide(snap_compare, snapshot_app) -> None:
    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=_ready)


def test_main_medium(snap_compare, snapshot_app) -> None:
    # The footer's last key was cut at this width once.
    assert snap_compare(snapshot_app, terminal_size=MEDIUM, run_before=_ready)


def test_main_narrow(snap_compare, snapshot_app) -> None:
    assert snap_compare(snapshot_app, terminal_size=NARROW, run_before=_ready)


def test_main_hostile_title_wide(snap_compare, snapshot_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("G")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=run_before)


def test_main_selection_and_filter_error_narrow(snap_compare, snapshot_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("space", "space", "slash")
        # Pasted in one go: typed key by key, "rlhf" alone would filter (and unselect).
        pilot.app.screen.query_one("#filter-input", Input).insert_text_at_cursor("rlhf year:20x")
        await pilot.pause(0.3)
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=NARROW, run_before=run_before)


def test_main_views_overlay_narrow(snap_compare, snapshot_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("v")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=NARROW, run_before=run_before)


def test_help_wide(snap_compare, snapshot_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=WIDE, run_before=run_before)


def test_help_narrow(snap_compare, snapshot_app) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _ready(pilot)
        await pilot.press("question_mark")
        await _ready(pilot)

    assert snap_compare(snapshot_app, terminal_size=NARROW, run_before=run_before)
