"""The filter box on top of the main screen: a query input, the match count, and the
query's error (with a caret under the offending character) when it does not parse.

Every edit is announced at once (`Changed`); the main screen runs the filter straight
away when none is running and otherwise coalesces the edits made meanwhile into one
more run, so there is no fixed typing pause to wait out. A query error is only shown
once the text has stayed unparseable for `ERROR_DELAY` (typing `year:2020` passes
through `year:`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from papersift.foreground import FOREGROUND
from papersift.textsafe import one_line
from papersift.tui.bindings import class_bindings, key_labels

#: Seconds of typing pause before the list is filtered: none, the main screen coalesces
#: edits made while a filter runs instead (kept for callers that wait for it).
DEBOUNCE = 0.0
#: Seconds a query must stay malformed before its error is shown under the box.
ERROR_DELAY = 0.35
#: Seconds an edit may hold back the screen's next frame while its filter runs; a
#: slower filter shows the typed character first (see `FilterBar._hold_frames`).
FRAME_HOLD = 0.04
#: Seconds background work keeps holding off after a filter answered, so the answer's
#: rows are painted (a frame or two later) before a refit takes the CPU back. Resuming
#: right after the next refresh let the refit share the paint: the word filter's
#: keystroke at 100k while refitting took p50 33 ms instead of 26.
BACKGROUND_AFTER_ANSWER = 0.05


def placeholder(clear_key: str = "^u") -> str:
    """The empty box's hint: what a filter can hold, how to clear one, where help is."""
    return f'filter: words, "a phrase", tag:x …  ({clear_key} clears, ? for help)'


class QueryInput(Input):
    """The query box: an `Input` whose typing repaints only itself, and whose ctrl+u
    clears the whole query (shown in the footer while the box has the focus).

    `Input` assigns its `virtual_size` (a layout reactive) on every edit, so each
    keystroke reflowed the whole screen before the filter even started. The box's
    size never depends on its text here (it is `1fr` wide, one line high): its scroll
    range is set without a layout, and the assignment `Input` then makes is a no-op.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Input's own ctrl+u deletes only what is left of the cursor; here it clears all
        # (the id is the main screen's too, so one `[keys]` line moves both).
        Binding("ctrl+u", "clear_query", "Clear filter", id="clear-filter"),
    ]

    def __init__(self, on_edit: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._on_edit = on_edit

    def action_clear_query(self) -> None:
        self.value = ""

    def _watch_value(self, value: str) -> None:
        self._on_edit()
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


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
        #: Whether the error line holds an error (it is blank otherwise).
        self._error_shown = False
        #: Screen updates held back while an edit's filter runs (see `_hold_frames`).
        self._hold: AbstractContextManager[None] | None = None
        self._hold_timer: Timer | None = None
        #: When background work may go on after the last answer (see `release_frames`).
        self._resume_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Static("/", id="filter-prompt")
            yield QueryInput(
                self._hold_frames,
                placeholder=placeholder(),
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
            self.release_frames()
            return
        self._settled()

    def _hold_frames(self) -> None:
        """The query is being edited: hold back screen updates until its filter answers
        (`release_frames`), for at most `FRAME_HOLD`.

        Otherwise the echo of the typed character takes a frame of its own, and Textual's
        frame pacing (60 per second) puts the new rows one to two frames (17-33 ms) after
        it, however quickly the filter answered. Held, both appear in one frame.

        Background work (a ranking refit) steps aside until the rows are painted
        (`papersift.foreground`).
        """
        FOREGROUND.busy()
        if self._resume_timer is not None:
            # An earlier answer's resume must not end this edit's wait.
            self._resume_timer.stop()
            self._resume_timer = None
        if self._hold is not None:
            return
        self._hold = self.app.batch_update()
        self._hold.__enter__()
        self._hold_timer = self.set_timer(FRAME_HOLD, self._release_held)

    def release_frames(self) -> None:
        """The filter answered: let the screen update again, and background work go
        on once the rows are painted."""
        self._release_held()
        if FOREGROUND.is_busy and self._resume_timer is None:
            self._resume_timer = self.set_timer(BACKGROUND_AFTER_ANSWER, self._resume_background)

    def _resume_background(self) -> None:
        self._resume_timer = None
        FOREGROUND.idle()

    def _release_held(self) -> None:
        # (Also when the filter takes longer than FRAME_HOLD: the echo is shown, but
        # the background keeps waiting for the rows.)
        hold, self._hold = self._hold, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if hold is not None:
            hold.__exit__(None, None, None)

    def on_unmount(self) -> None:
        self._release_held()
        FOREGROUND.idle()

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

    def on_mount(self) -> None:
        # The keymap is known now: name the clear key as it is bound.
        binding = next(b for b in class_bindings(QueryInput) if b.action == "clear_query")
        self.input.placeholder = placeholder(key_labels(self.app, binding)[0])

    def show_count(self, shown: int, total: int, has_query: bool) -> None:
        """The match count beside the box ("12 of 340", or "340 papers" without a query)."""
        if has_query:
            text = f"{shown:,} of {total:,}"
        else:
            text = f"{total:,} paper" + ("" if total == 1 else "s")
        self._set_count(text)

    def show_status(self, text: str) -> None:
        """A note in place of the match count (e.g. while words are being indexed)."""
        self._set_count(text)

    def _set_count(self, text: str) -> None:
        count = self.query_one("#match-count", Static)
        # The count changes on every keystroke; a layout of the screen for it costs more
        # than the filter. The box (right-aligned text, auto width) only grows here, so
        # a layout is needed only when the text no longer fits (a resize shrinks it).
        fits = 0 < cell_len(text) <= count.size.width
        count.update(Content(text), layout=not fits)

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
        if message is None and not self._error_shown:
            return  # cleared already: updating the (hidden) line would cost a layout
        error = self.query_one("#filter-error", Static)
        self.set_class(message is not None, "-error")
        self._error_shown = message is not None
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
