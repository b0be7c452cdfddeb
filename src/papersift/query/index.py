"""The search index: a library's entries, indexed so parsed queries run fast.

`SearchIndex` keeps, per paper slot, numpy columns of the field terms' data (flags,
status, the `Column`s of `terms.TERM_KINDS`) and postings of title, abstract, author,
tag and note tokens; each term is evaluated by its kind's row (`terms.TERM_KINDS`),
through the primitives of `terms.TermIndex`. `filter_entries` is the one-shot form.
"""

from __future__ import annotations

import contextlib
import threading
import time
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import repeat
from pathlib import Path

import numpy as np

from papersift.models import STATUSES, Entry, Paper
from papersift.normalize import search_fold as fold
from papersift.query.cache import (
    CACHE_FIELDS,
    IndexedText,
    load_postings,
    save_postings,
    texts_digest,
    texts_digest_of,
)
from papersift.query.language import parse
from papersift.query.phrase_file import PhraseText, scan_fold
from papersift.query.postings import (
    PROGRESS_STEP,
    Posting,
    bulk_postings,
    growable,
    slots_of,
)
from papersift.query.scoring import (
    EXACT_SCORE,
    WORD,
    Vocabulary,
    fast_fold,
    starting_with,
    text_tokens,
    tokens,
)
from papersift.query.terms import (
    COLUMNS,
    HAS_VALUES,
    KIND_OF,
    Matched,
    Query,
    Scope,
    Term,
    cost_rank,
)

__all__ = ["FIELD_WEIGHT", "SearchIndex", "filter_entries"]

#: How much a hit in each field counts (a title hit ranks above an abstract hit).
FIELD_WEIGHT = {"title": 1.0, "tags": 1.0, "note": 0.95, "abstract": 0.85, "author": 1.0}
_ALL_TEXT = ("title", "tags", "note", "abstract")
_FIELDS_FOR = {
    "": _ALL_TEXT,
    "title": ("title",),
    "abstract": ("abstract",),
    "note": ("note",),
    "author": ("author",),
}
_TERM_CACHE_SIZE = 8
_NO_TEXT: IndexedText = ("", "", ())

_Mask = np.ndarray  # bool, one per slot
_Scores = np.ndarray  # float64, one per slot, 0 = no match


class SearchIndex:
    """An index over a corpus's entries that evaluates parsed queries fast.

    Built once per corpus (the cost is tokenizing every title and abstract); `update()`
    of one entry is cheap when only its triage changed. Entries keep the order they
    were first added in ("index order", the corpus order), which is the result order
    unless `ranked=True`. Safe to search from a worker thread while another thread
    updates: every public method holds one lock.

    Inside, each paper has an integer slot. Title, abstract and author tokens map to
    compact arrays of slots (they rarely change), tag and note tokens to sets; per-slot
    numpy columns hold starred/status/year/has: so field terms are vectorized. A query
    word is expanded against the vocabulary (exact, prefix, typos) and the postings of
    the tokens it matches are scattered into a per-slot score array, best hit winning.
    """

    def __init__(
        self,
        entries: Sequence[Entry] = (),
        *,
        text: bool = True,
        phrases: bool = False,
        progress: Callable[[int, int], None] | None = None,
        cache: Path | None = None,
    ) -> None:
        """Index `entries` (in this order). `text=False` skips the word index of titles,
        abstracts and authors, which is most of the build time, for callers whose
        queries have only field terms (`not query.needs_text`). `progress(done, total)`
        is called every few thousand entries. `phrases=True` (with `text=False`) keeps
        the texts without indexing their words: exact phrases are then answered by
        scanning them (a few tenths of a second at 100k papers, where the word index
        takes seconds to build), words still not.

        `cache` names a word-index file `save_cache` wrote: used when it was made from
        exactly these papers' texts (`from_cache` then says so), else the words are
        indexed as without it. A cache that cannot be read is simply not used."""
        self._lock = threading.Lock()
        self._with_text = text
        #: Phrases answered by scanning the texts (no word index).
        self._scan = phrases and not text
        #: Where an index without texts reads phrases from (`phrase_file.PhraseText`,
        #: set by `LiveIndex` while the texts are unread); it must be of these papers.
        self.phrase_text: PhraseText | None = None
        #: True when the word index was read from `cache` rather than built.
        self.from_cache = False
        self._ids: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self._sorted_ids: list[str] = []
        # Per slot: the raw (title, abstract, authors), to tell a changed paper and to
        # unindex it; folded titles and authors for phrases; folded abstracts, long and
        # only read by phrase searches, are folded on first need.
        self._raw: list[IndexedText] = []
        self._title: list[str] = []
        self._abstract: dict[int, str] = {}
        self._authors: list[tuple[str, ...]] = []
        # Postings of title, abstract and author tokens: numpy slot arrays from the bulk
        # build, turned into growable arrays if a later update changes them.
        self._static: dict[str, dict[str, Posting]] = {"title": {}, "abstract": {}, "author": {}}
        self._dynamic: dict[str, dict[str, set[int]]] = {"tags": {}, "note": {}}
        self._text_vocab = Vocabulary()
        self._author_vocab = Vocabulary()
        # Scores of recent words and phrases: while the user types "language model alig",
        # only the last word is new. Any change to the index empties it.
        self._term_cache: dict[tuple[str, str, str], _Scores] = {}
        self._tags: dict[int, tuple[str, ...]] = {}
        self._notes: dict[int, str] = {}
        self._tag_slots: dict[str, set[int]] = {}
        self._sources: dict[int, tuple[str, ...]] = {}
        self._source_slots: dict[str, set[int]] = {}
        self._source_names: dict[str, str] = {}  # file name -> folded, a few files
        self._status_code: dict[str, int] = {s: i for i, s in enumerate(STATUSES)}
        # Per-slot columns, over-allocated; slots past len(self._ids) are all zero.
        self._cap = 0
        self._id_col = np.empty(0, dtype=object)
        self._flag: dict[str, np.ndarray] = {
            name: np.zeros(0, dtype=bool) for name in ("alive", "starred", *HAS_VALUES)
        }
        self._status = np.zeros(0, dtype=np.int32)
        # The term kinds' per-paper numbers (year, …), `missing` where a paper has none.
        self._columns: dict[str, np.ndarray] = {c.name: np.zeros(0, dtype=c.dtype) for c in COLUMNS}
        self._grow(len(entries))
        total = len(entries)

        def report(fraction: float) -> None:
            if progress is not None:
                progress(min(total, int(total * fraction)), total)

        # Words of every paper at once (`_index_text_bulk`) when the ids are distinct,
        # as a corpus's are; else one by one, later ones replacing earlier ones.
        bulk = text and len({e.paper.id for e in entries}) == total
        share = 0.1 if bulk else 1.0  # of the progress the per-entry pass covers
        for n, entry in enumerate(entries, 1):
            self._put(entry, bulk=True, with_text=not bulk)
            if not n % PROGRESS_STEP:
                report(share * n / total)
        if bulk and total:
            self._index_text_bulk([e.paper for e in entries], lambda f: report(share + f), cache)
        report(1.0)
        self._sorted_ids = sorted(self._slot_of)
        #: Scan mode: every slot's folded abstract in one string (slot s starts at
        #: `_blob_starts[s]`), so a phrase is found by `str.find` over ~100 MB at 100k
        #: papers in a few hundredths of a second; None when a later text change made
        #: it stale (rebuilt on the next phrase).
        self._blob: str | None = None
        self._blob_starts: list[int] = []
        if self._scan:
            self._make_blob()
        # Sort the vocabularies now rather than in the first search.
        self._text_vocab.with_prefix("")
        self._author_vocab.with_prefix("")

    def __len__(self) -> int:
        return len(self._slot_of)

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._slot_of

    # ------------------------------------------------------------------ maintenance

    def update(self, entry: Entry) -> None:
        """Re-index one entry after its triage (or paper) changed; add it if new.

        A new paper goes to the end of the index order.
        """
        with self._lock:
            self._term_cache.clear()
            self._put(entry, bulk=False)

    def remove(self, paper_id: str) -> None:
        """Drop a paper from the index (no-op for an unknown id)."""
        with self._lock:
            slot = self._slot_of.pop(paper_id, None)
            if slot is None:
                return
            self._term_cache.clear()
            self._unindex_text(slot)
            self._unindex_attributes(slot)
            self._unindex_triage(slot)
            self._raw[slot] = _NO_TEXT
            self._title[slot] = ""
            self._abstract.pop(slot, None)
            self._authors[slot] = ()
            self._ids[slot] = None
            self._id_col[slot] = None
            self._flag["alive"][slot] = False
            del self._sorted_ids[bisect_left(self._sorted_ids, paper_id)]

    def _grow(self, need: int) -> None:
        if need <= self._cap:
            return
        cap = max(need, 2 * self._cap, 1024)

        def grown(col: np.ndarray, fill: object = 0) -> np.ndarray:
            new = np.full(cap, fill, dtype=col.dtype)
            new[: len(col)] = col
            return new

        self._id_col = grown(self._id_col, None)
        self._flag = {name: grown(col) for name, col in self._flag.items()}
        self._status = grown(self._status, -1)
        self._columns = {c.name: grown(self._columns[c.name], c.missing) for c in COLUMNS}
        self._cap = cap

    def _put(self, entry: Entry, *, bulk: bool, with_text: bool = True) -> None:
        """Index one entry in its slot (a new one at the end for a new paper).

        `bulk`: the constructor's pass (sorted ids are rebuilt after it); `with_text`
        False leaves the words to `_index_text_bulk`."""
        paper = entry.paper
        slot = self._slot_of.get(paper.id)
        new = slot is None
        if slot is None:
            slot = len(self._ids)
            self._grow(slot + 1)
            self._ids.append(paper.id)
            self._id_col[slot] = paper.id
            self._slot_of[paper.id] = slot
            self._flag["alive"][slot] = True
            self._raw.append(_NO_TEXT)
            self._title.append("")
            self._authors.append(())
            if not bulk:
                insort(self._sorted_ids, paper.id)
        else:
            self._unindex_attributes(slot)
            self._unindex_triage(slot)
        if self._scan:
            raw = (paper.title, paper.abstract, tuple(paper.authors))
            if self._raw[slot] != raw:
                if self._raw[slot][1] != raw[1]:
                    self._blob = None
                self._raw[slot] = raw
                self._title[slot] = fast_fold(raw[0])
                self._abstract.pop(slot, None)
                self._authors[slot] = tuple(a for a in map(fast_fold, raw[2]) if a)
        elif self._with_text and with_text:
            raw = (paper.title, paper.abstract, tuple(paper.authors))
            if new:
                self._index_text(slot, raw)
            elif self._raw[slot] != raw:
                self._unindex_text(slot)
                self._index_text(slot, raw)
        self._index_attributes(slot, entry)
        self._index_triage(slot, entry)

    def _text_tokens(self, slot: int) -> tuple[set[str], set[str], set[str]]:
        title, abstract, _ = self._raw[slot]
        return (
            set(text_tokens(title)),
            set(text_tokens(abstract)),
            set(tokens(" ".join(self._authors[slot]))),
        )

    def _index_text(self, slot: int, raw: IndexedText) -> None:
        title, _, authors = raw
        self._raw[slot] = raw
        self._title[slot] = fast_fold(title)
        self._abstract.pop(slot, None)
        self._authors[slot] = tuple(a for a in map(fast_fold, authors) if a)
        title_toks, abstract_toks, author_toks = self._text_tokens(slot)
        for name, toks in (
            ("title", title_toks),
            ("abstract", abstract_toks),
            ("author", author_toks),
        ):
            postings = self._static[name]
            for tok in toks:
                posting = postings.get(tok)
                if posting is None:
                    postings[tok] = array("I", (slot,))
                else:
                    growable(postings, tok, posting).append(slot)
        self._text_vocab.add(title_toks | abstract_toks)
        self._author_vocab.add(author_toks)

    def save_cache(self, path: Path) -> None:
        """Write the word index to `path` for later `SearchIndex(..., cache=path)`.

        Separate from building, so a caller can publish the index first and write
        after (the TUI does, in its worker). Keyed by a digest of the texts as indexed
        now; never raises (a cache that cannot be written is only missing)."""
        with self._lock:
            if not self._with_text or not self._ids:
                return
            texts = list(self._raw)
            if len(texts) != len(self._ids):
                return
            fields = {name: dict(self._static[name]) for name in CACHE_FIELDS}
        digest = texts_digest_of(texts)
        with contextlib.suppress(Exception):
            save_postings(path, digest, fields)

    def _index_text_bulk(
        self,
        papers: Sequence[Paper],
        report: Callable[[float], None],
        cache: Path | None = None,
    ) -> None:
        """Index the words of slots 0..len(papers)-1, new and empty, all at once.

        Tokens are numbered as they are first seen and every (token, slot) pair is
        sorted in numpy: no per-pair Python work (appending 9M slots one by one was
        most of an 8 s build at 100k papers)."""
        self._raw = [(p.title, p.abstract, tuple(p.authors)) for p in papers]
        self._title = [fast_fold(p.title) for p in papers]
        self._authors = [tuple(a for a in map(fast_fold, p.authors) if a) for p in papers]
        report(0.1)
        cached = None
        if cache is not None and cache.is_file():
            cached = load_postings(cache, texts_digest(papers), len(papers))
        if cached is not None:
            title, abstract, author = cached["title"], cached["abstract"], cached["author"]
            self.from_cache = True
        else:
            title = bulk_postings([p.title for p in papers], text_tokens)
            report(0.2)
            abstract = bulk_postings(
                [p.abstract for p in papers], text_tokens, lambda f: report(0.2 + 0.6 * f)
            )
            author = bulk_postings([" ".join(a) for a in self._authors], tokens)
        self._static = {"title": title, "abstract": abstract, "author": author}
        self._text_vocab.add(title.keys() | abstract.keys())
        self._author_vocab.add(set(author))

    def _unindex_text(self, slot: int) -> None:
        title, abstract, author = self._text_tokens(slot)
        for name, toks in (("title", title), ("abstract", abstract), ("author", author)):
            postings = self._static[name]
            for tok in toks:
                posting = postings.get(tok)
                if posting is None:
                    continue
                arr = growable(postings, tok, posting)
                arr.remove(slot)
                if not arr:
                    del postings[tok]
        self._raw[slot] = _NO_TEXT

    def _index_attributes(self, slot: int, entry: Entry) -> None:
        paper = entry.paper
        for spec in COLUMNS:
            value = spec.of(paper)
            if value is not None:
                self._columns[spec.name][slot] = value
        self._flag["year"][slot] = paper.year is not None
        names = self._source_names
        sources = tuple(
            dict.fromkeys(
                names.get(s.file) or names.setdefault(s.file, fold(s.file)) for s in paper.sources
            )
        )
        if sources:
            self._sources[slot] = sources
            for name in sources:
                self._source_slots.setdefault(name, set()).add(slot)
        self._flag["abstract"][slot] = bool(paper.abstract.strip())
        self._flag["authors"][slot] = bool(paper.authors)
        self._flag["doi"][slot] = bool(paper.doi.strip())

    def _unindex_attributes(self, slot: int) -> None:
        for spec in COLUMNS:
            self._columns[spec.name][slot] = spec.missing
        for name in self._sources.pop(slot, ()):
            _discard(self._source_slots, name, slot)
        for name in ("abstract", "authors", "doi", "year"):
            self._flag[name][slot] = False

    def _index_triage(self, slot: int, entry: Entry) -> None:
        triage = entry.triage
        self._flag["starred"][slot] = triage.starred
        code = self._status_code.setdefault(triage.status, len(self._status_code))
        self._status[slot] = code
        tags = tuple(dict.fromkeys(t for t in map(fold, triage.tags) if t))
        if tags:
            self._tags[slot] = tags
            self._flag["tags"][slot] = True
            for tag in tags:
                self._tag_slots.setdefault(tag, set()).add(slot)
            self._add_dynamic("tags", slot, {t for tag in tags for t in tokens(tag)})
        note = fast_fold(triage.note)
        if note:
            self._notes[slot] = note
            self._flag["note"][slot] = True
            self._add_dynamic("note", slot, set(tokens(note)))

    def _unindex_triage(self, slot: int) -> None:
        self._flag["starred"][slot] = False
        self._status[slot] = -1
        tags = self._tags.pop(slot, ())
        for tag in tags:
            _discard(self._tag_slots, tag, slot)
        for tok in {t for tag in tags for t in tokens(tag)}:
            _discard(self._dynamic["tags"], tok, slot)
        for tok in set(tokens(self._notes.pop(slot, ""))):
            _discard(self._dynamic["note"], tok, slot)
        self._flag["tags"][slot] = False
        self._flag["note"][slot] = False

    def _add_dynamic(self, name: str, slot: int, toks: set[str]) -> None:
        postings = self._dynamic[name]
        for tok in toks:
            postings.setdefault(tok, set()).add(slot)
        self._text_vocab.add(toks)

    # ------------------------------------------------------------------ searching

    def search(
        self,
        query: Query,
        *,
        within: Sequence[str] | None = None,
        ranked: bool = False,
        now: float | None = None,
    ) -> list[tuple[str, float]]:
        """(paper id, score 0..100) of the entries matching `query`.

        `within` restricts the search to those ids (unknown ids are ignored). Results
        are in index order, or best score first (ties in index order) when `ranked`.
        An empty query matches everything with score 100. `now` (epoch seconds, default
        the clock) is the present that relative terms (`added:<7d`) count from. Raises
        ValueError for a text query on an index built with `text=False`.
        """
        slots, values = self._matches(query, within, ranked, now)
        ids = self._id_col[slots].tolist()
        if values is None:
            return list(zip(ids, repeat(EXACT_SCORE)))
        return list(zip(ids, values.tolist(), strict=True))

    def search_ids(
        self,
        query: Query,
        *,
        within: Sequence[str] | None = None,
        ranked: bool = False,
        now: float | None = None,
    ) -> list[str]:
        """The ids `search` would return, without their scores (several times cheaper
        for large results: no pair per hit)."""
        slots, _ = self._matches(query, within, ranked, now)
        return self._id_col[slots].tolist()

    def _matches(
        self, query: Query, within: Sequence[str] | None, ranked: bool, now: float | None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The matching slots in result order and their scores (None: all 100)."""
        phrases_ok = self._scan or self.phrase_text is not None
        if not self._with_text and query.needs_text and not (phrases_ok and not query.needs_words):
            raise ValueError("this SearchIndex was built with text=False: no words or phrases")
        with self._lock:
            n = len(self._ids)
            alive = self._flag["alive"][:n]
            if within is None:
                mask = alive.copy()
            else:
                mask = np.zeros(n, dtype=bool)
                slot_of = self._slot_of
                mask[[slot_of[i] for i in within if i in slot_of]] = True
            # Narrowed in place term by term: each term need only be right inside it.
            scope = Scope(mask, n, time.time() if now is None else now)
            # Filters first, then words, then phrases (checked only on what is left),
            # exclusions last; a text term's scores are summed for the mean.
            order = sorted(query.terms, key=cost_rank)
            total: _Scores | None = None
            scored = 0
            for term in order:
                if not mask.any():
                    break
                matched, scores = self.evaluate_term(term, scope)
                if term.negated:
                    mask &= ~matched
                    continue
                mask &= matched
                if scores is not None:
                    total = scores if total is None else total + scores
                    scored += 1
            slots = np.flatnonzero(mask)
            if total is None:
                return slots, None
            values = np.round(total[slots] / scored, 2)
            if ranked:
                best_first = np.argsort(-values, kind="stable")
                slots, values = slots[best_first], values[best_first]
            return slots, values

    # ------------------------------------------------------------------ term primitives
    # `terms.TermIndex`: what the term kinds' `evaluate` functions read, during a search
    # (holding the lock). A mask may be missing matches outside `scope.allowed`.

    def evaluate_term(self, term: Term, scope: Scope) -> Matched:
        """The slots matching `term` (ignoring its negation) and, for a text term, their
        scores, by its kind's `evaluate`."""
        evaluate = KIND_OF[term.kind].evaluate
        if evaluate is None:
            raise AssertionError(f"term kind {term.kind!r} cannot be evaluated")
        return evaluate(self, term, scope)

    def word_scores(self, word: str, field: str, scope: Scope) -> _Scores:
        """Scores of a folded query word in `field` ("" = title, abstract, tags, note)."""
        key = ("word", word, field)
        cached = self._term_cache.get(key)
        if cached is None:
            cached = self._compute_word_scores(word, field, scope.n)
            self._cache_term(key, cached)
        return cached

    def phrase_scores(self, phrase: str, field: str, scope: Scope) -> _Scores:
        """Scores of a folded exact phrase in `field` (checked inside `scope.allowed`)."""
        key = ("phrase", phrase, field)
        scores = self._term_cache.get(key)
        if scores is None:
            scores = self._phrase_scores(phrase, field, scope.allowed, scope.n)
            # Checked only inside `allowed`: reusable when that was everything.
            if np.count_nonzero(scope.allowed) == len(self._slot_of):
                self._cache_term(key, scores)
        return scores

    def flag(self, name: str, n: int) -> _Mask:
        """Starred ("starred") or a `has:` value (`terms.HAS_VALUES`), per slot."""
        return self._flag[name][:n]

    def status_mask(self, status: str, n: int) -> _Mask:
        """The slots whose triage status is `status`."""
        return self._status[:n] == self._status_code.get(status, -2)

    def column(self, name: str, n: int) -> np.ndarray:
        """A term kind's `Column` of per-paper numbers (`terms.COLUMNS`)."""
        return self._columns[name][:n]

    def tag_mask(self, tag: str, n: int) -> _Mask:
        """The slots with the folded tag `tag`."""
        return self._mask_of(self._tag_slots.get(tag, ()), n)

    def source_mask(self, part: str, n: int) -> _Mask:
        """The slots imported from a file whose folded name contains `part`."""
        found = [s for name, s in self._source_slots.items() if part in name]
        return self._mask_of(set().union(*found), n)

    def id_prefix_mask(self, prefix: str, n: int) -> _Mask:
        """The slots whose paper id starts with `prefix`."""
        found = [self._slot_of[i] for i in starting_with(self._sorted_ids, prefix)]
        return self._mask_of(found, n)

    @staticmethod
    def _mask_of(slots: Iterable[int], n: int) -> _Mask:
        mask = np.zeros(n, dtype=bool)
        idx = np.fromiter(slots, dtype=np.intp)
        mask[idx] = True
        return mask

    def _postings(self, name: str) -> Mapping[str, Posting | set[int]]:
        return self._static[name] if name in self._static else self._dynamic[name]

    def _cache_term(self, key: tuple[str, str, str], scores: _Scores) -> None:
        scores.flags.writeable = False  # shared by later searches
        if len(self._term_cache) >= _TERM_CACHE_SIZE:
            del self._term_cache[next(iter(self._term_cache))]
        self._term_cache[key] = scores

    def _compute_word_scores(self, word: str, fld: str, n: int) -> _Scores:
        parts = tokens(word)
        if not parts:
            # Punctuation only: a phrase; computed over everything, as it is cached.
            return self._phrase_scores(word, fld, self._flag["alive"][:n], n)
        if len(parts) == 1:
            return self._token_scores(parts[0], fld, n)
        # "gpt-4", "fine-tuning": every part must match; the score is their mean.
        unique = set(parts)
        total = np.zeros(n)
        every = np.ones(n, dtype=bool)
        for part in unique:
            scores = self._token_scores(part, fld, n)
            every &= scores > 0
            total += scores
        total /= len(unique)
        total[~every] = 0.0
        return np.round(total, 2)

    def _token_scores(self, token: str, fld: str, n: int) -> _Scores:
        vocab = self._author_vocab if fld == "author" else self._text_vocab
        names = _FIELDS_FOR[fld]
        weights = [(name, FIELD_WEIGHT[name] if fld == "" else 1.0) for name in names]
        # Typo matches only for a word the library does not contain as typed: a real
        # word's near neighbours ("rlhf" -> "rrhf", "data" -> "date") are other words.
        scope = ("author",) if fld == "author" else _ALL_TEXT
        typos = not any(token in self._postings(name) for name in scope)
        groups: dict[float, list[Posting | set[int]]] = {}
        for tok, quality in vocab.expand(token, typos=typos):
            for name, weight in weights:
                posting = self._postings(name).get(tok)
                if posting is not None and len(posting):
                    groups.setdefault(round(quality * weight, 2), []).append(posting)
        scores = np.zeros(n)
        # Ascending, so a slot's best hit is written last and wins.
        for score in sorted(groups):
            scores[slots_of(groups[score])] = score
        return scores

    def _phrase_scores(self, phrase: str, fld: str, allowed: _Mask, n: int) -> _Scores:
        scores = np.zeros(n)
        weight = {name: FIELD_WEIGHT[name] if fld == "" else 1.0 for name in _FIELDS_FOR[fld]}
        if self._scan:
            return self._scanned_phrase_scores(phrase, weight, allowed, scores)
        if not self._with_text and self.phrase_text is not None:
            return self._filed_phrase_scores(phrase, weight, allowed, scores)
        if WORD.fullmatch(phrase):
            # A single bare word is in a field exactly when one of the field's tokens
            # contains it: the postings answer without reading any text.
            vocab = self._author_vocab if fld == "author" else self._text_vocab
            toks = vocab.containing(phrase)
            for name in sorted(weight, key=weight.__getitem__):  # best field written last
                postings = self._postings(name)
                found = slots_of([postings[t] for t in toks if t in postings])
                scores[found] = EXACT_SCORE * weight[name]
            return scores
        # Ascending weight order, so a better field's hit overwrites a worse one.
        if "abstract" in weight or "title" in weight:
            names = [name for name in ("title", "abstract") if name in weight]
            candidates = self._phrase_candidates(phrase, names, allowed)
            title = self._title
            in_title = [s for s in candidates if phrase in title[s]] if "title" in weight else []
            if "abstract" in weight:
                # A title hit already has the better score: skip its (long) abstract.
                done = set(in_title)
                rest = [s for s in candidates if s not in done] if done else candidates
                abstract = self._folded_abstract
                in_abstract = [s for s in rest if phrase in abstract(s)]
                scores[in_abstract] = EXACT_SCORE * weight["abstract"]
            scores[in_title] = EXACT_SCORE * weight.get("title", 0.0)
        if "note" in weight:
            hits = [s for s, note in self._notes.items() if s < n and phrase in note]
            scores[hits] = np.maximum(scores[hits], EXACT_SCORE * weight["note"])
        if "tags" in weight:
            hits = [s for s, tags in self._tags.items() if s < n and any(phrase in t for t in tags)]
            scores[hits] = np.maximum(scores[hits], EXACT_SCORE * weight["tags"])
        if "author" in weight:
            candidates = self._phrase_candidates(phrase, ("author",), allowed)
            authors = self._authors
            hits = [s for s in candidates if any(phrase in a for a in authors[s])]
            scores[hits] = EXACT_SCORE
        return scores

    def _scanned_phrase_scores(
        self, phrase: str, weight: Mapping[str, float], allowed: _Mask, scores: _Scores
    ) -> _Scores:
        """`_phrase_scores` without postings: the same matches and scores, found by
        reading every allowed paper's folded title, abstract, authors, tags and note."""
        slots = np.flatnonzero(allowed).tolist()
        # Ascending weight order, so a better field's hit overwrites a worse one.
        for name in sorted(weight, key=weight.__getitem__):
            if name == "title":
                title = self._title
                hits = [s for s in slots if phrase in title[s]]
            elif name == "abstract":
                hits = self._abstracts_containing(phrase, slots)
            elif name == "author":
                authors = self._authors
                hits = [s for s in slots if any(phrase in a for a in authors[s])]
            elif name == "note":
                notes = self._notes
                hits = [s for s in slots if s in notes and phrase in notes[s]]
            else:
                tags = self._tags
                hits = [s for s in slots if s in tags and any(phrase in t for t in tags[s])]
            scores[hits] = EXACT_SCORE * weight[name]
        return scores

    def _make_blob(self) -> None:
        parts: list[str] = []
        starts: list[int] = []
        at = 0
        for _title, abstract, _authors in self._raw:
            folded = scan_fold(abstract)
            starts.append(at)
            parts.append(folded)
            at += len(folded) + 1
        self._blob = "\x00".join(parts)
        self._blob_starts = starts

    def _filed_phrase_scores(
        self, phrase: str, weight: Mapping[str, float], allowed: _Mask, scores: _Scores
    ) -> _Scores:
        """`_phrase_scores` from `phrase_text` (titles, abstracts, authors) and the
        index's own tags and notes: the same matches and scores."""
        assert self.phrase_text is not None
        fields_of: dict[int, set[str]] = {}
        slot_of = self._slot_of
        for pid, fields in self.phrase_text.find(phrase).items():
            slot = slot_of.get(pid)
            if slot is not None and allowed[slot]:
                fields_of[slot] = fields
        for slot, note in self._notes.items():
            if slot < len(allowed) and allowed[slot] and phrase in note:
                fields_of.setdefault(slot, set()).add("note")
        for slot, tags in self._tags.items():
            if slot < len(allowed) and allowed[slot] and any(phrase in t for t in tags):
                fields_of.setdefault(slot, set()).add("tags")
        for slot, fields in fields_of.items():
            best = max((weight[f] for f in fields if f in weight), default=0.0)
            if best:
                scores[slot] = EXACT_SCORE * best
        return scores

    def _abstracts_containing(self, phrase: str, slots: list[int]) -> list[int]:
        """The slots (of `slots`, ascending) whose folded abstract contains `phrase`."""
        if self._blob is None or len(self._blob_starts) != len(self._raw):
            self._make_blob()
        blob, starts = self._blob, self._blob_starts
        assert blob is not None
        wanted = set(slots)
        hits: list[int] = []
        at = blob.find(phrase)
        while at >= 0:
            slot = bisect_right(starts, at) - 1
            if slot in wanted and (not hits or hits[-1] != slot):
                hits.append(slot)
            # On to the next paper: one hit per paper is enough.
            at = blob.find(phrase, starts[slot + 1] if slot + 1 < len(starts) else len(blob))
        return hits

    def _folded_abstract(self, slot: int) -> str:
        folded = self._abstract.get(slot)
        if folded is None:
            folded = self._abstract[slot] = fast_fold(self._raw[slot][1])
        return folded

    def _phrase_candidates(self, phrase: str, names: Sequence[str], allowed: _Mask) -> list[int]:
        """Slots in `allowed` whose `names` fields may contain `phrase` (a superset).

        A phrase's inner words are whole tokens of the text; its first word may be the
        end of a token and its last word the start of one, unless the phrase begins or
        ends with punctuation.
        """
        parts = tokens(phrase)
        if not parts:
            return np.flatnonzero(allowed).tolist()
        vocab = self._author_vocab if "author" in names else self._text_vocab
        open_start = bool(WORD.match(phrase[0]))
        open_end = bool(WORD.match(phrase[-1]))
        if len(parts) == 1:
            part = parts[0]
            if open_start and open_end:
                options = [vocab.containing(part)]
            elif open_end:
                options = [vocab.with_prefix(part)]
            elif open_start:
                options = [vocab.with_suffix(part)]
            else:
                options = [[part]]
        else:
            options = [vocab.with_suffix(parts[0]) if open_start else [parts[0]]]
            options += [[p] for p in parts[1:-1]]
            options.append(vocab.with_prefix(parts[-1]) if open_end else [parts[-1]])
        mask = allowed.copy()
        maps = [self._postings(name) for name in names]
        for toks in options:
            found = np.zeros(len(mask), dtype=bool)
            found[slots_of([m[t] for t in toks for m in maps if t in m])] = True
            mask &= found
        return np.flatnonzero(mask).tolist()


def _discard(mapping: dict, key: object, slot: int) -> None:
    """Remove `slot` from `mapping[key]`, dropping the key when its set empties."""
    slots = mapping.get(key)
    if slots is not None:
        slots.discard(slot)
        if not slots:
            del mapping[key]


def filter_entries(
    entries: Sequence[Entry], text: str, *, ranked: bool = False, cache: Path | None = None
) -> list[Entry]:
    """The entries matching query `text`, in their given order (best first if `ranked`).

    A one-shot convenience for the CLI: parses, indexes and searches. Raises
    `QueryError` for a malformed query. `cache`: a word-index cache to use if it fits
    (see `SearchIndex`); never written here.
    """
    query = parse(text)
    if query.is_empty():
        return list(entries)
    by_id = {e.id: e for e in entries}
    index = SearchIndex(entries, text=query.needs_text, cache=cache)
    return [by_id[pid] for pid, _ in index.search(query, ranked=ranked)]
