"""Simulated screening of a labelled review, the way `asreview simulate` does it.

Starting from a few prior decisions, the loop fits the model on what is labelled,
picks the next record as triage mode would (`screening.pick_next`), asks the oracle
for its label, and repeats until every record is labelled. The order it produces is
scored with `metrics` (WSS@95, recall@10%).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from papersift.models import PapersiftError
from papersift.ranking.features import PaperText, build_space
from papersift.ranking.metrics import recall_at, wss_at
from papersift.ranking.model import fit, rank_order, scores
from papersift.ranking.screening import DEFAULT_EXPLORE_KIND, pick_next
from papersift.ranking.settings import ModelSpec

__all__ = ["SimulationResult", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """What a simulated screening did: the order of the records, with their labels."""

    #: Record ids in the order they were screened, priors left out.
    order: tuple[str, ...]
    #: Their labels, in the same order.
    labels: tuple[int, ...]
    priors: tuple[str, ...]

    def wss(self, recall: float = 0.95) -> float:
        """Work saved over sampling at `recall`."""
        return wss_at(self.labels, recall)

    def recall(self, share: float) -> float:
        """Share of the relevant found after screening `share` of the records."""
        return recall_at(self.labels, share)


def simulate(
    texts: Sequence[PaperText],
    oracle: Callable[[str], int],
    *,
    prior_included: Sequence[str],
    prior_excluded: Sequence[str],
    spec: ModelSpec,
    seed: int = 0,
    explore: float = 0.0,
    explore_kind: str = DEFAULT_EXPLORE_KIND,
    prior_labels: dict[str, int] | None = None,
    on_step: Callable[[int, int], None] | None = None,
    relevant_total: int | None = None,
) -> SimulationResult:
    """Screen every record of `texts`, asking `oracle(record_id)` for each label.

    `prior_labels` gives the priors' labels when they are known (the file's); else the
    priors are taken as labelled by the option that named them. `on_step(done, total)`
    reports progress. `explore` is the share of ranked picks that are exploration
    picks of `explore_kind`, spaced as triage mode spaces them (`screening.pick_next`).
    Until a relevant and an irrelevant label are known, records are
    taken in a seeded random order.

    `relevant_total`, when the caller knows how many relevant records there are, ends
    the loop once all are found: the rest (all irrelevant) follow in the last model's
    order without asking the oracle, which changes no metric and saves most of the
    time of a benchmark.
    """
    ids = [t.id for t in texts]
    known = set(ids)
    for rid in (*prior_included, *prior_excluded):
        if rid not in known:
            raise PapersiftError(f"prior record_id {rid!r} is not in the file")
    overlap = set(prior_included) & set(prior_excluded)
    if overlap:
        raise PapersiftError(f"record_id {sorted(overlap)[0]!r} is both included and excluded")
    labels: dict[str, int] = {}
    for rid in prior_included:
        labels[rid] = 1 if prior_labels is None else prior_labels.get(rid, 1)
    for rid in prior_excluded:
        labels[rid] = 0 if prior_labels is None else prior_labels.get(rid, 0)
    priors = tuple(labels)
    space = build_space(texts)
    rng = np.random.default_rng(seed)
    random_order = list(rng.permutation(len(ids)))
    unlabelled = np.ones(len(ids), dtype=bool)
    for rid in labels:
        unlabelled[space.row[rid]] = False
    order: list[str] = []
    order_labels: list[int] = []
    total = int(unlabelled.sum())
    found = sum(labels.values())
    last_scores = None
    turn = 0  # ranked picks so far: exploration is spaced over these, as in triage
    while unlabelled.any():
        if relevant_total is not None and found >= relevant_total and last_scores is not None:
            rest = np.flatnonzero(unlabelled)
            for row in rest[rank_order(last_scores[rest])]:
                order.append(ids[row])
                order_labels.append(0)
            break
        values = set(labels.values())
        if values == {0, 1}:
            fitted = fit(space, labels, spec, with_probabilities=False)
            last_scores = scores(fitted, space)
            turn += 1
            row = pick_next(
                last_scores,
                np.flatnonzero(unlabelled),
                explore=explore,
                turn=turn,
                kind=explore_kind,
                rng=rng,
            )
        else:
            row = next(r for r in random_order if unlabelled[r])
        rid = ids[row]
        label = 1 if oracle(rid) else 0
        labels[rid] = label
        unlabelled[row] = False
        found += label
        order.append(rid)
        order_labels.append(label)
        if on_step is not None:
            on_step(len(order), total)
    return SimulationResult(tuple(order), tuple(order_labels), priors)
