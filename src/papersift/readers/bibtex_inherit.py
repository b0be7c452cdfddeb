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

Biber's granular references inside values are resolved as biber resolves them:
`title = {xdata=gxd4-title}` is the `@xdata` entry gxd4's title, `author = {Simon Smith
and xdata=gxd2-author-1}` takes gxd2's first author, `location = {xdata=gxd3-location}`
all of gxd3's places. A malformed one (no field, a field or entry that is not there, not
an `@xdata` entry, a position past the end or on a field that is no list, a name list
given to a literal list, a loop) is kept literally, as biber keeps it, with a problem.
Resolved values replace the references in the entry's own fields (`Inheritance.rewritten`):
`@xdata` entries are never exported, so an export must carry what they gave.

`inherit` returns, per entry, only the fields it gains: the entry's own fields stay as
written (`BibtexOrigin.fields`, with its `crossref`/`xdata` link), the gained ones go
beside them (`BibtexOrigin.inherited`), so export can write the link when the parent is
exported too and the inherited fields when it is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

__all__ = ["LINK_FIELDS", "Inheritance", "has_granular_reference", "inherit", "link_keys"]

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

#: biblatex's name lists and literal lists (its data model); every other field is one
#: literal. A granular reference's position counts items of a list, and a reference
#: joins only fields of one kind.
_NAME_LISTS = frozenset(
    {
        "author", "editor", "editora", "editorb", "editorc", "translator", "annotator",
        "commentator", "introduction", "foreword", "afterword", "bookauthor", "holder",
        "namea", "nameb", "namec", "shortauthor", "shorteditor", "sortname",
    }
)  # fmt: skip
_LITERAL_LISTS = frozenset(
    {
        "location", "address", "publisher", "institution", "school", "organization",
        "language", "origlocation", "origpublisher", "lista", "listb", "listc", "listd",
        "liste", "listf",
    }
)  # fmt: skip
_REFERENCE = re.compile(r"\s*xdata\s*=\s*(\S+)\s*\Z")


def _field_kind(name: str) -> str:
    low = name.lower()
    if low in _NAME_LISTS:
        return "name list"
    return "list" if low in _LITERAL_LISTS else "literal"


def has_granular_reference(value: str) -> bool:
    """Whether a raw value may hold a granular `xdata=key-field-n` reference."""
    # (Case-sensitive, as biber's marker is: this runs on every value of every file.)
    return "xdata" in value and "=" in value


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
    #: Entry index -> its own fields with granular references resolved (entries with
    #: none are not here).
    rewritten: dict[int, list[tuple[str, str]]]


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


def inherit(
    entries: Sequence[tuple[str, str, Sequence[tuple[str, str]]]],
    split_list: Callable[[str], list[str]],
) -> Inheritance:
    """Resolve xdata, granular xdata references and crossref for `entries` (entry type
    lower case, key, raw fields). `split_list` splits a raw list value on its ` and `s.

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

    def referenced(n: int, name: str, ref: str, seen: frozenset[tuple[int, str]]) -> list[str]:
        """The items (one for a literal) `xdata=ref` in field `name` stands for; raises
        ValueError saying why it is malformed."""
        parts = ref.split("-")
        position = 0
        if len(parts) >= 3 and parts[-1].isdigit():
            position = int(parts.pop())
        if len(parts) < 2:
            raise ValueError("it names no field (xdata=KEY-FIELD)")
        field, key = parts[-1], "-".join(parts[:-1])
        p = by_key.get(key.casefold())
        if p is None:
            raise ValueError(f"there is no entry {key!r}")
        if entries[p][0] != "xdata":
            raise ValueError(f"{key!r} is a @{entries[p][0]}, not an xdata entry")
        if (p, field.lower()) in seen:
            raise ValueError("it leads back to itself")
        value = next(
            (v for f, v in xdata_fields(p, frozenset()) if f.lower() == field.lower()), None
        )
        if value is None:
            raise ValueError(f"{key!r} has no {field}")
        kind = _field_kind(name)
        if _field_kind(field) != kind:
            raise ValueError(f"{field} is a {_field_kind(field)}, {name} a {kind}")
        value = resolve(n, field, value, seen | {(p, field.lower())}, report=False)
        if kind == "literal":
            if position:
                raise ValueError(f"{field} is no list: a position means nothing")
            return [value]
        items = split_list(value)
        if position > len(items):
            raise ValueError(f"{key}'s {field} has {len(items)} item(s), not {position}")
        return [items[position - 1]] if position else items

    def resolve(
        n: int, name: str, value: str, seen: frozenset[tuple[int, str]], report: bool = True
    ) -> str:
        """`value` of field `name` with its granular references resolved; a malformed one
        stays as written (and is a problem of entry `n` when `report`)."""
        if not has_granular_reference(value):
            return value
        items = [value] if _field_kind(name) == "literal" else split_list(value)
        out: list[str] = []
        for item in items:
            m = _REFERENCE.match(item)
            if m is None:
                out.append(item)
                continue
            try:
                out.extend(referenced(n, name, m.group(1), seen))
            except ValueError as why:
                if report:
                    problems.append(
                        (
                            n,
                            f"granular reference {name} = {{{item.strip()}}} kept as written: "
                            f"{why}",
                        )
                    )
                if seen:
                    raise
                out.append(item)
        return " and ".join(out) if len(out) > 1 or len(items) > 1 else out[0]

    gained: list[list[tuple[str, str]]] = []
    rewritten: dict[int, list[tuple[str, str]]] = {}
    for n, (entry_type, _, own) in enumerate(entries):
        if entry_type != "xdata" and any(has_granular_reference(v) for _, v in own):
            fields = [(f, resolve(n, f, v, frozenset())) for f, v in own]
            if fields != list(own):
                rewritten[n] = fields
        if not any(f.lower() in ("crossref", "xdata") for f, _ in own):
            gained.append([])
            continue
        count = len(own)
        extra = full_fields(n, frozenset())[count:]
        gained.append([(f, resolve(n, f, v, frozenset())) for f, v in extra])
    return Inheritance(gained, problems, rewritten)
