"""The TinyDB-backed library: round trips, atomic writes, damaged files, two processes."""

from __future__ import annotations

import errno
import multiprocessing
import os
from pathlib import Path

import orjson
import pytest

from papersift import actions, storage, store
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


def test_undo_says_what_it_brings_back(library_path: Path):
    """Issue #18 item 14: "Undone: 1 paper → discarded" read as if it had just been
    discarded; an undo names the state the papers went back to."""
    library = _filled(library_path)
    assert actions.set_status(library, ["p0001"], "discarded").undo_description == (
        "1 paper back to inbox"
    )
    actions.set_status(library, ["p0002", "p0003"], "to-read")
    mixed = actions.set_status(library, ["p0001", "p0002", "p0003", "p0004"], "read")
    assert mixed.undo_description == "4 papers back to to read (2), discarded (1), inbox (1)"
    assert actions.set_starred(library, ["p0005"], True).undo_description == (
        "1 paper unstarred again"
    )
    assert actions.set_starred(library, ["p0005"]).undo_description == "1 paper starred again"
    assert actions.add_tags(library, ["p0006"], ["x"]).undo_description == (
        "tags of 1 paper as before"
    )
    assert actions.rename_tag(library, "x", "y").undo_description == "tag x back on 1 paper"
    assert actions.set_note(library, "p0006", "n").undo_description == "the note as it was"
    merge = actions.merge_papers(library, "p0007", "p0008")
    assert merge.undo_description == "2 papers apart again (not merged)"


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
    assert data["meta"]["library"]["version"] == storage.CORPUS_VERSION
    stored = {pid: t["bibtex"]["fields"] for pid, t in data["texts"].items()}
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


def _mixed_papers(n: int) -> dict[str, Paper]:
    """Papers with and without abstracts and BibTeX origins (raw values derived or not)."""
    papers = _papers(n)
    for i, pid in enumerate(papers):
        if i % 3 == 0:
            papers[pid] = _bib_paper(pid, note=f"raw {{note}} {i}")
            papers[pid].added = float(i)  # the store keeps papers in (added, id) order
        elif i % 3 == 1:
            papers[pid].abstract = ""
    return papers


def _parse_by_line(corpus: Path) -> dict | None:
    """What the line reader makes of a corpus file, texts included (None: not its layout)."""
    files = storage.AtomicJSONStorage(corpus)
    with open(corpus, "rb") as handle:
        data, has_texts = storage.parse_corpus_head(handle)
        if has_texts:
            data["texts"] = {}
            for batch in storage.CorpusTexts(handle, corpus).batches():
                data["texts"].update(batch)
    assert files.path == corpus
    return data


def test_corpus_v3_keeps_the_texts_after_everything_else(library_path: Path, monkeypatch):
    # Small parse batches, so the batch boundaries are crossed by the test.
    monkeypatch.setattr(storage, "LINES_PER_PARSE", 2)
    papers = _mixed_papers(7)
    library = Library(library_path)
    with library.locked():
        library.write_corpus(papers, [], {"old": "p0001"})
    raw = (library_path / "corpus.json").read_bytes()
    data = orjson.loads(raw)  # still one JSON document (TinyDB and doctor read it)
    assert list(data) == ["meta", "papers", "possible", "aliases", "texts"]
    assert data["meta"]["library"]["version"] == storage.CORPUS_VERSION == 3
    assert not any("abstract" in p or "bibtex" in p for p in data["papers"].values())
    assert set(data["texts"]) == {pid for pid, p in papers.items() if p.abstract or p.bibtex}
    head = raw[: raw.index(b'"texts":{')]
    assert b"text text" not in head and b"raw {note}" not in head
    assert _parse_by_line(library_path / "corpus.json") == data
    again = Library(library_path)
    assert again.papers == papers and again.texts_loaded
    assert again.aliases == {"old": "p0001"}


def test_lazy_open_equals_a_full_open_once_the_texts_are_read(library_path: Path):
    papers = _mixed_papers(9)
    _filled(library_path)
    library = Library(library_path)
    with library.locked():
        library.write_corpus(papers, [], {})
    lazy = Library(library_path, lazy_texts=True)
    assert not lazy.texts_loaded
    assert list(lazy.papers) == list(papers)
    assert all(p.abstract == "" and p.bibtex is None for p in lazy.papers.values())
    assert [p.title for p in lazy.papers.values()] == [p.title for p in papers.values()]
    held = lazy.papers["p0000"]
    entries = lazy.entries()
    lazy.ensure_texts()
    assert lazy.texts_loaded
    assert lazy.papers == papers == Library(library_path).papers
    # The same objects were filled in: what a caller already held is complete too.
    assert held is lazy.papers["p0000"] and held.bibtex == papers["p0000"].bibtex
    assert [e.paper.abstract for e in entries] == [p.abstract for p in papers.values()]
    lazy.ensure_texts()  # a no-op now
    assert lazy.papers == papers


def test_a_version_2_corpus_loads_whole_and_is_rewritten_as_3_by_the_next_write(
    library_path: Path,
):
    papers = _mixed_papers(6)
    rows = {pid: p.to_dict() for pid, p in papers.items()}
    lines = b",\n".join(orjson.dumps(pid) + b":" + orjson.dumps(d) for pid, d in rows.items())
    v2 = (
        b'{"meta":{"library":{"format":"papersift-library","version":2}},"papers":{\n'
        + lines
        + b'\n},"possible":{},"aliases":{}}'
    )
    assert orjson.loads(v2)["papers"] == rows
    library_path.mkdir()
    corpus = library_path / "corpus.json"
    corpus.write_bytes(v2)
    for lazy_texts in (False, True):
        library = Library(library_path, lazy_texts=lazy_texts)
        assert library.texts_loaded  # nothing left to read: the texts came with the rest
        assert library.papers == papers
    actions.set_starred(library, ["p0001"], True)
    assert corpus.read_bytes() == v2  # only a corpus write changes the format
    with library.locked():
        library.write_corpus(library.papers, [], {})
    assert orjson.loads(corpus.read_bytes())["meta"]["library"]["version"] == 3
    assert Library(library_path, lazy_texts=True).papers.keys() == papers.keys()
    again = Library(library_path)
    assert again.papers == papers


def _corpus_writes(library: Library) -> list:
    """Every path that writes corpus.json, each as a function of a lazily opened library."""

    def merge() -> None:
        actions.merge_papers(library, "p0000", "p0003")

    def merge_and_undo() -> None:
        actions.undo(library, actions.merge_papers(library, "p0000", "p0003"))

    def write_as_the_importer_does() -> None:
        with library.locked():
            library.reload_corpus_if_changed()
            new = dict(library.papers)
            new["n1"] = Paper(id="n1", title="New", abstract="new abstract", added=99.0)
            library.write_corpus(
                new, library.possible, library.aliases, expected_stamp=library.corpus_stamp()
            )

    def write_light_papers_taken_before() -> None:
        light = dict(library.papers)  # taken before the texts were read
        with library.locked():
            library.write_corpus(light, [], {})

    return [merge, merge_and_undo, write_as_the_importer_does, write_light_papers_taken_before]


@pytest.mark.parametrize("which", range(4))
def test_every_corpus_write_of_a_lazy_open_keeps_the_texts(library_path: Path, which: int):
    papers = _mixed_papers(9)
    library = Library(library_path)
    with library.locked():
        library.write_corpus(papers, [], {})
    lazy = Library(library_path, lazy_texts=True)
    assert not lazy.texts_loaded
    _corpus_writes(lazy)[which]()
    assert lazy.texts_loaded
    after = Library(library_path).papers
    for pid, paper in papers.items():
        if pid in after and pid != "p0000":  # p0000 is the merge's result
            assert after[pid] == paper, pid
    assert after["p0000"].abstract == papers["p0000"].abstract
    assert after["p0000"].bibtex == papers["p0000"].bibtex


def test_texts_come_from_the_file_the_list_came_from(library_path: Path):
    papers = _mixed_papers(6)
    writer = Library(library_path)
    with writer.locked():
        writer.write_corpus(papers, [], {})
    lazy = Library(library_path, lazy_texts=True)
    stamp = lazy.corpus_stamp()
    # Another process rewrites the corpus between the list and the texts.
    changed = {pid: Paper.from_dict(p.to_dict()) for pid, p in papers.items()}
    changed["p0001"].abstract = "rewritten elsewhere"
    changed["n1"] = Paper(id="n1", title="Imported elsewhere", added=50.0)
    with writer.locked():
        writer.write_corpus(changed, [], {})
    lazy.ensure_texts()
    # The loaded corpus is the first file, whole, and says so...
    assert lazy.papers == papers and lazy.corpus_stamp() == stamp
    # ...so the stamp check of every writer and of the TUI's poll loads the new one.
    assert lazy.refresh_if_changed()
    assert lazy.papers == changed and lazy.texts_loaded
    lazy2 = Library(library_path, lazy_texts=True)
    with writer.locked():
        writer.write_corpus(papers, [], {})
    with lazy2.locked():
        lazy2.reload_corpus_if_changed()
    assert lazy2.papers == papers and lazy2.texts_loaded


def test_a_changed_corpus_is_reloaded_whole_before_the_texts_are_read(library_path: Path):
    papers = _mixed_papers(6)
    writer = Library(library_path)
    with writer.locked():
        writer.write_corpus(papers, [], {})
    lazy = Library(library_path, lazy_texts=True)
    changed = dict(papers)
    changed["n1"] = Paper(id="n1", title="Imported elsewhere", abstract="a", added=50.0)
    with writer.locked():
        writer.write_corpus(changed, [], {})
    assert lazy.refresh_if_changed()  # before any ensure_texts: a whole load
    assert lazy.texts_loaded and lazy.papers == changed
    lazy.ensure_texts()
    assert lazy.papers == changed


def test_damaged_texts_are_reported_and_block_corpus_writes(library_path: Path):
    papers = _mixed_papers(6)
    library = Library(library_path)
    with library.locked():
        library.write_corpus(papers, [], {})
    corpus = library_path / "corpus.json"
    good = corpus.read_bytes()
    damaged = good[:-40] + b"}}"  # the last paper's texts cut short
    corpus.write_bytes(damaged)
    with pytest.raises(PapersiftError, match="damaged"):
        Library(library_path)
    lazy = Library(library_path, lazy_texts=True)  # the list itself is intact
    assert list(lazy.papers) == list(papers)
    for _ in range(2):
        with pytest.raises(PapersiftError, match=r"damaged \(\$\.texts"):
            lazy.ensure_texts()
    assert not lazy.texts_loaded
    with pytest.raises(PapersiftError, match="damaged"), lazy.locked():
        lazy.write_corpus(lazy.papers, [], {})
    assert corpus.read_bytes() == damaged
    actions.set_starred(lazy, ["p0001"], True)  # triage does not need the texts
    assert Library(library_path, lazy_texts=True).triage_of("p0001").starred


def test_corpus_read_line_by_line_agrees_with_a_whole_parse(library_path: Path, monkeypatch):
    monkeypatch.setattr(storage, "LINES_PER_PARSE", 2)
    _filled(library_path, 5)
    corpus = library_path / "corpus.json"
    good = corpus.read_bytes()
    assert good.count(b"\n") == 12  # one paper per line, then one text per line
    assert _parse_by_line(corpus) == orjson.loads(good)
    lines = good.split(b"\n")
    assert lines[6].startswith(b'},"possible":') and lines[-1] == b"}}"
    damaged = [
        b"\n".join([*lines[:2], lines[2].rstrip(b","), *lines[3:]]),  # a comma missing
        b"\n".join([*lines[:3], lines[3].rstrip(b","), *lines[4:]]),  # at a batch end
        b"\n".join([*lines[:5], lines[5] + b",", *lines[6:]]),  # a trailing comma
        b"\n".join(lines[:3] + lines[4:]).replace(b'"p0001":{', b'"p0001":{{'),
        b"\n".join([*lines[:8], lines[8].rstrip(b","), *lines[9:]]),  # in the texts
        b"\n".join([*lines[:11], lines[11] + b",", *lines[12:]]),  # trailing, texts
        good[:-1],  # cut short
        good + b"x",
    ]
    for text in damaged:
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(text)
        corpus.write_bytes(text)
        with pytest.raises(PapersiftError, match="damaged"):
            Library(library_path)
        assert corpus.read_bytes() == text
    # Another layout (a compact dump by another tool) reads through the whole-file path,
    # texts included.
    corpus.write_bytes(orjson.dumps(orjson.loads(good)))
    with open(corpus, "rb") as handle:
        assert storage.parse_corpus_head(handle) == (None, False)
    for lazy_texts in (False, True):
        library = Library(library_path, lazy_texts=lazy_texts)
        assert library.papers == _papers(5) and library.texts_loaded


def test_write_triage_writes_under_the_callers_lock(library_path: Path):
    """`write_triage` is what an import or a merge uses inside `locked()`: the states
    land on disk and in `entries()` as given, in one write."""
    library = _filled(library_path, 3)
    library.entries()  # cached: the write must patch it
    states = {"p0000": Triage(starred=True), "p0002": Triage(tags=("x",), status="read")}
    with library.locked():
        library.write_triage(states)
    assert {e.id: e.triage for e in library.entries()}["p0002"] == states["p0002"]
    again = Library(library_path)
    assert again.triage_of("p0000").starred
    assert again.triage_of("p0002") == states["p0002"]
    assert again.triage_of("p0001") == Triage()
