"""Team screening (issue #16): agreement figures against reference implementations,
blind mode, conflicts and outcomes, PRISMA counts and CSV, review sections that merge
without losing or misattributing a decision, and version 1 files that still read."""

from __future__ import annotations

import csv
import io
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from papersift import review, share
from papersift.models import Paper, PapersiftError, Source
from papersift.review.definition import Decision, Identification, Review
from papersift.review.prisma import CSV_COLUMNS, identify, prisma_rows

from .conftest import REPO, SAMPLE_DATA

LABELS = ("include", "exclude", "maybe")
PEOPLE = ("alice", "bob", "carol", "dan")
IDS = tuple(f"{n:012x}" for n in range(1, 9))
TIMES = tuple(f"2024-03-{d:02d}T09:00:00Z" for d in range(10, 16))


def _same(ours: float | None, reference: float) -> bool:
    if ours is None:
        return math.isnan(reference)
    return math.isclose(ours, reference, rel_tol=1e-9, abs_tol=1e-12)


# ----------------------------------------------------------------------- kappa


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)), min_size=1))
def test_cohen_kappa_matches_scikit_learn(pairs):
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns where kappa is undefined (nan)
        reference = cohen_kappa_score(a, b)
    assert _same(review.cohen_kappa(a, b), reference)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(3, 5).flatmap(
        lambda raters: st.lists(
            st.lists(st.sampled_from(LABELS), min_size=raters, max_size=raters), min_size=1
        )
    )
)
def test_fleiss_kappa_matches_statsmodels(items):
    table = [[row.count(k) for k in LABELS] for row in items]
    with np.errstate(divide="ignore", invalid="ignore"):
        reference = float(sm_fleiss_kappa(np.array(table), method="fleiss"))
    assert _same(review.fleiss_kappa(table), reference)


def test_kappa_of_known_tables():
    # Fleiss (1971)'s own example would need 14 categories; this is the textbook 2x2
    # case: 20 items, observed agreement 0.7, chance agreement 0.5.
    a = ["include"] * 10 + ["exclude"] * 10
    b = ["include"] * 7 + ["exclude"] * 3 + ["include"] * 3 + ["exclude"] * 7
    assert review.cohen_kappa(a, b) == pytest.approx(0.4)
    assert review.cohen_kappa(["include"] * 3, ["include"] * 3) is None
    with pytest.raises(ValueError):
        review.fleiss_kappa([[2, 0, 0], [1, 0, 0]])


# ----------------------------------------------------------------------- a review


def make_review(decisions, reviewers=("alice", "bob"), **kw) -> Review:
    return Review(
        name="sr",
        reasons=("off topic", "not empirical"),
        reviewers=tuple(reviewers),
        papers=IDS,
        identification=Identification((("search.bib", 10),), 1, 1),
        decisions=tuple(
            sorted(
                (Decision(*d) if isinstance(d, tuple) else d for d in decisions),
                key=lambda d: d.key,
            )
        ),
        **kw,
    )


def test_blind_hides_others_until_everyone_screened_a_paper():
    r = make_review(
        [
            (IDS[0], "alice", "include", "", TIMES[0]),
            (IDS[0], "bob", "exclude", "off topic", TIMES[1]),
            (IDS[1], "bob", "include", "", TIMES[1]),
        ]
    )
    alice = review.visible_screening(r, "alice")
    assert set(alice[IDS[0]]) == {"alice", "bob"}  # both screened it: revealed
    assert IDS[1] not in alice  # only bob screened it: hidden from alice
    assert review.hidden_count(r, "alice") == 1
    assert review.visible_screening(r, "bob")[IDS[1]] == {"bob": r.decision_of(IDS[1], "bob")}
    unblinded = make_review(r.decisions, unblinded_at=TIMES[2], unblinded_by="bob")
    assert set(review.visible_screening(unblinded, "alice")[IDS[1]]) == {"bob"}
    assert review.hidden_count(unblinded, "alice") == 0


def test_conflicts_and_outcomes():
    r = make_review(
        [
            (IDS[0], "alice", "include", "", TIMES[0]),
            (IDS[0], "bob", "exclude", "off topic", TIMES[1]),
            (IDS[1], "alice", "maybe", "", TIMES[0]),
            (IDS[1], "bob", "maybe", "", TIMES[0]),
            (IDS[2], "alice", "exclude", "not empirical", TIMES[0]),
            (IDS[2], "bob", "exclude", "off topic", TIMES[0]),
            (IDS[3], "alice", "include", "", TIMES[0]),
            (IDS[3], "bob", "include", "", TIMES[0]),
            (IDS[4], "alice", "exclude", "", TIMES[0]),
        ]
    )
    found = review.conflicts(r, "alice")
    assert [(c.paper, c.kind) for c in found] == [(IDS[0], "disagree"), (IDS[1], "maybe")]
    assert found[0].decisions["bob"].reason == "off topic"
    outcome = review.outcomes(r)
    assert outcome[IDS[0]] == ("conflict", "")
    assert outcome[IDS[2]] == ("exclude", "off topic")  # a tie: the reason listed first
    assert outcome[IDS[3]] == ("include", "")
    assert outcome[IDS[4]] == ("awaiting", "")
    settled = r.with_decision(Decision(IDS[0], "carol", "exclude", "off topic", TIMES[3], True))
    assert [c.paper for c in review.conflicts(settled, "alice")] == [IDS[1]]
    assert [c.paper for c in review.conflicts(settled, "alice", resolved=True)] == [IDS[0], IDS[1]]
    assert review.outcomes(settled)[IDS[0]] == ("exclude", "off topic")
    # A final decision is nobody's screening: carol did not become a reviewer.
    assert settled.everyone() == ("alice", "bob")


def test_agreement_figures_rest_on_papers_everyone_screened():
    decisions = []
    alice = ["include", "include", "exclude", "exclude", "maybe", "include"]
    bob = ["include", "exclude", "exclude", "exclude", "include", "include"]
    for n, (x, y) in enumerate(zip(alice, bob, strict=True)):
        decisions.append((IDS[n], "alice", x, "off topic" if x == "exclude" else "", TIMES[0]))
        decisions.append((IDS[n], "bob", y, "", TIMES[1]))
    decisions.append((IDS[6], "alice", "include", "", TIMES[0]))  # bob has not screened it
    figures = review.agreement(make_review(decisions), "alice")
    assert figures.papers_compared == 6
    assert figures.percent_agreement == pytest.approx(100 * 4 / 6, abs=0.01)
    assert figures.cohen_kappa == pytest.approx(cohen_kappa_score(alice, bob))
    data = figures.to_json()
    assert {"papers_compared", "percent_agreement", "cohen_kappa"} <= set(data)
    assert "fleiss_kappa" not in data
    counts = {c.by: c for c in figures.counts}
    assert (counts["alice"].screened, counts["alice"].include) == (7, 4)
    assert (counts["bob"].screened, counts["bob"].hidden) == (6, 0)
    assert figures.reasons["off topic"]["alice"] == 2
    assert figures.reasons[""]["bob"] == 3  # bob excluded three times without a reason


def test_three_reviewers_get_fleiss_kappa_and_pairs():
    rows = [
        ("include", "include", "include"),
        ("include", "exclude", "include"),
        ("exclude", "exclude", "exclude"),
        ("maybe", "exclude", "exclude"),
        ("include", "include", "exclude"),
    ]
    decisions = [
        (IDS[n], person, label, "", TIMES[0])
        for n, row in enumerate(rows)
        for person, label in zip(("alice", "bob", "carol"), row, strict=True)
    ]
    figures = review.agreement(make_review(decisions, ("alice", "bob", "carol")), "carol")
    table = np.array([[row.count(k) for k in LABELS] for row in rows])
    assert figures.fleiss_kappa == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))
    assert figures.percent_agreement == 40.0
    data = figures.to_json()
    assert "fleiss_kappa" in data and "cohen_kappa" not in data
    pair = next(p for p in figures.pairs if (p.a, p.b) == ("alice", "bob"))
    alice, bob = [r[0] for r in rows], [r[1] for r in rows]
    assert pair.cohen_kappa == pytest.approx(cohen_kappa_score(alice, bob))


# ----------------------------------------------------------------------- PRISMA


def test_identification_from_the_library_history():
    papers = {
        "a": Paper("a", "A", sources=(Source("db1.bib", 0), Source("db2.ris", 3))),
        "b": Paper("b", "B", sources=(Source("db1.bib", 1),)),
        "c": Paper("c", "C", sources=(Source("db2.ris", 0), Source("db2.ris", 1))),
        "d": Paper("d", "D", sources=(Source("db1.bib", 2),)),
        "e": Paper("e", "E", sources=(Source("other.txt", 0),)),
    }
    ident = identify(papers, ["a", "b", "c"])
    assert ident.sources == (("db1.bib", 3), ("db2.ris", 3))
    assert ident.records == 6
    assert ident.duplicates == 2  # a twice, c twice: 6 records, 4 papers
    assert ident.not_matching == 1  # d came from db1.bib but did not match


def test_prisma_counts_rows_and_the_apps_csv():
    r = make_review(
        [
            (IDS[0], "alice", "exclude", "off topic", TIMES[0]),
            (IDS[0], "bob", "exclude", "off topic", TIMES[0]),
            (IDS[1], "alice", "exclude", "", TIMES[0]),
            (IDS[1], "bob", "exclude", "", TIMES[0]),
            (IDS[2], "alice", "include", "", TIMES[0]),
            (IDS[2], "bob", "include", "", TIMES[0]),
            (IDS[3], "alice", "include", "", TIMES[0]),
            (IDS[3], "bob", "exclude", "not empirical", TIMES[0]),
            Decision(IDS[4], "alice", "exclude", "not empirical", TIMES[1], True),
        ]
    )
    counts = review.prisma_counts(r)
    assert (counts.screened, counts.excluded, counts.included) == (8, 3, 1)
    assert (counts.conflicts, counts.awaiting) == (1, 3)
    assert counts.excluded_by_reason == {"off topic": 1, "not empirical": 1, "no reason given": 1}
    assert ("  not empirical", "1") in prisma_rows(counts)
    rows = list(csv.reader(io.StringIO(review.prisma_csv(counts))))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_data = {row[0]: row[-1] for row in rows[1:] if row[0] != "NA"}
    assert by_data["database_results"] == "10"
    assert by_data["database_specific_results"] == "search.bib, 10"
    assert (by_data["duplicates"], by_data["excluded_other"]) == ("1", "1")
    assert (by_data["records_screened"], by_data["records_excluded"]) == ("8", "3")
    assert by_data["total_studies"] == "1"
    # Every row of the app's template, in its order, with the same 8 columns.
    assert all(len(row) == 8 for row in rows)
    assert [row[0] for row in rows[1:6]] == [
        "NA", "previous_studies", "previous_reports", "NA", "database_results"
    ]  # fmt: skip
    diagram = review.flow_diagram(counts)
    assert "Records screened (n = 8)" in diagram and "off topic: 1" in diagram
    assert max(len(line) for line in diagram.splitlines()) <= 78


# ----------------------------------------------------------------------- merging sections

decision_st = st.builds(
    dict,
    paper=st.sampled_from(IDS[:4]),
    by=st.sampled_from(PEOPLE),
    decision=st.sampled_from(LABELS),
    reason=st.sampled_from(["", "off topic", "not empirical"]),
    at=st.sampled_from(TIMES),
    final=st.booleans(),
).map(lambda d: {**d, "decision": "include"} if d["final"] and d["decision"] == "maybe" else d)

section_st = st.builds(
    dict,
    name=st.just("sr"),
    criteria=st.sampled_from(["", "Include: RL", "Include: DPO"]),
    reasons=st.lists(st.sampled_from(["off topic", "not empirical", "duplicate"]), unique=True),
    reviewers=st.lists(st.sampled_from(PEOPLE), unique=True),
    papers=st.just(list(IDS[:4])),
    created=st.sampled_from(["", *TIMES[:2]]),
    created_by=st.sampled_from(PEOPLE),
    defined_at=st.sampled_from(["", *TIMES]),
    unblinded_at=st.sampled_from(["", "", *TIMES]),
    unblinded_by=st.sampled_from(["", *PEOPLE]),
    decisions=st.lists(decision_st, max_size=12),
)


@settings(max_examples=200, deadline=None)
@given(section_st, section_st, section_st)
def test_merging_review_sections_is_a_semilattice(a, b, c):
    m = share.merge_review
    assert m(a, b) == m(b, a)
    assert m(m(a, b), c) == m(a, m(b, c))
    assert m(a, a) == share.canonical_review(a)
    assert m(m(a, b), b) == m(a, b)


@settings(max_examples=200, deadline=None)
@given(st.lists(section_st, min_size=1, max_size=4))
def test_no_decision_is_lost_or_misattributed(sections):
    merged = sections[0]
    for s in sections[1:]:
        merged = share.merge_review(merged, s)
    merged = share.canonical_review(merged)
    kept = {(d["paper"], d["by"], d["final"]): d for d in merged["decisions"]}
    for s in sections:
        for d in s["decisions"]:
            key = (d["paper"], d["by"], d["final"])
            assert key in kept  # every person's decision on every paper survives...
            newest = kept[key]
            assert newest["by"] == d["by"]  # ...credited to that person...
            assert newest["at"] >= d["at"]  # ...as the newest they made
    every = {(d["paper"], d["by"], d["final"]) for s in sections for d in s["decisions"]}
    assert set(kept) == every  # and nothing appears that nobody decided


def test_two_different_reviews_are_never_mixed():
    with pytest.raises(PapersiftError, match="two different reviews"):
        share.merge_review({"name": "a"}, {"name": "b"})


# ----------------------------------------------------------------------- the file format


def _list_with_review(section: dict) -> dict:
    papers = [{"id": pid, "title": f"Paper {pid}"} for pid in IDS]
    return {"format": share.FORMAT_NAME, "version": 2, "name": "n", "papers": papers,
            "review": section}  # fmt: skip


def test_review_section_round_trips_and_is_checked():
    section = {
        "name": "sr",
        "papers": list(IDS[:2]),
        "decisions": [{"paper": IDS[0], "by": "bob", "decision": "exclude", "reason": "x",
                       "at": "2024-03-13T10:00:00+01:00"}],
    }  # fmt: skip
    data = share.load_list(json.dumps(_list_with_review(section)), "l.json")
    assert data["review"]["decisions"][0]["at"] == "2024-03-13T09:00:00Z"
    assert data["review"]["decisions"][0]["final"] is False
    assert share.load_list(share.dumps_list(data).decode(), "again.json") == data
    bad = _list_with_review({**section, "papers": ["ffffffffffff"]})
    with pytest.raises(PapersiftError, match=r"\$\.review\.papers\[0\]: .*not one of the list"):
        share.load_list(json.dumps(bad), "l.json")
    bad = _list_with_review(
        {**section, "decisions": [{**section["decisions"][0], "paper": IDS[3]}]}
    )
    with pytest.raises(PapersiftError, match=r"decisions\[0\]\.paper: .*not one of the review"):
        share.load_list(json.dumps(bad), "l.json")
    final_maybe = {**section["decisions"][0], "decision": "maybe", "final": True}
    bad = _list_with_review({**section, "decisions": [final_maybe]})
    with pytest.raises(PapersiftError, match="cannot be a final decision"):
        share.load_list(json.dumps(bad), "l.json")
    bad = _list_with_review(
        {**section, "decisions": [{**section["decisions"][0], "decision": "y"}]}
    )
    with pytest.raises(PapersiftError, match=r"\$\.review\.decisions\[0\]\.decision: expected one"):
        share.load_list(json.dumps(bad), "l.json")
    v1 = {**_list_with_review(section), "version": 1}
    with pytest.raises(PapersiftError, match=r"\$\.review: unknown field"):
        share.load_list(json.dumps(v1), "old.json")  # version 1 never had one


def test_version_1_files_read_as_before():
    """The shipped v1 sample and the v1 schema: read, migrated, nothing else changed."""
    raw = (SAMPLE_DATA / "reading-list-alignment.json").read_text(encoding="utf-8")
    assert json.loads(raw)["version"] == 1
    data = share.load_list(raw, "old.json")
    assert data["version"] == 2 and "review" not in data
    old = json.loads(raw)
    assert {k: v for k, v in data.items() if k != "version"} == {
        k: v for k, v in old.items() if k != "version"
    }
    v1_schema = REPO / "src" / "papersift" / "schemas" / "reading-list-v1.schema.json"
    assert json.loads(v1_schema.read_text())["properties"]["version"] == {"const": 1}


def test_review_name_and_reasons_are_checked(tmp_path: Path):
    r = make_review([])
    assert r.reason_for("2") == "not empirical"
    assert r.reason_for("OFF TOPIC") == "off topic"
    assert r.reason_for("") == ""
    with pytest.raises(PapersiftError, match="no exclusion reason 'nope'.*1: off topic"):
        r.reason_for("nope")
    with pytest.raises(PapersiftError, match="review name"):
        review.definition.check_name("two\nlines")
