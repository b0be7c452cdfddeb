"""Note editor: a multi-line note that is saved without a save step.

Closing the editor (escape, ctrl+s, or clicking outside it) returns the text; the
caller saves it through `app.perform`, so it is undoable like any other change. The
result is None when the note was not changed, so closing without typing writes nothing.

If the app quits while the editor is open, nothing is lost: when the screen is
unmounted without having been dismissed, it hands the text to the callback given to
`push_screen` *synchronously* (the message queue is shutting down, so the usual
`call_next` would never run). The callback then runs while the app is exiting and
must save without relying on a worker (see `PapersiftApp.perform`).

Notes can come from shared reading lists, so the text is shown through `clean_block()`:
escape codes appear as `␛` instead of reaching the terminal. If the user closes the
editor without editing, the original note (escape codes and all) is kept as it was.
"""

from __future__ import annotations

import inspect
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from papersift.textsafe import clean_block
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain


class NoteEditor(ModalScreen[str | None]):
    """Edit one paper's note; returns the new text, or None if it did not change."""

    AUTO_FOCUS = "#note-text"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close (saves)", id="note.close"),
        Binding("ctrl+s", "close", "Save and close", id="note.save"),
    ]

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self.paper_title = title
        self.original = note
        self._shown = clean_block(note)
        self._finished = False

    def compose(self) -> ComposeResult:
        with Vertical(id="note-editor", classes="dialog"):
            yield Static(plain("Note"), classes="dialog-title")
            yield Static(plain(self.paper_title), id="note-paper-title")
            yield TextArea(
                self._shown,
                id="note-text",
                soft_wrap=True,
                tab_behavior="focus",
                show_line_numbers=False,
                highlight_cursor_line=False,
                placeholder="Write a note: what is it about, why read it, what to check…",
            )
            yield Static(id="note-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.move_cursor(area.document.end)
        self.query_one("#note-hint", Static).update(
            plain(f"Saved when you close it ({key_of(self, 'close')}) · ctrl+z undoes typing")
        )

    @property
    def text(self) -> str:
        """The note as currently typed."""
        return self.query_one(TextArea).text

    def result(self) -> str | None:
        """What closing now returns: the new note, or None if unchanged."""
        try:
            text = self.text
        except Exception:  # unmounted: the text area is gone
            return None
        if text == self._shown or text.rstrip() == self.original.rstrip():
            return None
        return text

    def action_close(self) -> None:
        if self._finished:
            return
        self._finished = True
        self.dismiss(self.result())

    def on_click(self, event) -> None:
        # A click on the dimmed background (outside the dialog) closes, like escape.
        if event.widget is self:
            self.action_close()

    async def on_unmount(self) -> None:
        if self._finished:
            return
        # The app is quitting (or the screen was removed) with the editor open.
        self._finished = True
        text = self._last_text
        if text is None or not self._result_callbacks:
            return
        callback = self._result_callbacks[-1].callback
        self._result_callbacks[-1].callback = None
        if callback is not None:
            outcome = callback(text)
            if inspect.isawaitable(outcome):
                await outcome

    _last_text: str | None = None

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # Kept up to date so that unmount (when the widgets may be gone) still knows it.
        self._last_text = self.result()
