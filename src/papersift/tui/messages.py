"""Messages that cross the app: posted by the app to every screen on the stack.

Messages that belong to one widget are nested in that widget (`PaperList.CursorMoved`,
`Sidebar.ViewSelected`, `FilterBar.Changed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from papersift.ranking.ranker import Ranking


@dataclass
class LibraryChanged(Message):
    """The library changed: these paper ids (None: anything, e.g. another process wrote)."""

    ids: frozenset[str] | None


@dataclass
class IndexProgress(Message):
    """The word index being built at start has indexed `done` of `total` papers."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, IndexProgress)


@dataclass
class IndexReady(Message):
    """The word index is built: queries with words can run now."""


@dataclass
class TextsLoaded(Message):
    """The abstracts and BibTeX origins, read after the first paint, are in the papers
    (the same `Paper` objects: screens showing one must redraw it)."""


@dataclass
class RankProgress(Message):
    """The ranking's feature rows: `done` of `total` papers built (first run only)."""

    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RankProgress)


@dataclass
class LookupsChanged(Message):
    """The number of lookups waiting for the network changed (`screens.add_ids`)."""

    waiting: int


@dataclass
class WatchChanged(Message):
    """The folder watch started or stopped (`tui.watching`)."""


@dataclass
class WatchedFile(Message):
    """The folder watch handled a file (`tui.watching`; posted from its thread).

    `line` is what to tell the user; `changed` says papers were added or merged."""

    line: str
    severity: str = "information"
    changed: bool = False


@dataclass
class RankingReady(Message):
    """A new ranking of the inbox (None: not enough decisions to learn from yet)."""

    ranking: Ranking | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RankingReady)
