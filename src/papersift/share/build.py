"""Building a reading list from library entries, and writing it to a file.

What the importer does with a list is the mirror image (see `readers.reading_list`):
The `reading_list` reader gives one record per paper, carrying the *sender's* view: the view
of the list's `author` (the newest view when the author has none), `shared_by` set to whose
view it is, and the other views in `record.triage.shared`. The importer applies it so that
nothing of the user's own is lost and re-importing the same list changes nothing:

* the sender's tags are unioned into the user's tags;
* the sender's note, star and status are kept as a `SharedView(by=shared_by, ...)` beside
  the user's own triage, never over it; a newer import from the same person replaces that
  person's view (views are keyed by `by`);
* the other views in `record.triage.shared` are kept the same way, one per person.

When the user exports again, their own triage becomes their view and the views they
received go to `others`, so the notes travel on with attribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from papersift.fsutil import atomic_write_bytes
from papersift.models import DEFAULT_STATUS, Entry, PapersiftError
from papersift.share.canonical import (
    MAX_LIST_CHARS,
    ListMeta,
    PaperView,
    canonical_review,
    canonical_time,
    dumps_list,
    join_views,
    lenient_time,
    list_dict,
    paper_dict,
    time_from_unix,
)
from papersift.share.merge import merge_paper
from papersift.share.validate import load_list, validate_list


def build_list(
    entries: Sequence[Entry], meta: ListMeta, review: dict[str, Any] | None = None
) -> dict:
    """The reading-list object for `entries`, as `meta.author`'s list (canonical form),
    with `review` (a review section, see `canonical_review`) if given.

    The user's triage becomes `meta.author`'s view; the views they received (`shared`)
    travel along. A user's view that only repeats tags received from others (never
    changed by the user) is left out, so passing a list on does not echo it back.
    Raises `PapersiftError` if the result could not be read back (e.g. a tag too long).
    """
    by_id: dict[str, dict[str, Any]] = {}
    times: set[str] = set()
    for entry in entries:
        paper, triage = entry.paper, entry.triage
        received = [
            PaperView(
                by=view.by,
                at=lenient_time(view.at),
                note=view.note,
                starred=view.starred,
                status=view.status or DEFAULT_STATUS,
                tags=tuple(view.tags),
            )
            for view in triage.shared
        ]
        own = PaperView(
            by=meta.author,
            at=time_from_unix(triage.changed),
            note=triage.note,
            starred=triage.starred,
            status=triage.status or DEFAULT_STATUS,
            tags=tuple(triage.tags),
        )
        received_tags = {t for view in received for t in view.tags}
        echo_only = not own.at and not own.has_content and set(own.tags) <= received_tags
        views = received if echo_only else [own, *received]
        bib = {
            "id": paper.id,
            "title": paper.title,
            "abstract": paper.abstract,
            "authors": tuple(paper.authors),
            "year": paper.year,
            "venue": paper.venue,
            "doi": paper.doi,
            "arxiv": paper.arxiv,
            "url": paper.url,
        }
        item = paper_dict(bib, join_views(views))
        by_id[paper.id] = merge_paper(by_id[paper.id], item) if paper.id in by_id else item
        times.update((time_from_unix(paper.added), item["changed_at"]))
        times.update(o["at"] for o in item["others"])
    section = None if review is None else canonical_review(review)
    if section is not None:
        # A decision is a change of the list like a note: `updated` says when.
        times.update((section["created"], section["defined_at"], section["unblinded_at"]))
        times.update(d["at"] for d in section["decisions"])
    times.discard("")
    try:
        # From the content, not the clock, so that building twice gives the same bytes.
        created = canonical_time(meta.created) or min(times, default="")
        updated = canonical_time(meta.updated) or max(times, default="")
    except ValueError as exc:
        raise PapersiftError(f"list times must be ISO-8601 (got {str(exc)[:40]!r})") from None
    updated = max(updated, created)
    meta = replace(meta, created=created, updated=updated)
    data = list_dict(meta, by_id.values(), section)
    validate_list(data, f"reading list {meta.name!r}")
    return data


def write_list(
    path: Path,
    entries: Sequence[Entry],
    meta: ListMeta,
    *,
    force: bool = False,
    review: dict[str, Any] | None = None,
) -> None:
    """Write `entries` as a reading list to `path` atomically.

    Refuses to replace an existing file unless `force` (`PapersiftError`). When replacing
    a list, its `created` is kept (unless `meta` gives one), so re-exporting an unchanged
    list rewrites the same bytes.
    """
    path = Path(path)
    if force and not meta.created:
        meta = replace(meta, created=_existing_created(path))
    atomic_write_bytes(path, dumps_list(build_list(entries, meta, review)), overwrite=force)


def _existing_created(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > MAX_LIST_CHARS * 4:
            return ""
        return load_list(path.read_text(encoding="utf-8-sig"), path.name)["created"]
    except (OSError, UnicodeDecodeError, PapersiftError):
        # Whatever is there is replaced anyway; it just has no `created` worth keeping.
        return ""
