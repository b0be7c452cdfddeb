"""Auto-exports: files that keep themselves up to date (Better BibTeX's "keep updated").

`papersift export … -o refs.bib --keep-updated` registers the export: which papers (ids,
or a view/query/filters, or the keys a draft cites), the format, its options and the
file. The registration lives in the library (`Library.auto_exports`, in triage.json).
After every change, from the CLI or the TUI, `refresh` renders each registered export
again and rewrites its file, atomically, only when the bytes differ: a file nothing
relevant changed in keeps its bytes and its modification time, so LaTeX and pandoc
watchers do not rebuild for nothing. Every export is deterministic (same library, same
bytes), and its keys are pinned, so a refresh never renames a key a draft cites.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from papersift.models import Entry, PapersiftError

if TYPE_CHECKING:
    from papersift.store import Library

__all__ = ["AutoExport", "Outcome", "entries_of", "refresh", "register", "registrations"]


@dataclass(frozen=True)
class AutoExport:
    """One registered export: what to write and where."""

    #: Absolute path of the file it keeps up to date.
    path: str
    #: An `exporters.EXPORT_FORMATS` name.
    format: str = "bibtex"
    #: Papers by id (when given, the filters below are not used).
    ids: tuple[str, ...] = ()
    view: str = "all"
    query: str = ""
    starred: bool = False
    tags: tuple[str, ...] = ()
    status: str = ""
    #: "" is the view's own sort: a saved view's (followed when it is re-sorted), else
    #: library order.
    sort: str = ""
    reverse: bool = False
    #: A draft (.aux, .tex, .md) whose cited papers are exported, instead of filters.
    cited: str = ""
    unicode: bool = True
    include_triage: bool = True
    created: float = field(default=0.0, compare=False)

    @property
    def id(self) -> str:
        """One registration per file: its id derives from the path."""
        return hashlib.sha1(self.path.encode("utf-8")).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ids"] = list(self.ids)
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AutoExport:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["ids"] = tuple(values.get("ids", ()))
        values["tags"] = tuple(values.get("tags", ()))
        return cls(**values)

    def describe(self) -> str:
        """One line for `--list-auto` and the TUI: file, format and what it holds."""
        if self.cited:
            what = f"papers cited in {self.cited}"
        elif self.ids:
            what = f"{len(self.ids)} chosen paper" + ("" if len(self.ids) == 1 else "s")
        else:
            parts = [f"view {self.view}"] if self.view != "all" else []
            parts += [f"query {self.query!r}"] if self.query else []
            parts += ["starred"] if self.starred else []
            parts += [f"tag {t}" for t in self.tags]
            parts += [f"status {self.status}"] if self.status else []
            what = ", ".join(parts) or "all papers"
        return f"{self.path} ({self.format}): {what}"


@dataclass(frozen=True)
class Outcome:
    """What one refresh did to one file."""

    export: AutoExport
    #: "written", "unchanged" or "failed".
    result: str
    count: int = 0
    message: str = ""
    #: Keys a cited-only export could not find.
    missing: tuple[str, ...] = ()


def registrations(library: Library) -> list[AutoExport]:
    """The library's auto-exports, by file path."""
    found = [AutoExport.from_dict(d) for d in library.auto_exports().values()]
    return sorted(found, key=lambda a: a.path)


def register(library: Library, export: AutoExport) -> AutoExport:
    """Register (or replace: one per file) an auto-export, with an absolute path."""
    path = str(Path(export.path).expanduser().resolve())
    data = export.to_dict() | {"path": path, "created": export.created or time.time()}
    saved = AutoExport.from_dict(data)
    library.put_auto_export(saved.id, saved.to_dict())
    return saved


def remove(library: Library, path_or_id: str) -> AutoExport:
    """Forget the auto-export of a file (by path or id); `PapersiftError` if none."""
    wanted = str(Path(path_or_id).expanduser().resolve())
    for export in registrations(library):
        if path_or_id in (export.id, export.path) or export.path == wanted:
            library.remove_auto_export(export.id)
            return export
    raise PapersiftError(f"no auto-export writes {path_or_id}; see `papersift export --list-auto`")


def entries_of(library: Library, export: AutoExport) -> tuple[list[Entry], list[str]]:
    """The papers an export holds now, and (cited-only) the keys it cannot find."""
    if export.cited:
        from papersift.cited import cited_keys
        from papersift.citekeys import resolve_keys

        return resolve_keys(library, cited_keys(Path(export.cited)))
    if export.ids:
        ids = [library.canonical_id(i) for i in export.ids]
        return [library.entry(i) for i in dict.fromkeys(ids) if i in library.papers], []
    from papersift.views import select

    entries = select(
        library,
        view=export.view,
        query=export.query or None,
        starred=export.starred,
        tags=export.tags,
        status=export.status or None,
        sort=export.sort or None,
        reverse=export.reverse,
    )
    return entries, []


def render_export(library: Library, export: AutoExport) -> tuple[str, int, list[str]]:
    """The text an auto-export's file should hold now, its paper count, missing keys."""
    from papersift.exporters import ExportSettings, export_entries

    entries, missing = entries_of(library, export)
    settings = ExportSettings(unicode=export.unicode, include_triage=export.include_triage)
    return export_entries(library, entries, export.format, settings), len(entries), missing


def refresh(library: Library) -> list[Outcome]:
    """Bring every registered export's file up to date; a file whose bytes would not
    change is not touched. A failure of one export is reported, not raised."""
    from papersift.fsutil import atomic_write_bytes

    exports = registrations(library)
    if not exports:
        return []
    library.ensure_texts()
    outcomes = []
    for export in exports:
        try:
            text, count, missing = render_export(library, export)
            data = text.encode("utf-8")
            path = Path(export.path)
            try:
                same = path.read_bytes() == data
            except OSError:
                same = False
            if not same:
                atomic_write_bytes(path, data)
            outcomes.append(
                Outcome(export, "unchanged" if same else "written", count, missing=tuple(missing))
            )
        except (PapersiftError, OSError) as exc:
            outcomes.append(Outcome(export, "failed", message=str(exc)))
    return outcomes
