"""BibTeX export: escaping, keys, triage fields, round trips, and real bibtex/biber runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path

import bibtexparser
import pybtex.database
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from papersift.bibtex_export import ExportOptions, author_field, clean_name, export_bibtex
from papersift.bibtex_triage import triage_from_bibtex_fields
from papersift.citekeys import citation_keys
from papersift.copy_formats import COPY_FORMATS, copy_as
from papersift.latex import LATEX_NAMES, char_to_latex, dotless, escape_latex, latex_to_text
from papersift.models import STATUSES, Entry, Paper, Record, Triage
from papersift.normalize import paper_id
from papersift.readers import read_path
from papersift.readers.bibtex import parse

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "bibtex"
HAVE_BIBTEX = shutil.which("bibtex") is not None and shutil.which("pdflatex") is not None
HAVE_BIBER = shutil.which("biber") is not None and shutil.which("pdflatex") is not None

# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------

#: Dropped on export: controls, and bidi overrides/isolates (they disguise text).
INVISIBLE = r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"


def one_line(text: str) -> str:
    """What a title/abstract reads back as: NFC, no controls, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[\t\n\r\f\v]", " ", text)
    text = re.sub(INVISIBLE, "", text)
    return re.sub(r"[ \u2028\u2029]+", " ", text).strip()


def note_text(text: str) -> str:
    """What a note reads back as: line breaks kept, trailing spaces and controls gone."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(INVISIBLE, "", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def paper_from(record: Record) -> Paper:
    return Paper(
        id=paper_id(record.title, record.doi, record.arxiv),
        title=record.title,
        abstract=record.abstract,
        authors=record.authors,
        year=record.year,
        venue=record.venue,
        doi=record.doi,
        arxiv=record.arxiv,
        url=record.url,
        bibtex=record.bibtex,
        sources=(record.source,),
    )


def corpus_papers() -> list[Paper]:
    papers: dict[str, Paper] = {}
    for path in sorted((ROOT / "sample_data").glob("*.txt")):
        for record in read_path(path).records:
            paper = paper_from(record)
            papers.setdefault(paper.id, paper)
    return list(papers.values())


NOTES = [
    "",
    "Read §3 first.\nThen the appendix: 100% of {it} & more_",
    "\\input{/etc/passwd} \\write18{rm -rf /} \\immediate\\write18{x}",
    "}, author = {x",
    "@article{evil,\n  title = {y}\n}",
    "multi\n\n\nparagraph\n  indented line",
]


def corpus_entries() -> list[Entry]:
    """The sample corpus with a spread of triage states (deterministic)."""
    entries = []
    for i, paper in enumerate(corpus_papers()):
        triage = Triage()
        if i % 4:
            triage = Triage(
                starred=i % 3 == 0,
                status=STATUSES[i % len(STATUSES)],
                tags=tuple(["rlhf", "to cite", "LLM"][: i % 4]),
                note=NOTES[i % len(NOTES)],
            )
        entries.append(Entry(paper, triage))
    return entries


def reimport(text: str) -> list[Record]:
    return parse(text, "export.bib").records


def assert_same_text(entries: list[Entry], records: list[Record]) -> None:
    assert len(records) == len(entries)
    for entry, record in zip(entries, records, strict=True):
        paper = entry.paper
        assert record.title == one_line(paper.title)
        assert record.abstract == one_line(paper.abstract)
        assert record.authors == tuple(a for a in map(clean_name, paper.authors) if a)
        expected = entry.triage
        tags = tuple(t for t in map(one_line, expected.tags) if t)
        if expected.starred or expected.status != "inbox" or tags or note_text(expected.note):
            assert record.triage is not None, record.bibtex
            assert record.triage.starred == expected.starred
            assert record.triage.status == expected.status
            assert record.triage.tags == tags
            assert record.triage.note == note_text(expected.note)
        else:
            assert record.triage is None


# --------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("LLMs for GeDi and BERT", "{LLMs} for {GeDi} and {BERT}"),
        ("Attention Is All You Need", "Attention Is All You Need"),
        (
            "Training language models with Gaussian noise on ImageNet",
            "Training language models with {Gaussian} noise on {ImageNet}",
        ),
        ("GPT-4 and 3D Vision", "{GPT}-4 and {3D} Vision"),
        ("a & b % c $ d # e _ f", r"a \& b \% c \$ d \# e \_ f"),
        ("{unbalanced", r"\{\vphantom{\}}unbalanced"),
        ("unbalanced}", r"unbalanced\vphantom{\{}\}"),
        (
            "x ~ y ^ z < > | `q`",
            r"x \textasciitilde{} y \textasciicircum{} z \textless{} "
            r"\textgreater{} {$|$} {$`$}q{$`$}",
        ),
        ("a -- b --- c '' d ,, e", "a {-}- b {-}{-}- c {'}' d {,}, e"),
        ("  spaced\n\tout  ", "spaced out"),
        ("", ""),
    ],
)
def test_escape_title(text: str, latex: str) -> None:
    assert escape_latex(text, protect_case=True) == latex
    assert " ".join(latex_to_text(latex).split()) == " ".join(text.split())


@pytest.mark.parametrize(
    "attack",
    [
        r"\input{/etc/passwd}",
        r"\write18{rm -rf ~}",
        r"\immediate\write18{id}",
        "}, author = {Mallory",
        '", note = "x',
        "\\",
        "}}}}",
        "@misc{injected, title={x}}",
        "\\end{document}",
        "%\n\\input{x}",
    ],
)
def test_text_cannot_inject_fields_or_commands(attack: str) -> None:
    paper = Paper(id="p1", title=f"Title {attack}", abstract=attack)
    triage = Triage(tags=(attack.replace(",", ""),), note=attack)
    out = export_bibtex([Entry(paper, triage)])
    assert not re.search(r"\\(input|write18|immediate|end)\b", out)
    library = bibtexparser.parse_string(out)
    assert not library.failed_blocks
    [entry] = library.entries
    assert [f.key for f in entry.fields] == [
        "title", "abstract", "key", "keywords", "annote",
    ]  # fmt: skip
    [record] = reimport(out)
    assert record.title == one_line(f"Title {attack}")
    assert record.abstract == one_line(attack)
    assert record.triage is not None and record.triage.note == note_text(attack)


@pytest.mark.parametrize(
    ("char", "latex"),
    [
        ("ö", r"{\"{o}}"),
        ("Ç", r"{\c{C}}"),
        ("í", r"{\'{i}}"),
        ("ǘ", r"{\'{\"{u}}}"),
        ("ß", r"{\ss}"),
        ("ø", r"{\o{}}"),
        ("€", r"{\texteuro}"),
        ("–", r"{\textendash}"),
        ("α", r"{\ensuremath{\alpha}}"),
        ("≤", r"{\ensuremath{\leq}}"),
        ("ά", r"{\ensuremath{\acute{\alpha}}}"),  # a text accent on math would not compile
        ("\u00a0", "~"),
        ("ﬁ", "fi"),
        ("中", "[U+4E2D]"),
        ("😀", "[U+1F600]"),
    ],
)
def test_char_to_latex(char: str, latex: str) -> None:
    assert char_to_latex(char) == latex
    assert latex.isascii()
    if not latex.startswith("[U+") and char != "ﬁ":
        assert latex_to_text(latex) == char


def test_every_latex_name_decodes_back() -> None:
    for char, latex in LATEX_NAMES.items():
        assert latex_to_text(latex) == char, latex


@pytest.mark.parametrize(
    ("authors", "ascii_only", "latex"),
    [
        (("Müller, Jörg", "García, María"), False, "Müller, Jörg and García, María"),
        (("Müller, Jörg",), True, r'M{\"{u}}ller, J{\"{o}}rg'),
        (("Barnes & Noble",), False, r"{\relax Barnes \& Noble}"),
        (("Smith and Wesson",), False, r"{\relax Smith and Wesson}"),
        ((",Leading", "A,B,C,D", "0", "A,-"), False,
         r"{\relax ,Leading} and {\relax A,B,C,D} and {\relax 0} and {\relax A,-}"),
        (("a--b",), False, r"{\relax a{-}-b}"),
        (("Õ\u00a0x",), True, r"{\relax {\~{O}}\nobreakspace{}x}"),  # not `\~` -> `\\no...`
        (("`ˆ´Smith",), False, "Smith"),  # leading modifiers break biber's initials
        (("´", " ", ""), False, ""),
    ],
)  # fmt: skip
def test_author_names(authors: tuple[str, ...], ascii_only: bool, latex: str) -> None:
    assert author_field(authors, ascii_only) == latex


def test_authors_that_clean_to_nothing_leave_no_empty_field() -> None:
    paper = Paper(id="p", title="T", authors=("´", " "), year=2020, venue="J")
    [entry] = bibtexparser.parse_string(export_bibtex([Entry(paper)])).entries
    assert entry.entry_type == "misc" and "author" not in entry.fields_dict
    assert "key" in entry.fields_dict


# --------------------------------------------------------------------------------------
# Citation keys
# --------------------------------------------------------------------------------------


def test_key_shapes() -> None:
    vaswani = Paper(
        id="a1",
        title="Attention Is All You Need",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        year=2017,
    )
    untitled = Paper(id="b2", title="Attention Is All You Need")
    accented = Paper(id="c3", title="Über Qualität", authors=("Müller, Jörg",), year=2021)
    symbols = Paper(id="d4e5f6a7b8", title="中文 ∞")
    keys = citation_keys([Entry(vaswani), Entry(untitled), Entry(accented), Entry(symbols)])
    assert keys == {
        "a1": "vaswani2017attention",
        "b2": "attentionAllNeed",
        "c3": "muller2021uber",
        "d4e5f6a7b8": "paperd4e5f6a7",
    }


def test_collisions_get_suffixes_in_id_order() -> None:
    papers = [Paper(id=pid, title="Same Title Here", year=2020) for pid in ("c", "a", "b")]
    keys = citation_keys([Entry(p) for p in papers])
    assert keys == {"a": "sameTitleHere2020", "b": "sameTitleHere2020a", "c": "sameTitleHere2020b"}
    assert citation_keys([Entry(p) for p in reversed(papers)]) == keys


def test_imported_keys_are_kept_when_usable_and_unique() -> None:
    from papersift.models import BibtexOrigin

    def bib(key: str) -> BibtexOrigin:
        return BibtexOrigin("article", key, (("title", "T"),))

    a = Paper(id="z1", title="Alpha", bibtex=bib("Smith:2020"))
    b = Paper(id="a0", title="Beta", bibtex=bib("smith:2020"))  # same key, other case
    c = Paper(id="m5", title="Gamma", bibtex=bib("bad key{}"))
    d = Paper(id="q7", title="Smith", year=2020, authors=("X Smith",))
    keys = citation_keys([Entry(a), Entry(b), Entry(c), Entry(d)])
    assert keys["a0"] == "smith:2020"  # imported, first by id
    assert keys["z1"] == "Smith:2020a"
    assert keys["m5"] == "gamma"  # unusable imported key -> derived
    assert len({k.casefold() for k in keys.values()}) == 4


def test_corpus_keys_unique_ascii_and_stable() -> None:
    entries = corpus_entries()
    keys = citation_keys(entries)
    assert len(keys) == len(entries)
    assert len({k.casefold() for k in keys.values()}) == len(keys)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_:.+\-/]*", k) for k in keys.values())
    assert citation_keys(list(reversed(entries))) == keys
    # Alone, a paper gets its key or, if it collided here, the key without the suffix.
    for entry in entries:
        alone = citation_keys([entry])[entry.id]
        assert keys[entry.id] == alone or (
            keys[entry.id].startswith(alone) and keys[entry.id][len(alone) :].isalpha()
        )


# --------------------------------------------------------------------------------------
# Whole-corpus round trips
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("unicode", [True, False])
def test_corpus_round_trip(unicode: bool) -> None:
    entries = corpus_entries()
    out = export_bibtex(entries, ExportOptions(unicode=unicode))
    if not unicode:
        assert out.isascii()
    library = bibtexparser.parse_string(out)
    assert not library.failed_blocks
    keys = citation_keys(entries)
    assert [e.key for e in library.entries] == [keys[e.id] for e in entries]
    assert_same_text(entries, reimport(out))
    pybtex_data = pybtex.database.parse_string(out, "bibtex")
    assert len(pybtex_data.entries) == len(entries)


def test_export_import_export_is_a_fixed_point() -> None:
    entries = corpus_entries()
    first = export_bibtex(entries)
    again = [
        Entry(paper_from(record), record.triage or Triage())
        for record in reimport(first)
    ]  # fmt: skip
    assert export_bibtex(again) == first


def test_without_triage() -> None:
    entries = corpus_entries()
    out = export_bibtex(entries, ExportOptions(include_triage=False))
    assert "papersift:" not in out and "annote" not in out and "readstatus" not in out
    assert all(r.triage is None for r in reimport(out))


def test_no_invented_authors_or_years_and_every_entry_sortable() -> None:
    out = export_bibtex(corpus_entries())
    for entry in bibtexparser.parse_string(out).entries:
        names = set(entry.fields_dict)
        assert "author" not in names and "year" not in names
        assert "key" in names
        assert entry.entry_type == "misc"


# --------------------------------------------------------------------------------------
# Entries that came from a .bib file
# --------------------------------------------------------------------------------------


def sample_entries() -> list[Entry]:
    records = read_path(DATA / "sample.bib").records
    triages = [
        Triage(),
        Triage(starred=True, status="to-read", tags=("dpo",), note="Key paper"),
        Triage(status="discarded"),
        Triage(status="reading", tags=("nlp", "german")),  # "nlp" is also its own keyword
        Triage(tags=("x",)),
    ]
    return [Entry(paper_from(r), t) for r, t in zip(records, triages, strict=True)]


def test_bib_entries_round_trip_raw() -> None:
    entries = sample_entries()
    out = export_bibtex(entries)
    assert "month = jul," in out  # a macro, not the string "jul"
    records = reimport(out)
    assert_same_text(entries, records)
    for entry, record in zip(entries, records, strict=True):
        origin = entry.paper.bibtex
        assert (record.bibtex.entry_type, record.bibtex.key) == (origin.entry_type, origin.key)
        assert (record.title, record.authors, record.year) == (
            entry.paper.title,
            entry.paper.authors,
            entry.paper.year,
        )
        # Raw values come back verbatim; the entry's own keywords lose those now tags.
        tags = {t.casefold() for t in entry.triage.tags}
        expected = []
        for name, value in origin.fields:
            if name == "keywords":
                value = ", ".join(w for w in value.split(", ") if w.casefold() not in tags)
            if value:
                expected.append((name, dotless(value)))
            if name == "date":
                expected.append(("year", value[:4]))  # for classic styles
        if not ({"author", "key"} & {name for name, _ in origin.fields}):
            expected.append(("key", escape_latex(entry.paper.title)))
        assert list(record.bibtex.fields) == expected
    assert dict(records[3].bibtex.fields)["keywords"] == "survey"


def test_bib_entries_export_is_a_fixed_point() -> None:
    entries = sample_entries()
    first = export_bibtex(entries)
    again = [Entry(paper_from(r), r.triage or Triage()) for r in reimport(first)]
    assert export_bibtex(again) == first
    ascii_first = export_bibtex(entries, ExportOptions(unicode=False))
    assert ascii_first.isascii()


#: A .bib off the web: each field tries to run LaTeX in the user's document.
STRANGER_BIB = r"""@article{web1,
  title = {Looks harmless \papersiftcanary{} \input{/etc/passwd} \csname input\endcsname},
  author = {Mallory, M. \immediate\write18{touch pwned-web}},
  journal = {J \immediate\openout7=pwned-openout.tex\immediate\closeout7 ^^5cinput{x}},
  note = {\def\x{y}\x \catcode`\@=11 \emph{fine} {\"o} $\alpha^2$ \\ ok},
  url = {\url{https://example.org/a_b}\input{x}},
  year = 2024
}
"""
DANGEROUS = re.compile(
    r"(?<!textbackslash\{\})\\(input|write18|immediate|openout|closeout|csname|def|catcode"
    r"|papersiftcanary)\b|\^\^"
)


def stranger_entries() -> list[Entry]:
    return [Entry(paper_from(r)) for r in parse(STRANGER_BIB, "web.bib").records]


@pytest.mark.parametrize("unicode", [True, False])
def test_a_strangers_bib_cannot_run_latex_through_the_export(unicode: bool) -> None:
    out = export_bibtex(stranger_entries(), ExportOptions(unicode=unicode))
    assert not DANGEROUS.search(out), out
    fields = bibtexparser.parse_string(out).entries[0].fields_dict
    # Ordinary LaTeX stays as it was; the rest shows as text.
    assert r"\emph{fine} {\"o} $\alpha^2$ \\ ok" in fields["note"].value
    assert fields["url"].value == "https://example.org/a_b%5Cinputx"  # inert, if odd
    [record] = reimport(out)
    assert r"\papersiftcanary" in record.title and r"\input" in record.title


def test_bidi_overrides_and_controls_never_leave_papersift() -> None:
    hostile = "a\u202egnp.exe\u202c b\u2066x\u2069 \x1b[31m\x07c"
    paper = Paper(id="p", title=hostile, abstract=hostile, authors=(hostile,), venue=hostile)
    entries = [Entry(paper, Triage(tags=(hostile,), note=hostile))]
    outputs = [export_bibtex(entries), export_bibtex(entries, ExportOptions(unicode=False))]
    outputs += [copy_as(entries, fmt) for fmt in COPY_FORMATS]
    for out in outputs:
        assert not re.search(INVISIBLE, out.replace("\n", "")), ascii(out)


def test_jabref_fields() -> None:
    entries = sample_entries()
    out = export_bibtex(entries)
    entries_by_key = bibtexparser.parse_string(out).entries_dict
    dpo = entries_by_key["rafailov-etal-2023-direct"].fields_dict
    assert dpo["relevance"].value == "relevant"
    assert dpo["priority"].value == "prio1"
    assert dpo["keywords"].value == "dpo, papersift:starred, papersift:status:to-read"
    assert dpo["annote"].value == "Key paper"
    assert entries_by_key["ouyang2022training"].fields_dict["priority"].value == "prio3"
    muller = entries_by_key["muller_uber_2021"].fields_dict
    assert muller["readstatus"].value == "skimmed"
    assert muller["papersift-ownkeywords"].value == "survey"
    assert "keywords" not in entries_by_key["DBLP:journals/corr/VaswaniSPUJGKP17"].fields_dict


def test_unsafe_raw_values_are_escaped() -> None:
    from papersift.models import BibtexOrigin

    origin = BibtexOrigin(
        "article",
        "k",
        (("title", r"Set \{ notation"), ("note", "ends in \\"), ("url", "http://x/{a")),
    )
    generated = Paper(id="q", title="Q", url="http://x/a b{c}\\")
    out = export_bibtex(
        [Entry(Paper(id="p", title="Set { notation", bibtex=origin)), Entry(generated)]
    )
    assert not bibtexparser.parse_string(out).failed_blocks
    pybtex.database.parse_string(out, "bibtex")
    first, second = reimport(out)
    assert first.title == "Set { notation"
    assert dict(first.bibtex.fields)["title"] == r"Set \{\vphantom{\}} notation"
    assert dict(first.bibtex.fields)["note"] == "ends in"
    assert first.url == "http://x/a"
    assert second.url == "http://x/a%20b%7Bc%7D%5C"


def test_generated_entry_types() -> None:
    full = Paper(id="a", title="T", authors=("A B",), year=2020, venue="Journal of X")
    conf = replace(full, id="b", venue="Proceedings of the 1st Workshop on Y")
    partial = replace(full, id="c", authors=())
    out = export_bibtex([Entry(full), Entry(conf), Entry(partial)])
    found = {
        e.key: (e.entry_type, list(e.fields_dict)) for e in bibtexparser.parse_string(out).entries
    }
    assert found == {
        "b2020t": ("article", ["title", "author", "year", "journal"]),
        "b2020ta": ("inproceedings", ["title", "author", "year", "booktitle"]),
        "t2020": ("misc", ["title", "year", "howpublished", "key"]),
    }


# --------------------------------------------------------------------------------------
# Copy as
# --------------------------------------------------------------------------------------


def test_copy_formats() -> None:
    a = Paper(id="a", title="Attention Is All You Need", authors=("Ashish Vaswani",), year=2017,
              arxiv="1706.03762", abstract="We propose\nthe Transformer.")  # fmt: skip
    b = Paper(id="b", title="Rock *and* [roll](x)", doi="10.1000/x y")
    entries = [Entry(a), Entry(b)]
    assert set(COPY_FORMATS) == {"bibtex", "keys", "cite", "pandoc", "markdown", "abstract"}
    assert copy_as(entries, "keys") == "vaswani2017attention\nrockRollX"
    assert copy_as(entries, "cite") == "\\cite{vaswani2017attention,rockRollX}"
    assert copy_as(entries, "pandoc") == "[@vaswani2017attention; @rockRollX]"
    assert copy_as(entries, "cite", keys={"b": "other"}) == "\\cite{vaswani2017attention,other}"
    assert copy_as(entries, "markdown") == (
        "- [Attention Is All You Need](https://arxiv.org/abs/1706.03762) (2017)\n"
        "- [Rock \\*and\\* \\[roll\\]\\(x\\)](https://doi.org/10.1000/x%20y)"
    )
    assert copy_as(entries, "abstract") == (
        "Attention Is All You Need\nWe propose the Transformer.\n\nRock *and* [roll](x)"
    )
    assert copy_as(entries, "bibtex") == export_bibtex(entries)
    with pytest.raises(ValueError, match="unknown copy format"):
        copy_as(entries, "ris")


def test_triage_from_bibtex_fields_is_exported() -> None:
    assert triage_from_bibtex_fields({"keywords": "a, papersift:starred"}) == Triage(
        starred=True, tags=("a",)
    )


# --------------------------------------------------------------------------------------
# Property: nasty text survives
# --------------------------------------------------------------------------------------

#: Text that has broken exporters: injections, lone braces, ligatures, controls, length.
NASTY_ASCII = [
    "\\input{/etc/passwd}",
    "}, author = {x",
    "{",
    "}",
    "\\",
    "%",
    "#",
    "$x$",
    "@misc{",
    "\n@article{a,",
    "--",
    "''",
    "``",
    "~",
    "^",
    "\\write18{id}",
    '{\\"o}',
    "\t",
    "\r\n",
    "\x1b[31m",
    "x" * 3000,
]
#: Also pdflatex-safe with UTF-8 input and T1 fonts.
NASTY_LATIN = ["a\u00a0b", "é", "Çß"]
#: Characters pdflatex cannot typeset from UTF-8 (fine for biber, and in ASCII mode).
NASTY_WIDE = ["ﬁ", "中文", "😀", "\u200b", "α≤β"]


def nasty_text(
    alphabet: st.SearchStrategy[str] | None = None, wide: bool = True
) -> st.SearchStrategy[str]:
    chars = alphabet if alphabet is not None else st.text()
    pieces = NASTY_ASCII + NASTY_LATIN + (NASTY_WIDE if wide else [])
    return st.lists(st.one_of(chars, st.sampled_from(pieces)), max_size=6).map("".join)


def nasty_entries(
    alphabet: st.SearchStrategy[str] | None = None,
    wide: bool = True,
    min_size: int = 1,
    max_size: int = 8,
) -> st.SearchStrategy[list[Entry]]:
    text = nasty_text(alphabet, wide)
    title = text.filter(lambda t: one_line(t) != "")
    tag = text.map(lambda t: one_line(t).replace(",", "").replace(";", ""))
    triage = st.builds(
        Triage,
        starred=st.booleans(),
        status=st.sampled_from(STATUSES),
        tags=st.lists(tag.filter(bool), max_size=3, unique_by=str.casefold).map(tuple),
        note=text,
    )
    paper = st.builds(
        Paper,
        id=st.uuids().map(lambda u: u.hex[:12]),
        title=title,
        abstract=text,
        authors=st.lists(title, max_size=3).map(tuple),
        year=st.none() | st.integers(1900, 2100),
        venue=text,
    )
    return st.lists(
        st.builds(Entry, paper, triage),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda e: e.id,
    )


@given(nasty_entries(), st.booleans())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_nasty_text_round_trips(entries: list[Entry], unicode: bool) -> None:
    out = export_bibtex(entries, ExportOptions(unicode=unicode))
    if not unicode:
        assert out.isascii()
    assert not re.search(r"\\(input|write18)\b", out)
    library = bibtexparser.parse_string(out)
    assert not library.failed_blocks
    assert len(library.entries) == len(entries)
    pybtex.database.parse_string(out, "bibtex")
    records = reimport(out)
    if unicode:
        assert_same_text(entries, records)
    else:
        # Characters without a LaTeX name are transliterated; everything else is exact.
        for entry, record in zip(entries, records, strict=True):
            if all(_has_latex_form(c) for c in entry.paper.title + entry.paper.abstract):
                assert record.title == one_line(entry.paper.title)
                assert record.abstract == one_line(entry.paper.abstract)
    # Stable: exporting again gives the same bytes, keys do not depend on order.
    assert export_bibtex(entries, ExportOptions(unicode=unicode)) == out
    assert citation_keys(list(reversed(entries))) == citation_keys(entries)


def _has_latex_form(ch: str) -> bool:
    if ch.isascii():
        return True
    composed = unicodedata.normalize("NFC", ch)
    if len(composed) != 1:
        return False  # U+FB2A and the like: NFC decomposes them; no one LaTeX name
    latex = char_to_latex(composed)
    return not latex.startswith("[U+") and latex_to_text(latex) == ch


# --------------------------------------------------------------------------------------
# Real bibtex / biber runs
# --------------------------------------------------------------------------------------

# Defined by the document: if any exported text called it, the .log would say so.
CANARY = (
    r"\def\papersiftcanary{\immediate\write-1{CANARY-EXECUTED}"
    r"\immediate\openout8=pwned-canary.tex\immediate\closeout8}"
)

PLAIN_TEX = (
    r"""\documentclass{article}
\usepackage[T1]{fontenc}
"""
    + CANARY
    + r"""
\begin{document}
\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""
)

# Stock styles do not print abstracts or annotations, which would hide a stray `%` or `#`
# in them: print both after every entry.
BIBLATEX_TEX = (
    r"""\documentclass{article}
\usepackage[T1]{fontenc}
"""
    + CANARY
    + r"""
\usepackage[backend=biber]{biblatex}
\addbibresource{refs.bib}
\renewbibmacro*{finentry}{%
  \setunit{\addperiod\space}\printfield{abstract}%
  \setunit{\addperiod\space}\printfield{annotation}%
  \setunit{\addperiod\space}\printlist{keywords}%
  \finentry}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""
)


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, errors="replace", timeout=300, check=False
    )
    return proc.stdout + proc.stderr


def _latex_problems(log: str) -> list[str]:
    """TeX errors and warnings that are not about needing another run; payloads that ran."""
    problems = [line for line in log.splitlines() if line.startswith("! ")]
    problems += [line for line in log.splitlines() if "CANARY-EXECUTED" in line]
    problems += [line for line in log.splitlines() if "runsystem" in line]
    problems += [
        line
        for line in log.splitlines()
        if "Warning" in line and "Rerun" not in line and "rerun" not in line
    ]
    return problems


def run_bibtex(tmp_path: Path, bib: str) -> tuple[list[str], list[str]]:
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "doc.tex").write_text(PLAIN_TEX, encoding="utf-8")
    _run(["pdflatex", "-interaction=nonstopmode", "doc"], tmp_path)
    _run(["bibtex", "doc"], tmp_path)
    _run(["pdflatex", "-interaction=nonstopmode", "doc"], tmp_path)
    _run(["pdflatex", "-interaction=nonstopmode", "doc"], tmp_path)
    blg = (tmp_path / "doc.blg").read_text(errors="replace")
    bib_problems = [
        line for line in blg.splitlines() if "Warning" in line or "error" in line.lower()
    ]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    problems = _latex_problems(log)
    problems += [p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")]
    return bib_problems, problems


def run_biber(tmp_path: Path, bib: str) -> tuple[list[str], list[str]]:
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "doc.tex").write_text(BIBLATEX_TEX, encoding="utf-8")
    _run(["pdflatex", "-interaction=nonstopmode", "doc"], tmp_path)
    _run(["biber", "doc"], tmp_path)
    _run(["pdflatex", "-interaction=nonstopmode", "doc"], tmp_path)
    _run(["pdflatex", "-interaction=nonstopmode", "doc"], tmp_path)
    blg = (tmp_path / "doc.blg").read_text(errors="replace")
    bib_problems = [line for line in blg.splitlines() if "WARN" in line or "ERROR" in line]
    log = (tmp_path / "doc.log").read_text(errors="replace")
    problems = _latex_problems(log)
    problems += [p.name for p in tmp_path.iterdir() if p.name.startswith("pwned")]
    entries = len(re.findall(r"\\entry\{", (tmp_path / "doc.bbl").read_text(errors="replace")))
    problems += [] if entries else ["biber wrote no entries"]
    return bib_problems, problems


# Characters pdflatex can typeset from UTF-8 with T1 fonts: the biber run uses them raw.
LATIN = st.characters(codec="latin-1", exclude_categories=("Cc", "Cs"), exclude_characters="\u00ad")


def _biber_ascii_safe() -> st.SearchStrategy[str]:
    """Characters that survive ASCII export -> biber -> pdflatex.

    Biber decodes LaTeX escapes back to UTF-8, and pdflatex (T1) then knows only some
    characters: not U+2212 (from `\\textminus`) nor accented letters outside Latin-1
    such as ǹ (from `\\`{n}`). With lualatex, or classic bibtex, all characters work.
    Characters far outside Latin become ASCII fallbacks, so they are fine too.
    """
    named = sorted(set(LATEX_NAMES) - {"\u2212"})
    return st.one_of(LATIN, st.sampled_from(named), st.characters(min_codepoint=0x2E80))


BIBER_ASCII_SAFE = _biber_ascii_safe()


def _batch(strategy: st.SearchStrategy[list[Entry]], count: int) -> list[Entry]:
    """`count` deterministic hypothesis examples, pooled into one batch for one LaTeX run."""
    drawn: dict[str, Entry] = {}

    @given(strategy)
    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def draw(entries: list[Entry]) -> None:
        for entry in entries:
            drawn.setdefault(entry.id, entry)

    draw()
    return list(drawn.values())


def every_named_char(exclude: str = "") -> list[Entry]:
    """One entry per character ASCII mode has a LaTeX name for, in every kind of field."""
    chars = [c for c in sorted(LATEX_NAMES) if c not in exclude]
    return [
        Entry(
            Paper(id=f"char{i:04d}", title=f"T{i} x{c}y {c}", abstract=f"a {c} b",
                  authors=(f"Al{c}x Smith", f"{c}x, Y"), venue=f"V{c}"),
            Triage(tags=(f"t{c}",), note=f"n{c}\n{c}"),
        )
        for i, c in enumerate(chars)
    ]  # fmt: skip


def _latex_corpus(alphabet: st.SearchStrategy[str] | None, wide: bool) -> list[Entry]:
    nasty = _batch(nasty_entries(alphabet, wide, max_size=1), 50)
    assert len(nasty) >= 40
    return corpus_entries() + sample_entries() + stranger_entries() + nasty


@pytest.mark.skipif(not HAVE_BIBTEX, reason="bibtex/pdflatex not installed")
def test_classic_bibtex_plain_bst_is_clean(tmp_path: Path) -> None:
    entries = _latex_corpus(None, wide=True) + every_named_char()
    bib = export_bibtex(entries, ExportOptions(unicode=False))
    bib_problems, tex_problems = run_bibtex(tmp_path, bib)
    assert bib_problems == []
    assert tex_problems == []


@pytest.mark.skipif(not HAVE_BIBER, reason="biber/pdflatex not installed")
def test_biblatex_biber_is_clean(tmp_path: Path) -> None:
    entries = _latex_corpus(st.text(LATIN), wide=False)
    bib = export_bibtex(entries)
    bib_problems, tex_problems = run_biber(tmp_path, bib)
    assert bib_problems == []
    assert tex_problems == []


@pytest.mark.skipif(not HAVE_BIBER, reason="biber/pdflatex not installed")
def test_biblatex_biber_ascii_mode_is_clean(tmp_path: Path) -> None:
    entries = _latex_corpus(st.text(BIBER_ASCII_SAFE), wide=True)
    entries += every_named_char(exclude="\u2212")
    bib_problems, tex_problems = run_biber(tmp_path, export_bibtex(entries, ExportOptions(False)))
    assert bib_problems == []
    assert tex_problems == []
