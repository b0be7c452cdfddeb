"""Saved views (issue #15): a query, the view it narrows and a sort, kept under a name.

A saved view is one row of the library's "views" table (`Library.saved_view_rows`, in
triage.json beside the user's other decisions). Its view key is ``saved:<name>``: the
sidebar, the saved TUI state and `papersift list --view` name it so. What it holds is
`views.filter_view`'s business: the base view's papers matching the saved query.

Names are unique without regard to case, one line, and never one a built-in view key
already answers to (``inbox``, ``tag:x``…), so `--view NAME` never has to choose. Every
change is computed from the rows on disk under the library's lock
(`Library.update_saved_views`): two processes saving at once keep both views.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from papersift.models import PapersiftError
from papersift.textsafe import one_line

if TYPE_CHECKING:
    from papersift.store import Library

__all__ = [
    "NAME_MAX",
    "SAVED_PREFIX",
    "SavedView",
    "UserViews",
    "check_name",
    "delete_view",
    "load_saved_views",
    "rename_view",
    "restore_views",
    "save_view",
    "with_undo",
]

#: View keys of saved views start with this.
SAVED_PREFIX = "saved:"
#: The longest name (it has to fit a sidebar row).
NAME_MAX = 40


@dataclass(frozen=True, slots=True)
class SavedView:
    """One saved view: the papers of `base` matching `query`, in `sort` order."""

    id: str
    name: str
    query: str = ""
    base: str = "all"
    sort: str = "relevance"
    reverse: bool = False
    #: Sidebar order (when it was first saved).
    position: float = 0.0

    @property
    def key(self) -> str:
        """The view key (`saved:<name>`)."""
        return SAVED_PREFIX + self.name

    def to_row(self) -> dict[str, Any]:
        """The row as stored."""
        return {
            "name": self.name,
            "query": self.query,
            "base": self.base,
            "sort": self.sort,
            "reverse": self.reverse,
            "position": self.position,
        }

    @classmethod
    def from_row(cls, view_id: str, row: Mapping[str, Any]) -> SavedView | None:
        """The saved view of a stored row; None for a row this version cannot read (a
        damaged or foreign row is skipped, never a crash)."""
        try:
            name = row["name"]
            query = row.get("query", "")
            base = row.get("base", "all")
            sort = row.get("sort", "relevance")
            if not all(isinstance(x, str) for x in (name, query, base, sort)) or not name:
                return None
            position = row.get("position", 0.0)
            return cls(
                id=str(view_id),
                name=name,
                query=query,
                base=base,
                sort=sort,
                reverse=bool(row.get("reverse", False)),
                position=float(position) if isinstance(position, (int, float)) else 0.0,
            )
        except (KeyError, TypeError, AttributeError, ValueError):
            return None


def _ordered(rows: Mapping[str, Mapping[str, Any]]) -> list[SavedView]:
    views = [v for k, row in rows.items() if (v := SavedView.from_row(k, row)) is not None]
    views.sort(key=lambda v: (v.position, v.name.casefold()))
    return views


def load_saved_views(library: Library) -> tuple[SavedView, ...]:
    """The library's saved views, in sidebar order (oldest first)."""
    return tuple(_ordered(library.saved_view_rows()))


@dataclass(frozen=True, slots=True)
class UserViews:
    """The views that depend on the library's user state rather than on the papers
    alone: the saved views, and when the last session ended ("New since last session"
    holds the papers added after `since`)."""

    saved: tuple[SavedView, ...] = ()
    since: float = 0.0

    def saved_view(self, key: str) -> SavedView | None:
        """The saved view of a `saved:<name>` key, or of a bare name (either without
        regard to case); None when there is none."""
        name = key[len(SAVED_PREFIX) :] if key.startswith(SAVED_PREFIX) else key
        for view in self.saved:
            if view.name == name:
                return view
        folded = name.casefold()
        return next((v for v in self.saved if v.name.casefold() == folded), None)

    @classmethod
    def of_library(cls, library: Library, since: float | None = None) -> UserViews:
        """The saved views on disk now; `since` defaults to the TUI's last close."""
        return cls(load_saved_views(library), library.last_closed() if since is None else since)


def check_name(name: str, taken: Iterable[str] = ()) -> str:
    """`name` cleaned (spaces trimmed), or `PapersiftError` saying why it cannot name a
    saved view: empty, too long, not one line, a built-in view's key, or in `taken`
    (compared without regard to case)."""
    from papersift.views import is_known_view

    cleaned = name.strip()
    if not cleaned:
        raise PapersiftError("a saved view needs a name")
    if one_line(cleaned) != cleaned or "\n" in name:
        raise PapersiftError("a view name is one line of plain text")
    if len(cleaned) > NAME_MAX:
        raise PapersiftError(f"a view name has at most {NAME_MAX} characters")
    folded = cleaned.casefold()
    builtin = is_known_view(folded) or is_known_view(f"status:{folded}")
    if builtin or folded.startswith(SAVED_PREFIX):
        raise PapersiftError(
            f"{cleaned!r} already names a built-in view; choose another name for the saved view"
        )
    if cleaned.casefold() in {t.casefold() for t in taken}:
        raise PapersiftError(f"there is already a saved view named {cleaned!r}")
    return cleaned


def _check_definition(query: str, base: str, sort: str) -> None:
    from papersift.query import QueryError, parse
    from papersift.views import is_known_view, sort_mode

    if query.strip():
        try:
            parse(query)
        except QueryError as exc:
            raise PapersiftError(f"the query does not parse: {exc}") from None
    if base == "new":
        pass
    elif not is_known_view(base) or base.startswith(SAVED_PREFIX):
        raise PapersiftError(f"a saved view cannot narrow the view {base!r}")
    sort_mode(sort)


def save_view(
    library: Library,
    name: str,
    query: str,
    *,
    base: str = "all",
    sort: str = "relevance",
    reverse: bool = False,
    replace: bool = False,
) -> SavedView:
    """Save (or with `replace`, overwrite the one of that name) a view; returns it.

    A new view goes last in the sidebar; a replaced one keeps its place. Raises
    `PapersiftError` for a bad name, a query that does not parse, an unknown sort or a
    name taken (without `replace`), and then writes nothing.
    """
    from papersift.views import sort_mode

    query = query.strip()
    sort = sort_mode(sort).key
    _check_definition(query, base, sort)
    saved: list[SavedView] = []

    def change(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
        views = _ordered(rows)
        same = next((v for v in views if v.name.casefold() == name.strip().casefold()), None)
        if same is not None and not replace:
            check_name(name, [v.name for v in views])
        clean = check_name(name, [v.name for v in views if v is not same])
        position = same.position if same is not None else time.time()
        if same is None and views:
            position = max(position, views[-1].position + 1e-6)
        view = SavedView(
            id=same.id if same is not None else uuid.uuid4().hex[:12],
            name=clean,
            query=query,
            base=base,
            sort=sort,
            reverse=reverse,
            position=position,
        )
        saved.append(view)
        return {view.id: view.to_row()}

    library.update_saved_views(change)
    return saved[-1]


def with_undo(
    library: Library, change: Callable[[], SavedView]
) -> tuple[SavedView, dict[str, SavedView | None]]:
    """Run a saved-view change (`save_view`, `rename_view` or `delete_view`, in a
    lambda) and return its result with what `restore_views` needs to undo it: the
    changed view as it was (None: it did not exist before)."""
    before = {v.id: v for v in load_saved_views(library)}
    view = change()
    return view, {view.id: before.get(view.id)}


def restore_views(library: Library, before: Mapping[str, SavedView | None]) -> None:
    """Put saved views back as they were (undo); a view that did not exist is deleted."""

    def change(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
        return {vid: (v.to_row() if v is not None else None) for vid, v in before.items()}

    library.update_saved_views(change)


def _find(views: Iterable[SavedView], name: str) -> SavedView:
    views = list(views)
    wanted = name[len(SAVED_PREFIX) :] if name.startswith(SAVED_PREFIX) else name
    found = UserViews(tuple(views)).saved_view(wanted.strip())
    if found is None:
        known = ", ".join(repr(v.name) for v in views) or "none yet"
        raise PapersiftError(f"no saved view named {wanted.strip()!r} (saved views: {known})")
    return found


def rename_view(library: Library, old: str, new: str) -> SavedView:
    """Rename a saved view (found without regard to case); returns it renamed.
    `PapersiftError` if there is none of that name or the new name cannot be used."""
    renamed: list[SavedView] = []

    def change(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
        views = _ordered(rows)
        view = _find(views, old)
        clean = check_name(new, [v.name for v in views if v.id != view.id])
        result = SavedView(
            view.id, clean, view.query, view.base, view.sort, view.reverse, view.position
        )
        renamed.append(result)
        return {view.id: result.to_row()}

    library.update_saved_views(change)
    return renamed[-1]


def delete_view(library: Library, name: str) -> SavedView:
    """Delete a saved view (found without regard to case); returns what was deleted."""
    deleted: list[SavedView] = []

    def change(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
        view = _find(_ordered(rows), name)
        deleted.append(view)
        return {view.id: None}

    library.update_saved_views(change)
    return deleted[-1]
