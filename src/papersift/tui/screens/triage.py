"""Triage mode: one paper at a time, decided with single keys.

The list's papers are shown one by one (title, authors, the whole abstract, tags,
note, sources). A status key decides and moves on; star, tags and note stay on the
paper; j/k (or →/←) move without deciding; u undoes the last change and goes back to
the paper it was made on. Keys agree with the main screen: i inbox, r to-read,
w reading, x read, d discarded, s star, t tags, n note.

"Triaged" (screened) means any status but inbox. The top line counts what was decided
in this sitting and the library's papers screened so far, with a bar for the latter
("12 decided this sitting · 52 / 318 screened"), whichever list triage was opened on;
the position names that list ("paper 13 of 279 in Inbox"). Issue #18 item 11: the
count over the list alone restarted at "0 / 279" after 40 decisions and read
"10 / 10 100%" on To read. Past the last paper an "all done" panel says what is left
of the list (g jumps to the first paper still in the inbox).

Changes go through `app.perform` (thread worker + undo stack); the screen redraws when
the app posts `LibraryChanged`.

Opened on the inbox in predicted-relevance order (`ranked=True`), it follows the
ranking as it learns: every decision asks the app for a refit (in a worker, so the
key never waits), and each new ranking re-orders the papers after the current one,
best first. A paper the user has only just been shown (under `SWAP_SECONDS`, no key
pressed since) is replaced by the new best too, so the next paper is the best one
known at that moment. A line under the top bar counts the screening, the paper's
"why" (the terms that pushed it, the most similar relevant paper) sits above its
title, `P` opens the progress panel (as on the main screen), and the stopping rule is
announced once. `b`, `p` and `L` open the paper's page, its PDF and its links, as on the
main screen.

Against the filter bubble, a share of the ranked picks (`[rank] explore`, switched on
and off from the palette and remembered in ui.json) are exploration picks: every
`screening.explore_every(share)`-th paper from where triage started is the one
`screening.explore_pick` chooses among the papers ahead (the paper the model is least
sure about), labelled "Exploring: shown because …" above its "why". `rank simulate
--explore` picks and spaces them the same way. The main screen's sort stays pure
ranking.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from papersift import actions
from papersift.models import DEFAULT_STATUS, STATUS_LABELS, Entry
from papersift.ranking.live import next_model
from papersift.ranking.ranker import explain_for, screening_progress
from papersift.ranking.screening import (
    DEFAULT_EXPLORE_KIND,
    EXPLORE_ON,
    EXPLORE_STATE,
    explore_every,
    explore_kind,
    explore_pick,
    explore_setting,
    explore_words,
)
from papersift.ranking.settings import StopRule, model_named
from papersift.textsafe import clean_line, one_line
from papersift.tui.bindings import STATUS_KEYS, key_of
from papersift.tui.messages import LibraryChanged, RankingReady, TextsLoaded
from papersift.tui.safe_text import plain
from papersift.tui.screens.editing import edit_note, edit_tags
from papersift.tui.screens.links import LinkActions
from papersift.tui.screens.screening import summary_line
from papersift.tui.widgets.detail import why_lines
from papersift.tui.widgets.footer import FittedFooter

#: The footer's keys, the most important first (a narrow terminal drops the rest).
FOOTER_PRIORITY = (
    "triage.back",
    "triage.star",
    "triage.next",
    "triage.previous",
    "triage.undo",
    "triage.tags",
    "triage.note",
)

#: A paper shown for less than this (and no key since) gives way to a new ranking's best.
SWAP_SECONDS = 0.4

#: The decisions in the order the hint names them (inbox, taking one back, last), with
#: their binding ids (a user's `[keys]` names these: "discard", not "discarded").
DECISION_IDS = {
    "to-read": "triage.to-read",
    "reading": "triage.reading",
    "read": "triage.read",
    "discarded": "triage.discard",
    "inbox": "triage.inbox",
}


def status_title(status: str) -> str:
    """A status as triage mode and the duplicates review head it ("To read"); an
    unknown one (from a shared list) as written, on one line."""
    label = STATUS_LABELS.get(status)
    return label.title if label is not None else clean_line(status)


def describe_sources(entry: Entry) -> str:
    """`file.txt#3, other.bib#7`: 0-based positions, as the detail pane and the CLI show."""
    return ", ".join(f"{clean_line(s.file)}#{s.index}" for s in entry.paper.sources)


def explore_share(app: Any) -> float:
    """The share of exploration picks in triage now: the palette's switch as
    remembered, else the config's `[rank] explore`."""
    return explore_setting(app.ui_state, app.config.explore)


def set_explore(app: Any, share: float) -> None:
    """Switch exploration picks to `share` (0: off), remembered for the next start;
    an open ranked triage re-plans the papers ahead at once."""
    app.ui_state[EXPLORE_STATE] = share
    app.say(f"Exploration picks: {explore_words(share)}")
    for screen in app.screen_stack:
        if isinstance(screen, TriageScreen):
            screen.replan_exploration()


def explore_commands(app: Any) -> list[tuple[str, Any, str]]:
    """The palette's switch: on (with the config's share, else `EXPLORE_ON`) or off."""
    share = explore_share(app)
    if share > 0:
        return [
            (
                "Explore: stop mixing in papers the ranking would not show",
                partial(set_explore, app, 0.0),
                f"now {explore_words(share)}",
            )
        ]
    on = app.config.explore or EXPLORE_ON
    return [
        (
            "Explore: mix in papers the ranking would not show",
            partial(set_explore, app, on),
            explore_words(on),
        )
    ]


def best_first(ids: list[str], ranked: list[str]) -> list[str]:
    """`ids` re-ordered: those in `ranked` (the undecided, best first) in its order,
    then the rest as they were. Set operations only: at 100k papers this runs on the
    UI thread after every decision."""
    wanted = set(ids)
    head = [pid for pid in ranked if pid in wanted]
    placed = set(head)
    return head + [pid for pid in ids if pid not in placed]


class TriageScreen(LinkActions, Screen[None]):
    """Decide papers one by one; `ids` in list order, starting at `start`."""

    AUTO_FOCUS = "#triage-body"

    #: The keys that do here what the main screen's do follow a `[keys]` remapping of
    #: the main screen's (`bindings.followed_keymap`): `status-read = "x,4"` moves both.
    KEYMAP_FOLLOWS: ClassVar[dict[str, str]] = {
        **{binding_id: f"status-{status}" for status, binding_id in DECISION_IDS.items()},
        "triage.star": "star",
        "triage.tags": "tags",
        "triage.note": "note",
        "triage.undo": "undo",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        # The decisions are named in the hint line above the footer (with their
        # current keys), so the footer keeps room for the rest at 80 columns.
        *(
            Binding(
                STATUS_KEYS[status],
                f"decide({status!r})",
                STATUS_LABELS[status].action,
                id=binding_id,
                show=False,
            )
            for status, binding_id in DECISION_IDS.items()
        ),
        Binding("s", "star", "Star", id="triage.star"),
        Binding("t", "tags", "Tags", id="triage.tags"),
        Binding("n", "note", "Note", id="triage.note"),
        Binding("j,right", "move(1)", "Next", id="triage.next"),
        Binding("k,left", "move(-1)", "Prev", id="triage.previous"),
        Binding("g", "next_untriaged", "Next in inbox", id="triage.next-inbox", show=False),
        Binding("u", "undo", "Undo", id="triage.undo"),
        Binding(
            "P",
            "screening",
            "Progress",
            id="triage.progress",
            tooltip="Screening progress: relevant found, the stopping rule, a chart",
        ),
        Binding(
            "b",
            "open_page",
            "Open page",
            show=False,
            id="triage.open-page",
            tooltip="Open the paper's page in the browser (url, arXiv or DOI)",
        ),
        Binding(
            "p", "open_pdf", "Open PDF", show=False, id="triage.open-pdf", tooltip="Open the PDF"
        ),
        Binding(
            "L",
            "links",
            "Links",
            show=False,
            id="triage.links",
            tooltip="The paper's links (page, PDF, in the abstract): open or copy",
        ),
        Binding("escape,q", "back", "Back", id="triage.back"),
    ]

    def __init__(
        self, ids: list[str], start: int = 0, *, ranked: bool = False, list_name: str = ""
    ) -> None:
        super().__init__()
        self.paper_ids = list(dict.fromkeys(ids))
        #: The list triage was opened on, as the main screen names it ("Inbox").
        self.list_name = list_name
        #: Follow the ranking: re-order the papers ahead as it learns.
        self.ranked = ranked
        self._shown_at = time.monotonic()
        self._keys_since_shown = 0
        self.position = max(0, min(start, len(self.paper_ids)))
        #: Where triage started: exploration picks are counted from here.
        self._first = self.position
        #: Exploration picks placed: position → (paper id, its probability).
        self._explore_at: dict[int, tuple[str, float]] = {}
        #: Positions of the papers changed here, newest last (for undo's "go back").
        self._history: list[int] = []
        self._members = frozenset(self.paper_ids)
        #: Ids of the list whose status is not inbox (kept up to date from LibraryChanged,
        #: so a keypress costs O(changed papers), not O(list): lists can be 100k long).
        self._triaged: set[str] = set()
        #: The list's statuses when the screen opened, and the papers whose status
        #: differs from it now: "decided this sitting" (an undo takes one back).
        self._status_at_start: dict[str, str] = {}
        self._decided_here: set[str] = set()
        #: Papers of the whole library out of the inbox (kept up to date the same way).
        self._screened: set[str] = set()

    @property
    def papersift(self) -> Any:
        """The app (PapersiftApp's contract: library, perform, action_undo)."""
        return self.app

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Horizontal(id="triage-top"):
            yield Static(id="triage-progress")
            yield ProgressBar(id="triage-bar", show_eta=False, show_percentage=True)
            yield Static(id="triage-position")
        yield Static(id="triage-screening")
        with VerticalScroll(id="triage-body", can_focus=True):
            yield Static(id="triage-state")
            yield Static(id="triage-title")
            yield Static(id="triage-meta")
            yield Static(id="triage-why")
            yield Static(id="triage-note")
            yield Static(id="triage-abstract")
            yield Static(id="triage-sources")
            yield Static(id="triage-shared")
        with Vertical(id="triage-done"):
            yield Static(id="triage-done-title")
            yield Static(id="triage-done-text")
        # What the last decision did: one line in a fixed place, replaced by the next.
        yield Static(id="triage-status")
        yield Static(id="triage-hint", classes="hint")
        yield FittedFooter(priority=FOOTER_PRIORITY)

    def on_mount(self) -> None:
        self._status_at_start = {pid: self._status(pid) for pid in self.paper_ids}
        self._recount()
        ranking = self.papersift.rank.current
        if self.ranked and ranking is not None:
            if 0 < self.position < len(self.paper_ids):
                # Opened on a paper further down the ranked inbox: that paper first,
                # then the rest best first. Starting at its place would leave the best
                # papers behind the start, never shown unless the reader went back.
                self.paper_ids.insert(0, self.paper_ids.pop(self.position))
                self.position = self._first = 0
            # The papers after the one shown, best first: the list may hold decided
            # papers (starred ones stay in the inbox) above the best undecided one.
            after = self.position + 1
            self.paper_ids = self.paper_ids[:after] + best_first(
                self.paper_ids[after:], ranking.undecided
            )
            self._place_exploration(ranking, after)
        self.show()
        self.query_one("#triage-hint", Static).update(plain(self.hint()))

    def hint(self) -> str:
        """The decision keys, as bound now: "r to read · w reading · …"."""
        keys = [
            f"{key_of(self, f'decide({status!r})')} {STATUS_LABELS[status].action.lower()}"
            for status in DECISION_IDS
        ]
        return "Decide and go on:  " + " · ".join(keys)

    # ------------------------------------------------------------------ state

    def current_id(self) -> str | None:
        """The paper shown (its id now: merges are followed), or None past the end."""
        if not 0 <= self.position < len(self.paper_ids):
            return None
        return self.papersift.library.canonical_id(self.paper_ids[self.position])

    def current_entry(self) -> Entry | None:
        pid = self.current_id()
        library = self.papersift.library
        if pid is None or pid not in library.papers:
            return None
        return library.entry(pid)

    def link_entry(self) -> Entry | None:
        """The paper b, p and L open: the one shown."""
        return self.current_entry()

    def _status(self, pid: str) -> str:
        library = self.papersift.library
        return library.triage_of(library.canonical_id(pid)).status

    def _recount(self, ids: frozenset[str] | None = None) -> None:
        """Refresh which papers are triaged: those in `ids`, or all of them (None)."""
        for pid in self.paper_ids if ids is None else ids & self._members:
            status = self._status(pid)
            if status != DEFAULT_STATUS:
                self._triaged.add(pid)
            else:
                self._triaged.discard(pid)
            if status != self._status_at_start.get(pid, status):
                self._decided_here.add(pid)
            else:
                self._decided_here.discard(pid)
        library = self.papersift.library
        if ids is None:
            self._screened = {
                pid
                for pid, t in library.triage.items()
                if t.status != DEFAULT_STATUS and pid in library.papers
            }
            return
        for pid in ids:
            pid = library.canonical_id(pid)
            if pid in library.papers and library.triage_of(pid).status != DEFAULT_STATUS:
                self._screened.add(pid)
            else:
                self._screened.discard(pid)

    def top_progress(self) -> tuple[str, int, int]:
        """The top line's text and its bar's (done, total): this sitting's decisions and
        the library's papers screened."""
        screened, total = len(self._screened), len(self.papersift.library.papers)
        sitting = len(self._decided_here)
        text = f"{sitting:,} decided this sitting · {screened:,} / {total:,} screened"
        return text, screened, total

    def triaged_count(self) -> int:
        """Papers of the list with a status other than inbox."""
        return len(self._triaged)

    def progress_text(self) -> str:
        return f"{self.triaged_count()} / {len(self.paper_ids)} triaged"

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.paper_ids)

    # ------------------------------------------------------------------ rendering

    def show(self) -> None:
        """Redraw for the current position and library state."""
        total = len(self.paper_ids)
        done = self.triaged_count()
        text, bar_done, bar_total = self.top_progress()
        self.query_one("#triage-progress", Static).update(plain(text))
        self.query_one(ProgressBar).update(total=max(bar_total, 1), progress=bar_done)
        where = f" in {one_line(self.list_name, 28)}" if self.list_name else ""
        if self.at_end:
            self.query_one("#triage-position", Static).update(plain(f"end of list{where}"))
        else:
            self.query_one("#triage-position", Static).update(
                plain(f"paper {self.position + 1:,} of {total:,}{where}")
            )
        self.set_class(self.at_end, "-done")
        if self.at_end:
            self._show_done(done, total)
        else:
            self._show_paper()
        self._show_screening()
        self.refresh_bindings()

    def _show_screening(self) -> None:
        line = self.query_one("#triage-screening", Static)
        ranking = self.papersift.rank.current
        line.display = self.ranked or ranking is not None
        if not line.display:
            return
        library = self.papersift.library
        prog = screening_progress(library.papers, dict(library.triage), ranking, self._rule())
        text = summary_line(prog)
        if ranking is not None:
            text += f" · ranked by {ranking.spec.label}"
        line.update(plain(text))
        if prog.stop_met:
            self._announce_stop(prog.in_a_row, prog.share)

    def _rule(self) -> StopRule:
        config = self.papersift.config
        return StopRule(config.stop_after, config.min_share)

    def _announce_stop(self, in_a_row: int, share: float) -> None:
        app = self.papersift
        if app.stop_announced:
            return
        app.stop_announced = True
        from papersift.tui.screens.confirm import ConfirmScreen

        other = next_model(app.rank.model)
        question = (
            f"The stopping rule is met: {in_a_row} irrelevant papers in a row after "
            f"{share:.0%} screened. The rest is probably not worth reading.\n\n"
            f"Re-rank the rest with a second model ({model_named(other).label}) and "
            "screen its top papers before you stop?"
        )

        def answer(yes: bool | None) -> None:
            if yes:
                app.switch_rank_model(other)
                app.say(f"Re-ranking with {model_named(other).label}")

        app.push_screen(ConfirmScreen(question, yes="Re-rank", no="Not now"), answer)

    def _show_done(self, done: int, total: int) -> None:
        title = self.query_one("#triage-done-title", Static)
        text = self.query_one("#triage-done-text", Static)
        left = total - done
        if total == 0:
            title.update(plain("Nothing to triage"))
            text.update(plain("This list is empty. Press escape to go back."))
        elif left == 0:
            title.update(plain("All done!"))
            text.update(
                plain(
                    f"All {total} papers of this list are triaged.\n"
                    "Press escape to go back to the list, k to see the last paper again.",
                    multiline=True,
                )
            )
        else:
            title.update(plain("End of the list"))
            still = "1 paper is" if left == 1 else f"{left} papers are"
            text.update(
                plain(
                    f"{done} / {total} triaged; {still} still in the inbox.\n"
                    "Press g to go to the first one, k to go back, escape to return to the list.",
                    multiline=True,
                )
            )

    def _show_paper(self) -> None:
        entry = self.current_entry()
        title = self.query_one("#triage-title", Static)
        state = self.query_one("#triage-state", Static)
        meta = self.query_one("#triage-meta", Static)
        abstract = self.query_one("#triage-abstract", Static)
        note = self.query_one("#triage-note", Static)
        sources = self.query_one("#triage-sources", Static)
        shared = self.query_one("#triage-shared", Static)
        for status in STATUS_LABELS:
            state.set_class(entry is not None and entry.triage.status == status, f"-{status}")
        if entry is None:
            title.update(plain("(this paper was merged away or removed)"))
            for widget in (state, meta, abstract, note, sources, shared):
                widget.update("")
            return
        paper, triage = entry.paper, entry.triage
        state.update(self._state_text(entry))
        why_widget = self.query_one("#triage-why", Static)
        why, similar = explain_for(
            self.papersift.rank.current, entry, self.papersift.library.papers
        )
        lines = [] if why is None else ["Why here: " + "\n".join(why_lines(why, similar))]
        if (explored := self.exploration_label()) is not None:
            lines.insert(0, explored)
        why_widget.display = bool(lines)
        if lines:
            why_widget.update(plain("\n".join(lines), multiline=True))
        title.update(plain(paper.title))
        meta_parts = []
        if paper.authors:
            authors = ", ".join(paper.authors[:8])
            if len(paper.authors) > 8:
                authors += f" and {len(paper.authors) - 8} more"
            meta_parts.append(authors)
        if paper.year is not None:
            meta_parts.append(str(paper.year))
        if paper.venue:
            meta_parts.append(paper.venue)
        if paper.doi:
            meta_parts.append(f"doi:{paper.doi}")
        if paper.arxiv:
            meta_parts.append(f"arXiv:{paper.arxiv}")
        meta.update(plain(" · ".join(meta_parts)))
        meta.display = bool(meta_parts)
        if paper.abstract:
            shown = paper.abstract
        elif self.papersift.library.texts_loaded:
            shown = "(no abstract)"
        else:
            shown = "loading abstract…"  # read after the first paint (TextsLoaded)
        abstract.update(plain(shown, multiline=True))
        abstract.set_class(not paper.abstract, "-missing")
        note.display = bool(triage.note)
        note.update(plain(triage.note, multiline=True))
        sources.update(plain("Sources: " + describe_sources(entry)) if paper.sources else "")
        sources.display = bool(paper.sources)
        shared_lines = []
        for view in triage.shared:
            bits = [clean_line(view.by) or "someone"]
            if view.starred:
                bits.append("★")
            if view.status:
                bits.append(clean_line(view.status))
            if view.tags:
                bits.append("tags: " + ", ".join(clean_line(t) for t in view.tags))
            line = " ".join(bits)
            if view.note:
                line += f" — {clean_line(view.note)}"
            shared_lines.append(line)
        shared.update(plain("\n".join(shared_lines), multiline=True))
        shared.display = bool(shared_lines)

    def _state_text(self, entry: Entry) -> Text:
        triage = entry.triage
        text = Text(end="")
        text.append("★ starred" if triage.starred else "☆ not starred")
        text.append("   ")
        text.append(status_title(triage.status))
        if triage.tags:
            text.append("   tags: ")
            text.append(", ".join(clean_line(t) for t in triage.tags))
        return text

    def _go(self, position: int) -> None:
        self.position = max(0, min(position, len(self.paper_ids)))
        self._shown_at = time.monotonic()
        self._keys_since_shown = 0
        self.query_one("#triage-body").scroll_home(animate=False)
        self.show()

    def on_library_changed(self, message: LibraryChanged) -> None:
        ids = message.ids
        if ids is not None and any(self.papersift.library.canonical_id(i) != i for i in ids):
            ids = None  # a merge moved ids: look at everything again
        self._recount(ids)
        self.show()

    def on_texts_loaded(self, message: TextsLoaded) -> None:
        self.show()

    def on_key(self) -> None:
        self._keys_since_shown += 1

    def on_ranking_ready(self, message: RankingReady) -> None:
        ranking = message.ranking
        if self.ranked and ranking is not None:
            fresh = self._keys_since_shown == 0 and time.monotonic() - self._shown_at < SWAP_SECONDS
            start = self.position if fresh else self.position + 1
            self.paper_ids = self.paper_ids[:start] + best_first(
                self.paper_ids[start:], ranking.undecided
            )
            self._place_exploration(ranking, start)
        self.show()

    # ------------------------------------------------------------------ exploration

    def exploration_label(self) -> str | None:
        """The label of the paper shown when it is an exploration pick, else None."""
        placed = self._explore_at.get(self.position)
        if placed is None or placed[0] != self.current_id():
            return None
        reason = explore_kind(DEFAULT_EXPLORE_KIND).reason
        return f"Exploring: shown because {reason} (p {placed[1]:.2f})"

    def replan_exploration(self) -> None:
        """Place (or take away) the exploration picks ahead after the share changed."""
        ranking = self.papersift.rank.current
        if self.ranked and ranking is not None:
            start = self.position + (0 if self._keys_since_shown == 0 else 1)
            self.paper_ids = self.paper_ids[:start] + best_first(
                self.paper_ids[start:], ranking.undecided
            )
            self._place_exploration(ranking, start)
        self.show()

    def _place_exploration(self, ranking: Any, start: int) -> None:
        """Put the next exploration pick at or after `start` in its place: the papers
        from `start` on are in ranked order, and the turn after every `explore_every`
        ranked picks (counted from where triage started) is an exploration pick among
        the undecided papers ahead of it."""
        for position in [p for p in self._explore_at if p >= start]:
            del self._explore_at[position]
        every = explore_every(explore_share(self.papersift))
        if not every:
            return
        turn = -(-(start - self._first + 1) // every) * every
        at = self._first + turn - 1
        if at >= len(self.paper_ids):
            return
        import numpy as np

        row_of = ranking.space.row
        undecided = np.zeros(len(ranking.space.ids), dtype=bool)
        undecided[ranking.order] = True
        ahead = [row_of.get(pid, -1) for pid in self.paper_ids[at:]]
        rows = np.array([r for r in ahead if r >= 0 and undecided[r]], dtype=np.int64)
        if len(rows) == 0:
            return
        row = explore_pick(ranking.values, rows, DEFAULT_EXPLORE_KIND, turn=turn)
        pid = ranking.space.ids[row]
        rest = [p for p in self.paper_ids[at:] if p != pid]
        self.paper_ids = [*self.paper_ids[:at], pid, *rest]
        self._explore_at[at] = (pid, float(ranking.probs[row]))

    def action_screening(self) -> None:
        from papersift.tui.screens.screening import ScreeningScreen

        self.app.push_screen(ScreeningScreen())

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("decide", "star", "tags", "note"):
            # Past the end there is no paper to act on: greyed out in the footer.
            return None if self.current_entry() is None else True
        if action == "next_untriaged":
            return True
        return True

    def _perform(self, fn) -> None:
        self._history.append(self.position)
        self.papersift.perform(fn)

    def action_decide(self, status: str) -> None:
        pid = self.current_id()
        if pid is None or self.current_entry() is None:
            return
        library = self.papersift.library
        self._perform(lambda: actions.set_status(library, [pid], status))
        self._go(self.position + 1)

    def action_star(self) -> None:
        pid = self.current_id()
        if pid is None or self.current_entry() is None:
            return
        library = self.papersift.library
        self._perform(lambda: actions.set_starred(library, [pid]))

    def action_tags(self) -> None:
        if (entry := self.current_entry()) is not None:
            edit_tags(self.papersift, [entry], perform=self._perform)

    def action_note(self) -> None:
        from papersift.tui.screens.note_editor import SIDE_PANEL_MIN_WIDTH

        if (entry := self.current_entry()) is not None:
            # Beside the paper when there is room, else below it; the paper narrows
            # (or stays) so that its abstract is not covered while the note is written.
            panel = "side" if self.size.width >= SIDE_PANEL_MIN_WIDTH else "bottom"
            self.set_class(True, f"-noting-{panel}")
            edit_note(self.papersift, entry, perform=self._perform, panel=panel)

    def on_screen_resume(self) -> None:
        self.remove_class("-noting-side", "-noting-bottom")

    def action_move(self, step: int) -> None:
        self._go(self.position + step)

    def action_next_untriaged(self) -> None:
        """The next paper still in the inbox (wrapping around), if any."""
        n = len(self.paper_ids)
        for offset in range(1, n + 1):
            i = (self.position + offset) % n if n else 0
            if self._status(self.paper_ids[i]) == DEFAULT_STATUS:
                self._go(i)
                return
        self.show_report("Every paper of this list is triaged.")

    def show_report(self, text: str) -> None:
        """Show what a change did on the status line, replacing the last report; it
        clears after `report_seconds` (the app calls this instead of a toast)."""
        line = self.query_one("#triage-status", Static)
        line.update(plain(text))
        if self._report_timer is not None:
            self._report_timer.stop()
        self._report_timer = self.set_timer(self.report_seconds, lambda: line.update(""))

    #: Seconds a report stays on the status line (the next one replaces it sooner).
    report_seconds: ClassVar[float] = 4.0
    _report_timer: Any = None

    def action_undo(self) -> None:
        if self._history:
            self._go(self._history.pop())
        self.papersift.action_undo()

    def action_back(self) -> None:
        self.dismiss()
