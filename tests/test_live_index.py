"""`LiveIndex`: a library's search index over its life, with real libraries and threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from papersift import actions
from papersift.models import Paper, PapersiftError, Source
from papersift.query import parse
from papersift.query.index import SearchIndex
from papersift.query.live import IndexEvents, LiveIndex
from papersift.store import Library

WORDS = ("alignment", "diffusion", "retrieval", "tokenizer")


def _papers(n: int = 40) -> dict[str, Paper]:
    papers = {}
    for i in range(n):
        pid = f"{i:012x}"
        papers[pid] = Paper(
            id=pid,
            title=f"Paper {i} on {WORDS[i % len(WORDS)]}",
            abstract="" if i % 5 == 0 else f"We study {WORDS[(i + 1) % len(WORDS)]} at scale.",
            authors=(f"Author{i % 3}, A.",),
            year=2015 + i % 10,
            sources=(Source("a.txt", i),),
            added=1_700_000_000.0 + i,
        )
    return papers


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    path = tmp_path / "library"
    library = Library(path)
    with library.locked():
        library.write_corpus(_papers(), [], {})
    library.close()
    return path


@pytest.fixture
def opened(lib_path: Path) -> Iterator[list[Library]]:
    """Libraries a test opens, closed after it."""
    libraries: list[Library] = []
    yield libraries
    for library in libraries:
        library.close()


def _open(opened: list[Library], path: Path, **kwargs: bool) -> Library:
    library = Library(path, **kwargs)
    opened.append(library)
    return library


def _expected(library: Library, text: str, *, ranked: bool = False) -> list[str]:
    return SearchIndex(library.entries()).search_ids(parse(text), ranked=ranked)


class _HeldBuild:
    """Events whose progress blocks the build (holding its lock) until released."""

    def __init__(self) -> None:
        self.building = threading.Event()
        self.release = threading.Event()
        self.said: list[str] = []

    def events(self) -> IndexEvents:
        def progress(done: int, total: int) -> None:
            self.building.set()
            assert self.release.wait(30)

        return IndexEvents(
            texts_loaded=lambda: self.said.append("texts"),
            texts_failed=lambda exc: self.said.append(f"failed: {exc}"),
            progress=progress,
            ready=lambda: self.said.append("ready"),
        )


def _damage(library: Library) -> None:
    """Make reading `library`'s texts fail, as a damaged corpus.json does."""

    def damaged() -> None:
        raise PapersiftError("corpus.json: the texts are damaged")

    library.ensure_texts = damaged  # type: ignore[method-assign]


def _start(live: LiveIndex, held: _HeldBuild) -> threading.Thread:
    worker = threading.Thread(target=live.build)
    worker.start()
    assert held.building.wait(30), "the build never started"
    return worker


def test_a_search_during_a_build_is_none_then_right(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path, lazy_texts=True)
    held = _HeldBuild()
    live = LiveIndex(library, events=held.events())
    worker = _start(live, held)
    try:
        assert not live.ready and not live.complete
        assert live.search(parse("diffusion")) is None
        # Exact phrases are answered meanwhile, by scanning the texts (issue #13 item 4),
        # exactly as the word index will answer them; so are field-only queries, by the
        # same small index without word postings.
        for text in ('"at scale"', '"at scale" year:2016', 'title:"language model"', '"zzz never"'):
            assert live.search(parse(text)) == _expected(library, text), text
        ranked = live.search(parse('"language model"'), ranked=True)
        assert ranked == _expected(library, '"language model"', ranked=True)
        assert live.search(parse("year:2016")) == [p for p in library.papers][1::10]
    finally:
        held.release.set()
        worker.join(30)
    assert live.ready and live.complete
    assert held.said == ["texts", "ready"]
    for text in ("diffusion", '"at scale"', "year:2016 OR has:abstract", "retrieval -is:read"):
        assert live.search(parse(text)) == _expected(library, text), text
    ranked = live.search(parse("alignment"), ranked=True)
    assert ranked == [pid for pid, _ in live.word_index().search(parse("alignment"), ranked=True)]


def test_updates_made_during_a_build_are_not_lost(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path)
    held = _HeldBuild()
    live = LiveIndex(library, events=held.events())
    ids = list(library.papers)
    assert live.search(parse("is:starred")) == []  # a field index exists before the build
    worker = _start(live, held)
    try:
        actions.set_starred(library, ids[:3], True)
        live.update(ids[:3])
        actions.add_tags(library, [ids[5]], ["later"])
        live.update([ids[5]])
        # The field index took them now; the word index being built takes them too.
        assert live.search(parse("is:starred")) == ids[:3]
    finally:
        held.release.set()
        worker.join(30)
    assert live.ready
    assert live.search(parse("is:starred")) == ids[:3]
    assert live.search(parse("tag:later")) == [ids[5]]
    assert live.search(parse("later")) == [ids[5]]  # a tag is searched as text too


def test_the_cache_is_written_once_and_read_on_the_next_open(lib_path: Path, opened) -> None:
    cache = lib_path / "search-index.npz"
    first = LiveIndex(_open(opened, lib_path, lazy_texts=True))
    first.build()
    assert cache.is_file() and first.current is not None and not first.current.from_cache
    stamp = cache.stat().st_mtime_ns, cache.read_bytes()
    first.build()  # nothing left to do: no second write
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == stamp

    second_library = _open(opened, lib_path, lazy_texts=True)
    second = LiveIndex(second_library)
    second.build()
    assert second.current is not None and second.current.from_cache
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == stamp  # read, not rewritten
    assert second.search(parse("tokenizer")) == first.search(parse("tokenizer"))
    assert second.search(parse("tokenizer")) == _expected(second_library, "tokenizer")


def test_no_cache_when_told_not_to_or_readonly(lib_path: Path, opened) -> None:
    cache = lib_path / "search-index.npz"
    LiveIndex(_open(opened, lib_path), save_cache=False).build()
    assert not cache.exists()
    readonly = LiveIndex(_open(opened, lib_path, readonly=True))
    assert readonly.search(parse("alignment"), wait=True)
    assert not cache.exists()


def test_field_only_queries_are_answered_before_the_word_index(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path, lazy_texts=True)
    live = LiveIndex(library)
    starred = list(library.papers)[7:9]
    actions.set_starred(library, starred, True)
    live.update(starred)
    assert live.search(parse("is:starred")) == starred
    assert live.search(parse("-is:starred year:>=2024")) == _expected(
        library, "-is:starred year:>=2024"
    )
    assert live.search(parse("alignment")) is None
    # No word index was built for them, and the texts are still unread.
    assert not live.ready and not library.texts_loaded


def test_has_abstract_waits_for_the_texts(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path, lazy_texts=True)
    live = LiveIndex(library)
    assert live.search(parse("is:inbox")) is not None  # a field index without texts
    assert live.search(parse("has:abstract")) is None
    assert live.search(parse("-has:abstract OR is:read")) is None
    live.read_texts()
    with_abstract = [pid for pid, p in library.papers.items() if p.abstract]
    assert 0 < len(with_abstract) < len(library.papers)
    # The field index built before the texts is dropped: the next one has them.
    assert live.search(parse("has:abstract")) == with_abstract
    assert not live.ready


def test_wait_answers_at_once_and_reads_only_what_the_query_needs(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path, lazy_texts=True)
    live = LiveIndex(library)
    assert live.search(parse("year:2019"), wait=True) == _expected(library, "year:2019")
    assert not library.texts_loaded and not live.ready  # field-only: neither was needed
    found = live.search(parse("has:abstract"), wait=True)
    assert library.texts_loaded and not live.ready
    assert found == [pid for pid, p in library.papers.items() if p.abstract]
    assert live.search(parse("diffusion"), ranked=True, wait=True) == [
        pid for pid, _ in live.word_index().search(parse("diffusion"), ranked=True)
    ]
    assert live.ready


def test_wait_says_when_the_texts_cannot_be_read(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path, lazy_texts=True)
    _damage(library)
    live = LiveIndex(library)
    with pytest.raises(PapersiftError, match="damaged"):
        live.search(parse("alignment"), wait=True)
    assert live.search(parse("is:inbox"), wait=True) is not None


def test_build_says_once_that_the_texts_are_unreadable(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path, lazy_texts=True)
    _damage(library)
    said: list[str] = []
    live = LiveIndex(
        library,
        events=IndexEvents(texts_failed=lambda exc: said.append(str(exc)), ready=lambda: None),
    )
    live.build()
    assert said == ["corpus.json: the texts are damaged"]
    # Titles are still searched, without the abstracts.
    assert live.ready
    assert live.search(parse("title:diffusion")) == _expected(library, "title:diffusion")


def test_rebuild_sees_another_process_s_change(lib_path: Path, opened) -> None:
    library = _open(opened, lib_path)
    live = LiveIndex(library)
    live.build()
    other = _open(opened, lib_path)
    papers = dict(other.papers)
    new = Paper(id="f" * 12, title="Quantum annealing", sources=(Source("b.txt", 0),))
    papers[new.id] = new
    with other.locked():
        other.write_corpus(papers, [], {})
    assert live.search(parse("annealing")) == []
    assert library.refresh_if_changed()
    live.rebuild()
    assert live.search(parse("annealing")) == [new.id]


def test_an_empty_library_builds_nothing_until_asked(tmp_path: Path, opened) -> None:
    library = _open(opened, tmp_path / "empty")
    live = LiveIndex(library)
    live.build()
    assert live.complete and not live.ready
    assert live.search(parse("anything"), wait=True) == []
    assert live.search(parse("is:inbox")) == []
