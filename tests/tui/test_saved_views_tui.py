"""Saved views, "New since last session", per-view sorts and sidebar names in the app
(issue #15 part 4, #18 items 6 and 8), driven with Pilot on real library files."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
from textual.widgets import Input, Static

from papersift import actions, saved_views
from papersift.store import CLOSED_AT, Library
from papersift.tui.app import PapersiftApp
from papersift.tui.screens.confirm import ConfirmScreen
from papersift.tui.screens.main import MainScreen
from papersift.tui.screens.saved_views import ViewNameScreen
from papersift.tui.widgets.paper_list import PaperList
from papersift.tui.widgets.sidebar import Sidebar, fit_middle

from .conftest import add_papers, settle

WIDE = (160, 45)
MEDIUM = (120, 36)


def main_of(app: PapersiftApp) -> MainScreen:
    assert app.main_screen is not None
    return app.main_screen


def plist(app: PapersiftApp) -> PaperList:
    return main_of(app).paper_list


def sidebar_rows(app: PapersiftApp) -> list[str]:
    sidebar = main_of(app).query_one(Sidebar)
    return [str(sidebar.get_option_at_index(i).prompt) for i in range(sidebar.option_count)]


def saved_on_disk(path: Path) -> list[tuple[str, str, str, str]]:
    library = Library(path)
    try:
        return [(v.name, v.query, v.base, v.sort) for v in saved_views.load_saved_views(library)]
    finally:
        library.close()


def save_views(path: Path, *views: tuple[str, str]) -> None:
    """Save views (name, query) in the library at `path`, as another process would."""
    library = Library(path)
    try:
        for name, query in views:
            saved_views.save_view(library, name, query, sort="title")
    finally:
        library.close()


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


async def test_save_the_filter_as_a_view_and_come_back_with_1(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        main.set_view("all")
        main.filter_bar.set_text("benchmark")
        main.set_sort("title")
        await settle(pilot, app)
        wanted = list(plist(app).ids)
        assert 0 < len(wanted) < len(app.library)
        await pilot.press("S")
        await settle(pilot, app)
        assert isinstance(app.screen, ViewNameScreen)
        what = str(app.screen.query_one("#view-name-what", Static).render())
        assert "All papers matching benchmark, sorted by title" in what
        await type_text(pilot, "Benchmarks")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert saved_on_disk(lib_path) == [("Benchmarks", "benchmark", "all", "title")]
        # The list now shows the saved view, its query no longer in the box.
        assert main.view == "saved:Benchmarks" and main.filter_bar.text == ""
        assert plist(app).ids == wanted
        title = str(main.query_one("#list-title", Static).render())
        assert title.startswith("Saved: Benchmarks") and "sorted by title" in title
        rows = sidebar_rows(app)
        assert "Saved views" in [r.strip() for r in rows]
        row = next(r for r in rows if "Benchmarks" in r)
        assert row.rstrip().endswith(f" {len(wanted)}")  # its live count
        # 1 comes back to it from anywhere; 2 says there is none.
        main.set_view("status:inbox")
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        assert main.view == "saved:Benchmarks" and plist(app).ids == wanted
        await pilot.press("2")
        await settle(pilot, app)
        assert main.view == "saved:Benchmarks"
        assert any("No saved view 2" in str(n.message) for n in app._notifications)
        # The count follows changes: discarding one of its papers from another view
        # leaves it in (the view is not a status view), a new matching paper joins.
        add_papers(lib_path, [{"title": "A benchmark of everything"}])
        app.library.reload()
        app.live.rebuild()
        app.post_library_changed(None)
        await settle(pilot, app)
        assert len(plist(app).ids) == len(wanted) + 1
        row = next(r for r in sidebar_rows(app) if "Benchmarks" in r)
        assert row.rstrip().endswith(f" {len(wanted) + 1}")


async def test_saving_in_a_saved_view_adds_the_typed_filter_and_replaces_on_ask(
    make_app, lib_path
) -> None:
    save_views(lib_path, ("Evals", "benchmark"))
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        await pilot.press("1")
        await settle(pilot, app)
        assert main.view == "saved:Evals"
        main.filter_bar.set_text("chinese")
        main.refilter()
        await settle(pilot, app)
        narrowed = list(plist(app).ids)
        await pilot.press("S")
        await settle(pilot, app)
        name = app.screen.query_one("#view-name", Input)
        assert name.value == "Evals"  # saving again under its name updates it
        name.value = "Chinese evals"
        await pilot.press("enter")
        await settle(pilot, app)
        assert saved_on_disk(lib_path)[1] == ("Chinese evals", "benchmark chinese", "all", "title")
        assert main.view == "saved:Chinese evals" and plist(app).ids == narrowed
        # Another view's name: the first enter warns, the second replaces it.
        await pilot.press("S")
        await settle(pilot, app)
        app.screen.query_one("#view-name", Input).value = "evals"
        await pilot.press("enter")
        await settle(pilot, app)
        message = str(app.screen.query_one("#view-name-message", Static).render())
        assert "'Evals'" in message and "enter again to replace" in message
        assert len(saved_on_disk(lib_path)) == 2
        await pilot.press("enter")
        await settle(pilot, app)
        assert [v[:2] for v in saved_on_disk(lib_path)] == [
            ("evals", "benchmark chinese"),
            ("Chinese evals", "benchmark chinese"),
        ]
        # A built-in name is refused in the dialog, which stays open.
        await pilot.press("S")
        await settle(pilot, app)
        app.screen.query_one("#view-name", Input).value = "Inbox"
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ViewNameScreen)
        assert "built-in view" in str(app.screen.query_one("#view-name-message", Static).render())
        await pilot.press("escape")
        await settle(pilot, app)
        assert len(saved_on_disk(lib_path)) == 2


async def test_rename_and_delete_from_the_sidebar(make_app, lib_path) -> None:
    save_views(lib_path, ("Evals", "benchmark"), ("Multi", "multilingual"))
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        await pilot.press("1")
        await settle(pilot, app)
        main.set_sort("year")  # the view's own sort follows it through the rename
        await settle(pilot, app)
        await pilot.press("v")
        sidebar = main.query_one(Sidebar)
        assert sidebar.has_focus and sidebar.highlighted_key == "saved:Evals"
        await pilot.press("R")
        await settle(pilot, app)
        assert isinstance(app.screen, ViewNameScreen)
        app.screen.query_one("#view-name", Input).value = "multi"  # taken: refused
        await pilot.press("enter")
        await settle(pilot, app)
        assert "already a saved view" in str(
            app.screen.query_one("#view-name-message", Static).render()
        )
        app.screen.query_one("#view-name", Input).value = "Benchmarks"
        await pilot.press("enter")
        await settle(pilot, app)
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Benchmarks", "Multi"]
        assert main.view == "saved:Benchmarks" and plist(app).sort == "year"
        assert any("Benchmarks" in r for r in sidebar_rows(app))
        # R on a row that is not a saved view does nothing (and is greyed out).
        sidebar.focus()
        sidebar.highlight_view("status:inbox")
        await settle(pilot, app)
        assert sidebar.check_action("rename_saved", ()) is None
        await pilot.press("R")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        # delete asks first: n keeps the view, y deletes it.
        sidebar.highlight_view("saved:Multi")
        await pilot.press("delete")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot, app)
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Benchmarks", "Multi"]
        sidebar.focus()
        sidebar.highlight_view("saved:Benchmarks")
        await pilot.press("delete")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Multi"]
        # The deleted view was on screen: the inbox is shown instead; 1 is Multi now.
        assert main.view == "status:inbox"
        assert not any("Benchmarks" in r for r in sidebar_rows(app))
        await pilot.press("escape", "1")
        await settle(pilot, app)
        assert main.view == "saved:Multi"


async def test_a_broken_saved_view_shows_its_error(make_app, lib_path) -> None:
    library = Library(lib_path)
    library.update_saved_views(
        lambda rows: {"b1": {"name": "Broken", "query": 'title:"open', "position": 1.0}}
    )
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        row = next(r for r in sidebar_rows(app) if "Broken" in r)
        assert row.rstrip().endswith("!")
        await pilot.press("1")
        await settle(pilot, app)
        main = main_of(app)
        assert main.view == "saved:Broken" and len(plist(app)) == 0
        assert "no longer parses" in plist(app).empty_message
        assert "Broken" in plist(app).empty_message


async def test_sort_is_kept_per_view_and_across_restarts(make_app, lib_path) -> None:
    library = Library(lib_path)
    ids = list(library.papers)
    actions.set_status(library, ids[:30], "to-read")
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        inbox_order = list(plist(app).ids)
        inbox_sort = plist(app).sort
        main.set_view("status:to-read")
        await settle(pilot, app)
        await pilot.press("o")  # relevance -> title
        await settle(pilot, app)
        assert plist(app).sort == "title"
        by_title = list(plist(app).ids)
        main.set_view("status:inbox")
        await settle(pilot, app)
        assert plist(app).sort == inbox_sort and plist(app).ids == inbox_order
        title = str(main.query_one("#list-title", Static).render())
        assert "sorted by title" not in title
        main.set_view("status:to-read")
        await settle(pilot, app)
        assert plist(app).sort == "title" and plist(app).ids == by_title
        await pilot.press("O")
        await settle(pilot, app)
        assert plist(app).ids == by_title[::-1]
        main.set_view("status:inbox")
        await settle(pilot, app)
        await pilot.press("q")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        assert main.view == "status:inbox" and plist(app).sort == inbox_sort
        main.set_view("status:to-read")
        await settle(pilot, app)
        assert plist(app).sort == "title" and plist(app).sort_reverse
        assert plist(app).ids == by_title[::-1]


async def test_new_since_last_session(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("q")
    closed = orjson.loads((lib_path / "ui.json").read_bytes())[CLOSED_AT]
    assert abs(closed - time.time()) < 60  # the app recorded when it closed
    time.sleep(0.02)
    # While the app is closed, papers arrive (as a CLI import writes them).
    new_ids = add_papers(lib_path, [{"title": "Fresh paper one"}, {"title": "Fresh paper two"}])
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        row = next(r for r in sidebar_rows(app) if r.strip().startswith("New"))
        assert row.rstrip().endswith(" 2")
        main.set_view("new")
        await settle(pilot, app)
        assert sorted(plist(app).ids) == sorted(new_ids)
        title = str(main.query_one("#list-title", Static).render())
        assert title.startswith("New since last session")
        # Papers arriving during the session join it too.
        more = add_papers(lib_path, [{"title": "Fresher paper three"}])
        app.library.reload()
        app.post_library_changed(None)
        await settle(pilot, app)
        assert sorted(plist(app).ids) == sorted(new_ids + more)


async def test_sources_differing_at_the_end_stay_apart_at_120_columns(make_app, lib_path) -> None:
    library = Library(lib_path)
    with library.locked():
        library.reload_corpus_if_changed()
        papers = dict(library.papers)
        from dataclasses import replace

        from papersift.models import Source

        for n, pid in enumerate(list(papers)[:30]):
            day = 13 + n % 3
            papers[pid] = replace(
                papers[pid], sources=(Source(f"daily-papers-march-2024-{day}.txt", n),)
            )
        library.write_corpus(papers, library.possible, library.aliases)
    library.close()
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        rows = [r.strip() for r in sidebar_rows(app) if "-2024-1" in r]
        assert len(rows) == 3
        assert len({r.rsplit(" ", 1)[0] for r in rows}) == 3, rows  # three different labels
        assert all("…" in r for r in rows)
        assert [r.rsplit(" ", 1)[0][-6:] for r in rows] == ["13.txt", "14.txt", "15.txt"]


def test_fit_middle() -> None:
    assert fit_middle("short", 10) == "short     "
    cut = fit_middle("daily-papers-march-2024-13.txt", 18)
    assert len(cut) == 18 and cut.startswith("daily") and cut.endswith("2024-13.txt")
    assert fit_middle("一二三四五六七八九十", 9).endswith("九十")  # cells, not characters
    assert fit_middle("abcdefghij", 4) == "abc…"  # too narrow for a middle: cut at the end


async def test_saved_view_changes_are_undone_with_u(make_app, lib_path) -> None:
    from papersift.tui.screens.saved_views import delete_saved_view, rename_saved_view

    save_views(lib_path, ("Evals", "benchmark"), ("Multi", "multilingual"))
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)

        async def undo() -> str:
            main.paper_list.focus()
            await pilot.press("u")
            await settle(pilot, app)
            return [n.message for n in app._notifications][-1]

        await pilot.press("1")
        await settle(pilot, app)
        evals = list(plist(app).ids)
        # A rename undone: the old name, and the list still on the view.
        rename_saved_view(app, "saved:Evals")
        await settle(pilot, app)
        app.screen.query_one("#view-name", Input).value = "Benchmarks"
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.view == "saved:Benchmarks"
        assert await undo() == "Undone: the view's name 'Evals' back"
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Evals", "Multi"]
        assert main.view == "saved:Evals" and plist(app).ids == evals
        # A delete undone: back in its place in the sidebar.
        delete_saved_view(app, "saved:Evals")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Multi"]
        assert await undo() == "Undone: the saved view 'Evals' back"
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Evals", "Multi"]
        assert any("Evals" in r for r in sidebar_rows(app))
        # A new view undone: gone, and the list shows what it showed, the query back in
        # the filter box.
        main.set_view("all")
        main.filter_bar.set_text("multilingual")
        main.refilter()
        await settle(pilot, app)
        shown = list(plist(app).ids)
        assert 0 < len(shown) < len(app.library)
        await pilot.press("S")
        await settle(pilot, app)
        await type_text(pilot, "Langs")
        await pilot.press("enter")
        await settle(pilot, app)
        assert main.view == "saved:Langs" and main.filter_bar.text == ""
        assert await undo() == "Undone: the view 'Langs' not saved"
        assert [v[0] for v in saved_on_disk(lib_path)] == ["Evals", "Multi"]
        assert main.view == "all" and main.filter_bar.text == "multilingual"
        assert sorted(plist(app).ids) == sorted(shown)
