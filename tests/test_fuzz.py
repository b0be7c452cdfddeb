"""Fuzzing: whatever the input, only `PapersiftError` (QueryError included) comes out.

Targets: the three readers through `readers.parse_text` (random text, grammar-shaped
text, and mutations of real files), byte decoding, the query parser and its evaluation,
and the library's own files (a damaged triage.json/corpus.json must be reported, never
crash `Library` or `papersift doctor`).

`PAPERSIFT_FUZZ_EXAMPLES` scales every target (default keeps the suite fast).
"""

from __future__ import annotations

import json
import os
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papersift import doctor
from papersift.models import Entry, Paper, PapersiftError, Source, Triage
from papersift.readers import decode, parse_text
from papersift.store import Library

from .conftest import SAMPLE_DATA, SAMPLE_LISTINGS

SCALE = float(os.environ.get("PAPERSIFT_FUZZ_EXAMPLES", "1"))
DATA = Path(__file__).parent / "data"
#: Inputs tried per target, collected for docs/reliability.md (printed with -s).
TRIED: dict[str, int] = {}


def fuzz_settings(n: int):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )


def count(target: str) -> None:
    TRIED[target] = TRIED.get(target, 0) + 1


def only_papersift_errors(fn, *args):
    """Call fn; a PapersiftError is a fine answer, anything else fails the test."""
    try:
        return fn(*args)
    except PapersiftError as exc:
        assert str(exc), "an error must say what went wrong"
        return None


# ---------------------------------------------------------------------- strategies

#: Characters that matter to the parsers, mixed with hostile ones.
SPECIAL = [*"@{}()\"#,=%\\\n\t $[]:-.'", "\x00", "\x1b", "\u202e", "\ufeff", "\r", "é", "𝔘"]
ALPHABET = st.sampled_from(list(string.ascii_letters + string.digits) + SPECIAL)


def bib_value():
    atoms = st.one_of(
        st.text(ALPHABET, max_size=12),
        st.just("{"),
        st.just("}"),
        st.just('"'),
        st.just(" # "),
        st.sampled_from(["jan", "foo", "\\'e", "\\textbf{x}", "$x^2$", '{\\"o}', "--"]),
    )
    return st.lists(atoms, max_size=8).map("".join)


@st.composite
def bibtex_like(draw):
    """Text shaped like BibTeX: entries, @string, @comment, with random breakage."""
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["article", "misc", "string", "comment", "preamble", "Book"]))
        key = draw(st.text(ALPHABET, max_size=8))
        fields = []
        for _ in range(draw(st.integers(0, 4))):
            name = draw(st.sampled_from(["title", "author", "year", "keywords", "annote", "x y"]))
            left = draw(st.sampled_from(["{", '"', ""]))
            right = draw(st.sampled_from(["}", '"', ""]))
            fields.append(f"{name} = {left}{draw(bib_value())}{right}")
        opener, closer = draw(st.sampled_from([("{", "}"), ("(", ")"), ("{", ""), ("", "}")]))
        parts.append(f"@{kind}{opener}{key}, " + ",\n  ".join(fields) + closer)
        parts.append(draw(st.text(ALPHABET, max_size=10)))
    return "\n".join(parts)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
PAPER_KEYS = ["id", "title", "abstract", "authors", "year", "tags", "note", "starred", "status"]


@st.composite
def reading_list_like(draw):
    """JSON shaped like a reading list, with wrong types and unknown keys mixed in."""
    papers = []
    for n in range(draw(st.integers(0, 4))):
        paper = {"id": draw(st.sampled_from([f"p{n}", "../x", "", "a" * 70, "p0"])), "title": "T"}
        for key in draw(st.lists(st.sampled_from(PAPER_KEYS), max_size=5)):
            paper[key] = draw(JSON_VALUES)
        papers.append(paper)
    data = {
        "format": draw(st.sampled_from(["papersift-reading-list", "other", 1])),
        "version": draw(st.sampled_from([1, 2, 0, "1", None, 1.0])),
        "name": draw(st.text(max_size=10)),
        "papers": draw(st.sampled_from([papers, papers, {}, "x"])),
    }
    for key in draw(st.lists(st.sampled_from(["author", "created", "views", "extra"]))):
        data[key] = draw(JSON_VALUES)
    return json.dumps(data, indent=draw(st.sampled_from([None, 2])))


def seeds() -> list[str]:
    """Real files to mutate: every kind the readers know."""
    files = [*SAMPLE_LISTINGS[:1], *sorted((DATA / "bibtex").glob("*.bib"))]
    files += sorted(SAMPLE_DATA.glob("*.json"))
    return [f.read_text(encoding="utf-8")[:6000] for f in files]


SEEDS = seeds()


@st.composite
def mutated(draw):
    """A real file with a few random edits: cut, splice, duplicate, insert specials."""
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 6))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 200)))
        op = draw(st.sampled_from(["cut", "delete", "dup", "insert", "replace"]))
        if op == "cut":
            text = text[:i]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "dup":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.text(ALPHABET, min_size=1, max_size=6)) + text[i:]
        else:
            text = text[:i] + draw(st.sampled_from(SPECIAL)) + text[i + 1 :]
    return text


FORMATS = [None, "listing", "bibtex", "reading-list"]


# ---------------------------------------------------------------------- readers


@fuzz_settings(300)
@given(text=st.text(max_size=400), fmt=st.sampled_from(FORMATS))
def test_readers_random_text(text: str, fmt: str | None):
    count("readers: random text")
    only_papersift_errors(parse_text, text, "fuzz.txt", fmt)


@fuzz_settings(200)
@given(text=bibtex_like(), fmt=st.sampled_from([None, "bibtex"]))
def test_bibtex_reader_grammar_shaped(text: str, fmt: str | None):
    count("bibtex: grammar-shaped")
    only_papersift_errors(parse_text, text, "fuzz.bib", fmt)


@fuzz_settings(150)
@given(text=reading_list_like())
def test_reading_list_reader_wrong_types(text: str):
    count("reading list: wrong types")
    only_papersift_errors(parse_text, text, "fuzz.json", "reading-list")


@fuzz_settings(400)
@given(text=mutated(), fmt=st.sampled_from(FORMATS))
def test_readers_on_mutated_real_files(text: str, fmt: str | None):
    count("readers: mutated real files")
    result = only_papersift_errors(parse_text, text, "mutant", fmt)
    if result is not None:
        # What a reader returns must be something the importer can store.
        for record in result.records:
            assert isinstance(record.title, str) and record.title.strip()
            assert record.year is None or isinstance(record.year, int)


@fuzz_settings(300)
@given(data=st.binary(max_size=300))
def test_decode_random_bytes(data: bytes):
    count("decode: random bytes")
    text = only_papersift_errors(decode, data, "fuzz.bin")
    assert text is None or isinstance(text, str)


# ---------------------------------------------------------------------- query


QUERY_ATOMS = st.sampled_from(
    [
        "tag:",
        "is:",
        "has:",
        "year:",
        "source:",
        "title:",
        "id:",
        "author:",
        "note:",
        "abstract:",
        "added:",
        "7d",
        "99999999y",
        "today",
        "2026-11",
        "0001-01-01",
        "9999-12-31",
        "-",
        '"',
        "OR",
        " ",
        "..",
        ">=",
        "<",
        "=",
        "2023",
        "99999",
        "starred",
        "read",
        "rlhf",
        "\u201c",
        ":",
        "\x00",
        "\x1b[2J",
        "(",
        ")",
        "*",
        "\\",
    ]
)


def query_text():
    return st.one_of(st.text(max_size=60), st.lists(QUERY_ATOMS, max_size=12).map("".join))


@fuzz_settings(600)
@given(text=query_text())
def test_query_parser(text: str):
    pytest.importorskip("papersift.query")
    from papersift.query import QueryError, parse

    count("query: parse")
    try:
        parse(text)
    except QueryError as exc:
        assert 0 <= exc.position <= len(text)


ENTRIES = [
    Entry(
        Paper(
            id=f"{i:04x}abcd",
            title=title,
            abstract="we align models with preferences " * (i % 3),
            authors=("Ada Lovelace", "Alan Turing")[: i % 3],
            year=2020 + i % 5 if i % 4 else None,
            sources=(Source(f"daily-mar-{i}.txt", i),),
            added=1.7e9 + i * 86400.0 if i % 3 else 0.0,
        ),
        Triage(starred=i % 2 == 0, tags=("rlhf", "survey")[: i % 3], note="note" * (i % 2)),
    )
    for i, title in enumerate(
        ["Direct Preference Optimization", "RLHF survey", "Ünïcödé títle", "", "x" * 300, "OR"]
    )
]


@fuzz_settings(200)
@given(text=query_text())
def test_query_evaluation(text: str):
    """Parsing is not enough: running a valid query over entries must not crash either."""
    pytest.importorskip("papersift.query")
    from papersift.query import filter_entries

    count("query: evaluate")
    result = only_papersift_errors(filter_entries, ENTRIES, text)
    if result is not None:
        assert all(e in ENTRIES for e in result)


# ---------------------------------------------------------------------- library files


TABLE_NAMES = st.sampled_from(["meta", "triage", "decisions", "papers", "possible", "aliases"])


@st.composite
def library_file(draw):
    """A triage.json/corpus.json with the right outline and wrong details."""
    data = {}
    for name in draw(st.lists(TABLE_NAMES, max_size=4)):
        rows = {}
        for _ in range(draw(st.integers(0, 3))):
            row_id = draw(st.sampled_from(["p1", "library", "a|b", ""]))
            row = draw(
                st.one_of(
                    JSON_VALUES,
                    st.dictionaries(
                        st.sampled_from(
                            [
                                "id",
                                "title",
                                "tags",
                                "note",
                                "starred",
                                "changed",
                                "shared",
                                "sources",
                                "bibtex",
                                "year",
                                "format",
                                "version",
                                "a",
                                "b",
                                "verdict",
                                "at",
                                "to",
                                "score",
                            ]
                        ),
                        JSON_VALUES,
                        max_size=6,
                    ),
                )
            )
            rows[row_id] = row
        data[name] = draw(st.one_of(st.just(rows), st.just(rows), JSON_VALUES))
    return data


@fuzz_settings(150)
@given(triage=st.one_of(library_file(), JSON_VALUES), corpus=st.one_of(library_file(), st.none()))
@pytest.mark.filterwarnings("ignore")
def test_damaged_library_files_are_reported_not_crashed_on(tmp_path_factory, triage, corpus):
    count("library files")
    path = tmp_path_factory.mktemp("lib")
    (path / "triage.json").write_text(json.dumps(triage))
    if corpus is not None:
        (path / "corpus.json").write_text(json.dumps(corpus))
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    library = only_papersift_errors(Library, path)
    if library is not None:
        # A library that loads must be usable: list it, query it.
        for entry in library.entries():
            assert isinstance(entry.paper.title, str)
        library.open_possible()
        library.all_tags()
    problems = doctor.check(path)
    assert isinstance(problems, list)
    if library is None:
        assert [p for p in problems if not p.startswith("note:")], "doctor missed the damage"
    assert {p.name: p.read_bytes() for p in path.iterdir() if p.name != ".lock"} == before


def test_zz_print_inputs_tried():
    """Not a check: prints how many inputs each target saw, for docs/reliability.md."""
    print("fuzz inputs tried:", TRIED, "total", sum(TRIED.values()))
