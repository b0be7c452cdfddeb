"""Reading lists between two people's libraries: nothing of anyone's own is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from papersift import actions, share
from papersift.importer import import_files
from papersift.store import Library
from papersift.views import select

from .conftest import SAMPLE_DATA, SAMPLE_LISTINGS


def _export(library: Library, path: Path, author: str, **filters) -> None:
    entries = select(library, **filters)
    share.write_list(path, entries, share.ListMeta(name="Alignment", author=author), force=True)


def test_round_trip_into_an_empty_library(
    sample_library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("PAPERSIFT_USER", "alice")
    ids = list(sample_library.papers)[:12]
    actions.set_starred(sample_library, ids[:4], True)
    actions.add_tags(sample_library, ids[:8], ["alignment"])
    actions.set_note(sample_library, ids[0], "read section 3")
    actions.set_status(sample_library, ids[:6], "to-read")
    path = tmp_path / "list.json"
    _export(sample_library, path, "alice", tags=["alignment"])

    fresh = Library(tmp_path / "fresh")
    (report,) = import_files(fresh, [path])
    assert report.ok and report.new == 8
    assert set(fresh.papers) == set(ids[:8])
    for pid in ids[:8]:
        mine, theirs = sample_library.entry(pid), fresh.entry(pid)
        assert theirs.paper.title == mine.paper.title
        assert theirs.paper.abstract == mine.paper.abstract
        # The same user (alice) re-imports her own list: it restores her triage.
        assert theirs.triage.tags == mine.triage.tags
        assert theirs.triage.note == mine.triage.note
        assert theirs.triage.starred == mine.triage.starred
        assert theirs.triage.status == mine.triage.status


def test_two_users_swap_lists_and_lose_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    alice_lib = Library(tmp_path / "alice")
    import_files(alice_lib, SAMPLE_LISTINGS)
    ids = list(alice_lib.papers)[:5]
    monkeypatch.setenv("PAPERSIFT_USER", "alice")
    actions.add_tags(alice_lib, ids, ["reading-group"])
    actions.set_note(alice_lib, ids[0], "alice: great survey")
    actions.set_starred(alice_lib, ids[:2], True)
    actions.set_status(alice_lib, [ids[1]], "read")
    to_bob = tmp_path / "to-bob.json"
    _export(alice_lib, to_bob, "alice", tags=["reading-group"])

    monkeypatch.setenv("PAPERSIFT_USER", "bob")
    bob_lib = Library(tmp_path / "bob")
    import_files(bob_lib, [SAMPLE_LISTINGS[0]])  # bob already has some papers of his own
    import_files(bob_lib, [to_bob])
    bob_first = bob_lib.triage_of(ids[0])
    assert bob_first.tags == ("reading-group",)
    assert bob_first.note == "" and not bob_first.starred  # alice's state is not bob's
    assert [(v.by, v.note, v.starred) for v in bob_first.shared] == [
        ("alice", "alice: great survey", True)
    ]
    actions.set_note(bob_lib, ids[0], "bob: section 4 is wrong")
    actions.add_tags(bob_lib, [ids[0]], ["disagree"])
    actions.set_status(bob_lib, [ids[1]], "to-read")
    to_alice = tmp_path / "to-alice.json"
    _export(bob_lib, to_alice, "bob", tags=["reading-group"])
    # Re-importing the same list changes nothing.
    triage_before = (tmp_path / "bob" / "triage.json").read_bytes()
    import_files(bob_lib, [to_bob])
    assert (tmp_path / "bob" / "triage.json").read_bytes() == triage_before

    monkeypatch.setenv("PAPERSIFT_USER", "alice")
    import_files(alice_lib, [to_alice])
    first = Library(tmp_path / "alice").triage_of(ids[0])
    assert first.note == "alice: great survey"  # her own note untouched
    assert set(first.tags) == {"reading-group", "disagree"}
    assert [(v.by, v.note) for v in first.shared] == [("bob", "bob: section 4 is wrong")]
    second = Library(tmp_path / "alice").triage_of(ids[1])
    assert second.status == "read" and second.starred  # bob's to-read does not override
    assert [(v.by, v.status) for v in second.shared] == [("bob", "to-read")]


def test_cli_share_export_import_and_merge(sample_library, library_path, tmp_path):
    from .test_cli import run

    pid = next(iter(sample_library.papers))
    actions.add_tags(sample_library, [pid], ["x"])
    out = tmp_path / "x.json"
    run("share", "export", "--tag", "x", "--name", "X", "-o", str(out), library=library_path)
    again = run(
        "share",
        "export",
        "--tag",
        "x",
        "--name",
        "X",
        "-o",
        str(out),
        library=library_path,
        check=False,
    )
    assert again.returncode == 1 and "already exists" in again.stderr
    run(
        "share",
        "export",
        "--tag",
        "x",
        "--name",
        "X",
        "-o",
        str(out),
        "--force",
        library=library_path,
    )
    merged = tmp_path / "merged.json"
    run(
        "share",
        "merge",
        str(out),
        str(SAMPLE_DATA / "reading-list-alignment.json"),
        "-o",
        str(merged),
        library=library_path,
    )
    data = share.load_list(merged.read_text(encoding="utf-8"), "merged.json")
    assert pid in {p["id"] for p in data["papers"]}


def test_a_senders_id_for_a_paper_known_here_by_another_becomes_an_alias(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from papersift.actions import resolve_ids

    monkeypatch.setenv("PAPERSIFT_USER", "alice")
    # Alice has the journal version, with its DOI; Bob the same paper without one, so the
    # two libraries give it different ids.
    alice_bib, bob_bib = tmp_path / "alice.bib", tmp_path / "bob.bib"
    entry = "@article{k, title = {Sparse Attention Without Regret}, author = {Roe, Ann},"
    alice_bib.write_text(entry + " year = {2024}, doi = {10.1000/sparse.42}}\n")
    bob_bib.write_text(entry + " year = {2024}}\n")
    alice, bob = Library(tmp_path / "alice"), Library(tmp_path / "bob")
    import_files(alice, [alice_bib])
    import_files(bob, [bob_bib])
    (alice_id,), (bob_id,) = list(alice.papers), list(bob.papers)
    assert alice_id != bob_id
    actions.add_tags(alice, [alice_id], ["reading-group"])
    to_bob = tmp_path / "to-bob.json"
    _export(alice, to_bob, "alice", tags=["reading-group"])

    (report,) = import_files(bob, [to_bob])
    assert report.ok and report.new == 0 and list(bob.papers) == [bob_id]
    assert bob.triage_of(bob_id).tags == ("reading-group",)
    assert bob.papers[bob_id].doi == "10.1000/sparse.42"
    # Alice's id names Bob's paper from now on, in a fresh process too.
    again = Library(tmp_path / "bob")
    assert again.canonical_id(alice_id) == bob_id
    assert resolve_ids(again, [alice_id]) == [bob_id]
    # Her next version of the list finds it by that id even where its text no longer
    # matches (a title she shortened): no second paper.
    listed = to_bob.read_text("utf-8").replace("Sparse Attention Without Regret", "Sparse")
    to_bob.write_text(listed, "utf-8")
    (report,) = import_files(again, [to_bob])
    assert report.ok and report.new == 0 and list(again.papers) == [bob_id]
