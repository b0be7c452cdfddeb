"""The paper list: a line-API `ScrollView` that stays smooth at 100k papers.

Like Toolong's `LogLines` (STYLE.md §1.3), it never mounts a widget per row: it holds
the ids of the current view in display order, renders only the visible rows in
`render_line`, and keeps recently rendered rows as `Strip`s in an LRU cache. Swapping
the rows (a new filter or sort) is swapping a list. Colours come from
`COMPONENT_CLASSES`, so themes and `styles/app.tcss` decide how it looks.

Line 0 is the column header (it does not scroll); row `i` of the list is virtual line
`i + 1`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from papersift.models import STATUS_LABELS, STATUSES, Entry
from papersift.tui.widgets import component_style, fit, fit_right, line_of
from papersift.views import DEFAULT_SORT, SORTS, sort_mode

#: Component classes that carry a background (see `PaperList._style`).
_BLENDED = frozenset({"header", "cursor", "cursor-blurred", "selected"})


#: The last column: how many imported files listed the paper (header "files").
SOURCES_WIDTH = 5


@dataclass(frozen=True, slots=True)
class Columns:
    """Column widths for one list width (0 = column hidden)."""

    status: int
    title: int
    tags: int
    year: int = 4
    sources: int = SOURCES_WIDTH
    score: int = 0

    @classmethod
    def for_width(
        cls, width: int, tags_wanted: int = 28, scored: bool = False, years: bool = True
    ) -> Columns:
        """Columns for a list `width` cells wide; `tags_wanted` is the widest tag list
        in the view (0: no paper has tags, so the column is left out); `scored`: the
        ranking's score column is shown (a bar and the percentile, "▆  87"); `years`:
        some paper of the view has a year (else the column's room goes to the title)."""
        # mark+star (2), then " score status title tags year files", one space apart.
        status = 9 if width >= 60 else 0
        score = SCORE_WIDTH if scored and width >= 50 else 0
        year = 4 if years else 0
        fixed = 2 + (score + 1 if score else 0) + (status + 1 if status else 0) + 1
        fixed += (year + 1 if year else 0) + SOURCES_WIDTH
        rest = max(0, width - fixed - 1)
        tags = 0
        if tags_wanted and rest >= 40:
            tags = min(max(tags_wanted, 6), 28, rest * 3 // 10)
        title = rest - (tags + 1 if tags else 0)
        return cls(status=status, title=max(0, title), tags=tags, year=year, score=score)


#: Cells of the score column: a bar, a space, the percentile.
SCORE_WIDTH = 5
_BARS = "▁▂▃▄▅▆▇█"


def score_cell(percentile: int | None) -> str:
    """The score column's text for a percentile (0–100; None: not ranked, blank)."""
    if percentile is None:
        return " " * SCORE_WIDTH
    bar = _BARS[min(len(_BARS) - 1, max(0, percentile) * len(_BARS) // 101)]
    return f"{bar} {percentile:>3}"


class PaperList(ScrollView, can_focus=True):
    """The papers of the current view; a cursor row and a set of selected (marked) rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="cursor-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="cursor-down"),
        Binding("g,home", "cursor_top", "Top", show=False, id="cursor-top"),
        Binding("G,end", "cursor_bottom", "Bottom", show=False, id="cursor-bottom"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="page-up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="page-down"),
        Binding(
            "space",
            "toggle_mark",
            "Select",
            show=False,
            id="toggle-select",
            tooltip="Select or unselect, then move down",
        ),
        Binding(
            "a,ctrl+a",
            "select_all",
            "Select all",
            show=False,
            id="select-all",
            tooltip="Select every paper shown",
        ),
        # Shown in the footer only while something is selected (`check_action`). Not `A`
        # any more: that is the main screen's "search all papers" too.
        Binding(
            "escape",
            "clear_selection",
            "Unselect",
            id="clear-selection",
            tooltip="Clear the selection (every selected paper, shown or not)",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paper-list--header",
        "paper-list--header-sorted",
        "paper-list--cursor",
        "paper-list--cursor-blurred",
        "paper-list--selected",
        "paper-list--mark",
        "paper-list--star",
        "paper-list--title",
        "paper-list--title-discarded",
        "paper-list--tags",
        "paper-list--year",
        "paper-list--sources",
        "paper-list--score",
        "paper-list--empty",
        *(f"paper-list--{status}" for status in STATUSES),
    }

    cursor: reactive[int] = reactive(0, init=False, always_update=True)

    @dataclass
    class CursorMoved(Message):
        """The cursor is on another paper (None: the list is empty)."""

        paper_list: PaperList
        paper_id: str | None

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PaperList.CursorMoved)

    @dataclass
    class SelectionChanged(Message):
        """The set of selected papers changed."""

        paper_list: PaperList
        count: int

    @dataclass
    class SortClicked(Message):
        """The user clicked a column header: sort by it."""

        paper_list: PaperList
        sort: str

    @dataclass
    class Activated(Message):
        """A row was double-clicked."""

        paper_list: PaperList
        paper_id: str

    def __init__(
        self,
        entry_of: Callable[[str], Entry],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._entry_of = entry_of
        self._ids: list[str] = []
        #: Selected ids in the order they were selected (a dict: ordered, O(1) lookups).
        #: Kept across filters and views, so papers can be collected over several.
        self._selected: dict[str, None] = {}
        #: How many of the selected are among `_ids` (None: to be counted again).
        self._shown_selected: int | None = 0
        self._was_empty = True
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] | None = None
        self._base_style: Style | None = None
        self._last_cursor_id: str | None = None
        #: A key of `papersift.views.SORTS`.
        self.sort = DEFAULT_SORT
        self.sort_reverse = False
        self.has_query = False
        self.empty_message = "No papers here."
        #: Cells the widest tag list of the view needs (0 hides the tags column).
        self.tags_width = 0
        #: Some paper of the view has a year (False hides the year column).
        self.years_shown = True
        #: The ranking's percentile per paper (None: no ranking; the column is hidden).
        self.percentiles: Mapping[str, int] | None = None

    # ------------------------------------------------------------------ data

    @property
    def ids(self) -> list[str]:
        """Paper ids in display order (a copy)."""
        return list(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def cursor_id(self) -> str | None:
        """The paper under the cursor."""
        if 0 <= self.cursor < len(self._ids):
            return self._ids[self.cursor]
        return None

    @property
    def selected(self) -> list[str]:
        """Every selected id: those shown in display order, then those the filter or
        view hides, in the order they were selected."""
        if not self._selected:
            return []
        shown = [pid for pid in self._ids if pid in self._selected]
        if len(shown) == len(self._selected):
            return shown
        listed = set(shown)
        return shown + [pid for pid in self._selected if pid not in listed]

    @property
    def selected_count(self) -> int:
        """Papers selected, shown or not."""
        return len(self._selected)

    @property
    def shown_selected_count(self) -> int:
        """Selected papers that are in the list as it is now."""
        if self._shown_selected is None:
            selected = self._selected
            self._shown_selected = sum(1 for pid in self._ids if pid in selected)
        return self._shown_selected

    @property
    def hidden_selected_count(self) -> int:
        """Selected papers the current filter or view does not show."""
        return self.selected_count - self.shown_selected_count

    def prune_selection(self, current_id: Callable[[str], str | None]) -> None:
        """Follow the library: `current_id` gives a selected paper's id now (a merge
        moved it) or None (it is gone); gone papers are unselected."""
        if not self._selected:
            return
        kept = {new: None for pid in self._selected if (new := current_id(pid)) is not None}
        if list(kept) != list(self._selected):
            self._set_selection(kept)

    def targets(self) -> list[str]:
        """What an action applies to: the selection if any, else the paper under the cursor."""
        if self._selected:
            return self.selected
        pid = self.cursor_id
        return [pid] if pid is not None else []

    def index_of(self, paper_id: str, hint: int | None = None) -> int | None:
        """Where a paper is in the list (`hint`: where it probably is)."""
        ids = self._ids
        if hint is not None and 0 <= hint < len(ids) and ids[hint] == paper_id:
            return hint
        try:
            return ids.index(paper_id)  # a C-speed scan: no 100k-entry dict to build
        except ValueError:
            return None

    def set_rows(
        self,
        ids: Sequence[str],
        *,
        keep: str | None = None,
        fallback_index: int | None = None,
        tags_width: int | None = None,
        years: bool | None = None,
    ) -> None:
        """Show these ids. The cursor stays on `keep` if it is still listed, else at
        `fallback_index` (clamped), else at the top. The selection is kept whole, shown
        or not (`hidden_selected_count`). `years`: whether any of them has a year (the
        year column is shown only then)."""
        self._ids = list(ids)
        if tags_width is not None:
            self.tags_width = tags_width
        if years is not None:
            self.years_shown = years
        self._cache.clear()
        self._shown_selected = None if self._selected else 0
        index = self.index_of(keep, fallback_index) if keep is not None else None
        if index is None:
            index = fallback_index if fallback_index is not None else 0
        self._update_virtual_size()
        self.cursor = self._clamp(index)
        self.refresh()

    def invalidate(self, ids: Iterable[str] | None = None) -> None:
        """Papers changed: forget their rendered rows (None: all) and repaint."""
        self._cache.clear()
        self.refresh()

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self._ids) - 1)) if self._ids else 0

    def _update_virtual_size(self) -> None:
        size = Size(0, len(self._ids) + 1)
        if size == self.virtual_size:
            return
        # `virtual_size` is a layout reactive: assigning it reflows and repaints the whole
        # screen (sidebar, detail pane, footer), which was most of a filter keystroke's
        # cost at 100k papers. Only the list's scroll range changed, so set it quietly and
        # update the scrollbar here; if the scrollbar appears or disappears,
        # `show_vertical_scrollbar` (a layout reactive itself) still asks for a layout.
        self.set_reactive(PaperList.virtual_size, size)
        if self.is_mounted and self.container_size:
            self._scroll_update(size)
        self.refresh()

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_to_cursor()
        self.refresh()
        pid = self.cursor_id
        if pid != self._last_cursor_id:
            self._last_cursor_id = pid
            self.post_message(self.CursorMoved(self, pid))

    def validate_cursor(self, value: int) -> int:
        return self._clamp(value)

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height - 1  # minus the header row
        if height <= 0:
            return
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move_cursor_to(self, paper_id: str, *, center: bool = False) -> bool:
        index = self.index_of(paper_id)
        if index is None:
            return False
        self.cursor = index
        if center:
            height = self.scrollable_content_region.height - 1
            self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)
        return True

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_top(self) -> None:
        self.cursor = 0

    def action_cursor_bottom(self) -> None:
        self.cursor = len(self._ids) - 1

    def action_page_up(self) -> None:
        self.cursor -= self._page

    def action_page_down(self) -> None:
        self.cursor += self._page

    # ------------------------------------------------------------------ selection

    def action_toggle_mark(self) -> None:
        """Select or unselect the paper under the cursor, then move down."""
        pid = self.cursor_id
        if pid is None:
            return
        if self._selected.pop(pid, False) is False:
            self._selected[pid] = None
        self._shown_selected = None
        self._cache.clear()
        self._selection_changed()
        if self.cursor < len(self._ids) - 1:
            self.cursor += 1
        else:
            self.refresh()

    def action_select_all(self) -> None:
        """Add every paper shown to the selection (papers selected elsewhere stay)."""
        self._set_selection({**self._selected, **dict.fromkeys(self._ids)})

    def action_clear_selection(self) -> None:
        if self._selected:
            self._set_selection({})

    def _set_selection(self, selected: dict[str, None]) -> None:
        self._selected = selected
        self._shown_selected = None if selected else 0
        self._cache.clear()
        self.refresh()
        self._selection_changed()

    def _selection_changed(self) -> None:
        count = len(self._selected)
        if (count == 0) != self._was_empty:
            self._was_empty = count == 0
            self.refresh_bindings()  # the footer's "esc Unselect" comes or goes
        self.post_message(self.SelectionChanged(self, count))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape only clears a selection; with none it is free for others.
        return not (action == "clear_selection" and not self._selected)

    # ------------------------------------------------------------------ mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x)
            sort = next((m.key for m in SORTS.values() if column and m.column == column), None)
            if sort:
                self.post_message(self.SortClicked(self, sort))
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self._ids):
            self.cursor = index
            if event.ctrl:
                self.action_toggle_mark()
            elif event.chain >= 2:
                self.post_message(self.Activated(self, self._ids[index]))

    def _columns(self, width: int) -> Columns:
        return Columns.for_width(
            width, self.tags_width, self.percentiles is not None, self.years_shown
        )

    def _column_at(self, x: int) -> str | None:
        cols = self._columns(self.scrollable_content_region.width)
        spans = []
        pos = 2
        if cols.score:
            spans.append(("score", pos, pos + cols.score + 1))
            pos += cols.score + 1
        if cols.status:
            spans.append(("status", pos, pos + cols.status + 1))
            pos += cols.status + 1
        spans.append(("title", pos, pos + cols.title + 1))
        pos += cols.title + 1
        if cols.tags:
            spans.append(("tags", pos, pos + cols.tags + 1))
            pos += cols.tags + 1
        if cols.year:
            spans.append(("year", pos, pos + cols.year + 1))
        for name, start, end in spans:
            if start <= x < end:
                return name
        return None

    # ------------------------------------------------------------------ rendering

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._base_style = None
        self._cache.clear()

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._update_virtual_size()
        self._scroll_to_cursor()

    def on_focus(self) -> None:
        self._cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._cache.clear()
        self.refresh()

    def _style(self, name: str) -> Style:
        if self._styles is None:
            # Rows with a background of their own take the full style; the rest only
            # colour text (see `component_style`).
            self._styles = {
                cls.removeprefix("paper-list--"): component_style(
                    self, cls, background=cls.removeprefix("paper-list--") in _BLENDED
                )
                for cls in self.COMPONENT_CLASSES
            }
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._base_style
        if base is None:
            # `rich_style` walks the ancestors' styles and is re-derived after every
            # refresh; it only changes with the styles (see `notify_style_update`).
            base = self._base_style = self.rich_style
        if y == 0:
            return self._render_header(width, base)
        index = round(self.scroll_y) + y - 1
        if index >= len(self._ids):
            if not self._ids and y == 1:
                text = fit(" " + self.empty_message, width)
                return Strip([Segment(text, base + self._style("empty"))], width)
            return Strip.blank(width, base)
        pid = self._ids[index]
        is_cursor = index == self.cursor
        key = (pid, width, is_cursor, pid in self._selected, self.has_focus)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(pid, width, base, is_cursor, pid in self._selected)
            self._cache[key] = strip
        return strip

    def _render_header(self, width: int, base: Style) -> Strip:
        cols = self._columns(width)
        header = base + self._style("header")
        sorted_style = header + self._style("header-sorted")
        mode = sort_mode(self.sort)
        arrow = "▼" if mode.descending else "▲"
        if self.sort_reverse:
            arrow = "▲" if arrow == "▼" else "▼"
        sorted_column = mode.column

        def label(name: str, text: str, size: int, right: bool = False) -> Segment:
            if name == sorted_column:
                text = f"{text} {arrow}" if not right else f"{arrow}{text}"
            cell = fit_right(text, size) if right else fit(text, size)
            return Segment(cell, sorted_style if name == sorted_column else header)

        segments = [Segment(fit(" ★", 2), header)]
        if cols.score:
            segments += [Segment(" ", header), label("score", "rank", cols.score, right=True)]
        if cols.status:
            segments += [Segment(" ", header), label("status", "status", cols.status)]
        segments += [Segment(" ", header), label("title", "title", cols.title)]
        if cols.tags:
            segments += [Segment(" ", header), label("tags", "tags", cols.tags)]
        if cols.year:
            segments += [Segment(" ", header), label("year", "year", cols.year, right=True)]
        # Not "src": the column counts the imported files that list the paper.
        segments += [Segment(" ", header), Segment(fit_right("files", cols.sources), header)]
        return Strip(segments).adjust_cell_length(width, header)

    def _render_row(
        self, pid: str, width: int, base: Style, is_cursor: bool, is_selected: bool
    ) -> Strip:
        entry = self._entry_of(pid)
        paper, triage = entry.paper, entry.triage
        cols = self._columns(width)
        row = base
        if is_selected:
            row = row + self._style("selected")
        overlay: Style | None = None
        if is_cursor:
            overlay = self._style("cursor" if self.has_focus else "cursor-blurred")

        def seg(text: str, style: Style | None = None) -> Segment:
            s = row + style if style is not None else row
            if overlay is not None:
                s = s + overlay
            return Segment(text, s)

        title_style = self._style("title-discarded" if triage.status == "discarded" else "title")
        segments = [
            seg("●" if is_selected else " ", self._style("mark")),
            seg("★" if triage.starred else " ", self._style("star")),
        ]
        if cols.score:
            percentiles = self.percentiles or {}
            ranked = triage.status == "inbox" and not triage.starred
            cell = score_cell(percentiles.get(pid) if ranked else None)
            segments += [seg(" "), seg(cell, self._style("score"))]
        if cols.status:
            known = STATUS_LABELS.get(triage.status)
            label = known.short if known is not None else line_of(triage.status)
            segments += [
                seg(" "),
                seg(
                    fit(label, cols.status),
                    self._style(triage.status) if triage.status in STATUSES else None,
                ),
            ]
        segments += [seg(" "), seg(fit(line_of(paper.title), cols.title), title_style)]
        if cols.tags:
            tags = ", ".join(line_of(t) for t in triage.tags)
            segments += [seg(" "), seg(fit(tags, cols.tags), self._style("tags"))]
        if cols.year:
            year = str(paper.year) if paper.year is not None else ""
            segments += [seg(" "), seg(fit_right(year, cols.year), self._style("year"))]
        sources = str(len(paper.sources)) if paper.sources else ""
        segments += [seg(" "), seg(fit_right(sources, cols.sources), self._style("sources"))]
        return Strip(segments).adjust_cell_length(width, row if overlay is None else row + overlay)
