"""The `papersift` command end to end, in subprocesses, on a temporary library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import SAMPLE_LISTINGS


def run(
    *args: str, library: Path, check: bool = True, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "papersift", "--library", str(library), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        input=input,
        timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def imported(library_path: Path) -> Path:
    run("import", *map(str, SAMPLE_LISTINGS), library=library_path)
    return library_path


def papers(library: Path, *args: str) -> list[dict]:
    return json.loads(run("list", "--json", *args, library=library).stdout)


def test_version_and_help(library_path: Path):
    assert run("--version", library=library_path).stdout.startswith("papersift ")
    for sub in (
        "import",
        "list",
        "star",
        "tag",
        "note",
        "status",
        "dedupe",
        "export",
        "share",
        "doctor",
    ):
        out = run(sub, "--help", library=library_path).stdout
        assert "usage: papersift" in out


def test_import_reports_per_file_and_reimport_changes_nothing(library_path: Path):
    first = run("import", *map(str, SAMPLE_LISTINGS), library=library_path)
    assert "read 32 (listing), new 32, merged 0" in first.stdout
    assert "library: 318 papers" in first.stdout
    again = run("import", *map(str, SAMPLE_LISTINGS), library=library_path)
    assert "read 189 (listing), new 0, merged 0, unchanged 189" in again.stdout
    assert len(papers(library_path)) == 318


def test_failed_file_exits_non_zero_and_names_file_and_line(library_path, tmp_path):
    bad = tmp_path / "refs.bib"  # (a Latin-1 file imports since issue #17: not bad enough)
    bad.write_bytes(b"@misc{ok, title = {Fine}}\n@misc{bad, title = {never closed\n")
    proc = run("import", str(bad), str(SAMPLE_LISTINGS[0]), library=library_path, check=False)
    assert proc.returncode == 1
    assert f"{bad.name}:2: @misc 'bad' is not closed" in proc.stderr
    assert "FAILED, nothing imported" in proc.stdout
    assert len(papers(library_path)) == 32


def test_list_json_has_the_documented_fields(imported: Path):
    rows = papers(imported)
    assert len(rows) == 318
    assert {
        "id",
        "title",
        "abstract",
        "authors",
        "year",
        "starred",
        "tags",
        "note",
        "status",
        "sources",
    } <= set(rows[0])
    assert sum(len(r["sources"]) for r in rows) == 377


def test_triage_commands_and_unknown_ids(imported: Path):
    rows = papers(imported)
    a, b = rows[0]["id"], rows[1]["id"]
    run("star", a, b[:8], library=imported)
    run("tag", a, "--add", "rlhf, survey", library=imported)
    run("tag", b, "--add", "RLHF", library=imported)
    run("note", a, "--set", "read the method section", library=imported)
    run("status", a, b, "to-read", library=imported)
    by_id = {r["id"]: r for r in papers(imported)}
    assert by_id[a]["starred"] and by_id[b]["starred"]
    assert by_id[a]["tags"] == ["rlhf", "survey"]
    assert by_id[a]["note"] == "read the method section"
    assert by_id[a]["status"] == by_id[b]["status"] == "to-read"
    run("unstar", b, library=imported)
    assert not {r["id"]: r for r in papers(imported)}[b]["starred"]

    before = (imported / "triage.json").read_bytes()
    for args in (("star", a, "nope"), ("status", a, "someday"), ("tag", "zzz", "--add", "x")):
        proc = run(*args, library=imported, check=False)
        assert proc.returncode == 1, args
        assert "papersift: error:" in proc.stderr
    assert (imported / "triage.json").read_bytes() == before


def test_note_edit_uses_the_editor(imported: Path, tmp_path: Path):
    pid = papers(imported)[0]["id"]
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nprintf 'written in the editor' > \"$1\"\n")
    editor.chmod(0o755)
    run("note", pid, "--edit", library=imported, env={"EDITOR": str(editor)})
    assert run("note", pid, library=imported).stdout.strip() == "written in the editor"


def test_query_option_selects_papers(imported: Path):
    run("star", "--query", '"preference optimization"', library=imported)
    starred = papers(imported, "--starred")
    assert starred and all(
        "preference optimization" in (r["title"] + r["abstract"]).lower() for r in starred
    )


def test_hostile_text_is_printed_inert(library_path: Path, tmp_path: Path):
    page = tmp_path / "evil.txt"
    abstract = "An abstract \x1b]0;pwned\x07 with escapes. " * 12
    page.write_text(f"\x1b[31mRed[bold] title[/bold]\n{abstract}\n", encoding="utf-8")
    run("import", str(page), library=library_path)
    table = run("list", library=library_path).stdout
    shown = run("show", papers(library_path)[0]["id"], library=library_path).stdout
    for out in (table, shown):
        assert "\x1b" not in out and "\x07" not in out
        assert "␛[31mRed[bold] title[/bold]" in out


def test_dedupe_lists_and_records_decisions(imported: Path):
    proc = run("dedupe", "--json", library=imported)
    pairs = json.loads(proc.stdout)
    assert isinstance(pairs, list)
    rows = papers(imported)
    a, b = rows[0]["id"], rows[1]["id"]
    run("dedupe", "--keep-apart", a, b, library=imported)
    run("dedupe", "--merge", a, b, library=imported)
    assert len(papers(imported)) == 317
    after = {r["id"]: r for r in papers(imported)}
    merged = after[a]
    assert len(merged["sources"]) == len(rows[0]["sources"]) + len(rows[1]["sources"])
    # dedupe opens the library without its texts; the merge must not lose any.
    assert merged["abstract"] in (rows[0]["abstract"], rows[1]["abstract"])
    assert merged["abstract"]
    for row in rows[2:]:
        assert after[row["id"]]["abstract"] == row["abstract"]


def test_doctor_and_locate(imported: Path):
    assert "ok: 318 papers" in run("doctor", library=imported).stdout
    assert str(imported) in run("locate", library=imported).stdout
    (imported / "corpus.json").write_text("{ not json")
    proc = run("doctor", library=imported, check=False)
    assert proc.returncode == 1 and "corpus.json: damaged JSON" in proc.stdout


def test_tui_refuses_without_a_terminal(library_path: Path):
    proc = run(library=library_path, check=False)
    assert proc.returncode == 1 and "needs a terminal" in proc.stderr


def test_option_values_may_start_with_a_dash(imported: Path):
    pid = papers(imported)[0]["id"]
    run("status", pid, "read", library=imported)
    rows = papers(imported, "--query", "-is:inbox")
    assert [r["id"] for r in rows] == [pid]
    run("note", pid, "--set", "-- a note that starts with dashes", library=imported)
    assert run("note", pid, library=imported).stdout.strip() == "-- a note that starts with dashes"


def test_export_formats_to_stdout_and_file(imported: Path, tmp_path: Path):
    pid = papers(imported)[0]["id"]
    run("star", pid, library=imported)
    cite = run("export", "--starred", "--as", "cite", library=imported).stdout
    assert cite.startswith("\\cite{") and cite.endswith("}\n")
    out = tmp_path / "starred.bib"
    run("export", "--starred", "-o", str(out), library=imported)
    assert "\n@misc{" in out.read_text(encoding="utf-8")
    again = run("export", "--starred", "-o", str(out), library=imported, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    run("export", "--starred", "-o", str(out), "--force", library=imported)


_JSON_ITEMS = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.dictionaries(st.text(max_size=5), _JSON_ITEMS, max_size=4), max_size=7))
def test_streamed_json_array_is_byte_identical_to_the_whole(items: list[dict]) -> None:
    import io

    from papersift import cli

    outputs = []
    for write in (
        lambda: cli._write_json(items),
        lambda: cli._write_json_array(iter(items), chunk=2),
    ):
        buffer = io.BytesIO()
        stdout = type("Stdout", (), {"buffer": buffer})()
        real, sys.stdout = sys.stdout, stdout
        try:
            write()
        finally:
            sys.stdout = real
        outputs.append(buffer.getvalue())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[1]) == items


def test_triage_commands_leave_texts_and_corpus_alone(imported: Path):
    # star/status/tag/note open the library without its texts: they must still find
    # papers by a query over abstracts, and never rewrite or thin out the corpus.
    corpus = (imported / "corpus.json").read_bytes()
    before = {p["id"]: p["abstract"] for p in papers(imported)}
    word = "transliteration"  # in abstracts of the sample corpus, not only titles
    matched = papers(imported, "--query", word)
    assert matched and any(word not in p["title"].lower() for p in matched)
    run("star", "--query", word, library=imported)
    run("tag", "--query", word, "--add", "translit", library=imported)
    first = matched[0]["id"]
    run("status", first, "reading", library=imported)
    run("note", first, "--set", "look at the abstract", library=imported)
    assert (imported / "corpus.json").read_bytes() == corpus
    after = papers(imported)
    assert {p["id"]: p["abstract"] for p in after} == before
    starred = {p["id"] for p in after if p["starred"]}
    assert starred == {p["id"] for p in matched}
    assert all("translit" in p["tags"] for p in after if p["id"] in starred)
    listed = run("list", "--starred", library=imported).stdout
    assert first in listed
    # Field queries need no texts, except one about abstracts.
    with_abstract = {p["id"] for p in after if p["abstract"].strip()}
    listed = run("list", "--query", "has:abstract", library=imported).stdout
    assert {line[:12] for line in listed.splitlines()} == with_abstract
    listed = run("list", "--query", "is:reading", library=imported).stdout
    assert [line[:12] for line in listed.splitlines()] == [first]
