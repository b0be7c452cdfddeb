"""Importing files from inside the app: progress, per-file report, the list updates."""

from __future__ import annotations

from pathlib import Path

import pytest

from papersift.models import PapersiftError
from papersift.store import Library
from papersift.tui.screens.import_files import ImportScreen, expand_paths

from .conftest import settle

WIDE = (160, 45)
ABSTRACT = (
    "We study how large language models can be aligned with human preferences using "
    "a new method that is simple, fast and effective across many benchmarks. "
) * 3


async def test_import_from_the_palette(make_app, lib_path, tmp_path: Path) -> None:
    good = tmp_path / "new papers.txt"
    good.write_text(f"A Brand New Paper\n{ABSTRACT}\n", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Import files")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ImportScreen)
        await pilot.press(*f"'{good}' {bad}", "enter")
        await settle(pilot, app)
        report = str(app.screen.query_one("#import-lines").render())
        assert "✓ new papers.txt: read 1 (listing), new 1" in report
        assert "✗" in report and "bad.txt" in report and "binary" in report
        assert "Library: 319 papers" in report
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, ImportScreen)
        assert len(Library(lib_path)) == 319
        await pilot.press("/", *"brand new", "enter")
        await settle(pilot, app)
        assert any(app.library.papers[pid].title == "A Brand New Paper" for pid in app.view_ids())


def test_expand_paths(tmp_path: Path) -> None:
    (tmp_path / "a.bib").write_text("x")
    (tmp_path / "b.bib").write_text("x")
    assert expand_paths(f"{tmp_path}/*.bib") == [tmp_path / "a.bib", tmp_path / "b.bib"]
    assert expand_paths(f"'{tmp_path}/with space.txt'") == [tmp_path / "with space.txt"]
    with pytest.raises(PapersiftError, match="no file matches"):
        expand_paths(f"{tmp_path}/*.nothing")
    with pytest.raises(PapersiftError, match="cannot read the file names"):
        expand_paths("'unclosed")
