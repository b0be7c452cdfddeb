"""What a query is made of: `Term`, `Query`, `QueryError`, and the table of term kinds.

Each row of `TERM_KINDS` is one kind of term (or, for "field-text" and "not", one piece
of syntax that makes terms of other kinds): the field names that introduce it
(`tag:`, `year:`…), its line of `QUERY_HELP`, how its value is parsed into a `Term`
(or a `QueryError` pointing at the value), its evaluation-cost rank, whether it needs
the word index or the abstracts, the per-paper number the index keeps for it, and how
it is evaluated against the index. The parser, the help text, the list of valid field
names, the index's columns and the search's evaluation order all read the table, so a
new operator is one row, its parse and evaluate functions, and its test.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from papersift.models import STATUSES, Paper, PapersiftError
from papersift.normalize import search_fold as fold
from papersift.query.dates import Span, comparison_bounds, parse_span, within
from papersift.query.scoring import EXACT_SCORE, WORD

__all__ = [
    "COLUMNS",
    "FIELDS",
    "FIELD_KINDS",
    "HAS_VALUES",
    "IS_VALUES",
    "KIND_OF",
    "TERM_KINDS",
    "Column",
    "FieldValue",
    "Matched",
    "Query",
    "QueryError",
    "Scope",
    "Term",
    "TermIndex",
    "TermKind",
    "cost_rank",
    "text_term",
]


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


@dataclass(frozen=True, slots=True)
class Term:
    """One condition of a query; `kind` names its row of `TERM_KINDS`.

    `value` is folded (see `normalize.fold`) for text, tag, source and id terms and the
    canonical name for `is`/`has`. Range terms (year, added) use `lo`/`hi` (inclusive,
    None = open). `field` restricts a word or phrase ("" = title, abstract, tags and
    note); for an added term it says what `lo`/`hi` count (`dates.Span.unit`). An
    "or" term matches when any of its `alternatives` does. `position` (0-based offset in
    the query text) is for messages and not part of equality.
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
        return KIND_OF[self.kind].text or any(t.is_text for t in self.alternatives)


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
    def needs_words(self) -> bool:
        """True when some term is a word (matched through the word index's vocabulary:
        prefixes, typos), as opposed to exact phrases, which a scan can answer."""
        terms = list(self.terms)
        while terms:
            term = terms.pop()
            if term.kind == "word":
                return True
            terms.extend(term.alternatives)
        return False

    @property
    def needs_abstracts(self) -> bool:
        """True when a field term asks about abstracts (`has:abstract`, negated or in an
        "or"): papers whose texts are not read yet must not answer it."""
        terms = list(self.terms)
        while terms:
            term = terms.pop()
            reads = KIND_OF[term.kind].reads_abstracts
            if reads is not None and reads(term):
                return True
            terms.extend(term.alternatives)
        return False


# --------------------------------------------------------------------------- the row type

#: Per slot: True where a term matches.
Mask = np.ndarray
#: Per slot: a text term's match score 0..100 (0 = no match).
Scores = np.ndarray
#: What evaluating a term gives: its matches and, for a text term, their scores.
Matched = tuple[Mask, Scores | None]


@dataclass(frozen=True, slots=True)
class FieldValue:
    """A `name:value` of the query text, as the parser hands it to its kind's `parse`."""

    #: The row's name (the `Term.kind` to make, for most rows).
    kind: str
    #: The field name as typed, lower-cased (a row may have several).
    field: str
    #: The value, without its quotes; never blank (the parser says so first).
    value: str
    quoted: bool
    negated: bool
    #: Offset of the whole term in the query text (a leading "-" included).
    position: int
    #: Offset of the value: where an error about it points.
    value_position: int

    def error(self, reason: str) -> QueryError:
        """A `QueryError` pointing at this value."""
        return QueryError(reason, self.value_position)


@dataclass(frozen=True, slots=True)
class Scope:
    """What the terms of one search are evaluated within."""

    #: Only slots set here need a right answer (earlier terms ruled the others out).
    allowed: Mask
    #: Slots in use.
    n: int
    #: The search's clock (epoch seconds), for terms relative to the present.
    now: float


class TermIndex(Protocol):
    """What a kind's `evaluate` may read of the index (`SearchIndex` provides it).

    Called during a search, holding the index's lock; every mask and column has one
    element per slot, `n` of them."""

    def evaluate_term(self, term: Term, scope: Scope) -> Matched:
        """`term` evaluated by its own kind (for terms made of other terms)."""
        ...

    def word_scores(self, word: str, field: str, scope: Scope) -> Scores:
        """Scores of a folded query word in `field` ("" = every text field)."""
        ...

    def phrase_scores(self, phrase: str, field: str, scope: Scope) -> Scores:
        """Scores of a folded exact phrase in `field`."""
        ...

    def flag(self, name: str, n: int) -> Mask:
        """The "starred" flag or a `has:` one (`HAS_VALUES`)."""
        ...

    def status_mask(self, status: str, n: int) -> Mask:
        """Papers with this triage status."""
        ...

    def column(self, name: str, n: int) -> np.ndarray:
        """A kind's `Column` (missing values hold the column's `missing`)."""
        ...

    def tag_mask(self, tag: str, n: int) -> Mask:
        """Papers with exactly this folded tag."""
        ...

    def source_mask(self, part: str, n: int) -> Mask:
        """Papers imported from a file whose folded name contains `part`."""
        ...

    def id_prefix_mask(self, prefix: str, n: int) -> Mask:
        """Papers whose id starts with `prefix`."""
        ...


@dataclass(frozen=True, slots=True)
class Column:
    """A number per paper that a kind filters on: the index keeps it in a numpy column."""

    name: str
    #: A numpy dtype name ("int32", "float64").
    dtype: str
    #: The value of a paper without one (and of a free slot).
    missing: float
    #: The paper's value, None for none.
    of: Callable[[Paper], float | None]


@dataclass(frozen=True, slots=True)
class TermKind:
    """One row of `TERM_KINDS`; see the module docstring."""

    name: str
    #: (syntax, what it does) lines of `QUERY_HELP`, in order.
    help: tuple[tuple[str, str], ...] = ()
    #: Field names (lower case) that introduce this kind before a colon.
    fields: tuple[str, ...] = ()
    #: A field value to its term (None: no term, e.g. punctuation only); raises
    #: `QueryError` (`FieldValue.error`) for a bad value.
    parse: Callable[[FieldValue], Term | None] | None = None
    #: The term's matches (and scores, for text) over the index's slots.
    evaluate: Callable[[TermIndex, Term, Scope], Matched] | None = None
    #: Evaluation order: lower first (cheap filters narrow what costly terms check).
    cost: int = 0
    #: A text term: it scores, and needs the word index.
    text: bool = False
    #: Whether a term of this kind asks about abstracts (texts read lazily).
    reads_abstracts: Callable[[Term], bool] | None = None
    #: The per-paper number the index keeps for this kind, if any.
    column: Column | None = None


# --------------------------------------------------------------------------- parsing values

IS_VALUES = ("starred", *STATUSES)
HAS_VALUES = ("note", "tags", "abstract", "authors", "year", "doi")
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
_YEAR_CMP = re.compile(r"(>=|<=|>|<|=)?([0-9]{1,4})")
_YEAR_RANGE = re.compile(r"([0-9]{1,4})?\.\.([0-9]{1,4})?|([0-9]{1,4})-([0-9]{1,4})")


def text_term(value: str, quoted: bool, field: str, negated: bool, position: int) -> Term | None:
    """The word or phrase term of text `value` (None for text that folds to nothing).

    Quoted text is a phrase; so is a bare "word" of punctuation only ("++"), which has
    nothing to fuzzy-match and is searched verbatim."""
    folded = fold(value)
    if not folded:
        if quoted:
            raise QueryError("empty phrase: put some text between the quotes", position)
        return None
    kind = "phrase" if quoted or not WORD.search(folded) else "word"
    return Term(kind, folded, field=field, negated=negated, position=position)


def _parse_field_text(v: FieldValue) -> Term | None:
    return text_term(v.value, v.quoted, v.field, v.negated, v.position)


def _parse_folded(v: FieldValue) -> Term:
    folded = fold(v.value)
    if not folded:
        raise v.error(f'"{v.field}:" needs a value')
    return Term(v.kind, folded, negated=v.negated, position=v.position)


def _parse_is(v: FieldValue) -> Term:
    key = v.value.casefold()
    if key not in IS_VALUES:
        raise v.error(f'unknown "is:{v.value}": use one of is:{", is:".join(IS_VALUES)}')
    return Term("is", key, negated=v.negated, position=v.position)


def _parse_has(v: FieldValue) -> Term:
    key = _HAS_ALIASES.get(v.value.casefold())
    if key is None:
        raise v.error(f'unknown "has:{v.value}": use one of has:{", has:".join(HAS_VALUES)}')
    return Term("has", key, negated=v.negated, position=v.position)


def _parse_year(v: FieldValue) -> Term:
    value = v.value
    if m := _YEAR_CMP.fullmatch(value):
        year = int(m.group(2))
        lo, hi = comparison_bounds(m.group(1) or "", year, year)
    elif (m := _YEAR_RANGE.fullmatch(value)) and any(m.groups()):
        first, last = (m.group(1), m.group(2)) if m.group(3) is None else (m.group(3), m.group(4))
        lo = int(first) if first else None
        hi = int(last) if last else None
        if lo is not None and hi is not None and lo > hi:
            raise v.error(f"empty year range {value}: the first year is after the last")
    else:
        raise v.error(
            f'"year:{value}" is not a year: use e.g. year:2023, year:>=2022 or year:2020..2023'
        )
    return Term("year", value, negated=v.negated, lo=lo, hi=hi, position=v.position)


# --------------------------------------------------------------------------- evaluating


def _evaluate_word(index: TermIndex, term: Term, scope: Scope) -> Matched:
    scores = index.word_scores(term.value, term.field, scope)
    return scores > 0, scores


def _evaluate_phrase(index: TermIndex, term: Term, scope: Scope) -> Matched:
    scores = index.phrase_scores(term.value, term.field, scope)
    return scores > 0, scores


def _evaluate_or(index: TermIndex, term: Term, scope: Scope) -> Matched:
    matched = np.zeros(scope.n, dtype=bool)
    best = np.zeros(scope.n) if term.is_text else None
    for alt in term.alternatives:
        found, scores = index.evaluate_term(alt, scope)
        if alt.negated:
            found, scores = ~found, None
        matched |= found
        if best is not None:
            # A matching filter alternative counts as a perfect hit.
            np.maximum(best, EXACT_SCORE * found if scores is None else scores, out=best)
    return matched, best


def _evaluate_tag(index: TermIndex, term: Term, scope: Scope) -> Matched:
    return index.tag_mask(term.value, scope.n), None


def _evaluate_is(index: TermIndex, term: Term, scope: Scope) -> Matched:
    if term.value == "starred":
        return index.flag("starred", scope.n), None
    return index.status_mask(term.value, scope.n), None


def _evaluate_has(index: TermIndex, term: Term, scope: Scope) -> Matched:
    return index.flag(term.value, scope.n), None


def _reads_abstracts(term: Term) -> bool:
    return term.value == "abstract"


_NO_YEAR = int(np.iinfo(np.int32).min)
_MAX_YEAR = int(np.iinfo(np.int32).max)


def _year_of(paper: Paper) -> float | None:
    return None if paper.year is None else min(max(paper.year, _NO_YEAR + 1), _MAX_YEAR)


def _evaluate_year(index: TermIndex, term: Term, scope: Scope) -> Matched:
    lo = _NO_YEAR + 1 if term.lo is None else term.lo
    hi = _MAX_YEAR if term.hi is None else term.hi
    years = index.column("year", scope.n)
    return (years >= lo) & (years <= hi), None


def _parse_added(v: FieldValue) -> Term:
    try:
        span = parse_span(v.value, v.field)
    except ValueError as exc:
        raise v.error(str(exc)) from None
    return Term("added", v.value, span.unit, v.negated, span.lo, span.hi, position=v.position)


def _added_of(paper: Paper) -> float | None:
    return paper.added if paper.added > 0 else None  # 0: from before papers had one


def _evaluate_added(index: TermIndex, term: Term, scope: Scope) -> Matched:
    span = Span(term.field, term.lo, term.hi)
    return within(span, index.column("added", scope.n), scope.now), None


def _evaluate_source(index: TermIndex, term: Term, scope: Scope) -> Matched:
    return index.source_mask(term.value, scope.n), None


def _evaluate_id(index: TermIndex, term: Term, scope: Scope) -> Matched:
    return index.id_prefix_mask(term.value, scope.n), None


# --------------------------------------------------------------------------- the table

TERM_KINDS: tuple[TermKind, ...] = (
    TermKind(
        "word",
        help=(("word", "title/abstract/tags/note; typos and prefixes ok"),),
        evaluate=_evaluate_word,
        cost=1,
        text=True,
    ),
    TermKind(
        "phrase",
        help=(('"exact phrase"', "exact text, case-insensitive"),),
        evaluate=_evaluate_phrase,
        cost=2,
        text=True,
    ),
    TermKind(
        "tag",
        help=(("tag:rlhf", 'has the tag (tag:"two words")'),),
        fields=("tag",),
        parse=_parse_folded,
        evaluate=_evaluate_tag,
    ),
    TermKind(
        "is",
        help=((f"is:{IS_VALUES[0]}", " ".join(f"is:{v}" for v in IS_VALUES[1:])),),
        fields=("is",),
        parse=_parse_is,
        evaluate=_evaluate_is,
    ),
    TermKind(
        "has",
        help=((f"has:{HAS_VALUES[0]}", " ".join(f"has:{v}" for v in HAS_VALUES[1:])),),
        fields=("has",),
        parse=_parse_has,
        evaluate=_evaluate_has,
        reads_abstracts=_reads_abstracts,
    ),
    # Inclusive ranges: year:2020..2023, year:2020-2023, year:2020.., year:..2019.
    TermKind(
        "year",
        help=(("year:2023", "year:>=2022  year:<2020  year:2020..2023"),),
        fields=("year",),
        parse=_parse_year,
        evaluate=_evaluate_year,
        column=Column("year", "int32", _NO_YEAR, _year_of),
    ),
    # The folded name of a file the paper was imported from contains the value.
    TermKind(
        "source",
        help=(("source:mar-13", "imported from a file whose name contains it"),),
        fields=("source",),
        parse=_parse_folded,
        evaluate=_evaluate_source,
    ),
    # Not a kind of its own: a word or phrase searched in one field only (author words
    # match name prefixes).
    TermKind(
        "field-text",
        help=(("title:word", 'also abstract:, note:, author:  (word or "phrase")'),),
        fields=("title", "abstract", "note", "author"),
        parse=_parse_field_text,
    ),
    TermKind(
        "id",
        help=(("id:3fa2", "paper id starts with"),),
        fields=("id",),
        parse=_parse_folded,
        evaluate=_evaluate_id,
    ),
    # When the paper entered the library (`Paper.added`), relative to the search's
    # `now` or as local dates: see `dates` for the syntax. `field` says what `lo`/`hi`
    # count (`dates.Span.unit`).
    TermKind(
        "added",
        help=(
            ("added:<7d", "added less than 7 days ago (>30d: more; h d w m y)"),
            ("added:2026-11", "added:today  added:2026-11-01..2026-11-15"),
        ),
        fields=("added",),
        parse=_parse_added,
        evaluate=_evaluate_added,
        column=Column("added", "float64", float("nan"), _added_of),
    ),
    # Not a kind of its own: any term, negated (`Term.negated`); exclusions run last.
    TermKind("not", help=(("-term", "exclude, e.g. -tag:survey -is:read"),), cost=3),
    TermKind(
        "or",
        help=(("a OR b, a or b", 'either one ("or" in quotes: the word)'),),
        evaluate=_evaluate_or,
        cost=2,
    ),
)

KIND_OF: dict[str, TermKind] = {kind.name: kind for kind in TERM_KINDS}
#: Field name before a colon -> its kind.
FIELD_KINDS: dict[str, TermKind] = {name: kind for kind in TERM_KINDS for name in kind.fields}
#: Field names accepted before a colon, in table order.
FIELDS: tuple[str, ...] = tuple(FIELD_KINDS)
#: The per-paper numbers the index keeps.
COLUMNS: tuple[Column, ...] = tuple(kind.column for kind in TERM_KINDS if kind.column)
_NEGATED_COST = KIND_OF["not"].cost


def cost_rank(term: Term) -> int:
    """Evaluation order: cheap filters, words, phrases and ORs, then exclusions."""
    return _NEGATED_COST if term.negated else KIND_OF[term.kind].cost
