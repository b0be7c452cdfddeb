"""What a review is: its papers, reviewers, criteria and exclusion reasons, and the
decisions made in it, as plain data (`Review`, `Decision`).

A review is stored (in the library's triage.json) and shared (as the `review` section of a
reading list, version 2) in one form, the canonical section of `share.canonical_review`;
`Review.from_section` / `Review.to_section` convert. Times are ISO-8601 UTC strings, as in
the lists, so a decision reads the same in every library it travels to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from papersift import share
from papersift.models import PapersiftError

#: A reviewer's screening decisions, in the order keys and tables show them.
DECISIONS = ("include", "exclude", "maybe")
#: What a final decision (settling a conflict) may be.
FINAL_DECISIONS = ("include", "exclude")
#: The longest review name (mirrored in the schema).
MAX_NAME = 200


def now_iso() -> str:
    """The current time as the lists write it (UTC, to the second)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass(frozen=True, slots=True)
class Decision:
    """One person's decision on one paper; `final` for the decision settling it."""

    paper: str
    by: str
    decision: str
    reason: str = ""
    at: str = ""
    final: bool = False

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.paper, self.by, self.final)

    def to_dict(self) -> dict[str, Any]:
        return {
            "paper": self.paper,
            "by": self.by,
            "decision": self.decision,
            "reason": self.reason,
            "at": self.at,
            "final": self.final,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            paper=str(data["paper"]),
            by=str(data["by"]),
            decision=str(data["decision"]),
            reason=str(data.get("reason", "")),
            at=str(data.get("at", "")),
            final=bool(data.get("final", False)),
        )


@dataclass(frozen=True, slots=True)
class Identification:
    """PRISMA's identification stage as it was when the review started: records read
    from each source file, duplicates removed, records left out by the query."""

    sources: tuple[tuple[str, int], ...] = ()
    duplicates: int = 0
    not_matching: int = 0

    @property
    def records(self) -> int:
        return sum(n for _, n in self.sources)


@dataclass(frozen=True)
class Review:
    """A screening review. `decisions` holds one per (paper, by, final), sorted."""

    name: str
    criteria: str = ""
    query: str = ""
    reasons: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    papers: tuple[str, ...] = ()
    created: str = ""
    created_by: str = ""
    defined_at: str = ""
    unblinded_at: str = ""
    unblinded_by: str = ""
    identification: Identification = field(default_factory=Identification)
    decisions: tuple[Decision, ...] = ()

    @property
    def blind(self) -> bool:
        """Nobody has lifted blind mode (papers everyone screened are shown anyway)."""
        return not self.unblinded_at

    @property
    def paper_set(self) -> frozenset[str]:
        return frozenset(self.papers)

    def screening(self) -> dict[str, dict[str, Decision]]:
        """The reviewers' (not final) decisions: paper -> reviewer -> decision."""
        out: dict[str, dict[str, Decision]] = {}
        for d in self.decisions:
            if not d.final:
                out.setdefault(d.paper, {})[d.by] = d
        return out

    def finals(self) -> dict[str, Decision]:
        """The final decision of each settled paper: the newest if two people settled it."""
        out: dict[str, Decision] = {}
        for d in self.decisions:
            if d.final and (
                d.paper not in out or (d.at, d.by) > (out[d.paper].at, out[d.paper].by)
            ):
                out[d.paper] = d
        return out

    def decision_of(self, paper: str, by: str, *, final: bool = False) -> Decision | None:
        for d in self.decisions:
            if d.key == (paper, by, final):
                return d
        return None

    def everyone(self) -> tuple[str, ...]:
        """The reviewers, and anyone else who decided (someone who joined by deciding)."""
        names = set(self.reviewers) | {d.by for d in self.decisions if not d.final}
        return tuple(sorted(names))

    def with_decision(self, decision: Decision) -> Review:
        """A copy with `decision` in place of that person's earlier one on that paper."""
        kept = [d for d in self.decisions if d.key != decision.key]
        kept.append(decision)
        return replace(self, decisions=tuple(sorted(kept, key=lambda d: d.key)))

    def without_decision(self, key: tuple[str, str, bool]) -> Review:
        return replace(self, decisions=tuple(d for d in self.decisions if d.key != key))

    def reason_for(self, text: str) -> str:
        """The review's reason that `text` names: the reason itself (any case) or its
        number (1 = the first). "" stays "" (no reason). PapersiftError otherwise."""
        text = text.strip()
        if not text:
            return ""
        if text.isdigit() and 1 <= int(text) <= len(self.reasons):
            return self.reasons[int(text) - 1]
        for reason in self.reasons:
            if reason.casefold() == text.casefold():
                return reason
        known = "; ".join(f"{n}: {r}" for n, r in enumerate(self.reasons, 1)) or "none defined"
        raise PapersiftError(f"review {self.name!r} has no exclusion reason {text!r} ({known})")

    # ------------------------------------------------------------------ the stored form

    def to_section(self) -> dict[str, Any]:
        """The review as a list's `review` section (canonical)."""
        return share.canonical_review(
            {
                "name": self.name,
                "criteria": self.criteria,
                "query": self.query,
                "reasons": list(self.reasons),
                "reviewers": list(self.reviewers),
                "papers": list(self.papers),
                "created": self.created,
                "created_by": self.created_by,
                "defined_at": self.defined_at,
                "unblinded_at": self.unblinded_at,
                "unblinded_by": self.unblinded_by,
                "identified": [{"file": f, "records": n} for f, n in self.identification.sources],
                "duplicates": self.identification.duplicates,
                "not_matching": self.identification.not_matching,
                "decisions": [d.to_dict() for d in self.decisions],
            }
        )

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> Review:
        """A review from a (schema-valid) `review` section, made canonical first."""
        s = share.canonical_review(section)
        return cls(
            name=s["name"],
            criteria=s["criteria"],
            query=s["query"],
            reasons=tuple(s["reasons"]),
            reviewers=tuple(s["reviewers"]),
            papers=tuple(s["papers"]),
            created=s["created"],
            created_by=s["created_by"],
            defined_at=s["defined_at"],
            unblinded_at=s["unblinded_at"],
            unblinded_by=s["unblinded_by"],
            identification=Identification(
                sources=tuple((x["file"], x["records"]) for x in s["identified"]),
                duplicates=s["duplicates"],
                not_matching=s["not_matching"],
            ),
            decisions=tuple(Decision.from_dict(d) for d in s["decisions"]),
        )


def check_name(name: str) -> str:
    """A review name as given, or PapersiftError if it cannot be one."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(c in name for c in "\n\r\t"):
        raise PapersiftError(
            f"a review name is 1 to {MAX_NAME} characters on one line (got {name[:40]!r})"
        )
    return name
