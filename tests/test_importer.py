"""Importing files into a library: the sample corpus, re-imports, bad files, merges."""

from __future__ import annotations

from pathlib import Path

import orjson

from papersift import actions
from papersift.importer import import_files
from papersift.store import Library

from .conftest import SAMPLE_LISTINGS

ABSTRACT = (
    "We study how large language models can be aligned with human preferences using "
    "a new method that is simple, fast and effective across many benchmarks. "
) * 3


def test_sample_corpus_dedupes_to_318_papers_with_every_source(library_path: Path):
    library = Library(library_path)
    reports = import_files(library, SAMPLE_LISTINGS)
    assert [r.read for r in reports] == [32, 48, 58, 50, 189]
    assert sum(r.new for r in reports) == len(library) == 318
    sources = [s for p in library.papers.values() for s in p.sources]
    assert len(sources) == len(set(sources)) == 377
    assert {s.file for s in sources} == {p.name for p in SAMPLE_LISTINGS}
    # Every record's position is kept: each file's indexes are 0..n-1 exactly once.
    for report, path in zip(reports, SAMPLE_LISTINGS, strict=True):
        assert sorted(s.index for s in sources if s.file == path.name) == list(range(report.read))


def test_reimport_is_a_no_op(sample_library: Library, library_path: Path):
    corpus = (library_path / "corpus.json").read_bytes()
    reports = import_files(sample_library, SAMPLE_LISTINGS)
    assert sum(r.new + r.merged for r in reports) == 0
    assert sum(r.unchanged for r in reports) == 377
    assert (library_path / "corpus.json").read_bytes() == corpus


def test_entries_of_one_bib_file_under_different_keys_stay_two_papers(tmp_path: Path):
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{knuth84, title = {Literate Programming}, author = {Knuth, D. E.},\n"
        "  journal = {The Computer Journal}, year = 1984}\n"
        "@article{bentley86, title = {Literate programming}, author = {Bentley, J.},\n"
        "  journal = {Communications of the ACM}, year = 1986}\n",
        encoding="utf-8",
    )
    # One paper entered twice (its data copied, a second key): that is one paper.
    bib.write_text(
        bib.read_text(encoding="utf-8")
        + "@article{knuth84b, title = {Literate {P}rogramming}, author = {Donald E. Knuth},\n"
        "  journal = {The Computer Journal}, year = 1984, pages = {97--111}}\n",
        encoding="utf-8",
    )
    library = Library(tmp_path / "lib")
    (report,) = import_files(library, [bib])
    assert (report.new, report.merged, report.possible) == (2, 1, 1)
    assert len(library.papers) == 2
    (pair,) = library.possible
    assert pair.pair == frozenset(library.papers)
    # A re-import finds each entry's own paper again (not its look-alike's).
    (again,) = import_files(library, [bib])
    assert (again.new, again.merged, again.unchanged, again.possible) == (0, 0, 3, 0)
    # The same entry in another file is the same paper, as before.
    other = tmp_path / "other.bib"
    other.write_text(bib.read_text(encoding="utf-8").split("@article{bentley86")[0])
    (third,) = import_files(library, [other])
    assert (third.new, third.merged + third.unchanged) == (0, 1)


def test_an_article_and_its_reprint_in_one_file_stay_two_entries(tmp_path: Path):
    # Furuta's survey in ACM Computing Surveys and reprinted in a book (texbook1.bib).
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{furuta82, title = {Document formatting systems}, author = {R. Furuta},\n"
        "  year = 1982, pages = {417--472}}\n"
        "@inbook{furuta82b, title = {Document formatting systems}, author = {R. Furuta},\n"
        "  year = 1982, pages = {133--220}}\n",
        encoding="utf-8",
    )
    library = Library(tmp_path / "lib")
    (report,) = import_files(library, [bib])
    assert (report.new, report.merged, report.possible) == (2, 0, 1)


def test_ids_are_stable_across_libraries(tmp_path: Path):
    one = Library(tmp_path / "one")
    import_files(one, SAMPLE_LISTINGS)
    two = Library(tmp_path / "two")
    import_files(two, list(reversed(SAMPLE_LISTINGS)))
    assert set(one.papers) == set(two.papers)


def test_triage_survives_reimport(sample_library: Library, library_path: Path):
    pid = next(iter(sample_library.papers))
    actions.set_starred(sample_library, [pid], True)
    actions.add_tags(sample_library, [pid], ["keep"])
    import_files(sample_library, SAMPLE_LISTINGS)
    reloaded = Library(library_path)
    assert reloaded.triage_of(pid).starred
    assert reloaded.triage_of(pid).tags == ("keep",)


def test_a_bad_file_imports_nothing_and_the_rest_imports(library_path: Path, tmp_path: Path):
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"@article{broken,\n  title = {" + ABSTRACT.encode())  # never closed
    library = Library(library_path)
    reports = import_files(library, [bad, SAMPLE_LISTINGS[0]])
    assert not reports[0].ok and "broken.txt:1" in reports[0].error
    assert reports[0].new == 0
    assert reports[1].ok and reports[1].new == 32
    assert all(s.file != "broken.txt" for p in library.papers.values() for s in p.sources)


def test_a_failed_import_leaves_the_library_byte_for_byte(sample_library, library_path, tmp_path):
    files = {p.name: p.read_bytes() for p in library_path.iterdir() if p.is_file()}
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00\x00")
    reports = import_files(sample_library, [bad])
    assert not reports[0].ok
    assert {p.name: p.read_bytes() for p in library_path.iterdir() if p.is_file()} == files


def test_variant_records_merge_into_the_existing_paper(sample_library: Library, tmp_path: Path):
    paper = next(
        p
        for p in sample_library.papers.values()
        if p.title == "Aligning Large Language Models with Human: A Survey"
    )
    variant = tmp_path / "colleague.txt"
    truncated = paper.abstract[:300].rsplit(" ", 1)[0] + " …"
    variant.write_text(f"{paper.title.upper()}\n{truncated}\n", encoding="utf-8")
    (report,) = import_files(sample_library, [variant])
    assert (report.new, report.merged) == (0, 1)
    merged = sample_library.papers[paper.id]
    assert merged.abstract == paper.abstract  # the full abstract wins over the truncated one
    assert merged.title == paper.title  # the normal-case title wins over the shouted one
    assert merged.sources[-1].file == "colleague.txt"


def test_corpus_file_is_plain_tinydb_json(sample_library: Library, library_path: Path):
    data = orjson.loads((library_path / "corpus.json").read_bytes())
    assert set(data) >= {"meta", "papers"}
    some = next(iter(data["papers"].values()))
    assert {"id", "title", "sources"} <= set(some)
    # Abstracts are in the "texts" table after the papers (corpus version 3).
    assert "abstract" in data["texts"][some["id"]]


def test_library_files_open_with_plain_tinydb(sample_library: Library, library_path: Path):
    """The store is TinyDB's format: a stock TinyDB reads the corpus and the triage (with
    papersift's table class, whose document ids are paper ids instead of counters)."""
    from tinydb import TinyDB

    from papersift.storage import KeyedTable

    class PaperDB(TinyDB):
        table_class = KeyedTable

    pid = next(iter(sample_library.papers))
    actions.set_starred(sample_library, [pid], True)
    with PaperDB(library_path / "corpus.json", access_mode="r") as db:
        docs = db.table("papers").all()
        assert len(docs) == 318
        assert {d["id"] for d in docs} == set(sample_library.papers)
    with PaperDB(library_path / "triage.json", access_mode="r") as db:
        assert db.table("triage").get(doc_id=pid)["starred"] is True
