"""Conflicts: papers whose revealed decisions disagree or say maybe, and each paper's
outcome (the final decision, else the reviewers' agreed one)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from papersift.review.blind import screened_by_all, visible_screening
from papersift.review.definition import Decision, Review


@dataclass(frozen=True, slots=True)
class Conflict:
    """A paper to settle: who decided what (and why), and the final decision if made."""

    paper: str
    decisions: dict[str, Decision]
    #: "disagree" (different decisions) or "maybe" (everyone agrees but someone is unsure).
    kind: str
    final: Decision | None = None


def _kind(decisions: dict[str, Decision]) -> str | None:
    values = {d.decision for d in decisions.values()}
    if len(values) > 1:
        return "disagree"
    if "maybe" in values:
        return "maybe"
    return None


def conflicts(review: Review, me: str, *, resolved: bool = False) -> list[Conflict]:
    """Papers where the decisions `me` may see disagree or someone said maybe, in the
    review's paper order; settled ones (with a final decision) only with `resolved`."""
    finals = review.finals()
    visible = visible_screening(review, me)
    out = []
    for paper in review.papers:
        decisions = visible.get(paper, {})
        kind = _kind(decisions)
        if kind is None:
            continue
        final = finals.get(paper)
        if final is not None and not resolved:
            continue
        out.append(Conflict(paper, decisions, kind, final))
    return out


def majority_reason(review: Review, decisions: list[Decision]) -> str:
    """The exclusion reason most of `decisions` give; ties go to the reason listed first
    in the review (then alphabetically), so every library counts the same."""
    counts = Counter(d.reason for d in decisions if d.reason)
    if not counts:
        return ""
    order = {r: n for n, r in enumerate(review.reasons)}
    return min(counts, key=lambda r: (-counts[r], order.get(r, len(order)), r))


def outcomes(review: Review) -> dict[str, tuple[str, str]]:
    """Each paper's outcome and exclusion reason: the final decision where there is one;
    else, once every reviewer has screened it, the decision they all agree on; else
    "conflict" (they disagree or said maybe) or "awaiting" (not everyone has screened)."""
    finals = review.finals()
    screening = review.screening()
    done = screened_by_all(review)
    out: dict[str, tuple[str, str]] = {}
    for paper in review.papers:
        if paper in finals:
            out[paper] = (finals[paper].decision, finals[paper].reason)
            continue
        if paper not in done:
            out[paper] = ("awaiting", "")
            continue
        decisions = list(screening[paper].values())
        kind = _kind(screening[paper])
        if kind is not None:
            out[paper] = ("conflict", "")
        else:
            decision = decisions[0].decision
            reason = majority_reason(review, decisions) if decision == "exclude" else ""
            out[paper] = (decision, reason)
    return out
