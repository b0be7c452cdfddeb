"""The filter query language (issue #3): parse a query, evaluate it over an index.

Terms are separated by spaces; an entry must match every term (AND).

Free text
    alignment        a word in the title, abstract, tags or note. Forgiving: it also
                     matches longer words it starts ("alig" finds "alignment", once it
                     has 3+ letters) and, when no paper contains the word as typed,
                     typos (1 edit from 4 letters, 2 from 9: "aligment" finds
                     "alignment"; words with digits must be exact). A word with
                     punctuation ("gpt-4") needs each of its parts.
    "exact phrase"   that exact text (case-insensitive) in the title, abstract, a tag
                     or the note; no typo tolerance.

Fields (names and values are case-insensitive)
    tag:rlhf  tag:"two words"   has exactly that tag
    is:starred                  starred
    is:inbox  is:to-read  is:reading  is:read  is:discarded    triage status
    has:note  has:tags  has:abstract  has:authors  has:year  has:doi
    year:2023  year:>=2022  year:<2020  (also > and <=)
    year:2020..2023  year:2020-2023  year:2020..  year:..2019     inclusive ranges
    source:mar-13               imported from a file whose name contains "mar-13"
    title:word  abstract:word  note:word  author:name      a word (or "phrase") in
                                that field only; author words match name prefixes
    id:3fa2                     paper id starts with 3fa2

Operators
    -term            excludes: -tag:survey, -is:read, -"reward model", -diffusion
    a OR b           either (binds tighter than the implicit AND:
                     `tag:dpo OR tag:rlhf is:starred` = (dpo or rlhf) and starred)

Put text containing a colon in quotes ("re:invent"); an unknown `name:` is an error,
as are unknown `is:`/`has:` values, a bad year, an unclosed quote and an empty value.
`QueryError.position` is the 0-based offset in the query text of the offending part.

Ranking: each entry gets a score 0..100, the mean of its text terms' match quality
(exact word 100, word prefix 90-99, one typo 85, two typos 70; a hit in the title or a
tag counts fully, in the note 95 %, in the abstract 85 %). Entries matched only by
field terms score 100. `SearchIndex.search(..., ranked=True)` sorts by score.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import re
import threading
from array import array
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import count, repeat
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from papersift import __version__
from papersift.fsutil import atomic_write_bytes
from papersift.models import STATUSES, Entry, Paper, PapersiftError
from papersift.normalize import search_fold as fold

__all__ = [
    "QUERY_HELP",
    "Query",
    "QueryError",
    "SearchIndex",
    "Term",
    "filter_entries",
    "parse",
]

QUERY_HELP = """\
Filter syntax (all terms must match)
  word              title/abstract/tags/note; typos and prefixes ok
  "exact phrase"    exact text, case-insensitive
  tag:rlhf          has the tag (tag:"two words")
  is:starred        is:inbox is:to-read is:reading is:read is:discarded
  has:note          has:tags has:abstract has:authors has:year has:doi
  year:2023         year:>=2022  year:<2020  year:2020..2023
  source:mar-13     imported from a file whose name contains it
  title:word        also abstract:, note:, author:  (word or "phrase")
  id:3fa2           paper id starts with
  -term             exclude, e.g. -tag:survey -is:read
  a OR b            either one
"""


class QueryError(PapersiftError):
    """A query the parser cannot understand.

    `reason` says what is wrong, `position` is the 0-based offset of the offending
    part in the query text (the TUI puts a caret there); `str()` adds the 1-based
    column for the CLI.
    """

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"{reason} (column {position + 1})")
        self.reason = reason
        self.position = position


#: Term kinds. "word" and "phrase" are text terms (they score); the rest are filters.
KINDS = ("word", "phrase", "tag", "is", "has", "year", "source", "id", "or")
#: Field names accepted before a colon.
FIELDS = ("tag", "is", "has", "year", "source", "title", "abstract", "note", "author", "id")
IS_VALUES = ("starred", *STATUSES)
_HAS_ALIASES = {
    "note": "note",
    "notes": "note",
    "tag": "tags",
    "tags": "tags",
    "abstract": "abstract",
    "author": "authors",
    "authors": "authors",
    "year": "year",
    "doi": "doi",
}
HAS_VALUES = ("note", "tags", "abstract", "authors", "year", "doi")


@dataclass(frozen=True, slots=True)
class Term:
    """One condition of a query.

    `value` is folded (see `normalize.fold`) for text, tag, source and id terms and the
    canonical name for `is`/`has`. Year terms use `lo`/`hi` (inclusive, None = open).
    `field` restricts a word or phrase ("" = title, abstract, tags and note). An "or"
    term matches when any of its `alternatives` does. `position` (0-based offset in the
    query text) is for messages and not part of equality.
    """

    kind: str
    value: str = ""
    field: str = ""
    negated: bool = False
    lo: int | None = None
    hi: int | None = None
    alternatives: tuple[Term, ...] = ()
    position: int = dataclasses.field(default=0, compare=False)

    @property
    def is_text(self) -> bool:
        """True for terms that contribute a match score (words, phrases, ORs of them)."""
        if self.kind == "or":
            return any(t.is_text for t in self.alternatives)
        return self.kind in ("word", "phrase")


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its terms are ANDed."""

    terms: tuple[Term, ...] = ()

    def is_empty(self) -> bool:
        """True when there is nothing to filter on (every entry matches)."""
        return not self.terms

    @property
    def needs_text(self) -> bool:
        """True when some term searches text (so the index must have been built with it)."""
        return any(t.is_text for t in self.terms)

    @property
    def needs_abstracts(self) -> bool:
        """True when a field term asks about abstracts (`has:abstract`, negated or in an
        "or"): papers whose texts are not read yet must not answer it."""
        terms = list(self.terms)
        while terms:
            term = terms.pop()
            if term.kind == "has" and term.value == "abstract":
                return True
            terms.extend(term.alternatives)
        return False


# --------------------------------------------------------------------------- parsing

# Terminals and pasted text bring typographic quotes; map them 1:1 so offsets stay right.
_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'))
_FIELD_NAME = re.compile(r"([A-Za-z]+):")
_WORD = re.compile(r"\w+")
_YEAR_CMP = re.compile(r"(>=|<=|>|<|=)?([0-9]{1,4})")
_YEAR_RANGE = re.compile(r"([0-9]{1,4})?\.\.([0-9]{1,4})?|([0-9]{1,4})-([0-9]{1,4})")
_OR = object()


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The text between the quote at `start` and the next quote, and the offset after it."""
    end = text.find('"', start + 1)
    if end < 0:
        raise QueryError('unclosed quote: add the closing "', start)
    return text[start + 1 : end], end + 1


def _read_bare(text: str, start: int) -> tuple[str, int]:
    # A bare word stops at a quote too, so `foo"bar baz"` is a word and a phrase.
    end = start
    n = len(text)
    while end < n and not text[end].isspace() and text[end] != '"':
        end += 1
    return text[start:end], end


def _text_term(value: str, quoted: bool, fld: str, negated: bool, pos: int) -> Term | None:
    folded = fold(value)
    if not folded:
        if quoted:
            raise QueryError("empty phrase: put some text between the quotes", pos)
        return None
    # A "word" of punctuation only ("++") has nothing to fuzzy-match: search it verbatim.
    kind = "phrase" if quoted or not _WORD.search(folded) else "word"
    return Term(kind, folded, field=fld, negated=negated, position=pos)


def _year_term(value: str, negated: bool, pos: int, vpos: int) -> Term:
    if m := _YEAR_CMP.fullmatch(value):
        op, year = m.group(1) or "=", int(m.group(2))
        lo, hi = {
            "=": (year, year),
            ">=": (year, None),
            ">": (year + 1, None),
            "<=": (None, year),
            "<": (None, year - 1),
        }[op]
    elif (m := _YEAR_RANGE.fullmatch(value)) and any(m.groups()):
        first, last = (m.group(1), m.group(2)) if m.group(3) is None else (m.group(3), m.group(4))
        lo = int(first) if first else None
        hi = int(last) if last else None
        if lo is not None and hi is not None and lo > hi:
            raise QueryError(f"empty year range {value}: the first year is after the last", vpos)
    else:
        raise QueryError(
            f'"year:{value}" is not a year: use e.g. year:2023, year:>=2022 or year:2020..2023',
            vpos,
        )
    return Term("year", value, negated=negated, lo=lo, hi=hi, position=pos)


def _field_term(
    name: str, value: str, quoted: bool, negated: bool, pos: int, vpos: int
) -> Term | None:
    if not value.strip():
        hint = " (no space after the colon)" if not quoted else ""
        raise QueryError(f'"{name}:" needs a value{hint}', vpos)
    if name in ("title", "abstract", "note", "author"):
        return _text_term(value, quoted, name, negated, pos)
    if name == "year":
        return _year_term(value, negated, pos, vpos)
    if name == "is":
        key = value.casefold()
        if key not in IS_VALUES:
            raise QueryError(f'unknown "is:{value}": use one of is:{", is:".join(IS_VALUES)}', vpos)
        return Term("is", key, negated=negated, position=pos)
    if name == "has":
        key = _HAS_ALIASES.get(value.casefold())
        if key is None:
            raise QueryError(
                f'unknown "has:{value}": use one of has:{", has:".join(HAS_VALUES)}', vpos
            )
        return Term("has", key, negated=negated, position=pos)
    folded = fold(value)
    if not folded:
        raise QueryError(f'"{name}:" needs a value', vpos)
    return Term(name, folded, negated=negated, position=pos)


def parse(text: str) -> Query:
    """Parse query text (syntax in the module docstring) into a `Query`.

    Raises `QueryError` (with `.position`) for a malformed query and never anything
    else, whatever the input.
    """
    text = text.translate(_QUOTES)
    items: list[tuple[object, int]] = []  # (Term or _OR, position)
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        negated = text[i] == "-"
        if negated:
            i += 1
            if i >= n or text[i].isspace():
                raise QueryError('"-" must be followed by the term to exclude', start)
        term: Term | None
        if text[i] == '"':
            value, i = _read_quoted(text, i)
            term = _text_term(value, True, "", negated, start)
        elif (m := _FIELD_NAME.match(text, i)) is not None:
            name, vpos = m.group(1).lower(), m.end()
            if name not in FIELDS:
                raise QueryError(
                    f'unknown field "{m.group(1)}:" (fields: {", ".join(FIELDS)}); '
                    "put text containing a colon in quotes",
                    i,
                )
            quoted = vpos < n and text[vpos] == '"'
            value, i = _read_quoted(text, vpos) if quoted else _read_bare(text, vpos)
            term = _field_term(name, value, quoted, negated, start, vpos)
        else:
            value, i = _read_bare(text, i)
            if value == "OR" and not negated:
                items.append((_OR, start))
                continue
            term = _text_term(value, False, "", negated, start)
        if term is not None:
            items.append((term, start))
    return Query(_join_or(items))


def _join_or(items: list[tuple[object, int]]) -> tuple[Term, ...]:
    terms: list[Term] = []
    pending: int | None = None  # position of an OR waiting for its right-hand term
    for item, pos in items:
        if item is _OR:
            if not terms or pending is not None:
                raise QueryError("OR needs a term on each side", pos)
            pending = pos
            continue
        assert isinstance(item, Term)
        if pending is None:
            terms.append(item)
            continue
        left = terms.pop()
        alternatives = left.alternatives if left.kind == "or" else (left,)
        terms.append(Term("or", alternatives=(*alternatives, item), position=left.position))
        pending = None
    if pending is not None:
        raise QueryError("OR needs a term on each side", pending)
    return tuple(terms)


# --------------------------------------------------------------------------- matching

#: Word expansion: prefixes from this many characters, typos only for letter-only words.
PREFIX_MIN = 3
EXACT_SCORE = 100.0
TYPO_PENALTY = 15.0  # per edit
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
_MAX_CHAR = "\U0010ffff"
_EXPAND_CACHE_SIZE = 512
_TERM_CACHE_SIZE = 8
_NO_YEAR = int(np.iinfo(np.int32).min)
_MAX_YEAR = int(np.iinfo(np.int32).max)
_PROGRESS_STEP = 2048
_POSTING_DTYPE = np.dtype(f"u{array('I').itemsize}")

# For ASCII, lower-casing and blanking non-word bytes then splitting gives exactly the
# tokens of `\w+` on fold(text), several times faster; building is dominated by this.
_ASCII_TOKEN_TABLE = bytes(
    (ord(chr(b).lower()) if chr(b).isalnum() or b == ord("_") else ord(" ")) if b < 128 else b
    for b in range(256)
)


def _fold(text: str) -> str:
    """`normalize.search_fold` (accents folded too), with a fast path for ASCII (NFKC
    and case folding are then plain lower-casing, and the only translated ASCII
    character is the backtick)."""
    if text.isascii():
        return " ".join(text.lower().replace("`", "'").split())
    return fold(text)


def text_tokens(text: str) -> list[str]:
    """`tokens(_fold(text))` of raw text; for ASCII in one pass (the table lower-cases
    and blanks what folding would have changed), which is most of the index build."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TOKEN_TABLE).decode("ascii").split()
    return tokens(fold(text))


def tokens(folded: str) -> list[str]:
    """The word tokens (`\\w+` runs) of already-folded text, in order: the unit of the index."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_TOKEN_TABLE).decode("ascii").split()
    return _WORD.findall(folded)


def max_edits(word: str) -> int:
    """How many typos (OSA edits) a query word tolerates: none for short or non-letter words."""
    if len(word) < 4 or not word.isalpha():
        return 0
    return 1 if len(word) < 9 else 2


def prefix_score(word: str, token: str) -> float:
    """90..99 for a prefix: the more of the token typed, the better."""
    return float(min(99, 90 + round(10 * len(word) / len(token))))


def word_quality(word: str, token: str, *, typos: bool = True) -> float:
    """How well query `word` matches index `token` (0 = not at all); see the module doc.

    `typos=False` for a word that occurs in the library as typed: then only exact and
    prefix matches count.
    """
    if word == token:
        return EXACT_SCORE
    if len(word) >= PREFIX_MIN and token.startswith(word):
        return prefix_score(word, token)
    k = max_edits(word) if typos else 0
    if k and abs(len(word) - len(token)) <= k:
        d = OSA.distance(word, token, score_cutoff=k)
        if d <= k:
            return EXACT_SCORE - TYPO_PENALTY * d
    return 0.0


class _Vocab:
    """The distinct tokens of some fields, for prefix, suffix, substring and typo lookups.

    Tokens are only ever added: a token whose postings emptied just expands to nothing.
    """

    __slots__ = ("_by_len", "_cache", "_known", "_pending", "_reversed", "_sorted")

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._pending: list[str] = []
        self._sorted: list[str] = []
        self._reversed: list[str] = []
        self._by_len: dict[int, list[str]] = {}
        self._cache: dict[tuple[str, bool], list[tuple[str, float]]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def add(self, toks: set[str]) -> None:
        new = toks - self._known
        if new:
            self._known |= new
            self._pending.extend(new)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if len(pending) > 1000 or len(pending) * 20 > len(self._sorted):
            self._sorted = sorted(self._known)
            self._reversed = sorted(t[::-1] for t in self._known)
        else:
            for tok in pending:
                insort(self._sorted, tok)
                insort(self._reversed, tok[::-1])
        for tok in sorted(pending):
            self._by_len.setdefault(len(tok), []).append(tok)
        self._cache.clear()

    def with_prefix(self, prefix: str) -> list[str]:
        if self._pending:
            self._flush()
        lo = bisect_left(self._sorted, prefix)
        hi = bisect_left(self._sorted, prefix + _MAX_CHAR, lo)
        return self._sorted[lo:hi]

    def with_suffix(self, suffix: str) -> list[str]:
        if self._pending:
            self._flush()
        rev = suffix[::-1]
        lo = bisect_left(self._reversed, rev)
        hi = bisect_left(self._reversed, rev + _MAX_CHAR, lo)
        return [t[::-1] for t in self._reversed[lo:hi]]

    def containing(self, part: str) -> list[str]:
        if self._pending:
            self._flush()
        return [t for t in self._sorted if part in t]

    def expand(self, word: str, *, typos: bool) -> list[tuple[str, float]]:
        """Tokens `word` matches (exact, prefix, typo) with their quality, best first."""
        if self._pending:
            self._flush()
        cached = self._cache.get((word, typos))
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if word in self._known:
            found[word] = EXACT_SCORE
        if len(word) >= PREFIX_MIN:
            for tok in self.with_prefix(word):
                if tok != word:
                    found[tok] = prefix_score(word, tok)
        k = max_edits(word) if typos else 0
        if k:
            # Only lengths within k edits can match; rapidfuzz scans each bucket in C.
            for length in range(max(1, len(word) - k), len(word) + k + 1):
                bucket = self._by_len.get(length)
                if not bucket:
                    continue
                for tok, dist, _ in process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=k, limit=None
                ):
                    score = EXACT_SCORE - TYPO_PENALTY * dist
                    if dist and score > found.get(tok, 0.0):
                        found[tok] = score
        result = sorted(found.items(), key=lambda item: (-item[1], item[0]))
        if len(self._cache) >= _EXPAND_CACHE_SIZE:
            self._cache.clear()
        self._cache[(word, typos)] = result
        return result


_Mask = np.ndarray  # bool, one per slot
_Scores = np.ndarray  # float64, one per slot, 0 = no match


#: A token's slots: a numpy array from the bulk build, an `array` once changed.
_Posting = np.ndarray | array
_NO_TEXT: tuple[str, str, tuple[str, ...]] = ("", "", ())


def _growable(postings: dict[str, _Posting], tok: str, posting: _Posting) -> array:
    """`posting`, turned into an `array` (and stored back) if it is a numpy array."""
    if isinstance(posting, array):
        return posting
    grown = array("I", posting.astype(_POSTING_DTYPE, copy=False).tobytes())
    postings[tok] = grown
    return grown


#: Elements (and papers) per step of `_bulk_postings`'s array arithmetic: temporaries
#: of a few MB instead of the whole 13M-element arrays of 100k papers, at the same speed.
_KEY_CHUNK = 1 << 20
_KEY_CHUNK_SLOTS = 8192


def _bulk_postings(
    texts: Sequence[str],
    tokenize: Callable[[str], list[str]],
    report: Callable[[float], None] | None = None,
) -> dict[str, np.ndarray]:
    """{token: ascending slot array} of texts[slot], all at once.

    Each text's distinct tokens are numbered by a counter as they are met (a token
    keeps the number of its first sighting, so numbers grow in first-seen order, the
    dict's order); one stable sort of the numbers then groups the slots by token.
    """
    code_of: dict[str, int] = {}
    number = code_of.setdefault
    counter = count()
    codes = array("q")
    sizes = array("q")
    for n, text in enumerate(texts, 1):
        toks = set(tokenize(text))
        codes.extend(map(number, toks, counter))
        sizes.append(len(toks))
        if report is not None and not n % _PROGRESS_STEP:
            report(n / len(texts))
    if not codes:
        return {}
    # One key per (token, slot), sorted in place: several times faster than a stable
    # argsort of the token numbers, and slots come out ascending within a token.
    # At 100k papers these are 13M-element arrays (100 MB each as int64): the keys are
    # made in the codes' own buffer, and every temporary is one chunk's, not whole.
    n = max(len(sizes), 1)
    keys = np.frombuffer(codes, dtype=np.int64)  # a view: codes' memory, writable
    keys *= n
    sizes_arr = np.frombuffer(sizes, dtype=np.int64)
    ends = np.cumsum(sizes_arr)
    for first in range(0, len(sizes_arr), _KEY_CHUNK_SLOTS):
        last = min(first + _KEY_CHUNK_SLOTS, len(sizes_arr))
        start = int(ends[first - 1]) if first else 0
        keys[start : int(ends[last - 1])] += np.repeat(
            np.arange(first, last, dtype=np.int64), sizes_arr[first:last]
        )
    keys.sort()
    slots = np.empty(len(keys), dtype=_POSTING_DTYPE)
    for start in range(0, len(keys), _KEY_CHUNK):
        part = keys[start : start + _KEY_CHUNK]
        slots[start : start + len(part)] = part % n
        np.floor_divide(part, n, out=part)
    starts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    del keys, codes
    return dict(zip(code_of, np.split(slots, starts), strict=True))


#: Bump when tokenizing or the cache's layout changes: caches of another format are
#: rebuilt, never read.
_CACHE_FORMAT = 1
_CACHE_FIELDS = ("title", "abstract", "author")


def _texts_digest(papers: Sequence[Paper]) -> str:
    """`_texts_digest_of` the papers' (title, abstract, authors)."""
    return _texts_digest_of([(p.title, p.abstract, tuple(p.authors)) for p in papers])


def _texts_digest_of(texts: Sequence[tuple[str, str, tuple[str, ...]]]) -> str:
    """A fingerprint of everything the word index is made from, in slot order.

    The cache is keyed by content, not by a file's stamp: it can never describe other
    texts than the ones being indexed, whoever wrote the corpus meanwhile. Hashing the
    ~100 MB of texts of 100k papers takes ~0.3 s, against ~5 s to tokenize them."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"papersift word index {_CACHE_FORMAT} {__version__}\n".encode())
    for title, abstract, authors in texts:
        for part in (title, abstract, "\x1f".join(authors)):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
    return digest.hexdigest()


def _save_postings(path: Path, digest: str, fields: Mapping[str, dict[str, _Posting]]) -> None:
    """Write the word index's postings to `path` (atomically), for `_load_postings`.

    Per field: its tokens joined by newlines (a token is a run of word characters), the
    number of slots of each, and all the slots in one array: plain numpy arrays, read
    back without pickle."""
    arrays: dict[str, np.ndarray] = {"digest": np.frombuffer(digest.encode(), dtype=np.uint8)}
    for name in _CACHE_FIELDS:
        postings = fields[name]
        arrays[f"{name}_tokens"] = np.frombuffer("\n".join(postings).encode(), dtype=np.uint8)
        arrays[f"{name}_lengths"] = np.fromiter(
            (len(a) for a in postings.values()), dtype=np.int64, count=len(postings)
        )
        parts = [np.asarray(a, dtype=_POSTING_DTYPE) for a in postings.values()]
        arrays[f"{name}_slots"] = (
            np.concatenate(parts) if parts else np.empty(0, dtype=_POSTING_DTYPE)
        )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with contextlib.suppress(OSError, PapersiftError):
        atomic_write_bytes(path, buffer.getvalue())


def _load_postings(path: Path, digest: str, slots: int) -> dict[str, dict[str, np.ndarray]] | None:
    """The postings `_save_postings` wrote for these very texts (`digest`), or None.

    None for a missing, damaged, foreign or stale file: the caller builds the index."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if bytes(data["digest"]).decode() != digest:
                return None
            found: dict[str, dict[str, np.ndarray]] = {}
            for name in _CACHE_FIELDS:
                raw = bytes(data[f"{name}_tokens"]).decode()
                toks = raw.split("\n") if raw else []
                lengths = data[f"{name}_lengths"]
                all_slots = data[f"{name}_slots"]
                if (
                    len(toks) != len(lengths)
                    or lengths.dtype != np.int64
                    or all_slots.dtype != _POSTING_DTYPE
                    or int(lengths.sum()) != len(all_slots)
                    or (len(lengths) and int(lengths.min()) < 1)
                    or (
                        len(all_slots)
                        and not 0 <= int(all_slots.min()) <= int(all_slots.max()) < slots
                    )
                ):
                    return None
                parts = np.split(all_slots, np.cumsum(lengths)[:-1]) if toks else []
                found[name] = dict(zip(toks, parts, strict=True))
            return found
    except Exception:  # any unreadable cache is only a cache
        return None


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
        progress: Callable[[int, int], None] | None = None,
        cache: Path | None = None,
    ) -> None:
        """Index `entries` (in this order). `text=False` skips the word index of titles,
        abstracts and authors, which is most of the build time, for callers whose
        queries have only field terms (`not query.needs_text`). `progress(done, total)`
        is called every few thousand entries.

        `cache` names a word-index file `save_cache` wrote: used when it was made from
        exactly these papers' texts (`from_cache` then says so), else the words are
        indexed as without it. A cache that cannot be read is simply not used."""
        self._lock = threading.Lock()
        self._with_text = text
        #: True when the word index was read from `cache` rather than built.
        self.from_cache = False
        self._ids: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self._sorted_ids: list[str] = []
        # Per slot: the raw (title, abstract, authors), to tell a changed paper and to
        # unindex it; folded titles and authors for phrases; folded abstracts, long and
        # only read by phrase searches, are folded on first need.
        self._raw: list[tuple[str, str, tuple[str, ...]]] = []
        self._title: list[str] = []
        self._abstract: dict[int, str] = {}
        self._authors: list[tuple[str, ...]] = []
        # Postings of title, abstract and author tokens: numpy slot arrays from the bulk
        # build, turned into growable arrays if a later update changes them.
        self._static: dict[str, dict[str, _Posting]] = {"title": {}, "abstract": {}, "author": {}}
        self._dynamic: dict[str, dict[str, set[int]]] = {"tags": {}, "note": {}}
        self._text_vocab = _Vocab()
        self._author_vocab = _Vocab()
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
        self._year = np.zeros(0, dtype=np.int32)
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
            if not n % _PROGRESS_STEP:
                report(share * n / total)
        if bulk and total:
            self._index_text_bulk([e.paper for e in entries], lambda f: report(share + f), cache)
        report(1.0)
        self._sorted_ids = sorted(self._slot_of)
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
        self._year = grown(self._year, _NO_YEAR)
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
        if self._with_text and with_text:
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

    def _index_text(self, slot: int, raw: tuple[str, str, tuple[str, ...]]) -> None:
        title, _, authors = raw
        self._raw[slot] = raw
        self._title[slot] = _fold(title)
        self._abstract.pop(slot, None)
        self._authors[slot] = tuple(a for a in map(_fold, authors) if a)
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
                    _growable(postings, tok, posting).append(slot)
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
            fields = {name: dict(self._static[name]) for name in _CACHE_FIELDS}
        digest = _texts_digest_of(texts)
        with contextlib.suppress(Exception):
            _save_postings(path, digest, fields)

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
        self._title = [_fold(p.title) for p in papers]
        self._authors = [tuple(a for a in map(_fold, p.authors) if a) for p in papers]
        report(0.1)
        cached = None
        if cache is not None and cache.is_file():
            cached = _load_postings(cache, _texts_digest(papers), len(papers))
        if cached is not None:
            title, abstract, author = cached["title"], cached["abstract"], cached["author"]
            self.from_cache = True
        else:
            title = _bulk_postings([p.title for p in papers], text_tokens)
            report(0.2)
            abstract = _bulk_postings(
                [p.abstract for p in papers], text_tokens, lambda f: report(0.2 + 0.6 * f)
            )
            author = _bulk_postings([" ".join(a) for a in self._authors], tokens)
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
                arr = _growable(postings, tok, posting)
                arr.remove(slot)
                if not arr:
                    del postings[tok]
        self._raw[slot] = _NO_TEXT

    def _index_attributes(self, slot: int, entry: Entry) -> None:
        paper = entry.paper
        if paper.year is not None:
            self._year[slot] = min(max(paper.year, _NO_YEAR + 1), _MAX_YEAR)
            self._flag["year"][slot] = True
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
        self._year[slot] = _NO_YEAR
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
        note = _fold(triage.note)
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
        self, query: Query, *, within: Sequence[str] | None = None, ranked: bool = False
    ) -> list[tuple[str, float]]:
        """(paper id, score 0..100) of the entries matching `query`.

        `within` restricts the search to those ids (unknown ids are ignored). Results
        are in index order, or best score first (ties in index order) when `ranked`.
        An empty query matches everything with score 100. Raises ValueError for a text
        query on an index built with `text=False`.
        """
        slots, values = self._matches(query, within, ranked)
        ids = self._id_col[slots].tolist()
        if values is None:
            return list(zip(ids, repeat(EXACT_SCORE)))
        return list(zip(ids, values.tolist(), strict=True))

    def search_ids(
        self, query: Query, *, within: Sequence[str] | None = None, ranked: bool = False
    ) -> list[str]:
        """The ids `search` would return, without their scores (several times cheaper
        for large results: no pair per hit)."""
        slots, _ = self._matches(query, within, ranked)
        return self._id_col[slots].tolist()

    def _matches(
        self, query: Query, within: Sequence[str] | None, ranked: bool
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The matching slots in result order and their scores (None: all 100)."""
        if not self._with_text and query.needs_text:
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
            # Filters first, then words, then phrases (checked only on what is left),
            # exclusions last; a text term's scores are summed for the mean.
            order = sorted(query.terms, key=_cost_rank)
            total: _Scores | None = None
            scored = 0
            for term in order:
                if not mask.any():
                    break
                matched, scores = self._evaluate(term, mask, n)
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

    def _evaluate(self, term: Term, allowed: _Mask, n: int) -> tuple[_Mask, _Scores | None]:
        """The slots matching `term` (ignoring its negation) and, for a text term, their
        scores. Matches outside `allowed` may be missed: callers only look inside it."""
        kind = term.kind
        if kind == "word":
            scores = self._word_scores(term.value, term.field, allowed, n)
            return scores > 0, scores
        if kind == "phrase":
            key = (kind, term.value, term.field)
            scores = self._term_cache.get(key)
            if scores is None:
                scores = self._phrase_scores(term.value, term.field, allowed, n)
                # Checked only inside `allowed`: reusable when that was everything.
                if np.count_nonzero(allowed) == len(self._slot_of):
                    self._cache_term(key, scores)
            return scores > 0, scores
        if kind == "or":
            return self._evaluate_or(term, allowed, n)
        if kind == "tag":
            return self._mask_of(self._tag_slots.get(term.value, ()), n), None
        if kind == "is":
            if term.value == "starred":
                return self._flag["starred"][:n], None
            code = self._status_code.get(term.value, -2)
            return self._status[:n] == code, None
        if kind == "has":
            return self._flag[term.value][:n], None
        if kind == "year":
            lo = _NO_YEAR + 1 if term.lo is None else term.lo
            hi = _MAX_YEAR if term.hi is None else term.hi
            years = self._year[:n]
            return (years >= lo) & (years <= hi), None
        if kind == "source":
            found = [s for name, s in self._source_slots.items() if term.value in name]
            return self._mask_of(set().union(*found), n), None
        if kind == "id":
            found = [self._slot_of[i] for i in self._id_prefix(term.value)]
            return self._mask_of(found, n), None
        raise AssertionError(f"unknown term kind {kind!r}")

    def _evaluate_or(self, term: Term, allowed: _Mask, n: int) -> tuple[_Mask, _Scores | None]:
        matched = np.zeros(n, dtype=bool)
        best = np.zeros(n) if term.is_text else None
        for alt in term.alternatives:
            found, scores = self._evaluate(alt, allowed, n)
            if alt.negated:
                found, scores = ~found, None
            matched |= found
            if best is not None:
                # A matching filter alternative counts as a perfect hit.
                np.maximum(best, EXACT_SCORE * found if scores is None else scores, out=best)
        return matched, best

    @staticmethod
    def _mask_of(slots: Iterable[int], n: int) -> _Mask:
        mask = np.zeros(n, dtype=bool)
        idx = np.fromiter(slots, dtype=np.intp)
        mask[idx] = True
        return mask

    def _id_prefix(self, prefix: str) -> list[str]:
        ids = self._sorted_ids
        lo = bisect_left(ids, prefix)
        hi = bisect_left(ids, prefix + _MAX_CHAR, lo)
        return ids[lo:hi]

    def _slots_of(self, postings: Sequence[_Posting | set[int]]) -> np.ndarray:
        """All slots in `postings` as one index array (duplicates are harmless)."""
        parts = [
            p
            if isinstance(p, np.ndarray)
            else np.frombuffer(p, dtype=_POSTING_DTYPE)
            if isinstance(p, array)
            else np.fromiter(p, dtype=_POSTING_DTYPE, count=len(p))
            for p in postings
        ]
        # concatenate copies, so no view keeps a buffer export on an array that
        # update() may later resize.
        return np.concatenate(parts) if parts else np.zeros(0, dtype=_POSTING_DTYPE)

    def _postings(self, name: str) -> Mapping[str, _Posting | set[int]]:
        return self._static[name] if name in self._static else self._dynamic[name]

    def _cache_term(self, key: tuple[str, str, str], scores: _Scores) -> None:
        scores.flags.writeable = False  # shared by later searches
        if len(self._term_cache) >= _TERM_CACHE_SIZE:
            del self._term_cache[next(iter(self._term_cache))]
        self._term_cache[key] = scores

    def _word_scores(self, word: str, fld: str, allowed: _Mask, n: int) -> _Scores:
        key = ("word", word, fld)
        cached = self._term_cache.get(key)
        if cached is None:
            cached = self._compute_word_scores(word, fld, allowed, n)
            self._cache_term(key, cached)
        return cached

    def _compute_word_scores(self, word: str, fld: str, allowed: _Mask, n: int) -> _Scores:
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
        groups: dict[float, list[_Posting | set[int]]] = {}
        for tok, quality in vocab.expand(token, typos=typos):
            for name, weight in weights:
                posting = self._postings(name).get(tok)
                if posting is not None and len(posting):
                    groups.setdefault(round(quality * weight, 2), []).append(posting)
        scores = np.zeros(n)
        # Ascending, so a slot's best hit is written last and wins.
        for score in sorted(groups):
            scores[self._slots_of(groups[score])] = score
        return scores

    def _phrase_scores(self, phrase: str, fld: str, allowed: _Mask, n: int) -> _Scores:
        scores = np.zeros(n)
        weight = {name: FIELD_WEIGHT[name] if fld == "" else 1.0 for name in _FIELDS_FOR[fld]}
        if _WORD.fullmatch(phrase):
            # A single bare word is in a field exactly when one of the field's tokens
            # contains it: the postings answer without reading any text.
            vocab = self._author_vocab if fld == "author" else self._text_vocab
            toks = vocab.containing(phrase)
            for name in sorted(weight, key=weight.__getitem__):  # best field written last
                postings = self._postings(name)
                found = self._slots_of([postings[t] for t in toks if t in postings])
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

    def _folded_abstract(self, slot: int) -> str:
        folded = self._abstract.get(slot)
        if folded is None:
            folded = self._abstract[slot] = _fold(self._raw[slot][1])
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
        open_start = bool(_WORD.match(phrase[0]))
        open_end = bool(_WORD.match(phrase[-1]))
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
            found[self._slots_of([m[t] for t in toks for m in maps if t in m])] = True
            mask &= found
        return np.flatnonzero(mask).tolist()


def _cost_rank(term: Term) -> int:
    """Evaluation order: cheap filters, words, phrases and ORs, then exclusions."""
    if term.negated:
        return 3
    if term.kind == "word":
        return 1
    if term.kind in ("phrase", "or"):
        return 2
    return 0


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
