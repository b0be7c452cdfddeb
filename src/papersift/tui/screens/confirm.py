"""A yes/no question in a small dialog (y/n keys, or the buttons), and the one rule for
when a change to many papers asks first (`confirm_bulk`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

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


#: A change to more papers than this asks once before it applies: a stray `a` (select
#: all) followed by `s` would otherwise star the whole view at once.
BULK_CONFIRM_OVER = 20


def bulk_question(what: str, count: int, hidden: int) -> str | None:
    """What to ask before `what` ("Star", "Mark … as To read") is done to `count`
    papers of which `hidden` are selected but not shown; None: nothing to ask (a few
    papers, all in sight)."""
    if count <= BULK_CONFIRM_OVER and not hidden:
        return None
    papers = "1 paper" if count == 1 else f"{count:,} papers"
    question = f"{what.replace('{papers}', papers)}?"
    if hidden:
        them = "it is" if hidden == 1 and count == 1 else f"{hidden:,} of them are"
        question += (
            f"\n\n{them[:1].upper()}{them[1:]} selected but not shown here "
            "(the filter or the view hides them)."
        )
    return question


def confirm_bulk(
    app: Any, what: str, count: int, apply: Callable[[], None], *, hidden: int = 0
) -> None:
    """Run `apply` now, or after a yes when `bulk_question` has something to ask.

    `what` names the change with `{papers}` where the count goes ("Star {papers}")."""
    question = bulk_question(what, count, hidden)
    if question is None:
        apply()
        return

    def answer(yes: bool | None) -> None:
        if yes:
            apply()

    app.push_screen(ConfirmScreen(question, yes=what.split()[0], no="Cancel"), answer)
