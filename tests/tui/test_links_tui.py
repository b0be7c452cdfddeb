"""Opening papers from the TUI: b (page), p (PDF), L (links screen), on the main screen
and in triage mode, and the abstract's links in the detail pane. The browser is
replaced only at `webbrowser.get`; the clipboard is the real one with no system
mechanism (as on a headless box), so copies go through the App's OSC 52."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import pyperclip
import pytest
from textual.widgets import OptionList

from papersift.tui.screens.help import HelpScreen
from papersift.tui.screens.links import LinksScreen
from papersift.tui.screens.triage import TriageScreen

from .conftest import add_papers, settle

ABSTRACT = (
    "We study attention. Code: https://github.com/tensorflow/tensor2tensor. A hostile "
    "one: https://evil.example/\x1b]52;c;aGk=\x07 and (https://github.com/harvardnlp/"
    "annotated-transformer)."
)


class FakeBrowser(webbrowser.BaseBrowser):
    def __init__(self) -> None:
        super().__init__("fake")
        self.opened: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        return True


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> FakeBrowser:
    fake = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: fake)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)

    def no_clipboard(text: str) -> None:
        raise pyperclip.PyperclipException("Pyperclip could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", no_clipboard)
    return fake


@pytest.fixture
def papers(lib_path: Path) -> list[str]:
    return add_papers(
        lib_path,
        [
            {"title": "Attention Is All You Need", "arxiv": "1706.03762", "abstract": ABSTRACT},
            {"title": "A paper with nothing to open"},
        ],
    )


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


async def test_b_p_and_the_links_screen_on_the_main_screen(
    make_app, browser: FakeBrowser, papers: list[str]
) -> None:
    attention, nothing = papers
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        plist = app.main_screen.paper_list
        plist.move_cursor_to(attention)
        await settle(pilot, app)
        detail = app.main_screen.detail.text.plain
        assert "Links (L: open or copy)\nhttps://github.com/tensorflow/tensor2tensor\n" in detail
        assert "https://github.com/harvardnlp/annotated-transformer" in detail
        assert "\x1b" not in detail and "https://evil.example/\n" in detail

        await pilot.press("b")
        await settle(pilot, app)
        await pilot.press("p")
        await settle(pilot, app)
        assert browser.opened == [
            "https://arxiv.org/abs/1706.03762",
            "https://arxiv.org/pdf/1706.03762",
        ]
        assert "Opened in the browser: https://arxiv.org/pdf/1706.03762" in messages(app)

        await pilot.press("L")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, LinksScreen)
        assert [link.url for link in screen.links] == [
            "https://arxiv.org/abs/1706.03762",
            "https://arxiv.org/pdf/1706.03762",
            "https://github.com/tensorflow/tensor2tensor",
            "https://evil.example/",
            "https://github.com/harvardnlp/annotated-transformer",
        ]
        options = screen.query_one(OptionList)
        assert "\x1b" not in "".join(
            str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
        )
        await pilot.press("down", "down", "enter")
        await settle(pilot, app)
        assert browser.opened[-1] == "https://github.com/tensorflow/tensor2tensor"
        copied: list[str] = []
        app.copy_to_clipboard = copied.append  # the App's OSC 52, the TUI's fallback
        await pilot.press("down", "y")
        await settle(pilot, app)
        assert copied == ["https://evil.example/"]
        assert any(m.startswith("Copied to the terminal clipboard (OSC 52)") for m in messages(app))
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is app.main_screen

        plist.move_cursor_to(nothing)
        await settle(pilot, app)
        assert "Links" not in app.main_screen.detail.text.plain
        app.clear_notifications()
        await pilot.press("p")
        await settle(pilot, app)
        assert messages(app)[-1].startswith("No PDF known for this paper")
        await pilot.press("b")
        await settle(pilot, app)
        assert messages(app)[-1].startswith("No page known for this paper")
        await pilot.press("L")
        await settle(pilot, app)
        assert isinstance(app.screen, LinksScreen) and app.screen.links == []
        assert app.screen.query_one("#links-empty").display
        assert len(browser.opened) == 3


async def test_over_ssh_b_copies_the_url_instead(
    make_app, browser: FakeBrowser, papers: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append
        app.main_screen.paper_list.move_cursor_to(papers[0])
        await pilot.press("b")
        await settle(pilot, app)
        assert browser.opened == [] and copied == ["https://arxiv.org/abs/1706.03762"]
        assert messages(app)[-1] == (
            "Over SSH, not starting a browser; copied to the terminal clipboard (OSC 52): "
            "https://arxiv.org/abs/1706.03762"
        )


async def test_triage_has_the_same_keys(make_app, browser: FakeBrowser, papers: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        app.main_screen.paper_list.move_cursor_to(papers[0])
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)
        assert app.screen.current_id() == papers[0]
        await pilot.press("p", "b")
        await settle(pilot, app)
        assert browser.opened == [
            "https://arxiv.org/pdf/1706.03762",
            "https://arxiv.org/abs/1706.03762",
        ]
        await pilot.press("L")
        await settle(pilot, app)
        assert isinstance(app.screen, LinksScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)


async def test_the_help_lists_the_keys(make_app, papers: list[str]) -> None:
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        rows = {
            binding_id: (keys, text)
            for _, section in app.screen.sections
            for keys, text, binding_id in section
        }
        assert rows["open-page"] == (
            "b",
            "Open the paper's page in the browser (url, arXiv or DOI)",
        )
        assert rows["open-pdf"] == ("p", "Open the PDF")
        assert rows["links"][0] == "L"
