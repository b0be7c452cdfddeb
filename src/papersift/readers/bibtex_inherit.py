"""Data inheritance between BibTeX entries, resolved as biber resolves it.

Three links exist. `xdata = {k1, k2}` (biblatex) copies every field of the `@xdata`
entries named, recursively, into the entry where it lacks them. `crossref = {parent}`
(BibTeX and biblatex) copies the parent's fields the child lacks, renamed by biblatex's
default inheritance rules (biblatex manual, appendix B: a `@book`'s `title` becomes an
`@inbook`'s `booktitle`, a `@periodical`'s `title` an `@article`'s `journaltitle`, an
`@mvbook`'s `title` a `@book`'s `maintitle`, and so on; fields such as `ids`, `crossref`
and `shorthand` are never inherited). `xref` only names a parent: nothing is copied.
Parents are found by citation key or by an alias in their `ids` field, case-insensitively.
xdata is resolved before crossref (a parent's xdata reaches its children).

Biber's granular references inside values (`author = {xdata=key-author-1}`) are kept
literally, as biber itself keeps the malformed ones.

`inherit` returns, per entry, only the fields it gains: the entry's own fields stay as
written (`BibtexOrigin.fields`, with its `crossref`/`xdata` link), the gained ones go
beside them (`BibtexOrigin.inherited`), so export can write the link when the parent is
exported too and the inherited fields when it is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["LINK_FIELDS", "Inheritance", "inherit", "link_keys"]

#: Fields that name other entries.
LINK_FIELDS = ("crossref", "xdata", "xref")

#: Never inherited (biblatex's default `\DefaultInheritance` exclusions).
_NO_INHERIT = frozenset(
    {
        "ids", "crossref", "xref", "xdata", "entryset", "entrysubtype", "execute", "label",
        "options", "presort", "related", "relatedoptions", "relatedstring", "relatedtype",
        "shorthand", "shorthandintro", "sortkey",
    }
)  # fmt: skip

#: BibTeX names biber reads as the biblatex ones: a child with one lacks neither.
_ALIASES = {
    "journal": "journaltitle",
    "address": "location",
    "school": "institution",
    "annote": "annotation",
    "archiveprefix": "eprinttype",
    "primaryclass": "eprintclass",
}

_NOT_TITLES = {"shorttitle": (), "sorttitle": (), "indextitle": (), "indexsorttitle": ()}


def _titles(prefix: str) -> dict[str, tuple[str, ...]]:
    return {
        "title": (f"{prefix}title",),
        "subtitle": (f"{prefix}subtitle",),
        "titleaddon": (f"{prefix}titleaddon",),
        **_NOT_TITLES,
    }


#: (parent types, child types, field -> the child's fields it fills); other fields keep
#: their names. Every matching rule applies (book -> inbook matches two).
_RULES: tuple[tuple[frozenset[str], frozenset[str], dict[str, tuple[str, ...]]], ...] = (
    (
        frozenset({"mvbook", "book"}),
        frozenset({"inbook", "bookinbook", "suppbook"}),
        {"author": ("author", "bookauthor")},
    ),
    (
        frozenset({"mvbook"}),
        frozenset({"book", "inbook", "bookinbook", "suppbook"}),
        _titles("main"),
    ),
    (
        frozenset({"mvcollection", "mvreference"}),
        frozenset({"collection", "reference", "incollection", "inreference", "suppcollection"}),
        _titles("main"),
    ),
    (
        frozenset({"mvproceedings"}),
        frozenset({"proceedings", "inproceedings"}),
        _titles("main"),
    ),
    (
        frozenset({"book"}),
        frozenset({"inbook", "bookinbook", "suppbook"}),
        _titles("book"),
    ),
    (
        frozenset({"collection", "reference"}),
        frozenset({"incollection", "inreference", "suppcollection"}),
        _titles("book"),
    ),
    (frozenset({"proceedings"}), frozenset({"inproceedings"}), _titles("book")),
    (
        frozenset({"periodical"}),
        frozenset({"article", "suppperiodical"}),
        {
            "title": ("journaltitle",),
            "subtitle": ("journalsubtitle",),
            **_NOT_TITLES,
        },
    ),
)


class Inheritance(NamedTuple):
    """What `inherit` found: per entry the fields it gains, and problems as
    (entry index, message) pairs."""

    gained: list[list[tuple[str, str]]]
    problems: list[tuple[int, str]]


def link_keys(value: str) -> list[str]:
    """The keys a `crossref`/`xdata`/`xref`/`ids` value names (comma-separated)."""
    return [k.strip() for k in value.replace("{", "").replace("}", "").split(",") if k.strip()]


def _canonical(name: str) -> str:
    low = name.lower()
    return _ALIASES.get(low, low)


def _mapping(parent_type: str, child_type: str) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, tuple[str, ...]] = {}
    for parents, children, fields in _RULES:
        if parent_type in parents and child_type in children:
            for name, targets in fields.items():
                mapping.setdefault(name, targets)
    return mapping


def inherit(entries: Sequence[tuple[str, str, Sequence[tuple[str, str]]]]) -> Inheritance:
    """Resolve xdata and crossref for `entries` (entry type lower case, key, raw fields).

    Missing parents and loops are problems (the entry keeps what it has), never errors.
    """
    by_key: dict[str, int] = {}
    for n, (_, key, _) in enumerate(entries):
        by_key.setdefault(key.casefold(), n)
    for n, (_, _, fields) in enumerate(entries):
        for name, value in fields:
            if name.lower() == "ids":
                for alias in link_keys(value):
                    by_key.setdefault(alias.casefold(), n)

    problems: list[tuple[int, str]] = []
    with_xdata: dict[int, list[tuple[str, str]]] = {}
    resolved: dict[int, list[tuple[str, str]]] = {}

    def link(n: int, name: str) -> str:
        return next((v for f, v in entries[n][2] if f.lower() == name), "")

    def add(into: list[tuple[str, str]], name: str, value: str) -> None:
        have = {_canonical(f) for f, _ in into}
        if _canonical(name) not in have:
            into.append((name, value))

    def xdata_fields(n: int, visiting: frozenset[int]) -> list[tuple[str, str]]:
        """Own fields plus everything its xdata parents give, recursively."""
        if n in with_xdata:
            return with_xdata[n]
        fields = list(entries[n][2])
        for parent_key in link_keys(link(n, "xdata")):
            p = by_key.get(parent_key.casefold())
            if p is None:
                problems.append((n, f"xdata entry {parent_key!r} is not in the file"))
                continue
            if p in visiting or p == n:
                problems.append((n, f"xdata {parent_key!r} leads back to itself (a loop)"))
                continue
            for name, value in xdata_fields(p, visiting | {n}):
                if name.lower() not in _NO_INHERIT:
                    add(fields, name, value)
        with_xdata[n] = fields
        return fields

    def full_fields(n: int, visiting: frozenset[int]) -> list[tuple[str, str]]:
        """xdata, then the crossref parent's fully resolved fields, renamed."""
        if n in resolved:
            return resolved[n]
        fields = list(xdata_fields(n, frozenset()))
        parent_key = link_keys(link(n, "crossref"))
        if parent_key:
            p = by_key.get(parent_key[0].casefold())
            if p is None:
                problems.append((n, f"crossref entry {parent_key[0]!r} is not in the file"))
            elif p in visiting or p == n:
                problems.append((n, f"crossref {parent_key[0]!r} leads back to itself (a loop)"))
            else:
                mapping = _mapping(entries[p][0], entries[n][0])
                for name, value in full_fields(p, visiting | {n}):
                    low = name.lower()
                    if low in _NO_INHERIT:
                        continue
                    for target in mapping.get(low, (name,)):
                        add(fields, target, value)
        resolved[n] = fields
        return fields

    gained: list[list[tuple[str, str]]] = []
    for n, (_, _, own) in enumerate(entries):
        if not any(f.lower() in ("crossref", "xdata") for f, _ in own):
            gained.append([])
            continue
        count = len(own)
        gained.append(full_fields(n, frozenset())[count:])
    return Inheritance(gained, problems)
