"""The sidebar of views (Inbox, Starred, New, saved views, statuses, All, tags, source
files, duplicates), each with a live count. What a view is and holds, and its counts,
are the core's (`papersift.views`); this widget shows them, says which one the user
chose, and renames or deletes saved views (`R`, `delete`; the flows are in
`tui.screens.saved_views`).

Names too long for the sidebar are shortened in the middle (`fit_middle`): source files
of one series ("daily-papers-mar-13.txt", "…-mar-14.txt") differ at their end, which a
cut at the end would hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from papersift.saved_views import SAVED_PREFIX
from papersift.tui.widgets import fit, line_of
from papersift.views import DEFAULT_VIEW, NEW, ViewCounts, view_title

#: Sidebar labels shorter than the view's title (which the list title shows).
_SHORT_LABELS = {NEW: "New"}


def fit_middle(text: str, width: int) -> str:
    """`text` padded to `width` cells, or cut in the middle with an ellipsis keeping
    its start and, longer, its end (where names of a series differ)."""
    if cell_len(text) <= width or width < 8:
        return fit(text, width)
    head = (width - 1) // 3
    tail = width - 1 - head
    end = text
    while cell_len(end) > tail:
        end = end[1:]
    start = set_cell_size(text, head)
    return fit(start.rstrip() + "…" + end, width)


def _section(title: str) -> Option:
    return Option(Content(title), disabled=True)


class Sidebar(OptionList):
    """The list of views; `enter` or a click shows one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show view", id="show-view"),
        Binding("j", "cursor_down", "Down", show=False, id="views-down"),
        Binding("k", "cursor_up", "Up", show=False, id="views-up"),
        Binding("escape,right,l", "leave", "Back to list", id="leave-views", key_display="esc"),
        Binding("R,f2", "rename_saved", "Rename view", id="rename-view", key_display="R"),
        Binding("delete", "delete_saved", "Delete view", id="delete-view", key_display="del"),
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
            label = _SHORT_LABELS.get(key) or view_title(key)
            if key.startswith(("tag:", "source:", SAVED_PREFIX)):
                label = line_of(key.split(":", 1)[1])
            marker = "▸ " if key == current else "  "
            if key in counts.saved_errors:
                count = "!"  # the list says why when the view is shown
            elif key in counts.saved and counts.saved[key] is None:
                count = "…"  # its query waits for the word index
            else:
                count = f"{counts.counts.get(key, 0):,}"
            prompt = marker + fit_middle(label, width - len(count) - 3) + " " + count
            options.append(Option(Content(prompt), id=key))
            layout.append(key)

        for title, keys in counts.sections():
            if title is not None:
                options.append(_section(title))
                layout.append(None)
            for key in keys:
                add(key)
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

    def saved_keys(self) -> list[str]:
        """The saved views, in sidebar order (the number keys' order)."""
        return list(self.counts.saved) if self.counts is not None else []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("rename_saved", "delete_saved"):
            key = self.highlighted_key
            return True if key is not None and key.startswith(SAVED_PREFIX) else None
        return True

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.refresh_bindings()  # rename and delete apply to saved views only

    def _saved_highlighted(self) -> str | None:
        key = self.highlighted_key
        if key is not None and key.startswith(SAVED_PREFIX):
            return key
        # Reached from the palette with another row highlighted: say how it works.
        self.app.notify("Highlight a saved view in the sidebar (v) first.", markup=False)
        return None

    def action_rename_saved(self) -> None:
        from papersift.tui.screens.saved_views import rename_saved_view

        if (key := self._saved_highlighted()) is not None:
            rename_saved_view(self.app, key)

    def action_delete_saved(self) -> None:
        from papersift.tui.screens.saved_views import delete_saved_view

        if (key := self._saved_highlighted()) is not None:
            delete_saved_view(self.app, key)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.ViewSelected(self, event.option.id))

    def action_leave(self) -> None:
        self.post_message(self.Left(self))

    def count_of(self, key: str) -> int | None:
        return self.counts.counts.get(key) if self.counts else None
