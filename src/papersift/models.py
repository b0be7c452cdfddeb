"""The types that cross module boundaries: records read from files, papers, triage state.

Data flows one way: a reader turns a file into `Record`s, dedupe and the importer turn
records into `Paper`s in the corpus, the user's decisions live apart in `Triage`, and
`Entry` joins the two for queries, views and exports.

Nothing here imports Textual; everything here is plain data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

#: Triage statuses in workflow order. "inbox" means not triaged yet.
STATUSES: tuple[str, ...] = ("inbox", "to-read", "reading", "read", "discarded")
DEFAULT_STATUS = "inbox"


class PapersiftError(Exception):
    """The one documented error type: a problem the user can act on.

    Every message names what went wrong and, where there is one, the file and line
    (or JSON path). The CLI prints it and exits non-zero; the TUI shows it.
    """


@dataclass(frozen=True, slots=True)
class Source:
    """Where one record came from: a file's base name and its 0-based position there."""

    file: str
    index: int

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "index": self.index}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(file=str(data["file"]), index=int(data["index"]))


@dataclass(frozen=True, slots=True)
class BibtexOrigin:
    """The original BibTeX entry a paper came from, kept so export can round-trip it.

    `fields` holds the raw field values exactly as written in the file (LaTeX intact,
    enclosing braces/quotes removed), in file order.
    """

    entry_type: str
    key: str
    fields: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.entry_type, "key": self.key, "fields": [list(f) for f in self.fields]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BibtexOrigin:
        return cls(
            entry_type=str(data["type"]),
            key=str(data["key"]),
            fields=tuple((str(k), str(v)) for k, v in data["fields"]),
        )


@dataclass(frozen=True, slots=True)
class SharedView:
    """Someone else's triage of a paper, carried in by a shared reading list.

    Kept beside the user's own state, never over it.
    """

    by: str
    note: str = ""
    starred: bool = False
    status: str = ""
    tags: tuple[str, ...] = ()
    at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "note": self.note,
            "starred": self.starred,
            "status": self.status,
            "tags": list(self.tags),
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SharedView:
        return cls(
            by=str(data["by"]),
            note=str(data.get("note", "")),
            starred=bool(data.get("starred", False)),
            status=str(data.get("status", "")),
            tags=tuple(str(t) for t in data.get("tags", ())),
            at=str(data.get("at", "")),
        )


@dataclass(slots=True)
class Record:
    """One entry as read from one file, before dedupe.

    `line` is the 1-based line where the entry starts, for messages. `triage` is set
    only by readers of formats that carry triage state (shared reading lists).
    """

    title: str
    source: Source
    line: int = 0
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    doi: str = ""
    arxiv: str = ""
    url: str = ""
    bibtex: BibtexOrigin | None = None
    triage: Triage | None = None
    shared_by: str = ""
    #: Stable id given by the file itself (shared lists carry papersift ids).
    given_id: str = ""


@dataclass(slots=True)
class Paper:
    """A deduplicated paper in the corpus (bibliographic data only, no user state)."""

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    venue: str = ""
    doi: str = ""
    arxiv: str = ""
    url: str = ""
    bibtex: BibtexOrigin | None = None
    sources: tuple[Source, ...] = ()
    added: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.abstract:
            data["abstract"] = self.abstract
        if self.authors:
            data["authors"] = list(self.authors)
        if self.year is not None:
            data["year"] = self.year
        for name in ("venue", "doi", "arxiv", "url"):
            value = getattr(self, name)
            if value:
                data[name] = value
        if self.bibtex is not None:
            data["bibtex"] = self.bibtex.to_dict()
        data["sources"] = [s.to_dict() for s in self.sources]
        data["added"] = self.added
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        bib = data.get("bibtex")
        year = data.get("year")
        return cls(
            id=str(data["id"]),
            title=str(data["title"]),
            abstract=str(data.get("abstract", "")),
            authors=tuple(str(a) for a in data.get("authors", ())),
            year=int(year) if year is not None else None,
            venue=str(data.get("venue", "")),
            doi=str(data.get("doi", "")),
            arxiv=str(data.get("arxiv", "")),
            url=str(data.get("url", "")),
            bibtex=BibtexOrigin.from_dict(bib) if bib else None,
            sources=tuple(Source.from_dict(s) for s in data.get("sources", ())),
            added=float(data.get("added", 0.0)),
        )


@dataclass(slots=True)
class Triage:
    """The user's own state for one paper. Default values mean "untouched"."""

    starred: bool = False
    status: str = DEFAULT_STATUS
    tags: tuple[str, ...] = ()
    note: str = ""
    #: Unix time of the last change by the user (0 = never changed).
    changed: float = 0.0
    #: Other people's views of this paper, from shared reading lists, keyed by `by`.
    shared: tuple[SharedView, ...] = ()

    def is_default(self) -> bool:
        """True when nothing was ever set, so the store need not keep a row."""
        return (
            not self.starred
            and self.status == DEFAULT_STATUS
            and not self.tags
            and not self.note
            and not self.shared
        )

    def touched(self, **changes: Any) -> Triage:
        """A copy with `changes` applied and `changed` set to now."""
        return replace(self, changed=time.time(), **changes)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"changed": self.changed}
        if self.starred:
            data["starred"] = True
        if self.status != DEFAULT_STATUS:
            data["status"] = self.status
        if self.tags:
            data["tags"] = list(self.tags)
        if self.note:
            data["note"] = self.note
        if self.shared:
            data["shared"] = [s.to_dict() for s in self.shared]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Triage:
        return cls(
            starred=bool(data.get("starred", False)),
            status=str(data.get("status", DEFAULT_STATUS)),
            tags=tuple(str(t) for t in data.get("tags", ())),
            note=str(data.get("note", "")),
            changed=float(data.get("changed", 0.0)),
            shared=tuple(SharedView.from_dict(s) for s in data.get("shared", ())),
        )


@dataclass(frozen=True, slots=True)
class PossibleDuplicate:
    """Two papers that may be the same; the user decides (merge or keep apart)."""

    a: str
    b: str
    score: float
    reason: str = ""

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a, self.b))

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": self.score, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PossibleDuplicate:
        return cls(
            a=str(data["a"]),
            b=str(data["b"]),
            score=float(data["score"]),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True, slots=True)
class Entry:
    """A paper joined with the user's triage of it: what queries, views and exports see."""

    paper: Paper
    triage: Triage = field(default_factory=Triage)

    @property
    def id(self) -> str:
        return self.paper.id
