"""The review's inclusion criteria and exclusion reasons, beside the paper being screened."""

from __future__ import annotations

from textual.widgets import Static

from papersift.review import Review
from papersift.tui.safe_text import plain


class CriteriaPanel(Static):
    """Criteria text and numbered reasons of a review (data: never markup)."""

    def show_review(self, review: Review) -> None:
        lines = [f"Review: {review.name}", ""]
        lines.append(review.criteria or "(no criteria text)")
        if review.reasons:
            lines += ["", "Exclusion reasons (d, then):"]
            lines += [f"  {n}  {reason}" for n, reason in enumerate(review.reasons[:9], 1)]
        self.update(plain("\n".join(lines), multiline=True))
