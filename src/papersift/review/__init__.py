"""Screening as a team, offline: blind decisions, conflicts, agreement, PRISMA counts.

A *review* (`definition.Review`) is a screening of some papers (those a query matched
when it started) by a few reviewers against inclusion criteria, with a list of
exclusion reasons. Each reviewer decides include, exclude (with an optional reason) or
maybe in their own library; the decisions travel in a shared reading list (version 2,
its `review` section) that a team keeps in git, and merge without losing or
misattributing any (`share.merge_review`).

One module per concept: `definition` (the data), `blind` (whose decisions may be
shown), `conflicts` (disagreements and each paper's outcome), `agreement` (percent
agreement, Cohen's and Fleiss' κ, reasons), `prisma` (PRISMA 2020 counts, CSV, flow
diagram) and `workflow` (a review in a library: start, decide, export, join a file).
"""

from papersift.review.agreement import Agreement, agreement, cohen_kappa, fleiss_kappa
from papersift.review.blind import hidden_count, revealed, screened_by_all, visible_screening
from papersift.review.conflicts import Conflict, conflicts, outcomes
from papersift.review.definition import (
    DECISIONS,
    FINAL_DECISIONS,
    Decision,
    Identification,
    Review,
)
from papersift.review.prisma import PrismaCounts, flow_diagram, prisma_counts, prisma_csv
from papersift.review.workflow import (
    DecisionChange,
    JoinReport,
    decide,
    export_review,
    get_review,
    join_file,
    reviews,
    start_review,
    unblind,
    undo_decisions,
)

__all__ = [
    "DECISIONS",
    "FINAL_DECISIONS",
    "Agreement",
    "Conflict",
    "Decision",
    "DecisionChange",
    "Identification",
    "JoinReport",
    "PrismaCounts",
    "Review",
    "agreement",
    "cohen_kappa",
    "conflicts",
    "decide",
    "export_review",
    "fleiss_kappa",
    "flow_diagram",
    "get_review",
    "hidden_count",
    "join_file",
    "outcomes",
    "prisma_counts",
    "prisma_csv",
    "revealed",
    "reviews",
    "screened_by_all",
    "start_review",
    "unblind",
    "undo_decisions",
    "visible_screening",
]
