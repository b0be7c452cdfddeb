"""Screening with the model: which paper next, how far along, and when to stop.

The TUI's triage mode, `papersift rank simulate` and the benchmark all pick the next
paper with `pick_next` and judge progress with `progress`, so a simulation measures
exactly what a user gets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from papersift.ranking.settings import DEFAULT_STOP, StopRule

__all__ = [
    "DEFAULT_STOP",
    "Progress",
    "StopRule",
    "pick_next",
    "progress",
]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a screening stands."""

    screened: int
    relevant: int
    irrelevant: int
    #: Irrelevant decisions since the last relevant one (in decision order).
    in_a_row: int
    total: int
    #: Relevant papers the model expects among the unscreened (sum of probabilities).
    expected_left: float | None
    #: Relevant found after each decision, in order: the curve of the chart.
    curve: tuple[int, ...]
    stop_met: bool

    @property
    def share(self) -> float:
        """Share of the papers screened."""
        return self.screened / self.total if self.total else 0.0


def progress(
    decisions: Sequence[int],
    total: int,
    *,
    probabilities_left: Sequence[float] | np.ndarray | None = None,
    expected_left: float | None = None,
    rule: StopRule = DEFAULT_STOP,
) -> Progress:
    """Progress of a screening from its decisions in order (1 relevant, 0 not).

    `total` counts every paper being screened, decided or not; `probabilities_left` are
    the model's probabilities for the undecided ones (or `expected_left` their sum).
    """
    curve: list[int] = []
    found = 0
    in_a_row = 0
    for label in decisions:
        if label:
            found += 1
            in_a_row = 0
        else:
            in_a_row += 1
        curve.append(found)
    expected = expected_left
    if probabilities_left is not None:
        expected = float(np.sum(np.asarray(probabilities_left, dtype=np.float64)))
    screened = len(decisions)
    return Progress(
        screened=screened,
        relevant=found,
        irrelevant=screened - found,
        in_a_row=in_a_row,
        total=total,
        expected_left=expected,
        curve=tuple(curve),
        stop_met=rule.met(screened, total, in_a_row),
    )


def pick_next(
    scores: np.ndarray,
    candidates: np.ndarray,
    *,
    explore: float = 0.0,
    rng: np.random.Generator | None = None,
) -> int:
    """The row to screen next among `candidates` (row numbers): the top-scored one.

    With `explore` > 0, that share of picks is instead drawn at random from the
    candidates, so papers unlike the ones marked so far get seen too (against the
    filter bubble). Ties go to the lower row: picks are deterministic for a seed.
    """
    if len(candidates) == 0:
        raise ValueError("no candidates left")
    if explore > 0 and rng is not None and rng.random() < explore:
        return int(candidates[rng.integers(len(candidates))])
    values = scores[candidates]
    best = np.flatnonzero(values == values.max())
    return int(candidates[best[0]])
