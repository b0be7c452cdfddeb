"""Issue #18, "the keyboard never surprises": keys after `/` reach the filter box however
fast they come, changes to many papers ask first, the selection survives filters and
views, the keymap reaches every screen, the filter has a visible clear key, the
palette prefers views for view names, and the main screen and help work at 80x24."""

from __future__ import annotations

import re
from pathlib import Path

from textual import events
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from papersift.store import Library
from papersift.tui.app import PapersiftApp
from papersift.tui.screens.confirm import BULK_CONFIRM_OVER, ConfirmScreen
from papersift.tui.screens.export import ExportScreen
from papersift.tui.screens.main import MainScreen
from papersift.tui.screens.tag_editor import TagEditor

from .conftest import settle

SAMPLE_SIZE = 318
MEDIUM = (120, 36)
#: Keys as the terminal names them, for the characters of a typed burst.
_NAMED = {"/": "slash", ":": "colon", " ": "space", '"': "quotation_mark"}


def main_of(app: PapersiftApp) -> MainScreen:
    assert app.main_screen is not None
    return app.main_screen


def reread(path: Path) -> Library:
    return Library(path, readonly=True)


def title_text(app: PapersiftApp) -> str:
    return str(main_of(app).query_one("#list-title", Static).render())


def footer_actions(app: PapersiftApp) -> dict[str, str]:
    """{action: key shown} of the footer of the screen in front."""
    footer = app.screen.query_one(Footer)
    return {k.action: k.key_display for k in footer.query(FooterKey) if k.display}


def burst(app: PapersiftApp, text: str) -> None:
    """Send `text` as the terminal sends a paste without bracketed-paste mode or a very
    fast typist: every key queued at once, none handled before the next arrives
    (`Pilot.press` waits for the app to go idle after each key, which hides the bug)."""
    driver = app._driver
    assert driver is not None
    for char in text:
        key = _NAMED.get(char, char)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


def paste(app: PapersiftApp, text: str) -> None:
    """A bracketed paste, as the terminal announces it."""
    driver = app._driver
    assert driver is not None
    event = events.Paste(text)
    event.set_sender(app)
    driver.send_message(event)


def assert_nothing_changed(path: Path) -> None:
    library = reread(path)
    assert not any(t.starred or t.tags for t in library.triage.values())


# ---------------------------------------------------------------------- item 1: after `/`


async def test_a_burst_after_slash_is_typed_into_the_filter_box(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        burst(app, "/has:tags")
        await settle(pilot, app)
        main = main_of(app)
        assert app.screen is main, "t must not open the tag editor"
        assert main.filter_bar.text == "has:tags"
        assert main.paper_list.selected_count == 0, "a must not select all"
        assert main.focused is main.filter_bar.input
    assert_nothing_changed(lib_path)


async def test_a_paste_right_after_slash_goes_to_the_filter_box(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        burst(app, "/")
        paste(app, 'tag:x "a phrase"')
        await settle(pilot, app)
        assert main_of(app).filter_bar.text == 'tag:x "a phrase"'
        assert main_of(app).paper_list.selected_count == 0
    assert_nothing_changed(lib_path)


async def test_slash_typed_in_the_filter_box_is_part_of_the_query(make_app) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", "a", "slash", "b")
        burst(app, "/c")
        await settle(pilot, app)
        assert main_of(app).filter_bar.text == "a/b/c"


async def test_a_change_to_many_papers_asks_once_first(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        await pilot.press("a", "s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Star {SAMPLE_SIZE} papers?" in app.screen.question
        await pilot.press("n")
        await settle(pilot, app)
        assert_nothing_changed(lib_path)
        await pilot.press("s", "y")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert sum(t.starred for t in reread(lib_path).triage.values()) == SAMPLE_SIZE
        assert app.undo_depth == 1
        # Status and tags ask too; the tag editor opens only after a yes.
        await pilot.press("r")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Move 318 papers to To read?" in app.screen.question
        await pilot.press("escape", "t")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Edit the tags of 318 papers?" in app.screen.question
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, TagEditor)
    assert all(t.status == "inbox" for t in reread(lib_path).triage.values())


async def test_a_few_papers_change_without_a_question(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        ids = main_of(app).paper_list.ids
        await pilot.press(*["space"] * BULK_CONFIRM_OVER, "s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        library = reread(lib_path)
        assert [library.triage_of(p).starred for p in ids[: BULK_CONFIRM_OVER + 1]] == [
            True
        ] * BULK_CONFIRM_OVER + [False]
        await pilot.press("space", "x")  # one more: over the threshold
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Move {BULK_CONFIRM_OVER + 1} papers to Read?" in app.screen.question


# ---------------------------------------------------------------------- item 2: selection


async def test_the_selection_survives_filters_and_views(make_app, lib_path) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        papers = main.paper_list
        await pilot.press("space", "space", "j", "space")
        mexa = next(p for p in papers.ids if "MEXA" in main._entry_of(p).paper.title)
        papers.move_cursor_to(mexa)
        await pilot.press("space")
        chosen = papers.selected
        assert len(chosen) == 4
        assert "4 selected" in title_text(app)
        await pilot.press("slash", *"mexa", "escape")
        await settle(pilot, app)
        assert len(papers) == 1
        assert papers.selected_count == 4
        assert "4 selected, 1 shown" in title_text(app)
        # Export offers the whole selection and says some are not shown.
        await pilot.press("e")
        await settle(pilot, app)
        assert isinstance(app.screen, ExportScreen)
        assert set(app.screen.paper_ids) == set(chosen)
        heading = str(app.screen.query_one(".dialog-title", Static).render())
        assert "Export 4 papers" in heading and "3 selected but not shown" in heading
        await pilot.press("escape")
        await settle(pilot, app)
        # A change acts on all four and, as some are hidden, says so first.
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Star 4 papers?" in app.screen.question
        assert "3 of them are selected but not shown here" in app.screen.question
        await pilot.press("y")
        await settle(pilot, app)
        assert {p for p, t in reread(lib_path).triage.items() if t.starred} == set(chosen)
        # Clearing the filter brings the four back, marked; another view keeps them.
        await pilot.press("slash", "ctrl+u", "escape")
        await settle(pilot, app)
        assert len(papers) == SAMPLE_SIZE
        assert papers.selected == chosen
        assert "4 selected" in title_text(app) and "shown" not in title_text(app)
        await pilot.press("right_square_bracket")  # the next view: Starred, those four
        await settle(pilot, app)
        assert main.view == "starred"
        assert set(papers.selected) == set(chosen) and "4 selected  " in title_text(app)
        main.set_view("status:read")  # none of them
        await settle(pilot, app)
        assert papers.selected_count == 4
        assert "4 selected, 0 shown" in title_text(app)
        # `A` searches all papers (it no longer also clears the selection).
        await pilot.press("A")
        await settle(pilot, app)
        assert main.view == "all" and papers.selected_count == 4


async def test_a_visible_key_clears_the_selection(make_app) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        papers = main_of(app).paper_list
        assert "clear_selection" not in footer_actions(app)
        await pilot.press("space", "slash", *"mexa", "escape")
        await settle(pilot, app)
        assert papers.hidden_selected_count == 1
        assert footer_actions(app)["clear_selection"] == "esc"
        await pilot.press("escape")
        await settle(pilot, app)
        assert papers.selected_count == 0, "the hidden paper is unselected too"
        assert "clear_selection" not in footer_actions(app)
        assert "selected" not in title_text(app)


async def test_select_all_adds_the_papers_shown(make_app) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        papers = main_of(app).paper_list
        first = papers.cursor_id
        await pilot.press("space", "slash", *"mexa", "escape")
        await settle(pilot, app)
        await pilot.press("a")
        assert papers.selected_count == 2
        assert first in papers.selected


# ---------------------------------------------------------------------- item 3: keymap


def test_a_screen_binding_follows_the_main_screens_remapping() -> None:
    from papersift.tui.bindings import binding_classes, followed_keymap, known_binding_ids
    from papersift.tui.screens.triage import TriageScreen

    keymap = followed_keymap({"star": "f", "status-read": "x,4"}, binding_classes())
    assert keymap["triage.star"] == "f" and keymap["triage.read"] == "x,4"
    assert "triage.tags" not in keymap, "only what the keymap moves"
    # A binding the keymap names itself keeps its own keys.
    own = followed_keymap({"star": "f", "triage.star": "g"}, [TriageScreen])
    assert own == {"star": "f", "triage.star": "g"}
    # Undo is the app's undo on every screen that has one.
    moved = followed_keymap({"undo": "z"}, binding_classes())
    assert {k for k, v in moved.items() if v == "z"} == {
        "undo",
        "triage.undo",
        "review.undo",
        "duplicates.undo",
    }
    # Every id a screen follows exists, on both sides.
    known = known_binding_ids(PapersiftApp)
    following = [cls for cls in binding_classes() if "KEYMAP_FOLLOWS" in vars(cls)]
    assert len(following) >= 3
    for cls in following:
        own = set(cls.KEYMAP_FOLLOWS)
        assert own | set(cls.KEYMAP_FOLLOWS.values()) <= known, cls.__name__
        assert own <= {b.id for b in cls.BINDINGS}, f"{cls.__name__} follows its own ids"


async def test_the_keymap_reaches_triage_and_its_footer(make_app, config_path, lib_path) -> None:
    config_path.write_text('[keys]\nstar = "f"\nstatus-read = "x,4"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        first = main_of(app).paper_list.ids[0]
        await pilot.press("enter")
        await settle(pilot, app)
        assert type(app.screen).__name__ == "TriageScreen"
        assert footer_actions(app)["star"] == "f"
        await pilot.press("s")  # no longer star here either
        await settle(pilot, app)
        assert not reread(lib_path).triage_of(first).starred
        await pilot.press("f", "4")
        await settle(pilot, app)
        on_disk = reread(lib_path).triage_of(first)
        assert on_disk.starred and on_disk.status == "read"
        assert app.screen.position == 1, "4 decided and moved on, as x does"
        hint = str(app.screen.query_one("#triage-hint", Static).render())
        assert "x read" in hint
    assert app.return_code in (None, 0)


async def test_help_names_screens_and_keys_that_differ(make_app) -> None:
    from papersift.tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        titles = [title for title, _ in help_screen.tables()]
        assert titles[0] == "Main list"
        assert "Other screens: Triage" in titles and "Other screens: Tag editor" in titles
        assert not [t for t in titles if re.search(r"[a-z][A-Z]", t)], "no class names"
        assert len(titles) == len(set(titles))
        differing = {key: text for key, text, _ in help_screen.differing}
        assert differing["q"].startswith("Quit here; ") and "Back in " in differing["q"]
        assert "Triage" in differing["q"]
        await pilot.press("escape", "enter", "question_mark")  # help over triage
        await settle(pilot, app)
        assert next(t for t, _ in app.screen.tables()) == "Triage"
        differing = {key: text for key, text, _ in app.screen.differing}
        assert differing["q"] == "Back here; Quit in Main list"


# ---------------------------------------------------------------------- item 4: clearing


async def test_the_filter_has_a_visible_clear_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        box = main.filter_bar.input
        assert "^u clears" in box.placeholder
        assert "clear_filter" not in footer_actions(app), "nothing to clear yet"
        await pilot.press("slash", *"mexa", "left", "left")
        await settle(pilot, app)
        assert footer_actions(app)["clear_query"] == "^u"
        await pilot.press("ctrl+u")  # all of it, not only left of the cursor
        await settle(pilot, app)
        assert box.value == ""
        await pilot.press(*"mexa", "escape")
        await settle(pilot, app)
        assert main.filter_bar.text == "mexa", "escape keeps the filter"
        assert footer_actions(app)["clear_filter"] == "^u"
        await pilot.press("ctrl+u")
        await settle(pilot, app)
        assert main.filter_bar.text == "" and len(main.paper_list) == SAMPLE_SIZE
        assert "clear_filter" not in footer_actions(app)


# ---------------------------------------------------------------------- item 9: palette


async def test_the_palette_prefers_a_view_for_its_name(make_app) -> None:
    from papersift.tui.commands import PapersiftCommands

    app = make_app()
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot, app)
        provider = PapersiftCommands(app.screen)
        for typed, view in (("to read", "To read"), ("inbox", "Inbox"), ("read", "Read")):
            hits = sorted([hit async for hit in provider.search(typed)], key=lambda h: -h.score)
            assert hits[0].text == f"View: {view}", (typed, [h.text for h in hits[:3]])
        # Not a view's name: the action stays first.
        hits = sorted([hit async for hit in provider.search("star")], key=lambda h: -h.score)
        assert hits[0].text == "Star"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"to read")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert main_of(app).view == "status:to-read"
        assert not any(t.status == "to-read" for t in app.library.triage.values())


# ---------------------------------------------------------------------- item 13: 80x24


async def test_at_80x24_the_footer_is_whole_and_offers_views(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("space")  # "esc Unselect" joins the footer
        await settle(pilot, app)
        footer = app.screen.query_one(Footer)
        shown = [k for k in footer.query(FooterKey) if k.display and k.parent.display]
        assert "focus_views" in {k.action for k in shown}
        assert "clear_selection" in {k.action for k in shown}
        for key in shown:
            assert key.region.right <= footer.region.right, key.description
        line = app.screen._compositor.render_strips()[footer.region.y].text
        assert line.rstrip().endswith(("Quit", "Help", "Views", "Filter", "Undo"))
        # Less important keys went (they are in ? and the palette), whole.
        hidden = [k for k in footer.query(FooterKey) if not k.display]
        assert hidden and all(k.description not in line for k in hidden)


async def test_the_first_run_notice_leaves_the_abstract_readable(tmp_path, make_app) -> None:
    app = make_app(tmp_path / "fresh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        main = main_of(app)
        assert "Imported 318 sample papers" in title_text(app)
        assert not app._notifications, "no toast over the detail pane"
        await pilot.press("j")
        await settle(pilot, app)
        assert "Imported" not in title_text(app) and "318 papers" in title_text(app)
        assert main.notice is None


async def test_the_help_says_how_to_scroll_and_close_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        body = app.screen.query_one("#help-body")
        assert body.border_subtitle is not None
        assert "scroll" in body.border_subtitle and "esc" in body.border_subtitle
        before = body.scroll_y
        await pilot.press("pagedown")
        assert body.scroll_y > before
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


def test_help_says_numbered_keys_once() -> None:
    from papersift.tui.screens.help import collapse_numbered

    rows = [("S", "Save view", "save-view")]
    rows += [(str(n), f"Saved view {n}", f"saved-view-{n}") for n in range(1, 10)]
    rows += [("q", "Quit", "quit")]
    assert collapse_numbered(rows) == [
        ("S", "Save view", "save-view"),
        ("1–9", "Saved view 1–9", "saved-view-1 … saved-view-9"),
        ("q", "Quit", "quit"),
    ]
    # A key moved in the config breaks the run: where it went still shows.
    moved = [r if r[0] != "5" else ("f5", r[1], r[2]) for r in rows]
    assert collapse_numbered(moved) == [
        ("S", "Save view", "save-view"),
        ("1–4", "Saved view 1–4", "saved-view-1 … saved-view-4"),
        ("f5", "Saved view 5", "saved-view-5"),
        ("6–9", "Saved view 6–9", "saved-view-6 … saved-view-9"),
        ("q", "Quit", "quit"),
    ]
    # Two numbered rows are left as they are.
    two = [("1", "Tab 1", "tab-1"), ("2", "Tab 2", "tab-2")]
    assert collapse_numbered(two) == two
