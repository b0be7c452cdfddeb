"""Agreement between reviewers: counts, percent agreement, Cohen's and Fleiss' κ, and
the exclusion reasons each reviewer gave.

Figures rest on the papers every reviewer has screened (`papers_compared`), which blind
mode reveals to everyone, so they can be shown blind or not. κ is None where it is
undefined (every decision in one category: chance agreement is 1). The formulas are
the textbook ones, checked in the tests against scikit-learn's `cohen_kappa_score` and
statsmodels' `fleiss_kappa`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from papersift.review.blind import screened_by_all, visible_screening
from papersift.review.definition import DECISIONS, Review


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's κ of two raters' labels for the same items (None if undefined)."""
    if len(a) != len(b):
        raise ValueError("the two raters must label the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' κ of an items × categories table of counts, every item rated by the same
    number of raters (None if undefined)."""
    rows = [list(r) for r in table if sum(r)]
    if not rows:
        return None
    raters = sum(rows[0])
    if raters < 2 or any(sum(r) != raters for r in rows):
        raise ValueError("every item needs the same number (two or more) of ratings")
    items = len(rows)
    per_item = [(sum(c * c for c in r) - raters) / (raters * (raters - 1)) for r in rows]
    observed = sum(per_item) / items
    shares = [sum(r[j] for r in rows) / (items * raters) for j in range(len(rows[0]))]
    expected = sum(p * p for p in shares)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True, slots=True)
class ReviewerCounts:
    """One reviewer's decisions: `screened` counts all, the rest what `me` may see."""

    by: str
    screened: int
    include: int = 0
    exclude: int = 0
    maybe: int = 0
    hidden: int = 0


@dataclass(frozen=True, slots=True)
class PairAgreement:
    a: str
    b: str
    papers_compared: int
    percent_agreement: float | None
    cohen_kappa: float | None


@dataclass(frozen=True)
class Agreement:
    """The figures of `review stats`."""

    reviewers: tuple[str, ...]
    papers: int
    papers_compared: int
    percent_agreement: float | None
    cohen_kappa: float | None
    fleiss_kappa: float | None
    counts: tuple[ReviewerCounts, ...]
    pairs: tuple[PairAgreement, ...]
    #: reason -> reviewer -> excludes with that reason ("" = no reason given); the
    #: "final" column counts final decisions.
    reasons: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "reviewers": list(self.reviewers),
            "papers": self.papers,
            "papers_compared": self.papers_compared,
            "percent_agreement": self.percent_agreement,
        }
        if len(self.reviewers) == 2:
            data["cohen_kappa"] = self.cohen_kappa
        elif len(self.reviewers) > 2:
            data["fleiss_kappa"] = self.fleiss_kappa
        data["pairs"] = [
            {
                "reviewers": [p.a, p.b],
                "papers_compared": p.papers_compared,
                "percent_agreement": p.percent_agreement,
                "cohen_kappa": p.cohen_kappa,
            }
            for p in self.pairs
        ]
        data["per_reviewer"] = [
            {
                "reviewer": c.by,
                "screened": c.screened,
                "include": c.include,
                "exclude": c.exclude,
                "maybe": c.maybe,
                "hidden": c.hidden,
            }
            for c in self.counts
        ]
        data["reasons"] = [
            {"reason": reason, "counts": counts} for reason, counts in self.reasons.items()
        ]
        return data


def _percent(agree: int, total: int) -> float | None:
    return round(100 * agree / total, 2) if total else None


def agreement(review: Review, me: str) -> Agreement:
    """Agreement figures for `review` as `me` may see them (see the module docstring)."""
    reviewers = review.everyone()
    screening = review.screening()
    visible = visible_screening(review, me)
    compared = [p for p in review.papers if p in screened_by_all(review)]
    counts = []
    for by in reviewers:
        mine = [d[by] for d in screening.values() if by in d]
        seen = [d[by] for d in visible.values() if by in d]
        tally = Counter(d.decision for d in seen)
        counts.append(
            ReviewerCounts(
                by=by,
                screened=len(mine),
                include=tally["include"],
                exclude=tally["exclude"],
                maybe=tally["maybe"],
                hidden=len(mine) - len(seen),
            )
        )
    labels = {by: [screening[p][by].decision for p in compared] for by in reviewers}
    agree = sum(len({screening[p][by].decision for by in reviewers}) == 1 for p in compared)
    pairs = []
    for a, b in combinations(reviewers, 2):
        both = [p for p in review.papers if a in visible.get(p, {}) and b in visible.get(p, {})]
        la = [screening[p][a].decision for p in both]
        lb = [screening[p][b].decision for p in both]
        same = sum(x == y for x, y in zip(la, lb, strict=True))
        pairs.append(PairAgreement(a, b, len(both), _percent(same, len(both)), cohen_kappa(la, lb)))
    cohen = fleiss = None
    if len(reviewers) == 2 and compared:
        cohen = cohen_kappa(labels[reviewers[0]], labels[reviewers[1]])
    if len(reviewers) > 2 and compared:
        table = [
            [sum(screening[p][by].decision == k for by in reviewers) for k in DECISIONS]
            for p in compared
        ]
        fleiss = fleiss_kappa(table)
    reasons: dict[str, dict[str, int]] = {}
    for reason in (*review.reasons, ""):
        reasons[reason] = {by: 0 for by in (*reviewers, "final")}
    for by_person in visible.values():
        for by, d in by_person.items():
            if d.decision == "exclude":
                reasons.setdefault(d.reason, {b: 0 for b in (*reviewers, "final")})[by] += 1
    for d in review.finals().values():
        if d.decision == "exclude":
            reasons.setdefault(d.reason, {b: 0 for b in (*reviewers, "final")})["final"] += 1
    return Agreement(
        reviewers=reviewers,
        papers=len(review.papers),
        papers_compared=len(compared),
        percent_agreement=_percent(agree, len(compared)),
        cohen_kappa=cohen,
        fleiss_kappa=fleiss,
        counts=tuple(counts),
        pairs=tuple(pairs),
        reasons=reasons,
    )
