"""The sidebar of views (Inbox, Starred, statuses, All, tags, source files, duplicates),
each with a live count. What a view is and holds, and its counts, are the core's
(`papersift.views`); this widget shows them and says which one the user chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from papersift.tui.widgets import fit, line_of
from papersift.views import DEFAULT_VIEW, ViewCounts, view_title


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

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.ViewSelected(self, event.option.id))

    def action_leave(self) -> None:
        self.post_message(self.Left(self))

    def count_of(self, key: str) -> int | None:
        return self.counts.counts.get(key) if self.counts else None
