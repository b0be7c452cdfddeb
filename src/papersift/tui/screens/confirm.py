"""A yes/no question in a small dialog (y/n keys, or the buttons)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from papersift.tui.safe_text import plain


class ConfirmScreen(ModalScreen[bool]):
    """Ask `question`; returns True for yes, False for no (escape is no)."""

    AUTO_FOCUS = "#confirm-no"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        Binding("left,right", "app.focus_next", "Switch button", show=False, id="confirm.switch"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes
        self.no_label = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog"):
            # The question usually quotes data (a path, a title): never markup.
            yield Static(plain(self.question, multiline=True), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button(plain(f"{self.yes_label} (y)"), id="confirm-yes", variant="error")
                yield Button(plain(f"{self.no_label} (n)"), id="confirm-no", variant="primary")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)
