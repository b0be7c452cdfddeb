"""The sidebar of views (Inbox, Starred, statuses, All, tags, source files, duplicates),
each with a live count, and the definitions of what each view contains.

A view is named by a key: "status:inbox", "starred", "status:to-read", "all",
"tag:<tag>", "source:<file name>", and "duplicates" (which opens the review screen
instead of filtering).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from papersift.importer import sources_of
from papersift.models import STATUSES, Paper, Triage
from papersift.store import Library
from papersift.tui.widgets import fit, line_of

DEFAULT_VIEW = "status:inbox"
DUPLICATES = "duplicates"

_STATUS_TITLES = {
    "inbox": "Inbox",
    "to-read": "To read",
    "reading": "Reading",
    "read": "Read",
    "discarded": "Discarded",
}


def view_title(key: str) -> str:
    """A view's name for people ("Inbox", "Tag: rlhf", "Source: mar-13.txt")."""
    if key.startswith("status:"):
        return _STATUS_TITLES.get(key[7:], key[7:])
    if key == "starred":
        return "Starred"
    if key == "all":
        return "All papers"
    if key.startswith("tag:"):
        return f"Tag: {line_of(key[4:])}"
    if key.startswith("source:"):
        return f"Source: {line_of(key[7:])}"
    if key == DUPLICATES:
        return "Possible duplicates"
    return line_of(key)


def view_members(key: str, papers: Mapping[str, Paper], triage: Mapping[str, Triage]) -> list[str]:
    """The ids a view holds, in library order.

    Works on the corpus dict and a snapshot of the triage dict (`dict(library.triage)`,
    taken at once so a concurrent write cannot change it underneath): only the few
    triaged papers are looked at for status/star/tag views, so a view of a 100k
    library costs one pass of set lookups.
    """
    if key.startswith("status:"):
        status = key[7:]
        if status == "inbox":
            elsewhere = {pid for pid, t in triage.items() if t.status != "inbox"}
            return [pid for pid in papers if pid not in elsewhere]
        members = {pid for pid, t in triage.items() if t.status == status}
    elif key == "starred":
        members = {pid for pid, t in triage.items() if t.starred}
    elif key.startswith("tag:"):
        tag = key[4:].casefold()
        members = {pid for pid, t in triage.items() if any(x.casefold() == tag for x in t.tags)}
    elif key.startswith("source:"):
        name = key[7:]
        return [pid for pid, p in papers.items() if any(s.file == name for s in p.sources)]
    else:
        return list(papers)
    if not members:
        return []
    return [pid for pid in papers if pid in members]


def view_filter(key: str) -> str | None:
    """A status or starred view as query text the search index evaluates (ANDed with
    the user's query, far cheaper than restricting a search to a list of ids); "" for
    "all", None for views matched by membership (tags, sources: their exact rules)."""
    if key == "all":
        return ""
    if key == "starred":
        return "is:starred"
    if key.startswith("status:") and key[7:] in STATUSES:
        return f"is:{key[7:]}"
    return None


def view_size(key: str, papers: Mapping[str, Paper], triage: Mapping[str, Triage]) -> int:
    """How many papers `view_members` would list, without listing them where cheap
    (status, starred and all views look only at the triaged papers)."""
    if key == "all":
        return len(papers)
    if key == "starred":
        return sum(1 for pid, t in triage.items() if t.starred and pid in papers)
    if key.startswith("status:"):
        status = key[7:]
        if status == "inbox":
            return len(papers) - sum(
                1 for pid, t in triage.items() if t.status != "inbox" and pid in papers
            )
        return sum(1 for pid, t in triage.items() if t.status == status and pid in papers)
    return len(view_members(key, papers, triage))


def count_tags(papers: Mapping[str, Paper], triage: Mapping[str, Triage]) -> dict[str, int]:
    """Every tag in use with its number of papers, most used first (as
    `Library.all_tags`, but over a snapshot another thread cannot change mid-count)."""
    tags: dict[str, int] = {}
    for pid, t in triage.items():
        if t.tags and pid in papers:
            for tag in t.tags:
                tags[tag] = tags.get(tag, 0) + 1
    return dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0].casefold())))


@dataclass(frozen=True, slots=True)
class ViewCounts:
    """How many papers each view holds (computed in a worker)."""

    counts: dict[str, int]
    tags: dict[str, int]
    sources: dict[str, int]
    duplicates: int

    @classmethod
    def compute(
        cls,
        library: Library,
        sources: dict[str, int] | None = None,
    ) -> ViewCounts:
        """Counts from the triaged papers only (the rest are untouched inbox papers).

        `sources` (file -> papers) can be passed when the corpus did not change since
        it was last computed: it is the one count that needs a pass over every paper.
        """
        papers = library.papers
        triage = dict(library.triage)  # one snapshot: writers may update it meanwhile
        counts = {f"status:{s}": 0 for s in STATUSES}
        starred = 0
        for pid, t in triage.items():
            if pid not in papers:
                continue
            if t.status != "inbox":
                key = f"status:{t.status}"
                counts[key] = counts.get(key, 0) + 1
            if t.starred:
                starred += 1
        total = len(papers)
        counts["status:inbox"] = total - sum(v for k, v in counts.items() if k != "status:inbox")
        counts["starred"] = starred
        counts["all"] = total
        tags = count_tags(papers, triage)
        if sources is None:
            sources = sources_of(library)
        for tag, n in tags.items():
            counts[f"tag:{tag}"] = n
        for name, n in sources.items():
            counts[f"source:{name}"] = n
        duplicates = len(library.open_possible())
        counts[DUPLICATES] = duplicates
        return cls(counts=counts, tags=tags, sources=sources, duplicates=duplicates)

    def view_keys(self) -> list[str]:
        """Every view in sidebar order."""
        return [
            "status:inbox",
            "starred",
            *(f"status:{s}" for s in STATUSES if s != "inbox"),
            "all",
            *(f"tag:{t}" for t in self.tags),
            *(f"source:{f}" for f in self.sources),
            DUPLICATES,
        ]


def _section(title: str) -> Option:
    return Option(Content(title), disabled=True)


class Sidebar(OptionList):
    """The list of views; `enter` or a click shows one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show view", id="show-view"),
        Binding("j", "cursor_down", "Down", show=False, id="views-down"),
        Binding("k", "cursor_up", "Up", show=False, id="views-up"),
        Binding("escape,right,l", "leave", "Back to list", id="leave-views", key_display="esc"),
    ]

    @dataclass
    class ViewSelected(Message):
        """The user chose a view."""

        sidebar: Sidebar
        key: str

    @dataclass
    class Left(Message):
        """The user left the sidebar (escape)."""

        sidebar: Sidebar

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.counts: ViewCounts | None = None
        self.current = DEFAULT_VIEW
        self._layout: list[str | None] = []

    def show_counts(self, counts: ViewCounts, current: str) -> None:
        """Rebuild the options (views come and go with tags and sources) keeping the
        highlight on the same view."""
        self.counts = counts
        self.current = current
        highlighted = self.highlighted_key or current
        layout: list[str | None] = []
        options: list[Option | None] = []

        # Room for a scrollbar when there are many tags or sources.
        width = max(12, self.size.width - 2)

        def add(key: str) -> None:
            label = view_title(key)
            if key.startswith(("tag:", "source:")):
                label = line_of(key.split(":", 1)[1])
            marker = "▸ " if key == current else "  "
            count = f"{counts.counts.get(key, 0):,}"
            prompt = fit(marker + label, width - len(count) - 1) + " " + count
            options.append(Option(Content(prompt), id=key))
            layout.append(key)

        for key in ("status:inbox", "starred"):
            add(key)
        options.append(_section("Status"))
        layout.append(None)
        for status in STATUSES[1:]:
            add(f"status:{status}")
        add("all")
        if counts.tags:
            options.append(_section("Tags"))
            layout.append(None)
            for tag in counts.tags:
                add(f"tag:{tag}")
        if counts.sources:
            options.append(_section("Sources"))
            layout.append(None)
            for name in counts.sources:
                add(f"source:{name}")
        options.append(_section("Review"))
        layout.append(None)
        add(DUPLICATES)
        scroll_y = self.scroll_y
        self._layout = layout
        self.set_options(options)
        if highlighted in layout:
            self.highlighted = layout.index(highlighted)
        elif current in layout:
            self.highlighted = layout.index(current)
        self.scroll_to(y=scroll_y, animate=False, immediate=True)

    def on_resize(self) -> None:
        if self.counts is not None:
            self.show_counts(self.counts, self.current)

    @property
    def highlighted_key(self) -> str | None:
        if self.highlighted is None or self.highlighted >= len(self._layout):
            return None
        return self._layout[self.highlighted]

    def highlight_view(self, key: str) -> None:
        if key in self._layout:
            self.highlighted = self._layout.index(key)

    def view_keys(self) -> list[str]:
        return [k for k in self._layout if k is not None]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.ViewSelected(self, event.option.id))

    def action_leave(self) -> None:
        self.post_message(self.Left(self))

    def count_of(self, key: str) -> int | None:
        return self.counts.counts.get(key) if self.counts else None


def is_known_view(key: str, counts: Mapping[str, int] | None = None) -> bool:
    """True for a view key the sidebar can show (tags/sources must exist when counts given)."""
    if key in ("starred", "all") or key in (f"status:{s}" for s in STATUSES):
        return True
    if key.startswith(("tag:", "source:")):
        return counts is None or key in counts
    return False
