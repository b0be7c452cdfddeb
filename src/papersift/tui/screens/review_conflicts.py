"""A review's conflicts: papers the reviewers disagree on (or said maybe), side by side
with who decided what and why; y or d (then a reason) records the final decision."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from papersift import review
from papersift.models import PapersiftError
from papersift.paths import user_name
from papersift.textsafe import clean_line, one_line
from papersift.tui.safe_text import plain


class ReviewConflictsScreen(Screen[None]):
    """Settle conflicts one by one; `r` shows settled ones too."""

    AUTO_FOCUS = "#conflict-list"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "settle('include')", "Final: include", id="conflicts.include"),
        Binding("d", "settle('exclude')", "Final: exclude", id="conflicts.exclude"),
        Binding("r", "toggle_resolved", "Show settled", id="conflicts.resolved"),
        Binding("escape,q", "back", "Back", id="conflicts.back"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.review_name = name
        self.me = user_name()
        self.show_resolved = False
        self.items: list[review.Conflict] = []

    @property
    def papersift(self) -> Any:
        return self.app

    def compose(self) -> ComposeResult:
        yield Static(id="conflicts-title", classes="title")
        with Horizontal(id="conflicts-body"):
            yield OptionList(id="conflict-list")
            with VerticalScroll(id="conflict-detail"):
                yield Static(id="conflict-text")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        r = review.get_review(self.papersift.library, self.review_name)
        self.items = review.conflicts(r, self.me, resolved=self.show_resolved)
        hidden = review.hidden_count(r, self.me)
        title = f"{len(self.items)} conflicts in {r.name}"
        if hidden:
            title += f" ({hidden} decisions still blind)"
        self.query_one("#conflicts-title", Static).update(plain(title))
        papers = self.papersift.library.papers
        olist = self.query_one(OptionList)
        olist.clear_options()
        olist.add_options(
            [
                Option(
                    plain(
                        f"{'✓ ' if c.final else ''}[{c.kind}] "
                        + one_line(papers[c.paper].title if c.paper in papers else c.paper, 60)
                    ),
                    id=c.paper,
                )
                for c in self.items
            ]
        )
        if self.items:
            ids = [c.paper for c in self.items]
            olist.highlighted = ids.index(keep) if keep in ids else 0
        self.show_detail()

    def current(self) -> review.Conflict | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        c = self.current()
        text = self.query_one("#conflict-text", Static)
        if c is None:
            text.update(plain("Nothing to settle."))
            return
        paper = self.papersift.library.papers.get(c.paper)
        lines = [paper.title if paper else c.paper, ""]
        for by, d in sorted(c.decisions.items()):
            why = f" — {d.reason}" if d.reason else ""
            lines.append(f"{by:<14} {d.decision}{why}   ({d.at})")
        if c.final is not None:
            why = f" — {c.final.reason}" if c.final.reason else ""
            lines += ["", f"Final ({c.final.by}): {c.final.decision}{why}"]
        if paper is not None and paper.abstract:
            lines += ["", paper.abstract]
        text.update(plain("\n".join(lines), multiline=True))

    def action_settle(self, decision: str) -> None:
        c = self.current()
        if c is None:
            return
        r = review.get_review(self.papersift.library, self.review_name)
        if decision == "exclude" and r.reasons:
            from papersift.tui.screens.review_triage import ReasonPicker

            self.app.push_screen(
                ReasonPicker(r.reasons), lambda why: self._settle(c.paper, decision, why or "")
            )
            return
        self._settle(c.paper, decision, "")

    def _settle(self, paper: str, decision: str, reason: str) -> None:
        try:
            review.decide(
                self.papersift.library, self.review_name, [paper], decision, me=self.me,
                reason=reason, final=True, replace_final=True,
            )  # fmt: skip
        except PapersiftError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.notify(f"Settled: {decision}", markup=False)
        self.reload(keep=paper)

    def action_toggle_resolved(self) -> None:
        self.show_resolved = not self.show_resolved
        self.reload()

    def action_back(self) -> None:
        self.dismiss()
