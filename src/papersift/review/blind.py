"""Blind mode: whose decisions a reviewer may see.

Each reviewer screens without seeing the others' decisions (as Rayyan's and Covidence's
blind mode). A paper's decisions are revealed to everyone once every reviewer has
screened it, or for every paper once someone lifts blind mode (`Review.unblinded_at`,
which travels in the shared file with who lifted it). One's own decisions and final
decisions are always shown.
"""

from __future__ import annotations

from papersift.review.definition import Decision, Review


def screened_by_all(review: Review) -> frozenset[str]:
    """Papers every reviewer has screened (their decisions are revealed, blind or not)."""
    everyone = set(review.everyone())
    return frozenset(
        paper
        for paper, by_person in review.screening().items()
        if everyone and everyone <= set(by_person)
    )


def revealed(review: Review, paper: str) -> bool:
    """Whether the others' decisions on `paper` may be shown."""
    return not review.blind or paper in screened_by_all(review)


def visible_screening(review: Review, me: str) -> dict[str, dict[str, Decision]]:
    """The screening decisions `me` may see: paper -> reviewer -> decision."""
    done = screened_by_all(review)
    out: dict[str, dict[str, Decision]] = {}
    for paper, by_person in review.screening().items():
        if not review.blind or paper in done:
            out[paper] = dict(by_person)
        elif me in by_person:
            out[paper] = {me: by_person[me]}
    return out


def hidden_count(review: Review, me: str) -> int:
    """How many of the others' decisions blind mode hides from `me` now."""
    visible = visible_screening(review, me)
    return sum(
        1
        for paper, by_person in review.screening().items()
        for by in by_person
        if by not in visible.get(paper, {})
    )
