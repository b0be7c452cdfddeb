"""The scraped-listing reader on the real corpus and on the ways such files go wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift.models import PapersiftError
from papersift.readers import detect_format, parse_text, read_path
from papersift.readers.listing import parse

from .conftest import SAMPLE_LISTINGS

EXPECTED_COUNTS = {
    "daily-papers-aug-20-multilingual-llms.txt": 32,
    "daily-papers-mar-11-controllable-generation.txt": 48,
    "daily-papers-mar-13-llm-alignment.txt": 58,
    "daily-papers-mar-14-preference-optimization.txt": 50,
    "trending-papers-cross-lingual-nlp.txt": 189,
}

ABSTRACT = (
    "We study how large language models can be aligned with human preferences using "
    "a new method that is simple, fast and effective across many benchmarks. "
) * 3


def test_corpus_parses_to_377_records_with_titles_and_abstracts():
    total = 0
    for path in SAMPLE_LISTINGS:
        result = read_path(path)
        assert result.format == "listing"
        assert result.warnings == []
        assert len(result.records) == EXPECTED_COUNTS[path.name], path.name
        for i, record in enumerate(result.records):
            assert record.source.file == path.name
            assert record.source.index == i
            assert record.title and len(record.title) < 200
            assert len(record.abstract) > 400
            assert not record.title.startswith("Subscribe")
        total += len(result.records)
    assert total == 377


def test_glued_subscribe_and_first_titles_are_exact():
    trending = read_path(Path(SAMPLE_LISTINGS[-1]))
    assert trending.records[0].title == (
        "Learning Trajectory-Word Alignments for Video-Language Tasks"
    )
    alignment = read_path(next(p for p in SAMPLE_LISTINGS if "mar-13" in p.name))
    assert alignment.records[0].title == "Aligning Large Language Models with Human: A Survey"
    assert alignment.records[0].line == 11  # 1-based line of the title in the file


def test_abstract_is_kept_whole():
    path = next(p for p in SAMPLE_LISTINGS if "mar-13" in p.name)
    raw_lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
    record = read_path(path).records[0]
    assert record.abstract in raw_lines


def test_crlf_bom_and_trailing_whitespace(tmp_path: Path):
    text = "new\r\n\r\nDaily Papers  \r\nMar 13\r\nA Title  \r\n" + ABSTRACT + "  \r\n"
    path = tmp_path / "page.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = read_path(path)
    assert [(r.title, r.abstract) for r in result.records] == [("A Title", ABSTRACT.strip())]


def test_dangling_title_is_kept_with_a_warning():
    text = f"First Paper\n{ABSTRACT}\nOrphan Title\nThird Paper\n{ABSTRACT}\nLast Title\n"
    result = parse(text, "page.txt")
    assert [r.title for r in result.records] == [
        "First Paper",
        "Orphan Title",
        "Third Paper",
        "Last Title",
    ]
    assert [r.abstract == "" for r in result.records] == [False, True, False, True]
    assert result.warnings == [
        "page.txt:3: title without an abstract: kept",
        "page.txt:6: title without an abstract: kept",
    ]


def test_paragraph_without_title_is_reported():
    result = parse(f"{ABSTRACT}\nA Title\n{ABSTRACT}\n", "p.txt")
    assert [r.title for r in result.records] == ["A Title"]
    assert result.warnings[0].startswith("p.txt:1:")


def test_noise_only_file_is_an_error(tmp_path: Path):
    path = tmp_path / "empty-page.txt"
    path.write_text("new\nSubscribe\nMar 13\n")
    with pytest.raises(PapersiftError, match="empty-page.txt: no papers found"):
        read_path(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01binary\x00", "binary"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, data: bytes, message: str):
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    with pytest.raises(PapersiftError, match=message):
        read_path(path)


def test_a_latin1_listing_is_read_and_says_its_encoding(tmp_path: Path):
    # Not UTF-8: decoded with the detected encoding (issue #17), never silently.
    path = tmp_path / "x.txt"
    path.write_bytes("Caf\u00e9 title\n".encode("latin-1") + ABSTRACT.encode())
    result = read_path(path)
    assert [r.title for r in result.records] == ["Caf\u00e9 title"]
    assert any("x.txt: not UTF-8; read as" in w for w in result.warnings)


def test_huge_single_line_is_refused(tmp_path: Path):
    path = tmp_path / "huge.txt"
    path.write_text("x" * 200_001)
    with pytest.raises(PapersiftError, match="huge.txt:1:"):
        read_path(path)


def test_missing_file_and_directory(tmp_path: Path):
    with pytest.raises(PapersiftError, match="no such file"):
        read_path(tmp_path / "nope.txt")
    with pytest.raises(PapersiftError, match="is a directory"):
        read_path(tmp_path)


def test_format_detection_is_by_content():
    assert detect_format('{"format": "papersift-reading-list"}', "list.txt") == "reading-list"
    assert detect_format("% comment\n@article{key,\n title={T}}", "refs.txt") == "bibtex"
    assert detect_format("A Title\nAn abstract.", "papers.bib.txt") == "listing"


_title = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=80,
    )
    .map(str.strip)
    .filter(lambda t: t and len(t.split()) < 12 and not t.endswith("."))
)
_abstract = st.lists(
    st.text(alphabet=st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12),
    min_size=40,
    max_size=80,
).map(lambda words: " ".join(words) + ".")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_title, _abstract), min_size=1, max_size=8), st.booleans())
def test_round_trip_of_generated_listings(pairs, blank_lines):
    from papersift.readers.listing import _is_noise

    pairs = [(t, a) for t, a in pairs if not _is_noise(t) and not t.startswith("Subscribe")]
    if not pairs:
        return
    sep = "\n\n" if blank_lines else "\n"
    text = "new" + sep + "Subscribe" + sep + sep.join(f"{t}{sep}{a}" for t, a in pairs)
    result = parse_text(text, "gen.txt")
    assert [(r.title, r.abstract) for r in result.records] == pairs
    assert result.warnings == []


def test_listing_starting_with_a_bracket_is_not_json():
    text = f"[Re] Reproducing a Study\n{ABSTRACT}\n"
    assert detect_format(text, "page.txt") == "listing"
    assert parse_text(text, "page.txt").records[0].title == "[Re] Reproducing a Study"


_word = st.text(alphabet=st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=12)
#: Titles as scrapes print them: up to 25 words (the sample corpus's longest has 22),
#: sometimes behind a "Name:" head, often ending with a full stop.
_period_title = st.tuples(
    st.one_of(st.just(""), _word.map(lambda w: w.capitalize() + ": ")),
    st.lists(_word, min_size=1, max_size=25),
    st.sampled_from(["", ".", ".", "?"]),
).map(lambda t: t[0] + " ".join(t[1]) + t[2])
_sentence = st.lists(_word, min_size=4, max_size=25).map(
    lambda words: " ".join(words).capitalize() + "."
)
#: Abstracts: one long sentence or several (a scrape may cut one short with "…"), a
#: paragraph in any case: 25 words at least (the sample corpus's shortest has 66).
_abstract_of_sentences = st.one_of(
    st.lists(_sentence, min_size=2, max_size=8)
    .map(" ".join)
    .filter(lambda text: len(text.split()) >= 25),
    st.lists(_word, min_size=30, max_size=90).map(lambda words: " ".join(words) + "."),
    st.lists(_word, min_size=30, max_size=90).map(lambda words: " ".join(words) + "…"),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_period_title, _abstract_of_sentences), min_size=1, max_size=12),
    st.booleans(),
)
def test_titles_ending_with_a_period_are_never_dropped(pairs, blank_lines):
    """Any listing the generator writes, in either layout, reads back record for record."""
    from papersift.readers.listing import _is_noise

    pairs = [(t, a) for t, a in pairs if not _is_noise(t) and not t.startswith("Subscribe")]
    if not pairs:
        return
    sep = "\n\n" if blank_lines else "\n"
    text = "Daily Papers" + sep + sep.join(f"{t}{sep}{a}" for t, a in pairs)
    result = parse_text(text, "gen.txt")
    assert len(result.records) == len(pairs)
    assert [(r.title, r.abstract) for r in result.records] == pairs
    assert not any("skipped" in w for w in result.warnings)
    # Every doubt is a warning about a record that was kept, and counted.
    assert (result.kept_with_warnings > 0) == bool(result.warnings)


@pytest.mark.parametrize("sep", ["\n\n", "\n"], ids=["blank-lines", "alternating"])
def test_titles_from_real_scrapes_that_end_with_a_period(sep):
    titles = [
        "Text Using Regular Expressions in Practice.",
        "Pivot: Towards Efficient LLM Training by Leveraging Small LMs for Data Selection.",
        "A Plain Title",
    ]
    text = "Daily Papers" + sep + sep.join(f"{t}{sep}{ABSTRACT.strip()}" for t in titles)
    result = parse(text, "scrape.txt")
    assert [r.title for r in result.records] == titles
    assert result.warnings == []


def test_a_doubtful_title_is_kept_warned_and_counted():
    # 26 words ending with a stop: alone it reads like an abstract; what follows it (a
    # longer paragraph) and what precedes it (an abstract) make it a title.
    long_title = " ".join(["Word"] * 25) + " end."
    text = f"First Paper\n{ABSTRACT}\n{long_title}\n{ABSTRACT}\n"
    result = parse(text, "p.txt")
    assert [r.title for r in result.records] == ["First Paper", long_title]
    assert result.kept_with_warnings == 1
    assert result.warnings[0].startswith("p.txt:3: this line reads like an abstract")
