"""PRISMA 2020 counts from the library's own history, the CSV the PRISMA2020
flow-diagram app reads, and the flow as a text diagram.

Identification comes from the library when the review starts (`identify`): the records
read from each source file that gave the review a paper (every `Source` of every paper
is one record read), the duplicates dedupe merged away (records minus the distinct
papers they became) and the papers left out because they did not match the review's
query ("records removed for other reasons"). It is stored with the review, so every
library the review travels to reports the same. Screening comes from the decisions
(`conflicts.outcomes`): screened, excluded (by reason), included, and what is still
awaiting a decision or in conflict.

The CSV is the template of the PRISMA2020 R package and Shiny app (Haddaway et al.,
`inst/extdata/PRISMA.csv`): columns `data,node,box,description,boxtext,tooltips,url,n`,
one row per box, our figures in `n`. papersift screens titles and abstracts only, so the
report stages after it (sought, assessed, included) carry the included count forward
and `dbr_excluded` is left for the full-text screening to fill.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from papersift.models import Paper
from papersift.review.conflicts import outcomes
from papersift.review.definition import Identification, Review

NO_REASON = "no reason given"


def identify(papers: Mapping[str, Paper], review_ids: Iterable[str]) -> Identification:
    """The identification stage for a review of `review_ids` over the library `papers`."""
    chosen = set(review_ids)
    files = {s.file for pid in chosen if pid in papers for s in papers[pid].sources}
    records: Counter[str] = Counter()
    from_files = 0
    for paper in papers.values():
        mine = [s for s in paper.sources if s.file in files]
        if mine:
            from_files += 1
            records.update(s.file for s in mine)
    total = sum(records.values())
    return Identification(
        sources=tuple(sorted(records.items())),
        duplicates=total - from_files,
        not_matching=from_files - len(chosen & set(papers)),
    )


@dataclass(frozen=True)
class PrismaCounts:
    """The flow's figures."""

    sources: tuple[tuple[str, int], ...]
    records: int
    duplicates: int
    not_matching: int
    screened: int
    excluded: int
    included: int
    awaiting: int
    conflicts: int
    excluded_by_reason: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "identified": [{"file": f, "records": n} for f, n in self.sources],
            "records": self.records,
            "duplicates": self.duplicates,
            "not_matching": self.not_matching,
            "screened": self.screened,
            "excluded": self.excluded,
            "excluded_by_reason": dict(self.excluded_by_reason),
            "included": self.included,
            "awaiting": self.awaiting,
            "conflicts": self.conflicts,
        }


def prisma_counts(review: Review) -> PrismaCounts:
    """The PRISMA figures of a review now."""
    ident = review.identification
    tally: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for decision, reason in outcomes(review).values():
        tally[decision] += 1
        if decision == "exclude":
            reasons[reason or NO_REASON] += 1
    order = {r: n for n, r in enumerate((*review.reasons, NO_REASON))}
    by_reason = dict(sorted(reasons.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    return PrismaCounts(
        sources=ident.sources,
        records=ident.records,
        duplicates=ident.duplicates,
        not_matching=ident.not_matching,
        screened=len(review.papers),
        excluded=tally["exclude"],
        included=tally["include"],
        awaiting=tally["awaiting"],
        conflicts=tally["conflict"],
        excluded_by_reason=by_reason,
    )


def prisma_rows(counts: PrismaCounts) -> list[tuple[str, str]]:
    """The table `review prisma` prints: (what, how many)."""
    rows = [("Records identified", str(counts.records))]
    rows += [(f"  from {f}", str(n)) for f, n in counts.sources]
    rows += [
        ("Duplicate records removed", str(counts.duplicates)),
        ("Records removed: not matching the review's query", str(counts.not_matching)),
        ("Records screened", str(counts.screened)),
        ("Records excluded", str(counts.excluded)),
    ]
    rows += [(f"  {reason}", str(n)) for reason, n in counts.excluded_by_reason.items()]
    rows += [
        ("Records included", str(counts.included)),
        ("Still to decide (not everyone has screened)", str(counts.awaiting)),
        ("In conflict (to resolve)", str(counts.conflicts)),
    ]
    return rows


#: The PRISMA2020 template's rows: (data, node, box, description, boxtext, tooltips, url).
TEMPLATE: tuple[tuple[str, ...], ...] = (
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies",
     "Grey title box; Previous studies", "prevstud.html"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review",
     "Studies included in previous version of review", "previous_studies.html"),
    ("previous_reports", "NA", "box1",
     "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review", "NA",
     "previous_reports.html"),
    ("NA", "node6", "newstud",
     "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers",
     "Yellow title box; Identification of new studies via databases and registers",
     "newstud.html"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases",
     "Records identified from: Databases and Registers", "database_results.html"),
    ("database_specific_results", "NA", "box2",
     "Records identified from: specific databases", "Specific Databases", "NA",
     "database_results.html"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers",
     "NA", "NA"),
    ("register_specific_results", "NA", "box2",
     "Records identified from: specific registers", "Specific Registers", "NA",
     "database_results.html"),
    ("NA", "node16", "othstud",
     "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods",
     "Grey title box; Identification of new studies via other methods", "othstud.html"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites",
     "Records identified from: Websites, Organisations and Citation Searching",
     "website_results.html"),
    ("organisation_results", "", "box11", "Records identified from: Organisations",
     "Organisations", "NA", "NA"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching",
     "Citation searching", "NA", "NA"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records",
     "Duplicate records", "duplicates.html"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools", "NA", "NA"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons",
     "Records removed for other reasons", "NA", "NA"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)",
     "Records screened", "Records screened (databases and registers)",
     "records_screened.html"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)",
     "Records excluded", "Records excluded (databases and registers)",
     "records_excluded.html"),
    ("dbr_sought_reports", "node11", "box6",
     "Reports sought for retrieval (databases and registers)", "Reports sought for retrieval",
     "Reports sought for retrieval (databases and registers)", "dbr_sought_reports.html"),
    ("dbr_notretrieved_reports", "node12", "box7",
     "Reports not retrieved (databases and registers)", "Reports not retrieved",
     "Reports not retrieved (databases and registers)", "dbr_notretrieved_reports.html"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)",
     "Reports sought for retrieval", "Reports sought for retrieval (other)",
     "other_sought_reports.html"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)",
     "Reports not retrieved", "Reports not retrieved (other)",
     "other_notretrieved_reports.html"),
    ("dbr_assessed", "node13", "box8",
     "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility",
     "Reports assessed for eligibility (databases and registers)", "dbr_assessed.html"),
    ("dbr_excluded", "node14", "box9",
     "Reports excluded (databases and registers): [separate reasons and numbers using ; "
     "e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",
     "Reports excluded", "Reports excluded (databases and registers)",
     "dbrexcludedrecords.html"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)",
     "Reports assessed for eligibility", "Reports assessed for eligibility (other)",
     "other_assessed.html"),
    ("other_excluded", "node21", "box15",
     "Reports excluded (other): [separate reasons and numbers using ; e.g. Reason1, xxx; "
     "Reason2, xxx; Reason3, xxx]",
     "Reports excluded", "Reports excluded (other)", "other_excluded.html"),
    ("new_studies", "node15", "box10", "New studies included in review",
     "New studies included in review", "New studies included in review", "new_studies.html"),
    ("new_reports", "NA", "box10", "Reports of new included studies",
     "Reports of new included studies", "NA", "NA"),
    ("total_studies", "node22", "box16", "Total studies included in review",
     "Total studies included in review", "Total studies included in review",
     "total_studies.html"),
    ("total_reports", "NA", "box16", "Reports of total included studies",
     "Reports of total included studies", "NA", "NA"),
    ("identification", "node1", "identification", "Blue identification box",
     "Identification", "Blue identification box", "identification.html"),
    ("screening", "node2", "screening", "Blue screening box", "Screening",
     "Blue screening box", "screening.html"),
    ("included", "node3", "included", "Blue included box", "Included", "Blue included box",
     "included.html"),
)  # fmt: skip

CSV_COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")


def _source_list(pairs: Iterable[tuple[str, int]]) -> str:
    # The app splits "Name, n; Name, n" on ";" then ",": neither may be in a name.
    return "; ".join(f"{f.replace(';', ' ').replace(',', ' ')}, {n}" for f, n in pairs)


def csv_values(counts: PrismaCounts) -> dict[str, str]:
    """The `n` of each template row that papersift knows (the rest are 0 or empty)."""
    included = str(counts.included)
    return {
        "database_results": str(counts.records),
        "database_specific_results": _source_list(counts.sources),
        "register_results": "0",
        "duplicates": str(counts.duplicates),
        "excluded_automatic": "0",
        "excluded_other": str(counts.not_matching),
        "records_screened": str(counts.screened),
        "records_excluded": str(counts.excluded),
        "dbr_sought_reports": included,
        "dbr_notretrieved_reports": "0",
        "dbr_assessed": included,
        "dbr_excluded": "",
        "new_studies": included,
        "new_reports": included,
        "total_studies": included,
        "total_reports": included,
    }


#: Rows whose `n` is text ("Name, n; Name, n") rather than a number.
TEXT_ROWS = frozenset(
    ("database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded")
)


def prisma_csv(counts: PrismaCounts) -> str:
    """The CSV the PRISMA2020 flow-diagram app reads, with this review's figures."""
    values = csv_values(counts)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in TEMPLATE:
        data = row[0]
        writer.writerow([*row, values.get(data, "" if data in TEXT_ROWS else "0")])
    return out.getvalue()


def _box(lines: list[str], width: int) -> list[str]:
    inner = width - 4
    out = ["┌" + "─" * (width - 2) + "┐"]
    for line in lines:
        indent = len(line) - len(line.lstrip()) + 2
        while len(line) > inner:
            # Break at the last space past the indent, else mid-word: always progress.
            cut = line.rfind(" ", indent, inner + 1)
            cut = cut if cut > indent else inner
            out.append(f"│ {line[:cut]:<{inner}} │")
            line = " " * indent + line[cut:].lstrip()
        out.append(f"│ {line:<{inner}} │")
    out.append("└" + "─" * (width - 2) + "┘")
    return out


def flow_diagram(counts: PrismaCounts, width: int = 78) -> str:
    """The PRISMA flow as text: the main boxes down the left, removals to the right."""
    left = max(30, (width - 4) * 11 // 20)
    right = max(24, width - left - 4)

    def row(main: list[str], side: list[str] | None) -> list[str]:
        a = _box(main, left)
        if side is None:
            return a
        b = _box(side, right)
        mid = min(len(a), len(b)) // 2
        height = max(len(a), len(b))
        a += [" " * left] * (height - len(a))
        b += [" " * right] * (height - len(b))
        joints = ["    " if i != mid else " ──▶" for i in range(height)]
        return [x + j + y for x, j, y in zip(a, joints, b, strict=True)]

    def down() -> list[str]:
        pad = " " * (left // 2)
        return [pad + "│", pad + "▼"]

    ident = [f"Records identified (n = {counts.records})"]
    ident += [f"  {f}: {n}" for f, n in counts.sources]
    removed = [
        "Records removed before screening:",
        f"  duplicates (n = {counts.duplicates})",
        f"  not matching the query (n = {counts.not_matching})",
    ]
    excluded = [f"Records excluded (n = {counts.excluded})"]
    excluded += [f"  {r}: {n}" for r, n in counts.excluded_by_reason.items()]
    screened = [f"Records screened (n = {counts.screened})"]
    if counts.awaiting or counts.conflicts:
        screened.append(f"  to decide: {counts.awaiting}, in conflict: {counts.conflicts}")
    lines = ["IDENTIFICATION", *row(ident, removed), *down(), "SCREENING"]
    lines += [*row(screened, excluded), *down(), "INCLUDED"]
    lines += row([f"Records included (n = {counts.included})"], None)
    return "\n".join(line.rstrip() for line in lines)
