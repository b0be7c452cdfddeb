"""Choose papers the way the CLI's --query/--starred/--tag/--status options describe."""

from __future__ import annotations

from collections.abc import Iterable

from papersift.models import STATUSES, Entry, PapersiftError
from papersift.store import Library


def select(
    library: Library,
    *,
    query: str | None = None,
    starred: bool = False,
    tags: Iterable[str] = (),
    status: str | None = None,
) -> list[Entry]:
    """Entries matching all the given filters, in library order (query results keep the
    query's order)."""
    entries = library.entries()
    if query:
        from papersift.query import filter_entries

        entries = filter_entries(entries, query, cache=library.index_cache)
    if starred:
        entries = [e for e in entries if e.triage.starred]
    wanted = [t.casefold() for t in tags]
    if wanted:
        entries = [
            e for e in entries if all(w in {t.casefold() for t in e.triage.tags} for w in wanted)
        ]
    if status is not None:
        if status not in STATUSES:
            raise PapersiftError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        entries = [e for e in entries if e.triage.status == status]
    return entries
