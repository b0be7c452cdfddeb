"""Scripted team screening through the CLI alone (issue #16, "done when"): two and three
reviewers start a review, screen blind in their own libraries, swap the review's file
through a real git repository (clones of one bare repository, concurrent commits, a real
`git pull` merging them with `papersift share merge` as the merge driver), unblind,
settle conflicts, and read agreement and PRISMA figures checked against scikit-learn and
statsmodels. The CLI runs in-process (`cli.main`) so a session takes seconds."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa

from papersift import share
from papersift.cli import main

from .conftest import SAMPLE_DATA

LISTING = SAMPLE_DATA / "daily-papers-mar-13-llm-alignment.txt"
QUERY = "alignment"
GIT_ENV = {
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_NOSYSTEM": "1",
}


class Reviewer:
    """One person: a library of their own and a clone of the team's repository."""

    def __init__(self, name: str, root: Path, capsys, monkeypatch) -> None:
        self.name = name
        self.library = root / f"{name}-library"
        self.clone = root / f"{name}-clone"
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    @property
    def file(self) -> Path:
        return self.clone / "review.json"

    def cli(self, *args: str, code: int = 0) -> str:
        self.monkeypatch.setenv("PAPERSIFT_USER", self.name)
        self.capsys.readouterr()
        status = main(["--library", str(self.library), *args])
        out, err = self.capsys.readouterr()
        assert status == code, f"{args}: exit {status}\n{out}\n{err}"
        return out + err

    def json(self, *args: str):
        self.monkeypatch.setenv("PAPERSIFT_USER", self.name)
        self.capsys.readouterr()
        assert main(["--library", str(self.library), *args]) == 0
        return json.loads(self.capsys.readouterr().out)

    def git(self, *args: str) -> str:
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_NAME": self.name}
        env["GIT_COMMITTER_NAME"] = self.name
        done = subprocess.run(
            ["git", *args], cwd=self.clone, capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, f"git {args}: {done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    def share(self, message: str) -> None:
        """Export into the clone, commit, pull (a real merge if others pushed), push,
        and import the merged file back."""
        self.cli("review", "export", "sr", "-o", str(self.file))
        self.git("add", "review.json")
        self.git("commit", "-q", "-m", message)
        self.git("pull", "-q", "--no-rebase", "origin", "main")
        self.git("push", "-q", "origin", "HEAD:main")
        self.cli("import", str(self.file))

    def pull(self) -> None:
        self.git("pull", "-q", "--no-rebase", "origin", "main")
        self.cli("import", str(self.file))


@pytest.fixture
def team(tmp_path: Path, capsys, monkeypatch):
    """A bare repository with the merge driver set up, and a function making reviewers."""
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    driver = f"{shlex.quote(sys.executable)} -m papersift share merge %A %B -o %A --force"
    made: list[Reviewer] = []

    def reviewer(name: str) -> Reviewer:
        person = Reviewer(name, tmp_path, capsys, monkeypatch)
        subprocess.run(["git", "clone", "-q", str(origin), str(person.clone)], check=True,
                       capture_output=True)  # fmt: skip
        person.git("config", "merge.papersift.driver", driver)
        person.git("config", "merge.papersift.name", "papersift reading lists")
        if not made:
            (person.clone / ".gitattributes").write_text("*.json merge=papersift\n")
            person.git("add", ".gitattributes")
            person.git("commit", "-q", "-m", "reading lists merge with papersift")
            person.git("push", "-q", "origin", "HEAD:main")
        else:
            person.git("pull", "-q", "origin", "main")
        made.append(person)
        return person

    return reviewer


def test_two_reviewers_screen_blind_merge_through_git_and_settle(team, tmp_path: Path):
    alice, bob = team("alice"), team("bob")
    alice.cli("import", str(LISTING))
    criteria = tmp_path / "criteria.md"
    criteria.write_text("Include: empirical work on aligning LLMs.\nExclude: surveys.\n")
    out = alice.cli("review", "start", "sr", "--criteria", str(criteria), "--query", QUERY,
                    "--reason", "off topic", "--reason", "survey")  # fmt: skip
    assert "29 papers" in out
    ids = [e["id"] for e in alice.json("list", "--json", "-q", QUERY)]
    assert len(ids) == 29
    alice.share("alice starts the review")

    bob.pull()  # bob's library gets the papers, and bob joins the review
    assert "reviewers alice, bob" in bob.cli("review", "list")
    assert "Include: empirical work" in bob.cli("review", "show")

    # Concurrent screening of the first 12 papers, each in their own library.
    a = ["include", "exclude", "include", "maybe", "exclude", "include",
         "exclude", "include", "include", "exclude", "include", "exclude"]  # fmt: skip
    b = ["include", "exclude", "exclude", "include", "exclude", "include",
         "exclude", "include", "maybe", "exclude", "exclude", "exclude"]  # fmt: skip
    for person, labels in ((alice, a), (bob, b)):
        for pid, label in zip(ids, labels, strict=False):
            extra = ["--reason", "survey"] if label == "exclude" else []
            person.cli("review", "decide", pid, label, *extra)
    alice.cli("review", "decide", ids[12], "include")  # only alice screened this one

    # Blind: bob's file, imported before alice has seen it, hides alice's decisions.
    bob.share("bob screened 12")
    alice.cli("review", "export", "sr", "-o", str(alice.file))
    alice.git("commit", "-q", "-am", "alice screened 13")
    merged = alice.git("pull", "--no-rebase", "origin", "main")  # both changed review.json
    assert "CONFLICT" not in merged
    text = alice.file.read_text()
    assert "<<<<<<<" not in text
    data = share.load_list(text, "review.json")
    by = {(d["paper"], d["by"]): d["decision"] for d in data["review"]["decisions"]}
    assert sum(1 for (_, who) in by if who == "alice") == 13
    assert sum(1 for (_, who) in by if who == "bob") == 12  # nothing lost in the merge
    assert by[(ids[3], "alice")] == "maybe" and by[(ids[3], "bob")] == "include"
    alice.git("push", "-q", "origin", "HEAD:main")
    alice.cli("import", str(alice.file))

    stats = bob.json("review", "stats", "--json")
    counts = {c["reviewer"]: c for c in stats["per_reviewer"]}
    assert counts["alice"]["screened"] == 0  # bob shared first: he has none of alice's yet
    bob.pull()
    stats = bob.json("review", "stats", "--json")
    counts = {c["reviewer"]: c for c in stats["per_reviewer"]}
    # ids[12] is screened by alice only: blind hides her decision from bob.
    assert counts["alice"]["screened"] == 13 and counts["alice"]["hidden"] == 1
    assert stats["papers_compared"] == 12
    assert stats["cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b))
    assert stats["percent_agreement"] == pytest.approx(100 * 8 / 12, abs=0.01)

    conflicts = alice.json("review", "conflicts", "--json")
    assert [c["paper"] for c in conflicts] == sorted([ids[2], ids[3], ids[8], ids[10]])
    (maybe,) = [c for c in conflicts if c["paper"] == ids[3]]
    assert maybe["kind"] == "disagree"
    assert {d["by"]: d["decision"] for d in maybe["decisions"]} == {
        "alice": "maybe", "bob": "include"
    }  # fmt: skip
    # Settling needs the paper revealed: ids[12] is still blind.
    assert "still blind" in alice.cli("review", "resolve", ids[12], "include", code=1)
    for pid in (ids[2], ids[3], ids[8]):
        alice.cli("review", "resolve", pid, "include")
    alice.cli("review", "resolve", ids[10], "exclude", "--reason", "2")

    alice.cli("review", "unblind")
    alice.share("alice settled the conflicts and unblinded")
    bob.pull()
    assert "unblinded" in bob.cli("review", "list")
    assert bob.json("review", "conflicts", "--json") == []
    stats = bob.json("review", "stats", "--json")
    assert {c["reviewer"]: c["hidden"] for c in stats["per_reviewer"]} == {"alice": 0, "bob": 0}
    out = bob.cli("review", "resolve", ids[10], "include", code=1)
    assert "settled by alice" in out  # recorded once, with who made it

    prisma = bob.json("review", "prisma", "--json")
    # Agreed: 0,5,7 include + 1,4,6,9,11 exclude; settled: 2,3,8 include, 10 exclude;
    # ids[12] awaits bob; the other 16 nobody has screened.
    assert (prisma["screened"], prisma["included"], prisma["excluded"]) == (29, 6, 6)
    assert (prisma["awaiting"], prisma["conflicts"]) == (17, 0)
    assert prisma["excluded_by_reason"] == {"survey": 6}
    assert prisma["records"] == 58 and prisma["not_matching"] == 29
    csv_path = tmp_path / "prisma.csv"
    bob.cli("review", "prisma", "--csv", str(csv_path))
    rows = {r[0]: r[-1] for r in csv.reader(io.StringIO(csv_path.read_text()))}
    assert (rows["records_screened"], rows["records_excluded"]) == ("29", "6")
    assert rows["database_specific_results"] == f"{LISTING.name}, 58"
    assert "Records screened (n = 29)" in bob.cli("review", "prisma", "--diagram")


def test_three_reviewers_fleiss_kappa_after_a_three_way_swap(team):
    alice, bob, carol = team("alice"), team("bob"), team("carol")
    alice.cli("import", str(LISTING))
    alice.cli("review", "start", "sr", "--query", QUERY, "--reviewer", "bob,carol")
    ids = [e["id"] for e in alice.json("list", "--json", "-q", QUERY)][:8]
    alice.share("start")
    bob.pull()
    carol.pull()
    short = {"i": "include", "e": "exclude", "m": "maybe"}
    labels = {
        name: [short[c] for c in codes]
        for name, codes in (("alice", "iieemiei"), ("bob", "ieeeiiem"), ("carol", "iieimeei"))
    }
    for person in (alice, bob, carol):
        for pid, label in zip(ids, labels[person.name], strict=True):
            person.cli("review", "decide", pid, label)
    # All three commit concurrently; each pull merges the others' file.
    for person in (bob, carol, alice):
        person.share(f"{person.name} screened 8")
    for person in (bob, carol):
        person.pull()
    stats = [p.json("review", "stats", "--json") for p in (alice, bob, carol)]
    assert stats[0] == stats[1] == stats[2]  # every library agrees after the swap
    kinds = ("include", "exclude", "maybe")
    table = np.array([[sum(labels[p][i] == k for p in labels) for k in kinds] for i in range(8)])
    assert stats[0]["papers_compared"] == 8
    assert stats[0]["fleiss_kappa"] == pytest.approx(fleiss_kappa(table, method="fleiss"))
    assert "cohen_kappa" not in stats[0]
    assert stats[0]["percent_agreement"] == pytest.approx(100 * 3 / 8)
    pairs = {tuple(p["reviewers"]): p for p in stats[0]["pairs"]}
    assert pairs[("alice", "bob")]["cohen_kappa"] == pytest.approx(
        cohen_kappa_score(labels["alice"], labels["bob"])
    )
    assert len(alice.json("review", "conflicts", "--json")) == 5


def test_review_errors_name_the_problem_and_change_nothing(team, tmp_path: Path):
    alice = team("alice")
    alice.cli("import", str(LISTING))
    assert "no review" in alice.cli("review", "stats", code=1)
    alice.cli("review", "start", "sr", "--query", QUERY, "--reason", "off topic")
    pid = alice.json("list", "--json", "-q", QUERY)[0]["id"]
    outside = next(e["id"] for e in alice.json("list", "--json") if QUERY not in e["title"].lower()
                   and QUERY not in e["abstract"].lower())  # fmt: skip
    before = (alice.library / "triage.json").read_bytes()
    assert "exists already" in alice.cli("review", "start", "sr", "--query", QUERY, code=1)
    assert "no exclusion reason" in alice.cli(
        "review", "decide", pid, "exclude", "--reason", "x", code=1
    )
    assert "unknown decision" in alice.cli("review", "decide", pid, "yes", code=1)
    assert "not in review" in alice.cli("review", "decide", outside, "include", code=1)
    assert "with exclude only" in alice.cli(
        "review", "decide", pid, "include", "--reason", "1", code=1
    )
    assert (alice.library / "triage.json").read_bytes() == before
    other = tmp_path / "other.json"
    other.write_text("not a list")
    assert "pass --force" in alice.cli("review", "export", "sr", "-o", str(other), code=1)
    assert other.read_text() == "not a list"


def test_shared_list_author_is_the_user_and_own_views_come_home(team, tmp_path: Path):
    """Issue #13 item 5: `share export` writes the user's name as author; the user's own
    view coming back in a colleague's list is recognised as hers, not a copy."""
    alice, bob = team("alice"), team("bob")
    alice.cli("import", str(LISTING))
    pid = alice.json("list", "--json")[0]["id"]
    alice.cli("note", pid, "--set", "alice's note")
    out = tmp_path / "a.json"
    alice.cli("share", "export", pid, "-o", str(out))
    assert json.loads(out.read_text())["author"] == "alice"
    bob.cli("import", str(out))
    (entry,) = [e for e in bob.json("list", "--json") if e["id"] == pid]
    assert [s["by"] for s in entry["shared"]] == ["alice"]  # not "a.json"
    bob.cli("note", pid, "--set", "bob's note")
    back = tmp_path / "b.json"
    bob.cli("share", "export", pid, "-o", str(back))
    alice.cli("import", str(back))
    (entry,) = [e for e in alice.json("list", "--json") if e["id"] == pid]
    assert entry["note"] == "alice's note"
    assert [s["by"] for s in entry["shared"]] == ["bob"]  # her own view is not a copy
