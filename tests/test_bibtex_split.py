"""The fast .bib splitter gives exactly what bibtexparser's splitter gives, or steps aside."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest
from bibtexparser import model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papersift.readers import bibtex, bibtex_split
from papersift.readers.bibtex_split import RawEntry

DATA = Path(__file__).parent / "data" / "bibtex"


def reference(text: str) -> list[tuple[RawEntry, int]] | None:
    """bibtexparser's entries, or None when the file has anything but plain entries."""
    library = bibtexparser.parse_string(text, parse_stack=[])
    found = []
    for block in library.blocks:
        if isinstance(block, model.ImplicitComment):
            continue
        if type(block) is not model.Entry:
            return None
        fields = [(f.key, f.value) for f in block.fields]
        found.append((RawEntry(block.entry_type, block.key, fields), block.start_line + 1))
    return found


def assert_same_as_bibtexparser(text: str) -> bool:
    """Check the contract; True if the fast path took the text."""
    fast = bibtex_split.split(text)
    if fast is None:
        return False
    expected = reference(text)
    assert expected is not None, "the fast path took a file with more than plain entries"
    if "\\\n" in text:
        # bibtexparser does not count a line break after a backslash; we do.
        fast = [(entry, 0) for entry, _ in fast]
        expected = [(entry, 0) for entry, _ in expected]
    assert fast == expected
    return True


# Pieces that exercise every rule of bibtexparser's splitter.
VALUE_BITS = [
    "plain words",
    "{nested {braces {deep}}}",
    "{" * 7 + "x" + "}" * 7,
    '"quoted, with comma"',
    '"quote {with} braces"',
    '"half {brace"',
    '{a "quote" inside}',
    '{\\"o}',
    "\\{escaped\\}",
    "\\\\{double}",
    "\\\\",
    "\\",
    '\\"',
    "a\\,b",
    "x = y",
    "me@example.org",
    "Suff@k {x}",
    "@misc{inside}",
    "\n@article{atlinestart",
    "\n  @book{indented",
    '{"}',
    "2024",
    "jan # { and } # feb",
    "\n",
    "}",
    "{",
    '"',
    ",",
    "%comment",
    "ä ß 中文",
]


@st.composite
def bib_files(draw):
    entries = []
    for n in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["article", "Misc", "string", "comment", "inproceedings"]))
        key = draw(st.sampled_from([f"key{n}", "dup", "Dup", "", " spaced key ", "k@y", "a\\b"]))
        fields = []
        for name in draw(
            st.lists(st.sampled_from(["title", "author", "Title", "year", "bad name"]), max_size=4)
        ):
            value = "".join(draw(st.lists(st.sampled_from(VALUE_BITS), max_size=4)))
            wrap = draw(st.sampled_from(["{%s}", '"%s"', "%s", "{%s} # {%s}"]))
            sep = draw(st.sampled_from([" = ", "=", "\n  =  ", " "]))
            fields.append(f"  {name}{sep}{wrap.replace('%s', value)}")
        joiner = draw(st.sampled_from([",\n", ",", ",\n,\n"]))
        tail = draw(st.sampled_from(["\n}", ",\n}", "}", "\n", ""]))
        entries.append(f"@{kind}{{{key},\n" + joiner.join(fields) + tail)
    gap = draw(st.sampled_from(["\n", "\n\n% a comment\n", "\ntext @ here\n", "\nx @misc{y}\n"]))
    return gap.join(entries) + draw(st.sampled_from(["", "\n", "\ntrailing text"]))


# Tricky but well-formed: files built from these alone are the fast path's to read.
WELL_FORMED_BITS = [
    "plain words",
    "{nested {braces {deep}}}",
    '{a "quote" inside}',
    '{\\"o}',
    "\\{escaped\\}",
    "\\\\{double\\\\}",
    "a\\,b",
    "x = y",
    "me@example.org",
    "Suff@k {x}",
    "see @misc{inside}",
    "\n",
    "%comment",
    "ä ß 中文",
    "trailing\\ ",
]


@st.composite
def well_formed_bib_files(draw):
    entries = []
    for n in range(draw(st.integers(1, 4))):
        names = draw(
            st.lists(st.sampled_from(["title", "author", "Year", "note"]), min_size=1, unique=True)
        )
        fields = []
        for name in names:
            value = "".join(draw(st.lists(st.sampled_from(WELL_FORMED_BITS), max_size=4)))
            value = f'"{value}"' if draw(st.booleans()) and '"' not in value else f"{{{value}}}"
            fields.append(f"  {name} = {value}")
        tail = draw(st.sampled_from(["\n}", ",\n}", "}"]))
        entries.append(f"@article{{k{n},\n" + ",\n".join(fields) + tail)
    return "\n\n".join(entries) + "\n"


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=bib_files())
def test_generated_files_split_like_bibtexparser(text: str) -> None:
    assert_same_as_bibtexparser(text)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=well_formed_bib_files())
def test_well_formed_files_take_the_fast_path_and_split_the_same(text: str) -> None:
    assert assert_same_as_bibtexparser(text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='@{}",=\\ \nab', max_size=120))
def test_random_text_split_like_bibtexparser(text: str) -> None:
    assert_same_as_bibtexparser("@misc{k,\n t = " + text)
    assert_same_as_bibtexparser(text)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.bib")), ids=lambda p: p.name)
def test_fixture_files_split_like_bibtexparser(path: Path) -> None:
    assert_same_as_bibtexparser(path.read_text(encoding="utf-8"))


def test_plain_exports_take_the_fast_path() -> None:
    text = (
        "% exported\n\n"
        "@Article{smith2020,\n"
        "  title = {{GeDi}: A {\\'e}tude of 100\\% \\{sets\\}},\n"
        '  author = "Smith, J. and M{\\"u}ller, K.",\n'
        "  year = 2020,\n"
        "  abstract = {Ask me@example.org about Sufficiency@k, a = b},\n"
        "}\n"
        "@misc{doe2021, title={Second}}\n"
    )
    assert assert_same_as_bibtexparser(text)
    (first, line1), (second, line2) = bibtex_split.split(text)
    assert (first.entry_type, first.key, line1) == ("article", "smith2020", 3)
    assert first.fields[1] == ("author", '"Smith, J. and M{\\"u}ller, K."')
    assert (second.key, second.fields, line2) == ("doe2021", [("title", "{Second}")], 9)


@pytest.mark.parametrize(
    "text",
    [
        "@string{x = {y}}\n@misc{a, title={t}}",
        "@misc{a, title={t}}\n@misc{a, title={u}}",
        "@misc{a, title={t}, title={u}}",
        "@misc{a, title={unclosed}\n@misc{b, title={t}}",
        "@misc{a, title={t}}\n  @misc{b, title={t}}",
        "@misc{a, title={t}}\nsee @misc{b}\n",
        "@misc{a, title={t}}\n@article x y z\n",
        "@misc(a, title={t})",
        '@misc{a, title="{"}"}',
        "@misc{a, title=" + "{" * 8 + "x" + "}" * 8 + "}",
    ],
)
def test_unusual_files_are_left_to_bibtexparser(text: str) -> None:
    assert bibtex_split.split(text) is None


def test_parse_gives_the_same_records_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.bib")))
    text = "".join(
        f"@article{{k{n},\n  title = {{Title {n} with {{Braces}} and \\'e}},\n"
        f"  author = {{A, B and C, D}},\n  year = {2000 + n % 20},\n"
        f"  abstract = {{Text {n}, me@x.org, 50\\% of it.}},\n}}\n\n"
        for n in range(50)
    )
    assert bibtex_split.split(text) is not None
    fast = bibtex.parse(text, "x.bib")
    monkeypatch.setattr(bibtex_split, "split", lambda text: None)
    slow = bibtex.parse(text, "x.bib")
    assert fast == slow
