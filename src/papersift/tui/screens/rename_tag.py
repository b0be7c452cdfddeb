"""Rename a tag library-wide, or merge it into another (the palette's "Rename or merge a tag").

Two inputs with completion from the tags in use: the tag to rename and its new name. A new
name that already exists merges the two (said before confirming). Returns (old, new); the
caller applies it with `actions.rename_tag`, which is one undoable change.
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


class RenameTagScreen(ModalScreen[tuple[str, str] | None]):
    """Ask for a tag and its new name; dismiss with (old, new) or None."""

    AUTO_FOCUS = "#rename-old"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename.cancel"),
    ]

    def __init__(self, all_tags: Mapping[str, int], current: str = "") -> None:
        super().__init__()
        self.all_tags = dict(all_tags)
        self.current = current

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
        self.dismiss((old, self._existing(new) or new))

    def action_cancel(self) -> None:
        self.dismiss(None)
