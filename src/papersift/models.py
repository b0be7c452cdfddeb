"""The types that cross module boundaries: records read from files, papers, triage state.

Data flows one way: a reader turns a file into `Record`s, dedupe and the importer turn
records into `Paper`s in the corpus, the user's decisions live apart in `Triage`, and
`Entry` joins the two for queries, views and exports.

Nothing here imports Textual; everything here is plain data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class StatusLabel:
    """How one triage status is named to people, wherever it is shown."""

    #: As stored and queried (`is:to-read`).
    name: str
    #: Its view's title and the heading in triage mode and the duplicates review.
    title: str
    #: In the paper list's status column.
    short: str
    #: What its key does, in the footer and the help ("Discard").
    action: str
    #: The key's longer description (the help screen, the footer's tooltip).
    tooltip: str


#: Triage statuses in workflow order, with their labels. "inbox" means not triaged yet.
STATUS_LABELS: dict[str, StatusLabel] = {
    label.name: label
    for label in (
        StatusLabel("inbox", "Inbox", "inbox", "Inbox", "Back to the inbox (not triaged)"),
        StatusLabel("to-read", "To read", "to-read", "To read", "To read (read later)"),
        StatusLabel("reading", "Reading", "reading", "Reading", "Reading (working through it)"),
        StatusLabel("read", "Read", "read", "Read", "Read (checked off)"),
        StatusLabel("discarded", "Discarded", "discarded", "Discard", "Discard (not relevant)"),
    )
}
#: The statuses' names in workflow order.
STATUSES: tuple[str, ...] = tuple(STATUS_LABELS)
DEFAULT_STATUS = "inbox"


class PapersiftError(Exception):
    """The one documented error type: a problem the user can act on.

    Every message names what went wrong and, where there is one, the file and line
    (or JSON path). The CLI prints it and exits non-zero; the TUI shows it.
    """


def positive_number(value: object) -> float | None:
    """`value` as a float if it is a number > 0 (a bool is not: TOML and JSON say
    `true`, Python counts it as 1), else None. For settings read from files."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


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
    enclosing braces/quotes removed), in file order. `inherited` holds the raw fields
    the entry gained from its `crossref`/`xdata` parents (`readers.bibtex_inherit`).
    """

    entry_type: str
    key: str
    fields: tuple[tuple[str, str], ...]
    inherited: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.entry_type,
            "key": self.key,
            "fields": [list(f) for f in self.fields],
        }
        if self.inherited:
            data["inherited"] = [list(f) for f in self.inherited]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BibtexOrigin:
        return cls(
            entry_type=str(data["type"]),
            key=str(data["key"]),
            fields=tuple((str(k), str(v)) for k, v in data["fields"]),
            inherited=tuple((str(k), str(v)) for k, v in data.get("inherited", ())),
        )


def _venue(paper: Paper) -> str:
    return paper.venue


#: Raw BibTeX fields a paper's own data can give back, by lower-case field name. The
#: corpus stores such a field as `[name]` (no value) when its raw value is exactly what
#: the function returns: raw abstracts and titles without markup would otherwise be
#: stored twice (a third of a 100k corpus.json).
_DERIVED_FIELDS: dict[str, Callable[[Paper], str]] = {
    "title": lambda p: p.title,
    "abstract": lambda p: p.abstract,
    "author": lambda p: " and ".join(p.authors),
    "year": lambda p: "" if p.year is None else str(p.year),
    "journal": _venue,
    "journaltitle": _venue,
    "booktitle": _venue,
    "howpublished": _venue,
    "doi": lambda p: p.doi,
    "url": lambda p: p.url,
}


def _stored_bibtex(origin: BibtexOrigin, paper: Paper) -> dict[str, Any]:
    """`origin` as the corpus stores it: raw values the paper gives back are left out."""
    fields: list[list[str]] = []
    derived = _DERIVED_FIELDS
    for name, value in origin.fields:
        fn = derived.get(name.lower())
        if fn is not None and value and fn(paper) == value:
            fields.append([name])
        else:
            fields.append([name, value])
    stored: dict[str, Any] = {"type": origin.entry_type, "key": origin.key, "fields": fields}
    if origin.inherited:
        stored["inherited"] = [list(f) for f in origin.inherited]
    return stored


def _loaded_bibtex(data: dict[str, Any], paper: Paper) -> BibtexOrigin:
    """The inverse of `_stored_bibtex`; full `[name, value]` pairs (any version) load as is."""
    fields: list[tuple[str, str]] = []
    for item in data["fields"]:
        if len(item) == 1:
            name = str(item[0])
            fn = _DERIVED_FIELDS.get(name.lower())
            if fn is None:
                raise ValueError(f"bibtex field {name!r} has no value")
            fields.append((name, fn(paper)))
        else:
            name, value = item
            fields.append((str(name), str(value)))
    inherited = tuple((str(k), str(v)) for k, v in data.get("inherited", ()))
    return BibtexOrigin(str(data["type"]), str(data["key"]), tuple(fields), inherited)


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
        """The paper in one dict: `light_dict()` with `texts_dict()` (the form of
        corpus.json before version 3, and what `from_dict` reads)."""
        data = self.light_dict()
        data.update(self.texts_dict())
        return data

    def light_dict(self) -> dict[str, Any]:
        """Everything but the long texts: what a list of papers shows and filters on."""
        data: dict[str, Any] = {"id": self.id, "title": self.title}
        if self.authors:
            data["authors"] = list(self.authors)
        if self.year is not None:
            data["year"] = self.year
        if self.venue:
            data["venue"] = self.venue
        if self.doi:
            data["doi"] = self.doi
        if self.arxiv:
            data["arxiv"] = self.arxiv
        if self.url:
            data["url"] = self.url
        data["sources"] = [{"file": s.file, "index": s.index} for s in self.sources]
        data["added"] = self.added
        return data

    def texts_dict(self) -> dict[str, Any]:
        """The abstract and the BibTeX origin (see `_stored_bibtex`); {} when neither.

        Kept apart from `light_dict` so a reader can load the list of papers first and
        these, most of a corpus's bytes, later (`store`'s lazy texts)."""
        data: dict[str, Any] = {}
        if self.abstract:
            data["abstract"] = self.abstract
        if self.bibtex is not None:
            data["bibtex"] = _stored_bibtex(self.bibtex, self)
        return data

    def load_texts(self, data: dict[str, Any]) -> None:
        """Set the abstract and BibTeX origin from `texts_dict()`'s form, in place.

        In place, not a new `Paper`: whoever already holds this paper (an entry, an
        undo record) sees the texts too. Wrong types raise like `from_dict`."""
        abstract = data.get("abstract")
        self.abstract = str(abstract) if abstract is not None else ""
        bib = data.get("bibtex")
        self.bibtex = _loaded_bibtex(bib, self) if bib else None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Paper:
        """A paper from `to_dict`'s (or `light_dict`'s) form. Wrong types are converted
        or raise (KeyError/TypeError/ValueError); the store turns that into a clear error."""
        get = data.get
        year = get("year")
        authors = get("authors")
        sources = get("sources")
        paper = cls(
            str(data["id"]),
            str(data["title"]),
            str(get("abstract", "")),
            tuple(map(str, authors)) if authors else (),
            int(year) if year is not None else None,
            str(get("venue", "")),
            str(get("doi", "")),
            str(get("arxiv", "")),
            str(get("url", "")),
            None,
            tuple([Source(str(s["file"]), int(s["index"])) for s in sources]) if sources else (),
            float(get("added", 0.0)),
        )
        bib = get("bibtex")
        if bib:
            paper.bibtex = _loaded_bibtex(bib, paper)
        return paper


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
