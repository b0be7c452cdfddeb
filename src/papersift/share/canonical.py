"""The reading-list format in memory: times, views, canonical papers and lists, bytes.

Everything here works on schema-valid data (see `share.validate` for untrusted text):
`canonical_time` and friends turn times into the one form written, `PaperView` is one
person's triage of a paper and `join_views` keeps one per person, `paper_dict` and
`list_dict` build the canonical objects, `dumps_list` their deterministic bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson

from papersift.models import DEFAULT_STATUS

FORMAT_NAME = "papersift-reading-list"
#: The version written. Version 1 (no `review`) is still read: `validate` checks it
#: against its own schema and `migrate` lifts it to this one.
FORMAT_VERSION = 2
#: Every version this papersift reads.
READ_VERSIONS = (1, 2)

#: A reading list is a few hundred KB; 64 Mi characters is far beyond any real one and
#: keeps a hostile file from costing gigabytes once parsed.
MAX_LIST_CHARS = 64 * 2**20
#: The format itself nests 6 levels deep (list > papers > paper > others > view > tags).
MAX_DEPTH = 16
#: Per string field (notes and abstracts included); mirrored in the schema.
MAX_STRING = 1_000_000
MAX_PAPERS = 1_000_000

#: The shipped JSON Schema of each version read.
SCHEMA_RESOURCES = {v: f"schemas/reading-list-v{v}.schema.json" for v in READ_VERSIONS}
SCHEMA_RESOURCE = SCHEMA_RESOURCES[FORMAT_VERSION]

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})")
#: The bibliographic text fields of a paper object.
BIB_TEXT_FIELDS = ("title", "abstract", "venue", "doi", "arxiv", "url")


@dataclass
class ListMeta:
    """A list's name and description, who wrote it and when (times ISO-8601, "" = derive)."""

    name: str
    description: str = ""
    author: str = ""
    created: str = ""
    updated: str = ""


# --------------------------------------------------------------------------- times


def canonical_time(value: str) -> str:
    """`value` as UTC to the second ("2024-03-13T09:30:00Z"); "" stays ""; ValueError if bad."""
    if value == "":
        return ""
    if not _TIME.fullmatch(value):
        raise ValueError(value)
    # fromisoformat takes at most 6 fractional digits; they are dropped anyway.
    value = re.sub(r"(\.\d+)", lambda m: m.group(1)[:7], value)
    try:
        moment = datetime.fromisoformat(value).astimezone(UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(value) from exc
    return _format_time(moment)


def _format_time(moment: datetime) -> str:
    # Not strftime: %Y is not zero-padded for years before 1000 on every platform.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def time_from_unix(seconds: float) -> str:
    """Unix time -> canonical ISO; 0 (never changed) or an impossible value -> ""."""
    if not seconds or seconds <= 0:
        return ""
    try:
        return _format_time(datetime.fromtimestamp(int(seconds), UTC))
    except (OverflowError, OSError, ValueError):
        return ""


def time_to_unix(value: str) -> float:
    """A canonical list time as Unix seconds (0.0 for "")."""
    if not value:
        return 0.0
    return datetime.fromisoformat(canonical_time(value)).timestamp()


def lenient_time(value: str) -> str:
    """A time from the library; one papersift cannot read counts as unknown."""
    try:
        return canonical_time(str(value))
    except ValueError:
        return ""


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class PaperView:
    """One person's triage of one paper."""

    by: str
    at: str = ""
    note: str = ""
    starred: bool = False
    status: str = DEFAULT_STATUS
    tags: tuple[str, ...] = ()

    @property
    def has_content(self) -> bool:
        return bool(self.note or self.starred or self.status != DEFAULT_STATUS)

    @property
    def is_empty(self) -> bool:
        """Says nothing at all: dropping it loses nothing (it is the join's identity)."""
        return not (self.at or self.tags or self.has_content)

    def content_key(self) -> tuple[Any, ...]:
        # A view with something in it beats an empty one of the same time, so that an
        # empty view is the identity of `_join_same_person` (dropping it is harmless).
        return (self.at, self.has_content, self.note, self.status, self.starred)

    def head_key(self) -> tuple[Any, ...]:
        return (self.at, self.has_content, self.by, self.note, self.status, self.starred, self.tags)


def _join_same_person(a: PaperView, b: PaperView) -> PaperView:
    """Newest note/star/status of one person; tags of both (a semilattice join)."""
    base = a if a.content_key() >= b.content_key() else b
    return replace(base, tags=tuple(sorted(set(a.tags) | set(b.tags))))


def join_views(views: Iterable[PaperView]) -> dict[str, PaperView]:
    """One view per person, each the join of that person's views; empty ones dropped."""
    joined: dict[str, PaperView] = {}
    for view in views:
        view = replace(view, tags=tuple(sorted(set(view.tags))))
        if view.is_empty:
            continue
        joined[view.by] = _join_same_person(joined[view.by], view) if view.by in joined else view
    return joined


def _view_dict(view: PaperView, top: bool) -> dict[str, Any]:
    if top:
        return {
            "tags": list(view.tags),
            "note": view.note,
            "starred": view.starred,
            "status": view.status,
            "changed_by": view.by,
            "changed_at": view.at,
        }
    return {
        "by": view.by,
        "note": view.note,
        "starred": view.starred,
        "status": view.status,
        "tags": list(view.tags),
        "at": view.at,
    }


def views_of(paper: dict[str, Any]) -> list[PaperView]:
    """Every view in a (schema-valid) paper object: the top-level one and `others`."""
    views = [
        PaperView(
            by=paper.get("changed_by", ""),
            at=canonical_time(paper.get("changed_at", "")),
            note=paper.get("note", ""),
            starred=paper.get("starred", False),
            status=paper.get("status", DEFAULT_STATUS),
            tags=tuple(paper.get("tags", ())),
        )
    ]
    for other in paper.get("others", ()):
        views.append(
            PaperView(
                by=other["by"],
                at=canonical_time(other.get("at", "")),
                note=other.get("note", ""),
                starred=other.get("starred", False),
                status=other.get("status", DEFAULT_STATUS),
                tags=tuple(other.get("tags", ())),
            )
        )
    return views


def paper_views(paper: dict[str, Any]) -> dict[str, PaperView]:
    """A paper object's views keyed by person (`by`): the top-level one and `others`."""
    return join_views(views_of(paper))


# --------------------------------------------------------------------------- papers


def bib_of(paper: dict[str, Any]) -> dict[str, Any]:
    """The bibliographic part of a (schema-valid) paper object, every field present."""
    year = paper.get("year")
    bib: dict[str, Any] = {name: paper.get(name, "") for name in BIB_TEXT_FIELDS}
    bib["id"] = paper["id"]
    bib["authors"] = tuple(paper.get("authors", ()))
    # JSON Schema counts 2024.0 as an integer; the list stores an int.
    bib["year"] = int(year) if year is not None else None
    return bib


def paper_dict(bib: dict[str, Any], views: dict[str, PaperView]) -> dict[str, Any]:
    """The canonical paper object: every field present, views split into top and others."""
    paper: dict[str, Any] = {name: bib[name] for name in BIB_TEXT_FIELDS}
    paper["id"] = bib["id"]
    paper["authors"] = list(bib["authors"])
    paper["year"] = bib["year"]
    if views:
        head = max(views.values(), key=PaperView.head_key)
        paper.update(_view_dict(head, top=True))
        paper["others"] = [
            _view_dict(views[by], top=False) for by in sorted(views) if by != head.by
        ]
    else:
        paper.update(_view_dict(PaperView(by=""), top=True))
        paper["others"] = []
    return paper


def list_dict(
    meta: ListMeta, papers: Iterable[dict[str, Any]], review: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The list object: `meta`, the papers sorted by id, and the review section if any
    (canonical, see `canonical_review`; a list without one has no `review` key)."""
    data: dict[str, Any] = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": meta.name,
        "description": meta.description,
        "author": meta.author,
        "created": meta.created,
        "updated": meta.updated,
        "papers": sorted(papers, key=lambda p: p["id"]),
    }
    if review is not None:
        data["review"] = review
    return data


# --------------------------------------------------------------------------- reviews

#: The fields of a review section that define it (the rest is who, when and the
#: decisions). Two versions with different definitions keep the newer one whole.
REVIEW_DEFINITION = ("criteria", "query", "reasons", "identified", "duplicates", "not_matching")


def decision_key(decision: dict[str, Any]) -> tuple[str, str, bool]:
    """What one decision is about: (paper, by, final). A section holds one per key."""
    return (decision["paper"], decision["by"], bool(decision.get("final", False)))


def decision_rank(decision: dict[str, Any]) -> tuple[str, str, str]:
    """Which of two decisions with one key is kept: the newer, exact ties broken by the
    values (a total order, so every machine keeps the same one)."""
    return (decision["at"], decision["decision"], decision["reason"])


def canonical_decision(decision: dict[str, Any]) -> dict[str, Any]:
    """A decision object with every field present and its time canonical."""
    return {
        "paper": decision["paper"],
        "by": decision["by"],
        "decision": decision["decision"],
        "reason": decision.get("reason", ""),
        "at": canonical_time(decision.get("at", "")),
        "final": bool(decision.get("final", False)),
    }


def join_decisions(decisions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One decision per (paper, by, final), the newest of each, sorted by that key."""
    kept: dict[tuple[str, str, bool], dict[str, Any]] = {}
    for raw in decisions:
        decision = canonical_decision(raw)
        key = decision_key(decision)
        if key not in kept or decision_rank(decision) > decision_rank(kept[key]):
            kept[key] = decision
    return [kept[key] for key in sorted(kept)]


def canonical_review(review: dict[str, Any]) -> dict[str, Any]:
    """A (schema-valid) review section in the one form written: every field present,
    reviewers and papers sorted and unique, reasons unique in their order, sources
    sorted by file, decisions joined (`join_decisions`)."""
    identified: dict[str, int] = {}
    for source in review.get("identified", ()):
        identified[source["file"]] = identified.get(source["file"], 0) + int(source["records"])
    return {
        "name": review["name"],
        "criteria": review.get("criteria", ""),
        "query": review.get("query", ""),
        "reasons": list(dict.fromkeys(review.get("reasons", ()))),
        "reviewers": sorted(set(review.get("reviewers", ()))),
        "papers": sorted(set(review.get("papers", ()))),
        "created": canonical_time(review.get("created", "")),
        "created_by": review.get("created_by", ""),
        "defined_at": canonical_time(review.get("defined_at", "")),
        "unblinded_at": canonical_time(review.get("unblinded_at", "")),
        "unblinded_by": review.get("unblinded_by", ""),
        "identified": [{"file": f, "records": identified[f]} for f in sorted(identified)],
        "duplicates": int(review.get("duplicates", 0)),
        "not_matching": int(review.get("not_matching", 0)),
        "decisions": join_decisions(review.get("decisions", ())),
    }


def dumps_list(data: dict) -> bytes:
    """Deterministic UTF-8 bytes for a list from `build_list`, `load_list` or `merge_lists`:
    sorted keys, 2-space indent, trailing newline, non-ASCII as itself."""
    return orjson.dumps(
        data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    )
