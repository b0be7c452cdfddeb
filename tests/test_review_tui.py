"""The team screening flow in the TUI, driven with Pilot (issue #16): start a review
from the palette's command, screen with y / d + reason / m (and undo), write the review
file, join a colleague's (made with the CLI), see agreement, settle a conflict, draw the
PRISMA flow and write its CSV, unblind."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from papersift import review, share
from papersift.cli import main
from papersift.importer import import_files
from papersift.store import Library
from papersift.tui.app import PapersiftApp
from papersift.tui.screens.review import PathPrompt, ReviewScreen, palette_commands
from papersift.tui.screens.review_conflicts import ReviewConflictsScreen
from papersift.tui.screens.review_prisma import ReviewPrismaScreen
from papersift.tui.screens.review_stats import ReviewStatsScreen
from papersift.tui.screens.review_triage import ReasonPicker, ReviewTriageScreen

from .conftest import SAMPLE_DATA

LISTING = SAMPLE_DATA / "daily-papers-mar-13-llm-alignment.txt"


async def answer_path(pilot, path: Path) -> None:
    await pilot.pause()
    assert isinstance(pilot.app.screen, PathPrompt)
    pilot.app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.asyncio
async def test_review_flow_in_the_tui(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("PAPERSIFT_USER", "alice")
    library = Library(tmp_path / "alice")
    import_files(library, [LISTING])
    app = PapersiftApp(library, poll_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        (start,) = [cmd for name, cmd, _ in palette_commands(app, app.main_screen)
                    if name.startswith("Start")]  # fmt: skip
        start()
        await pilot.pause()
        form = app.screen
        form.query_one("#review-name", Input).value = "sr"
        form.query_one("#review-query", Input).value = "alignment"
        form.query_one("#review-reasons", Input).value = "off topic; survey"
        form.query_one("#review-reviewers", Input).value = "bob"
        form.query_one(TextArea).text = "Include: empirical alignment work."
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        r = review.get_review(library, "sr")
        assert (len(r.papers), r.reasons, r.reviewers) == (
            29,
            ("off topic", "survey"),
            ("alice", "bob"),
        )
        assert "Open review: sr" in [n for n, _, _ in palette_commands(app, app.main_screen)]

        await pilot.press("s")
        await pilot.pause()
        triage = app.screen
        assert isinstance(triage, ReviewTriageScreen)
        criteria = str(triage.query_one("#review-criteria").render())
        assert "Include: empirical alignment work." in criteria and "1  off topic" in criteria
        first = r.papers[0]
        await pilot.press("y")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ReasonPicker)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("m", "u", "m")  # undo goes back to the paper; decide it again
        await pilot.pause()
        r = review.get_review(library, "sr")
        mine = {d.paper: (d.decision, d.reason) for d in r.decisions if d.by == "alice"}
        assert mine == {first: ("include", ""), r.papers[1]: ("exclude", "survey"),
                        r.papers[2]: ("maybe", "")}  # fmt: skip
        assert "3 / 29 screened" in str(triage.query_one("#triage-progress").render())
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("e")
        alice_file = tmp_path / "alice.json"
        await answer_path(pilot, alice_file)
        assert share.load_list(alice_file.read_text(), "a")["review"]["name"] == "sr"

        # bob, with the CLI: import alice's file, screen the same three papers, write his.
        monkeypatch.setenv("PAPERSIFT_USER", "bob")
        bob = ["--library", str(tmp_path / "bob")]
        assert main([*bob, "import", str(alice_file)]) == 0
        assert main([*bob, "review", "decide", first, r.papers[1], "include"]) == 0
        assert main([*bob, "review", "decide", r.papers[2], "exclude", "--reason", "1"]) == 0
        bob_file = tmp_path / "bob.json"
        assert main([*bob, "review", "export", "sr", "-o", str(bob_file)]) == 0
        monkeypatch.setenv("PAPERSIFT_USER", "alice")
        capsys.readouterr()

        await pilot.press("o")
        await answer_path(pilot, bob_file)
        assert "bob: 3 screened" in str(app.screen.query_one("#review-summary").render())

        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ReviewStatsScreen)
        stats = str(app.screen.query_one("#review-stats-text").render())
        assert "Papers everyone screened: 3 of 29" in stats and "Cohen's κ" in stats
        await pilot.press("escape")

        await pilot.press("c")
        await pilot.pause()
        conflicts = app.screen
        assert isinstance(conflicts, ReviewConflictsScreen)
        assert [c.paper for c in conflicts.items] == sorted([r.papers[1], r.papers[2]])
        await pilot.press("y")
        await pilot.pause()
        assert len(conflicts.items) == 1
        await pilot.press("escape")

        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ReviewPrismaScreen)
        diagram = str(app.screen.query_one("#prisma-diagram").render())
        assert "Records screened (n = 29)" in diagram
        await pilot.press("w")
        csv_file = tmp_path / "prisma.csv"
        await answer_path(pilot, csv_file)
        rows = {row[0]: row[-1] for row in csv.reader(io.StringIO(csv_file.read_text()))}
        assert rows["records_screened"] == "29"
        await pilot.press("escape")

        await pilot.press("b")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not review.get_review(library, "sr").blind
    library.close()
    data = json.loads(alice_file.read_text())
    assert data["version"] == 2
