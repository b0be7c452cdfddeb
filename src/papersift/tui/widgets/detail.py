"""The detail pane: everything known about the paper under the cursor.

The pane is one `Text` in one `Static` (one layout pass per cursor move, however many
parts a paper has), styled through `COMPONENT_CLASSES` so `styles/app.tcss` decides the
look. All text is data: it is cleaned (`textsafe.clean_line`/`clean_block`) and
appended to the `Text` as plain strings, never parsed as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from papersift.links import written_links
from papersift.models import Entry, SharedView
from papersift.textsafe import clean_block, clean_line
from papersift.tui.bindings import key_labels, own_bindings
from papersift.tui.widgets import component_style, line_of

if TYPE_CHECKING:
    from papersift.ranking.ranker import Explanation


def _weight(weight: float) -> str:
    # Two significant digits: weights learnt from a handful of decisions are small.
    return f"{weight:+.2g}".replace("-", "−")


def why_lines(why: Explanation, similar_title: str | None) -> list[str]:
    """The "Why here" section: where the model puts the paper and what pushed it."""
    where = [f"#{why.position:,} of the inbox"] if why.position else []
    where += [f"percentile {why.percentile}", f"{why.probability:.0%} likely relevant"]
    lines = [" · ".join(where)]
    if why.up:
        lines.append("↑ " + "  ".join(f"{line_of(t.term)} {_weight(t.weight)}" for t in why.up))
    if why.down:
        lines.append("↓ " + "  ".join(f"{line_of(t.term)} {_weight(t.weight)}" for t in why.down))
    if similar_title is not None:
        lines.append(f"most like: {line_of(similar_title)} ({why.similarity:.2f})")
    lines.append(f"{why.model}, from {why.relevant} relevant / {why.irrelevant} irrelevant")
    return lines


def _shared_lines(view: SharedView) -> tuple[str, str]:
    """(summary, note) of someone else's view of the paper."""
    who = line_of(view.by) or "someone"
    bits = []
    if view.starred:
        bits.append(f"★ starred by {who}")
    if view.status:
        bits.append(f"{who}: {line_of(view.status)}")
    if view.tags:
        bits.append("tags " + ", ".join(line_of(t) for t in view.tags))
    if not bits:
        bits.append(f"seen by {who}")
    note = f"“{clean_block(view.note).strip()}” — {who}" if view.note.strip() else ""
    return " · ".join(bits), note


def _links_key(screen: object, app: object) -> str:
    """The key of the screen's links binding as bound now ("" if it has none)."""
    for binding in own_bindings(screen):  # type: ignore[arg-type]
        if binding.action == "links":
            return key_labels(app, binding)[0]
    return ""


class PaperDetail(VerticalScroll, can_focus=True):
    """Title, authors, venue/year, DOI/arXiv, abstract, tags, note, others' views, sources."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-detail--title",
        "paper-detail--meta",
        "paper-detail--state",
        "paper-detail--star",
        "paper-detail--label",
        "paper-detail--abstract",
        "paper-detail--note",
        "paper-detail--shared",
        "paper-detail--sources",
        "paper-detail--placeholder",
        "paper-detail--why",
        "paper-detail--links",
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.paper_id: str | None = None
        #: The text shown (for tests and screen readers of the pane).
        self.text = Text()
        self._entry: Entry | None = None
        self._placeholder = ""
        self._texts_loading = False
        self._abstract = ""
        self._theme: str | None = None
        self._why: Explanation | None = None
        self._similar_title: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def _style(self, part: str) -> Style:
        return component_style(self, f"paper-detail--{part}", background=part == "note")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted and self._theme is not None and self._theme != self.app.theme:
            self._update(self._build(self._entry, self._placeholder))  # a new theme

    def show(
        self,
        entry: Entry | None,
        *,
        placeholder: str = "No paper selected.",
        texts_loading: bool = False,
        why: Explanation | None = None,
        similar_title: str | None = None,
    ) -> None:
        """Show a paper (None: the placeholder); a no-op when it is already shown.

        `texts_loading`: the library's abstracts are still being read, so an empty one
        says so instead of leaving the section out. `why`: the ranking's explanation
        of the paper (`similar_title`: the title of its most similar relevant paper)."""
        if self._shows(entry, placeholder, texts_loading) and why == self._why:
            # Every filter result re-shows the paper under the cursor, usually the same
            # one: rebuilding the text would re-wrap and re-lay out the pane for nothing.
            return
        new_paper = (entry.id if entry is not None else None) != self.paper_id
        self.paper_id = entry.id if entry is not None else None
        self._entry = entry
        self._placeholder = placeholder
        self._texts_loading = texts_loading
        self._abstract = entry.paper.abstract if entry is not None else ""
        self._why, self._similar_title = why, similar_title
        self._update(self._build(entry, placeholder))
        if new_paper:
            self.scroll_home(animate=False)

    def _shows(self, entry: Entry | None, placeholder: str, texts_loading: bool) -> bool:
        current = self._entry
        if self._theme is None:
            return False  # nothing shown yet
        if entry is None or current is None:
            return entry is None and current is None and placeholder == self._placeholder
        # Papers are replaced, never changed in place, except that their texts are
        # filled in once read (`Library.ensure_texts`); triage rows compare by value.
        return (
            entry.paper is current.paper
            and entry.triage == current.triage
            and texts_loading == self._texts_loading
            and entry.paper.abstract is self._abstract
        )

    def _links_label(self) -> str:
        key = _links_key(self.screen, self.app) if self.is_attached else ""
        return f"Links ({key}: open or copy)" if key else "Links"

    def _update(self, text: Text) -> None:
        self.text = text
        self._theme = self.app.theme
        self.query_one("#detail-body", Static).update(text)

    def _build(self, entry: Entry | None, placeholder: str) -> Text:
        text = Text(end="")
        if entry is None:
            text.append(placeholder, self._style("placeholder"))
            return text
        paper, triage = entry.paper, entry.triage

        def section(label: str, body: str, part: str) -> None:
            if body:
                text.append("\n\n")
                text.append(label, self._style("label"))
                text.append("\n")
                text.append(body, self._style(part))

        text.append(clean_line(paper.title), self._style("title"))

        meta = []
        if paper.authors:
            authors = [line_of(a) for a in paper.authors]
            if len(authors) > 12:
                authors = [*authors[:10], f"… and {len(authors) - 10} more"]
            meta.append(", ".join(authors))
        where = " · ".join(
            x for x in (line_of(paper.venue), str(paper.year) if paper.year else "") if x
        )
        if where:
            meta.append(where)
        ids = []
        if paper.doi:
            ids.append(f"doi:{line_of(paper.doi)}")
        if paper.arxiv:
            ids.append(f"arXiv:{line_of(paper.arxiv)}")
        if paper.url and not ids:
            ids.append(line_of(paper.url))
        if ids:
            meta.append("  ".join(ids))
        if meta:
            text.append("\n")
            text.append("\n".join(meta), self._style("meta"))

        text.append("\n")
        if triage.starred:
            text.append("★ starred", self._style("star"))
        else:
            text.append("☆ not starred", self._style("state"))
        state = [triage.status]
        if triage.tags:
            state.append("tags: " + ", ".join(line_of(t) for t in triage.tags))
        text.append("  ·  " + "  ·  ".join(state), self._style("state"))

        if self._texts_loading and not paper.abstract:
            section("Abstract", "loading abstract…", "placeholder")
        else:
            section("Abstract", clean_block(paper.abstract).strip(), "abstract")
        if self._why is not None:
            section("Why here", "\n".join(why_lines(self._why, self._similar_title)), "why")
        section("Your note", clean_block(triage.note).strip(), "note")
        if links := written_links(entry):
            # safe_url: every link is printable ASCII, nothing to clean.
            lines = [
                link.url + ("  (in your note)" if link.kind == "note" else "") for link in links
            ]
            section(self._links_label(), "\n".join(lines), "links")
        if triage.shared:
            lines = []
            for view in triage.shared:
                summary, note = _shared_lines(view)
                lines.append(summary + (f"\n  {note}" if note else ""))
            section("Others", "\n".join(lines), "shared")
        sources = [f"{line_of(s.file)}#{s.index}" for s in paper.sources]
        section("Sources", "\n".join([*sources, f"id {paper.id}"]), "sources")
        return text
