"""A library's search index over its life: built once, kept current, answering meanwhile.

`LiveIndex` owns the word index of a `Library` (a `SearchIndex`): reading the texts a
lazy open left unread, building the index or reading it from the library's cache
file, writing that file after a build, applying changes (also those made while a build
runs), rebuilding after an import or another process's write, and answering queries
from any thread. While the word index is not built yet, field-only queries and
exact phrases (a quoted title) are answered by a small index without word postings:
from the folded texts the import wrote (`phrase_file`) while the texts are unread, then
by scanning the texts (that index is rebuilt right after they are read, in about a
tenth of the word index's time); only free words wait for the word index. The TUI
runs `build` in a worker and turns `IndexEvents` into its messages; the CLI calls
`search(..., wait=True)` once.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from papersift.models import PapersiftError

if TYPE_CHECKING:
    from papersift.query.index import SearchIndex
    from papersift.query.terms import Query
    from papersift.store import Library

__all__ = ["IndexEvents", "LiveIndex"]


@dataclass(frozen=True, slots=True)
class IndexEvents:
    """What `LiveIndex.build` tells its caller, called on the building thread.

    `progress` and `ready` may be called holding the build lock, which a thread asking
    for the word index (`LiveIndex.word_index`) waits on: they must not wait for
    another thread themselves (post a message; never run something on the UI thread
    and wait for it). `texts_loaded` and `texts_failed` are called holding no lock.
    """

    #: The texts a lazy open left unread are in the papers now (the same objects).
    texts_loaded: Callable[[], None] | None = None
    #: They could not be read; the word index is built without them.
    texts_failed: Callable[[PapersiftError], None] | None = None
    #: (done, total) papers of the word index build, about every 2 %.
    progress: Callable[[int, int], None] | None = None
    #: The word index is built and in use.
    ready: Callable[[], None] | None = None


_NO_EVENTS = IndexEvents()


class LiveIndex:
    """The search index of `library`, kept current; every method is thread-safe."""

    def __init__(
        self,
        library: Library,
        *,
        save_cache: bool = True,
        events: IndexEvents = _NO_EVENTS,
        freeze_gc: bool = False,
    ) -> None:
        """`save_cache`: write the library's index cache after building the word index
        (never for a readonly library, nor when the index was read from it). `events`:
        see `IndexEvents`. `freeze_gc`: `gc.freeze()` after each build, for a process
        that froze the loaded library (the index is as long-lived)."""
        self.library = library
        self.save_cache = save_cache
        self.events = events
        self.freeze_gc = freeze_gc
        #: Held while reading or changing which indexes exist; never while building.
        self._lock = threading.RLock()
        #: Held for a whole word index build (one at a time; `word_index` waits on it).
        self._build_lock = threading.Lock()
        self._field_lock = threading.Lock()
        self._index: SearchIndex | None = None
        #: A text=False index answering field-only queries until `_index` is built.
        self._field_index: SearchIndex | None = None
        #: Whether `_field_index` was built after the texts were read (`has:abstract`
        #: needs them; other field terms do not).
        self._field_index_texts = False
        #: Whether `_field_index` scans the texts for phrases.
        self._field_scans = False
        #: Ids changed while an index is being built, one set per build in progress.
        self._pending: list[set[str]] = []

    # ------------------------------------------------------------------ state

    @property
    def ready(self) -> bool:
        """True once words can be searched (`search` no longer returns None for them)."""
        return self._index is not None

    @property
    def current(self) -> SearchIndex | None:
        """The word index if it is built, without waiting."""
        return self._index

    @property
    def complete(self) -> bool:
        """True when `build` has nothing left to do: the texts are read and the word
        index is built (an empty library needs none until asked)."""
        return self.library.texts_loaded and (self._index is not None or self.library.is_empty())

    # ------------------------------------------------------------------ building

    def build(self) -> None:
        """Read the texts a lazy open left unread, then build the word index (or read
        it from the cache), telling `events`; a no-op for what is done already. An
        empty library gets no index here (`word_index` makes one when asked)."""
        if self._index is None and not self.library.is_empty():
            # First the field index, in a fraction of a second: with the import's
            # phrase file it answers quoted titles while the texts are still read.
            self._make_field_index()
        try:
            self.read_texts()
        except PapersiftError as exc:
            # Every later reader gets the same error from ensure_texts and carries on
            # without the texts; it is said once, here.
            if self.events.texts_failed is not None:
                self.events.texts_failed(exc)
        if self.library.is_empty():
            return
        if self._index is None:
            # Phrases and field terms are answered from this while the words are indexed.
            self._make_field_index(scan=True)
        with self._build_lock:
            if self._index is None:
                self._make_index(announce=True)

    def read_texts(self) -> None:
        """Read the abstracts and BibTeX origins into the papers (a no-op once done).
        Raises PapersiftError for a damaged corpus."""
        if self.library.texts_loaded:
            return
        self.library.ensure_texts()
        # A field index made before the texts stays in use (its `has:abstract` is not,
        # see `_index_for`) until `build` replaces it with one that scans the texts.
        if self.events.texts_loaded is not None:
            self.events.texts_loaded()

    def word_index(self) -> SearchIndex:
        """The word index, built now if it is not (waits for a build in progress)."""
        index = self._index
        if index is None:
            with self._build_lock:
                index = self._index
                if index is None:
                    index = self._make_index()
        return index

    def rebuild(self) -> None:
        """Build the word index afresh (after an import or another process's change)."""
        with self._build_lock:
            self._make_index()

    def _make_index(self, *, announce: bool = False) -> SearchIndex:
        """Build from the library as it is now; call holding `_build_lock`. Changes
        made while it builds are applied to it before it replaces the current one.
        `announce`: tell `events` the progress and when it is ready."""
        from papersift.query.index import SearchIndex  # see _make_field_index

        with contextlib.suppress(PapersiftError):
            # Abstracts are searched: read them first (or wait for the thread reading
            # them). If they cannot be read (reported by `build`), titles, authors,
            # tags and notes are still worth searching.
            self.library.ensure_texts()
        pending: set[str] = set()
        with self._lock:
            self._pending.append(pending)
        progress = self.events.progress if announce else None
        try:
            index = SearchIndex(
                self.library.entries(),
                progress=None if progress is None else _every_2_percent(progress),
                cache=self.library.index_cache,
            )
        finally:
            with self._lock:
                self._pending.remove(pending)
        with self._lock:
            self._apply_updates(index, pending)
            self._index = index
            self._field_index = None
        if self.freeze_gc:
            gc.freeze()
        if announce and self.events.ready is not None:
            self.events.ready()
        if self.save_cache and not index.from_cache and not self.library.readonly:
            # After the index is in use: the next open reads it instead of building.
            index.save_cache(self.library.index_cache)
        return index

    def _make_field_index(self, *, scan: bool = False) -> SearchIndex:
        """The field index (made now if there is none). `scan`: one that scans the
        texts for phrases (read by then), replacing one that does not."""
        # Imported here, not above: numpy and the index take ~0.2 s to load, which a
        # TUI creating its LiveIndex should not spend before its first paint.
        from papersift.query.index import SearchIndex

        with self._field_lock:
            with self._lock:
                # (`is None`: an index of an empty library is falsy.)
                index = self._index if self._index is not None else self._field_index
                if index is not None and (not scan or index is self._index or self._field_scans):
                    return index
                pending: set[str] = set()
                self._pending.append(pending)
            with_texts = self.library.texts_loaded
            try:
                # Scanning needs the texts; without them phrases come from the file
                # the import wrote (`_phrase_file_index`).
                scans = scan and with_texts
                index = SearchIndex(self.library.entries(), text=False, phrases=scans)
            finally:
                with self._lock:
                    self._pending.remove(pending)
            with self._lock:
                self._apply_updates(index, pending)
                if self._index is not None:
                    return self._index
                self._field_index = index
                self._field_index_texts = with_texts
                self._field_scans = scans
            return index

    def _phrase_file_index(self) -> SearchIndex | None:
        """The field index, answering phrases from the library's `search-text.bin`, if
        that file was made from the corpus as it is now."""
        from papersift.query.phrase_file import FILE_NAME, PhraseText

        with self._lock:
            index = self._field_index
        if index is None:
            index = self._make_field_index()
        if index is self._index:
            return index
        stamp = self.library.corpus_stamp()
        current = index.phrase_text
        if current is None or current.stamp != stamp:
            index.phrase_text = PhraseText.open(self.library.path / FILE_NAME, stamp)
        return index if index.phrase_text is not None else None

    # ------------------------------------------------------------------ changes

    def update(self, ids: Iterable[str]) -> None:
        """Papers changed (triage or paper) or were removed: re-index them, in every
        index and in those being built."""
        ids = list(ids)
        with self._lock:
            for pending in self._pending:
                pending.update(ids)
            for index in (self._index, self._field_index):
                if index is not None:
                    self._apply_updates(index, ids)

    def _apply_updates(self, index: SearchIndex, ids: Iterable[str]) -> None:
        papers = self.library.papers
        for pid in ids:
            if pid in papers:
                index.update(self.library.entry(pid))
            else:
                with contextlib.suppress(KeyError, ValueError):
                    index.remove(pid)

    # ------------------------------------------------------------------ searching

    def search(
        self, query: Query, *, ranked: bool = False, wait: bool = False, now: float | None = None
    ) -> list[str] | None:
        """The ids matching a parsed query, in library order or best first.

        None while the word index is not built and `query` has words, or while the
        texts are unread and it asks about abstracts (`has:abstract`); field-only
        queries and exact phrases are answered meanwhile (a phrase from the import's
        file, else from the texts, never waiting for the word index). `wait=True`
        never answers None: it
        reads the texts and builds the word index now if the query needs them (a
        damaged corpus then raises PapersiftError), and builds no word index for a
        field-only query. `now`: see `SearchIndex.search`.
        """
        index = self._index_for(query, wait)
        if index is None:
            return None
        return index.search_ids(query, ranked=ranked, now=now)

    def _index_for(self, query: Query, wait: bool) -> SearchIndex | None:
        if wait and (query.needs_text or query.needs_abstracts):
            self.read_texts()
        if query.needs_text and (wait or query.needs_words or self._index is not None):
            return self.word_index() if wait else self._index
        if query.needs_text:
            # Exact phrases only, and no word index yet: from the folded texts the
            # import wrote while the texts are unread, else scan the texts (read them
            # now, or wait for the thread reading them; that drops a field index made
            # without them).
            with self._lock:
                scans = self._field_index is not None and self._field_scans
            if not scans and (index := self._phrase_file_index()):
                return index
            with contextlib.suppress(PapersiftError):
                self.read_texts()
            index = self._make_field_index(scan=True)
            # (No scan if the texts could not be read: then wait for the word index.)
            return index if index is self._index or self._field_scans else None
        with self._lock:
            index = self._index if self._index is not None else self._field_index
        if index is None:
            index = self._make_field_index()
        if query.needs_abstracts and index is not self._index and not self._field_index_texts:
            # `has:abstract` in a field index built before the texts were read would be
            # wrong for every paper: wait for the texts, or, told to wait or once they
            # are read, make a field index that has them.
            if not wait and not self.library.texts_loaded:
                return None
            with self._lock:
                if self._field_index is index:
                    self._field_index = None
            index = self._make_field_index()
        return index


def _every_2_percent(report: Callable[[int, int], None]) -> Callable[[int, int], None]:
    step = 0

    def progress(done: int, total: int) -> None:
        nonlocal step
        if done * 50 // max(total, 1) > step:
            step = done * 50 // max(total, 1)
            report(done, total)

    return progress
