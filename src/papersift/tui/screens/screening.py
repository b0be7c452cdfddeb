"""The screening progress panel: how far the inbox's screening is, and whether to stop.

Decisions made, relevant found, irrelevant in a row since the last relevant, the
model's estimate of the relevant papers left, and a chart of relevant found against
papers screened (with the straight line random reading would give). When the
stopping rule holds it says so, and `m` re-ranks with a second, different model
before stopping (the SAFE procedure's switch step). The figures come from
`ranking.ranker.screening_progress`, the same as `papersift rank status`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from papersift.ranking.live import next_model
from papersift.ranking.ranker import screening_progress
from papersift.ranking.settings import START_HINT, StopRule, model_named
from papersift.tui.messages import LibraryChanged, RankingReady
from papersift.tui.safe_text import plain

if TYPE_CHECKING:
    from papersift.ranking.screening import Progress


def progress_lines(prog: Progress, model_label: str | None, rule: StopRule) -> list[str]:
    """The panel's figures as lines (also triage mode's one-line summary's source)."""
    lines = [
        f"{prog.screened:,} decisions: {prog.relevant:,} relevant, {prog.irrelevant:,} irrelevant",
        f"{prog.in_a_row:,} irrelevant in a row since the last relevant "
        f"(the stopping rule wants {rule.irrelevant_in_a_row} after "
        f"{rule.min_share:.0%} screened; {prog.share:.0%} so far)",
    ]
    if model_label is None:
        lines.append(f"Not ranked yet: {START_HINT}.")
    else:
        left = prog.expected_left
        if left is not None:
            lines.append(
                f"About {left:.1f} relevant papers expected among the rest ({model_label})"
            )
    return lines


def summary_line(prog: Progress) -> str:
    """Triage mode's line: "12 decided · 5 relevant · 3 irrelevant in a row · ≈ 4.2 left"."""
    parts = [
        f"{prog.screened:,} decided",
        f"{prog.relevant:,} relevant",
        f"{prog.in_a_row:,} irrelevant in a row",
    ]
    if prog.expected_left is not None:
        parts.append(f"≈ {prog.expected_left:.1f} relevant left")
    return " · ".join(parts)


class ScreeningScreen(ModalScreen[None]):
    """Screening progress, the found-vs-screened chart, and the model switch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "m",
            "switch_model",
            "Switch model",
            id="screening.switch-model",
            tooltip="Re-rank with a second, different model (before you stop)",
        ),
        Binding("escape,q,p", "dismiss", "Close", id="screening.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="screening", classes="dialog"):
            yield Static("Screening progress", classes="dialog-title")
            yield Static(id="screening-figures")
            yield Static(id="screening-stop")
            yield PlotextPlot(id="screening-chart")
        yield Footer()

    @property
    def papersift(self) -> Any:
        return self.app

    def on_mount(self) -> None:
        self.refresh_figures()

    def on_library_changed(self, message: LibraryChanged) -> None:
        self.refresh_figures()

    def on_ranking_ready(self, message: RankingReady) -> None:
        self.refresh_figures()

    def _rule(self) -> StopRule:
        config = self.papersift.config
        return StopRule(config.stop_after, config.min_share)

    def refresh_figures(self) -> None:
        """Redraw from the library and the current ranking."""
        app = self.papersift
        library = app.library
        ranking = app.rank.current
        rule = self._rule()
        prog = screening_progress(library.papers, dict(library.triage), ranking, rule)
        label = ranking.spec.label if ranking is not None else None
        self.query_one("#screening-figures", Static).update(
            plain("\n".join(progress_lines(prog, label, rule)), multiline=True)
        )
        stop = self.query_one("#screening-stop", Static)
        if prog.stop_met:
            other = model_named(next_model(app.rank.model)).label
            stop.update(
                plain(
                    f"The stopping rule is met. Before you stop, press m to re-rank the rest "
                    f"with a second model ({other}) and screen its top papers.",
                    multiline=True,
                )
            )
        else:
            stop.update("")
        stop.display = prog.stop_met
        self._draw(prog)

    def _draw(self, prog: Progress) -> None:
        chart = self.query_one(PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        screened = list(range(1, prog.screened + 1))
        if screened:
            plt.plot(screened, list(prog.curve), marker="braille", label="relevant found")
            if prog.expected_left is not None and prog.total:
                # Reading in random order finds relevant papers at their overall rate
                # (found so far plus the model's estimate of those left).
                rate = (prog.relevant + prog.expected_left) / prog.total
                plt.plot(
                    [0, prog.screened],
                    [0, rate * prog.screened],
                    marker="braille",
                    label="random order (estimate)",
                )
        plt.title("Relevant found against papers screened")
        plt.xlabel("papers screened")
        plt.ylabel("relevant")
        chart.refresh()

    def action_switch_model(self) -> None:
        app = self.papersift
        name = next_model(app.rank.model)
        app.switch_rank_model(name)
        app.say(f"Re-ranking with {model_named(name).label}")
