"""The ranking's parts on the filter path (issue #13): the detail pane's "most similar
relevant paper" from rows unpacked once per ranking, `by_id` built in slices, and the
background fit's one `gc.freeze()`; each checked against the plain computation."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from papersift import actions
from papersift.ranking import ranker as ranker_module
from papersift.ranking.live import LiveRanking
from papersift.ranking.ranker import Ranker, Ranking


def _ranking(library, relevant: int = 6, irrelevant: int = 6) -> Ranking:
    ids = sorted(library.papers)
    actions.set_starred(library, ids[:relevant], True)
    actions.set_status(library, ids[relevant : relevant + irrelevant], "discarded")
    ranker = Ranker(library.rank_cache)
    ranker.prepare(library.papers)
    ranking = ranker.rank(dict(library.triage))
    assert ranking is not None
    return ranking


def _brute_force(ranking: Ranking, paper_id: str) -> tuple[str | None, float]:
    """The cosine against every other relevant paper, one pair at a time."""
    space = ranking.space
    mine = space.matrix[space.row[paper_id]].toarray().ravel()
    best: tuple[str | None, float] = (None, 0.0)
    for pid, label in ranking.labels.items():
        if not label or pid == paper_id:
            continue
        sim = float(np.float32(space.matrix[space.row[pid]].toarray().ravel() @ mine))
        if best[0] is None or sim > best[1]:
            best = (pid, sim)
    return best


def test_most_similar_relevant_is_the_brute_force_answer(sample_library) -> None:
    ranking = _ranking(sample_library)
    relevant = [pid for pid, label in ranking.labels.items() if label]
    undecided = ranking.undecided[:25]
    for pid in undecided + relevant:
        got_id, got_sim = ranking.most_similar_relevant(pid)
        want_id, want_sim = _brute_force(ranking, pid)
        assert got_id != pid, "a relevant paper is never its own most similar"
        assert got_sim == pytest.approx(want_sim, rel=1e-5, abs=1e-6)
        # Ties may pick either paper, but it is a relevant one with that cosine.
        if got_id != want_id:
            assert ranking.labels.get(got_id) == 1
            space = ranking.space
            pair = space.matrix[space.row[got_id]] @ space.matrix[space.row[pid]].T
            assert float(pair.toarray()[0, 0]) == pytest.approx(got_sim, rel=1e-5)
    # The rows are unpacked once for the ranking, not per question.
    assert ranking.relevant_rows is ranking.relevant_rows
    assert ranking.relevant_rows[0] == relevant


def test_the_only_relevant_paper_has_no_similar_one(sample_library) -> None:
    ranking = _ranking(sample_library, relevant=1, irrelevant=3)
    (only,) = [pid for pid, label in ranking.labels.items() if label]
    assert ranking.most_similar_relevant(only) == (None, 0.0)
    other = ranking.undecided[0]
    assert ranking.most_similar_relevant(other)[0] == only
    assert ranking.most_similar_relevant("no-such-paper") == (None, 0.0)


def test_by_id_built_in_slices_holds_every_score(sample_library, monkeypatch) -> None:
    # Slices of 7: the sample's few hundred papers cross dozens of slice edges.
    monkeypatch.setattr(ranker_module, "_BY_ID_SLICE", 7)
    ranking = _ranking(sample_library)
    space = ranking.space
    assert list(ranking.by_id) == space.ids
    assert ranking.by_id == dict(zip(space.ids, ranking.values.tolist(), strict=True))


@pytest.mark.parametrize("freeze", [False, True])
def test_live_ranking_freezes_once_when_asked(sample_library, monkeypatch, freeze) -> None:
    calls: list[int] = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(1))
    ids = sorted(sample_library.papers)
    actions.set_starred(sample_library, ids[:2], True)
    actions.set_status(sample_library, ids[2:4], "discarded")
    live = LiveRanking(sample_library, freeze_gc=freeze)
    for _ in range(3):
        assert live.request()
        live.run()
    assert live.current is not None
    # Warmed in the worker, so the UI thread's first explanation costs no unpacking.
    assert "relevant_rows" in vars(live.current)
    assert len(calls) == (1 if freeze else 0)
