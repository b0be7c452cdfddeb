"""A footer that never cuts a key in half.

Textual's `Footer` lays its keys out in one line and lets the last ones run off the
edge ("q Qui" at 80 columns). `FittedFooter` measures its entries once they are laid
out and, when they do not fit, hides whole entries, the least important first: the
keys of the widget in focus are kept first, then those the screen names by binding id
in its order; the rest go first, from the right.
Hidden keys stay in force, and `?` and the command palette list them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import events
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel, KeyGroup


class FittedFooter(Footer):
    """A `Footer` that drops whole entries, least important first, to fit its width."""

    def __init__(self, *, priority: Sequence[str] = (), **kwargs: Any) -> None:
        """`priority`: binding ids, the most important first; entries whose binding is
        not listed are dropped before any listed one."""
        super().__init__(**kwargs)
        self.priority = tuple(priority)
        #: Each entry's cells (margins included), measured while all were shown.
        self._widths: dict[Widget, int] = {}

    async def recompose(self) -> None:
        await super().recompose()
        self._widths = {}
        self.call_after_refresh(self.fit)

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def entries(self) -> list[list[Widget]]:
        """The footer's entries in display order: a key, or a key group with its label."""
        out: list[list[Widget]] = []
        for child in self.children:
            if child.has_class("-command-palette"):
                continue  # docked at the right: always kept (see `fit`)
            if isinstance(child, FooterLabel) and out and isinstance(out[-1][0], KeyGroup):
                out[-1].append(child)
            else:
                out.append([child])
        return out

    def _rank(self, entry: list[Widget]) -> int:
        """Where an entry stands: the keys of the widget in focus (the sidebar's, the
        filter box's) first, then `priority`'s order, then the unlisted ones."""
        screen = self.screen
        active = screen.active_bindings
        ranks = [len(self.priority)]
        for widget in entry:
            keys = widget.query(FooterKey) if isinstance(widget, KeyGroup) else [widget]
            for key in keys:
                if not isinstance(key, FooterKey) or key.key not in active:
                    continue
                node, binding = active[key.key].node, active[key.key].binding
                if node is not screen and node is not self.app:
                    ranks.append(-1)
                elif binding.id in self.priority:
                    ranks.append(self.priority.index(binding.id))
        return min(ranks)

    def _width(self, widget: Widget) -> int:
        width = self._widths.get(widget)
        if width is None:
            margin = widget.styles.margin
            width = widget.outer_size.width + margin.left + margin.right
            self._widths[widget] = width
        return width

    def fit(self, attempts: int = 5) -> None:
        """Show as many entries as fit, the most important ones."""
        if not self.is_attached or not self.children:
            return
        entries = self.entries()
        unmeasured = [w for e in entries for w in e if w not in self._widths]
        if any(not w.display or not w.outer_size.width for w in unmeasured):
            # Not laid out yet (just composed, or hidden before it was measured):
            # show it and measure after the next frame.
            for widget in unmeasured:
                widget.display = True
            if attempts:
                self.call_after_refresh(self.fit, attempts - 1)
            return
        room = self.size.width
        for child in self.children:
            if child.has_class("-command-palette"):
                room -= self._width(child)
        widths = [sum(self._width(w) for w in entry) for entry in entries]
        keep = set(range(len(entries)))
        # The least important first; among equals, the rightmost.
        order = sorted(range(len(entries)), key=lambda i: (self._rank(entries[i]), i))
        while keep and sum(widths[i] for i in keep) > room:
            keep.discard(next(i for i in reversed(order) if i in keep))
        for i, entry in enumerate(entries):
            for widget in entry:
                widget.display = i in keep
