"""RIS: the reader (Zotero, EndNote, PubMed, Scopus and ASReview variants, malformed
input), the writer, and real consumers: rispy and ASReview 3.0.8's own reader."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papersift.exporters import render
from papersift.models import Entry, Paper, PapersiftError, Triage
from papersift.readers import detect_format, parse_text, read_path
from papersift.ris_export import export_ris

ZOTERO = (
    "\ufeffTY  - JOUR\r\n"
    "TI  - Deep residual learning for image recognition\r\n"
    "AU  - He, Kaiming\r\n"
    "AU  - Zhang, Xiangyu\r\n"
    "T2  - Proceedings of CVPR\r\n"
    "AB  - Deeper neural networks are more difficult to train.\r\n"
    "DA  - 2016/06//\r\n"
    "PY  - 2016\r\n"
    "DO  - 10.1109/CVPR.2016.90\r\n"
    "UR  - https://ieeexplore.ieee.org/document/7780459\r\n"
    "KW  - vision\r\n"
    "KW  - residual networks\r\n"
    "N1  - <p>Read <b>twice</b>; compare with VGG &amp; Inception.</p><p>Second point</p>\r\n"
    "ER  - \r\n"
    "\r\n"
    "TY  - PREPRINT\r\n"
    "TI  - Attention is all you need\r\n"
    "AU  - Vaswani, Ashish\r\n"
    "PY  - 2017\r\n"
    "UR  - http://arxiv.org/abs/1706.03762\r\n"
    "ER  - \r\n"
)

ENDNOTE = """TY  - CONF
T1  - A survey of
screening automation
A1  - van de Schoot, Rens
A1  - de Bruin, Jonathan
Y1  - 2021///
JF  - Nature Machine Intelligence
N2  - Active learning for
systematic reviews.
M3  - doi: 10.1038/s42256-020-00287-7
ER  -
"""

PUBMED = """TY  - JOUR
DB  - PubMed
AU  - Smith J
AU  - Doe A
TI  - Screening tools in evidence synthesis.
JO  - Syst Rev
JA  - Syst Rev
PY  - 2020
AB  - Background: tools.
AN  - 32000001
ER  - """

SCOPUS = """Scopus
EXPORT DATE: 03 December 2026

TY  - JOUR
AU  - Chen, L.
TI  - Priority screening
PY  - 2014
ER  -
"""

# As ASReview 3.0.8 writes a project's RIS export (label first, its data after; rispy
# ends each record with "ER  - ", trailing space included).
ASREVIEW = (
    "TY  - JOUR\nTI  - Included paper\nAB  - abstract one\nN1  - ASReview_relevant\n"
    'N1  - asreview_time: "2026-01-01 10:00:00"\nN1  - first screening looked fine\n'
    "ER  - \n\n"
    "TY  - JOUR\nTI  - Excluded paper\nN1  - ASReview_irrelevant\nER  - \n\n"
    "TY  - JOUR\nTI  - Unseen paper\nN1  - ASReview_not_seen\nER  - \n"
)


def test_zotero_export_with_bom_crlf_html_notes_and_tags():
    result = parse_text(ZOTERO, "zotero.ris")
    assert result.format == "ris"
    first, second = result.records
    assert first.title == "Deep residual learning for image recognition"
    assert first.authors == ("He, Kaiming", "Zhang, Xiangyu")
    assert (first.year, first.venue) == (2016, "Proceedings of CVPR")
    assert first.doi == "10.1109/cvpr.2016.90"
    assert first.url == "https://ieeexplore.ieee.org/document/7780459"
    assert first.line == 1
    assert first.triage == Triage(
        status="inbox",
        tags=("vision", "residual networks"),
        note="Read twice; compare with VGG & Inception.\nSecond point",
    )
    assert second.arxiv == "1706.03762"
    assert second.triage is None
    assert second.line == 16


def test_endnote_continuation_lines_a1_n2_and_doi_in_m3():
    (record,) = parse_text(ENDNOTE, "endnote.txt", fmt="ris").records
    assert record.title == "A survey of screening automation"
    assert record.authors == ("van de Schoot, Rens", "de Bruin, Jonathan")
    assert record.year == 2021
    assert record.venue == "Nature Machine Intelligence"
    assert record.abstract == "Active learning for\nsystematic reviews."
    assert record.doi == "10.1038/s42256-020-00287-7"


def test_pubmed_and_scopus_preamble():
    (pubmed,) = parse_text(PUBMED, "pubmed.ris").records
    assert pubmed.authors == ("Smith J", "Doe A")
    assert (pubmed.venue, pubmed.year) == ("Syst Rev", 2020)
    assert detect_format(SCOPUS, "scopus.ris") == "ris"
    (scopus,) = parse_text(SCOPUS, "scopus.ris").records
    assert scopus.title == "Priority screening"
    assert scopus.line == 4


def test_asreview_labels_become_statuses_and_its_own_notes_are_dropped():
    records = parse_text(ASREVIEW, "asreview.ris").records
    assert [r.triage.status if r.triage else None for r in records] == [
        "to-read",
        "discarded",
        "inbox",
    ]
    assert records[0].triage.note == "first screening looked fine"


def test_er_without_space_one_space_variants_and_repeated_tags():
    text = "TY - JOUR\nTI  - One\nAB  - part one\nAB  - part two\nKW  - a\nKW  - a\nER -\n"
    (record,) = parse_text(text, "x.ris").records
    assert record.abstract == "part one\npart two"
    assert record.triage.tags == ("a",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TY  - JOUR\nTI  - Never closed\n", r"x\.ris:1: the record starting here is not closed"),
        ("TY  - JOUR\nTI  - A\nTY  - JOUR\nER  - \n", r"x\.ris:3: a new record starts before"),
        ("TY  - JOUR\nTI  - A\nER  - \nstray text\n", r"x\.ris:4: text outside a record"),
        ("TY  - JOUR\nTI  - A\nER  - \nTI  - B\n", r"x\.ris:4: 'TI  - ' outside a record"),
        ("just a title\n", r"x\.ris: no RIS record"),
    ],
)
def test_malformed_input_names_the_line(text: str, message: str):
    with pytest.raises(PapersiftError, match=message):
        parse_text(text, "x.ris", fmt="ris")


def test_a_record_without_title_is_skipped_with_a_warning():
    result = parse_text("TY  - JOUR\nAU  - X\nER  - \nTY  - JOUR\nTI  - T\nER  - \n", "x.ris")
    assert [r.title for r in result.records] == ["T"]
    assert result.warnings == ["x.ris:1: a record without a title (TI, T1); skipped"]


def _entries() -> list[Entry]:
    return [
        Entry(
            Paper(
                id="p1",
                title="Deep residual learning",
                abstract="Line one.\nER  - not the end\n\nLast paragraph.",
                authors=("Kaiming He", "Zhang, Xiangyu"),
                year=2016,
                venue="Conference on Computer Vision",
                doi="10.1109/cvpr.2016.90",
                arxiv="1512.03385",
                url="https://example.org/p1",
            ),
            Triage(starred=True, status="read", tags=("vision", "to cite"), note="Good.\nReally."),
        ),
        Entry(Paper(id="p2", title="Excluded", venue="J. Irrelevance"), Triage(status="discarded")),
        Entry(Paper(id="p3", title="Untouched")),
    ]


KEYS = {"p1": "he2016deep", "p2": "excluded", "p3": "untouched"}


def test_export_layout_follows_asreview_and_the_ris_tag_order():
    text = export_ris(_entries(), KEYS)
    records = [r.strip("\n") + "\nER  - " for r in text.split("ER  - \n")[:-1]]
    first = records[0].splitlines()
    assert first[:4] == ["TY  - CPAPER", "ID  - he2016deep", "TI  - Deep residual learning",
                         "AU  - Kaiming He"]  # fmt: skip
    assert " ER  - not the end" in first  # a tag-like line of text is indented
    assert first[-4:] == ["N1  - ASReview_relevant", "N1  - Good.", "Really.", "ER  - "]
    assert "KW  - papersift:starred" in first and "KW  - papersift:status:read" in first
    assert "N1  - ASReview_irrelevant" in text
    untouched = records[-1]
    assert "N1" not in untouched and "KW" not in untouched
    assert "N1" not in export_ris(_entries(), KEYS, include_triage=False)


def test_rispy_reads_the_export():
    records = rispy.loads(export_ris(_entries(), KEYS))
    assert [r["title"] for r in records] == ["Deep residual learning", "Excluded", "Untouched"]
    first = records[0]
    assert first["authors"] == ["Kaiming He", "Zhang, Xiangyu"]
    assert first["keywords"] == ["vision", "to cite", "papersift:starred", "papersift:status:read"]
    assert first["notes"][0] == "ASReview_relevant"
    assert first["doi"] == "10.1109/cvpr.2016.90"
    assert first["secondary_title"] == "Conference on Computer Vision"
    assert records[1]["journal_name"] == "J. Irrelevance"
    assert first["id"] == "he2016deep"


def test_papersift_reads_its_export_back_exactly():
    records = parse_text(export_ris(_entries(), KEYS), "out.ris").records
    by_title = {r.title: r for r in records}
    first = by_title["Deep residual learning"]
    original = _entries()[0]
    assert first.abstract == original.paper.abstract
    assert first.authors == original.paper.authors
    assert (first.doi, first.arxiv, first.url) == ("10.1109/cvpr.2016.90", "1512.03385",
                                                    "https://example.org/p1")  # fmt: skip
    assert first.triage == original.triage
    assert by_title["Excluded"].triage.status == "discarded"
    assert by_title["Untouched"].triage is None


ASREVIEW_PYTHON = os.environ.get("PAPERSIFT_TEST_ASREVIEW")

_ASREVIEW_SCRIPT = """
import json, sys
from asreview.data.ris import RISReader
df = RISReader.read_data(sys.argv[1])
out = []
for _, row in df.iterrows():
    label = row["included"] if "included" in df else None
    out.append({"title": row["title"], "included": None if label is None or str(label) == "<NA>"
                else int(label), "notes": list(row["notes"]) if isinstance(row["notes"], list)
                else []})
print(json.dumps(out))
"""


@pytest.mark.skipif(
    not ASREVIEW_PYTHON,
    reason="PAPERSIFT_TEST_ASREVIEW (a python with asreview==3.0.8, which .ci/run installs "
    "in a venv of its own) is not set",
)
def test_asreview_reads_the_export_with_its_labels(tmp_path: Path):
    path = tmp_path / "screened.ris"
    path.write_text(render(_entries(), "ris", KEYS), encoding="utf-8")
    out = subprocess.run(
        [ASREVIEW_PYTHON, "-c", _ASREVIEW_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = json.loads(out.stdout.strip().splitlines()[-1])
    assert [(r["title"], r["included"]) for r in rows] == [
        ("Deep residual learning", 1),
        ("Excluded", 0),
        ("Untouched", None),
    ]
    # ASReview keeps the user's note and drops its own label note.
    assert rows[0]["notes"] == ["Good. Really."] or rows[0]["notes"] == ["Good.", "Really."]


# Text a person could type: no control characters, no surrogates, no separators
# (U+2028 is a line break to RIS).
_TEXT = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
_LINE = st.text(_TEXT, min_size=1, max_size=40).filter(lambda s: s.strip())
_BLOCK = st.lists(st.text(_TEXT, max_size=30), max_size=4).map("\n".join)
_RESERVED = ("ASReview_relevant", "ASReview_irrelevant", "ASReview_not_seen")


def _block(text: str) -> str:
    """What survives RIS: lines without their edge spaces, no blank lines at the ends."""
    return "\n".join(line.strip() for line in text.split("\n")).strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_LINE,
    abstract=_BLOCK,
    authors=st.lists(_LINE, max_size=4, unique_by=str.strip),
    tags=st.lists(
        _LINE.filter(lambda t: not t.strip().startswith("papersift:")),
        max_size=4,
        unique_by=str.strip,
    ),
    note=_BLOCK.filter(lambda n: _block(n) not in _RESERVED),
    status=st.sampled_from(["inbox", "to-read", "reading", "read", "discarded"]),
    starred=st.booleans(),
)
def test_round_trip_keeps_title_abstract_authors_tags_and_note(
    title, abstract, authors, tags, note, status, starred
):
    triage = Triage(starred=starred, status=status, tags=tuple(tags), note=note)
    entry = Entry(Paper(id="p", title=title, abstract=abstract, authors=tuple(authors)), triage)
    (record,) = parse_text(export_ris([entry], {"p": "key"}), "x.ris", fmt="ris").records
    assert record.title == " ".join(title.split())
    assert record.abstract == _block(abstract)
    assert record.authors == tuple(a.strip() for a in authors)
    note_back = _block(note)
    if triage.is_default() or not (tags or note_back or starred or status != "inbox"):
        return
    assert record.triage is not None
    assert record.triage.tags == tuple(t.strip() for t in tags)
    assert record.triage.note == note_back
    assert (record.triage.status, record.triage.starred) == (status, starred)


def test_import_through_the_cli_and_a_malformed_file_changes_nothing(tmp_path: Path):
    from papersift.cli import main
    from papersift.store import Library

    good = tmp_path / "zotero.ris"
    good.write_text(ZOTERO, encoding="utf-8")
    lib = tmp_path / "lib"
    assert main(["--library", str(lib), "import", "--quiet", str(good)]) == 0
    library = Library(lib, readonly=True)
    tagged = [e for e in library.entries() if e.triage.tags]
    assert [e.triage.tags for e in tagged] == [("vision", "residual networks")]
    before = {p.name: p.read_bytes() for p in lib.iterdir() if p.is_file()}
    bad = tmp_path / "bad.ris"
    bad.write_text("TY  - JOUR\nTI  - never closed\n", encoding="utf-8")
    assert main(["--library", str(lib), "import", "--quiet", str(bad)]) != 0
    after = {p.name: p.read_bytes() for p in lib.iterdir() if p.is_file()}
    assert before == after
    with pytest.raises(PapersiftError, match=r"bad\.ris:1"):
        read_path(bad)
