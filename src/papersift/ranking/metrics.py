"""How well a screening order finds the relevant records: WSS@r and recall@share.

Both take the labels of the records *in the order they were screened* (1 relevant,
0 not) with the prior decisions left out, as ASReview's own metrics do, so
papersift's simulation and ASReview LAB's are scored by the same code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["found_curve", "recall_at", "wss_at"]


def found_curve(labels: Sequence[int]) -> list[int]:
    """Relevant records found after each screened record (a running sum of `labels`)."""
    found: list[int] = []
    total = 0
    for label in labels:
        total += 1 if label else 0
        found.append(total)
    return found


def recall_at(labels: Sequence[int], share: float) -> float:
    """Share of the relevant records found after screening `share` of the records.

    The number screened is rounded up (10% of 1,704 is 171), as in ASReview's metrics.
    Returns 1.0 when there is nothing relevant to find.
    """
    relevant = sum(1 for label in labels if label)
    if relevant == 0:
        return 1.0
    screened = min(len(labels), math.ceil(share * len(labels)))
    return sum(1 for label in labels[:screened] if label) / relevant


def wss_at(labels: Sequence[int], recall: float = 0.95) -> float:
    """Work saved over sampling at `recall`: (N - n)/N - (1 - recall).

    `n` is the number of records screened when the share `recall` of the relevant ones
    has been found (rounded up to whole records). Random reading scores 0 on average;
    a perfect order scores close to `recall` minus the share of relevant records.
    """
    total = len(labels)
    relevant = sum(1 for label in labels if label)
    if total == 0 or relevant == 0:
        return 0.0
    needed = math.ceil(recall * relevant)
    found = 0
    for screened, label in enumerate(labels, start=1):
        found += 1 if label else 0
        if found >= needed:
            return (total - screened) / total - (1.0 - recall)
    return -(1.0 - recall)  # unreachable: all relevant are found by the end
