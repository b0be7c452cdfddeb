"""Note editor: a multi-line note that is saved without a save step.

Closing the editor (escape, ctrl+s, or clicking outside it) returns the text; the
caller saves it through `app.perform`, so it is undoable like any other change. The
result is None when the note was not changed, so closing without typing writes nothing.

Nothing typed is lost (`editing.TypedTextGuard`): if another screen opens over the
editor, the note so far goes to `save` then; if the app quits or the terminal closes
with the editor open, the screen is unmounted without having been dismissed and hands
the text to `save` *synchronously* (the message queue is shutting down, so the usual
`call_next` would never run); `save` then runs while the app is exiting and must not
rely on a worker (see `PapersiftApp.perform`).

In triage mode the editor is a panel beside the paper (`panel="side"`, on terminals
of `SIDE_PANEL_MIN_WIDTH` columns and more) or below it (`panel="bottom"`), over a
background left undimmed, so the abstract stays readable while the note is written
(issue #18 item 12: the centred dialog covered the paper).

Notes can come from shared reading lists, so the text is shown through `clean_block()`:
escape codes appear as `␛` instead of reaching the terminal. If the user closes the
editor without editing, the original note (escape codes and all) is kept as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea

from papersift.textsafe import clean_block
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain
from papersift.tui.screens.editing import TypedTextGuard

#: From this many columns on, triage mode puts the note editor beside the paper.
SIDE_PANEL_MIN_WIDTH = 100
#: Where the editor can sit: a centred dialog (""), or a panel beside or below.
PANELS = ("", "side", "bottom")


class NoteEditor(TypedTextGuard, ModalScreen[str | None]):
    """Edit one paper's note; returns the new text, or None if it did not change."""

    AUTO_FOCUS = "#note-text"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close (saves)", id="note.close"),
        Binding("ctrl+s", "close", "Save and close", id="note.save"),
    ]

    def __init__(
        self,
        title: str,
        note: str,
        save: Callable[[str | None], None] | None = None,
        *,
        panel: str = "",
    ) -> None:
        """`save(text)` is told the note when another screen opens over the editor and
        when the app quits with it open (None: unchanged). `panel` is one of `PANELS`."""
        if panel not in PANELS:
            raise ValueError(f"panel must be one of {PANELS}, not {panel!r}")
        super().__init__(classes=f"-panel -{panel}" if panel else None)
        self.panel = panel
        self.paper_title = title
        self.original = note
        self.save = save
        self._shown = clean_block(note)
        #: Whether `save` was given a text before the editor closed.
        self._saved_early = False
        #: The latest `result()`, kept up to date: on unmount the widgets may be gone.
        self._last_result: str | None = None

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
            return self._last_result
        if text == self._shown or text.rstrip() == self.original.rstrip():
            # Back to the note as it was: unchanged, unless a save meanwhile changed it.
            return self.original if self._saved_early else None
        return text

    def action_close(self) -> None:
        self.close_editor(self.result())

    def on_click(self, event) -> None:
        # A click on the dimmed background (outside the dialog) closes, like escape.
        if event.widget is self:
            self.action_close()

    def keep_typed(self, *, interactive: bool) -> None:
        """Hand the note so far to `save` (another screen opened, or the app quits)."""
        text = self.result() if interactive else self._last_result
        if text is not None and self.save is not None:
            self._saved_early = True
            self.save(text)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._last_result = self.result()
