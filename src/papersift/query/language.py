"""The filter query language (issue #3): query text to a `Query`, and its help text.

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

Fields (names and values are case-insensitive): `name:value`, one row each in
`terms.TERM_KINDS`. Their help lines (`QUERY_HELP`, shown by `papersift help-query`
and the TUI's `?` screen) are the reference; the table says more beside each row.

Operators
    -term            excludes: -tag:survey, -is:read, -"reward model", -diffusion
    a OR b           either (binds tighter than the implicit AND:
                     `tag:dpo OR tag:rlhf is:starred` = (dpo or rlhf) and starred)
    a or b           the same: a lower-case `or` between two terms is OR too (issue
                     #18: `dpo or rlhf` typed as three words found 6 papers, not 36).
                     Anywhere else (`or`, `or a`, `a or`) it is the word "or", and
                     `"or"` in quotes always is; a dangling upper-case `OR` is an error.

Put text containing a colon in quotes ("re:invent"); an unknown `name:` is an error,
as are unknown `is:`/`has:` values, a bad year, an unclosed quote and an empty value.
`QueryError.position` is the 0-based offset in the query text of the offending part.

Ranking: each entry gets a score 0..100, the mean of its text terms' match quality
(exact word 100, word prefix 90-99, one typo 85, two typos 70; a hit in the title or a
tag counts fully, in the note 95 %, in the abstract 85 %). Entries matched only by
field terms score 100. `SearchIndex.search(..., ranked=True)` sorts by score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from papersift.query.terms import (
    FIELD_KINDS,
    FIELDS,
    TERM_KINDS,
    FieldValue,
    Query,
    QueryError,
    Term,
    text_term,
)

if TYPE_CHECKING:
    from papersift.models import Paper

__all__ = ["QUERY_HELP", "absent_fields", "absent_message", "parse"]


def _help_text() -> str:
    lines = ["Filter syntax (all terms must match)"]
    lines += [f"  {syntax:<18}{what}" for kind in TERM_KINDS for syntax, what in kind.help]
    return "\n".join(lines) + "\n"


#: The syntax in brief, one line per row of `TERM_KINDS` (`papersift help-query`, `?`).
QUERY_HELP = _help_text()

# Terminals and pasted text bring typographic quotes; map them 1:1 so offsets stay right.
_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'))
_FIELD_NAME = re.compile(r"([A-Za-z]+):")
_OR = object()
# A lower-case `or`: OR between two terms, else the plain word (see _join_or).
_SOFT_OR = object()


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
            term = text_term(value, True, "", negated, start)
        elif (m := _FIELD_NAME.match(text, i)) is not None:
            name, vpos = m.group(1).lower(), m.end()
            kind = FIELD_KINDS.get(name)
            if kind is None or kind.parse is None:
                raise QueryError(
                    f'unknown field "{m.group(1)}:" (fields: {", ".join(FIELDS)}); '
                    "put text containing a colon in quotes",
                    i,
                )
            quoted = vpos < n and text[vpos] == '"'
            value, i = _read_quoted(text, vpos) if quoted else _read_bare(text, vpos)
            if not value.strip():
                hint = " (no space after the colon)" if not quoted else ""
                raise QueryError(f'"{name}:" needs a value{hint}', vpos)
            term = kind.parse(FieldValue(kind.name, name, value, quoted, negated, start, vpos))
        else:
            value, i = _read_bare(text, i)
            if not negated and value.lower() == "or":
                items.append((_OR if value == "OR" else _SOFT_OR, start))
                continue
            term = text_term(value, False, "", negated, start)
        if term is not None:
            items.append((term, start))
    return Query(_join_or(items))


def _join_or(items: list[tuple[object, int]]) -> tuple[Term, ...]:
    terms: list[Term] = []
    pending: int | None = None  # position of an OR waiting for its right-hand term
    for index, (item, pos) in enumerate(items):
        if item is _SOFT_OR:
            followed = index + 1 < len(items) and items[index + 1][0] not in (_OR, _SOFT_OR)
            if terms and pending is None and followed:
                pending = pos
                continue
            # Not between two terms: it is the word the user typed.
            item = text_term("or", False, "", False, pos)
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


#: Paper fields a query can need (`has:` value -> the terms that need it, its name).
#: Abstracts are left out: a lazily opened library has not read them yet.
_NEEDED_FIELDS: dict[str, tuple[str, str]] = {
    "year": ("year: and has:year match", "a year"),
    "doi": ("has:doi matches", "a DOI"),
    "authors": ("author: and has:authors match", "authors"),
}


def absent_fields(query: Query, papers: Iterable[Paper]) -> list[str]:
    """The paper fields (`year`, `doi`, `authors`) that a term of `query` requires and
    no paper of `papers` has: why it matches nothing anywhere, not just in one view.
    Stops reading `papers` as soon as each field is found once."""
    wanted: set[str] = set()
    for term in query.terms:
        if term.negated:
            continue
        if term.kind == "year":
            wanted.add("year")
        elif term.kind == "has" and term.value in _NEEDED_FIELDS:
            wanted.add(term.value)
        elif term.field == "author":
            wanted.add("authors")
    for paper in papers:
        if not wanted:
            break
        wanted = {name for name in wanted if not getattr(paper, name)}
    return [name for name in _NEEDED_FIELDS if name in wanted]


def absent_message(fields: list[str]) -> str:
    """ "No paper in the library has a year: year: and has:year match nothing." """
    return " ".join(
        f"No paper in the library has {_NEEDED_FIELDS[f][1]}: {_NEEDED_FIELDS[f][0]} nothing."
        for f in fields
    )
