"""Opening a paper from the TUI: its page, its PDF, and a small screen of all its links.

`LinkActions` gives a screen that shows a paper (`link_entry`) the actions behind its
`b` (page), `p` (PDF) and `L` (links) bindings; the main screen and triage mode declare
those bindings themselves, with their own ids. The work runs in a thread worker: the
texts may still be unread (a PDF field lives in the BibTeX origin), and `webbrowser`
may run `xdg-settings` before it finds a browser. Over SSH or without a usable browser
(`opener.open_url`) the URL is copied, through the terminal (OSC 52) when there is no
system clipboard, and shown in full.

`LinksScreen` lists the page, the PDF and the links of the abstract and note
(`links.entry_links`): enter opens the highlighted one, y copies it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from papersift.links import Link, entry_links, page_url, pdf_url
from papersift.models import Entry, PapersiftError
from papersift.textsafe import clean_line
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain

#: Seconds a message with a URL in it stays up (long enough to read or select it).
URL_MESSAGE_SECONDS = 10


def open_in_browser(app: Any, url: str) -> None:
    """Open `url` (from a thread worker) and say what happened."""
    from papersift.opener import open_url

    try:
        opened = open_url(url, osc52=lambda text: app.call_from_thread(app.copy_to_clipboard, text))
    except PapersiftError as exc:
        app.call_from_thread(app.say, str(exc), severity="error")
        return
    severity = "information" if opened.in_browser else "warning"
    timeout = 4 if opened.in_browser else URL_MESSAGE_SECONDS
    app.call_from_thread(app.say, opened.message(), severity=severity, timeout=timeout)


def copy_url(app: Any, url: str) -> None:
    """Copy `url` (from a thread worker) and say where to."""
    from papersift.clipboard import copy_text

    try:
        how = copy_text(url, osc52=lambda text: app.call_from_thread(app.copy_to_clipboard, text))
    except PapersiftError as exc:
        app.call_from_thread(app.say, str(exc), severity="error")
        return
    app.call_from_thread(app.say, f"Copied to the {how}: {url}", timeout=URL_MESSAGE_SECONDS)


def _fresh(app: Any, entry: Entry) -> Entry:
    """`entry` with its texts read (a lazily opened library reads them on first use)."""
    library = app.library
    library.ensure_texts()
    return library.entry(entry.id) if entry.id in library.papers else entry


class LinkActions:
    """`b`, `p` and `L` for a screen that shows one paper: the screen gives
    `link_entry()` (the paper the keys act on, None when there is none)."""

    app: Any

    def link_entry(self) -> Entry | None:
        raise NotImplementedError

    def _in_worker(self, work: Any) -> None:
        entry = self.link_entry()
        app = self.app
        if entry is None:
            app.say("No paper here to open.", severity="warning")
            return

        def run() -> None:
            try:
                work(_fresh(app, entry))
            except PapersiftError as exc:
                app.call_from_thread(app.say, str(exc), severity="error")

        app.run_worker(run, thread=True, group="links", exit_on_error=False)

    def action_open_page(self) -> None:
        """Open the paper's page (url, arXiv abstract page or DOI) in the browser."""

        def work(entry: Entry) -> None:
            url = page_url(entry.paper)
            if url is None:
                self.app.call_from_thread(
                    self.app.say,
                    "No page known for this paper (it has no url, arXiv id or DOI).",
                    severity="warning",
                )
                return
            open_in_browser(self.app, url)

        self._in_worker(work)

    def action_open_pdf(self) -> None:
        """Open the paper's PDF, when one is known."""

        def work(entry: Entry) -> None:
            url = pdf_url(entry.paper)
            if url is None:
                self.app.call_from_thread(
                    self.app.say,
                    "No PDF known for this paper (arXiv papers have one, and so do BibTeX "
                    "entries with a pdf field or a url ending in .pdf).",
                    severity="warning",
                )
                return
            open_in_browser(self.app, url)

        self._in_worker(work)

    def action_links(self) -> None:
        """List the paper's links: its page, its PDF, those in its abstract and note."""

        def work(entry: Entry) -> None:
            links = entry_links(entry)
            self.app.call_from_thread(self.app.push_screen, LinksScreen(entry, links))

        self._in_worker(work)


class LinksScreen(ModalScreen[None]):
    """A paper's links: enter opens the highlighted one, y copies it."""

    AUTO_FOCUS = "#links-list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="links.open", tooltip="Open in the browser"),
        Binding("y", "copy", "Copy", id="links.copy", tooltip="Copy the link to the clipboard"),
        Binding("escape,q", "close", "Close", id="links.close"),
    ]

    def __init__(self, entry: Entry, links: list[Link]) -> None:
        super().__init__()
        self.entry = entry
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(id="links", classes="dialog"):
            yield Static(
                plain(f"Links of “{clean_line(self.entry.paper.title)}”"),
                classes="dialog-title",
                id="links-title",
            )
            options = [Option(self._row(link), id=str(n)) for n, link in enumerate(self.links)]
            yield OptionList(*options, id="links-list")
            yield Static(id="links-empty", classes="empty-hint")
            yield Static(id="links-hint", classes="hint")

    @staticmethod
    def _row(link: Link) -> Text:
        row = Text(no_wrap=True, overflow="ellipsis", end="")
        row.append(f"{link.label:<16}", style="bold")
        row.append(link.url)  # safe_url: printable ASCII only
        return row

    def on_mount(self) -> None:
        empty = self.query_one("#links-empty", Static)
        empty.display = not self.links
        empty.update(plain("No links known: no url, arXiv id or DOI, and none in the abstract."))
        self.query_one("#links-list", OptionList).display = bool(self.links)
        self.query_one("#links-hint", Static).update(
            plain(
                f"{key_of(self, 'open')} open · {key_of(self, 'copy')} copy · "
                f"{key_of(self, 'close')} close"
            )
        )

    def highlighted(self) -> Link | None:
        """The link under the cursor."""
        index = self.query_one("#links-list", OptionList).highlighted
        return self.links[index] if index is not None and 0 <= index < len(self.links) else None

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if (link := self.highlighted()) is not None:
            app = self.app
            app.run_worker(
                lambda: open_in_browser(app, link.url),
                thread=True,
                group="links",
                exit_on_error=False,
            )

    def action_copy(self) -> None:
        if (link := self.highlighted()) is not None:
            app = self.app
            app.run_worker(
                lambda: copy_url(app, link.url), thread=True, group="links", exit_on_error=False
            )

    def action_close(self) -> None:
        self.dismiss(None)
