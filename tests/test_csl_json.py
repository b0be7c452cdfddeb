"""CSL-JSON: the export is valid against the official schema and pandoc's citeproc
renders a bibliography from it; the reader takes Zotero's and papersift's files and
names the line of anything malformed; round trips keep what the user typed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papersift.bibtex_triage import has_triage
from papersift.csl_export import csl_name, export_csl_json, name_from_csl
from papersift.models import Entry, Paper, PapersiftError, Triage
from papersift.readers import detect_format, parse_text

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "csl-schema" / "csl-data.json").read_text("utf-8")
)


def _entries() -> list[Entry]:
    return [
        Entry(
            Paper(
                id="p1",
                title="Deep residual learning for image recognition",
                abstract="We present a residual learning framework.",
                authors=(
                    "Kaiming He",
                    "Zhang, Xiangyu",
                    "Ludwig van Beethoven",
                    "ATLAS Collaboration",
                ),
                year=2016,
                venue="Conference on Computer Vision and Pattern Recognition",
                doi="10.1109/cvpr.2016.90",
                arxiv="1512.03385",
                url="https://example.org/p1",
            ),
            Triage(starred=True, status="read", tags=("vision", "a, b"), note="Read twice."),
        ),
        Entry(
            Paper(
                id="p2",
                title="Attention is all you need",
                authors=("Ashish Vaswani",),
                year=2017,
                venue="Advances in Neural Information Processing Systems",
            )
        ),
        Entry(Paper(id="p3", title="Untitled report without authors")),
    ]


KEYS = {"p1": "he2016deep", "p2": "vaswani2017attention", "p3": "untitled"}


def test_names_split_only_where_sure():
    assert csl_name("Zhang, Xiangyu") == {"family": "Zhang", "given": "Xiangyu"}
    assert csl_name("Kaiming He") == {"family": "He", "given": "Kaiming"}
    assert csl_name("John Q. Public") == {"family": "Public", "given": "John Q."}
    assert csl_name("J.-P. Sartre") == {"family": "Sartre", "given": "J.-P."}
    for unsure in ("Ludwig van Beethoven", "ATLAS Collaboration", "Plato", "Maria Elena Lopez",
                   "de Bruin, Jonathan", "Smith, Jr., John", "danah boyd", "王小明"):  # fmt: skip
        assert csl_name(unsure) == {"literal": unsure}, unsure
    assert name_from_csl({"family": "Bruin", "non-dropping-particle": "de", "given": "J."}) == (
        "de Bruin, J."
    )
    assert name_from_csl({"family": "King", "given": "Martin", "suffix": "Jr."}) == (
        "King, Jr., Martin"
    )


def test_export_is_valid_against_the_official_schema():
    items = json.loads(export_csl_json(_entries(), KEYS))
    jsonschema.validate(items, SCHEMA)
    first = items[0]
    assert first["id"] == "he2016deep" and first["citation-key"] == "he2016deep"
    assert first["type"] == "paper-conference"
    assert first["author"][3] == {"literal": "ATLAS Collaboration"}
    assert first["issued"] == {"date-parts": [[2016]]}
    assert first["keyword"] == "vision, a, b"
    assert first["annote"] == "Read twice."
    assert first["custom"]["papersift"]["tags"] == ["vision", "a, b"]
    assert "custom" not in items[2] and "annote" not in items[1]
    # Nothing the schema does not know: it forbids other top-level fields.
    jsonschema.validate(json.loads(export_csl_json(_entries(), KEYS, include_triage=False)), SCHEMA)


def test_the_schema_check_is_real():
    items = json.loads(export_csl_json(_entries(), KEYS))
    items[0]["tags"] = ["vision"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(items, SCHEMA)


@pytest.mark.skipif(shutil.which("pandoc") is None, reason="pandoc is not installed")
def test_pandoc_citeproc_renders_a_bibliography_from_the_export(tmp_path: Path):
    bib = tmp_path / "refs.json"
    bib.write_text(export_csl_json(_entries(), KEYS), encoding="utf-8")
    doc = tmp_path / "draft.md"
    doc.write_text("As shown [@he2016deep; @vaswani2017attention].\n", encoding="utf-8")
    out = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", str(bib), "-t", "plain", str(doc)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    text = " ".join(out.stdout.split())
    assert "(He et al. 2016; Vaswani 2017)" in text
    assert "Deep Residual Learning for Image Recognition" in text or (
        "Deep residual learning for image recognition" in text
    )
    assert "ATLAS Collaboration" in text
    assert "Vaswani, Ashish. 2017. “Attention Is All You Need.”" in text
    assert "warning" not in out.stderr.lower()


ZOTERO = """[
  {"id": "http://zotero.org/users/1/items/ABCD", "type": "article-journal",
   "title": "Priority screening", "container-title": "Systematic Reviews",
   "author": [{"family": "Chen", "given": "Li"}, {"literal": "Cochrane Group"}],
   "issued": {"date-parts": [["2014", 5, 2]]}, "DOI": "10.1186/2046-4053-3-1",
   "URL": "https://arxiv.org/abs/1402.01234v2", "note": "Citation Key: chen2014\\ntex.x: y"},
  {"id": 7, "type": "book", "title": "  A   book  ", "issued": {"raw": "c. 1999"}}
]"""


def test_zotero_items_are_read():
    assert detect_format(ZOTERO, "zotero.json") == "csl-json"
    first, second = parse_text(ZOTERO, "zotero.json").records
    assert first.title == "Priority screening"
    assert first.authors == ("Chen, Li", "Cochrane Group")
    assert (first.year, first.venue, first.doi) == (2014, "Systematic Reviews",
                                                    "10.1186/2046-4053-3-1")  # fmt: skip
    assert first.arxiv == "1402.01234"
    assert first.triage is None  # Zotero's "note" (its Extra field) is not the user's note
    assert (first.line, second.line) == (2, 7)
    assert (second.title, second.year) == ("A book", 1999)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": 1, "title": "A"},\n {"id": 2, "title": }]', r"x\.json:2: invalid JSON"),
        ('[{"id": 1, "title": "A"},\n 5]', r"x\.json:2: item 2 is a JSON int, not an object"),
        ('[\n{"id": 1, "title": ["A"]}]', r"x\.json:2: item 1: 'title' must be a string"),
        ('[\n{"id": 1, "title": "A", "author": "Smith"}]', r"x\.json:2: item 1: 'author'"),
        ('[{"id": 1, "title": "A"}\n\n{"id": 2}]', r"x\.json:3: invalid JSON: expected ','"),
        ("[]", r"x\.json: an empty CSL-JSON array"),
        ('{"items": []}', r"x\.json:1: not CSL-JSON"),
    ],
)
def test_malformed_files_name_the_line(text: str, message: str):
    with pytest.raises(PapersiftError, match=message):
        parse_text(text, "x.json", fmt="csl-json")


def test_papersift_reads_its_export_back_exactly():
    records = parse_text(export_csl_json(_entries(), KEYS), "refs.json").records
    for record, entry in zip(records, _entries(), strict=True):
        paper = entry.paper
        assert (record.title, record.abstract, record.authors) == (
            paper.title,
            paper.abstract,
            paper.authors,
        )
        assert (record.year, record.venue, record.doi, record.arxiv, record.url) == (
            paper.year,
            paper.venue,
            paper.doi,
            paper.arxiv,
            paper.url,
        )
    assert records[0].triage == _entries()[0].triage
    assert records[1].triage is None


_TEXT = st.characters(blacklist_categories=("Cs",))
_LINE = st.text(_TEXT, min_size=1, max_size=40).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_LINE,
    abstract=st.text(_TEXT, max_size=80),
    authors=st.lists(_LINE, max_size=4),
    tags=st.lists(_LINE.map(str.strip), max_size=4, unique=True),
    note=st.text(_TEXT, max_size=60),
    status=st.sampled_from(["inbox", "to-read", "reading", "read", "discarded"]),
    starred=st.booleans(),
)
def test_round_trip_keeps_title_abstract_authors_tags_and_note(
    title, abstract, authors, tags, note, status, starred
):
    triage = Triage(starred=starred, status=status, tags=tuple(tags), note=note)
    entry = Entry(Paper(id="p", title=title, abstract=abstract, authors=tuple(authors)), triage)
    text = export_csl_json([entry], {"p": "key"})
    jsonschema.validate(json.loads(text), SCHEMA)
    (record,) = parse_text(text, "x.json", fmt="csl-json").records
    assert record.title == " ".join(title.split())
    assert record.abstract == abstract.strip()
    assert record.authors == tuple(authors)
    if not has_triage(triage):  # an untouched paper exports no triage (as in BibTeX)
        return
    assert record.triage is not None
    assert record.triage.tags == tuple(tags)
    assert record.triage.note == note.strip()
    assert (record.triage.status, record.triage.starred) == (status, starred)
