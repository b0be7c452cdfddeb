"""A review's agreement: per-reviewer counts, percent agreement, Cohen's or Fleiss' κ
on the papers everyone screened, and the exclusion reasons each reviewer gave."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from papersift import review
from papersift.paths import user_name
from papersift.tui.safe_text import plain


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def stats_text(figures: review.Agreement) -> str:
    """The agreement figures as the screen shows them (plain text)."""
    lines = [
        f"{'reviewer':<16}{'screened':>9}{'include':>9}{'exclude':>9}{'maybe':>7}{'hidden':>8}"
    ]
    for c in figures.counts:
        lines.append(
            f"{c.by[:15]:<16}{c.screened:>9}{c.include:>9}{c.exclude:>9}{c.maybe:>7}{c.hidden:>8}"
        )
    lines += ["", f"Papers everyone screened: {figures.papers_compared} of {figures.papers}"]
    pct = figures.percent_agreement
    lines.append(f"Percent agreement: {'n/a' if pct is None else f'{pct:.1f}%'}")
    if len(figures.reviewers) == 2:
        lines.append(f"Cohen's κ: {_fmt(figures.cohen_kappa)}")
    elif len(figures.reviewers) > 2:
        lines.append(f"Fleiss' κ: {_fmt(figures.fleiss_kappa)}")
        for p in figures.pairs:
            lines.append(f"  {p.a} / {p.b}: Cohen's κ {_fmt(p.cohen_kappa)} on {p.papers_compared}")
    names = [*figures.reviewers, "final"]
    lines += ["", "Exclusion reasons", f"{'':<24}" + "".join(f"{n[:9]:>10}" for n in names)]
    for reason, counts in figures.reasons.items():
        if reason or any(counts.values()):
            label = (reason or "(no reason)")[:23]
            lines.append(f"{label:<24}" + "".join(f"{counts.get(n, 0):>10}" for n in names))
    return "\n".join(lines)


class ReviewStatsScreen(Screen[None]):
    """Agreement between the reviewers of one review."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "back", "Back", id="review-stats.back"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.review_name = name

    def compose(self) -> ComposeResult:
        yield Static(id="review-stats-title", classes="title")
        with VerticalScroll(id="review-stats-body"):
            yield Static(id="review-stats-text")
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        r = review.get_review(app.library, self.review_name)
        self.query_one("#review-stats-title", Static).update(plain(f"Agreement: {r.name}"))
        text = stats_text(review.agreement(r, user_name()))
        self.query_one("#review-stats-text", Static).update(plain(text, multiline=True))

    def action_back(self) -> None:
        self.dismiss()
