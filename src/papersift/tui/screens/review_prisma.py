"""A review's PRISMA 2020 flow, drawn in the terminal; w writes the CSV the PRISMA2020
flow-diagram app reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from papersift import review
from papersift.fsutil import atomic_write_text
from papersift.models import PapersiftError
from papersift.textsafe import clean_line
from papersift.tui.safe_text import plain


class ReviewPrismaScreen(Screen[None]):
    """The flow diagram of one review."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "write_csv", "Write CSV", id="prisma.csv"),
        Binding("escape,q", "back", "Back", id="prisma.back"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.review_name = name

    def counts(self) -> review.PrismaCounts:
        app: Any = self.app
        return review.prisma_counts(review.get_review(app.library, self.review_name))

    def compose(self) -> ComposeResult:
        yield Static(plain(f"PRISMA 2020 flow: {self.review_name}"), classes="title")
        with VerticalScroll(id="prisma-body"):
            yield Static(id="prisma-diagram")
        yield Footer()

    def on_mount(self) -> None:
        width = max(60, min(self.app.size.width - 4, 100))
        diagram = review.flow_diagram(self.counts(), width)
        self.query_one("#prisma-diagram", Static).update(plain(diagram, multiline=True))

    def action_write_csv(self) -> None:
        from papersift.tui.screens.review import PathPrompt

        def write(path: str | None) -> None:
            if not path:
                return
            try:
                target = Path(path).expanduser()
                atomic_write_text(target, review.prisma_csv(self.counts()), overwrite=True)
            except (PapersiftError, OSError) as exc:
                self.notify(clean_line(str(exc)), severity="error", markup=False)
                return
            self.notify(clean_line(f"Wrote {path}"), markup=False)

        self.app.push_screen(PathPrompt("Write the PRISMA2020 CSV to:", "prisma.csv"), write)

    def action_back(self) -> None:
        self.dismiss()
