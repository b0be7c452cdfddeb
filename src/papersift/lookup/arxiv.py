"""The arXiv API: many ids in one request (`id_list`), its Atom answer read safely.

The feed is parsed with the standard library's expat, through a tree builder of our
own that refuses any DOCTYPE: an Atom feed never has one, and without a DTD there is no
entity to expand (no "billion laughs", no external entity fetched). That is all
defusedxml would add here, so it is not a dependency.

One entry per paper; its `<id>` is the abstract page of the version returned
(`http://arxiv.org/abs/2405.21046v1`). An id arXiv does not know comes back as no
entry, or as an entry without a title; a malformed one as an entry whose id is
`http://arxiv.org/api/errors#…`.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode
from xml.etree.ElementTree import Element, TreeBuilder

from papersift.lookup.fetch import Permanent
from papersift.lookup.identifiers import Identifier, parse_identifier

__all__ = ["MAX_BATCH", "ArxivEntry", "Feed", "match_entries", "parse_feed", "query_url"]

#: Ids per request: 50 pasted ids are one request; the URL stays a few kB.
MAX_BATCH = 100
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_ERROR_ID = "arxiv.org/api/errors"
_ERROR_FOR = re.compile(r"for (\S+)\s*$")
_SUBJECT_CLASS = re.compile(r"\.[a-z]{2}/")


@dataclass(slots=True)
class ArxivEntry:
    """One paper of a feed, as arXiv describes the version it returned."""

    arxiv: str
    version: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    year: int | None
    doi: str
    journal_ref: str


@dataclass(slots=True)
class Feed:
    """A parsed answer: its papers, and the ids arXiv called malformed (with why)."""

    entries: list[ArxivEntry]
    errors: dict[str, str]


def query_url(base: str, ids: Sequence[Identifier]) -> str:
    """The query for these ids in one request (`max_results` so none is cut off)."""
    id_list = ",".join(f"{i.value}v{i.version}" if i.version else i.value for i in ids)
    return f"{base}?{urlencode({'id_list': id_list, 'max_results': len(ids)})}"


def _refuse_dtd(*_args: object) -> None:
    raise Permanent("the answer declares a DTD (refused: an Atom feed has none)")


def _parse_xml(data: bytes) -> Element:
    """`data` as an element tree, or `Permanent` for anything that is not plain XML."""
    builder = TreeBuilder()
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd

    def start(name: str, attrs: dict[str, str]) -> None:
        builder.start(("{" + name) if "}" in name else name, attrs)

    def end(name: str) -> None:
        builder.end(("{" + name) if "}" in name else name)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise Permanent(f"malformed XML from arXiv: {exc}") from None
    except (LookupError, ValueError) as exc:  # an encoding Python does not know
        raise Permanent(f"unreadable XML from arXiv: {exc}") from None
    return builder.close()


def _text(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _abstract(element: Element | None) -> str:
    """arXiv wraps abstracts at ~80 columns: lines joined, blank-line paragraphs kept."""
    if element is None:
        return ""
    paragraphs = re.split(r"\n\s*\n", "".join(element.itertext()))
    return "\n\n".join(p for p in (" ".join(p.split()) for p in paragraphs) if p)


def _entry(element: Element) -> tuple[ArxivEntry | None, str, str]:
    """(entry, error id, error text): an error entry names the id it is about."""
    entry_id = _text(element.find(f"{ATOM}id"))
    if _ERROR_ID in entry_id:
        summary = _text(element.find(f"{ATOM}summary"))
        m = _ERROR_FOR.search(summary)
        return None, m.group(1) if m else "", summary or "arXiv refused the id"
    found = parse_identifier(entry_id)
    title = _text(element.find(f"{ATOM}title"))
    if found is None or found.kind != "arxiv" or not title:
        return None, "", ""
    published = _text(element.find(f"{ATOM}published"))
    year = int(published[:4]) if published[:4].isdigit() else None
    authors = tuple(
        name for a in element.findall(f"{ATOM}author") if (name := _text(a.find(f"{ATOM}name")))
    )
    entry = ArxivEntry(
        arxiv=found.value,
        version=found.version,
        title=title,
        abstract=_abstract(element.find(f"{ATOM}summary")),
        authors=authors,
        year=year,
        doi=_text(element.find(f"{ARXIV}doi")),
        journal_ref=_text(element.find(f"{ARXIV}journal_ref")),
    )
    return entry, "", ""


def parse_feed(data: bytes) -> Feed:
    """The papers of an arXiv Atom answer; `Permanent` if it is not one."""
    root = _parse_xml(data)
    if root.tag != f"{ATOM}feed":
        raise Permanent(f"not an Atom feed (the document is <{root.tag}>)")
    entries: list[ArxivEntry] = []
    errors: dict[str, str] = {}
    for element in root.findall(f"{ATOM}entry"):
        entry, bad_id, why = _entry(element)
        if entry is not None:
            entries.append(entry)
        elif why:
            errors[bad_id] = why
    return Feed(entries, errors)


def _paper_of(bare: str) -> str:
    # arXiv answers math.GT/0309136 as math/0309136: the subject class is not the id.
    return _SUBJECT_CLASS.sub("/", bare)


def match_entries(asked: Sequence[Identifier], feed: Feed) -> dict[Identifier, ArxivEntry]:
    """Which entry answers which id asked for: the exact version when one was asked,
    else the (latest) entry of that paper."""
    by_paper: dict[str, list[ArxivEntry]] = {}
    for entry in feed.entries:
        by_paper.setdefault(_paper_of(entry.arxiv), []).append(entry)
    found: dict[Identifier, ArxivEntry] = {}
    for ident in asked:
        for entry in by_paper.get(_paper_of(ident.value), ()):
            if ident.version in (0, entry.version):
                found[ident] = entry
                break
    return found
