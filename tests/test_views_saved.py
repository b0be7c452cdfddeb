"""Saved views, "New since last session" and per-view sorts in the core (issue #15 part 4,
#18 item 6): `papersift.saved_views` on real library files, `views.filter_view` and
`ViewCounts` over them, `views.ViewSorts`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift import actions, saved_views, views
from papersift.models import PapersiftError
from papersift.query.live import LiveIndex
from papersift.saved_views import UserViews
from papersift.store import CLOSED_AT, Library

from .conftest import SAMPLE_LISTINGS


def _search(library: Library):
    live = LiveIndex(library, save_cache=False)
    return lambda query, ranked=False: live.search(query, ranked=ranked, wait=True)


def _listed(library: Library, key: str, text: str = "", sort: str = "library", **kw):
    user = UserViews.of_library(library)
    return views.filter_view(
        key, text, sort, False, library.papers, dict(library.triage), _search(library),
        user=user, **kw,
    )  # fmt: skip


def test_save_rename_delete_survive_reopen(sample_library: Library, library_path: Path) -> None:
    lib = sample_library
    first = saved_views.save_view(lib, "  LLM evals ", "evaluation benchmark", sort="title")
    assert first.name == "LLM evals" and first.key == "saved:LLM evals"
    saved_views.save_view(lib, "Starred RL", "rl", base="starred", sort="year", reverse=True)
    lib.close()
    lib = Library(library_path)
    got = saved_views.load_saved_views(lib)
    assert [(v.name, v.query, v.base, v.sort, v.reverse) for v in got] == [
        ("LLM evals", "evaluation benchmark", "all", "title", False),
        ("Starred RL", "rl", "starred", "year", True),
    ]
    renamed = saved_views.rename_view(lib, "llm EVALS", "Evals")  # found without case
    assert renamed.id == first.id and renamed.position == first.position
    # Replacing keeps the place in the sidebar; the query changes.
    saved_views.save_view(lib, "evals", "benchmark", replace=True)
    assert [(v.name, v.query) for v in saved_views.load_saved_views(lib)] == [
        ("evals", "benchmark"),
        ("Starred RL", "rl"),
    ]
    deleted = saved_views.delete_view(lib, "starred rl")
    assert deleted.name == "Starred RL"
    lib.close()
    lib = Library(library_path)
    assert [v.name for v in saved_views.load_saved_views(lib)] == ["evals"]
    # Saved views live in triage.json, so its backups carry them.
    assert "views" in orjson.loads((library_path / "triage.json").read_bytes())
    lib.close()


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "needs a name"),
        ("   ", "needs a name"),
        ("two\nlines", "one line"),
        ("x" * 41, "at most 40"),
        ("inbox", "built-in"),
        ("Starred", "built-in"),
        ("to-read", "built-in"),
        ("New", "built-in"),
        ("tag:rlhf", "built-in"),
        ("source:a.txt", "built-in"),
        ("saved:x", "built-in"),
        ("ALL", "built-in"),
        ("evals", "already a saved view"),
    ],
)
def test_names_that_cannot_be_used_write_nothing(
    sample_library: Library, library_path: Path, name: str, why: str
) -> None:
    saved_views.save_view(sample_library, "Evals", "benchmark")
    before = (library_path / "triage.json").read_bytes()
    with pytest.raises(PapersiftError, match=why):
        saved_views.save_view(sample_library, name, "x")
    assert (library_path / "triage.json").read_bytes() == before


def test_bad_definitions_write_nothing(sample_library: Library, library_path: Path) -> None:
    triage = library_path / "triage.json"
    before = triage.read_bytes() if triage.exists() else None
    for query, base, sort, why in [
        ('"unclosed', "all", "title", "does not parse"),
        ("year:abc", "all", "title", "does not parse"),
        ("", "duplicates", "title", "cannot narrow"),
        ("", "saved:x", "title", "cannot narrow"),
        ("", "all", "sideways", "unknown sort"),
    ]:
        with pytest.raises(PapersiftError, match=why):
            saved_views.save_view(sample_library, "v", query, base=base, sort=sort)
    assert (triage.read_bytes() if triage.exists() else None) == before


def test_two_libraries_saving_at_once_keep_both(sample_library: Library, library_path: Path):
    other = Library(library_path)  # as another process would have it open
    try:
        saved_views.save_view(sample_library, "one", "alignment")
        saved_views.save_view(other, "two", "benchmark")  # from the rows on disk now
        saved_views.rename_view(sample_library, "two", "deux")  # sees the other's view
        with pytest.raises(PapersiftError, match="already a saved view"):
            saved_views.save_view(other, "ONE", "x")
        assert [v.name for v in saved_views.load_saved_views(other)] == ["one", "deux"]
    finally:
        other.close()


def test_processes_saving_at_once_lose_nothing(sample_library: Library, library_path: Path):
    sample_library.close()
    command = [sys.executable, "-m", "papersift", "--library", str(library_path), "views"]
    procs = [
        subprocess.Popen(
            [*command, "save", f"view {n}", "-q", f"year:{2020 + n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    lib = Library(library_path)
    assert sorted(v.name for v in saved_views.load_saved_views(lib)) == [
        f"view {n}" for n in range(4)
    ]
    lib.close()


def test_unreadable_rows_are_skipped(sample_library: Library) -> None:
    saved_views.save_view(sample_library, "good", "benchmark")
    sample_library.update_saved_views(
        lambda rows: {"x1": {"name": 5}, "x2": {"query": "q"}, "x3": {"name": "ok", "sort": 3}}
    )
    assert [v.name for v in saved_views.load_saved_views(sample_library)] == ["good"]


def test_a_saved_view_is_its_base_view_and_query(sample_library: Library) -> None:
    lib = sample_library
    ids = list(lib.papers)
    actions.set_status(lib, ids[:40], "to-read")
    saved_views.save_view(lib, "to read evals", "benchmark", base="status:to-read")
    saved_views.save_view(lib, "evals", "benchmark")
    everywhere = _listed(lib, "all", "benchmark").ids
    in_to_read = _listed(lib, "status:to-read", "benchmark").ids
    assert everywhere and in_to_read and set(in_to_read) < set(everywhere)
    result = _listed(lib, "saved:to read evals")
    assert result.ids == in_to_read and result.total == len(in_to_read)
    assert not result.has_query  # nothing typed: the bar says "N papers", not "N of M"
    # Typed text narrows it further; the total stays what the saved view holds.
    narrowed = _listed(lib, "saved:evals", "is:to-read")
    assert narrowed.ids == in_to_read and narrowed.total == len(everywhere)
    assert narrowed.has_query
    # The sort asked for applies (the saved one is the list's starting sort: ViewSorts).
    by_title = _listed(lib, "saved:evals", sort="title").ids
    assert by_title == sorted(everywhere, key=lambda pid: lib.papers[pid].title.casefold())


def test_a_broken_or_deleted_saved_view_says_why(sample_library: Library) -> None:
    lib = sample_library
    lib.update_saved_views(
        lambda rows: {"old1": {"name": "old", "query": "year:20x", "position": 1.0}}
    )
    result = _listed(lib, "saved:old")
    assert result.ids == [] and result.view_error is not None
    assert "'old'" in result.view_error and "no longer parses" in result.view_error
    assert "year:20x" in result.view_error
    gone = _listed(lib, "saved:never")
    assert gone.ids == [] and "no saved view named 'never'" in gone.view_error
    counts = views.ViewCounts.of_library(lib, user=UserViews.of_library(lib), search=_search(lib))
    assert "saved:old" in counts.saved_errors and "saved:old" not in counts.counts
    with pytest.raises(PapersiftError, match="no longer parses"):
        views.select(lib, view="old")


def test_counts_of_saved_views_match_the_list(sample_library: Library) -> None:
    lib = sample_library
    saved_views.save_view(lib, "evals", "benchmark")
    saved_views.save_view(lib, "multilingual 2024", "multilingual", base="all")
    user = UserViews.of_library(lib)
    counts = views.ViewCounts.of_library(lib, user=user, search=_search(lib))
    assert list(counts.saved) == ["saved:evals", "saved:multilingual 2024"]
    for key in counts.saved:
        assert counts.saved[key] == counts.counts[key] == len(_listed(lib, key).ids) > 0
    sections = dict(counts.sections())
    assert sections["Saved views"] == list(counts.saved)
    assert counts.view_keys()[:3] == ["status:inbox", "starred", views.NEW]
    # A search that cannot answer yet (the word index is being built): counts unknown.
    waiting = views.ViewCounts.of_library(lib, user=user, search=lambda q, ranked=False: None)
    assert waiting.saved == {"saved:evals": None, "saved:multilingual 2024": None}
    assert "saved:evals" not in waiting.counts


def test_new_since_last_session(sample_library: Library, library_path: Path) -> None:
    lib = sample_library
    before = {pid: p.added for pid, p in lib.papers.items()}
    assert all(a > 0 for a in before.values())  # the import time is in every paper
    # No ui.json: the TUI never ran here, everything is new.
    assert lib.last_closed() == 0.0
    assert views.view_size(views.NEW, lib.papers, {}, UserViews()) == len(lib)
    # The TUI closed; then a CLI import brings a file's papers in.
    closed = max(before.values()) + 0.001
    (library_path / "ui.json").write_bytes(orjson.dumps({"view": "all", CLOSED_AT: closed}))
    lib.close()
    time.sleep(0.05)
    extra = library_path.parent / "extra.bib"
    extra.write_text(
        "@article{a, title={A brand new paper on alignment}, author={Person, A.}, year=2024}\n"
        "@article{b, title={Another new paper}, author={Person, B.}, year=2025}\n",
        encoding="utf-8",
    )
    from .test_cli import run

    run("import", str(extra), library=library_path)
    lib = Library(library_path)
    try:
        assert lib.last_closed() == closed
        user = UserViews.of_library(lib)
        new = views.view_members(views.NEW, lib.papers, {}, user)
        assert [lib.papers[pid].title for pid in new] == [
            "A brand new paper on alignment",
            "Another new paper",
        ]
        assert views.view_size(views.NEW, lib.papers, {}, user) == 2
        counts = views.ViewCounts.of_library(lib, user=user)
        assert counts.counts[views.NEW] == 2
        # A paper seen before that comes again (merged) is not new.
        run("import", str(SAMPLE_LISTINGS[0]), library=library_path)
        lib.reload()
        assert len(views.view_members(views.NEW, lib.papers, {}, user)) == 2
        entries = views.select(lib, view="new")
        assert [e.id for e in entries] == new
    finally:
        lib.close()


def test_last_closed_before_it_was_recorded_is_ui_json_time(
    sample_library: Library, library_path: Path
) -> None:
    (library_path / "ui.json").write_bytes(orjson.dumps({"view": "all"}))
    mtime = (library_path / "ui.json").stat().st_mtime
    assert sample_library.last_closed() == mtime
    for broken in (b"[1, 2]", b"{bad json", orjson.dumps({CLOSED_AT: "yesterday"})):
        (library_path / "ui.json").write_bytes(broken)
        assert sample_library.last_closed() == (library_path / "ui.json").stat().st_mtime


def test_parse_view_saved_names_and_clashes(sample_library: Library) -> None:
    saved_views.save_view(sample_library, "Evals", "benchmark")
    user = UserViews.of_library(sample_library)
    assert views.parse_view("evals", user) == "saved:Evals"
    assert views.parse_view("saved:EVALS", user) == "saved:Evals"
    assert views.parse_view("new", user) == views.NEW
    # A built-in key wins over a saved name, which save_view refuses anyway; a row of
    # that name from elsewhere is still reachable as saved:NAME.
    sample_library.update_saved_views(lambda rows: {"z": {"name": "inbox", "position": 9e12}})
    user = UserViews.of_library(sample_library)
    assert views.parse_view("inbox", user) == "status:inbox"
    assert views.parse_view("saved:inbox", user) == "saved:inbox"
    with pytest.raises(PapersiftError, match="saved views: 'Evals', 'inbox'"):
        views.parse_view("nothing", user)
    assert views.view_title("saved:Evals") == "Saved: Evals"
    assert views.view_title(views.NEW) == "New since last session"


def test_effective_sort() -> None:
    user = UserViews(
        (saved_views.SavedView("a", "by year", base="all", sort="year", reverse=True),)
    )
    assert views.effective_sort("saved:by year", None, False, user) == ("year", True)
    assert views.effective_sort("saved:by year", None, True, user) == ("year", False)
    assert views.effective_sort("saved:by year", "title", False, user) == ("title", False)
    assert views.effective_sort("all", None, False, user) == ("library", False)
    with pytest.raises(PapersiftError, match="unknown sort"):
        views.effective_sort("all", "sideways", False, user)


def test_view_sorts_are_per_view_and_restored() -> None:
    user = UserViews((saved_views.SavedView("a", "evals", sort="year", reverse=True),))
    sorts = views.ViewSorts()
    assert sorts.sort_of("status:to-read") == (views.DEFAULT_SORT, False)
    assert sorts.sort_of("status:inbox", ranked=True) == ("rank", False)
    assert sorts.sort_of("saved:evals", user=user) == ("year", True)
    sorts.choose("status:to-read", "title", False)
    assert sorts.sort_of("status:to-read") == ("title", False)
    assert sorts.sort_of("status:inbox") == (views.DEFAULT_SORT, False)  # untouched
    sorts.choose("status:inbox", "relevance", False)
    assert sorts.sort_of("status:inbox", ranked=True) == ("relevance", False)  # chosen wins
    sorts.choose("saved:evals", "title", True)
    sorts.renamed("saved:evals", "saved:e")
    assert sorts.sort_of("saved:e") == ("title", True)
    sorts.forget("saved:e")
    restored = views.ViewSorts.from_state(orjson.loads(orjson.dumps({"sorts": sorts.to_state()})))
    assert restored == sorts
    # A state from before sorts were per view: its sort goes to the view it was on,
    # unless it was the default one (the inbox then still follows the ranking).
    old = views.ViewSorts.from_state({"view": "status:read", "sort": "score", "sort_reverse": 1})
    assert old.chosen == {"status:read": ("relevance", True)}
    assert views.ViewSorts.from_state({"view": "status:inbox", "sort": "relevance"}).chosen == {}
    assert views.ViewSorts.from_state({"view": "all", "sort": "gone"}).chosen == {}
    junk = {"sorts": {"all": ["sideways", False], "x": "title", "y": ["title", True]}}
    assert views.ViewSorts.from_state(junk).chosen == {"y": ("title", True)}


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
)
def test_any_accepted_name_round_trips(tmp_path_factory, name: str) -> None:
    try:
        clean = saved_views.check_name(name)
    except PapersiftError:
        return
    path = tmp_path_factory.mktemp("names") / "library"
    lib = Library(path)
    try:
        view = saved_views.save_view(lib, name, "")
        assert view.name == clean
        user = UserViews.of_library(lib)
        assert views.parse_view(clean, user) == view.key
        assert views.is_known_view(view.key, user=user)
    finally:
        lib.close()
