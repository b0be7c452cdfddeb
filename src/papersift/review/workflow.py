"""Reviews in a library: start one, decide, settle, lift blind mode, write the shared
file and join a colleague's.

Each reviewer screens in their own library. `export_review` writes the review's papers
as a reading list (version 2) with the review section: the definition and every
decision this library knows, each with who made it and when. `join_file` reads such a
file after `papersift import` has brought its papers in: its review is merged into this
library's copy (`share.merge_review`: nothing lost, nothing misattributed) and the user
becomes one of its reviewers. Writing into an existing file of the same review merges
with what is there, so re-exporting into a shared file never drops a colleague's
decisions that this library has not imported yet.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from papersift import share
from papersift.fsutil import atomic_write_bytes
from papersift.models import PapersiftError
from papersift.normalize import paper_id
from papersift.review.blind import revealed
from papersift.review.definition import (
    DECISIONS,
    FINAL_DECISIONS,
    Decision,
    Review,
    check_name,
    now_iso,
)
from papersift.review.prisma import identify

if TYPE_CHECKING:
    from papersift.store import Library


def reviews(library: Library) -> dict[str, Review]:
    """The library's reviews by name, as stored now."""
    out = {}
    for name, row in sorted(library.review_rows().items()):
        try:
            out[name] = Review.from_section(row)
        except (KeyError, TypeError, ValueError) as exc:
            raise PapersiftError(
                f"{library.path / 'triage.json'}: review {name!r} is malformed ({exc!r}); "
                "the file was left as it is"
            ) from None
    return out


def get_review(library: Library, name: str | None = None) -> Review:
    """Review `name`, or the library's only review when `name` is None."""
    known = reviews(library)
    if name is None:
        if len(known) == 1:
            return next(iter(known.values()))
        if not known:
            raise PapersiftError("this library has no review; start one with `review start`")
        raise PapersiftError(f"name the review: {', '.join(sorted(known))}")
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise PapersiftError(f"no review named {name!r} (reviews: {listed})")
    return known[name]


def _store(library: Library, review: Review) -> Review:
    library.update_review(review.name, lambda _row: review.to_section())
    return review


def _update(library: Library, name: str, change) -> Review:
    """Apply `change(Review) -> Review` to the stored review under the library's lock."""
    result: list[Review] = []

    def apply(row):
        if row is None:
            raise PapersiftError(f"no review named {name!r}")
        updated = change(Review.from_section(row))
        result.append(updated)
        return updated.to_section()

    library.update_review(name, apply)
    return result[0]


def start_review(
    library: Library,
    name: str,
    *,
    paper_ids: list[str],
    me: str,
    criteria: str = "",
    query: str = "",
    reasons: list[str] | tuple[str, ...] = (),
    reviewers: list[str] | tuple[str, ...] = (),
) -> Review:
    """Define a review of `paper_ids` (those the query matched) with `me` among its
    reviewers; the identification counts are taken from the library now."""
    name = check_name(name)
    if name in library.review_rows():
        raise PapersiftError(f"a review named {name!r} exists already")
    if not paper_ids:
        raise PapersiftError("no paper matches the review's query; nothing was started")
    clean_reasons = []
    for reason in reasons:
        reason = " ".join(reason.split())
        if not reason or len(reason) > 200:
            raise PapersiftError(f"an exclusion reason is 1 to 200 characters (got {reason!r})")
        clean_reasons.append(reason)
    now = now_iso()
    people = {me, *(r.strip() for r in reviewers if r.strip())}
    review = Review(
        name=name,
        criteria=criteria,
        query=query,
        reasons=tuple(dict.fromkeys(clean_reasons)),
        reviewers=tuple(sorted(people)),
        papers=tuple(sorted(set(paper_ids))),
        created=now,
        created_by=me,
        defined_at=now,
        identification=identify(library.papers, paper_ids),
    )
    return _store(library, review)


@dataclass(frozen=True, slots=True)
class DecisionChange:
    """What `decide` did to one paper (`before` None: there was no decision)."""

    review: str
    key: tuple[str, str, bool]
    before: Decision | None
    after: Decision


def _paper_in(review: Review, library: Library, pid: str) -> str:
    pid = library.canonical_id(pid)
    if pid not in review.paper_set:
        raise PapersiftError(f"paper {pid} is not in review {review.name!r}")
    return pid


def decide(
    library: Library,
    name: str | None,
    paper_ids: list[str],
    decision: str,
    *,
    me: str,
    reason: str = "",
    final: bool = False,
    replace_final: bool = False,
) -> list[DecisionChange]:
    """Record `me`'s decision on papers of a review (`final`: settle them).

    A reason names one of the review's reasons (or its number) and only goes with
    exclude. A final decision needs the paper's decisions revealed (blind mode hides
    what it would settle) and replaces someone else's only with `replace_final`.
    """
    allowed = FINAL_DECISIONS if final else DECISIONS
    if decision not in allowed:
        raise PapersiftError(f"unknown decision {decision!r}; use one of: {', '.join(allowed)}")
    review = get_review(library, name)
    if reason and decision != "exclude":
        raise PapersiftError("a reason goes with exclude only")
    reason = review.reason_for(reason)
    ids = [_paper_in(review, library, pid) for pid in paper_ids]
    changes: list[DecisionChange] = []

    def change(current: Review) -> Review:
        changes.clear()
        at = now_iso()
        for pid in dict.fromkeys(ids):
            if final:
                if not revealed(current, pid):
                    raise PapersiftError(
                        f"paper {pid}: its decisions are still blind (not everyone has "
                        "screened it); `review unblind` first to settle it"
                    )
                settled = current.finals().get(pid)
                if settled is not None and settled.by != me and not replace_final:
                    raise PapersiftError(
                        f"paper {pid} was settled by {settled.by} ({settled.decision}); "
                        "pass --force to replace their final decision"
                    )
            new = Decision(pid, me, decision, reason, at, final)
            before = current.decision_of(pid, me, final=final)
            if before is not None and (before.decision, before.reason) == (decision, reason):
                continue
            current = current.with_decision(new)
            changes.append(DecisionChange(current.name, new.key, before, new))
        if me not in current.reviewers and not final:
            current = replace(current, reviewers=tuple(sorted({*current.reviewers, me})))
        return current

    _update(library, review.name, change)
    return changes


def undo_decisions(library: Library, changes: list[DecisionChange]) -> None:
    """Put back what `decide` replaced (the TUI's undo)."""
    by_review: dict[str, list[DecisionChange]] = {}
    for c in changes:
        by_review.setdefault(c.review, []).append(c)
    for name, items in by_review.items():

        def change(current: Review, items=items) -> Review:
            for c in items:
                current = (
                    current.without_decision(c.key)
                    if c.before is None
                    else current.with_decision(c.before)
                )
            return current

        _update(library, name, change)


def unblind(library: Library, name: str | None, *, me: str) -> Review:
    """Lift blind mode for everyone (recorded with who and when; it travels)."""
    review = get_review(library, name)
    if not review.blind:
        return review
    return _update(
        library, review.name, lambda r: replace(r, unblinded_at=now_iso(), unblinded_by=me)
    )


def delete_review(library: Library, name: str) -> None:
    """Forget a review (its decisions too) in this library only."""
    get_review(library, name)
    library.update_review(name, lambda _row: None)


# ---------------------------------------------------------------------- files


def _canonical_section(review: Review, library: Library) -> dict:
    """The review's section with its ids as this library has them now (merges followed)."""
    section = review.to_section()
    canon = library.canonical_id
    section["papers"] = [canon(pid) for pid in section["papers"]]
    for d in section["decisions"]:
        d["paper"] = canon(d["paper"])
    return share.canonical_review(section)


def export_review(
    library: Library, name: str | None, path: Path, *, me: str, force: bool = False
) -> tuple[int, int]:
    """Write the review, its papers and every decision known here to `path`.

    An existing file holding this review is merged with (never overwritten); any other
    existing file is replaced only with `force`. Returns (papers, decisions) written.
    """
    review = get_review(library, name)
    section = _canonical_section(review, library)
    missing = [pid for pid in section["papers"] if pid not in library.papers]
    if missing:
        raise PapersiftError(
            f"review {review.name!r}: {len(missing)} of its papers are not in this library "
            f"(first: {missing[0]}); import the review's file first"
        )
    library.ensure_texts()
    entries = [library.entry(pid) for pid in section["papers"]]
    meta = share.ListMeta(
        name=f"Review: {review.name}", description=review.criteria[:200], author=me
    )
    data = share.build_list(entries, meta, section)
    path = Path(path)
    existing = _read_existing(path)
    if existing is not None:
        other = existing.get("review")
        if other is not None and other["name"] == review.name:
            data = share.merge_lists(existing, data)
            force = True
        elif not force:
            raise PapersiftError(
                f"{path}: exists and is not a file of review {review.name!r}; "
                "pass --force to replace it"
            )
    elif path.exists() and not force:
        raise PapersiftError(
            f"{path}: exists and is not a reading list; pass --force to replace it"
        )
    atomic_write_bytes(path, share.dumps_list(data), overwrite=force)
    return len(data["papers"]), len(data["review"]["decisions"])


def _read_existing(path: Path) -> dict | None:
    try:
        if not path.is_file():
            return None
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return share.load_list(text, str(path))
    except PapersiftError:
        return None


@dataclass(frozen=True)
class JoinReport:
    """What joining a review file did."""

    review: str
    created: bool
    #: Decisions this library did not have before, by person.
    new_decisions: dict[str, int]
    #: Of those, how many blind mode hides from the user now.
    hidden: int
    #: Review papers of the file that are not in this library (not imported).
    missing: int


def join_file(library: Library, path: Path, *, me: str) -> JoinReport | None:
    """Merge the review carried by reading-list file `path` (if any) into the library;
    the user joins its reviewers. Run after the file's papers were imported."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PapersiftError(f"{path}: cannot read: {exc}") from None
    data = share.load_list(text, path.name)
    section = data.get("review")
    if section is None:
        return None
    by_id = {p["id"]: p for p in data["papers"]}

    def local(pid: str) -> str:
        cid = library.canonical_id(pid)
        if cid in library.papers:
            return cid
        paper = by_id.get(pid)
        if paper is not None:
            # The importer gives a new paper its own id from these fields.
            alt = library.canonical_id(paper_id(paper["title"], paper["doi"], paper["arxiv"]))
            if alt in library.papers:
                return alt
        return cid

    incoming = dict(section)
    incoming["papers"] = [local(pid) for pid in section["papers"]]
    incoming["decisions"] = [{**d, "paper": local(d["paper"])} for d in section["decisions"]]
    incoming["reviewers"] = [*section["reviewers"], me]
    incoming = share.canonical_review(incoming)
    missing = sum(1 for pid in incoming["papers"] if pid not in library.papers)
    before: list[Review | None] = []

    def apply(row):
        before.append(None if row is None else Review.from_section(row))
        return share.merge_review(row, incoming)

    merged = Review.from_section(library.update_review(incoming["name"], apply) or incoming)
    old = before[0]
    known = set() if old is None else {(d.key, d.at) for d in old.decisions}
    new: dict[str, int] = {}
    hidden = 0
    for d in merged.decisions:
        if (d.key, d.at) not in known and d.by != me:
            new[d.by] = new.get(d.by, 0) + 1
            if not d.final and not revealed(merged, d.paper):
                hidden += 1
    return JoinReport(merged.name, old is None, dict(sorted(new.items())), hidden, missing)
