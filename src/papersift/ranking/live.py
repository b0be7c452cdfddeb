"""The ranking kept current while the user triages: refit in the background.

`LiveRanking` is to the ranking what `query.live.LiveIndex` is to search: the TUI
asks for a new ranking after every decision (`request`), runs `run` in a worker when
`request` says so, and hears back through `RankEvents`. Requests made while a fit is
running are coalesced into one more fit when it ends, so a burst of keystrokes costs
at most two fits and none of them waits for the other. The first run builds (or
reads from the cache) the feature rows, reporting progress.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from papersift.foreground import FOREGROUND
from papersift.ranking.ranker import Ranker, Ranking, can_rank
from papersift.ranking.settings import DEFAULT_MODEL, MODELS, model_named

if TYPE_CHECKING:
    from papersift.store import Library

__all__ = ["LiveRanking", "RankEvents", "next_model"]


def _nothing(*_args: object) -> None:
    return None


@dataclass
class RankEvents:
    """What `LiveRanking` tells its owner (called on the worker's thread)."""

    #: Feature rows built so far, of how many (only while building them).
    progress: Callable[[int, int], None] = _nothing
    #: A new ranking (None: not enough decisions to learn from yet).
    ranked: Callable[[Ranking | None], None] = _nothing


def next_model(name: str) -> str:
    """The model to switch to from `name` for a second opinion (SAFE's switch step):
    the next one in `MODELS` whose parts differ."""
    names = [m.name for m in MODELS]
    current = model_named(name)
    start = names.index(current.name)
    for step in range(1, len(names) + 1):
        candidate = MODELS[(start + step) % len(names)]
        if set(candidate.parts) != set(current.parts):
            return candidate.name
    return name


@dataclass
class LiveRanking:
    """The library's current ranking, refitted in the background after decisions."""

    library: Library
    events: RankEvents = field(default_factory=RankEvents)
    model: str = DEFAULT_MODEL
    current: Ranking | None = None
    #: Seconds each fit + rescore took (the benchmark reads them).
    timings: list[float] = field(default_factory=list)
    #: `gc.freeze()` once after the first fit, for a process that freezes its
    #: long-lived objects (the TUI, as `query.live.LiveIndex.freeze_gc`): the fit's
    #: imports (SciPy, scikit-learn) are ~100k objects that live as long as the process,
    #: and unfrozen every full collection walks them again (40-50 ms at 100k papers,
    #: landing in the middle of a filter keystroke).
    freeze_gc: bool = False

    def __post_init__(self) -> None:
        self.ranker = Ranker(None if self.library.readonly else self.library.rank_cache)
        self._lock = threading.Lock()
        self._running = False
        self._dirty = False
        self._papers_seen: object = None
        self._frozen = False
        #: Set once the first ranking (or its absence) is known.
        self.settled = threading.Event()

    def request(self) -> bool:
        """Ask for a fresh ranking. True: the caller should start `run` in a worker;
        False: one is running and will fit once more when it ends."""
        with self._lock:
            self._dirty = True
            if self._running:
                return False
            self._running = True
            return True

    def set_model(self, name: str) -> bool:
        """Rank with model `name` from now on; like `request`, True means start `run`."""
        model_named(name)
        self.model = name
        return self.request()

    def run(self) -> None:
        """Fit until no request is pending (call in a worker after `request` said so)."""
        try:
            while True:
                with self._lock:
                    if not self._dirty:
                        self._running = False
                        return
                    self._dirty = False
                self._fit_once()
        except BaseException:
            with self._lock:
                self._running = False
            raise

    def _fit_once(self) -> None:
        library = self.library
        triage = dict(library.triage)
        if not can_rank(triage):
            # Nothing to learn from: no need to build features for it.
            self._publish(None)
            return
        library.ensure_texts()
        papers = library.papers  # replaced, never changed in place, by corpus writes
        if papers is not self._papers_seen:
            self.ranker.prepare(papers, progress=self._build_progress())
            self._papers_seen = papers
        start = time.perf_counter()
        # Every undecided paper is an inbox paper (a star or any other status is a
        # decision), so the ranker's own vectorised "undecided" serves as the inbox.
        ranking = self.ranker.rank(triage, self.model)
        self.timings.append(time.perf_counter() - start)
        if ranking is not None:
            # Computed here, in the worker, not on the UI thread that shows them.
            ranking.percentiles  # noqa: B018
            ranking.undecided  # noqa: B018
            ranking.relevant_rows  # noqa: B018
        if self.freeze_gc and not self._frozen:
            self._frozen = True
            gc.freeze()
        self._publish(ranking)

    def _build_progress(self) -> Callable[[int, int], None]:
        """The feature build's progress callback (after each `ranker.BUILD_BATCH`
        papers): the build steps aside while a keystroke is being answered (at 100k
        papers it takes the GIL for 25 s on a library's first open), and the owner
        hears of every 2 %, not of every batch."""
        report = self.events.progress
        last = -1

        def progress(done: int, total: int) -> None:
            nonlocal last
            FOREGROUND.wait()
            step = done * 50 // max(total, 1)
            if step != last or done >= total:
                last = step
                report(done, total)

        return progress

    def _publish(self, ranking: Ranking | None) -> None:
        self.current = ranking
        self.settled.set()
        self.events.ranked(ranking)
