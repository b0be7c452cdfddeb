"""The labelled screening-CSV reader (ASReview LAB, Rayyan) and its import.

The three real sets are read from `../shared/screening/` (skipped where that folder is
absent). They come from the ASReview project's systematic-review-datasets collection:
- Nagtegaal_2019.csv: CC0; Nagtegaal et al. 2019, J. Behav. Public Adm.,
  doi:10.30636/jbpa.22.71
- Bannach-Brown_2019.csv: CC-BY 4.0; Bannach-Brown et al. 2019, Syst. Rev.,
  doi:10.1186/s13643-019-0942-7
- Kitchenham_2010.csv: CC-BY 4.0; Kitchenham et al. 2010 via the Hall/Wahono/Radjenovic/
  Kitchenham collection, zenodo 1162952
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift.importer import import_files
from papersift.models import PapersiftError
from papersift.readers import detect_format, parse_text, read_path
from papersift.readers.review_csv import (
    ReviewRecord,
    parse,
    parse_review_csv,
    read_review_csv,
    split_authors,
)
from papersift.store import Library

from .conftest import REPO

SCREENING = REPO.parent / "shared" / "screening"
needs_sets = pytest.mark.skipif(not SCREENING.is_dir(), reason="no ../shared/screening")

#: record count, included, excluded: the README of ../shared/screening.
REAL_SETS = {
    "Nagtegaal_2019.csv": (2019, 101, 1918),
    "Bannach-Brown_2019.csv": (1993, 280, 1713),
    "Kitchenham_2010.csv": (1704, 45, 1659),
}


@needs_sets
@pytest.mark.parametrize("name", sorted(REAL_SETS))
def test_the_real_sets_read_with_their_published_counts(name: str):
    path = SCREENING / name
    records = read_review_csv(path)
    total, included, excluded = REAL_SETS[name]
    assert len(records) == total
    assert sum(r.label == 1 for r in records) == included
    assert sum(r.label == 0 for r in records) == excluded
    assert detect_format(path.read_text(encoding="utf-8"), name) == "review-csv"
    # Every record's line is where its row starts (abstracts span lines in these files).
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for r in records:
        assert lines[r.line - 1].startswith(f"{r.record_id},"), r
    assert len({r.record_id for r in records}) == total
    assert all(r.title for r in records)


@needs_sets
def test_bannach_brown_authors_and_years():
    records = {r.record_id: r for r in read_review_csv(SCREENING / "Bannach-Brown_2019.csv")}
    assert (
        records["2"].title == "Inhibition of cellular transport processes by 5-thio-D-glucopyranose"
    )
    assert records["2"].authors == ("R. L. Whistler", "W. C. Lake")
    assert records["2"].year is not None and 1900 < records["2"].year < 2030
    named = [r for r in records.values() if r.authors]
    assert len(named) == len(records) - 5  # five records have no authors in the file
    # No name is a list of names (commas and "and" split) and none is punctuation.
    for r in named:
        for a in r.authors:
            assert " and " not in a and a.count(",") <= 1 and any(c.isalpha() for c in a)


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("", ()),
        ("R. L. Whistler and W. C. Lake", ("R. L. Whistler", "W. C. Lake")),
        (
            "D. Pavlinac, R. Langer, L. Lenhard and L. Deftos",
            ("D. Pavlinac", "R. Langer", "L. Lenhard", "L. Deftos"),
        ),
        (
            "K. W. Kohn, V. H. Bono, Jr. and H. E. Kann, Jr.",
            ("K. W. Kohn", "V. H. Bono, Jr.", "H. E. Kann, Jr."),
        ),
        ("Smith, J.; Doe, A. B.", ("Smith, J.", "Doe, A. B.")),
        ("Smith, John and van der Berg, Jan", ("Smith, John", "van der Berg, Jan")),
        ("Smith, John", ("Smith, John",)),
        ("Smith J, Doe A, Lee K", ("Smith J", "Doe A", "Lee K")),
        ("Vilarino G.T. and Andrade A.", ("Vilarino G.T.", "Andrade A.")),
        ("John Smith, Jane Doe", ("John Smith", "Jane Doe")),
        ("A. Bee & C. Dee, et al.", ("A. Bee", "C. Dee")),
        ("J. Cobo and .", ("J. Cobo",)),
    ],
)
def test_authors_are_split_as_the_tools_write_them(cell: str, names: tuple[str, ...]):
    assert split_authors(cell) == names


def test_columns_by_name_in_any_case_with_bom_crlf_and_semicolons():
    text = (
        "\ufeffLabel_Included;  TITLE ;Abstract;Year;DOI;Record_ID\r\n"
        '1;A study;"First line\r\nsecond; line";2019.0;https://doi.org/10.1000/AB;7\r\n'
        "0.0;Another;;n.d.;;8\r\n"
        ";Third;Text;2001-05-02;doi:10.2000/x;9\r\n"
    )
    records = parse_review_csv(text, "r.csv")
    assert records == [
        ReviewRecord("7", "A study", "First line\nsecond; line", (), 2019, "10.1000/ab", 1, 2),
        ReviewRecord("8", "Another", "", (), None, "", 0, 4),
        ReviewRecord("9", "Third", "Text", (), 2001, "10.2000/x", None, 5),
    ]


def test_tabs_and_no_record_id_column_number_rows_from_zero():
    text = "title\tabstract\tincluded\nA\tx\t1\n\nB\ty\t\n"
    records = parse_review_csv(text, "r.tsv")
    assert [(r.record_id, r.title, r.label, r.line) for r in records] == [
        ("0", "A", 1, 2),
        ("1", "B", None, 4),
    ]


def test_asreview_export_label_wins_over_the_original_label():
    # ASReview LAB's export keeps the input's columns and adds asreview_label, which it
    # reads first; the reader follows the same order.
    text = "record_id,title,label_included,asreview_label\n1,A,0,1.0\n2,B,1,\n"
    assert [r.label for r in parse_review_csv(text, "export.csv")] == [1, None]


def test_final_label_is_used_not_the_abstract_screening_one():
    text = "record_id,title,label_included,label_abstract_screening\n1,A,0,1\n2,B,1,1\n"
    assert [r.label for r in parse_review_csv(text, "n.csv")] == [0, 1]


RAYYAN = (
    "key,title,authors,journal,issn,volume,issue,pages,year,publisher,url,abstract,notes,"
    "doi,keywords\n"
    '101,Nudges for nurses,"Vilarino G.T. and Andrade A.",J. Nurs.,,,,,2020,,'
    'http://x.org/1,An abstract.,"RAYYAN-INCLUSION: {""Alice""=>""Included"", '
    '""Bob""=>""Included""} | RAYYAN-LABELS: ML, Hospital",10.5555/N1,\n'
    '102,Yoga at work,Souza R.,Other,,,,,2019,,,Text.,"RAYYAN-INCLUSION: '
    '{""Alice""=>""Excluded""} | RAYYAN-EXCLUSION-REASONS: wrong population",,\n'
    '103,Maybe this,Silva M.,,,,,,2018,,,,"RAYYAN-INCLUSION: {""Alice""=>""Maybe""}",,\n'
    '104,They differ,Lee K.,,,,,,2018,,,,"RAYYAN-INCLUSION: {""Alice""=>""Included"", '
    '""Bob""=>""Excluded""}",,\n'
    "105,Not screened yet,,,,,,,,,,,,,\n"
)


def test_rayyan_decisions_in_notes_become_labels():
    result = parse(RAYYAN, "articles.csv")
    assert detect_format(RAYYAN, "articles.csv") == "review-csv"
    records = parse_review_csv(RAYYAN, "articles.csv")
    assert [(r.record_id, r.label) for r in records] == [
        ("101", 1),
        ("102", 0),
        ("103", None),
        ("104", None),
        ("105", None),
    ]
    assert records[0].authors == ("Vilarino G.T.", "Andrade A.")
    assert records[0].doi == "10.5555/n1" and records[0].year == 2020
    assert result.warnings == [
        "articles.csv:4: 2 record(s) with a Maybe or disagreeing Rayyan decisions were left "
        "unlabelled (lines 4, 5)"
    ]
    first = result.records[0]
    assert (first.venue, first.url) == ("J. Nurs.", "http://x.org/1")
    assert [r.triage.status if r.triage else None for r in result.records] == [
        "to-read",
        "discarded",
        None,
        None,
        None,
    ]


def test_import_records_without_a_title():
    text = "record_id,title,abstract,label_included\n1,,Only an abstract.,1\n2,,,0\n3,T,,\n"
    result = parse(text, "r.csv")
    assert [r.title for r in result.records] == ["untitled (record 1)", "T"]
    assert [r.source.index for r in result.records] == [0, 1]
    assert result.warnings == [
        "r.csv:2: record 1 has no title: kept as 'untitled (record 1)'",
        "r.csv:3: record 2 has neither a title nor an abstract: skipped",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "r.csv: the file is empty"),
        (" \n\n", "r.csv: the file is empty"),
        (
            "record_id,name,abstract\n1,x,y\n",
            "r.csv:1: no title column in the header line ('record_id,name,abstract'); a "
            "screening CSV needs one named title or primary_title",
        ),
        ("record_id,title\n", "r.csv: a header line but no records"),
        (
            "record_id,title,label_included\n"
            + "".join(f"{n},T{n},0\n" for n in range(1, 16))
            + "16,T16,yes\n",
            "r.csv:17: label_included is 'yes', expected 1, 0 or empty",
        ),
        (
            "record_id,title,included\n1,A,2\n",
            "r.csv:2: included is '2', expected 1, 0 or empty",
        ),
        (
            'record_id,title,abstract\n7,A,"two\nlines"\n8,B,x\n7,C,y\n',
            "r.csv:5: record_id '7' again (first on line 2); every record needs its own",
        ),
        (
            "key,title\n1,A\n1,B\n",
            "r.csv:3: key '1' again (first on line 2); every record needs its own",
        ),
        (
            "record_id,title,abstract\n1,A,x\n2,B,x,extra\n",
            "r.csv:3: 4 fields, but the header (line 1) has 3; is a quote or a delimiter missing?",
        ),
        (
            "record_id,title,abstract\n1\n",
            "r.csv:2: 1 field, but the header (line 1) has 3; is a quote or a delimiter missing?",
        ),
        (
            'record_id,title,abstract\n1,A,"never closed\n2,B,x\n',
            "r.csv:2: not valid CSV: a quoted field that starts here is never closed",
        ),
        ('record_id,title\n1,"A"B\n', "r.csv:2: not valid CSV: ',' expected after '\"'"),
        ("record_id,title\n ,A\n", "r.csv:2: the record has no record_id"),
    ],
)
def test_bad_csv_is_a_clear_error_naming_file_and_line(text: str, message: str):
    with pytest.raises(PapersiftError) as info:
        parse_review_csv(text, "r.csv")
    assert str(info.value) == message


def test_hostile_label_is_shown_inert():
    text = "title,label_included\nA,\x1b]52;c;aGk=\x07\n"
    with pytest.raises(PapersiftError) as info:
        parse_review_csv(text, "r.csv")
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value)
    assert "␛]52;c;aGk=␇" in str(info.value)


def test_read_review_csv_reads_files_and_names_them(tmp_path: Path):
    path = tmp_path / "set.csv"
    path.write_bytes(b"\xef\xbb\xbfrecord_id,title,label_included\r\n1,A,1\r\n")
    assert read_review_csv(str(path)) == [ReviewRecord("1", "A", "", (), None, "", 1, 2)]
    # Not UTF-8: read in the encoding the readers detect (ASReview falls back to Latin-1).
    path.write_bytes("record_id,title\n1,Un été à Besançon\n".encode("cp1252"))
    assert read_review_csv(path)[0].title == "Un été à Besançon"
    path.write_bytes(b"record_id,title\n1,\x00\x01\n")
    with pytest.raises(PapersiftError, match=r"set\.csv: looks like a binary file"):
        read_review_csv(path)
    with pytest.raises(PapersiftError, match="no such file"):
        read_review_csv(tmp_path / "missing.csv")


def test_detection():
    assert detect_format("record_id,title,abstract\n1,A,B\n", "x.txt") == "review-csv"
    assert detect_format('"Title";"Authors"\n"A";"B"\n', "") == "review-csv"
    assert detect_format("\ufeffprimary_title\tabstract\nA\tB\n", "") == "review-csv"
    # The name decides only when the content does not: the reader then names the problem.
    assert detect_format("name,abstract\nA,B\n", "x.csv") == "review-csv"
    with pytest.raises(PapersiftError, match=r"x\.csv:1: no title column"):
        parse_text("name,abstract\nA,B\n", "x.csv")
    # A listing whose first title has a comma and a .bib file are not CSVs.
    assert detect_format("Title, and why it matters\nAn abstract.\n", "") == "listing"
    assert detect_format("@article{k, title={A}}\n", "") == "bibtex"
    assert detect_format("title,abstract\n1,\n@misc{x,\n", "") == "review-csv"


_field = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
_name = st.from_regex(r"[A-Z]\. [A-Z][a-z]{1,8}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            _field.map(lambda s: " ".join(s.split())).filter(bool),
            _field.map(lambda s: s.replace("\r\n", "\n").replace("\r", "\n").strip()),
            st.lists(_name, max_size=4),
            st.none() | st.integers(1000, 2999),
            st.sampled_from(["", "10.1000/x1", "10.5555/abc.def"]),
            st.sampled_from([None, 0, 1]),
        ),
        min_size=1,
        max_size=8,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_rows_written_by_csv_writer_read_back_equal(rows, delimiter: str):
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["record_id", "title", "abstract", "authors", "year", "doi", "label_included"])
    expected = []
    for n, (title, abstract, authors, year, doi, label) in enumerate(rows):
        writer.writerow(
            [
                f"r{n}",
                title,
                abstract,
                "; ".join(authors),
                "" if year is None else year,
                doi,
                "" if label is None else label,
            ]
        )
        expected.append((f"r{n}", title, abstract, tuple(authors), year, doi, label))
    records = parse_review_csv(out.getvalue(), "w.csv")
    got = [(r.record_id, r.title, r.abstract, r.authors, r.year, r.doi, r.label) for r in records]
    assert got == expected
    # Lines as the csv module counts them (\n, \r or \r\n; not U+2028 and the like).
    text_lines = io.StringIO(out.getvalue(), newline="").readlines()
    for r in records:
        assert text_lines[r.line - 1].startswith(f"{r.record_id}{delimiter}")


# -- importing -------------------------------------------------------------------------

SMALL = (
    "record_id,title,abstract,authors,year,label_included\n"
    "1,Nudging doctors with alerts,Alerts change prescriptions.,A. Bee and C. Dee,2019,1\n"
    "2,Soil bacteria in winter,Cold soils.,E. Eff,2015,0\n"
    "3,Defaults in hospital order sets,Order sets nudge.,G. Gee,2020,\n"
)


def _statuses(library: Library) -> dict[str, str]:
    return {p.title: library.triage_of(pid).status for pid, p in library.papers.items()}


def test_import_maps_labels_to_statuses_and_never_overrides_the_user(
    library_path: Path, tmp_path: Path
):
    path = tmp_path / "review.csv"
    path.write_text(SMALL, encoding="utf-8")
    library = Library(library_path)
    (report,) = import_files(library, [path])
    assert report.ok and report.format == "review-csv" and report.new == 3
    assert _statuses(library) == {
        "Nudging doctors with alerts": "to-read",
        "Soil bacteria in winter": "discarded",
        "Defaults in hospital order sets": "inbox",
    }
    paper = next(p for p in library.papers.values() if p.title.startswith("Nudging"))
    assert paper.authors == ("A. Bee", "C. Dee") and paper.year == 2019
    # The user's own decision stands when the file is imported again.
    library.write_triage({paper.id: library.triage_of(paper.id).touched(status="read")})
    import_files(library, [path])
    assert Library(library_path).triage_of(paper.id).status == "read"


def _cli(*args: str, library: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "papersift", "--library", str(library), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def test_cli_import_of_a_review_csv(library_path: Path, tmp_path: Path):
    path = tmp_path / "review.csv"
    path.write_text(SMALL, encoding="utf-8")
    proc = _cli("import", str(path), library=library_path)
    assert proc.returncode == 0, proc.stderr
    assert "review.csv: read 3 (review-csv), new 3" in proc.stdout
    listed = json.loads(_cli("list", "--json", library=library_path).stdout)
    assert sorted((p["title"], p["status"]) for p in listed) == [
        ("Defaults in hospital order sets", "inbox"),
        ("Nudging doctors with alerts", "to-read"),
        ("Soil bacteria in winter", "discarded"),
    ]
    # A bad CSV: exit 1, file and line named, the library exactly as it was.
    before = {p.name: p.read_bytes() for p in library_path.iterdir() if p.is_file()}
    bad = tmp_path / "bad.csv"
    bad.write_text(SMALL + "4,Broken,x,,2020,maybe\n", encoding="utf-8")
    proc = _cli("import", str(bad), library=library_path)
    assert proc.returncode == 1
    assert "bad.csv:5: label_included is 'maybe', expected 1, 0 or empty" in proc.stderr
    assert {p.name: p.read_bytes() for p in library_path.iterdir() if p.is_file()} == before


@needs_sets
def test_importing_a_real_set_keeps_every_included_record_to_read(library_path: Path):
    library = Library(library_path)
    (report,) = import_files(library, [SCREENING / "Kitchenham_2010.csv"])
    assert report.ok and report.read == 1704
    statuses = [library.triage_of(pid).status for pid in library.papers]
    # Dedupe merges the set's exact duplicates (all excluded); every inclusion survives.
    assert statuses.count("to-read") == 45
    assert statuses.count("discarded") == len(statuses) - 45
    assert read_path(SCREENING / "Kitchenham_2010.csv").format == "review-csv"
