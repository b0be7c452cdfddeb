"""Pilot tests of the app and the main screen, against a real library on disk."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from papersift import actions
from papersift.models import PapersiftError
from papersift.query import QUERY_HELP
from papersift.store import Library
from papersift.tui.app import PapersiftApp
from papersift.tui.messages import LibraryChanged
from papersift.tui.screens.help import HelpScreen
from papersift.tui.screens.main import MainScreen
from papersift.tui.widgets.detail import PaperDetail
from papersift.tui.widgets.filter_bar import FilterBar
from papersift.tui.widgets.paper_list import Columns, PaperList
from papersift.tui.widgets.sidebar import Sidebar

from .conftest import add_papers, settle

SAMPLE_SIZE = 318
WIDE = (160, 45)


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def main_of(app: PapersiftApp) -> MainScreen:
    assert app.main_screen is not None
    return app.main_screen


def plist(app: PapersiftApp) -> PaperList:
    return main_of(app).paper_list


def reload(path: Path) -> Library:
    return Library(path, readonly=True)


def list_text(app: PapersiftApp) -> list[str]:
    """The paper list as the user sees it (one string per screen line)."""
    widget = plist(app)
    return [widget.render_line(y).text for y in range(widget.size.height)]


def footer_keys(app: PapersiftApp) -> dict[str, str]:
    """{action: key} of the keys the footer shows."""
    footer = app.screen.query_one(Footer)
    return {k.action: k.key for k in footer.query(FooterKey)}


# ---------------------------------------------------------------------- start


async def test_starts_on_inbox_with_counts(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert len(plist(app)) == SAMPLE_SIZE
        assert app.view_ids() == plist(app).ids
        sidebar = main_of(app).query_one(Sidebar)
        assert sidebar.count_of("status:inbox") == SAMPLE_SIZE
        assert sidebar.count_of("all") == SAMPLE_SIZE
        assert sidebar.count_of("starred") == 0
        assert sidebar.count_of("duplicates") == len(app.library.open_possible())
        sources = [k for k in sidebar.view_keys() if k.startswith("source:")]
        assert len(sources) == 5
        # The detail pane shows the paper under the cursor.
        detail = main_of(app).query_one(PaperDetail)
        assert detail.paper_id == plist(app).cursor_id
        assert detail.text.plain.startswith(app.library.papers[plist(app).cursor_id].title)
        assert "318 papers" in str(main_of(app).query_one("#match-count", Static).render())


async def test_first_run_imports_sample_corpus_with_progress(tmp_path, make_app) -> None:
    app = make_app(tmp_path / "fresh")
    seen_progress = []
    async with app.run_test(size=WIDE) as pilot:
        main = main_of(app)
        seen_progress.append(main.has_class("-importing"))
        await settle(pilot, app)
        assert not main.has_class("-importing")
        assert len(app.library) == SAMPLE_SIZE
        assert len(plist(app)) == SAMPLE_SIZE
        assert len(app.live.word_index()) == SAMPLE_SIZE
        # In the list's title line (a toast covered the abstract at 80x24).
        title = str(main.query_one("#list-title", Static).render())
        assert "Imported 318 sample papers" in title and "papersift import" in title
    assert seen_progress == [True]


# ---------------------------------------------------------------------- moving


async def test_move_keys_and_mouse(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = plist(app)
        assert papers.has_focus and papers.cursor == 0
        await pilot.press("j", "j", "down")
        assert papers.cursor == 3
        await pilot.press("k", "up")
        assert papers.cursor == 1
        await pilot.press("G")
        assert papers.cursor == SAMPLE_SIZE - 1
        assert papers.scroll_y > 0  # the cursor row is on screen
        await pilot.press("g")
        assert papers.cursor == 0 and papers.scroll_y == 0
        await pilot.press("pagedown")
        page = papers.cursor
        assert page > 10
        await pilot.press("pageup")
        assert papers.cursor == 0
        await pilot.press("end", "home")
        assert papers.cursor == 0
        # A click on the 4th row (line 0 is the header) moves the cursor there.
        await pilot.click(PaperList, offset=(20, 4))
        assert papers.cursor == 3
        await settle(pilot, app)
        assert main_of(app).query_one(PaperDetail).paper_id == papers.ids[3]
        # The wheel scrolls.
        for _ in range(3):
            await pilot._post_mouse_events([events.MouseScrollDown], PaperList, offset=(20, 4))
        await pilot.pause()
        assert papers.scroll_y > 0


async def test_click_on_header_sorts(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = plist(app)
        cols = Columns.for_width(papers.scrollable_content_region.width, papers.tags_width)
        title_x = 2 + cols.status + 1 + 3
        await pilot.click(PaperList, offset=(title_x, 0))
        await settle(pilot, app)
        assert papers.sort == "title"
        titles = [app.library.papers[p].title.casefold() for p in papers.ids]
        assert titles == sorted(titles)


# ---------------------------------------------------------------------- triage actions


async def test_star_toggles_and_persists(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "j")
        pid = plist(app).cursor_id
        await pilot.press("s")
        await settle(pilot, app)
        assert reload(lib_path).triage_of(pid).starred
        assert "★" in list_text(app)[3]  # header line, then rows 0, 1, 2
        assert main_of(app).query_one(Sidebar).count_of("starred") == 1
        await pilot.press("s")
        await settle(pilot, app)
        assert not reload(lib_path).triage_of(pid).starred


@pytest.mark.parametrize(
    ("key", "status"),
    [("r", "to-read"), ("w", "reading"), ("x", "read"), ("d", "discarded")],
)
async def test_status_keys(make_app, lib_path, key, status) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = plist(app)
        await pilot.press("j")
        pid, next_pid = papers.ids[1], papers.ids[2]
        await pilot.press(key)
        await settle(pilot, app)
        assert reload(lib_path).triage_of(pid).status == status
        # The paper left the inbox; the cursor is on the next one, at the same place.
        assert pid not in papers.ids
        assert papers.cursor == 1 and papers.cursor_id == next_pid
        sidebar = main_of(app).query_one(Sidebar)
        assert sidebar.count_of(f"status:{status}") == 1
        assert sidebar.count_of("status:inbox") == SAMPLE_SIZE - 1


async def test_inbox_key_moves_back_to_inbox(make_app, lib_path) -> None:
    library = Library(lib_path)
    pid = next(iter(library.papers))
    actions.set_status(library, [pid], "read")
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main_of(app).set_view("status:read")
        await settle(pilot, app)
        assert plist(app).ids == [pid]
        await pilot.press("i")
        await settle(pilot, app)
        assert reload(lib_path).triage_of(pid).status == "inbox"
        assert plist(app).ids == []
        assert "No papers in this view" in list_text(app)[1]


async def test_selection_and_bulk_actions(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = plist(app)
        await pilot.press("space", "space")  # selects rows 0 and 1, cursor moves down
        assert papers.cursor == 2
        chosen = papers.ids[:2]
        assert papers.selected == chosen
        assert "2 selected" in str(main_of(app).query_one("#list-title", Static).render())
        assert list_text(app)[1].startswith("●")
        await pilot.press("s")
        await settle(pilot, app)
        on_disk = reload(lib_path)
        assert all(on_disk.triage_of(p).starred for p in chosen)
        assert not on_disk.triage_of(papers.ids[2]).starred
        await pilot.press("escape")
        assert papers.selected == []
        await pilot.press("a")
        assert len(papers.selected) == SAMPLE_SIZE
        await pilot.press("escape")
        assert papers.selected == []
        await pilot.press("ctrl+a")
        assert len(papers.selected) == SAMPLE_SIZE
        await pilot.press("space")  # unselects the paper under the cursor
        assert len(papers.selected) == SAMPLE_SIZE - 1


async def test_undo_several_levels(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        pid = plist(app).cursor_id
        await pilot.press("s")
        await settle(pilot, app)
        main_of(app).set_view("all")
        await settle(pilot, app)
        plist(app).move_cursor_to(pid)
        await pilot.press("w")
        await settle(pilot, app)
        await pilot.press("x")
        await settle(pilot, app)
        state = reload(lib_path).triage_of(pid)
        assert (state.starred, state.status) == (True, "read")
        assert app.undo_depth == 3
        await pilot.press("u")
        await settle(pilot, app)
        state = reload(lib_path).triage_of(pid)
        assert (state.starred, state.status) == (True, "reading")
        await pilot.press("u", "u")
        await settle(pilot, app)
        state = reload(lib_path).triage_of(pid)
        assert (state.starred, state.status) == (False, "inbox")
        assert app.undo_depth == 0
        await pilot.press("u")
        await settle(pilot, app)
        assert any("Nothing to undo" in n.message for n in app._notifications)


async def test_perform_reports_errors_without_crashing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)

        def broken() -> actions.Change:
            raise PapersiftError("tag 'x,y': commas separate tags")

        app.perform(broken)
        await settle(pilot, app)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "commas separate tags" in errors[-1].message
        assert app.undo_depth == 0
        assert app.is_running


async def test_changes_are_announced_to_every_screen(make_app) -> None:
    app = make_app()
    seen: list[LibraryChanged] = []
    async with app.run_test(size=WIDE, message_hook=lambda m: seen.append(m)) as pilot:
        await settle(pilot, app)
        pid = plist(app).cursor_id
        await pilot.press("s")
        await settle(pilot, app)
        changed = [m for m in seen if isinstance(m, LibraryChanged)]
        assert changed and changed[-1].ids == frozenset({pid})
        # The search index follows the change.
        from papersift.query import parse

        assert [p for p, _ in app.live.word_index().search(parse("is:starred"))] == [pid]


# ---------------------------------------------------------------------- tags, notes, copy


@pytest.mark.skipif(
    not has_module("papersift.tui.screens.tag_editor"), reason="TagEditor not written yet"
)
async def test_tags_key_applies_the_tag_editor_result(make_app, lib_path) -> None:
    from papersift.tui.screens.tag_editor import TagEdit, TagEditor

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space")
        chosen = plist(app).selected
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TagEditor)
        # What the editor hands over on enter (it saves each step at once).
        app.screen.save(TagEdit(add=["rlhf", "[bold]x[/]"], remove=[]))
        app.screen.close_editor(None)
        await settle(pilot, app)
        on_disk = reload(lib_path)
        assert all(on_disk.triage_of(p).tags == ("rlhf", "[bold]x[/]") for p in chosen)
        sidebar = main_of(app).query_one(Sidebar)
        assert sidebar.count_of("tag:rlhf") == 2
        assert "[bold]x[/]" in list_text(app)[1]
        # Removing is one more change; one undo restores the tags.
        await pilot.press("t")
        await settle(pilot, app)
        app.screen.save(TagEdit(add=["later"], remove=["rlhf"]))
        app.screen.close_editor(None)
        await settle(pilot, app)
        assert reload(lib_path).triage_of(chosen[0]).tags == ("[bold]x[/]", "later")
        await pilot.press("u")
        await settle(pilot, app)
        assert reload(lib_path).triage_of(chosen[0]).tags == ("rlhf", "[bold]x[/]")


@pytest.mark.skipif(
    not has_module("papersift.tui.screens.note_editor"), reason="NoteEditor not written yet"
)
async def test_note_key_applies_the_note_editor_result(make_app, lib_path) -> None:
    from papersift.tui.screens.note_editor import NoteEditor

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        pid = plist(app).cursor_id
        await pilot.press("n")
        await settle(pilot, app)
        assert isinstance(app.screen, NoteEditor)
        app.screen.dismiss("Read section 3 first.\nCompare with DPO.")
        await settle(pilot, app)
        assert reload(lib_path).triage_of(pid).note == "Read section 3 first.\nCompare with DPO."
        detail = main_of(app).query_one(PaperDetail)
        assert "Your note\nRead section 3 first.\nCompare with DPO." in detail.text.plain


@pytest.mark.skipif(not has_module("papersift.clipboard"), reason="clipboard.py not written yet")
async def test_copy_as_bibtex(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space", "y")
        await settle(pilot, app)
        assert app.clipboard.count("@") == 2
        title = app.library.papers[plist(app).ids[0]].title.split()[0]
        assert title in app.clipboard
        assert any("Copied 2 papers as BibTeX to the " in n.message for n in app._notifications)


# ---------------------------------------------------------------------- filter


async def test_filter_typing_and_errors(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        bar = main.query_one(FilterBar)
        await pilot.press("slash")
        assert bar.input.has_focus
        await pilot.press(*"multilingual")
        await pilot.pause(0.3)
        await settle(pilot, app)
        shown = plist(app).ids
        assert 0 < len(shown) < SAMPLE_SIZE
        assert str(main.query_one("#match-count", Static).render()) == f"{len(shown)} of 318"
        # A malformed query shows its error under the box and keeps the last results.
        # (Set at once: typed key by key, "multilingual year" would filter first.)
        bar.input.insert_text_at_cursor(" year:abc")
        await pilot.pause(0.3)
        await settle(pilot, app)
        error = str(main.query_one("#filter-error", Static).render())
        assert bar.has_class("-error") and "year" in error
        assert "▲" in error
        assert plist(app).ids == shown
        # Fixing it clears the error.
        for _ in range(len("year:abc") + 1):
            await pilot.press("backspace")
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert not bar.has_class("-error")
        assert plist(app).ids == shown
        await pilot.press("escape")
        assert plist(app).has_focus
        # A query with no match says so.
        await pilot.press("slash", *" zzqqxxjj")
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert plist(app).ids == []
        assert "matches the filter" in list_text(app)[1]


async def test_filter_combines_with_view(make_app, lib_path) -> None:
    library = Library(lib_path)
    ids = list(library.papers)[:5]
    actions.set_starred(library, ids[:3], True)
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main_of(app).set_view("starred")
        await settle(pilot, app)
        assert sorted(plist(app).ids) == sorted(ids[:3])
        word = app.library.papers[ids[0]].title.split()[0].strip(":")
        await pilot.press("slash", *word)
        await pilot.pause(0.3)
        await settle(pilot, app)
        assert ids[0] in plist(app).ids
        assert set(plist(app).ids) <= set(ids[:3])


async def test_filter_while_the_word_index_builds(make_app, lib_path, monkeypatch) -> None:
    """Before the word index is built, field queries work (a small index without
    text), a word query shows the view unfiltered with "indexing words…", and the list
    is filtered by itself once the index is ready."""
    import threading

    library = Library(lib_path)
    starred = list(library.papers)[:4]
    actions.set_starred(library, starred, True)
    library.close()
    go = threading.Event()
    build = PapersiftApp._build_index

    def held_build(self: PapersiftApp) -> None:
        go.wait(30)
        build(self)

    monkeypatch.setattr(PapersiftApp, "_build_index", held_build)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        main = main_of(app)
        main.set_view("all")
        for _ in range(50):
            await pilot.pause(0.02)
            if len(plist(app)) == SAMPLE_SIZE:
                break
        bar = main.query_one(FilterBar)
        await pilot.press("slash", *"is:starred")
        for _ in range(100):
            await pilot.pause(0.02)
            if sorted(plist(app).ids) == sorted(starred):
                break
        assert sorted(plist(app).ids) == sorted(starred)
        assert not app.live.ready
        bar.input.value = "multilingual"
        for _ in range(100):
            await pilot.pause(0.02)
            if "indexing" in str(main.query_one("#match-count", Static).render()):
                break
        assert "indexing words" in str(main.query_one("#match-count", Static).render())
        assert len(plist(app)) == SAMPLE_SIZE
        go.set()
        await settle(pilot, app)
        assert app.live.ready
        assert 0 < len(plist(app)) < SAMPLE_SIZE
        count = str(main.query_one("#match-count", Static).render())
        assert count == f"{len(plist(app))} of {SAMPLE_SIZE}"
        # A change made while the index was being built reached it.
        from papersift.query import parse

        assert sorted(p for p, _ in app.live.word_index().search(parse("is:starred"))) == sorted(
            starred
        )


async def test_filters_coalesce_while_one_runs(make_app, monkeypatch) -> None:
    """Edits made while a filter runs start one more run when it ends, not one each."""
    import threading

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        started: list[str] = []
        release = threading.Event()
        original = MainScreen._filter

        def slow_filter(self: MainScreen, generation: int, view: str, text: str, *rest):
            started.append(text)
            release.wait(10)
            return original(self, generation, view, text, *rest)

        monkeypatch.setattr(MainScreen, "_filter", slow_filter)
        await pilot.press("slash", *"alignment")
        await pilot.pause(0.1)
        assert started == ["a"]
        release.set()
        await settle(pilot, app)
        assert started == ["a", "alignment"]
        assert main.filter_bar.text == "alignment"
        from papersift.query import parse

        expected = [
            p for p, _ in app.live.word_index().search(parse("is:inbox alignment"), ranked=True)
        ]
        assert plist(app).ids == expected


async def test_filter_keystrokes_repaint_without_a_screen_layout(make_app) -> None:
    """Typing a filter that changes the row count relays out nothing: the list, the
    query box and the match count repaint in place (a layout of the whole screen per
    keystroke was most of the filter latency at 100k papers). Screen updates held back
    while a filter runs are always let go."""
    from textual import messages

    laid_out: list[str] = []

    def hook(message: object) -> None:
        if isinstance(message, messages.Layout):
            laid_out.append(message.widget.id or type(message.widget).__name__)

    app = make_app()
    async with app.run_test(size=WIDE, message_hook=hook) as pilot:
        await settle(pilot, app)
        bar = main_of(app).filter_bar
        await pilot.press("slash")
        await settle(pilot, app)
        counts = set()
        laid_out.clear()
        for key in "multilingual":
            await pilot.press(key)
            await settle(pilot, app)
            counts.add(len(plist(app)))
            assert bar._hold is None
        assert len(counts) > 2  # the row count did change
        assert not {"papers", "filter-input", "match-count", "filter-error"} & set(laid_out)
        assert str(bar.query_one("#match-count", Static).render()).endswith(f"of {SAMPLE_SIZE}")


# ---------------------------------------------------------------------- views and sort


async def test_sidebar_switches_views(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        first = plist(app).ids[0]
        await pilot.press("s")
        await settle(pilot, app)
        await pilot.press("v")
        sidebar = main_of(app).query_one(Sidebar)
        assert sidebar.has_focus and sidebar.highlighted_key == "status:inbox"
        await pilot.press("j", "enter")  # Starred
        await settle(pilot, app)
        assert main_of(app).view == "starred"
        assert plist(app).ids == [first]
        assert plist(app).has_focus
        assert "Starred" in str(main_of(app).query_one("#list-title", Static).render())
        # ] and [ step through the views (Starred, New since last session, To read).
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert main_of(app).view == "new"
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert main_of(app).view == "status:to-read"
        await pilot.press(*["left_square_bracket"] * 3)
        await settle(pilot, app)
        assert main_of(app).view == "status:inbox"
        # A source view lists the papers of that file.
        source = next(k for k in sidebar.view_keys() if k.startswith("source:"))
        main_of(app).set_view(source)
        await settle(pilot, app)
        assert len(plist(app)) == sidebar.count_of(source)
        assert Library(lib_path).load_ui_state()["view"] == source


@pytest.mark.skipif(
    not has_module("papersift.tui.screens.duplicates"), reason="DuplicatesScreen not written yet"
)
async def test_duplicates_view_opens_review(make_app) -> None:
    from papersift.tui.screens.duplicates import DuplicatesScreen

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main_of(app).set_view("duplicates")
        await settle(pilot, app)
        assert isinstance(app.screen, DuplicatesScreen)
        assert main_of(app).view == "status:inbox"
        app.pop_screen()
        await settle(pilot, app)
        await pilot.press("D")
        await settle(pilot, app)
        assert isinstance(app.screen, DuplicatesScreen)


async def test_sort_cycles(make_app, lib_path) -> None:
    library = Library(lib_path)
    ids = list(library.papers)
    actions.set_starred(library, [ids[10]], True)  # touched: recently changed
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = plist(app)
        main_of(app).set_view("all")
        await settle(pilot, app)
        assert papers.ids == ids  # library order
        await pilot.press("o")
        await settle(pilot, app)
        assert papers.sort == "title"
        titles = [app.library.papers[p].title.casefold() for p in papers.ids]
        assert titles == sorted(titles)
        assert "title ▲" in list_text(app)[0]
        assert "sorted by title" in str(main_of(app).query_one("#list-title", Static).render())
        await pilot.press("O")
        await settle(pilot, app)
        titles = [app.library.papers[p].title.casefold() for p in papers.ids]
        assert titles == sorted(titles, reverse=True)
        await pilot.press("o")  # year
        await settle(pilot, app)
        assert papers.sort == "year"
        await pilot.press("o")  # recently changed
        await settle(pilot, app)
        assert papers.sort == "changed" and papers.ids[0] == ids[10]
        await pilot.press("o")  # predicted relevance: one star is not enough to learn from
        await settle(pilot, app)
        assert papers.sort == "rank" and papers.ids == ids
        assert "not yet: star or discard a few papers" in str(
            main_of(app).query_one("#list-title", Static).render()
        )
        await pilot.press("o")
        await settle(pilot, app)
        assert papers.sort == "relevance" and papers.ids == ids


async def test_restart_restores_view_query_sort_cursor(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main_of(app).set_view("all")
        await settle(pilot, app)
        await pilot.press("o", "slash", *"language")
        await pilot.pause(0.3)
        await settle(pilot, app)
        await pilot.press("escape", "j", "j", "j")
        cursor = plist(app).cursor_id
        shown = plist(app).ids
        await pilot.press("q")
    assert not app.is_running

    again = make_app()
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot, again)
        main = main_of(again)
        assert main.view == "all"
        assert main.query_one(FilterBar).text == "language"
        assert plist(again).sort == "title"
        assert plist(again).ids == shown
        assert plist(again).cursor_id == cursor


# ---------------------------------------------------------------------- hostile data


async def test_hostile_titles_show_literally(make_app, lib_path) -> None:
    hostile = [
        {"title": "[bold]x[/] and [@click=app.quit]quit[/]", "abstract": "[red]not red[/red]"},
        {"title": "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x9b2J bell\x07", "abstract": "a\x1bb"},
    ]
    ids = add_papers(lib_path, hostile)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main_of(app).set_view("all")
        # The view's filter runs in a worker: let it land before moving to the end.
        await settle(pilot, app)
        await pilot.press("G")
        await settle(pilot, app)
        lines = list_text(app)
        text = "\n".join(lines)
        assert "[bold]x[/] and [@click=app.quit]quit[/]" in text
        assert "␛[31mred␛[0m ␛]0;pwned␇ \ufffd2J bell␇" in text
        assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
        # The detail pane shows them literally too.
        detail = main_of(app).query_one(PaperDetail)
        assert detail.paper_id == ids[1]
        assert detail.text.plain.startswith("␛[31mred␛[0m")
        assert "\x1b" not in detail.text.plain
        await pilot.press("k")
        await settle(pilot, app)
        assert "Abstract\n[red]not red[/red]\n" in detail.text.plain
        assert app.is_running


# ---------------------------------------------------------------------- help, keys, theme


async def test_help_lists_keys_in_force_and_query_help(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert QUERY_HELP.splitlines()[0] in text
        rows = {row[2]: row for _, section in app.screen.sections for row in section}
        assert rows["star"][:2] == ("s", "Star or unstar (toggle)")
        assert rows["status-read"][:2] == ("x", "Read (checked off)")
        assert rows["cursor-down"][0] == "↓ j"
        for binding_id in ("undo", "triage", "select-all", "filter", "sort", "quit", "help"):
            assert binding_id in rows
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_keymap_from_config_moves_keys(make_app, config_path, lib_path) -> None:
    config_path.write_text('[keys]\nstar = "f"\nstatus-read = "4,x"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        pid = plist(app).cursor_id
        await pilot.press("s")
        await settle(pilot, app)
        assert not reload(lib_path).triage_of(pid).starred
        await pilot.press("f")
        await settle(pilot, app)
        assert reload(lib_path).triage_of(pid).starred
        assert footer_keys(app)["star"] == "f"
        assert footer_keys(app)["status('read')"] == "4"
        await pilot.press("4")
        await settle(pilot, app)
        assert reload(lib_path).triage_of(pid).status == "read"
        await pilot.press("question_mark")
        await settle(pilot, app)
        rows = {row[2]: row for _, section in app.screen.sections for row in section}
        assert rows["star"][0] == "f"
        assert rows["status-read"][0] == "4 x"


async def test_bad_config_warns_and_runs(make_app, config_path) -> None:
    config_path.write_text('[keys\nstar = "f"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert any(
            n.severity == "warning" and str(config_path) in n.message for n in app._notifications
        )
        assert len(plist(app)) == SAMPLE_SIZE


async def test_unknown_binding_id_and_theme_warn(make_app, config_path) -> None:
    config_path.write_text('theme = "no-such-theme"\n[keys]\nstra = "f"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        messages = [n.message for n in app._notifications if n.severity == "warning"]
        assert any("stra" in m for m in messages)
        assert any("no-such-theme" in m for m in messages)


async def test_keymap_clash_is_reported(make_app, config_path) -> None:
    config_path.write_text('[keys]\nstar = "j"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        messages = [n.message for n in app._notifications if n.severity == "warning"]
        assert any("'j'" in m and "cursor-down" in m and "star" in m for m in messages)


async def test_theme_from_config_and_remembered(make_app, config_path, lib_path) -> None:
    config_path.write_text('theme = "nord"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        assert app.theme == "nord"
        app.theme = "gruvbox"  # as picked in the command palette
        await settle(pilot, app)
    assert Library(lib_path).load_ui_state()["theme"] == "gruvbox"
    again = make_app()
    async with again.run_test(size=WIDE) as pilot:
        await settle(pilot, again)
        assert again.theme == "gruvbox"
    # Changing the config's theme later wins over the remembered one.
    config_path.write_text('theme = "dracula"\n', encoding="utf-8")
    third = make_app()
    async with third.run_test(size=WIDE) as pilot:
        await settle(pilot, third)
        assert third.theme == "dracula"


# ---------------------------------------------------------------------- other processes


async def test_changes_by_another_process_show_up(make_app, lib_path) -> None:
    app = make_app(poll_seconds=0.1)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        pid = plist(app).ids[4]
        other = Library(lib_path)  # e.g. the CLI
        actions.set_starred(other, [pid], True)
        actions.add_tags(other, [pid], ["from-cli"])
        other.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            await pilot.pause(0.1)
            if main_of(app).query_one(Sidebar).count_of("starred") == 1:
                break
        await settle(pilot, app)
        assert main_of(app).query_one(Sidebar).count_of("tag:from-cli") == 1
        assert "from-cli" in list_text(app)[5]
        from papersift.query import parse

        assert [p for p, _ in app.live.word_index().search(parse("tag:from-cli"))] == [pid]


# ---------------------------------------------------------------------- layout and palette


async def test_narrow_terminal_hides_sidebar_until_asked(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        sidebar = main.query_one(Sidebar)
        assert main.has_class("-narrow")
        assert not sidebar.display or sidebar.region.width == 0
        await pilot.press("v")
        await pilot.pause()
        assert sidebar.has_focus and sidebar.region.width > 0
        await pilot.press("escape")
        await pilot.pause()
        assert plist(app).has_focus and not main.has_class("-show-sidebar")
        # Status keys work at this size too, and are in the footer.
        keys = footer_keys(app)
        assert keys["star"] == "s" and keys["status('read')"] == "x"


async def test_command_palette_offers_actions_and_views(make_app) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        from papersift.tui.commands import PapersiftCommands

        provider = PapersiftCommands(app.screen)
        names = [name for name, _, _ in provider._commands()]
        for expected in ("Star", "Read", "Tags", "Undo", "Help", "View: Starred", "Sort by year"):
            assert expected in names
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"View: Starred")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert main_of(app).view == "starred"


@pytest.mark.skipif(
    not has_module("papersift.tui.screens.triage"), reason="TriageScreen not written yet"
)
async def test_enter_opens_triage_from_cursor(make_app) -> None:
    from papersift.tui.screens.triage import TriageScreen

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "j", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        assert app.screen.paper_ids == plist(app).ids and app.screen.position == 2
        app.pop_screen()
        await settle(pilot, app)
        # A double click on a row opens triage there too.
        await pilot.click(PaperList, offset=(20, 5), times=2)
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen) and app.screen.position == 4


@pytest.mark.skipif(
    not has_module("papersift.tui.screens.export"), reason="ExportScreen not written yet"
)
async def test_export_key_opens_export(make_app) -> None:
    from papersift.tui.screens.export import ExportScreen

    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        assert isinstance(app.screen, ExportScreen)


async def test_list_stays_fast_with_100k_rows() -> None:
    """The list renders a screenful of a 100k-row view without touching the rest."""
    from textual.app import App, ComposeResult

    from papersift.models import Entry, Paper

    papers = {f"{i:012x}": Paper(id=f"{i:012x}", title=f"Paper number {i}") for i in range(100_000)}
    fetched: list[str] = []

    def entry_of(pid: str) -> Entry:
        fetched.append(pid)
        return Entry(papers[pid])

    class ListApp(App[None]):
        def compose(self) -> ComposeResult:
            yield PaperList(entry_of)

    app = ListApp()
    async with app.run_test(size=(120, 40)) as pilot:
        widget = app.query_one(PaperList)
        started = time.perf_counter()
        widget.set_rows(list(papers))
        await pilot.pause()
        widget.action_cursor_bottom()
        await pilot.pause()
        elapsed = time.perf_counter() - started
        assert widget.cursor_id == f"{99_999:012x}"
        assert elapsed < 2.0
        assert len(set(fetched)) < 200  # only visible rows were rendered
