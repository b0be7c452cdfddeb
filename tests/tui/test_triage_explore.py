"""Exploration picks in ranked triage, driven with Pilot on the sample library: with
`[rank] explore` set, every round(1/share)-th pick is the paper the model is least sure
about, labelled as such; off, never; the palette switches it and ui.json remembers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Static

from papersift.store import Library
from papersift.tui import config as tui_config
from papersift.tui.app import PapersiftApp
from papersift.tui.screens import triage as triage_module
from papersift.tui.screens.triage import TriageScreen, explore_share
from papersift.tui.widgets.paper_list import PaperList

from .conftest import decided_library, settle

WIDE = (160, 45)


@pytest.fixture(autouse=True)
def _always_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    # A new ranking always replaces the paper just shown (as it does when it comes
    # within SWAP_SECONDS): the paper at each turn is then the newest ranking's pick,
    # whatever the machine's load.
    monkeypatch.setattr(triage_module, "SWAP_SECONDS", 600.0)


async def _open_triage(pilot, app: PapersiftApp) -> TriageScreen:
    await settle(pilot, app)
    assert app.main_screen is not None
    papers = app.main_screen.query_one(PaperList)
    assert papers.sort == "rank"
    papers.move_cursor_to(app.rank.current.undecided[0])
    await pilot.press("enter")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, TriageScreen) and screen.ranked
    return screen


def _why(screen: TriageScreen) -> str:
    return str(screen.query_one("#triage-why", Static).render())


def _least_sure(app: PapersiftApp) -> str:
    """The undecided paper whose score is nearest the model's boundary (0)."""
    ranking = app.rank.current
    return min(ranking.undecided, key=lambda pid: abs(ranking.by_id[pid]))


async def test_every_fourth_pick_explores_and_says_so(make_app, lib_path, config_path) -> None:
    config_path.write_text("[rank]\nexplore = 0.25\n")
    decided_library(lib_path)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await _open_triage(pilot, app)
        explored = []
        for turn in range(1, 9):
            ranking = app.rank.current
            shown = screen.current_id()
            label = "Exploring: shown because the ranking is unsure about it"
            if turn % 4 == 0:
                expected = _least_sure(app)
                assert shown == expected
                # The top of the ranking is something else: the pick is a real detour.
                assert ranking.undecided[0] != expected
                row = ranking.space.row[expected]
                assert f"{label} (p {float(ranking.probs[row]):.2f})" in _why(screen)
                assert "Why here" in _why(screen)  # the usual why, below the label
                explored.append(shown)
            else:
                assert shown == ranking.undecided[0]  # the best one known
                assert "Exploring" not in _why(screen)
            await pilot.press("d")
            await settle(pilot, app)
            # The decision on an exploration pick teaches the model like any other.
            assert shown in app.rank.current.labels
        assert len(explored) == 2 and len(set(explored)) == 2
        # Back to the first exploration pick: still labelled (it was one when shown).
        for _ in range(5):
            await pilot.press("k")
        assert screen.current_id() == explored[0]
        assert "Exploring: shown because" in _why(screen)


async def test_without_explore_every_pick_is_the_best(make_app, lib_path) -> None:
    decided_library(lib_path)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        assert explore_share(app) == 0.0
        screen = await _open_triage(pilot, app)
        for _ in range(12):
            assert screen.current_id() == app.rank.current.undecided[0]
            assert "Exploring" not in _why(screen)
            await pilot.press("d")
            await settle(pilot, app)


async def _palette(pilot, app: PapersiftApp, text: str) -> None:
    await pilot.press("ctrl+p")
    await settle(pilot, app)
    await pilot.press(*text)
    await settle(pilot, app)
    await pilot.press("enter")
    await settle(pilot, app)


async def test_palette_switches_exploration_and_it_is_remembered(
    make_app, lib_path, config_path
) -> None:
    decided_library(lib_path)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await _open_triage(pilot, app)
        await _palette(pilot, app, "Explore: mix in")
        assert app.screen is screen and explore_share(app) == 0.1
        # The papers ahead are re-planned at once: the 10th pick is the unsure one.
        for _ in range(9):
            assert "Exploring" not in _why(screen)
            await pilot.press("d")
            await settle(pilot, app)
        assert screen.current_id() == _least_sure(app)
        assert "Exploring: shown because" in _why(screen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is app.main_screen
    # Remembered in ui.json; `papersift rank status` reports the same setting.
    assert Library(lib_path).load_ui_state()["rank_explore"] == 0.1
    status = _rank_status(lib_path)
    assert "exploration picks in triage: every 10th pick: the paper the model" in status
    assert status.endswith("share 0.1")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert explore_share(app) == 0.1
        await _palette(pilot, app, "Explore: stop")
        assert explore_share(app) == 0.0
    assert Library(lib_path).load_ui_state()["rank_explore"] == 0.0
    status = _rank_status(lib_path)
    assert "exploration picks in triage: off" in status and status.endswith("share 0.0")


def _rank_status(lib_path: Path) -> str:
    """`papersift rank status`'s text, then its `--json` share."""
    cmd = [sys.executable, "-m", "papersift", "--library", str(lib_path), "rank", "status"]
    runs = [
        subprocess.run(
            [*cmd, *extra], capture_output=True, text=True, timeout=120, env=os.environ.copy()
        )
        for extra in ((), ("--json",))
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    return runs[0].stdout + f"\nshare {json.loads(runs[1].stdout)['explore']}"


@pytest.mark.parametrize(
    ("value", "wanted"),
    [("0.7", "0.7"), ('"lots"', "'lots'"), ("true", "True"), ("-0.1", "-0.1")],
)
def test_bad_explore_values_are_reported(tmp_path: Path, value: str, wanted: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[rank]\nexplore = {value}\nstop_after = 7\n")
    config = tui_config.load_config(path)
    assert config.problems == [
        f"{path}: [rank] explore = {wanted}: the share of exploration picks in triage "
        "must be a number from 0 to 0.5 (0.1: every 10th pick)"
    ]
    assert config.explore == tui_config.UiConfig(path).explore and config.stop_after == 7


def test_good_explore_values_are_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    for value, share in (("0", 0.0), ("0.05", 0.05), ("0.5", 0.5), ("0.25", 0.25)):
        path.write_text(f"[rank]\nexplore = {value}\n")
        config = tui_config.load_config(path)
        assert config.problems == [] and config.explore == share
