"""CSL-JSON files (Zotero, Better BibTeX, pandoc, citation.js, papersift) -> records.

The file is a JSON array of items. Read: `title`; `author` (family/given with their
particles and suffix as "Family, Given", or the literal); the year of `issued`
(`date-parts`, `raw`, `literal` or an EDTF string); `container-title`; `abstract`; `DOI`;
`URL`; an arXiv id from `number`, `URL` or an arXiv DOI; tags from `keyword`
(comma-separated); the note from `annote`. What papersift wrote in `custom.papersift`
(star, status, tags as a list, authors as written) wins over those, so a papersift
export comes back exactly.

Errors name the line: invalid JSON, a top level that is not an array, an item that is
not an object, a field of the wrong JSON type. An item without a title is skipped with
a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from papersift.csl_export import name_from_csl
from papersift.models import STATUSES, PapersiftError, Record, Source, Triage
from papersift.normalize import normalize_arxiv, normalize_doi
from papersift.readers import ReadResult

__all__ = ["parse"]

_SPACE = re.compile(r"\s*")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)


class _Bad(Exception):
    """An item field of the wrong type (the caller adds file and line)."""


def _items(text: str, file_name: str) -> Iterator[tuple[int, Any]]:
    """(line, item) for each element of the top-level array, decoded one at a time so
    that every item knows its line."""
    decoder = json.JSONDecoder()

    def fail(message: str, pos: int) -> PapersiftError:
        line = text.count("\n", 0, pos) + 1
        return PapersiftError(f"{file_name}:{line}: {message}")

    pos = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] != "[":
        raise fail("not CSL-JSON: the file must be a JSON array of items ([{…}, …])", pos)
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if text[pos : pos + 1] == "]":
        return
    while True:
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise PapersiftError(f"{file_name}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        yield text.count("\n", 0, pos) + 1, item
        pos = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        sep = text[pos : pos + 1]
        if sep == "]":
            rest = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
            if rest != len(text):
                raise fail("invalid JSON: text after the closing ']'", rest)
            return
        if sep != ",":
            raise fail("invalid JSON: expected ',' or ']' after an item", pos)
        pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f"{key!r} must be a string, not {type(value).__name__}")
    return str(value).strip()


def _year(issued: Any) -> int | None:
    if issued is None:
        return None
    if isinstance(issued, str):
        candidates = [issued]
    elif isinstance(issued, dict):
        parts = issued.get("date-parts")
        candidates = []
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            candidates.append(str(parts[0][0]))
        candidates += [str(issued[k]) for k in ("raw", "literal", "edtf") if k in issued]
    else:
        raise _Bad(f"'issued' must be a date object, not {type(issued).__name__}")
    for candidate in candidates:
        if m := _YEAR.search(candidate):
            return int(m.group(1))
    return None


def _authors(item: dict[str, Any], custom: dict[str, Any]) -> tuple[str, ...]:
    names = item.get("author") or []
    if not isinstance(names, list) or not all(isinstance(n, dict) for n in names):
        raise _Bad("'author' must be a list of name objects")
    written = [n for n in (name_from_csl(n) for n in names) if n]
    given = custom.get("authors")
    if (
        isinstance(given, list)
        and len(given) == len(names)
        and all(isinstance(n, str) for n in given)
    ):
        return tuple(given)
    return tuple(written)


def _triage(item: dict[str, Any], custom: dict[str, Any]) -> Triage | None:
    tags_list = custom.get("tags")
    if isinstance(tags_list, list) and all(isinstance(t, str) for t in tags_list):
        tags = [t for t in tags_list if t.strip()]
    else:
        tags = [t.strip() for t in _text(item, "keyword").split(",") if t.strip()]
    note = _text(item, "annote")
    status = custom.get("status")
    status = status if isinstance(status, str) and status in STATUSES else ""
    starred = custom.get("starred") is True
    if not (tags or note or status or starred):
        return None
    return Triage(
        starred=starred,
        status=status or "inbox",
        tags=tuple(dict.fromkeys(tags)),
        note=note,
    )


def _arxiv(item: dict[str, Any], doi: str, url: str) -> str:
    number = _text(item, "number")
    if number.lower().startswith("arxiv:") and (found := normalize_arxiv(number)):
        return found
    if (m := _ARXIV_URL.search(url)) and (found := normalize_arxiv(m.group(1))):
        return found
    m = _ARXIV_DOI.match(doi)
    return normalize_arxiv(m.group(1)) if m else ""


def _record(item: dict[str, Any], file_name: str, index: int, line: int) -> Record | None:
    custom_all = item.get("custom")
    custom = custom_all.get("papersift") if isinstance(custom_all, dict) else None
    custom = custom if isinstance(custom, dict) else {}
    title = " ".join(_text(item, "title").split())
    if not title:
        return None
    doi = normalize_doi(_text(item, "DOI"))
    url = _text(item, "URL")
    return Record(
        title=title,
        source=Source(file=file_name, index=index),
        line=line,
        abstract=_text(item, "abstract"),
        authors=_authors(item, custom),
        year=_year(item.get("issued")),
        venue=" ".join(_text(item, "container-title").split()),
        doi=doi,
        arxiv=_arxiv(item, doi, url),
        url=url,
        triage=_triage(item, custom),
    )


def parse(text: str, file_name: str) -> ReadResult:
    """Read a CSL-JSON file's items, in file order (see the module docstring)."""
    result = ReadResult(file=file_name, format="csl-json")
    count = 0
    for line, item in _items(text.removeprefix("\ufeff"), file_name):
        count += 1
        if not isinstance(item, dict):
            raise PapersiftError(
                f"{file_name}:{line}: item {count} is a JSON {type(item).__name__}, not an object"
            )
        try:
            record = _record(item, file_name, len(result.records), line)
        except _Bad as exc:
            raise PapersiftError(f"{file_name}:{line}: item {count}: {exc}") from None
        if record is None:
            result.warnings.append(f"{file_name}:{line}: an item without a title; skipped")
        else:
            result.records.append(record)
    if count == 0:
        raise PapersiftError(f"{file_name}: an empty CSL-JSON array: nothing to import")
    return result
