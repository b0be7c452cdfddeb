"""`papersift views` and `papersift list --view NAME` (issue #15 part 4), run as a user
runs them: the real command in a subprocess, on a real library."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from papersift.store import CLOSED_AT

from .test_cli import imported, papers, run  # noqa: F401  (imported: a fixture)


def test_save_list_use_rename_delete(imported: Path) -> None:  # noqa: F811
    lib = imported
    assert "no saved views" in run("views", library=lib).stdout
    out = run("views", "save", "Evals", "-q", "benchmark", "--sort", "title", library=lib)
    assert out.stdout.strip() == "saved the view 'Evals'"
    run("views", "save", "Old first", "-q", "benchmark", "--sort", "year", library=lib)
    listed = run("views", library=lib).stdout.splitlines()
    wanted = papers(lib, "--query", "benchmark", "--sort", "title")
    assert listed[0] == (
        f"1  Evals: {len(wanted)} papers (All papers matching benchmark; sorted by title)"
    )
    assert listed[1].startswith("2  Old first: ")
    # --view NAME uses the saved view, in its own sort unless --sort says otherwise.
    assert papers(lib, "--view", "evals") == wanted
    assert papers(lib, "--view", "saved:Evals") == wanted
    by_year = papers(lib, "--view", "Evals", "--sort", "year")
    assert by_year == papers(lib, "--query", "benchmark", "--sort", "year")
    # Filters on top of it narrow it.
    run("star", wanted[0]["id"], library=lib)
    assert [p["id"] for p in papers(lib, "--view", "Evals", "--starred")] == [wanted[0]["id"]]
    assert run("views", "rename", "evals", "Benchmarks", library=lib).returncode == 0
    rows = json.loads(run("views", "list", "--json", library=lib).stdout)
    assert [(r["key"], r["name"], r["count"]) for r in rows] == [
        ("1", "Benchmarks", len(wanted)),
        ("2", "Old first", len(wanted)),
    ]
    assert rows[0]["query"] == "benchmark" and rows[0]["sort"] == "title"
    run("views", "delete", "old FIRST", library=lib)
    assert [r["name"] for r in json.loads(run("views", "--json", library=lib).stdout)] == [
        "Benchmarks"
    ]


def test_a_saved_view_narrowing_another_view(imported: Path) -> None:  # noqa: F811
    lib = imported
    ids = [p["id"] for p in papers(lib)]
    run("status", *ids[:20], "to-read", library=lib)
    run("views", "save", "to read, multilingual", "--view", "to-read", "-q", "multilingual",
        library=lib)  # fmt: skip
    assert papers(lib, "--view", "to read, multilingual") == papers(
        lib, "--view", "to-read", "--query", "multilingual", "--sort", "relevance"
    )  # the saved view's sort: relevance, the default of `views save`


def test_errors_name_the_problem_and_change_nothing(imported: Path) -> None:  # noqa: F811
    lib = imported
    run("views", "save", "Evals", "-q", "benchmark", library=lib)
    before = (lib / "triage.json").read_bytes()
    for args, message in [
        (("views", "save", "evals", "-q", "x"), "already a saved view named 'evals'"),
        (("views", "save", "inbox", "-q", "x"), "'inbox' already names a built-in view"),
        (("views", "save", "v", "-q", '"open'), "the query does not parse: unclosed quote"),
        (("views", "save", "v", "--view", "nope"), "unknown view 'nope'"),
        (("views", "save", "v", "--view", "Evals"), "not another saved one"),
        (("views", "rename", "nope", "x"), "no saved view named 'nope' (saved views: 'Evals')"),
        (("views", "delete", "nope"), "no saved view named 'nope'"),
        (("list", "--view", "nope"), "saved views: 'Evals'"),
    ]:
        proc = run(*args, library=lib, check=False)
        assert proc.returncode != 0, args
        assert message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert (lib / "triage.json").read_bytes() == before
    # Replacing on purpose works.
    run("views", "save", "evals", "-q", "alignment", "--replace", library=lib)
    rows = json.loads(run("views", "--json", library=lib).stdout)
    assert [(r["name"], r["query"]) for r in rows] == [("evals", "alignment")]


def test_a_query_that_no_longer_parses_is_an_error_not_a_crash(imported: Path) -> None:  # noqa: F811
    from papersift.store import Library

    library = Library(imported)
    library.update_saved_views(lambda rows: {"x": {"name": "Broken", "query": "year:abc"}})
    library.close()
    proc = run("list", "--view", "Broken", library=imported, check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "'Broken' has a query that no longer parses" in proc.stderr
    listed = run("views", library=imported).stdout
    assert "Broken: ? papers" in listed and "error: The saved view 'Broken'" in listed


def test_list_view_new_since_the_app_closed(imported: Path, tmp_path: Path) -> None:  # noqa: F811
    lib = imported
    # Never opened in the app: every paper is new.
    assert len(papers(lib, "--view", "new")) == len(papers(lib))
    from papersift.store import Library

    library = Library(lib)
    last_added = max(p.added for p in library.papers.values())
    library.close()
    (lib / "ui.json").write_bytes(orjson.dumps({CLOSED_AT: last_added}))
    assert papers(lib, "--view", "new") == []
    bib = tmp_path / "more.bib"
    bib.write_text("@article{k, title={Something that came later}, year=2025}\n", "utf-8")
    run("import", str(bib), library=lib)
    assert [p["title"] for p in papers(lib, "--view", "new")] == ["Something that came later"]
