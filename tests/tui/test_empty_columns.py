"""Issue #18 item 7: with no year anywhere, `year:`/`has:year` say so; a column empty in
every row (year, in the sample corpus) gives its room to the title; the sources column
is headed "files", not "src"."""

from __future__ import annotations

from pathlib import Path

from papersift.importer import import_files
from papersift.store import Library
from papersift.tui.widgets.paper_list import Columns, PaperList

from .conftest import settle

SIZE = (120, 30)


def header(plist: PaperList) -> str:
    return plist.render_line(0).text


def first_row(plist: PaperList) -> str:
    return plist.render_line(1).text


async def filter_by(pilot, app, text: str) -> None:
    await pilot.press("slash", "ctrl+u", *text, "enter")
    await settle(pilot, app)


async def test_no_year_anywhere_says_so_and_leaves_out_the_column(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert all(p.year is None for p in app.library.papers.values())
        plist = app.main_screen.paper_list
        head = header(plist)
        assert "year" not in head
        assert head.rstrip().endswith("files") and "src" not in head
        width = plist.scrollable_content_region.width
        with_years = Columns.for_width(width, plist.tags_width, plist.percentiles is not None)
        without = Columns.for_width(
            width, plist.tags_width, plist.percentiles is not None, years=False
        )
        assert without.title == with_years.title + 5 and without.year == 0
        for query in ("year:2023", "has:year", "has:year OR year:2020"):
            await filter_by(pilot, app, query)
            if query.startswith("has:year OR"):
                # An OR may match by another side: only terms that must hold count.
                assert "the library" not in plist.empty_message
                continue
            assert plist.empty_message == (
                "No paper in the library has a year: year: and has:year match nothing."
            )
            assert plist.empty_message in plist.render_line(1).text


async def test_a_year_in_the_view_brings_the_column_back(make_app, lib_path: Path) -> None:
    bib = lib_path.parent / "dated.bib"
    bib.write_text("@article{d, title={A Dated Paper on Alignment}, year={1999}}\n", "utf-8")
    library = Library(lib_path)
    assert all(r.ok for r in import_files(library, [bib]))
    library.close()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        plist = app.main_screen.paper_list
        assert "year" in header(plist)
        await filter_by(pilot, app, "year:1999")
        assert first_row(plist).rstrip().endswith("1999     1")
        # Years exist, so an empty result is the usual message, not a claim about them.
        await filter_by(pilot, app, "year:2023")
        assert "No paper in this view matches the filter" in plist.empty_message
        # A view of papers none of which has a year drops the column again.
        await filter_by(pilot, app, "-year:1999")
        assert "year" not in header(plist)
