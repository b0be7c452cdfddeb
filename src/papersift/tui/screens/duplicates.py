"""Review possible duplicates: two records side by side, differences highlighted.

Each pair from `library.open_possible()` is shown as a table (field, left, right); the
older paper (imported first) is on the left and is the one kept by default. Titles,
authors and abstracts are compared word by word (difflib), other fields as a whole;
what differs is highlighted on both sides.

Keys: m merge (keep the marked side), h/l (←/→) choose the side to keep, M merge
keeping the other side, a keep apart, j/k (n/p) next/previous pair, u undo (and go
back to that pair), escape back. A decision moves on to the next pair.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from papersift import actions
from papersift.models import Entry, Paper, PossibleDuplicate, Triage
from papersift.textsafe import clean_block, clean_line
from papersift.tui.bindings import key_of
from papersift.tui.messages import LibraryChanged, TextsLoaded
from papersift.tui.safe_text import plain
from papersift.tui.screens.triage import describe_sources, status_title

Parts = list[tuple[str, bool]]
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(a: str, b: str) -> tuple[Parts, Parts]:
    """`a` and `b` cut into runs of words, each flagged True where the two differ."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    # Whitespace compares as one space (re-wrapped text is not a difference) and case
    # is ignored (title case against sentence case is not either).
    ka = [" " if t.isspace() else t.casefold() for t in ta]
    kb = [" " if t.isspace() else t.casefold() for t in tb]
    left: Parts = []
    right: Parts = []
    matcher = SequenceMatcher(None, ka, kb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        changed = tag != "equal"
        if i2 > i1:
            _append(left, "".join(ta[i1:i2]), changed)
        if j2 > j1:
            _append(right, "".join(tb[j1:j2]), changed)
    return left, right


def _append(parts: Parts, text: str, changed: bool) -> None:
    if changed:
        # Only words are highlighted, not the spaces around them.
        core = text.strip()
        if not core:
            changed = False
        elif core != text:
            start = text.index(core)
            for piece, flag in (
                (text[:start], False),
                (core, True),
                (text[start + len(core) :], False),
            ):
                if piece:
                    _append(parts, piece, flag)
            return
    if parts and parts[-1][1] == changed:
        parts[-1] = (parts[-1][0] + text, changed)
    else:
        parts.append((text, changed))


def field_diff(a: str, b: str) -> tuple[Parts, Parts]:
    """Whole-value comparison for short fields (year, DOI, venue…)."""
    differ = a.strip().casefold() != b.strip().casefold()
    return [(a, differ and bool(a))], [(b, differ and bool(b))]


class DiffText(Widget):
    """Text with the runs that differ from the other side highlighted (themable)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"difftext--changed", "difftext--missing"}

    def __init__(self, parts: Parts | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._parts: Parts = parts or []
        self._multiline = False

    def set_parts(self, parts: Parts, *, multiline: bool = False) -> None:
        self._parts = parts
        self._multiline = multiline
        self.refresh(layout=True)

    @property
    def plain_text(self) -> str:
        return "".join(text for text, _ in self._parts)

    def render(self) -> RenderResult:
        text = Text(end="")
        if not any(t.strip() for t, _ in self._parts):
            text.append("—", self.get_component_rich_style("difftext--missing", partial=True))
            return text
        changed = self.get_component_rich_style("difftext--changed", partial=True)
        cleaned = clean_block if self._multiline else clean_line
        for part, differs in self._parts:
            text.append(cleaned(part), changed if differs else "")
        return text


def _authors(paper: Paper) -> str:
    return "; ".join(paper.authors)


def _triage_line(triage: Triage) -> str:
    bits = [status_title(triage.status)]
    if triage.starred:
        bits.insert(0, "★")
    if triage.tags:
        bits.append("tags: " + ", ".join(triage.tags))
    if triage.note:
        bits.append("note: " + triage.note)
    return " · ".join(bits)


#: (label, how to get the value, diff function, multi-line)
_ROWS = (
    ("title", lambda e: e.paper.title, word_diff, False),
    ("authors", lambda e: _authors(e.paper), word_diff, False),
    ("year", lambda e: "" if e.paper.year is None else str(e.paper.year), field_diff, False),
    ("venue", lambda e: e.paper.venue, field_diff, False),
    ("DOI", lambda e: e.paper.doi, field_diff, False),
    ("arXiv", lambda e: e.paper.arxiv, field_diff, False),
    ("URL", lambda e: e.paper.url, field_diff, False),
    ("sources", describe_sources, lambda a, b: ([(a, False)], [(b, False)]), False),
    ("yours", lambda e: _triage_line(e.triage), field_diff, False),
    ("abstract", lambda e: e.paper.abstract, word_diff, True),
)


class DuplicatesScreen(Screen[None]):
    """Go through the library's possible duplicates and merge or keep them apart."""

    AUTO_FOCUS = "#dup-body"

    #: Undo here is the app's undo: `undo = "z"` in `[keys]` moves this one too.
    KEYMAP_FOLLOWS: ClassVar[dict[str, str]] = {"duplicates.undo": "undo"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "merge", "Merge", id="duplicates.merge"),
        Binding("a", "apart", "Keep apart", id="duplicates.apart"),
        # Named in the hint line with their current keys (room in the footer).
        Binding("M", "merge_other", "Merge, keep other", id="duplicates.merge-other", show=False),
        Binding("h,left", "keep('left')", "Keep left", id="duplicates.keep-left", show=False),
        Binding("l,right", "keep('right')", "Keep right", id="duplicates.keep-right", show=False),
        Binding("j,n", "move(1)", "Next", id="duplicates.next"),
        Binding("k,p", "move(-1)", "Prev", id="duplicates.previous"),
        Binding("u", "undo", "Undo", id="duplicates.undo"),
        Binding("escape,q", "back", "Back", id="duplicates.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[PossibleDuplicate] = []
        self.position = 0
        #: Which side each pair keeps when merged ("left" = the older paper).
        self.keep_side: dict[int, str] = {}
        self._entries: dict[str, Entry] = {}
        self._history: list[int] = []

    @property
    def papersift(self) -> Any:
        return self.app

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(id="dup-top")
        with VerticalScroll(id="dup-body", can_focus=True):
            with Horizontal(id="dup-heads", classes="dup-row"):
                yield Static("", classes="dup-label")
                yield Static(id="dup-head-left", classes="dup-head")
                yield Static(id="dup-head-right", classes="dup-head")
            for label, *_ in _ROWS:
                key = label.lower()
                with Horizontal(id=f"dup-row-{key}", classes="dup-row"):
                    yield Static(label, classes="dup-label")
                    yield DiffText(id=f"dup-{key}-left", classes="dup-cell")
                    yield DiffText(id=f"dup-{key}-right", classes="dup-cell")
        with Vertical(id="dup-empty"):
            yield Static(id="dup-empty-title")
            yield Static(id="dup-empty-text")
        yield Static(id="dup-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.pairs = [
            self._ordered(pd) for pd in self.papersift.library.open_possible() if pd.a != pd.b
        ]
        self.show()
        self.query_one("#dup-hint", Static).update(plain(self.hint()))

    def hint(self) -> str:
        """How to choose what a merge keeps, with the keys as bound now."""
        left, right = key_of(self, "keep('left')"), key_of(self, "keep('right')")
        return (
            f"{left}/{right} mark the side to keep · {key_of(self, 'merge')} merge · "
            f"{key_of(self, 'merge_other')} merge keeping the other side"
        )

    def _ordered(self, pd: PossibleDuplicate) -> PossibleDuplicate:
        """The pair with the older paper (imported first) as `a`, on the left."""
        papers = self.papersift.library.papers
        a, b = papers[pd.a], papers[pd.b]
        if (b.added, b.id) < (a.added, a.id):
            return PossibleDuplicate(a=pd.b, b=pd.a, score=pd.score, reason=pd.reason)
        return pd

    # ------------------------------------------------------------------ state

    def current(self) -> PossibleDuplicate | None:
        if 0 <= self.position < len(self.pairs):
            return self.pairs[self.position]
        return None

    def _entry(self, pid: str) -> Entry | None:
        """The paper as it is now, or as it was when last seen (merged away since)."""
        library = self.papersift.library
        if pid in library.papers:
            self._entries[pid] = library.entry(pid)
        return self._entries.get(pid)

    def decision(self, pd: PossibleDuplicate) -> str | None:
        return self.papersift.library.decision(pd.a, pd.b)

    def _is_open(self, pd: PossibleDuplicate) -> bool:
        papers = self.papersift.library.papers
        return self.decision(pd) is None and pd.a in papers and pd.b in papers

    def side(self) -> str:
        return self.keep_side.get(self.position, "left")

    def counts(self) -> tuple[int, int, int]:
        """(merged, kept apart, open) over the pairs of this review."""
        merged = apart = open_ = 0
        for pd in self.pairs:
            verdict = self.decision(pd)
            if verdict == "merge":
                merged += 1
            elif verdict == "apart":
                apart += 1
            elif self._is_open(pd):
                open_ += 1
        return merged, apart, open_

    # ------------------------------------------------------------------ rendering

    def show(self) -> None:
        pd = self.current()
        empty = pd is None
        self.set_class(empty, "-empty")
        top = self.query_one("#dup-top", Static)
        if not self.pairs:
            top.update(plain("Possible duplicates"))
            self.query_one("#dup-empty-title", Static).update(plain("No possible duplicates"))
            self.query_one("#dup-empty-text", Static).update(
                plain(
                    "Nothing to review: every pair the importer found has been decided, "
                    "or it found none. Press escape to go back.",
                )
            )
        elif pd is None:
            merged, apart, open_ = self.counts()
            top.update(plain(f"{len(self.pairs)} pairs reviewed"))
            title = "All pairs reviewed" if not open_ else "End of the pairs"
            self.query_one("#dup-empty-title", Static).update(plain(title))
            left = f"; {open_} still open (k to go back)" if open_ else ""
            self.query_one("#dup-empty-text", Static).update(
                plain(f"{merged} merged, {apart} kept apart{left}. Press escape to go back.")
            )
        else:
            self._show_pair(pd)
        self.refresh_bindings()

    def _show_pair(self, pd: PossibleDuplicate) -> None:
        top = Text(end="")
        top.append(f"pair {self.position + 1} / {len(self.pairs)}")
        top.append(f"   score {pd.score:.0f}" if pd.score > 1 else f"   score {pd.score:.2f}")
        if pd.reason:
            # Why dedupe could not decide: the evidence for and against, in its words.
            top.append("   why here: " + clean_line(pd.reason))
        verdict = self.decision(pd)
        if verdict == "merge":
            top.append("   ✓ merged")
        elif verdict == "apart":
            top.append("   ✓ kept apart")
        elif not self._is_open(pd):
            top.append("   (one of them was merged with another paper)")
        self.query_one("#dup-top", Static).update(top)
        self.query_one("#dup-top").set_class(verdict is not None, "-decided")

        left, right = self._entry(pd.a), self._entry(pd.b)
        side = self.side()
        for name, entry in (("left", left), ("right", right)):
            head = self.query_one(f"#dup-head-{name}", Static)
            keep = side == name
            label = ("◆ KEEP " if keep else "  ") + ("older" if name == "left" else "newer")
            head.update(plain(label + f"  ({(entry.id if entry else '?')})"))
            head.set_class(keep, "-keep")
        for label, getter, differ, multiline in _ROWS:
            a_text = getter(left) if left else ""
            b_text = getter(right) if right else ""
            a_parts, b_parts = differ(a_text, b_text)
            # A field neither record has is noise: hide the row.
            self.query_one(f"#dup-row-{label.lower()}").display = bool(
                a_text.strip() or b_text.strip()
            )
            self.query_one(f"#dup-{label.lower()}-left", DiffText).set_parts(
                a_parts, multiline=multiline
            )
            self.query_one(f"#dup-{label.lower()}-right", DiffText).set_parts(
                b_parts, multiline=multiline
            )

    def _go(self, position: int) -> None:
        self.position = max(0, min(position, len(self.pairs)))
        self.query_one("#dup-body").scroll_home(animate=False)
        self.show()

    def _next_open(self) -> None:
        """Move to the next pair still open after this one (or past the end)."""
        for i in range(self.position + 1, len(self.pairs)):
            if self._is_open(self.pairs[i]):
                self._go(i)
                return
        self._go(len(self.pairs))

    def on_library_changed(self, message: LibraryChanged) -> None:
        self.show()

    def on_texts_loaded(self, message: TextsLoaded) -> None:
        self.show()  # the abstracts to compare are there now

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("merge", "merge_other", "keep", "apart"):
            pd = self.current()
            return None if pd is None or not self._is_open(pd) else True
        return True

    def _decide(self, fn) -> None:
        pd = self.current()
        if pd is None:
            return
        if not self._is_open(pd):
            self.notify("This pair is already decided (u undoes).", markup=False)
            return
        self._history.append(self.position)
        self.papersift.perform(fn)
        self._next_open()

    def _merge(self, side: str) -> None:
        pd = self.current()
        if pd is None:
            return
        keep, other = (pd.a, pd.b) if side == "left" else (pd.b, pd.a)
        library = self.papersift.library
        self._decide(lambda: actions.merge_papers(library, keep, other))

    def action_merge(self) -> None:
        self._merge(self.side())

    def action_merge_other(self) -> None:
        self._merge("right" if self.side() == "left" else "left")

    def action_keep(self, side: str) -> None:
        if self.current() is not None:
            self.keep_side[self.position] = side
            self.show()

    def action_apart(self) -> None:
        pd = self.current()
        if pd is None:
            return
        library = self.papersift.library
        self._decide(lambda: actions.keep_apart(library, pd.a, pd.b))

    def action_move(self, step: int) -> None:
        self._go(self.position + step)

    def action_undo(self) -> None:
        if self._history:
            self._go(self._history.pop())
        self.papersift.action_undo()

    def action_back(self) -> None:
        self.dismiss()
