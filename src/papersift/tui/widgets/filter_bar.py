"""The filter box on top of the main screen: a query input, the match count, and the
query's error (with a caret under the offending character) when it does not parse.

Every edit is announced at once (`Changed`); the main screen runs the filter straight
away when none is running and otherwise coalesces the edits made meanwhile into one
more run, so there is no fixed typing pause to wait out. A query error is only shown
once the text has stayed unparseable for `ERROR_DELAY` (typing `year:2020` passes
through `year:`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from papersift.textsafe import one_line

#: Seconds of typing pause before the list is filtered: none, the main screen coalesces
#: edits made while a filter runs instead (kept for callers that wait for it).
DEBOUNCE = 0.0
#: Seconds a query must stay malformed before its error is shown under the box.
ERROR_DELAY = 0.35


class FilterBar(Widget):
    """`/` focuses it; typing filters; `escape`, `enter` or `down` go back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,down", "leave", "Back to list", id="leave-filter"),
    ]

    @dataclass
    class Changed(Message):
        """The query text changed (announced at once on every edit)."""

        filter_bar: FilterBar
        text: str

    @dataclass
    class Left(Message):
        """The user is done typing."""

        filter_bar: FilterBar

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        #: A pending error display (see `ERROR_DELAY`).
        self._timer: Timer | None = None
        self._quiet = False
        self._pending_error: tuple[str, int | None] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Static("/", id="filter-prompt")
            yield Input(
                placeholder='filter: words, "a phrase", tag:x, is:starred …  (? for help)',
                id="filter-input",
                select_on_focus=False,
            )
            yield Static("", id="match-count")
        yield Static("", id="filter-error")

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def text(self) -> str:
        return self.input.value

    def set_text(self, text: str) -> None:
        """Set the query without announcing it (restoring a saved state)."""
        if text != self.input.value:
            self._quiet = True
            self.input.value = text
        self.input.cursor_position = len(text)

    @on(Input.Changed, "#filter-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._quiet:
            self._quiet = False
            return
        self._settled()

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.flush()
        self.post_message(self.Left(self))

    def flush(self) -> None:
        """Show a pending query error now instead of after `ERROR_DELAY`."""
        if self._timer is not None:
            self._timer.stop()
            self._show_pending_error()

    def _settled(self) -> None:
        self.post_message(self.Changed(self, self.text))

    def _show_pending_error(self) -> None:
        self._timer = None
        pending, self._pending_error = self._pending_error, None
        if pending is not None:
            self.show_error(*pending)

    def action_leave(self) -> None:
        self.flush()
        self.post_message(self.Left(self))

    def action_clear(self) -> None:
        self.input.value = ""

    def show_count(self, shown: int, total: int, has_query: bool) -> None:
        if has_query:
            text = f"{shown:,} of {total:,}"
        else:
            text = f"{total:,} paper" + ("" if total == 1 else "s")
        self.query_one("#match-count", Static).update(Content(text))

    def show_status(self, text: str) -> None:
        """A note in place of the match count (e.g. while words are being indexed)."""
        self.query_one("#match-count", Static).update(Content(text))

    def show_error(
        self, message: str | None, position: int | None = None, *, delay: bool = False
    ) -> None:
        """Show a query error under the box (None clears it). With `delay`, only if no
        other call comes within `ERROR_DELAY` (the user is probably still typing)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if message is not None and delay and not self.has_class("-error"):
            self._pending_error = (message, position)
            self._timer = self.set_timer(ERROR_DELAY, self._show_pending_error)
            return
        self._pending_error = None
        error = self.query_one("#filter-error", Static)
        self.set_class(message is not None, "-error")
        if message is None:
            error.update("")
            return
        message = one_line(message)
        prefix = ""
        if position is not None:
            before = one_line(self.text[:position])
            offset = cell_len(before) - self.input.scroll_offset.x
            text_start = self.input.content_region.x - self.region.x
            if 0 <= offset < max(1, self.input.content_region.width):
                prefix = " " * (text_start + offset) + "▲ "
        error.update(Content(prefix + message))
