"""The BibTeX reader: LaTeX decoding, field extraction, errors with lines, round trips."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papersift.bibtex_triage import triage_from_bibtex_fields
from papersift.latex import braces_balanced, latex_to_text
from papersift.models import PapersiftError
from papersift.readers import detect_format, read_path
from papersift.readers.bibtex import _split_names_outside_braces, parse, split_names

DATA = Path(__file__).parent / "data" / "bibtex"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("{LLMs} for {GeDi}", "LLMs for GeDi"),
        ("{{Deep} Learning}", "Deep Learning"),
        (r"Sense \& Sensibility", "Sense & Sensibility"),
        (r"1990{\textendash}2000", "1990–2000"),
        ("pages 1--2, a---b", "pages 1–2, a—b"),
        (r"{\"o} \'e {\c c} \"{u} \c{C} {\ss} {\aa} \o{} \L", "ö é ç ü Ç ß å ø Ł"),
        (
            r"Garc{\'\i}a \v{s} \H{o} \k{a} \r{u} \u{g} \=a \.z \~n \^o \`a",
            "García š ő ą ů ğ ā ż ñ ô à",
        ),
        ("a~b", "a\u00a0b"),
        (r"\emph{x} \textbf{\textit{y}} {\em z}", "x y z"),
        (r"$x^2$ and $\alpha$-div, $\mathcal{O}(n)$", "x^2 and α-div, O(n)"),
        (r"costs \$5, 100\% sure, 100% sure", "costs $5, 100% sure, 100% sure"),
        ("a lone $ sign", "a lone $ sign"),
        (r"\#1 \_x", "#1 _x"),
        ("``quoted''", "“quoted”"),
        (r"\url{http://x.org/a_b%20c}", "http://x.org/a_b%20c"),
        (r"\href{http://x.org}{the text}", "the text"),
        (r"\textbackslash{}input\textbraceleft{}x\textbraceright{}", r"\input{x}"),
        (r"\{set\}", "{set}"),
        (r"\textasciitilde{} \textasciicircum{} \textless{}\textgreater{}\textbar{}", "~ ^ <>|"),
        (r"\noopsort{1999}Title", "Title"),
        (r"\unknownmacro{kept} text", "kept text"),
        (r"\LaTeX{} and \TeX", "LaTeX and TeX"),
        (r"\ensuremath{\geq} \times", "≥ ×"),
        (r"$\hat{x}$ \ensuremath{\acute{\alpha}}", "x̂ ά"),
        ("{unbalanced", "unbalanced"),
        ("unbalanced}", "unbalanced"),
        ("\\", ""),
        ("x\\", "x"),
        (r"\'{}", "´"),
        (r"\~{}", "~"),
        ("plain text", "plain text"),
    ],
)
def test_latex_to_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


@given(st.text())
@settings(max_examples=400)
def test_latex_to_text_never_raises(value: str) -> None:
    assert isinstance(latex_to_text(value), str)


def test_latex_to_text_survives_deep_nesting() -> None:
    assert latex_to_text("{" * 50_000 + "x" + "}" * 50_000) == "x"
    assert "x" in latex_to_text("\\'{" * 5_000 + "x" + "}" * 5_000)


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("A and B", ["A", "B"]),
        ("Rafailov, Rafael  and\n  Sharma, Archit", ["Rafailov, Rafael", "Sharma, Archit"]),
        ("{Barnes and Noble} and C. D. E", ["{Barnes and Noble}", "C. D. E"]),
        ("Sandy AND Andrews", ["Sandy", "Andrews"]),
        ("Anderson, Andrea", ["Anderson, Andrea"]),
        ("", []),
    ],
)
def test_split_names(raw: str, names: list[str]) -> None:
    assert split_names(raw) == names


@given(st.text(alphabet=" \t\nandANDx,.", max_size=40))
def test_split_names_fast_path_is_the_brace_aware_loop(raw: str) -> None:
    # Without braces split_names takes a regex shortcut; it must agree with the loop.
    assert split_names(raw) == _split_names_outside_braces(raw)


def test_sample_library() -> None:
    result = read_path(DATA / "sample.bib")
    assert result.format == "bibtex"
    assert result.warnings == []
    recs = result.records
    assert [r.bibtex.key for r in recs] == [
        "DBLP:journals/corr/VaswaniSPUJGKP17",
        "rafailov-etal-2023-direct",
        "ouyang2022training",
        "muller_uber_2021",
        "lowercase-parens",
    ]
    assert [r.source.index for r in recs] == [0, 1, 2, 3, 4]
    assert [r.line for r in recs] == [10, 28, 42, 51, 63]
    assert all(r.source.file == "sample.bib" for r in recs)

    dblp, acl, arxiv, zotero, report = recs
    assert dblp.title == "Attention Is All You Need"
    assert dblp.authors[0] == "Ashish Vaswani" and len(dblp.authors) == 8
    assert (dblp.year, dblp.venue, dblp.arxiv) == (2017, "CoRR", "1706.03762")
    assert dblp.url == "http://arxiv.org/abs/1706.03762"

    assert acl.authors == ("Rafailov, Rafael", "Sharma, Archit", "Mitchell, Eric")
    assert acl.venue.startswith("Proceedings of the 61st Annual Meeting")
    assert acl.doi == "10.18653/v1/2023.acl-long.1"
    fields = dict(acl.bibtex.fields)
    assert fields["month"] == "jul"
    assert fields["pages"] == "1--12"

    assert arxiv.arxiv == "2203.02155"
    assert arxiv.authors == ("Long Ouyang", "Jeff Wu")  # "and others" is not a name

    assert zotero.title == "Über die Qualität von LLMs – eine Studie mit 100% Erfolg"
    assert zotero.authors == ("Müller, Jörg", "García, María", "Çelik, Ayşe")
    assert zotero.venue == "Zeitschrift für KI & Gesellschaft"
    assert zotero.abstract == "Wir zeigen, dass α-Divergenz & Ko\u00a0funktioniert."
    assert zotero.doi == "10.1000/xyz.123"
    raw = dict(zotero.bibtex.fields)
    assert raw["title"] == (
        r"{\"U}ber die {Qualit\"at} von {LLMs} -- eine {\emph{Studie}} mit 100\% {Erfolg}"
    )
    assert raw["note"] == "to appear, maybe"  # @string + concatenation resolved
    assert zotero.bibtex.entry_type == "article"
    # Keywords of a file papersift did not write are not tags.
    assert zotero.triage is None
    assert raw["keywords"] == "nlp, survey"

    assert report.year == 2019  # from biblatex `date`
    assert report.bibtex.entry_type == "techreport"


def test_crlf_and_bom_give_the_same_records() -> None:
    text = (DATA / "sample.bib").read_text(encoding="utf-8")
    lf = parse(text, "a.bib")
    crlf = parse("\ufeff" + text.replace("\n", "\r\n"), "a.bib")
    assert [(r.title, r.line, r.bibtex) for r in crlf.records] == [
        (r.title, r.line, r.bibtex) for r in lf.records
    ]
    assert all("\r" not in v for r in crlf.records for _, v in r.bibtex.fields)


def test_detected_as_bibtex() -> None:
    assert detect_format("% hi\n@misc{a, title={x}}\n") == "bibtex"


def _error(text: str) -> str:
    with pytest.raises(PapersiftError) as info:
        parse(text, "f.bib")
    return str(info.value)


def test_truncated_file_names_the_entry_line() -> None:
    with pytest.raises(PapersiftError, match=r"truncated\.bib:3: @article 'broken' is not closed"):
        read_path(DATA / "truncated.bib")


def test_duplicate_keys_keep_both_papers_and_name_both_lines() -> None:
    result = read_path(DATA / "duplicate_keys.bib")
    assert [r.bibtex.key for r in result.records] == ["same", "other", "same"]
    assert [r.title for r in result.records] == ["First", "Other", "Second"]
    assert result.warnings == [
        "duplicate_keys.bib:5: duplicate citation key 'same' (first on line 1); both entries kept"
    ]
    assert result.kept_with_warnings == 1


def test_keys_differing_only_in_case_are_duplicates() -> None:
    result = parse("@misc{a, title={x}}\n@misc{A, title={y}}\n", "f.bib")
    assert [r.title for r in result.records] == ["x", "y"]
    assert result.warnings == [
        "f.bib:2: duplicate citation key 'A' (first on line 1); both entries kept"
    ]


def test_a_repeated_field_keeps_the_first_value_as_bibtex_does() -> None:
    result = parse("\n@misc{b, title={x}, title={y}}", "f.bib")
    assert result.records[0].title == "x"
    assert result.records[0].bibtex.fields == (("title", "x"),)
    assert result.warnings == [
        "f.bib:2: 'b': field title is given more than once; the first value is kept, as "
        "bibtex and biber do (not 'y')"
    ]
    result = parse("@misc{b, title={x}, Title={y}}", "f.bib")
    assert result.records[0].title == "x"
    assert "field Title is given more than once" in result.warnings[0]


def test_entries_without_a_title_are_kept_as_untitled() -> None:
    result = parse("@misc{ok, title={x}}\n\n@misc{c, year=1}\n@misc{d, title={ {} }}", "f.bib")
    assert [r.title for r in result.records] == ["x", "untitled (c)", "untitled (d)"]
    assert result.warnings == [
        "f.bib:3: entry 'c' has no title; kept as 'untitled (c)'",
        "f.bib:4: entry 'd' has no title; kept as 'untitled (d)'",
    ]
    assert result.kept_with_warnings == 2
    assert result.records[1].year == 1
    assert result.records[1].bibtex.fields == (("year", "1"),)  # nothing invented


def test_unclosed_entry_in_the_middle() -> None:
    message = _error("@article{c, title={x}\n@article{d, title={y}}\n")
    assert message.startswith("f.bib:1: @article 'c' could not be parsed")


def test_all_problems_counted_and_nothing_imported() -> None:
    message = _error(
        "@misc{a, title={x}}\n@misc{b, title = {a} {b}}\n@misc{, title={y}}\n"
        "@misc{c, title={z}, title={w}}\n"
    )
    assert message.startswith("f.bib:2: entry 'b' has '{' where")
    assert "(and 1 more problem)" in message
    assert message.endswith("nothing was imported")


def test_bad_values() -> None:
    assert "entry 'e' has '{' where `#` or `,` should be" in _error("@misc{e, title = {a} {b}}")
    assert "no citation key" in _error("@misc{, title={x}}")


def test_no_entries() -> None:
    assert "no entries found" in _error("% only a comment\n@comment{x}\n")
    assert "only @string abbreviations (1), no entries" in _error('@string{a = "b"}\n')


def test_trailing_garbage_and_undefined_strings_warn() -> None:
    result = parse("@misc{a, title = undefined # { more}}\n@article x y z\n", "f.bib")
    assert result.records[0].title == "undefined more"
    assert any("undefined @string 'undefined'" in w for w in result.warnings)
    assert any("f.bib:2: ignored text that looks like a broken entry" in w for w in result.warnings)


def test_string_keys_are_case_insensitive_and_redefinable() -> None:
    result = parse('@string{V = "One"}\n@string{v = "Two"}\n@misc{a, title = v}\n', "f.bib")
    assert result.records[0].title == "Two"
    assert any("defined again" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("fields", "arxiv", "doi"),
    [
        ("eprint={2403.12345v2}, archivePrefix={arXiv}", "2403.12345", ""),
        ("eprint={hep-th/9901001}, eprinttype={arxiv}", "hep-th/9901001", ""),
        ("journal={arXiv preprint arXiv:2401.00001}", "2401.00001", ""),
        ("url={https://arxiv.org/pdf/2402.00002v3.pdf}", "2402.00002", ""),
        ("journal={CoRR}, volume={abs/1706.03762}", "1706.03762", ""),
        ("eprint={1234.5678}", "", ""),  # an eprint on some other server
        ("doi={10.1145/3442188.3445922}", "", "10.1145/3442188.3445922"),
        ("doi={\\url{https://doi.org/10.1000/A\\_B}}", "", "10.1000/a_b"),
        ("url={https://doi.org/10.5555/XY}", "", "10.5555/xy"),
    ],
)
def test_identifiers(fields: str, arxiv: str, doi: str) -> None:
    rec = parse(f"@misc{{k, title={{T}}, {fields}}}", "f.bib").records[0]
    assert (rec.arxiv, rec.doi) == (arxiv, doi)


@pytest.mark.parametrize(
    ("year", "expected"), [("2020", 2020), ("{2020}", 2020), ('"n.d."', None), ("{2020a}", None)]
)
def test_year(year: str, expected: int | None) -> None:
    rec = parse(f"@misc{{k, title={{T}}, year={year}}}", "f.bib").records[0]
    assert rec.year == expected


def test_papersift_markers_give_triage_and_leave_a_clean_origin() -> None:
    text = (
        "@misc{k, title={T}, keywords={nlp, to-cite, papersift:starred, papersift:status:read},"
        " papersift-ownkeywords={nlp}, annote={line one\nline two \\& more},"
        " readstatus={read}, relevance={relevant}, note={kept}}"
    )
    rec = parse(text, "f.bib").records[0]
    assert rec.triage is not None
    assert rec.triage.starred and rec.triage.status == "read"
    assert rec.triage.tags == ("to-cite",)
    assert rec.triage.note == "line one\nline two & more"
    # What papersift wrote is re-derived on export; the entry's own data stays.
    assert rec.bibtex.fields == (("title", "T"), ("keywords", "nlp"), ("note", "kept"))


def test_triage_from_fields_without_own_keywords() -> None:
    triage = triage_from_bibtex_fields(
        {"Keywords": "a, b%2Cc, papersift:status:to-read", "annote": ""}
    )
    assert triage is not None
    assert triage.tags == ("a", "b,c")
    assert (triage.status, triage.starred, triage.note) == ("to-read", False, "")
    assert triage_from_bibtex_fields({"keywords": "a, b", "annote": "x"}) is None
    unknown = triage_from_bibtex_fields({"keywords": "papersift:status:bogus"})
    assert unknown is not None and unknown.status == "inbox"


# Raw values: every balanced string of these characters is a legal braced BibTeX value.
_RAW_ALPHABET = string.ascii_letters + string.digits + " .,;:!?'\"-+*/=()[]<>|@#$%&^_~`\\\n\t"


@st.composite
def raw_values(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(st.text(_RAW_ALPHABET, max_size=12), st.just("{")), max_size=8))
    out, depth = [], 0
    for part in parts:
        if part == "{":
            out.append("{")
            depth += 1
        else:
            out.append(part.replace("\\", "\\x"))  # never `\{`, which BibTeX still counts
            if depth and draw(st.booleans()):
                out.append("}")
                depth -= 1
    value = "".join(out) + "}" * depth
    # bibtexparser takes an `@` that opens a line for the start of the next entry
    # (the file is then refused with that line named).
    value = re.sub(r"(?m)^(\s*)@", r"\1a@", value)
    # BibTeX trims the outside of a value; so would we.
    return value.strip()


@given(st.lists(raw_values(), min_size=1, max_size=5))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_raw_values_round_trip_verbatim(values: list[str]) -> None:
    entries = []
    for i, value in enumerate(values):
        entries.append(f"@misc{{k{i},\n  title = {{T{i} {value}}},\n  note = {{{value}}}\n}}\n")
    result = parse("\n".join(entries), "f.bib")
    assert len(result.records) == len(values)
    for i, (rec, value) in enumerate(zip(result.records, values, strict=True)):
        fields = dict(rec.bibtex.fields)
        assert fields["note"] == value
        assert fields["title"] == f"T{i} {value}"
        # (A line break after a hyphen between letters joins the word: "short-\ntext".)
        joined = re.sub(r"(?<=[^\W\d_]-)[ \t]*\n\s*(?=[^\W\d_])", "", f"T{i} {value}")
        assert rec.title == re.sub(r"[ \t\n]+", " ", latex_to_text(joined)).strip()
        assert braces_balanced(fields["note"])


_BIB_ALPHABET = '@{}(),=#"%\\ \nabtilemsc0123'


@given(st.text(_BIB_ALPHABET, max_size=120) | st.text(max_size=60))
@settings(max_examples=400)
def test_parse_raises_only_papersift_errors(text: str) -> None:
    try:
        result = parse(text, "f.bib")
    except PapersiftError as exc:
        assert str(exc).startswith("f.bib")
    else:
        assert result.records
        assert all(r.title for r in result.records)


def test_quotes_inside_braces_of_a_quoted_value_are_text() -> None:
    """BibTeX ends a quoted value only at a `"` outside braces (texbook1.bib, texbook2.bib
    from TeX Live write `{"a}` and `{... "optionalen" ...}`); bibtexparser alone ends it at
    the first one and fails the entry."""
    text = (
        '@string{s = "{x "y" z}"}\n'
        '@book{t, title = "{Ein Handbuch f{\\"u}r zeitgem{"a}{\\ss} Schaffende}",\n'
        '  note = "{Zum Teil "optionalen" Kapitel}."}\n'
        "@misc{u, title = s}\n"
    )
    t, u = parse(text, "f.bib").records
    assert t.title == 'Ein Handbuch für zeitgem"aß Schaffende'
    assert dict(t.bibtex.fields)["note"] == '{Zum Teil "optionalen" Kapitel}.'
    assert dict(t.bibtex.fields)["title"] == '{Ein Handbuch f{\\"u}r zeitgem{"a}{\\ss} Schaffende}'
    assert u.title == 'x "y" z'


def test_an_entry_head_spread_over_lines_reads_as_bibtex_reads_it() -> None:
    # bibtex's own documentation (btxdoc) shows this: type, delimiter, key and comma on
    # lines of their own. Later lines keep their numbers in messages.
    text = (
        "% an example\n"
        "@incollection\n(\n    RouxSmart:95\n    ,\n"
        '    author = "M. Roux and J. Smart",\n    title = "A Model",\n    year = 1995\n)\n'
        "@article{b, title = {Second}, year = 1996, jornal = {x}, title = {Twice}}\n"
    )
    result = parse(text, "heads.bib")
    assert [(r.bibtex.key, r.title, r.year, r.line) for r in result.records] == [
        ("RouxSmart:95", "A Model", 1995, 2),
        ("b", "Second", 1996, 10),
    ]
    assert [w.split(": ")[0] for w in result.warnings] == ["heads.bib:10"]


def test_a_file_of_string_abbreviations_only_says_so() -> None:
    with pytest.raises(PapersiftError, match=r"strings\.bib: only @string abbreviations \(2\)"):
        parse('@string{acm = "ACM"}\n@String{ieee = {IEEE}}\n', "strings.bib")
    with pytest.raises(PapersiftError, match="no entries found"):
        parse("% nothing here\n", "empty.bib")
