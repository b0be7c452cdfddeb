"""A review's home screen: where it stands, and one key to each step.

s screen its papers (triage mode with the criteria beside them), c conflicts, a
agreement, p the PRISMA flow, e write the review file, o join a colleague's file,
b lift blind mode. The start form (`ReviewStartScreen`) defines a new review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static, TextArea

from papersift import review
from papersift.models import PapersiftError
from papersift.paths import user_name
from papersift.textsafe import clean_line
from papersift.tui.messages import LibraryChanged
from papersift.tui.safe_text import plain


class PathPrompt(ModalScreen[str | None]):
    """Ask for a file path (enter: done, escape: cancel)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review.path-cancel"),
    ]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="review-path", classes="dialog"):
            yield Static(plain(self.question), classes="title")
            yield Input(self.value, id="review-path-input")

    @on(Input.Submitted)
    def _done(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReviewStartScreen(ModalScreen[str | None]):
    """Define a review: name, query, reasons (one a line), reviewers, criteria text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "start", "Start the review", id="review.start"),
        Binding("escape", "cancel", "Cancel", id="review.start-cancel"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query

    def compose(self) -> ComposeResult:
        with Vertical(id="review-start", classes="dialog"):
            yield Static(plain("Start a review (ctrl+s starts, escape cancels)"), classes="title")
            yield Input(placeholder="name", id="review-name")
            yield Input(
                self.initial_query, placeholder="query (empty: all papers)", id="review-query"
            )
            yield Input(placeholder="exclusion reasons, separated by ;", id="review-reasons")
            yield Input(placeholder="other reviewers, separated by ,", id="review-reviewers")
            yield Static(plain("Inclusion criteria:"))
            yield TextArea(id="review-criteria-text")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_start(self) -> None:
        from papersift.views import select

        app: Any = self.app
        value = lambda wid: self.query_one(wid, Input).value.strip()  # noqa: E731
        query = value("#review-query")
        try:
            entries = select(app.library, query=query or None)
            started = review.start_review(
                app.library,
                value("#review-name"),
                paper_ids=[e.id for e in entries],
                me=user_name(),
                criteria=self.query_one(TextArea).text.strip(),
                query=query,
                reasons=[r for r in value("#review-reasons").split(";") if r.strip()],
                reviewers=[r for r in value("#review-reviewers").split(",") if r.strip()],
            )
        except PapersiftError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self.dismiss(started.name)


class ReviewScreen(Screen[None]):
    """One review: its state and its steps."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "screen_papers", "Screen", id="review.screen"),
        Binding("c", "conflicts", "Conflicts", id="review.conflicts"),
        Binding("a", "agreement", "Agreement", id="review.agreement"),
        Binding("p", "prisma", "PRISMA", id="review.prisma"),
        Binding("e", "export", "Write file", id="review.export"),
        Binding("o", "join", "Import file", id="review.join"),
        Binding("b", "unblind", "Unblind", id="review.unblind"),
        Binding("escape,q", "back", "Back", id="review.home-back"),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.review_name = name
        self.me = user_name()

    @property
    def papersift(self) -> Any:
        return self.app

    def current(self) -> review.Review:
        return review.get_review(self.papersift.library, self.review_name)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="review-home"):
            yield Static(id="review-summary")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_summary()

    def on_screen_resume(self) -> None:
        self.refresh_summary()

    def on_library_changed(self, message: LibraryChanged) -> None:
        self.refresh_summary()

    def summary(self) -> str:
        r = self.current()
        figures = review.agreement(r, self.me)
        counts = review.prisma_counts(r)
        mine = next((c.screened for c in figures.counts if c.by == self.me), 0)
        mode = "blind" if r.blind else f"unblinded by {r.unblinded_by}"
        lines = [
            f"Review: {r.name}   ({mode})",
            f"Query: {r.query or '(all papers)'}",
            f"Reviewers: {', '.join(r.everyone())}",
            "",
            f"You screened {mine} of {len(r.papers)} papers.",
        ]
        for c in figures.counts:
            if c.by != self.me:
                lines.append(f"  {c.by}: {c.screened} screened ({c.hidden} hidden from you)")
        lines += [
            f"Conflicts to settle: {len(review.conflicts(r, self.me))}",
            f"Included {counts.included}, excluded {counts.excluded}, awaiting {counts.awaiting}",
        ]
        if r.criteria:
            lines += ["", "Criteria:", r.criteria]
        return "\n".join(lines)

    def refresh_summary(self) -> None:
        try:
            text = self.summary()
        except PapersiftError as exc:
            text = str(exc)
        self.query_one("#review-summary", Static).update(plain(text, multiline=True))

    def _say(self, text: str, severity: str = "information") -> None:
        self.notify(clean_line(text), severity=severity, markup=False)  # type: ignore[arg-type]

    def action_screen_papers(self) -> None:
        from papersift.tui.screens.review_triage import ReviewTriageScreen

        r = self.current()
        ids = [p for p in r.papers if p in self.papersift.library.papers]
        start = next((i for i, p in enumerate(ids) if r.decision_of(p, self.me) is None), 0)
        self.app.push_screen(ReviewTriageScreen(r.name, ids, start))

    def action_conflicts(self) -> None:
        from papersift.tui.screens.review_conflicts import ReviewConflictsScreen

        self.app.push_screen(ReviewConflictsScreen(self.review_name))

    def action_agreement(self) -> None:
        from papersift.tui.screens.review_stats import ReviewStatsScreen

        self.app.push_screen(ReviewStatsScreen(self.review_name))

    def action_prisma(self) -> None:
        from papersift.tui.screens.review_prisma import ReviewPrismaScreen

        self.app.push_screen(ReviewPrismaScreen(self.review_name))

    def action_export(self) -> None:
        def write(path: str | None) -> None:
            if not path:
                return
            try:
                papers, decisions = review.export_review(
                    self.papersift.library, self.review_name, Path(path).expanduser(), me=self.me
                )
            except PapersiftError as exc:
                self._say(str(exc), "error")
                return
            self._say(f"Wrote {papers} papers and {decisions} decisions to {path}")

        self.app.push_screen(PathPrompt("Write the review file to:", "review.json"), write)

    def action_join(self) -> None:
        from papersift.importer import import_files

        def join(path: str | None) -> None:
            if not path:
                return
            library = self.papersift.library
            file = Path(path).expanduser()
            (report,) = import_files(library, [file])
            if report.error:
                self._say(report.error, "error")
                return
            try:
                joined = review.join_file(library, file, me=self.me)
            except PapersiftError as exc:
                self._say(str(exc), "error")
                return
            self.papersift.live.rebuild()
            self.papersift.post_library_changed(None)
            if joined is None:
                self._say(f"{file.name} carries no review; its papers were imported")
                return
            people = ", ".join(f"{by} {n}" for by, n in joined.new_decisions.items()) or "none"
            hidden = f" ({joined.hidden} hidden while blind)" if joined.hidden else ""
            self._say(f"Review {joined.review}: new decisions {people}{hidden}")
            self.refresh_summary()

        self.app.push_screen(PathPrompt("Import a colleague's review file:"), join)

    def action_unblind(self) -> None:
        from papersift.tui.screens.confirm import ConfirmScreen

        def answer(yes: bool | None) -> None:
            if yes:
                review.unblind(self.papersift.library, self.review_name, me=self.me)
                self._say("Unblinded: everyone's decisions are shown")
                self.refresh_summary()

        self.app.push_screen(
            ConfirmScreen("Show everyone's decisions? (recorded with your name)"), answer
        )

    def action_back(self) -> None:
        self.dismiss()


def palette_commands(app: Any, main: Any) -> list[tuple[str, Any, str]]:
    """The palette's review commands (on the main screen): start one, open each."""

    def open_review(name: str | None) -> None:
        if name:
            app.push_screen(ReviewScreen(name))

    def start() -> None:
        app.push_screen(ReviewStartScreen(), open_review)

    commands: list[tuple[str, Any, str]] = [("Start a review…", start, "screen as a team")]
    try:
        known = review.reviews(app.library)
    except PapersiftError:
        known = {}
    for name, r in known.items():
        commands.append(
            (
                f"Open review: {clean_line(name)}",
                lambda n=name: open_review(n),
                f"{len(r.papers)} papers",
            )
        )
    return commands
