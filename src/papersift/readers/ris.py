"""RIS files (Zotero, EndNote, Mendeley, PubMed, Scopus, Rayyan, ASReview) -> records.

A record runs from `TY  - …` to `ER  -`. Tolerated, because real exports do it: a BOM,
CRLF or CR line ends, `ER  -` with or without its trailing space, `TY -` and `ER -`
with one space, a preamble before the first record (Scopus' and Web of Science's
"Provider: …" lines), repeated tags, and lines without a tag, which continue the value
above (joined with a line break). Malformed input is an error naming the line: a record
left open at the end of the file or by the next `TY`, a tag or text outside a record, a
file with no record at all.

What is read:

| papersift | RIS tags, first found |
|---|---|
| title | TI, T1, CT, BT (a book's title) |
| authors | AU and A1, in file order |
| year | the first four digits of PY, Y1 or DA |
| venue | JF, JO, T2, JA, J2 |
| abstract | AB (repeated ones joined), else N2 |
| DOI | DO, else a DOI in M3 or UR |
| URL, arXiv id | the first UR; `AN  - arXiv:…`, an arxiv.org URL or an arXiv DOI |
| tags | each KW |
| star, status | papersift's `papersift:starred`, `papersift:status:…` keywords |
| status (else) | ASReview's label note: `ASReview_relevant` → to-read, `…_irrelevant` → discarded |
| note | the other N1 notes, joined by a blank line; Zotero's HTML notes as text |

ASReview's own bookkeeping notes (`asreview_…: …`) are dropped, as ASReview drops them.
A record without any title is skipped with a warning.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from papersift.bibtex_triage import STARRED_MARKER, STATUS_MARKER
from papersift.models import STATUSES, PapersiftError, Record, Source, Triage
from papersift.normalize import normalize_arxiv, normalize_doi
from papersift.readers import ReadResult

__all__ = ["ASREVIEW_STATUS", "parse"]

#: ASReview's label notes, and the status each becomes in papersift.
ASREVIEW_STATUS: dict[str, str] = {
    "ASReview_relevant": "to-read",
    "ASReview_irrelevant": "discarded",
    "ASReview_not_seen": "inbox",
}

_LINE = re.compile(r"\r\n|\r|\n")
# Two spaces before the dash; `TY` and `ER` are also seen with one. Not more tolerant
# than that: an abstract's wrapped line "US - based …" must stay text.
_TAG = re.compile(r"(?:([A-Z][A-Z0-9])  |(TY|ER) )-(?: (.*)|\s*)$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_HTML_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>|</div>\s*<div[^>]*>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")


@dataclass(slots=True)
class _Raw:
    line: int
    values: dict[str, list[str]] = field(default_factory=dict)
    last: list[str] | None = None

    def first(self, *tags: str) -> str:
        for tag in tags:
            for value in self.values.get(tag, ()):
                if value.strip():
                    return value.strip()
        return ""

    def all(self, *tags: str) -> list[str]:
        """Every non-empty value of `tags`, in file order of the tags given."""
        return [v.strip() for t in tags for v in self.values.get(t, ()) if v.strip()]


def _html_note(note: str) -> str:
    """A Zotero note (`<p>…</p>`, `<br/>`, entities) as plain text; other notes as they are."""
    if not note.startswith("<") or _HTML_TAG.search(note) is None:
        return note
    text = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", note))
    return html.unescape(text).strip()


def _triage(raw: _Raw) -> Triage | None:
    tags: list[str] = []
    starred = False
    status = ""
    for word in raw.all("KW"):
        if word == STARRED_MARKER:
            starred = True
        elif word.startswith(STATUS_MARKER) and word[len(STATUS_MARKER) :] in STATUSES:
            status = word[len(STATUS_MARKER) :]
        else:
            tags.append(word)
    label = ""
    notes: list[str] = []
    for note in raw.all("N1"):
        note = _html_note(note)
        if note in ASREVIEW_STATUS:
            label = label or note
        elif not note.startswith("asreview_") and note:
            notes.append(note)
    status = status or ASREVIEW_STATUS.get(label, "")
    if not (tags or notes or starred or status):
        return None
    return Triage(
        starred=starred,
        status=status or "inbox",
        tags=tuple(dict.fromkeys(tags)),
        note="\n\n".join(notes),
    )


def _arxiv(raw: _Raw, doi: str) -> str:
    for value in raw.all("AN", "M1", "M3", "N1"):
        if value.lower().startswith("arxiv:") and (found := normalize_arxiv(value)):
            return found
    for url in raw.all("UR", "L1", "L2"):
        m = _ARXIV_URL.search(url)
        if m and (found := normalize_arxiv(m.group(1))):
            return found
    m = _ARXIV_DOI.match(doi)
    return normalize_arxiv(m.group(1)) if m else ""


def _record(raw: _Raw, file_name: str, index: int) -> Record | None:
    title = " ".join(raw.first("TI", "T1", "CT", "BT").split())
    if not title:
        return None
    authors = tuple(dict.fromkeys(raw.all("AU")))
    year = None
    for date in raw.all("PY", "Y1", "DA"):
        if m := _YEAR.search(date):
            year = int(m.group(1))
            break
    abstract = "\n".join(raw.all("AB")) or raw.first("N2")
    urls = [u.strip() for v in raw.all("UR") for u in v.split(";") if u.strip()]
    doi = normalize_doi(raw.first("DO"))
    if not doi:
        for value in (*raw.all("M3"), *urls):
            if "10." in value and (found := normalize_doi(value)):
                doi = found
                break
    return Record(
        title=title,
        source=Source(file=file_name, index=index),
        line=raw.line,
        abstract=abstract,
        authors=authors,
        year=year,
        venue=" ".join(raw.first("JF", "JO", "T2", "JA", "J2").split()),
        doi=doi,
        arxiv=_arxiv(raw, doi),
        url=urls[0] if urls else "",
        triage=_triage(raw),
    )


def parse(text: str, file_name: str) -> ReadResult:
    """Read an RIS file's records, in file order (see the module docstring)."""
    result = ReadResult(file=file_name, format="ris")
    current: _Raw | None = None
    seen_record = False
    index = 0
    lines = _LINE.split(text.removeprefix("\ufeff"))
    for number, line in enumerate(lines, 1):
        m = _TAG.match(line)
        if m is None:
            if current is not None:
                if current.last is not None:
                    current.last[-1] += "\n" + line.strip()
            elif line.strip() and seen_record:
                raise PapersiftError(
                    f"{file_name}:{number}: text outside a record (records start with "
                    f"'TY  - ' and end with 'ER  - '): {line.strip()[:60]!r}"
                )
            continue
        tag, value = m.group(1) or m.group(2), (m.group(3) or "").strip()
        if tag == "TY":
            if current is not None:
                raise PapersiftError(
                    f"{file_name}:{number}: a new record starts before the record at line "
                    f"{current.line} ended (an 'ER  - ' line is missing)"
                )
            current = _Raw(line=number)
            seen_record = True
            continue
        if current is None:
            if not seen_record:
                continue  # a preamble ("Provider: …" has no tag; some have, e.g. "DB  -")
            raise PapersiftError(
                f"{file_name}:{number}: '{tag}  - ' outside a record (a record starts "
                "with 'TY  - ')"
            )
        if tag == "ER":
            record = _record(current, file_name, index)
            if record is None:
                result.warnings.append(
                    f"{file_name}:{current.line}: a record without a title (TI, T1); skipped"
                )
            else:
                result.records.append(record)
                index += 1
            current = None
            continue
        # A1 (first authors) and AU interleave in file order as one list.
        values = current.values.setdefault("AU" if tag == "A1" else tag, [])
        values.append(value)
        current.last = values
    if current is not None:
        raise PapersiftError(
            f"{file_name}:{current.line}: the record starting here is not closed: the file "
            "ends before its 'ER  - ' line"
        )
    if not seen_record:
        raise PapersiftError(f"{file_name}: no RIS record (a line 'TY  - …') in the file")
    return result
