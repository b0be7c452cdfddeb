"""Views and sorts (`papersift.views`): one definition for the sidebar, the list and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift import actions, views
from papersift.models import Entry, Paper, PapersiftError, Source, Triage
from papersift.query import QueryError, SearchIndex, parse
from papersift.store import Library

from .test_cli import run


def _corpus() -> tuple[dict[str, Paper], dict[str, Triage]]:
    papers = {
        f"{i:012x}": Paper(
            id=f"{i:012x}",
            title=f"Title {chr(ord('z') - i)}",
            year=None if i % 4 == 0 else 2000 + i,
            sources=(Source("a.txt" if i % 2 else "b.bib", i),),
        )
        for i in range(20)
    }
    ids = list(papers)
    triage = {
        ids[1]: Triage(starred=True, status="read", tags=("x",), changed=5.0),
        ids[2]: Triage(status="to-read", changed=9.0),
        ids[3]: Triage(starred=True, tags=("X", "y"), changed=1.0),
        "gone00000000": Triage(status="read", starred=True),  # merged away
    }
    return papers, triage


ALL_VIEWS = ["all", "starred", "tag:x", "tag:y", "source:a.txt", "source:b.bib"] + [
    f"status:{s}" for s in ("inbox", "to-read", "reading", "read", "discarded")
]


def test_view_as_query_and_size_agree_with_members() -> None:
    papers, triage = _corpus()
    index = SearchIndex([Entry(p, triage.get(pid) or Triage()) for pid, p in papers.items()])
    for view in ALL_VIEWS:
        members = views.view_members(view, papers, triage)
        assert views.view_size(view, papers, triage) == len(members), view
        text = views.view_as_query(view)
        if text is not None:
            assert [p for p, _ in index.search(parse(text))] == members, view
    ids = list(papers)
    assert views.view_members("tag:x", papers, triage) == [ids[1], ids[3]]  # case-blind
    assert views.view_members("status:read", papers, triage) == [ids[1]]  # not the gone one


def test_counts_match_members_and_list_every_view() -> None:
    papers, triage = _corpus()
    counts = views.ViewCounts.compute(papers, triage, duplicates=2)
    for view in ALL_VIEWS:
        if view != "tag:x":  # tags are counted as spelled: "x" and "X"
            assert counts.counts[view] == views.view_size(view, papers, triage), view
    assert counts.tags == {"X": 1, "x": 1, "y": 1}
    assert counts.sources == {"a.txt": 10, "b.bib": 10}
    keys = counts.view_keys()
    assert keys[:2] == ["status:inbox", "starred"] and keys[-1] == views.DUPLICATES
    assert counts.counts[views.DUPLICATES] == 2


def test_parse_view_short_forms_and_errors() -> None:
    assert views.parse_view("inbox") == "status:inbox"
    assert views.parse_view("to-read") == "status:to-read"
    assert views.parse_view("starred") == "starred"
    assert views.parse_view("tag:rlhf") == "tag:rlhf"
    assert views.parse_view(" all ") == "all"
    for bad in ("unread", "tag:", "status:later", "duplicates"):
        with pytest.raises(PapersiftError, match="unknown view .*use one of: inbox, starred"):
            views.parse_view(bad)


def test_view_titles_are_one_inert_line() -> None:
    assert views.view_title("status:to-read") == "To read"
    assert views.view_title("tag:a\x1b[31mb") == "Tag: a␛[31mb"
    assert "\n" not in views.view_title("source:x\ny.txt")


def _ctx() -> views.SortContext:
    papers, triage = _corpus()
    return views.SortContext(papers, triage)


def test_every_sort_mode_orders_as_it_says() -> None:
    ctx = _ctx()
    ids = list(ctx.papers)
    assert views.order(ids, ctx, "library") == ids
    assert views.order(ids, ctx, "relevance") == ids  # no query: library order
    titles = [ctx.papers[p].title for p in views.order(ids, ctx, "title")]
    assert titles == sorted(titles, key=str.casefold)
    years = [ctx.papers[p].year for p in views.order(ids, ctx, "year")]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True) and years[len(known) :] == [None] * 5
    changed = views.order(ids, ctx, "changed")
    assert changed[:3] == [ids[2], ids[1], ids[3]]
    assert changed[3:] == [p for p in ids if p not in changed[:3]]  # untouched: library order
    assert views.order(ids, ctx, "title", reverse=True) == views.order(ids, ctx, "title")[::-1]
    scored = views.SortContext(ctx.papers, ctx.triage, query_scores={ids[5]: 90.0, ids[7]: 95.0})
    assert views.order(ids, scored, "relevance")[:2] == [ids[7], ids[5]]
    # The ranking's scores: best first, papers it has not scored after, in library order.
    ranked = views.SortContext(
        ctx.papers, ctx.triage, scores={views.RANK_SCORES: {ids[2]: -1.0, ids[8]: 0.5}}
    )
    assert views.order(ids, ranked, "rank")[:2] == [ids[8], ids[2]]
    assert views.order(ids, ranked, "rank")[2:] == [p for p in ids if p not in (ids[2], ids[8])]
    assert views.order(ids, ctx, "rank") == ids  # nothing ranked yet: library order


def test_sort_table_drives_the_cycle_columns_and_errors() -> None:
    assert views.cycle_sorts() == ["relevance", "title", "year", "changed", "rank"]
    assert {m.column for m in views.SORTS.values()} == {None, "title", "year", "status", "score"}
    assert views.sort_mode("score").key == "relevance"  # a sort saved by earlier versions
    with pytest.raises(PapersiftError, match="unknown sort 'size'; use one of: relevance"):
        views.sort_mode("size")
    assert all(m.help for m in views.SORTS.values())


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(st.text(max_size=8), min_size=0, max_size=12),
    sort=st.sampled_from(sorted(views.SORTS)),
    reverse=st.booleans(),
)
def test_order_is_a_permutation(titles: list[str], sort: str, reverse: bool) -> None:
    papers = {f"{i:012x}": Paper(id=f"{i:012x}", title=t) for i, t in enumerate(titles)}
    ctx = views.SortContext(papers, {})
    out = views.order(papers, ctx, sort, reverse)
    assert sorted(out) == sorted(papers)


def _search(papers: dict[str, Paper], triage: dict[str, Triage]) -> views.Search:
    index = SearchIndex([Entry(p, triage.get(pid) or Triage()) for pid, p in papers.items()])
    return lambda query, ranked=False: index.search_ids(query, ranked=ranked)


def test_filter_view_restricts_to_the_view_and_sorts() -> None:
    papers, triage = _corpus()
    ids = list(papers)
    search = _search(papers, triage)
    result = views.filter_view("tag:x", "title", "title", False, papers, triage, search)
    assert result.ids == [ids[3], ids[1]] and result.total == 2 and result.has_query
    result = views.filter_view("starred", "-tag:y", "library", False, papers, triage, search)
    assert result.ids == [ids[1]] and result.total == 2
    result = views.filter_view("all", "", "year", True, papers, triage, search)
    assert not result.has_query and result.total == 20 and result.ids[-1] == ids[19]


def test_filter_view_reports_errors_and_waits_for_the_index() -> None:
    papers, triage = _corpus()
    result = views.filter_view(
        "all", 'title "open', "relevance", False, papers, triage, _search(papers, triage)
    )
    assert result.error and result.position == 6 and result.ids == [] and result.total == 20
    asked = []

    def not_ready(query, ranked=False):
        asked.append((query, ranked))
        return None

    result = views.filter_view(
        "status:to-read", "word", "relevance", False, papers, triage, not_ready
    )
    assert result.indexing and result.ids == [list(papers)[2]] and not result.has_query
    ((query, ranked),) = asked
    assert ranked and [t.kind for t in query.terms] == ["is", "word"]  # the view ANDed in


@pytest.fixture
def small_library(tmp_path: Path) -> Library:
    from papersift.importer import import_files

    from .conftest import SAMPLE_LISTINGS

    library = Library(tmp_path / "lib")
    import_files(library, SAMPLE_LISTINGS[:1])
    yield library
    library.close()


def test_select_combines_view_query_filters_and_sort(small_library: Library) -> None:
    library = small_library
    ids = list(library.papers)
    actions.set_status(library, ids[:6], "to-read")
    actions.add_tags(library, ids[2:4], ["keep"])
    chosen = views.select(library, view="to-read", sort="title")
    titles = [e.paper.title.casefold() for e in chosen]
    assert len(chosen) == 6 and titles == sorted(titles)
    assert [e.id for e in views.select(library, view="to-read", tags=["KEEP"])] == ids[2:4]
    assert views.select(library, view="tag:keep", status="inbox") == []
    with pytest.raises(QueryError):
        views.select(library, query='"open')
    with pytest.raises(PapersiftError, match="unknown status"):
        views.select(library, status="later")


def test_cli_list_view_and_sort(library_path: Path) -> None:
    from .conftest import SAMPLE_LISTINGS

    run("import", str(SAMPLE_LISTINGS[0]), library=library_path)
    listed = run("list", "--json", library=library_path).stdout
    import json

    all_ids = [p["id"] for p in json.loads(listed)]
    run("status", *all_ids[:5], "to-read", library=library_path)
    out = json.loads(
        run("list", "--json", "--view", "to-read", "--sort", "title", library=library_path).stdout
    )
    titles = [p["title"].casefold() for p in out]
    assert len(out) == 5 and titles == sorted(titles)
    out = json.loads(
        run("list", "--json", "--view", "inbox", "--reverse", library=library_path).stdout
    )
    assert [p["id"] for p in out] == all_ids[5:][::-1]
    bad = run("list", "--view", "unread", library=library_path, check=False)
    assert bad.returncode == 1 and "unknown view 'unread'" in bad.stderr
    bad = run("list", "--sort", "size", library=library_path, check=False)
    assert bad.returncode == 2 and "invalid choice: 'size'" in bad.stderr


def test_a_new_sort_mode_is_one_row_and_reads_its_scores(monkeypatch) -> None:
    """The recipe's slot: a mode that sorts by scores computed elsewhere (the ranking
    model's "predicted relevance") is one row of SORTS, fed through `scores=`."""

    def by_predicted(ids: list[str], ctx: views.SortContext) -> None:
        predicted = ctx.scores.get("predicted", {})
        ids.sort(key=lambda pid: -predicted.get(pid, 0.0))

    mode = views.SortMode("predicted", "predicted relevance", by_predicted, descending=True)
    monkeypatch.setitem(views.SORTS, "predicted", mode)
    papers, triage = _corpus()
    ids = list(papers)
    scores = {"predicted": {ids[9]: 0.9, ids[4]: 0.7}}
    search = _search(papers, triage)
    result = views.filter_view("all", "", "predicted", False, papers, triage, search, scores=scores)
    assert result.ids[:2] == [ids[9], ids[4]] and len(result.ids) == 20
    result = views.filter_view(
        "all", "-is:read", "predicted", True, papers, triage, search, scores=scores
    )
    assert result.ids[-2:] == [ids[4], ids[9]] and ids[1] not in result.ids
    assert "predicted" in views.cycle_sorts()
