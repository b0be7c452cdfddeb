"""Rename a tag library-wide, or merge it into another (the palette's "Rename or merge a tag").

Two inputs with completion from the tags in use: the tag to rename and its new name. A new
name that already exists merges the two (said before confirming). Returns (old, new); the
caller applies it with `actions.rename_tag`, which is one undoable change.

A rename is never applied unasked, but what is typed is not lost
(`editing.TypedTextGuard`): when another screen opens over the dialog or the app quits
with it open, the two fields are kept as a draft in the app's remembered state (saved
with the view and the sort), and the dialog opens on that draft next time. Renaming or
escape ends the draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from papersift.actions import clean_tag
from papersift.models import PapersiftError
from papersift.textsafe import clean_line
from papersift.tui.safe_text import plain
from papersift.tui.screens.editing import TypedTextGuard

#: The key of the draft in `PapersiftApp.ui_state`.
DRAFT_KEY = "rename_tag_draft"


class RenameTagScreen(TypedTextGuard, ModalScreen[tuple[str, str] | None]):
    """Ask for a tag and its new name; dismiss with (old, new) or None."""

    AUTO_FOCUS = "#rename-old"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename.cancel"),
    ]

    def __init__(self, all_tags: Mapping[str, int], current: str = "") -> None:
        super().__init__()
        self.all_tags = dict(all_tags)
        self.current = current
        #: (old, new) as typed, kept here too: on unmount the inputs may be gone.
        self._typed = (current, "")

    def _ui_state(self) -> dict | None:
        state = getattr(self.app, "ui_state", None)
        return state if isinstance(state, dict) else None

    def on_mount(self) -> None:
        state = self._ui_state()
        draft = state.get(DRAFT_KEY) if state is not None else None
        if (
            isinstance(draft, list)
            and len(draft) == 2
            and all(isinstance(x, str) for x in draft)
            and (not self.current or draft[0] == self.current)
        ):
            self.query_one("#rename-old", Input).value = draft[0]
            self.query_one("#rename-new", Input).value = draft[1]
            self._typed = (draft[0], draft[1])
            if draft[0]:
                self.query_one("#rename-new", Input).focus()

    @on(Input.Changed)
    def _remember(self, event: Input.Changed) -> None:
        old, new = self._typed
        if event.input.id == "rename-old":
            old = event.value
        elif event.input.id == "rename-new":
            new = event.value
        self._typed = (old, new)

    def keep_typed(self, *, interactive: bool) -> None:
        """Keep the fields as a draft for next time (a rename is never applied unasked)."""
        state = self._ui_state()
        if state is None:
            return
        if self._typed[1].strip() or self._typed[0].strip() not in ("", self.current):
            state[DRAFT_KEY] = list(self._typed)

    def close_editor(self, result: tuple[str, str] | None) -> None:
        state = self._ui_state()
        if state is not None:
            state.pop(DRAFT_KEY, None)
        super().close_editor(result)

    def compose(self) -> ComposeResult:
        tags = [clean_line(t) for t in self.all_tags]
        with Vertical(id="rename", classes="dialog"):
            yield Static(plain("Rename or merge a tag (in every paper)"), id="rename-title")
            yield Input(
                value=clean_line(self.current),
                placeholder="tag to rename",
                id="rename-old",
                suggester=SuggestFromList(tags, case_sensitive=False),
            )
            yield Input(
                placeholder="new name (an existing tag merges the two)",
                id="rename-new",
                suggester=SuggestFromList(tags, case_sensitive=False),
            )
            yield Static(plain(""), id="rename-message")

    def _say(self, text: str) -> None:
        self.query_one("#rename-message", Static).update(plain(text, multiline=True))

    def _existing(self, name: str) -> str | None:
        folded = name.casefold()
        return next((t for t in self.all_tags if t.casefold() == folded), None)

    @on(Input.Submitted, "#rename-old")
    def _old_entered(self) -> None:
        self.query_one("#rename-new", Input).focus()

    @on(Input.Changed, "#rename-new")
    def _explain(self, event: Input.Changed) -> None:
        old = self._existing(self.query_one("#rename-old", Input).value.strip())
        target = self._existing(event.value.strip())
        if old and target and target != old:
            self._say(f"'{target}' exists ({self.all_tags[target]} papers): the two will merge")
        else:
            self._say("")

    @on(Input.Submitted, "#rename-new")
    def _submit(self) -> None:
        old_text = self.query_one("#rename-old", Input).value.strip()
        old = self._existing(old_text)
        if old is None:
            self._say(f"No paper has the tag '{old_text}'.")
            self.query_one("#rename-old", Input).focus()
            return
        try:
            new = clean_tag(self.query_one("#rename-new", Input).value)
        except PapersiftError as exc:
            self._say(str(exc))
            return
        self.close_editor((old, self._existing(new) or new))

    def action_cancel(self) -> None:
        self.close_editor(None)
