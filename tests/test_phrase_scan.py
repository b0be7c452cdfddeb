"""Exact phrases answered by scanning the texts (`SearchIndex(text=False, phrases=True)`,
what `LiveIndex` uses while the word index builds, issue #13 item 4) give exactly the
word index's answer: the same papers, the same scores, so the list that shows before
the word index is ready is already the settled one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from papersift.models import Entry, Paper, Triage
from papersift.query import parse
from papersift.query.index import SearchIndex

_WORDS = ["Model", "model", "models", "alignment", "café", "Cafe", "ﬁne", "fine", "x", "RLHF"]
_SPACES = [" ", " ", " ", "  ", "\n", "\t", " `", "-", ", "]
_text = st.lists(
    st.tuples(st.sampled_from(_WORDS), st.sampled_from(_SPACES)), min_size=0, max_size=12
).map(lambda parts: "".join(w + s for w, s in parts).strip())
_paper = st.tuples(_text, _text, st.lists(_text, max_size=2), _text, st.lists(_text, max_size=2))
_phrase = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3).map(" ".join)
_field = st.sampled_from(["", "title:", "abstract:", "author:", "note:"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_paper, min_size=1, max_size=12), _phrase, _field, st.booleans())
def test_scanned_phrases_match_the_word_index(papers, phrase, field, ranked) -> None:
    entries = [
        Entry(
            Paper(id=f"{i:012d}", title=t or "t", abstract=a, authors=tuple(au)),
            Triage(note=note, tags=tuple(x for x in tags if x)),
        )
        for i, (t, a, au, note, tags) in enumerate(papers)
    ]
    query = parse(f'{field}"{phrase}"')
    words = SearchIndex(entries)
    scan = SearchIndex(entries, text=False, phrases=True)
    assert scan.search(query, ranked=ranked) == words.search(query, ranked=ranked)


def test_words_still_need_the_word_index() -> None:
    scan = SearchIndex([Entry(Paper(id="a" * 12, title="Alignment"))], text=False, phrases=True)
    try:
        scan.search(parse("alignment"))
    except ValueError:
        pass
    else:
        raise AssertionError("a free word was answered without the word index")
    assert [pid for pid, _ in scan.search(parse('"alignment"'))] == ["a" * 12]


@settings(max_examples=150, deadline=None)
@given(st.lists(_paper, min_size=1, max_size=12), _phrase, _field, st.booleans())
def test_phrases_from_the_import_file_match_the_word_index(
    tmp_path_factory, papers, phrase, field, ranked
) -> None:
    from papersift.query.phrase_file import PhraseText, write_phrase_text

    entries = [
        Entry(
            Paper(id=f"{i:012d}", title=t or "t", abstract=a, authors=tuple(au)),
            Triage(note=note, tags=tuple(x for x in tags if x)),
        )
        for i, (t, a, au, note, tags) in enumerate(papers)
    ]
    path = tmp_path_factory.mktemp("phrases") / "search-text.bin"
    write_phrase_text(path, [e.paper for e in entries], (1, 2, 3))
    query = parse(f'{field}"{phrase}"')
    words = SearchIndex(entries)
    # Built without texts, as a lazily opened library's field index is.
    bare = [Entry(Paper(id=e.paper.id, title=e.paper.title), e.triage) for e in entries]
    filed = SearchIndex(bare, text=False)
    filed.phrase_text = PhraseText.open(path, (1, 2, 3))
    assert filed.search(query, ranked=ranked) == words.search(query, ranked=ranked)


def test_a_file_of_another_corpus_is_not_used(tmp_path) -> None:
    from papersift.query.phrase_file import PhraseText, write_phrase_text

    path = tmp_path / "search-text.bin"
    write_phrase_text(path, [Paper(id="a" * 12, title="T")], (1, 2, 3))
    assert PhraseText.open(path, (1, 2, 4)) is None
    assert PhraseText.open(path, None) is None
    assert PhraseText.open(tmp_path / "missing.bin", (1, 2, 3)) is None
    path.write_bytes(b"garbage\n")
    assert PhraseText.open(path, (1, 2, 3)) is None


def test_a_lazily_opened_library_answers_phrases_before_reading_its_texts(tmp_path) -> None:
    """After `papersift import`, the TUI's first open (texts unread, no word index)
    answers a quoted title from the import's file, exactly, without reading the texts;
    once the corpus changes the file no longer fits and the texts are read instead."""
    from papersift import actions
    from papersift.importer import import_files
    from papersift.paths import sample_corpus_files
    from papersift.query.live import LiveIndex
    from papersift.store import Library

    library = Library(tmp_path / "lib")
    import_files(library, sample_corpus_files())
    assert (tmp_path / "lib" / "search-text.bin").exists()
    full = SearchIndex(library.entries())
    library.close()

    lazy = Library(tmp_path / "lib", lazy_texts=True)
    live = LiveIndex(lazy, save_cache=False)
    title = next(iter(lazy.papers.values())).title
    for text in (f'"{title}"', '"language model"', '"preference optimization" -is:read'):
        assert live.search(parse(text)) == full.search_ids(parse(text)), text
    assert not lazy.texts_loaded and not live.ready

    # A merge rewrites the corpus: the file is stale, the texts are read for the scan.
    a, b = list(lazy.papers)[:2]
    actions.merge_papers(lazy, a, b)
    assert live.search(parse('"language model"')) is not None
    assert lazy.texts_loaded
    lazy.close()
