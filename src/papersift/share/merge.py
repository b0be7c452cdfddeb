"""Joining reading lists: two versions into one (`merge_lists`), and a list into its
canonical form (`normalize_list`, which joins a paper listed twice the same way).

Merging two versions (`merge_lists`)
------------------------------------
Two versions of a list (yours and theirs after a git conflict, or two people's copies)
become one, with no input order mattering: merging is commutative, associative and
idempotent, so merging a version in twice changes nothing. Papers are matched by id:

* papers in either version are kept (union);
* views are joined per person: for each `by`, that person's newest note, star and status
  win (by time; exact ties broken by comparing the values, so both sides agree), and their
  tags are the union of their tags in both versions. So two people's different notes are
  both kept (the newer on the top level, the other in `others`), and a person's own newer
  note replaces their older one exactly as it did in their library;
* the newest view overall becomes the top-level one (`note`, `starred`, `status`, `tags`,
  `changed_by`, `changed_at`);
* a tag removed in one version comes back from the other (union); remove it again after
  merging if that was meant;
* bibliographic fields: a known value beats an empty one; two different values resolve
  the same way on every machine (the longer one, then the greater);
* list `name`, `description` and `author` come from the version with the newer `updated`;
  `created` is the earlier one, `updated` the later one;
* the review section (version 2), when both have one, must be the same review (same
  `name`; two different reviews are refused, never mixed). Decisions are joined per
  (paper, person, final or not): the newest of each is kept, so no person's decision is
  lost or credited to someone else, and a person's newer decision replaces their older
  one. Reviewers and papers are unions; the definition (criteria, query, reasons, the
  identification counts) comes whole from the version defined last; `created` is the
  earliest and blind mode, once lifted in either version, stays lifted (the earliest
  `unblinded_at` and its `unblinded_by`).

"""

from __future__ import annotations

from typing import Any

import orjson

from papersift.models import PapersiftError
from papersift.share.canonical import (
    BIB_TEXT_FIELDS,
    REVIEW_DEFINITION,
    ListMeta,
    bib_of,
    canonical_review,
    canonical_time,
    join_decisions,
    join_views,
    list_dict,
    paper_dict,
    views_of,
)


def _join_bib(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Field by field: known beats empty, else the longer, else the greater (a total order,
    so the result is the same whichever side is `a`)."""
    out: dict[str, Any] = {"id": a["id"]}
    for name in (*BIB_TEXT_FIELDS, "authors"):
        out[name] = max(a[name], b[name], key=lambda v: (len(v), v))
    years = [y for y in (a["year"], b["year"]) if y is not None]
    out["year"] = max(years) if years else None
    return out


def _normalize_paper(paper: dict[str, Any]) -> dict[str, Any]:
    return paper_dict(bib_of(paper), join_views(views_of(paper)))


def merge_paper(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two objects of the same paper as one: views joined per person, fields joined."""
    views = join_views([*views_of(a), *views_of(b)])
    return paper_dict(_join_bib(bib_of(a), bib_of(b)), views)


def _definition_key(review: dict[str, Any]) -> tuple[str, bytes]:
    definition = {name: review[name] for name in REVIEW_DEFINITION}
    return (review["defined_at"], orjson.dumps(definition, option=orjson.OPT_SORT_KEYS))


def _earliest(pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """The earliest (time, who) pair with a time, else the greatest (so "" loses)."""
    timed = [p for p in pairs if p[0]]
    return min(timed) if timed else max(pairs)


def merge_review(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    """Two versions of a review section as one (rules in the module docstring).

    Raises `PapersiftError` when they are different reviews (different names)."""
    if a is None or b is None:
        other = a if b is None else b
        return None if other is None else canonical_review(other)
    a, b = canonical_review(a), canonical_review(b)
    if a["name"] != b["name"]:
        names = sorted((a["name"], b["name"]))
        raise PapersiftError(
            f"the lists hold two different reviews ({names[0]!r} and {names[1]!r}); "
            "merge only versions of one review"
        )
    newer = max(a, b, key=_definition_key)
    created, created_by = _earliest(
        [(a["created"], a["created_by"]), (b["created"], b["created_by"])]
    )
    unblinded_at, unblinded_by = _earliest(
        [(a["unblinded_at"], a["unblinded_by"]), (b["unblinded_at"], b["unblinded_by"])]
    )
    return canonical_review(
        {
            **{name: newer[name] for name in REVIEW_DEFINITION},
            "name": a["name"],
            "defined_at": newer["defined_at"],
            "reviewers": [*a["reviewers"], *b["reviewers"]],
            "papers": [*a["papers"], *b["papers"]],
            "created": created,
            "created_by": created_by,
            "unblinded_at": unblinded_at,
            "unblinded_by": unblinded_by,
            "decisions": join_decisions([*a["decisions"], *b["decisions"]]),
        }
    )


def normalize_list(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a schema-valid list (what papersift writes); idempotent."""
    by_id: dict[str, dict[str, Any]] = {}
    for paper in data["papers"]:
        pid = paper["id"]
        by_id[pid] = merge_paper(by_id[pid], paper) if pid in by_id else _normalize_paper(paper)
    meta = ListMeta(
        name=data["name"],
        description=data.get("description", ""),
        author=data.get("author", ""),
        created=canonical_time(data.get("created", "")),
        updated=canonical_time(data.get("updated", "")),
    )
    review = data.get("review")
    return list_dict(meta, by_id.values(), None if review is None else canonical_review(review))


def merge_lists(a: dict, b: dict) -> dict:
    """Merge two versions of a list (from `load_list` / `build_list`) into one.

    Commutative, associative and idempotent; the rules are in the module docstring.
    """
    a, b = normalize_list(a), normalize_list(b)
    papers = {p["id"]: p for p in a["papers"]}
    for paper in b["papers"]:
        pid = paper["id"]
        papers[pid] = merge_paper(papers[pid], paper) if pid in papers else paper

    # The newer version names the list; the whole tuple decides ties the same way on
    # both sides, so merge(a, b) == merge(b, a).
    def key(d: dict[str, Any]) -> tuple[str, ...]:
        return (d["updated"], d["name"], d["description"], d["author"])

    newer = max(a, b, key=key)
    created = min((c for c in (a["created"], b["created"]) if c), default="")
    meta = ListMeta(
        name=newer["name"],
        description=newer["description"],
        author=newer["author"],
        created=created,
        updated=max(a["updated"], b["updated"]),
    )
    return list_dict(meta, papers.values(), merge_review(a.get("review"), b.get("review")))
