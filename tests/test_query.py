"""Tests for the query language: parser, index semantics, updates, and a differential
check of `SearchIndex.search` against a slow reference matcher written from the spec."""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from operator import ge as op_ge
from operator import gt as op_gt
from operator import le as op_le
from operator import lt as op_lt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from papersift.models import STATUSES, Entry, Paper, PapersiftError, Source, Triage
from papersift.normalize import paper_id
from papersift.normalize import search_fold as fold
from papersift.query import (
    FIELDS,
    QUERY_HELP,
    Query,
    QueryError,
    SearchIndex,
    Term,
    fast_fold,
    filter_entries,
    parse,
    tokens,
)
from papersift.query import cache as query_cache
from papersift.query import index as query_index
from papersift.readers import read_path

from .conftest import SAMPLE_LISTINGS, make_library
from .test_cli import run

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"


DAY = 86400


def ORD(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal()


def W(value: str, field: str = "", negated: bool = False) -> Term:
    return Term("word", value, field=field, negated=negated)


def P(value: str, field: str = "", negated: bool = False) -> Term:
    return Term("phrase", value, field=field, negated=negated)


# --------------------------------------------------------------------------- parser

PARSE_CASES: list[tuple[str, tuple[Term, ...]]] = [
    ("", ()),
    ("   \t ", ()),
    ("alignment", (W("alignment"),)),
    ("Alignment  SURVEY", (W("alignment"), W("survey"))),
    ("-diffusion", (W("diffusion", negated=True),)),
    ("gpt-4", (W("gpt-4"),)),
    ("10:30", (W("10:30"),)),
    ("or", (W("or"),)),
    ("-OR", (W("or", negated=True),)),
    ("--foo", (W("-foo", negated=True),)),
    ("++", (P("++"),)),
    ('"Preference  Optimization"', (P("preference optimization"),)),
    ('-"reward model"', (P("reward model", negated=True),)),
    ("\u201creward model\u201d", (P("reward model"),)),
    ('"re:invent"', (P("re:invent"),)),
    ('foo"bar baz"', (W("foo"), P("bar baz"))),
    ('"a""b"', (P("a"), P("b"))),
    ("tag:RLHF", (Term("tag", "rlhf"),)),
    ('tag:"Two  Words"', (Term("tag", "two words"),)),
    ("-tag:survey", (Term("tag", "survey", negated=True),)),
    ("TAG:x", (Term("tag", "x"),)),
    ("is:starred", (Term("is", "starred"),)),
    ("is:To-Read -is:discarded", (Term("is", "to-read"), Term("is", "discarded", negated=True))),
    ('is:"reading"', (Term("is", "reading"),)),
    ("has:note", (Term("has", "note"),)),
    ("has:tag has:TAGS", (Term("has", "tags"), Term("has", "tags"))),
    (
        "has:author has:abstract has:doi",
        (Term("has", "authors"), Term("has", "abstract"), Term("has", "doi")),
    ),
    ("-has:year", (Term("has", "year", negated=True),)),
    ("year:2023", (Term("year", "2023", lo=2023, hi=2023),)),
    ("year:=2021", (Term("year", "=2021", lo=2021, hi=2021),)),
    ("year:>=2022", (Term("year", ">=2022", lo=2022),)),
    ("year:>2022", (Term("year", ">2022", lo=2023),)),
    ("year:<=2020", (Term("year", "<=2020", hi=2020),)),
    ("year:<2020", (Term("year", "<2020", hi=2019),)),
    ("year:2020..2023", (Term("year", "2020..2023", lo=2020, hi=2023),)),
    ("year:2020..", (Term("year", "2020..", lo=2020),)),
    ("year:..2019", (Term("year", "..2019", hi=2019),)),
    ("year:2020..2020", (Term("year", "2020..2020", lo=2020, hi=2020),)),
    ("year:2019-2021", (Term("year", "2019-2021", lo=2019, hi=2021),)),
    ("source:Mar-13", (Term("source", "mar-13"),)),
    ("id:3FA2", (Term("id", "3fa2"),)),
    ("title:Survey", (W("survey", field="title"),)),
    ("abstract:rlhf", (W("rlhf", field="abstract"),)),
    ('note:"to read"', (P("to read", field="note"),)),
    ("-author:Vaswani", (W("vaswani", field="author", negated=True),)),
    ("a OR b", (Term("or", alternatives=(W("a"), W("b"))),)),
    (
        "a OR b OR -tag:c",
        (Term("or", alternatives=(W("a"), W("b"), Term("tag", "c", negated=True))),),
    ),
    (
        "tag:dpo OR tag:rlhf is:starred",
        (
            Term("or", alternatives=(Term("tag", "dpo"), Term("tag", "rlhf"))),
            Term("is", "starred"),
        ),
    ),
    ("x a OR b y", (W("x"), Term("or", alternatives=(W("a"), W("b"))), W("y"))),
    # Issue #18: a lower-case `or` between two terms is OR; elsewhere it is the word.
    ("dpo or rlhf", (Term("or", alternatives=(W("dpo"), W("rlhf"))),)),
    (
        "tag:dpo Or tag:rlhf is:starred",
        (
            Term("or", alternatives=(Term("tag", "dpo"), Term("tag", "rlhf"))),
            Term("is", "starred"),
        ),
    ),
    ("a or b OR c", (Term("or", alternatives=(W("a"), W("b"), W("c"))),)),
    ("or a", (W("or"), W("a"))),
    ("a or", (W("a"), W("or"))),
    ("a OR or", (Term("or", alternatives=(W("a"), W("or"))),)),
    ('a "or" b', (W("a"), P("or"), W("b"))),
    ("-or a", (W("or", negated=True), W("a"))),
    ("added:<7d", (Term("added", "<7d", "ago", hi=7 * DAY - 1),)),
    ("added:<=7D", (Term("added", "<=7D", "ago", hi=7 * DAY),)),
    ("added:>30d", (Term("added", ">30d", "ago", lo=30 * DAY + 1),)),
    ("-added:>=2w", (Term("added", ">=2w", "ago", negated=True, lo=14 * DAY),)),
    (
        "added:<12h added:<1m",
        (
            Term("added", "<12h", "ago", hi=12 * 3600 - 1),
            Term("added", "<1m", "ago", hi=30 * DAY - 1),
        ),
    ),
    ("added:>1y", (Term("added", ">1y", "ago", lo=365 * DAY + 1),)),
    ("added:today", (Term("added", "today", "days", lo=0, hi=0),)),
    ("ADDED:Today", (Term("added", "Today", "days", lo=0, hi=0),)),
    (
        "added:2026-11",
        (Term("added", "2026-11", "date", lo=ORD(2026, 11, 1), hi=ORD(2026, 11, 30)),),
    ),
    (
        "added:2026-11-03",
        (Term("added", "2026-11-03", "date", lo=ORD(2026, 11, 3), hi=ORD(2026, 11, 3)),),
    ),
    (
        "added:2024-2-29",
        (Term("added", "2024-2-29", "date", lo=ORD(2024, 2, 29), hi=ORD(2024, 2, 29)),),
    ),
    ("added:2026", (Term("added", "2026", "date", lo=ORD(2026, 1, 1), hi=ORD(2026, 12, 31)),)),
    ("added:>=2026-11-01", (Term("added", ">=2026-11-01", "date", lo=ORD(2026, 11, 1)),)),
    ("added:>2026-11", (Term("added", ">2026-11", "date", lo=ORD(2026, 12, 1)),)),
    ("added:<2026-11", (Term("added", "<2026-11", "date", hi=ORD(2026, 10, 31)),)),
    ("added:<=2026-11", (Term("added", "<=2026-11", "date", hi=ORD(2026, 11, 30)),)),
    (
        "added:=2026-11-03",
        (Term("added", "=2026-11-03", "date", lo=ORD(2026, 11, 3), hi=ORD(2026, 11, 3)),),
    ),
    (
        "added:2026-11-01..2026-11-15",
        (
            Term(
                "added", "2026-11-01..2026-11-15", "date", lo=ORD(2026, 11, 1), hi=ORD(2026, 11, 15)
            ),
        ),
    ),
    (
        "added:2026-10..2026-11",
        (Term("added", "2026-10..2026-11", "date", lo=ORD(2026, 10, 1), hi=ORD(2026, 11, 30)),),
    ),
    ("added:2026-11..", (Term("added", "2026-11..", "date", lo=ORD(2026, 11, 1)),)),
    ("added:..2026-10", (Term("added", "..2026-10", "date", hi=ORD(2026, 10, 31)),)),
]


@pytest.mark.parametrize(("text", "terms"), PARSE_CASES)
def test_parse(text: str, terms: tuple[Term, ...]) -> None:
    assert parse(text) == Query(terms)


def test_parse_positions_point_at_each_term() -> None:
    text = 'align -tag:x  "a b" year:2020 a OR b'
    positions = [t.position for t in parse(text).terms]
    assert positions == [0, 6, 14, 20, 30]
    assert [t.position for t in parse(text).terms[-1].alternatives] == [30, 35]


def test_query_is_empty() -> None:
    assert parse("").is_empty()
    assert not parse("x").is_empty()


ERROR_CASES: list[tuple[str, int, str]] = [
    ("foo:bar", 0, 'unknown field "foo:"'),
    ("alignment foo:bar", 10, "unknown field"),
    ("-https://example.org", 1, "in quotes"),
    ("is:whatever", 3, "is:starred"),
    ("is:", 3, "needs a value"),
    ("has:pdf", 4, "has:note"),
    ("year:abc", 5, "not a year"),
    ("year:20x", 5, "not a year"),
    ("year:>=", 5, "not a year"),
    ("year:..", 5, "not a year"),
    ("year:12345", 5, "not a year"),
    ("year:2023..2020", 5, "empty year range"),
    ("year:2023-2020", 5, "empty year range"),
    ("year:-2020", 5, "not a year"),
    ("year:2020-", 5, "not a year"),
    ("year:", 5, "needs a value"),
    ('"unclosed', 0, "unclosed quote"),
    ('align "unclosed phrase', 6, "unclosed quote"),
    ('tag:"unclosed', 4, "unclosed quote"),
    ("tag:", 4, "needs a value"),
    ("tag: rlhf", 4, "no space after the colon"),
    ('tag:""', 4, "needs a value"),
    ('tag:"   "', 4, "needs a value"),
    ("source:", 7, "needs a value"),
    ('""', 0, "empty phrase"),
    ('title:""', 6, "needs a value"),
    ("-", 0, '"-" must be followed'),
    ("a - b", 2, '"-" must be followed'),
    ("OR a", 0, "OR needs a term"),
    ("a OR", 2, "OR needs a term"),
    ("a OR OR b", 5, "OR needs a term"),
    ("added:7d", 6, "needs < or >"),
    ("added:<7x", 6, 'unknown unit "x": use h (hours), d (days)'),
    ("added:<7", 6, "a unit is missing"),
    ("added:<", 6, "is not a time: use e.g. added:<7d"),
    ("new added:soon", 10, "added:today, added:2026-11"),
    ("added:2026-13", 6, "there is no date 2026-13"),
    ("added:2026-02-29", 6, "there is no date"),
    ("added:0000", 6, "there is no date"),
    ("added:2026-11-15..2026-11-01", 6, "the first date is after the last"),
    ("added:..", 6, "not a time"),
    ("added:>=2026-11..2026-12", 6, "not a time"),
    ("added:1234567890d", 6, "not a time"),
    ("added:", 6, "needs a value"),
    ("-added:", 7, "needs a value"),
]


@pytest.mark.parametrize(("text", "position", "fragment"), ERROR_CASES)
def test_parse_errors(text: str, position: int, fragment: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    err = info.value
    assert isinstance(err, PapersiftError)
    assert err.position == position
    assert fragment in err.reason
    assert f"(column {position + 1})" in str(err)


_FRAGMENTS = st.sampled_from(
    [
        " ",
        "  ",
        '"',
        "-",
        ":",
        "OR",
        "or",
        "tag:",
        "is:",
        "has:",
        "year:",
        "source:",
        "id:",
        "title:",
        "author:",
        "note:",
        "foo:",
        ">=",
        "<",
        "..",
        "added:",
        "7d",
        "2026-11",
        "today",
        "2023",
        "starred",
        "read",
        "note",
        "align",
        "aligment",
        "\u201c",
        "\u201d",
        "\u00df",
        "\ufb01",
        "\u0130",
        "\u200b",
        "\t",
        "\n",
        "\x00",
        "\u3000",
        "\u2014",
        "++",
        "_",
        "9" * 30,
        "\U0001f600",
        "\u0301",
        "e\u0301",
        "\udc80",  # lone surrogates arrive from surrogateescape-decoded input
        "\ud800",
    ]
)
_QUERYISH = st.lists(_FRAGMENTS, max_size=12).map("".join)


def _check_parse(text: str) -> Query | None:
    try:
        query = parse(text)
    except QueryError as err:
        assert 0 <= err.position <= len(text)
        assert err.reason
        return None
    assert isinstance(query, Query)
    return query


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(), _QUERYISH))
def test_parse_never_raises_anything_but_query_error(text: str) -> None:
    _check_parse(text)


_PLAIN_WORD = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True).filter(lambda w: w != "or")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_PLAIN_WORD, min_size=1, max_size=4), min_size=1, max_size=4))
def test_lower_case_or_between_terms_is_upper_case_or(groups: list[list[str]]) -> None:
    """`a or b` parses as `a OR b` wherever `or` stands between two terms (issue #18)."""
    upper = " ".join(" OR ".join(group) for group in groups)
    lower = " ".join(" or ".join(group) for group in groups)
    assert parse(lower) == parse(upper)
    # Quoted, it is the word, never the operator.
    quoted = parse(" ".join(' "or" '.join(group) for group in groups))
    assert all(term.kind != "or" for term in quoted.terms)


# --------------------------------------------------------------------------- fixtures


def entry(
    pid: str,
    title: str,
    abstract: str = "",
    *,
    year: int | None = None,
    authors: tuple[str, ...] = (),
    sources: tuple[str, ...] = (),
    doi: str = "",
    starred: bool = False,
    status: str = "inbox",
    tags: tuple[str, ...] = (),
    note: str = "",
) -> Entry:
    paper = Paper(
        id=pid,
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        doi=doi,
        sources=tuple(Source(f, i) for i, f in enumerate(sources)),
    )
    return Entry(paper, Triage(starred=starred, status=status, tags=tags, note=note))


HAND = [
    entry(
        "a1",
        "Large Language Model Alignment: A Survey",
        "We survey methods for aligning models with human preferences.",
        year=2023,
        authors=("Ashish Vaswani", "Jane Doe"),
        sources=("daily-papers-mar-13-llm-alignment.txt",),
        doi="10.1/a1",
        starred=True,
        status="reading",
        tags=("RLHF", "survey"),
        note="Read section 3 first",
    ),
    entry(
        "b2",
        "Direct Preference Optimization",
        "Your language model is secretly a reward model; alignment without RL.",
        year=2022,
        sources=("daily-papers-mar-14-preference-optimization.txt",),
        tags=("dpo", "two words"),
    ),
    entry(
        "c3",
        "Diffusion Models for Images",
        "Denoising diffusion with a date prior.",
        year=2019,
        status="discarded",
        sources=("trending-papers-cross-lingual-nlp.txt",),
    ),
    entry(
        "d4",
        "GPT-4 Technical Report",
        "We report on GPT-4, a large multimodal model.",
        authors=("OpenAI",),
        status="read",
    ),
    entry(
        "e5",
        "Realignment of Data",
        "Data data data.",
        year=2024,
        status="to-read",
        note="alignment in the note only",
    ),
]


@pytest.fixture(scope="module")
def hand_index() -> SearchIndex:
    return SearchIndex(HAND)


def ids(index: SearchIndex, text: str, **kwargs: object) -> list[str]:
    return [pid for pid, _ in index.search(parse(text), **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["a1", "b2", "c3", "d4", "e5"]),
        ("alignment", ["a1", "b2", "e5"]),  # title, abstract, note
        ("ALIGNMENT", ["a1", "b2", "e5"]),
        ("alig", ["a1", "b2", "e5"]),  # prefix while typing
        ("al", []),  # too short to be a prefix: only the exact token would do
        ("aligment", ["a1", "b2", "e5"]),  # typo
        ("realignment", ["e5"]),  # a known word: no typo neighbours
        ("date", ["c3"]),  # known word: "data" is another word, not a typo
        ("gpt-4", ["d4"]),
        ("gpt-5", []),  # digits are never typo-matched
        ("4", ["d4"]),
        ("survey", ["a1"]),
        ("rlhf", ["a1"]),  # tags are searched as text
        ("section", ["a1"]),  # so are notes
        ("words", ["b2"]),
        ('"reward model"', ["b2"]),
        ('"REWARD   model"', ["b2"]),
        ('"model alignment: a"', ["a1"]),
        ('"ign"', ["a1", "b2", "e5"]),  # a phrase is a plain substring
        ('"survey we"', []),  # never across title and abstract
        ('"odel alig"', ["a1"]),  # may start and end inside words
        ('"gpt-4, a lar"', ["d4"]),
        ('"4 tech"', ["d4"]),
        ('"(gpt"', []),
        ('"two words"', ["b2"]),
        ('"section 3"', ["a1"]),
        ("tag:rlhf", ["a1"]),
        ("tag:RLHF", ["a1"]),
        ("tag:rl", []),  # tags are exact
        ('tag:"two words"', ["b2"]),
        ("-tag:survey", ["b2", "c3", "d4", "e5"]),
        ("is:starred", ["a1"]),
        ("-is:starred", ["b2", "c3", "d4", "e5"]),
        ("is:inbox", ["b2"]),
        ("is:reading", ["a1"]),
        ("is:read", ["d4"]),
        ("is:to-read", ["e5"]),
        ("is:discarded", ["c3"]),
        ("has:note", ["a1", "e5"]),
        ("has:tags", ["a1", "b2"]),
        ("has:authors", ["a1", "d4"]),
        ("has:abstract", ["a1", "b2", "c3", "d4", "e5"]),
        ("has:year", ["a1", "b2", "c3", "e5"]),
        ("has:doi", ["a1"]),
        ("note:section", ["a1"]),
        ("note:alignment", ["e5"]),
        ('note:"note only"', ["e5"]),
        ("title:alignment", ["a1"]),
        ("abstract:alignment", ["b2"]),
        ("title:model", ["a1", "c3"]),  # "Models" by prefix
        ("author:vasw", ["a1"]),
        ("author:openai", ["d4"]),
        ('author:"jane doe"', ["a1"]),
        ("author:vaswanni", ["a1"]),  # typo in a name
        ("year:2023", ["a1"]),
        ("year:>=2022", ["a1", "b2", "e5"]),
        ("year:>2022", ["a1", "e5"]),
        ("year:<2022", ["c3"]),
        ("year:<=2022", ["b2", "c3"]),
        ("year:2020..2023", ["a1", "b2"]),
        ("year:..2019", ["c3"]),
        ("-year:2020..", ["c3", "d4"]),  # no year: not in any range, so excluded
        ("source:mar-13", ["a1"]),
        ("source:MAR", ["a1", "b2"]),
        ("source:daily-papers", ["a1", "b2"]),
        ("source:.txt", ["a1", "b2", "c3"]),
        ("id:a", ["a1"]),
        ("id:A1", ["a1"]),
        ("id:zz", []),
        ("model -diffusion", ["a1", "b2", "d4"]),
        ("alignment is:starred", ["a1"]),
        ("alignment -is:starred -note:only", ["b2"]),
        ("tag:dpo OR tag:rlhf", ["a1", "b2"]),
        ("tag:dpo OR tag:rlhf is:starred", ["a1"]),
        ("diffusion OR -has:year", ["c3", "d4"]),
        ('"reward model" OR gpt', ["b2", "d4"]),
    ],
)
def test_semantics_on_hand_built_entries(
    hand_index: SearchIndex, text: str, expected: list[str]
) -> None:
    assert ids(hand_index, text) == expected
    assert [e.id for e in filter_entries(HAND, text)] == expected


def test_scores_and_ranking(hand_index: SearchIndex) -> None:
    results = dict(hand_index.search(parse("alignment")))
    assert results == {"a1": 100.0, "b2": 85.0, "e5": 95.0}  # title > note > abstract
    assert ids(hand_index, "alignment", ranked=True) == ["a1", "e5", "b2"]
    # Prefix and typo hits score below an exact hit.
    assert dict(hand_index.search(parse("alig")))["a1"] == 94.0  # 4 of 9 letters typed
    assert dict(hand_index.search(parse("aligment")))["a1"] == 85.0
    # The score is the mean of the text terms; filters do not lower it.
    assert dict(hand_index.search(parse("alignment survey is:starred"))) == {"a1": 100.0}
    assert dict(hand_index.search(parse("alignment model"))) == {"a1": 100.0, "b2": 85.0}
    # Only filters: everything scores 100 and ranking keeps index order.
    assert hand_index.search(parse("has:year"), ranked=True) == [
        ("a1", 100.0),
        ("b2", 100.0),
        ("c3", 100.0),
        ("e5", 100.0),
    ]


def test_within_restricts_and_keeps_index_order(hand_index: SearchIndex) -> None:
    assert ids(hand_index, "alignment", within=["e5", "a1", "nope"]) == ["a1", "e5"]
    assert ids(hand_index, "", within=["d4", "b2"]) == ["b2", "d4"]
    assert ids(hand_index, "-is:starred", within=[]) == []


def test_filter_entries_ranked_and_empty() -> None:
    assert filter_entries(HAND, "") == HAND
    assert [e.id for e in filter_entries(HAND, "alignment", ranked=True)] == ["a1", "e5", "b2"]
    with pytest.raises(QueryError):
        filter_entries(HAND, "is:nope")


def test_field_only_index_without_text() -> None:
    index = SearchIndex(HAND, text=False)
    assert ids(index, "is:starred OR year:<2020 -tag:survey") == ["c3"]
    assert ids(index, "has:authors") == ["a1", "d4"]
    for text in ("alignment", '"model"', "title:x", "is:read OR gpt"):
        assert parse(text).needs_text
        with pytest.raises(ValueError, match="text=False"):
            index.search(parse(text))
    assert not parse("-tag:x year:2020 OR is:read").needs_text


def test_query_help_covers_the_syntax() -> None:
    for name in FIELDS:
        assert f"{name}:" in QUERY_HELP
    for snippet in ('"exact phrase"', "-term", " OR ", " or ", *(f"is:{s}" for s in STATUSES)):
        assert snippet in QUERY_HELP
    assert max(map(len, QUERY_HELP.splitlines())) <= 72


def test_module_does_not_import_textual() -> None:
    code = "import sys, papersift.query; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_the_package_loads_its_modules_on_first_use() -> None:
    """`import papersift.query` and a `LiveIndex` (the TUI makes one at start) load no
    numpy: the index's ~0.2 s of imports wait for the first search. Every public name
    is there all the same."""
    code = (
        "import sys, papersift.query as q\n"
        "from papersift.query.live import LiveIndex\n"
        "assert 'numpy' not in sys.modules, 'numpy loaded at import'\n"
        "for name in q.__all__:\n"
        "    getattr(q, name)\n"
        "assert set(q.__all__) <= set(dir(q))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- added:

#: "Now" for the added: tests: a Friday afternoon, local time.
NOW = datetime(2026, 11, 20, 15, 30).timestamp()


def added_entry(pid: str, added: float) -> Entry:
    return Entry(Paper(id=pid, title=f"Paper {pid}", added=added), Triage())


def local(*parts: int) -> float:
    return datetime(*parts).timestamp()  # type: ignore[arg-type]


def added_ids(entries: list[Entry], text: str, now: float = NOW) -> list[str]:
    return SearchIndex(entries, text=False).search_ids(parse(text), now=now)


AGES = {
    "hour": 3600,
    "week-": 7 * DAY - 1,
    "week": 7 * DAY,
    "week+": 7 * DAY + 1,
    "month-": 29 * DAY,
    "month+": 31 * DAY,
}
BY_AGE = [added_entry(pid, NOW - age) for pid, age in AGES.items()] + [
    added_entry("unknown", 0.0),  # papers from before `added` was kept
    added_entry("future", NOW + 60),  # another machine's clock
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("added:<7d", ["hour", "week-", "future"]),
        ("added:<1w", ["hour", "week-", "future"]),
        ("added:<=7d", ["hour", "week-", "week", "future"]),
        ("added:>7d", ["week+", "month-", "month+"]),
        ("added:>=7d", ["week", "week+", "month-", "month+"]),
        ("added:>30d", ["month+"]),
        ("added:>1m", ["month+"]),
        ("added:<2h", ["hour", "future"]),
        ("added:>1y", []),
        ("-added:<7d", ["week", "week+", "month-", "month+", "unknown"]),
        ("added:<7d OR added:>30d", ["hour", "week-", "month+", "future"]),
        ("added:>7d added:<30d", ["week+", "month-"]),
    ],
)
def test_added_relative_to_now(text: str, expected: list[str]) -> None:
    assert added_ids(BY_AGE, text) == expected


BY_DATE = [
    added_entry("oct31", local(2026, 10, 31, 23, 59, 59)),
    added_entry("nov01", local(2026, 11, 1, 0, 0)),
    added_entry("nov03", local(2026, 11, 3, 12, 0)),
    added_entry("nov15", local(2026, 11, 15, 23, 59)),
    added_entry("nov16", local(2026, 11, 16, 0, 0)),
    added_entry("today", local(2026, 11, 20, 8, 0)),
    added_entry("dec01", local(2026, 12, 1, 9, 0)),
    added_entry("y2025", local(2025, 6, 1)),
    added_entry("unknown", 0.0),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("added:2026-11", ["nov01", "nov03", "nov15", "nov16", "today"]),
        ("added:2026-11-03", ["nov03"]),
        ("added:=2026-11-15", ["nov15"]),
        ("added:>=2026-11-01", ["nov01", "nov03", "nov15", "nov16", "today", "dec01"]),
        ("added:>2026-11-15", ["nov16", "today", "dec01"]),
        ("added:<2026-11", ["oct31", "y2025"]),
        ("added:<=2026-11-01", ["oct31", "nov01", "y2025"]),
        ("added:2026-11-01..2026-11-15", ["nov01", "nov03", "nov15"]),
        ("added:2026-10..2026-11-03", ["oct31", "nov01", "nov03"]),
        ("added:2026-11-16..", ["nov16", "today", "dec01"]),
        ("added:..2025", ["y2025"]),
        ("added:2026", ["oct31", "nov01", "nov03", "nov15", "nov16", "today", "dec01"]),
        ("added:today", ["today"]),
        ("-added:2026", ["y2025", "unknown"]),
    ],
)
def test_added_dates_are_local_calendar_days(text: str, expected: list[str]) -> None:
    assert added_ids(BY_DATE, text) == expected


def test_added_counts_from_the_search_s_now() -> None:
    """The same parsed query means other papers at another time: "now" is the search's,
    the clock's unless one is given."""
    query = parse("added:<7d")
    index = SearchIndex(BY_AGE, text=False)
    assert index.search_ids(query, now=NOW) == ["hour", "week-", "future"]
    assert index.search_ids(query, now=NOW + 2 * DAY) == ["hour", "future"]
    assert index.search_ids(parse("added:today"), now=NOW + DAY) == []
    fresh = [added_entry("just", time.time() - 60), added_entry("old", time.time() - 8 * DAY)]
    assert SearchIndex(fresh).search_ids(parse("added:<1h")) == ["just"]
    assert [e.id for e in filter_entries(fresh, "-added:<7d")] == ["old"]


def test_added_follows_updates() -> None:
    index = SearchIndex(BY_AGE, text=False)
    moved = replace(BY_AGE[0], paper=replace(BY_AGE[0].paper, added=NOW - 40 * DAY))
    index.update(moved)
    assert added_ids([moved, *BY_AGE[1:]], "added:>30d") == ["hour", "month+"]
    assert index.search_ids(parse("added:>30d"), now=NOW) == ["hour", "month+"]
    index.remove("month+")
    assert index.search_ids(parse("added:>30d"), now=NOW) == ["hour"]


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset")
def test_added_dates_follow_the_local_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 November 2026 is 25 hours long in New York (summer time ends): a paper added
    at 23:30 that day is still added:2026-11-01, and one added at 00:10 the day after
    is not, which a day of 86,400 seconds from midnight would get wrong."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        entries = [
            added_entry("early", local(2026, 11, 1, 0, 30)),
            added_entry("late", local(2026, 11, 1, 23, 30)),
            added_entry("next", local(2026, 11, 2, 0, 10)),
        ]
        assert entries[1].paper.added - entries[0].paper.added == 24 * 3600  # 23 h + 1
        assert added_ids(entries, "added:2026-11-01") == ["early", "late"]
        assert added_ids(entries, "added:>2026-11-01") == ["next"]
        assert added_ids(entries, "added:today", now=local(2026, 11, 1, 23, 59)) == [
            "early",
            "late",
        ]
    finally:
        monkeypatch.undo()
        time.tzset()


_UNIT = {"h": 3600, "d": DAY, "w": 7 * DAY, "m": 30 * DAY, "y": 365 * DAY}
_OPS = {"<": op_lt, "<=": op_le, ">": op_gt, ">=": op_ge}


@settings(max_examples=300, deadline=None)
@given(
    op=st.sampled_from(sorted(_OPS)),
    number=st.integers(0, 400),
    unit=st.sampled_from(sorted(_UNIT)),
    ages=st.lists(st.floats(-2 * DAY, 500 * DAY, allow_nan=False), min_size=1, max_size=12),
)
def test_added_ago_matches_its_spec(op: str, number: int, unit: str, ages: list[float]) -> None:
    """`added:<Nu` and friends compare the age in whole seconds with N units."""
    text = f"added:{op}{number}{unit.upper() if number % 2 else unit}"
    query = parse(text)
    assert parse(text) == query and query.terms[0].value == text.split(":", 1)[1]
    entries = [added_entry(f"p{i}", NOW - age) for i, age in enumerate(ages)]
    expected = [
        e.id for e in entries if _OPS[op](math.floor(NOW - e.paper.added), number * _UNIT[unit])
    ]
    assert added_ids(entries, text) == expected


_DAYS = st.dates(date(1971, 1, 1), date(2037, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    form=st.sampled_from(["day", "month", "year", ">=", ">", "<", "<=", "range"]),
    first=_DAYS,
    second=_DAYS,
    times=st.lists(st.floats(local(1971, 1, 1), local(2038, 1, 1)), min_size=1, max_size=12),
)
def test_added_dates_match_their_spec(
    form: str, first: date, second: date, times: list[float]
) -> None:
    """Each date form against `datetime.fromtimestamp(added).date()`, the local day."""
    lo, hi = sorted((first, second))
    text, wanted = {
        "day": (f"{first}", lambda d: d == first),
        "month": (f"{first:%Y-%m}", lambda d: (d.year, d.month) == (first.year, first.month)),
        "year": (f"{first:%Y}", lambda d: d.year == first.year),
        ">=": (f">={first}", lambda d: d >= first),
        ">": (f">{first}", lambda d: d > first),
        "<": (f"<{first}", lambda d: d < first),
        "<=": (f"<={first}", lambda d: d <= first),
        "range": (f"{lo}..{hi}", lambda d: lo <= d <= hi),
    }[form]
    entries = [added_entry(f"p{i}", t) for i, t in enumerate(times)]
    expected = [e.id for e in entries if wanted(datetime.fromtimestamp(e.paper.added).date())]
    assert added_ids(entries, f"added:{text}") == expected


def test_cli_lists_what_came_in_this_week(library_path: Path) -> None:
    old = [f"{i:012x}" for i in range(1, 4)]
    make_library(library_path, old)  # added 0.0 (unknown), 1.0 and 2.0: in 1970
    run("import", str(SAMPLE_LISTINGS[0]), library=library_path)
    listed = json.loads(run("list", "--json", library=library_path).stdout)
    new = [p["id"] for p in listed if p["id"] not in old]
    assert new
    week = run("list", "--json", "--query", "added:<7d", library=library_path).stdout
    assert [p["id"] for p in json.loads(week)] == new
    before = run("list", "--json", "--query", "-added:<7d", library=library_path).stdout
    assert [p["id"] for p in json.loads(before)] == old
    # (..1970: 1 January 1970 UTC is still 1969 west of Greenwich.)
    table = run("list", "--query", "added:..1970", library=library_path).stdout
    assert [line.split()[0] for line in table.splitlines()] == old[1:]
    bad = run("list", "--query", "added:7d", library=library_path, check=False)
    assert bad.returncode != 0 and "needs < or >" in bad.stderr


# --------------------------------------------------------------------------- real corpus


@pytest.fixture(scope="module")
def corpus() -> list[Entry]:
    """The sample listings as papers, duplicates across files merged (sources joined)."""
    papers: dict[str, Paper] = {}
    for path in sorted(SAMPLE_DIR.glob("*.txt")):
        for rec in read_path(path).records:
            pid = paper_id(rec.title)
            if pid in papers:
                papers[pid].sources += (rec.source,)
            else:
                papers[pid] = Paper(pid, rec.title, rec.abstract, sources=(rec.source,))
    return [Entry(p) for p in papers.values()]


@pytest.fixture(scope="module")
def corpus_index(corpus: list[Entry]) -> SearchIndex:
    return SearchIndex(corpus)


def titles(corpus: list[Entry], results: list[tuple[str, float]]) -> list[str]:
    by_id = {e.id: e.paper.title for e in corpus}
    return [by_id[pid] for pid, _ in results]


def test_corpus_typo_finds_the_alignment_surveys(
    corpus: list[Entry], corpus_index: SearchIndex
) -> None:
    found = titles(corpus, corpus_index.search(parse("aligment survey")))
    for title in (
        "Aligning Large Language Models with Human: A Survey",
        "Large Language Model Alignment: A Survey",
    ):
        assert title in found
    surveys = [
        e.paper.title
        for e in corpus
        if "alignment" in e.paper.title.lower() and "survey" in e.paper.title.lower()
    ]
    assert len(surveys) >= 3
    assert set(surveys) <= set(found)
    # Ranked, the papers with both words in the title come first.
    top = titles(corpus, corpus_index.search(parse("aligment survey"), ranked=True))
    assert set(top[: len(surveys)]) == set(surveys)


def test_corpus_prefix_while_typing(corpus: list[Entry], corpus_index: SearchIndex) -> None:
    full = set(titles(corpus, corpus_index.search(parse("alignment"))))
    assert full <= set(titles(corpus, corpus_index.search(parse("alig"))))


def test_corpus_phrase_matches_the_substring_exactly(
    corpus: list[Entry], corpus_index: SearchIndex
) -> None:
    phrase = "preference optimization"
    expected = [
        e.id for e in corpus if phrase in fold(e.paper.title) or phrase in fold(e.paper.abstract)
    ]
    assert len(expected) >= 10
    assert ids(corpus_index, f'"{phrase}"') == expected
    # The paper titled with it ranks first.
    top = titles(corpus, corpus_index.search(parse(f'"{phrase}"'), ranked=True))
    assert "preference optimization" in top[0].lower()


def test_corpus_source_filter(corpus: list[Entry], corpus_index: SearchIndex) -> None:
    expected = [e.id for e in corpus if any("mar-13" in s.file for s in e.paper.sources)]
    assert 30 <= len(expected) < len(corpus)
    assert ids(corpus_index, "source:mar-13") == expected
    both = ids(corpus_index, "source:mar-13 source:mar-14")
    assert both and set(both) < set(expected)


def test_corpus_years_once_set(corpus: list[Entry]) -> None:
    dated = [Entry(replace(e.paper, year=2018 + i % 8)) for i, e in enumerate(corpus)]
    index = SearchIndex(dated)
    assert ids(index, "year:>=2022") == [e.id for e in dated if e.paper.year >= 2022]
    assert ids(index, "year:2020..2021 multilingual") == [
        e.id
        for e in dated
        if e.paper.year in (2020, 2021)
        and any(
            t.startswith("multilingual")
            for t in tokens(fold(f"{e.paper.title} {e.paper.abstract}"))
        )
    ]


# --------------------------------------------------------------------------- updates


def test_update_keeps_filters_current() -> None:
    index = SearchIndex(HAND)
    b2 = HAND[1]
    assert "b2" not in ids(index, "is:starred")
    index.update(replace(b2, triage=b2.triage.touched(starred=True)))
    assert ids(index, "is:starred") == ["a1", "b2"]

    index.update(replace(b2, triage=Triage(tags=("later",), note="check proofs")))
    assert ids(index, "is:starred") == ["a1"]
    assert ids(index, "tag:dpo") == []
    assert ids(index, "tag:later") == ["b2"]
    assert ids(index, "dpo") == []  # the tag's word went with it
    assert ids(index, "proofs") == ["b2"]
    assert ids(index, "has:note") == ["a1", "b2", "e5"]

    index.update(replace(b2, triage=Triage(status="read")))
    assert ids(index, "tag:later") == ids(index, "proofs") == []
    assert ids(index, "is:read") == ["b2", "d4"]
    assert ids(index, "is:inbox") == []
    assert ids(index, "has:note") == ["a1", "e5"]


def test_update_new_paper_goes_last_and_changed_text_is_reindexed() -> None:
    index = SearchIndex(HAND)
    index.update(entry("f6", "Zebra Alignment", "Stripes.", year=2021, tags=("zoo",)))
    assert ids(index, "alignment") == ["a1", "b2", "e5", "f6"]
    assert ids(index, "zebra tag:zoo year:2021") == ["f6"]
    assert len(index) == 6 and "f6" in index

    index.update(entry("f6", "Okapi Study", "Forest giraffes.", year=2020))
    assert ids(index, "zebra") == ids(index, "stripes") == ids(index, "tag:zoo") == []
    assert ids(index, "okapi giraffes year:2020") == ["f6"]
    assert ids(index, '"forest giraffes"') == ["f6"]
    assert ids(index, "alig") == ["a1", "b2", "e5"]


def test_remove_and_re_add() -> None:
    index = SearchIndex(HAND)
    index.remove("a1")
    index.remove("a1")  # no-op
    index.remove("unknown")
    assert "a1" not in index and len(index) == 4
    assert ids(index, "") == ["b2", "c3", "d4", "e5"]
    assert ids(index, "is:starred") == ids(index, "tag:rlhf") == ids(index, "vaswani") == []
    assert ids(index, "-is:starred") == ["b2", "c3", "d4", "e5"]
    assert ids(index, "id:a") == ids(index, "author:jane") == []
    index.update(HAND[0])
    assert ids(index, "") == ["b2", "c3", "d4", "e5", "a1"]
    assert ids(index, "is:starred author:jane") == ["a1"]


def test_duplicate_ids_keep_the_first_position_and_the_last_data() -> None:
    index = SearchIndex([entry("x", "Old title"), entry("y", "Other"), entry("x", "New title")])
    assert len(index) == 2
    assert ids(index, "title") == ["x"]
    assert ids(index, "old") == []
    assert ids(index, "new OR other") == ["x", "y"]


def test_typo_tolerance_follows_the_current_vocabulary() -> None:
    index = SearchIndex([entry("x", "Alignment"), entry("y", "Other", note="aligment")])
    assert ids(index, "aligment") == ["y"]  # the misspelling is a word of the library
    index.update(entry("y", "Other"))
    assert ids(index, "aligment") == ["x"]
    index.update(entry("z", "Aligment"))
    assert ids(index, "aligment") == ["z"]
    index.remove("z")
    assert ids(index, "aligment") == ["x"]


def test_a_phrase_checked_within_filters_is_not_reused_without_them() -> None:
    index = SearchIndex(HAND)
    assert ids(index, 'is:starred "reward model"') == []
    assert ids(index, '"reward model"') == ["b2"]
    assert ids(index, '"reward model"') == ["b2"]  # now from the cache


def test_search_while_updating_from_another_thread() -> None:
    index = SearchIndex(HAND)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                index.search(parse("alig OR tag:x is:starred"), ranked=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        for i in range(300):
            index.update(entry(f"n{i}", f"Note {i}", tags=("x",), starred=bool(i % 2)))
            if i % 3 == 0:
                index.remove(f"n{i - 1}")
    finally:
        stop.set()
        thread.join()
    assert not errors


# --------------------------------------------------------------------------- tokenizer


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)) | st.text())
def test_fast_fold_and_tokens_agree_with_normalize(text: str) -> None:
    assert fast_fold(text) == fold(text)
    assert tokens(fold(text)) == re.findall(r"\w+", fold(text))


# --------------------------------------------------------------------------- reference


WEIGHT = {"title": 1.0, "tags": 1.0, "note": 0.95, "abstract": 0.85}
ALL_TEXT = ("title", "tags", "note", "abstract")


def ref_tokens(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def ref_fields(e: Entry) -> dict[str, list[str]]:
    return {
        "title": [fold(e.paper.title)],
        "abstract": [fold(e.paper.abstract)],
        "tags": [t for t in map(fold, e.triage.tags) if t],
        "note": [n for n in [fold(e.triage.note)] if n],
        "author": [a for a in map(fold, e.paper.authors) if a],
    }


def ref_quality(word: str, token: str, typos: bool) -> float:
    """The spec: exact 100, prefix (3+ chars) 90..99, else typos for unknown letter words."""
    if word == token:
        return 100.0
    if len(word) >= 3 and token.startswith(word):
        return float(min(99, 90 + round(10 * len(word) / len(token))))
    if typos and len(word) >= 4 and word.isalpha():
        k = 1 if len(word) < 9 else 2
        d = OSA.distance(word, token)
        if d <= k:
            return 100.0 - 15 * d
    return 0.0


class Reference:
    """A slow, obvious evaluation of a parsed query over a list of entries."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.fields = {e.id: ref_fields(e) for e in entries}
        self.known_text = {
            t for f in self.fields.values() for n in ALL_TEXT for s in f[n] for t in ref_tokens(s)
        }
        self.known_author = {
            t for f in self.fields.values() for s in f["author"] for t in ref_tokens(s)
        }

    def search(self, query: Query, ranked: bool = False) -> list[tuple[str, float]]:
        out = []
        for e in self.entries:
            scores: list[float] = []
            for term in query.terms:
                ok, score = self.term(term, e)
                if term.negated:
                    ok, score = not ok, None
                if not ok:
                    break
                if score is not None:
                    scores.append(score)
            else:
                out.append((e.id, round(sum(scores) / len(scores), 2) if scores else 100.0))
        if ranked:
            out.sort(key=lambda r: -r[1])
        return out

    def term(self, term: Term, e: Entry) -> tuple[bool, float | None]:
        p, t, f = e.paper, e.triage, self.fields[e.id]
        kind, v = term.kind, term.value
        if kind == "word":
            return self.word(v, term.field, f)
        if kind == "phrase":
            names = ALL_TEXT if term.field == "" else (term.field,)
            best = max(
                (
                    100.0 * (WEIGHT[n] if term.field == "" else 1.0)
                    for n in names
                    if any(v in s for s in f[n])
                ),
                default=0.0,
            )
            return best > 0, best
        if kind == "or":
            hit, best = False, 0.0
            for alt in term.alternatives:
                ok, score = self.term(alt, e)
                if alt.negated:
                    ok, score = not ok, None
                if ok:
                    hit = True
                    best = max(best, 100.0 if score is None else score)
            return hit, (best if term.is_text else None)
        if kind == "tag":
            ok = v in f["tags"]
        elif kind == "is":
            ok = t.starred if v == "starred" else t.status == v
        elif kind == "has":
            ok = {
                "note": bool(f["note"]),
                "tags": bool(f["tags"]),
                "abstract": bool(p.abstract.strip()),
                "authors": bool(p.authors),
                "year": p.year is not None,
                "doi": bool(p.doi.strip()),
            }[v]
        elif kind == "year":
            ok = (
                p.year is not None
                and (term.lo is None or p.year >= term.lo)
                and (term.hi is None or p.year <= term.hi)
            )
        elif kind == "source":
            ok = any(v in fold(s.file) for s in p.sources)
        elif kind == "id":
            ok = p.id.startswith(v)
        else:
            raise AssertionError(kind)
        return ok, None

    def word(self, value: str, fld: str, f: dict[str, list[str]]) -> tuple[bool, float]:
        parts = list(dict.fromkeys(ref_tokens(value)))
        names = ALL_TEXT if fld == "" else (fld,)
        known = self.known_author if fld == "author" else self.known_text
        part_scores = []
        for part in parts:
            best = 0.0
            for n in names:
                weight = WEIGHT[n] if fld == "" else 1.0
                for s in f[n]:
                    for tok in ref_tokens(s):
                        q = ref_quality(part, tok, part not in known)
                        if q:
                            best = max(best, round(q * weight, 2))
            if not best:
                return False, 0.0
            part_scores.append(best)
        score = part_scores[0] if len(parts) == 1 else round(sum(part_scores) / len(parts), 2)
        return True, score


VOCAB = [
    "alignment",
    "Align",
    "aligned",
    "preference",
    "optimization",
    "model",
    "models",
    "language",
    "data",
    "date",
    "RLHF",
    "rrhf",
    "GPT-4",
    "4",
    "survey",
    "Über",
    "naïve",
    "fine-tuning",
    "x",
    "ﬁne",
]
QUERY_WORDS = [
    "alignment",
    "aligment",
    "alig",
    "al",
    "pref",
    "preferense",
    "model",
    "modl",
    "data",
    "dat",
    "rlhf",
    "gpt-4",
    "gpt",
    "uber",
    "über",
    "naive",
    "fine",
    "tuning",
    "fine-tuning",
    "x",
    "survey",
    "surveys",
    "zzz",
]
TAGS = ["rlhf", "DPO", "survey", "two words", "to-cite"]
FILES = ["daily-papers-mar-13-llm-alignment.txt", "daily-papers-mar-14.txt", "trending.txt"]
AUTHORS = ["Ashish Vaswani", "Jane Doe", "Li Wei", "Zoë Müller"]
SEPARATORS = [" ", " ", ". ", ", ", "-", ": "]

_text = st.lists(st.tuples(st.sampled_from(VOCAB), st.sampled_from(SEPARATORS)), max_size=8).map(
    lambda ws: "".join(w + s for w, s in ws).strip()
)


@st.composite
def entry_strategy(draw: st.DrawFn, i: int) -> Entry:
    return entry(
        hashlib.blake2b(str(i).encode(), digest_size=6).hexdigest(),
        draw(_text),
        draw(_text),
        year=draw(st.none() | st.integers(2018, 2025)),
        authors=tuple(draw(st.lists(st.sampled_from(AUTHORS), max_size=2))),
        sources=tuple(draw(st.lists(st.sampled_from(FILES), max_size=2))),
        doi=draw(st.sampled_from(["", "10.1/x"])),
        starred=draw(st.booleans()),
        status=draw(st.sampled_from(STATUSES)),
        tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2))),
        note=draw(st.sampled_from(["", "", "read the model section", "naïve data"])),
    )


@st.composite
def entries_strategy(draw: st.DrawFn) -> list[Entry]:
    return [draw(entry_strategy(i)) for i in range(draw(st.integers(0, 8)))]


def _phrase(draw: st.DrawFn) -> str:
    body = draw(
        st.sampled_from(
            [
                "model alignment",
                "ign",
                "-tuning",
                "data, date",
                "gpt-4",
                "fine",
                "two words",
                "Über naïve",
                "x x",
                ". ",
                "alignment: survey",
                "ment.",
                "model s",
                "the",
            ]
        )
    )
    return f'"{body}"'


@st.composite
def term_text(draw: st.DrawFn, exact_only: bool) -> str:
    options = ["phrase", "tag", "is", "has", "year", "source", "id", "fphrase"]
    if not exact_only:
        options += ["word", "word", "fword"]
    kind = draw(st.sampled_from(options))
    if kind == "word":
        text = draw(st.sampled_from(QUERY_WORDS))
    elif kind == "fword":
        fld = draw(st.sampled_from(["title", "abstract", "note", "author"]))
        pool = (
            ["vasw", "doe", "li", "wei", "muller", "zoe", "vaswanni"]
            if fld == "author"
            else QUERY_WORDS
        )
        text = f"{fld}:{draw(st.sampled_from(pool))}"
    elif kind == "phrase":
        text = _phrase(draw)
    elif kind == "fphrase":
        fld = draw(st.sampled_from(["title", "abstract", "note", "author"]))
        text = (
            f'{fld}:"{draw(st.sampled_from(["jane doe", "wei", "model", "ata"]))}"'
            if fld == "author" or draw(st.booleans())
            else f"{fld}:{_phrase(draw)}"
        )
    elif kind == "tag":
        text = "tag:" + draw(st.sampled_from(["rlhf", "dpo", "Survey", '"two words"', "cite"]))
    elif kind == "is":
        text = "is:" + draw(st.sampled_from(["starred", *STATUSES]))
    elif kind == "has":
        text = "has:" + draw(
            st.sampled_from(["note", "tags", "abstract", "authors", "year", "doi"])
        )
    elif kind == "year":
        text = "year:" + draw(
            st.sampled_from(
                ["2020", ">=2022", ">2022", "<2021", "<=2019", "2019..2023", "2024..", "..2020"]
            )
        )
    elif kind == "source":
        text = "source:" + draw(st.sampled_from(["mar-13", "daily", ".txt", "TRENDING", "zzz"]))
    else:
        text = "id:" + draw(st.sampled_from(["0", "5", "a", "c4", "e9", "f"]))
    return ("-" if draw(st.booleans()) and draw(st.booleans()) else "") + text


@st.composite
def query_text(draw: st.DrawFn, exact_only: bool = False) -> str:
    terms = draw(st.lists(term_text(exact_only), max_size=4))
    joined = ""
    for i, t in enumerate(terms):
        joined += ("" if i == 0 else draw(st.sampled_from([" ", " ", " OR "]))) + t
    return joined


def _assert_same(actual: list[tuple[str, float]], expected: list[tuple[str, float]]) -> None:
    assert [i for i, _ in actual] == [i for i, _ in expected]
    for (_, a), (_, b) in zip(actual, expected, strict=True):
        assert a == pytest.approx(b, abs=0.011)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries_strategy(), st.lists(query_text(exact_only=True), min_size=1, max_size=4))
def test_differential_exact_terms(entries: list[Entry], queries: list[str]) -> None:
    index, ref = SearchIndex(entries), Reference(entries)
    for text in queries:
        query = parse(text)
        _assert_same(index.search(query), ref.search(query))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries_strategy(), st.lists(query_text(), min_size=1, max_size=4), st.booleans())
def test_differential_all_terms_with_scores(
    entries: list[Entry], queries: list[str], ranked: bool
) -> None:
    index, ref = SearchIndex(entries), Reference(entries)
    for text in queries:
        query = parse(text)
        _assert_same(index.search(query, ranked=ranked), ref.search(query, ranked=ranked))


@st.composite
def edits(draw: st.DrawFn) -> list[tuple[str, int, Entry | None]]:
    pool = draw(entries_strategy())
    steps = []
    for _ in range(draw(st.integers(0, 10))):
        if not pool:
            break
        i = draw(st.integers(0, len(pool) - 1))
        action = draw(st.sampled_from(["triage", "paper", "remove"]))
        if action == "remove":
            steps.append(("remove", i, None))
            continue
        other = draw(entry_strategy(0))
        base = pool[i]
        new = (
            replace(base, triage=other.triage)
            if action == "triage"
            else Entry(replace(other.paper, id=base.id), base.triage)
        )
        steps.append(("update", i, new))
    return [("init", 0, e) for e in pool] + steps


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries_strategy().filter(bool), st.data())
def test_differential_phrase_from_the_texts(entries: list[Entry], data: st.DataObject) -> None:
    index, ref = SearchIndex(entries), Reference(entries)
    chosen = data.draw(st.sampled_from(entries))
    text = fold(data.draw(st.sampled_from([chosen.paper.title, chosen.paper.abstract])))
    start = data.draw(st.integers(0, len(text)))
    part = text[start : data.draw(st.integers(start, len(text)))]
    if not part.strip() or '"' in part:
        return
    field = data.draw(st.sampled_from(["", "title:", "abstract:"]))
    query = parse(f'{field}"{part}"')
    found = index.search(query)
    _assert_same(found, ref.search(query))
    if not field:
        assert chosen.id in dict(found)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits(), st.lists(query_text(), min_size=1, max_size=4))
def test_differential_after_updates_and_removals(
    steps: list[tuple[str, int, Entry | None]], queries: list[str]
) -> None:
    initial = [e for action, _, e in steps if action == "init" and e is not None]
    index = SearchIndex(initial)
    current: dict[str, Entry] = {e.id: e for e in initial}  # insertion order = index order
    parsed = [parse(text) for text in queries]

    def check() -> None:
        ref = Reference(list(current.values()))
        for query in parsed:
            _assert_same(index.search(query), ref.search(query))

    for action, i, new in steps:
        if action == "init":
            continue
        check()  # also fills the index's caches, which the next change must invalidate
        pid = initial[i].id
        if action == "remove":
            index.remove(pid)
            current.pop(pid, None)
        else:
            assert new is not None
            index.update(new)
            current[pid] = new  # re-adding a removed id puts it last, as in the index
    check()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), _QUERYISH))
def test_any_parsed_query_searches_without_error(text: str) -> None:
    query = _check_parse(text)
    if query is None:
        return
    index = SearchIndex(HAND)
    for pid, score in index.search(query, ranked=True):
        assert pid in index
        assert 0.0 < score <= 100.0


def test_search_ids_is_search_without_scores() -> None:
    entries = [
        Entry(Paper(id=f"{i:012x}", title=f"alignment study {i}", abstract="aligned models"))
        for i in range(30)
    ]
    index = SearchIndex(entries)
    for text in ("alignment", "align", "aligment", "is:inbox", "", "-alignment"):
        for ranked in (False, True):
            query = parse(text)
            assert index.search_ids(query, ranked=ranked) == [
                pid for pid, _ in index.search(query, ranked=ranked)
            ]


def test_index_reports_progress() -> None:
    entries = [Entry(Paper(id=f"{i:012x}", title=f"paper {i}")) for i in range(5000)]
    seen: list[tuple[int, int]] = []
    SearchIndex(entries, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (5000, 5000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# --------------------------------------------------------------------------- accents


ACCENTED = [
    entry("n1", "A naïve Bayes baseline", "Señor Ørsted’s café data."),
    entry("n2", "Naive approaches revisited"),
    entry("g1", "Gödel machines", authors=("Kurt Gödel",), tags=("théorie",)),
    entry("g2", "On godel numbering", note="compare with Łukasiewicz"),
]


@pytest.mark.parametrize("build", ["bulk", "one by one"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("naive", ["n1", "n2"]),
        ("naïve", ["n1", "n2"]),
        ("NAÏVE", ["n1", "n2"]),
        ("godel", ["g1", "g2"]),
        ("Gödel", ["g1", "g2"]),
        ("goedel", ["g1", "g2"]),  # one typo away, as for any word
        ('"naive bayes"', ["n1"]),
        ('"gödel numbering"', ["g2"]),
        ("author:godel", ["g1"]),
        ('author:"kurt godel"', ["g1"]),
        ("tag:theorie", ["g1"]),
        ("tag:théorie", ["g1"]),
        ("orsted cafe senor", ["n1"]),
        ("lukasiewicz", ["g2"]),
    ],
)
def test_accents_are_folded_in_index_and_query(build: str, text: str, expected: list[str]) -> None:
    if build == "bulk":
        index = SearchIndex(ACCENTED)
    else:
        index = SearchIndex()
        for e in ACCENTED:
            index.update(e)
    assert sorted(ids(index, text)) == expected
    assert sorted(e.id for e in filter_entries(ACCENTED, text)) == expected


def test_accent_folding_leaves_ids_and_dedupe_keys_alone() -> None:
    from papersift.normalize import fold as plain_fold
    from papersift.normalize import normalize_title

    assert plain_fold("Gödel") == "gödel"
    assert normalize_title("Gödel machines") != normalize_title("Godel machines")
    assert paper_id("Gödel machines") != paper_id("Godel machines")


# --- the word index cache -------------------------------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries_strategy(), st.lists(query_text(), min_size=1, max_size=4))
def test_index_from_cache_answers_exactly_like_a_fresh_one(
    tmp_path_factory: pytest.TempPathFactory, entries: list[Entry], queries: list[str]
) -> None:
    cache = tmp_path_factory.mktemp("cache") / "search-index.npz"
    fresh = SearchIndex(entries, cache=cache)  # nothing to read yet: builds
    assert not fresh.from_cache
    fresh.save_cache(cache)
    real, builds = query_index.bulk_postings, []
    query_index.bulk_postings = lambda *a, **k: builds.append(1) or real(*a, **k)
    try:
        cached = SearchIndex(entries, cache=cache)  # reads
    finally:
        query_index.bulk_postings = real
    # (Entries with repeated ids are indexed one by one, without the cache.)
    if entries and len({e.id for e in entries}) == len(entries):
        assert not builds and cached.from_cache
    ref = Reference(entries)
    for text in queries:
        query = parse(text)
        for ranked in (False, True):
            assert cached.search(query, ranked=ranked) == fresh.search(query, ranked=ranked)
        _assert_same(cached.search(query), ref.search(query))


def test_cache_is_used_only_for_the_texts_it_was_made_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, corpus: list[Entry]
) -> None:
    cache = tmp_path / "search-index.npz"
    builds: list[int] = []
    real = query_index.bulk_postings

    def counting(*args, **kwargs):
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(query_index, "bulk_postings", counting)
    SearchIndex(corpus, cache=cache).save_cache(cache)
    assert cache.exists() and len(builds) == 3  # title, abstract, author
    assert SearchIndex(corpus, cache=cache).from_cache
    assert len(builds) == 3  # read, not built
    # One abstract edited: another digest, so the cache is rebuilt (and rewritten).
    changed = list(corpus)
    first = changed[0]
    edited = replace(first.paper, abstract=first.paper.abstract + " zyxwvut")
    changed[0] = replace(first, paper=edited)
    index = SearchIndex(changed, cache=cache)
    assert len(builds) == 6 and not index.from_cache
    assert [pid for pid, _ in index.search(parse("zyxwvut"))] == [first.id]
    index.save_cache(cache)
    # Another order of the same papers is other slots: rebuilt too.
    SearchIndex(changed[::-1], cache=cache)
    assert len(builds) == 9
    assert SearchIndex(changed, cache=cache).from_cache
    assert len(builds) == 9  # the cache holds `changed`'s
    # An index whose texts changed after the build is saved as it is now.
    index.update(replace(first, paper=replace(first.paper, abstract="new words only")))
    index.save_cache(cache)
    again = [*changed]
    again[0] = replace(first, paper=replace(first.paper, abstract="new words only"))
    reread = SearchIndex(again, cache=cache)
    assert reread.from_cache and len(builds) == 9
    assert [pid for pid, _ in reread.search(parse("zyxwvut"))] == []
    assert [pid for pid, _ in reread.search(parse('"new words only"'))] == [first.id]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut off
        lambda data: b"not a numpy file",
        lambda data: data.replace(b"title_lengths", b"title_lengthz"),
        lambda data: b"",
    ],
)
def test_a_damaged_cache_is_rebuilt_never_trusted(
    tmp_path: Path, corpus: list[Entry], damage: Callable[[bytes], bytes]
) -> None:
    cache = tmp_path / "search-index.npz"
    fresh = SearchIndex(corpus, cache=cache)
    fresh.save_cache(cache)
    cache.write_bytes(damage(cache.read_bytes()))
    index = SearchIndex(corpus, cache=cache)
    assert not index.from_cache
    for text in ("alignment", "multilingal", '"language models"', "author:vaswani"):
        assert index.search(parse(text)) == fresh.search(parse(text))
    assert SearchIndex(corpus, cache=cache).search(parse("alignment")) == fresh.search(
        parse("alignment")
    )


def test_cache_with_slots_out_of_range_is_refused(tmp_path: Path, corpus: list[Entry]) -> None:
    cache = tmp_path / "search-index.npz"
    SearchIndex(corpus).save_cache(cache)
    digest = query_cache.texts_digest([e.paper for e in corpus])
    assert query_cache.load_postings(cache, digest, len(corpus)) is not None
    assert query_cache.load_postings(cache, digest, 5) is None  # slots past the corpus
    assert query_cache.load_postings(cache, "other", len(corpus)) is None


def test_an_unwritable_cache_place_only_means_no_cache(tmp_path: Path, corpus: list[Entry]) -> None:
    cache = tmp_path / "missing-dir" / "search-index.npz"
    index = SearchIndex(corpus, cache=cache)
    index.save_cache(cache)  # no error: only no cache
    assert not cache.exists()
    assert index.search(parse("alignment"))


def test_absent_fields_name_what_no_paper_has() -> None:
    """Issue #18 item 7: year:2023 in a library without years says so."""
    from papersift.query.language import absent_fields, absent_message

    bare = [Paper(id="a", title="A"), Paper(id="b", title="B", doi="10.1/b")]
    assert absent_fields(parse("year:2023"), bare) == ["year"]
    assert absent_fields(parse("has:year alignment"), bare) == ["year"]
    assert absent_fields(parse("has:doi"), bare) == []
    assert absent_fields(parse("author:smith has:authors year:..2000"), bare) == [
        "year",
        "authors",
    ]
    # Excluding papers with a year, or no year term at all, is not about a lack.
    assert absent_fields(parse("-has:year"), bare) == []
    assert absent_fields(parse("-year:2020 tag:x"), bare) == []
    assert absent_fields(parse("year:2023"), [*bare, Paper(id="c", title="C", year=1999)]) == []
    assert absent_message(["year"]) == (
        "No paper in the library has a year: year: and has:year match nothing."
    )
    assert absent_message([]) == ""
