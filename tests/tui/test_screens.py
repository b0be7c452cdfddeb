"""Pilot tests of the secondary screens: triage, tag/note editors, duplicates, confirm.

Each screen runs in `HostApp` (tests/tui/screens_host.py), which keeps the
`PapersiftApp` contract, over a real library: the sample corpus imported by the real
importer, plus three hand-made possible duplicates. Changes are checked by reopening
the library from disk.
"""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Input, TextArea

from papersift import actions
from papersift.store import Library
from papersift.textsafe import clean_block, clean_line, has_controls
from papersift.tui.safe_text import plain
from papersift.tui.screens.confirm import ConfirmScreen
from papersift.tui.screens.duplicates import DiffText, DuplicatesScreen, word_diff
from papersift.tui.screens.note_editor import NoteEditor
from papersift.tui.screens.tag_editor import (
    NearMissPrompt,
    TagChips,
    TagEdit,
    TagEditor,
    TagSuggestions,
    suggest_tags,
)
from papersift.tui.screens.triage import TriageScreen

from .screens_host import NASTY_TITLE, HostApp, add_paper, build_library, copy_library, settle

SIZE = (100, 32)


def has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def screens_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_library(tmp_path_factory.mktemp("screens") / "library")


@pytest.fixture
def lib_dir(tmp_path: Path, screens_template: Path) -> Path:
    return copy_library(screens_template, tmp_path / "library")


@pytest.fixture
def open_library(lib_dir: Path) -> Iterator[Callable[[], Library]]:
    opened: list[Library] = []

    def open_() -> Library:
        library = Library(lib_dir)
        opened.append(library)
        return library

    yield open_
    for library in opened:
        library.close()


@pytest.fixture
def host(open_library: Callable[[], Library]) -> Callable[..., HostApp]:
    def make(factory: Callable[[HostApp], Screen[Any]]) -> HostApp:
        return HostApp(open_library(), factory)

    return make


def reread(path: Path) -> Library:
    """The library as it is on disk now."""
    return Library(path, readonly=True)


def screen_text(app: HostApp) -> str:
    """What the terminal shows (the screenshot's text)."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg)
    return html.unescape(text).replace("\xa0", " ")


async def type_text(pilot, text: str) -> None:
    await pilot.press(*[{" ": "space", ",": "comma", "-": "minus"}.get(c, c) for c in text])


# ---------------------------------------------------------------------- safe text


def test_clean_makes_controls_visible_and_keeps_markup_literal() -> None:
    assert clean_line("a\x1b[31mb") == "a␛[31mb"
    assert clean_line("bell\x07 csi\x9b2J del\x7f") == "bell␇ csi\ufffd2J del␡"
    assert clean_line("rtl\u202eevil") == "rtl\ufffdevil"
    assert clean_line("two\nlines\r\nthree\tx") == "two lines three x"
    assert clean_block("two\r\nlines\rx") == "two\nlines\nx"
    assert plain("two\nlines").plain == "two lines"
    assert plain("two\r\nlines", multiline=True).plain == "two\nlines"
    assert plain("[bold red]x[/] [link=https://e.example]y[/link]").plain == (
        "[bold red]x[/] [link=https://e.example]y[/link]"
    )
    assert plain("[bold]x[/]").spans == []
    assert has_controls("a\x1bb") and not has_controls("plain\ntext")


# ---------------------------------------------------------------------- triage


def first_ids(library: Library, n: int) -> list[str]:
    return list(library.papers)[:n]


async def test_triage_status_keys_decide_and_advance(host, lib_dir: Path) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 6), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        ids = screen.paper_ids
        assert screen.progress_text() == "0 / 6 triaged"
        for key in ("r", "w", "x", "d"):
            await pilot.press(key)
            await settle(pilot)
        assert screen.position == 4
        assert screen.progress_text() == "4 / 6 triaged"
        # The top line counts this sitting and the library (issue #18 item 11).
        n = len(app.library.papers)
        assert f"4 decided this sitting · 4 / {n} screened" in screen_text(app)
        assert "paper 5 of 6" in screen_text(app)
        # i sets a paper back to the inbox (and advances too).
        await pilot.press("k", "i")
        await settle(pilot)
        assert screen.position == 4
        assert screen.progress_text() == "3 / 6 triaged"
    disk = reread(lib_dir)
    assert [disk.triage_of(pid).status for pid in ids] == [
        "to-read",
        "reading",
        "read",
        "inbox",
        "inbox",
        "inbox",
    ]


async def test_triage_star_toggles_and_stays(host, lib_dir: Path) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 3), 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        pid = screen.current_id()
        await pilot.press("s")
        await settle(pilot)
        assert screen.position == 1
        assert reread(lib_dir).triage_of(pid).starred
        assert "★ starred" in screen_text(app)
        await pilot.press("s")
        await settle(pilot)
        assert not reread(lib_dir).triage_of(pid).starred
        assert screen.progress_text() == "0 / 3 triaged"


async def test_triage_moves_without_deciding(host, lib_dir: Path) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 4), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("j", "j", "right")
        assert screen.position == 3
        await pilot.press("k", "left")
        assert screen.position == 1
        await pilot.press("k", "k", "k")
        assert screen.position == 0
        title = app.library.papers[screen.current_id()].title
        assert clean_line(title) in screen_text(app)
    assert not reread(lib_dir).triage


async def test_triage_undo_reverts_and_goes_back(host, lib_dir: Path) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 5), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        ids = screen.paper_ids
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert screen.position == 2
        await pilot.press("u")
        await settle(pilot)
        assert screen.position == 1
        assert screen.progress_text() == "1 / 5 triaged"
    disk = reread(lib_dir)
    assert disk.triage_of(ids[0]).status == "to-read"
    assert disk.triage_of(ids[1]).status == "inbox"


async def test_triage_counts_earlier_decisions_and_ends_all_done(host, open_library) -> None:
    library = open_library()
    ids = first_ids(library, 3)
    actions.set_status(library, [ids[0]], "read")
    app = host(lambda app: TriageScreen(ids, 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.progress_text() == "1 / 3 triaged"
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert screen.at_end
        text = screen_text(app)
        assert "All done!" in text
        assert "All 3 papers of this list are triaged" in text
        # The one read before this sitting counts for the library, not for the sitting.
        assert f"2 decided this sitting · 3 / {len(library.papers)} screened" in text
        # Nothing to decide past the end; k shows the last paper again.
        await pilot.press("r")
        await settle(pilot)
        assert screen.at_end
        await pilot.press("k")
        assert screen.position == 2


async def test_triage_end_of_list_offers_the_papers_left(host) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 4), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("r", "j")
        await settle(pilot)
        await pilot.press("d", "j")
        await settle(pilot)
        assert screen.at_end
        text = screen_text(app)
        assert "End of the list" in text
        assert "2 / 4 triaged; 2 papers are still in the inbox" in text
        await pilot.press("g")
        assert screen.position == 1
        await pilot.press("g")
        assert screen.position == 3


async def test_triage_tag_and_note_editors(host, lib_dir: Path) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 3), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        pid = screen.current_id()
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TagEditor)
        await type_text(pilot, "survey, to cite")
        await pilot.press("enter")
        await pilot.press("enter")  # empty line: done
        await settle(pilot)
        assert app.screen is screen
        assert screen.position == 0  # tags do not advance
        assert "tags: survey, to cite" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "read section 3")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert "read section 3" in screen_text(app)
    disk = reread(lib_dir)
    assert disk.triage_of(pid).tags == ("survey", "to cite")
    assert disk.triage_of(pid).note == "read section 3"


async def test_triage_tag_edit_is_undone_from_the_next_paper(host, lib_dir: Path) -> None:
    # The shared tag flow runs through triage's own perform, which remembers where the
    # change was made: undo from the next paper goes back to it.
    app = host(lambda app: TriageScreen(first_ids(app.library, 3), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        pid = screen.current_id()
        await pilot.press("t")
        await settle(pilot)
        await type_text(pilot, "later")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert len(app.performed) == 1
        await pilot.press("j")
        await settle(pilot)
        assert screen.position == 1
        await pilot.press("u")
        await settle(pilot)
        assert screen.position == 0
    assert reread(lib_dir).triage_of(pid).tags == ()


async def test_edit_tags_is_one_change_for_every_paper(host, lib_dir: Path) -> None:
    from papersift.tui.screens.editing import edit_tags

    app = host(lambda app: Screen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = first_ids(app.library, 2)
        actions.add_tags(app.library, [ids[0]], ["old"])
        edit_tags(app, [app.library.entry(pid) for pid in ids])
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, TagEditor)
        assert editor.current == ["old"]  # any paper's tags are shown as theirs
        await type_text(pilot, "-old, new")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert len(app.performed) == 1
    disk = reread(lib_dir)
    assert [disk.triage_of(pid).tags for pid in ids] == [("new",), ("new",)]


async def test_edit_note_writes_nothing_when_the_note_is_unchanged(host, lib_dir: Path) -> None:
    from papersift.tui.screens.editing import edit_note

    app = host(lambda app: Screen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = first_ids(app.library, 1)[0]
        actions.set_note(app.library, pid, "same")
        runs: list[object] = []
        edit_note(app, app.library.entry(pid), perform=runs.append)
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert runs == []
        edit_note(app, app.library.entry(pid), perform=runs.append)
        await settle(pilot)
        await type_text(pilot, " more")
        await pilot.press("escape")
        await settle(pilot)
        assert len(runs) == 1  # through the perform given, not the app's
        assert app.performed == []


async def test_triage_escape_and_q_go_back(host) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 3), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, TriageScreen)
        app.open()
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        await pilot.press("q")
        await settle(pilot)
        assert not isinstance(app.screen, TriageScreen)
    assert app.results == [None, None]


async def test_triage_empty_list(host) -> None:
    app = host(lambda app: TriageScreen([], 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Nothing to triage" in screen_text(app)
        await pilot.press("r", "s", "j", "g")
        await settle(pilot)
        assert app.performed == []


async def test_triage_shows_data_literally(host, lib_dir: Path) -> None:
    pid = add_paper(
        lib_dir,
        NASTY_TITLE,
        abstract="abstract [red]x[/red] \x1b]0;title\x07",
        authors=("[b]A[/b]",),
    )
    app = host(lambda app: TriageScreen([pid], 0))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
    assert "[bold red]Pwned[/] [link=https://evil.example]click[/link] ␛[31mred␛]52;c;aGk=␇" in text
    assert "abstract [red]x[/red] ␛]0;title␇" in text
    assert "[b]A[/b]" in text
    assert not has_controls(text.replace("\n", " "))


# ---------------------------------------------------------------------- tag editor


def tag_editor(
    current: list[str] | None = None,
    all_tags: dict[str, int] | None = None,
    titles: list[str] | None = None,
) -> Callable[[HostApp], TagEditor]:
    tags = (
        {"RLHF": 5, "alignment": 4, "Wrong age": 2, "safety": 1} if all_tags is None else all_tags
    )
    return lambda app: TagEditor(titles or ["A paper"], current or [], tags)


async def test_tags_add_several_in_one_go(host) -> None:
    app = host(tag_editor(["safety"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "survey, to cite ; benchmarks")
        await pilot.press("enter")
        assert app.screen.shown_tags() == ["safety", "survey", "to cite", "benchmarks"]
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [TagEdit(add=["survey", "to cite", "benchmarks"], remove=[])]


async def test_tags_remove_by_typing_minus_tag(host) -> None:
    app = host(tag_editor(["RLHF", "safety"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "-safety")
        await pilot.press("enter", "enter")
        await settle(pilot)
    assert app.results == [TagEdit(add=[], remove=["safety"])]


async def test_tags_remove_from_the_list_with_a_key_and_restore(host) -> None:
    app = host(tag_editor(["RLHF", "safety"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        editor = app.screen
        await pilot.press("up")  # no suggestion picked: up goes to the tag list
        assert isinstance(app.focused, TagChips)
        await pilot.press("down", "delete")
        assert editor.removed == ["safety"]
        assert "will be removed" in screen_text(app)
        await pilot.press("x")  # again: restored
        assert editor.removed == []
        await pilot.press("up", "backspace")
        assert editor.removed == ["RLHF"]
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [TagEdit(add=[], remove=["RLHF"])]


async def test_tags_remove_by_clicking(host) -> None:
    app = host(tag_editor(["RLHF", "safety"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chips = app.screen.query_one(TagChips)
        await pilot.click(chips, offset=(4, 1))
        await pilot.pause()
        assert app.screen.removed == ["safety"]
        await pilot.press("escape")
        await settle(pilot)
    assert app.results == [TagEdit(add=[], remove=["safety"])]


@pytest.mark.parametrize(
    ("typed", "existing"),
    [("rlhf", "RLHF"), ("wrong age", "Wrong age"), ("aligment", "alignment")],
)
async def test_tags_near_miss_use_existing(host, typed: str, existing: str) -> None:
    app = host(tag_editor())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, typed)
        await pilot.press("enter")
        await pilot.pause()
        prompt = app.screen.query_one(NearMissPrompt)
        assert prompt.display and app.focused is prompt
        assert f"'{typed}' looks like the existing tag '{existing}'" in screen_text(app)
        await pilot.press("y")
        assert not prompt.display
        assert isinstance(app.focused, Input)
        await pilot.press("enter")
        await settle(pilot)
    assert app.results == [TagEdit(add=[existing], remove=[])]


async def test_tags_near_miss_keep_new_spelling_or_skip(host) -> None:
    app = host(tag_editor())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "rlhf, aligment, fresh")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.added == ["fresh"]
        await pilot.press("n")  # keep "rlhf"
        await pilot.press("escape")  # skip "aligment"
        await pilot.pause()
        assert isinstance(app.focused, Input)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [TagEdit(add=["fresh", "rlhf"], remove=[])]


async def test_tags_ctrl_s_with_a_near_miss_asks_first_then_closes(host) -> None:
    app = host(tag_editor())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "Rlhf")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TagEditor)
        await pilot.press("enter")  # enter = use the existing one
        await settle(pilot)
    assert app.results == [TagEdit(add=["RLHF"], remove=[])]


async def test_tags_suggestions_update_and_tab_takes_one(host) -> None:
    app = host(tag_editor(["safety"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        box = app.screen.query_one(TagSuggestions)
        # Empty input: the most used tags (not those already on the paper).
        assert [box.get_option_at_index(i).id for i in range(box.option_count)] == [
            "RLHF",
            "alignment",
            "Wrong age",
        ]
        await type_text(pilot, "ali")
        await pilot.pause()
        assert box.get_option_at_index(0).id == "alignment"
        await pilot.press("tab")
        assert app.screen.added == ["alignment"]
        assert app.screen.query_one(Input).value == ""
        # Pick the second suggestion with down, down and enter.
        await type_text(pilot, "wr")
        await pilot.pause()
        assert box.get_option_at_index(0).id == "Wrong age"
        await pilot.press("down", "enter")
        assert app.screen.added == ["alignment", "Wrong age"]
        await pilot.press("enter")
        await settle(pilot)
    assert app.results == [TagEdit(add=["alignment", "Wrong age"], remove=[])]


async def test_tags_enter_keeps_what_was_typed_unless_a_suggestion_is_picked(host) -> None:
    app = host(tag_editor())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "align")  # a prefix of "alignment", typed on purpose
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.added == ["align"]


async def test_tags_invalid_tag_is_refused_with_a_message(host) -> None:
    app = host(tag_editor())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "x" * 70)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.added == []
        assert app.screen.query_one(Input).value == "x" * 70
        assert any("longer than" in n.message for n in app._notifications)


async def test_tags_escape_closes_keeping_what_was_entered_only(host) -> None:
    app = host(tag_editor(["RLHF"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_text(pilot, "new")
        await pilot.press("enter")
        await type_text(pilot, "half-typed")
        await pilot.press("escape")
        await settle(pilot)
    assert app.results == [TagEdit(add=["new"], remove=[])]


async def test_tags_several_papers_heading_and_literal_titles(host) -> None:
    titles = [NASTY_TITLE, "Second paper", "Third paper", "Fourth paper"]
    app = host(tag_editor(["[b]tag[/b]"], titles=titles))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
    assert "Tags · 4 papers" in text
    assert "• [bold red]Pwned[/] [link=https://evil.example]click" in text
    assert "… and 1 more" in text
    assert "[b]tag[/b]" in text


def test_suggest_tags_ranks_prefix_then_fuzzy() -> None:
    tags = ["RLHF", "alignment", "Wrong age", "safety", "reward models"]
    assert suggest_tags("", tags, limit=2) == ["RLHF", "alignment"]
    assert suggest_tags("rew", tags)[0] == "reward models"
    assert suggest_tags("age", tags)[0] == "Wrong age"
    assert "alignment" in suggest_tags("alinment", tags)
    assert "safety" not in suggest_tags("saf", tags, exclude=["Safety"])


def test_a_tag_edit_is_one_undoable_change(open_library) -> None:
    library = open_library()
    ids = first_ids(library, 2)
    actions.add_tags(library, ids, ["old"])
    change = actions.edit_tags(library, ids, add=["new"], remove=["old"])
    assert [library.triage_of(pid).tags for pid in ids] == [("new",), ("new",)]
    actions.undo(library, change)
    assert [library.triage_of(pid).tags for pid in ids] == [("old",), ("old",)]


# ---------------------------------------------------------------------- note editor


async def test_note_editor_returns_the_text_on_escape(host) -> None:
    app = host(lambda app: NoteEditor("A paper", "first line"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await type_text(pilot, "second line")
        await pilot.press("escape")
        await settle(pilot)
    assert app.results == ["first line\nsecond line"]


async def test_note_editor_ctrl_s_and_unchanged_is_none(host) -> None:
    app = host(lambda app: NoteEditor("A paper", "keep me"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.results == [None]
        app.open()
        await settle(pilot)
        await type_text(pilot, "!")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [None, "keep me!"]


async def test_note_editor_shows_escapes_inert_and_keeps_them_if_untouched(host) -> None:
    note = "see [bold]this[/]\x1b[2J\x07"
    app = host(lambda app: NoteEditor(NASTY_TITLE, note))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        area = app.screen.query_one(TextArea)
        assert area.text == "see [bold]this[/]␛[2J␇"
        text = screen_text(app)
        assert "[bold red]Pwned[/]" in text
        assert not has_controls(text.replace("\n", " "))
        await pilot.press("escape")
        await settle(pilot)
    assert app.results == [None]  # unchanged: the caller keeps the original note


async def test_note_editor_quit_with_editor_open_still_saves(host, lib_dir: Path) -> None:
    app = host(lambda app: TriageScreen(first_ids(app.library, 2), 0))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pid = app.screen.current_id()
        await pilot.press("n")
        await settle(pilot)
        await type_text(pilot, "typed before quitting")
        await pilot.pause()
        app.exit()
    assert reread(lib_dir).triage_of(pid).note == "typed before quitting"


# ---------------------------------------------------------------------- duplicates


async def test_duplicates_shows_pairs_side_by_side(host) -> None:
    app = host(lambda app: DuplicatesScreen())
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert len(screen.pairs) == 3
        text = screen_text(app)
        assert "pair 1 / 3" in text
        assert "score 92" in text and "abstract prefix 99" in text
        # Why the pair is in the queue, labelled as such (issue #13 item 7).
        assert "why here: title 86, abstract prefix 99, but 'infalign' in one title only" in text
        pd = screen.current()
        papers = app.library.papers
        assert papers[pd.a].added < papers[pd.b].added  # older on the left
        assert "◆ KEEP older" in text
        left = screen.query_one("#dup-title-left", DiffText)
        assert left.plain_text == "InfAlign: Inference-aware language model alignment"
        assert ("InfAlign:", True) in left._parts
        # Rows that neither side has are hidden; the DOI row (one side only) shows.
        assert not screen.query_one("#dup-row-url").display
        assert screen.query_one("#dup-row-doi").display
        await pilot.press("j")
        assert "pair 2 / 3" in screen_text(app)
        await pilot.press("n", "k", "p")
        assert screen.position == 0


async def test_duplicates_keep_apart_is_recorded(host, lib_dir: Path) -> None:
    app = host(lambda app: DuplicatesScreen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        pd = screen.current()
        await pilot.press("a")
        await settle(pilot)
        assert screen.position == 1
    disk = reread(lib_dir)
    assert disk.decision(pd.a, pd.b) == "apart"
    assert pd.a in disk.papers and pd.b in disk.papers


@pytest.mark.parametrize(
    ("keys", "kept"),
    [(["m"], "a"), (["l", "m"], "b"), (["right", "h", "m"], "a"), (["M"], "b")],
)
async def test_duplicates_merge_keeps_the_chosen_side(
    host, lib_dir: Path, keys: list[str], kept: str
) -> None:
    app = host(lambda app: DuplicatesScreen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pd = app.screen.current()
        for key in keys:
            await pilot.press(key)
        await settle(pilot)
        assert app.screen.position == 1
    keep, gone = (pd.a, pd.b) if kept == "a" else (pd.b, pd.a)
    disk = reread(lib_dir)
    assert disk.decision(pd.a, pd.b) == "merge"
    assert keep in disk.papers and gone not in disk.papers
    assert disk.canonical_id(gone) == keep


async def test_duplicates_undo_restores_and_goes_back(host, lib_dir: Path) -> None:
    app = host(lambda app: DuplicatesScreen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        pd = screen.current()
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert screen.position == 0
        assert "✓ merged" not in str(screen.query_one("#dup-top").render())
    disk = reread(lib_dir)
    assert disk.decision(pd.a, pd.b) is None
    assert pd.a in disk.papers and pd.b in disk.papers


async def test_duplicates_decided_pair_cannot_be_decided_again(host, lib_dir: Path) -> None:
    app = host(lambda app: DuplicatesScreen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("k")
        assert "✓ kept apart" in str(screen.query_one("#dup-top").render())
        await pilot.press("m")
        await settle(pilot)
        assert len(app.performed) == 1


async def test_duplicates_all_reviewed_then_empty_next_time(host, lib_dir: Path) -> None:
    app = host(lambda app: DuplicatesScreen())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("a", "m", "a"):
            await pilot.press(key)
            await settle(pilot)
        text = screen_text(app)
        assert "All pairs reviewed" in text
        assert "1 merged, 2 kept apart" in text
        await pilot.press("escape")
        await settle(pilot)
        app.open()
        await settle(pilot)
        assert "No possible duplicates" in screen_text(app)
    assert len(reread(lib_dir).decisions) == 3


def test_word_diff_marks_only_the_words_that_differ() -> None:
    left, right = word_diff("Attention is all you need", "attention is  all we need!")
    assert left == [("Attention is all ", False), ("you", True), (" need", False)]
    assert right == [("attention is  all ", False), ("we", True), (" need", False), ("!", True)]
    assert word_diff("", "new text") == ([], [("new text", True)])
    left, right = word_diff("InfAlign: Inference-aware", "Inference-Aware")
    assert left == [("InfAlign:", True), (" Inference-aware", False)]
    assert right == [("Inference-Aware", False)]


# ---------------------------------------------------------------------- confirm


@pytest.mark.parametrize(("key", "answer"), [("y", True), ("n", False), ("escape", False)])
async def test_confirm_keys(host, key: str, answer: bool) -> None:
    app = host(lambda app: ConfirmScreen("Overwrite /tmp/[b]x[/b].bib?"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Overwrite /tmp/[b]x[/b].bib?" in screen_text(app)
        await pilot.press(key)
        await settle(pilot)
    assert app.results == [answer]


async def test_confirm_buttons(host) -> None:
    app = host(lambda app: ConfirmScreen("Sure?"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
    assert app.results == [True]


# ---------------------------------------------------------------------- bindings


@pytest.mark.parametrize(
    "screen_class", [TriageScreen, DuplicatesScreen, TagEditor, NoteEditor, ConfirmScreen]
)
def test_every_binding_has_an_id_and_a_description(screen_class: type) -> None:
    for binding in screen_class.BINDINGS:
        assert binding.id and binding.description, binding


def test_static_content_is_never_a_markup_string() -> None:
    # A guard for the rule in safe_text: Static(...) in these screens gets Text or
    # fixed literals; data always goes through plain()/clean().
    from papersift.tui.screens import duplicates, note_editor, tag_editor, triage

    for module in (duplicates, note_editor, tag_editor, triage):
        source = Path(module.__file__).read_text()
        assert '.update(f"' not in source and ".update(f'" not in source, module


# ---------------------------------------------------------------------- on the real app
# The same screens opened from PapersiftApp's main screen (fixtures from conftest.py).


async def test_app_enter_triages_the_view_and_the_list_follows(make_app, lib_path: Path) -> None:
    from .conftest import settle as app_settle

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await app_settle(pilot, app)
        main = app.screen
        await pilot.press("enter")
        await app_settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        assert screen.paper_ids == app.view_ids()
        first = screen.current_id()
        await pilot.press("r")
        await app_settle(pilot, app)
        assert screen.position == 1
        assert screen.progress_text() == f"1 / {len(screen.paper_ids)} triaged"
        await pilot.press("u")
        await app_settle(pilot, app)
        assert screen.position == 0
        assert reread(lib_path).triage_of(first).status == "inbox"
        await pilot.press("x")
        await app_settle(pilot, app)
        await pilot.press("escape")
        await app_settle(pilot, app)
        assert app.screen is main
        assert first not in app.view_ids()  # the inbox view no longer lists it
    assert reread(lib_path).triage_of(first).status == "read"


async def test_app_tag_and_note_keys_open_the_editors(make_app, lib_path: Path) -> None:
    from .conftest import settle as app_settle

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await app_settle(pilot, app)
        pid = app.view_ids()[0]
        await pilot.press("t")
        await app_settle(pilot, app)
        assert isinstance(app.screen, TagEditor)
        await type_text(pilot, "survey, rlhf")
        await pilot.press("enter", "enter")
        await app_settle(pilot, app)
        await pilot.press("t")
        await app_settle(pilot, app)
        await type_text(pilot, "RLHF")  # a near miss of the tag just added
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(NearMissPrompt).display
        await pilot.press("y", "enter")
        await app_settle(pilot, app)
        await pilot.press("n")
        await app_settle(pilot, app)
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "worth a look")
        await pilot.press("escape")
        await app_settle(pilot, app)
    disk = reread(lib_path)
    assert disk.triage_of(pid).tags == ("survey", "rlhf")
    assert disk.triage_of(pid).note == "worth a look"


def test_app_quit_with_the_note_editor_open_keeps_the_note(make_app, lib_path) -> None:
    """Quit (ctrl+q, q from the main screen, the terminal closing) with the editor open:
    the note still reaches the library. Run with `App.run` (not `run_test`) so the event
    loop really ends: a change left to a worker that has not started yet is lost."""
    from .conftest import settle as app_settle

    app = make_app()
    seen: dict[str, Any] = {}

    async def auto_pilot(pilot) -> None:
        await app_settle(pilot, app)
        seen["pid"] = app.view_ids()[0]
        await pilot.press("n")
        await app_settle(pilot, app)
        await type_text(pilot, "typed, then quit")
        await pilot.pause()
        await app.action_quit()

    app.run(headless=True, size=(160, 45), auto_pilot=auto_pilot)
    assert reread(lib_path).triage_of(seen["pid"]).note == "typed, then quit"


async def test_app_keymap_moves_triage_keys_and_hints_follow(
    make_app, config_path: Path, lib_path: Path
) -> None:
    from .conftest import settle as app_settle

    config_path.write_text('[keys]\n"triage.to-read" = "1"\n"triage.back" = "b"\n')
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await app_settle(pilot, app)
        await pilot.press("enter")
        await app_settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        assert "1 to read" in screen.hint()
        pid = screen.current_id()
        await pilot.press("1")
        await app_settle(pilot, app)
        await pilot.press("b")
        await app_settle(pilot, app)
        assert not isinstance(app.screen, TriageScreen)
    assert reread(lib_path).triage_of(pid).status == "to-read"


# ---------------------------------------------------------------------- export

NEEDS_EXPORT = pytest.mark.skipif(
    not (has_module("papersift.clipboard") and has_module("papersift.bibtex_export")),
    reason="clipboard.py / bibtex_export.py not there yet",
)


@pytest.fixture
def no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A headless session: pyperclip finds no mechanism, so OSC 52 is what remains."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)


def export_of(n: int) -> Callable[[HostApp], Screen[Any]]:
    from papersift.tui.screens.export import ExportScreen

    return lambda app: ExportScreen(list(app.library.papers)[:n])


@NEEDS_EXPORT
@pytest.mark.parametrize(
    ("keys", "fmt"),
    [
        (["b"], "bibtex"),
        (["k"], "keys"),
        (["c"], "cite"),
        (["p"], "pandoc"),
        (["m"], "markdown"),
        (["a"], "abstract"),
        (["down", "down", "enter"], "cite"),
    ],
)
async def test_export_copy_as_puts_the_text_on_the_clipboard(
    host, no_system_clipboard, keys: list[str], fmt: str
) -> None:
    from papersift.copy_formats import copy_as

    app = host(export_of(3))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        entries = [app.library.entry(pid) for pid in list(app.library.papers)[:3]]
        await pilot.press(*keys)
        await settle(pilot)
        assert app.clipboard == copy_as(entries, fmt)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Copied 3 papers as ") for m in messages), messages
        assert any("to the terminal clipboard (OSC 52)" in m for m in messages), messages
        assert app.results == [None]  # the menu closed after copying


@NEEDS_EXPORT
async def test_export_saves_a_new_file(host, tmp_path: Path) -> None:
    from papersift.bibtex_export import ExportOptions, export_bibtex

    target = tmp_path / "out" / "refs.bib"
    target.parent.mkdir()
    app = host(export_of(5))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        entries = [app.library.entry(pid) for pid in list(app.library.papers)[:5]]
        await pilot.press("s")
        path_input = app.screen.query_one("#export-path", Input)
        assert app.focused is path_input
        assert path_input.value == "~/papersift-export.bib"
        path_input.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    assert target.read_text(encoding="utf-8") == export_bibtex(entries, ExportOptions())
    assert app.results == [None]


@NEEDS_EXPORT
async def test_export_ascii_option_and_no_triage(host, tmp_path: Path, lib_dir: Path) -> None:
    from papersift.bibtex_export import ExportOptions, export_bibtex

    pid = add_paper(lib_dir, "Über Ålgebra and naïve café", year=2020)
    target = tmp_path / "ascii.bib"
    app = host(lambda app: _export([pid]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.click("#export-ascii")
        await pilot.click("#export-triage")
        await pilot.press("ctrl+s")
        await settle(pilot)
        entry = app.library.entry(pid)
    text = target.read_text(encoding="utf-8")
    assert text.isascii()
    assert text == export_bibtex([entry], ExportOptions(unicode=False, include_triage=False))


def _export(ids: list[str]) -> Screen[Any]:
    from papersift.tui.screens.export import ExportScreen

    return ExportScreen(ids)


@NEEDS_EXPORT
async def test_export_never_overwrites_without_a_yes(host, tmp_path: Path) -> None:
    target = tmp_path / "existing.bib"
    target.write_text("% my hand-made file\n", encoding="utf-8")
    app = host(export_of(2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"{target} already exists.\nReplace it?"
        await pilot.press("n")
        await settle(pilot)
        assert target.read_text(encoding="utf-8") == "% my hand-made file\n"
        assert app.results == []  # still in the export screen
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert target.read_text(encoding="utf-8").startswith("% Encoding: UTF-8")
    assert app.results == [None]


@NEEDS_EXPORT
async def test_export_refuses_a_folder_and_reports_write_errors(host, tmp_path: Path) -> None:
    app = host(export_of(2))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path_input = app.screen.query_one("#export-path", Input)
        path_input.value = str(tmp_path)
        await pilot.press("ctrl+s")
        await settle(pilot)
        # A missing folder is offered to be created (issue #18 item 10); "no" saves nothing.
        path_input.value = str(tmp_path / "missing-dir" / "x.bib")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "There is no folder" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("n")
        await settle(pilot)
        # A file where the folder should be cannot be written to.
        (tmp_path / "a-file").write_text("x", encoding="utf-8")
        path_input.value = str(tmp_path / "a-file" / "x.bib")
        await pilot.press("ctrl+s")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("is a folder" in m for m in messages), messages
        assert any("Not saved: there is no folder" in m for m in messages), messages
        assert any("a-file is a file, not a folder" in m for m in messages), messages
        assert app.results == []
        assert not (tmp_path / "missing-dir").exists()


@NEEDS_EXPORT
async def test_export_big_saves_show_progress_while_the_worker_runs(
    host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.worker import Worker, WorkerState

    from papersift.tui.screens import export

    monkeypatch.setattr(export, "BUSY_THRESHOLD", 100)
    shown: list[tuple[bool, str]] = []
    original = export.ExportScreen._set_busy

    def spy(self, busy: bool, message: str = "") -> None:
        shown.append((busy, message))
        original(self, busy, message)

    monkeypatch.setattr(export.ExportScreen, "_set_busy", spy)
    target = tmp_path / "all.bib"
    messages: list[object] = []
    app = host(lambda app: export.ExportScreen(list(app.library.papers)))
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        n = len(app.library.papers)
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert shown[0] == (True, f"Writing {n} entries to {target}…")
    assert shown[-1][0] is False
    started = [
        m.worker
        for m in messages
        if isinstance(m, Worker.StateChanged) and m.state == WorkerState.RUNNING
    ]
    assert any(w.group == "export" for w in started)
    assert target.read_text(encoding="utf-8").count("\n@") == n


@NEEDS_EXPORT
async def test_app_export_key_copies_the_view_as_keys(make_app, no_system_clipboard: None) -> None:
    from papersift.copy_formats import copy_as
    from papersift.tui.screens.export import ExportScreen

    from .conftest import settle as app_settle

    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await app_settle(pilot, app)
        await pilot.press("e")
        await app_settle(pilot, app)
        assert isinstance(app.screen, ExportScreen)
        entries = [app.library.entry(pid) for pid in app.view_ids()]
        await pilot.press("k")
        await app_settle(pilot, app)
        assert not isinstance(app.screen, ExportScreen)
        assert app.clipboard == copy_as(entries, "keys")
