"""Screening a review in triage mode: the paper, the criteria beside it, one key a
decision (y include, d exclude then a reason's number, m maybe).

Triage mode's layout and movement keys (j/k, s, t, n, g) are `TriageScreen`'s; what
differs is what a decision records (a review decision of the user's, not a status),
what "done" counts (papers the user screened) and undo (the review decision put back).
Others' decisions are shown only where blind mode reveals them.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from papersift import review
from papersift.models import DEFAULT_STATUS, Entry, PapersiftError
from papersift.paths import user_name
from papersift.textsafe import clean_line
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain
from papersift.tui.screens.triage import TriageScreen
from papersift.tui.widgets.criteria import CriteriaPanel


class ReasonPicker(ModalScreen[str | None]):
    """After `d`: one key picks an exclusion reason (1-9); enter or escape: none."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(str(n), f"pick({n})", f"Reason {n}", show=False, id=f"review.reason-{n}")
            for n in range(1, 10)
        ),
        Binding("enter,escape,0", "pick(0)", "No reason", id="review.no-reason"),
    ]

    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__()
        self.reasons = reasons[:9]

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-picker", classes="dialog"):
            yield Static(plain("Exclude: why?"), classes="title")
            lines = [f"{n}  {r}" for n, r in enumerate(self.reasons, 1)]
            lines.append("enter  no reason")
            yield Static(plain("\n".join(lines), multiline=True), id="reason-list")

    def action_pick(self, n: int) -> None:
        self.dismiss(self.reasons[n - 1] if 1 <= n <= len(self.reasons) else "")


class ReviewTriageScreen(TriageScreen):
    """Screen review `name`'s papers one by one."""

    inherit_bindings = False
    #: What these keys do here the main screen's do too, so a remapping moves both.
    KEYMAP_FOLLOWS: ClassVar[dict[str, str]] = {
        "review.star": "star",
        "review.tags": "tags",
        "review.note": "note",
        "review.undo": "undo",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "screen('include')", "Include", id="review.include"),
        Binding("d", "screen('exclude')", "Exclude", id="review.exclude"),
        Binding("m", "screen('maybe')", "Maybe", id="review.maybe"),
        Binding("s", "star", "Star", id="review.star", show=False),
        Binding("t", "tags", "Tags", id="review.tags", show=False),
        Binding("n", "note", "Note", id="review.note", show=False),
        Binding("j,right", "move(1)", "Next", id="review.next"),
        Binding("k,left", "move(-1)", "Prev", id="review.previous"),
        Binding("g", "next_untriaged", "Next to screen", id="review.next-open", show=False),
        Binding("u", "undo", "Undo", id="review.undo"),
        Binding("escape,q", "back", "Back", id="review.back"),
    ]

    def __init__(self, name: str, ids: list[str], start: int = 0) -> None:
        super().__init__(ids, start)
        self.review_name = name
        self.me = user_name()
        self._review: review.Review | None = None
        self._changes: list[tuple[int, list[review.DecisionChange]]] = []

    def compose(self) -> ComposeResult:
        yield CriteriaPanel(id="review-criteria")
        yield from super().compose()

    @property
    def current_review(self) -> review.Review:
        if self._review is None:
            self._review = review.get_review(self.papersift.library, self.review_name)
        return self._review

    def on_mount(self) -> None:
        self.query_one(CriteriaPanel).show_review(self.current_review)
        super().on_mount()

    def hint(self) -> str:
        keys = [(f"screen({d!r})", d) for d in review.DECISIONS]
        return "Screen and go on:  " + " · ".join(f"{key_of(self, a)} {d}" for a, d in keys)

    # ----------------------------------------------------------------- what "done" means

    def _status(self, pid: str) -> str:
        # The base class counts papers whose status is not the default as done.
        decided = self.current_review.decision_of(pid, self.me)
        return decided.decision if decided is not None else DEFAULT_STATUS

    def top_progress(self) -> tuple[str, int, int]:
        # A review counts its own papers, screened by me.
        done, total = self.triaged_count(), len(self.paper_ids)
        return f"{done} / {total} screened", done, total

    def _state_text(self, entry: Entry) -> Text:
        r = self.current_review
        text = Text(end="")
        mine = r.decision_of(entry.id, self.me)
        text.append("Your decision: ")
        if mine is None:
            text.append("not screened yet")
        else:
            text.append(mine.decision + (f" ({clean_line(mine.reason)})" if mine.reason else ""))
        others = review.visible_screening(r, self.me).get(entry.id, {})
        for by, d in sorted(others.items()):
            if by != self.me:
                text.append(f"   {clean_line(by)}: {d.decision}")
        if review.revealed(r, entry.id) is False and mine is not None:
            text.append("   (others' decisions hidden: blind)")
        final = r.finals().get(entry.id)
        if final is not None:
            text.append(f"   final ({clean_line(final.by)}): {final.decision}")
        return text

    # ----------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "screen":
            return None if self.current_entry() is None else True
        return super().check_action(action, parameters)

    def action_screen(self, decision: str) -> None:
        pid = self.current_id()
        if pid is None or self.current_entry() is None:
            return
        if decision == "exclude" and self.current_review.reasons:
            self.app.push_screen(
                ReasonPicker(self.current_review.reasons),
                lambda reason: self._record(pid, "exclude", reason or ""),
            )
            return
        self._record(pid, decision, "")

    def _record(self, pid: str, decision: str, reason: str) -> None:
        try:
            changes = review.decide(
                self.papersift.library, self.review_name, [pid], decision, me=self.me,
                reason=reason,
            )  # fmt: skip
        except PapersiftError as exc:
            self.notify(clean_line(str(exc)), severity="error", markup=False)
            return
        self._review = None
        self._changes.append((self.position, changes))
        self._recount(frozenset([pid]))
        self._go(self.position + 1)

    def action_undo(self) -> None:
        if not self._changes:
            self.notify("Nothing to undo.", markup=False)
            return
        position, changes = self._changes.pop()
        review.undo_decisions(self.papersift.library, changes)
        self._review = None
        self._recount(frozenset(c.key[0] for c in changes))
        self._go(position)
