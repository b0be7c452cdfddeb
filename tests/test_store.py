"""The TinyDB-backed library: round trips, atomic writes, damaged files, two processes."""

from __future__ import annotations

import errno
import multiprocessing
import os
from pathlib import Path

import orjson
import pytest

from papersift import actions, store
from papersift.models import Paper, PapersiftError, Source, Triage
from papersift.store import Library


def _papers(n: int) -> dict[str, Paper]:
    return {
        f"p{i:04d}": Paper(
            id=f"p{i:04d}",
            title=f"Paper {i}",
            abstract="text " * 20,
            sources=(Source("f.txt", i),),
            added=float(i),
        )
        for i in range(n)
    }


def _filled(path: Path, n: int = 20) -> Library:
    library = Library(path)
    with library.locked():
        library.write_corpus(_papers(n), [], {})
    return library


def test_corpus_and_triage_round_trip(library_path: Path):
    library = _filled(library_path)
    actions.set_starred(library, ["p0001"], True)
    actions.add_tags(library, ["p0001", "p0002"], ["rlhf", "survey"])
    actions.set_note(library, "p0002", "line one\nline two")
    actions.set_status(library, ["p0003"], "to-read")

    again = Library(library_path)
    assert list(again.papers) == list(library.papers)
    assert again.papers["p0005"] == library.papers["p0005"]
    assert again.triage_of("p0001").starred
    assert again.triage_of("p0002").tags == ("rlhf", "survey")
    assert again.triage_of("p0002").note == "line one\nline two"
    assert again.triage_of("p0003").status == "to-read"
    assert again.triage_of("p0004") == Triage()


def test_a_star_does_not_rewrite_the_corpus(library_path: Path):
    library = _filled(library_path)
    corpus = library_path / "corpus.json"
    before = (corpus.stat().st_ino, corpus.stat().st_mtime_ns)
    actions.set_starred(library, ["p0001"], True)
    assert (corpus.stat().st_ino, corpus.stat().st_mtime_ns) == before


def test_damaged_file_is_reported_and_left_alone(library_path: Path):
    _filled(library_path)
    triage = library_path / "triage.json"
    triage.write_bytes(b'{"triage": {"p0001": {"starred": tr')
    damaged = triage.read_bytes()
    with pytest.raises(PapersiftError, match=r"triage\.json: the library file is damaged"):
        Library(library_path)
    assert triage.read_bytes() == damaged


def test_newer_format_version_is_refused(library_path: Path):
    _filled(library_path)
    corpus = library_path / "corpus.json"
    data = orjson.loads(corpus.read_bytes())
    data["meta"]["library"]["version"] = 99
    corpus.write_bytes(orjson.dumps(data))
    with pytest.raises(PapersiftError, match="newer papersift"):
        Library(library_path)


def test_failed_write_keeps_the_previous_state(library_path: Path, monkeypatch):
    library = _filled(library_path)
    actions.set_starred(library, ["p0001"], True)
    before = (library_path / "triage.json").read_bytes()

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(PapersiftError, match="disk is full"):
        actions.set_note(library, "p0001", "this cannot be written")
    monkeypatch.undo()
    assert (library_path / "triage.json").read_bytes() == before
    assert not [p for p in library_path.iterdir() if p.name.endswith(".tmp")]
    # The in-memory state did not run ahead of the disk either.
    assert library.triage_of("p0001").note == ""
    assert Library(library_path).triage_of("p0001").starred


def test_stale_process_does_not_lose_another_process_update(library_path: Path):
    first = _filled(library_path)
    second = Library(library_path)
    actions.set_starred(second, ["p0001"], True)
    actions.add_tags(first, ["p0001"], ["later"])  # `first` never saw the star
    final = Library(library_path).triage_of("p0001")
    assert final.starred and final.tags == ("later",)


def _star_many(path: str, ids: list[str]) -> None:
    library = Library(Path(path))
    for pid in ids:
        actions.set_starred(library, [pid], True)


def test_two_processes_writing_at_once_lose_nothing(library_path: Path):
    _filled(library_path, 80)
    ids = sorted(_papers(80))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_star_many, args=(str(library_path), ids[k::2])) for k in (0, 1)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    final = Library(library_path)
    assert [pid for pid in ids if final.triage_of(pid).starred] == ids


def test_refresh_picks_up_another_process_changes(library_path: Path):
    viewer = _filled(library_path)
    assert viewer.refresh_if_changed() is False
    actions.set_status(Library(library_path), ["p0002"], "read")
    assert viewer.refresh_if_changed() is True
    assert viewer.triage_of("p0002").status == "read"


def test_readonly_library_refuses_writes(library_path: Path):
    _filled(library_path)
    library = Library(library_path, readonly=True)
    with pytest.raises(PapersiftError, match="read-only"):
        actions.set_starred(library, ["p0001"], True)


def test_backups_rotate(library_path: Path, monkeypatch):
    from papersift import store

    monkeypatch.setattr(store, "BACKUP_INTERVAL", 0.0)
    library = _filled(library_path)
    for i in range(store.BACKUP_GENERATIONS + 4):
        actions.set_note(library, "p0001", f"note {i}")
        library._last_backup = 0.0
    generations = store.backups(library_path)
    assert 1 <= len(generations) <= store.BACKUP_GENERATIONS
    assert all(orjson.loads(p.read_bytes()) for p in generations)


def test_file_modes_survive_atomic_writes(library_path: Path):
    library = _filled(library_path)
    triage = library_path / "triage.json"
    actions.set_starred(library, ["p0001"], True)
    triage.chmod(0o640)
    actions.set_starred(library, ["p0002"], True)
    assert triage.stat().st_mode & 0o777 == 0o640


def test_undo_restores_every_kind_of_change(library_path: Path):
    library = _filled(library_path)
    changes = [
        actions.set_starred(library, ["p0001", "p0002"], True),
        actions.add_tags(library, ["p0001"], ["a", "b"]),
        actions.set_note(library, "p0001", "note"),
        actions.set_status(library, ["p0002"], "discarded"),
        actions.rename_tag(library, "a", "b"),
    ]
    assert library.triage_of("p0001").tags == ("b",)
    for change in reversed(changes):
        actions.undo(library, change)
    reloaded = Library(library_path)
    for pid in ("p0001", "p0002"):
        t = reloaded.triage_of(pid)
        assert (t.starred, t.tags, t.note, t.status) == (False, (), "", "inbox")


def test_merge_and_its_undo(library_path: Path):
    library = _filled(library_path)
    actions.add_tags(library, ["p0002"], ["x"])
    change = actions.merge_papers(library, "p0001", "p0002")
    assert "p0002" not in library.papers
    assert library.canonical_id("p0002") == "p0001"
    assert library.papers["p0001"].sources == (Source("f.txt", 1), Source("f.txt", 2))
    assert library.triage_of("p0001").tags == ("x",)
    assert library.decision("p0001", "p0002") == "merge"
    assert actions.resolve_ids(library, ["p0002"]) == ["p0001"]
    actions.undo(library, change)
    reloaded = Library(library_path)
    assert "p0002" in reloaded.papers and reloaded.papers["p0001"].sources == (Source("f.txt", 1),)
    assert reloaded.decision("p0001", "p0002") is None


def test_resolve_ids_unknown_and_prefixes(library_path: Path):
    library = _filled(library_path)
    assert actions.resolve_ids(library, ["p0012"]) == ["p0012"]
    with pytest.raises(PapersiftError, match="ambiguous"):
        actions.resolve_ids(library, ["p00"])
    with pytest.raises(PapersiftError, match="unknown paper id 'zz'.*nothing was changed"):
        actions.resolve_ids(library, ["p0001", "zz"])


@pytest.mark.parametrize(
    ("new", "existing", "expected"),
    [
        ("RLHF", ["rlhf"], "rlhf"),
        ("wrong age", ["Wrong age"], "Wrong age"),
        ("aligment", ["alignment", "survey"], "alignment"),
        ("survey", ["survey"], None),
        ("vision", ["alignment", "survey"], None),
    ],
)
def test_similar_tag(new, existing, expected):
    assert actions.similar_tag(new, existing) == expected


@pytest.mark.parametrize("bad", ["", "  ", "a,b", "x" * 65, "bad\x1b[31m"])
def test_bad_tags_are_refused(bad):
    with pytest.raises(PapersiftError):
        actions.clean_tag(bad)


def test_backups_are_spaced_across_processes(library_path: Path):
    from papersift import store

    _filled(library_path)
    for i in range(store.BACKUP_GENERATIONS + 3):
        # A new Library per change, like a script of short CLI commands.
        actions.set_note(Library(library_path), "p0001", f"note {i}")
    assert len(store.backups(library_path)) == 1


def _bib_paper(pid: str, **fields: str) -> Paper:
    from papersift.models import BibtexOrigin

    raw = {
        "title": "Grounded {LLMs}: a survey",
        "abstract": "Plain abstract, no markup.",
        "author": "Doe, Jane and Roe, R.",
        "year": "2021",
        "journal": "ACL",
        "doi": "10.1/x",
        "keywords": "a, b",
        "url": "",
    }
    raw.update(fields)
    return Paper(
        id=pid,
        title="Grounded LLMs: a survey",
        abstract="Plain abstract, no markup.",
        authors=("Doe, Jane", "Roe, R."),
        year=2021,
        venue="ACL",
        doi="10.1/x",
        bibtex=BibtexOrigin("article", pid, tuple(raw.items())),
        sources=(Source("refs.bib", 0),),
        added=1.0,
    )


def test_raw_bibtex_values_the_paper_gives_back_are_stored_once(library_path: Path):
    papers = {
        "b1": _bib_paper("b1"),
        # Raw values that differ from the paper's data are kept in full.
        "b2": _bib_paper("b2", abstract="Markup -- {here}.", year="{2021}", author="Doe, J."),
    }
    library = Library(library_path)
    with library.locked():
        library.write_corpus(papers, [], {})
    data = orjson.loads((library_path / "corpus.json").read_bytes())
    assert data["meta"]["library"]["version"] == store.CORPUS_VERSION
    stored = {pid: p["bibtex"]["fields"] for pid, p in data["papers"].items()}
    assert ["abstract"] in stored["b1"] and ["author"] in stored["b1"]
    assert ["title", "Grounded {LLMs}: a survey"] in stored["b1"]  # was not the title
    assert ["keywords", "a, b"] in stored["b1"] and ["url", ""] in stored["b1"]
    assert ["abstract", "Markup -- {here}."] in stored["b2"]
    assert ["year", "{2021}"] in stored["b2"] and ["author", "Doe, J."] in stored["b2"]
    again = Library(library_path)
    assert again.papers == papers
    assert [p.bibtex.fields for p in again.papers.values()] == [
        p.bibtex.fields for p in papers.values()
    ]


def test_a_corpus_written_before_the_compact_form_loads(library_path: Path):
    paper = _bib_paper("b1")
    old = {
        "meta": {"library": {"format": "papersift-library", "version": 1}},
        "papers": {
            "b1": {
                "id": "b1",
                "title": paper.title,
                "abstract": paper.abstract,
                "authors": list(paper.authors),
                "year": paper.year,
                "venue": paper.venue,
                "doi": paper.doi,
                "bibtex": {
                    "type": "article",
                    "key": "b1",
                    "fields": [list(f) for f in paper.bibtex.fields],
                },
                "sources": [{"file": "refs.bib", "index": 0}],
                "added": 1.0,
            }
        },
    }
    library_path.mkdir()
    (library_path / "corpus.json").write_bytes(orjson.dumps(old))
    assert Library(library_path).papers == {"b1": paper}


def test_a_value_left_out_where_none_can_be_derived_is_an_error(library_path: Path):
    _filled(library_path, 2)
    corpus = library_path / "corpus.json"
    data = orjson.loads(corpus.read_bytes())
    data["papers"]["p0001"]["bibtex"] = {"type": "misc", "key": "k", "fields": [["keywords"]]}
    corpus.write_bytes(orjson.dumps(data))
    damaged = corpus.read_bytes()
    with pytest.raises(PapersiftError, match=r"corpus\.json: a record is malformed"):
        Library(library_path)
    assert corpus.read_bytes() == damaged


def test_bib_import_survives_reload_and_exports_the_same(library_path: Path):
    from papersift.bibtex_export import export_bibtex
    from papersift.importer import import_files

    bib = Path(__file__).parent / "data" / "bibtex" / "sample.bib"
    library = Library(library_path)
    assert all(r.ok for r in import_files(library, [bib]))
    before = export_bibtex(library.entries())
    corpus = (library_path / "corpus.json").read_bytes()
    again = Library(library_path)
    assert again.papers == library.papers
    assert export_bibtex(again.entries()) == before
    import_files(again, [bib])
    assert (library_path / "corpus.json").read_bytes() == corpus


def test_corpus_read_line_by_line_agrees_with_a_whole_parse(library_path: Path):
    _filled(library_path, 5)
    corpus = library_path / "corpus.json"
    good = corpus.read_bytes()
    assert good.count(b"\n") == 6  # one paper per line
    storage = store.AtomicJSONStorage(corpus)
    assert storage._parse_by_line() == orjson.loads(good)
    lines = good.split(b"\n")
    damaged = [
        b"\n".join([*lines[:2], lines[2].rstrip(b","), *lines[3:]]),  # a comma missing
        b"\n".join([*lines[:5], lines[5] + b",", *lines[6:]]),  # a trailing comma
        b"\n".join(lines[:3] + lines[4:]).replace(b'"p0001":{', b'"p0001":{{'),
        good[:-1],  # cut short
        good + b"x",
    ]
    for text in damaged:
        corpus.write_bytes(text)
        assert storage._parse_by_line() is None
        with pytest.raises(PapersiftError, match="damaged"):
            Library(library_path)
        assert corpus.read_bytes() == text
    # Another layout (a compact dump by another tool) reads through the whole-file path.
    corpus.write_bytes(orjson.dumps(orjson.loads(good)))
    assert storage._parse_by_line() is None
    assert list(Library(library_path).papers) == [f"p{i:04d}" for i in range(5)]
