"""RIS export: papers as a `.ris` file Zotero, EndNote, Mendeley, Rayyan and ASReview read.

One record per paper, tags in the order the RIS specification lists them::

    TY  - JOUR                       (from the BibTeX type, else guessed from the venue)
    ID  - chen2014deep               (the citation key)
    TI  - the title
    AU  - one author per line, as papersift has the name
    PY  - 2014
    JO  - the venue (journals; T2 for proceedings, books and everything else)
    AB  - the abstract
    DO  - the DOI;  UR  - the URL;  AN  - arXiv:1234.56789
    KW  - one tag per line, then papersift:starred and papersift:status:STATUS
    N1  - ASReview_relevant | ASReview_irrelevant | ASReview_not_seen
    N1  - the note
    ER  -

The triage follows ASReview's convention (its `asreview.data.ris` reader and writer): the
first `N1` note is `ASReview_relevant` (to-read, reading, read), `ASReview_irrelevant`
(discarded) or `ASReview_not_seen` (inbox), so a list screened in papersift opens in
ASReview with its decisions. The exact status and the star travel as the same
`papersift:` markers the BibTeX export writes (`bibtex_triage`), as keywords, which
every reference manager keeps; `readers.ris` reads them back.

RIS is one value a line. A value with line breaks (an abstract, a note) continues on
the next lines, which readers join back (papersift with the line breaks, rispy and
ASReview with spaces); a continuation line that would look like a tag is indented by
one space, which every reader strips. Leading and trailing spaces of a line do not
survive any RIS reader, so they are not written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from papersift.bibtex_triage import STARRED_MARKER, STATUS_MARKER, has_triage
from papersift.exporters import paper_kind
from papersift.models import Entry, Paper, Triage

__all__ = ["ASREVIEW_LABELS", "RIS_TYPES", "export_ris", "ris_type"]

#: The first N1 note ASReview writes for each label, by papersift status.
ASREVIEW_LABELS: dict[str, str] = {
    "inbox": "ASReview_not_seen",
    "to-read": "ASReview_relevant",
    "reading": "ASReview_relevant",
    "read": "ASReview_relevant",
    "discarded": "ASReview_irrelevant",
}

#: `exporters.paper_kind` -> RIS reference type (Zotero's and EndNote's mapping).
RIS_TYPES: dict[str, str] = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "proceedings": "CONF",
    "book": "BOOK",
    "inbook": "CHAP",
    "thesis": "THES",
    "report": "RPRT",
    "unpublished": "UNPB",
    "online": "ELEC",
    "misc": "GEN",
}

# A line that RIS readers would take for a tag ("AB  - …"): papersift's, rispy's, Zotero's.
_TAG_LIKE = re.compile(r"^[A-Z][A-Z0-9] {1,2}-(?: |$)")
_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def ris_type(paper: Paper) -> str:
    """The RIS type of a paper (see `exporters.paper_kind`)."""
    return RIS_TYPES[paper_kind(paper)]


def _lines(tag: str, value: str) -> list[str]:
    """`TAG  - value`, a value with line breaks continued on the lines below."""
    parts = [_CONTROL.sub(" ", p).strip() for p in _BREAK.split(value)]
    while parts and not parts[-1]:
        parts.pop()
    while parts and not parts[0]:
        parts.pop(0)
    if not parts:
        return []
    out = [f"{tag}  - {parts[0]}"]
    out.extend(" " + p if _TAG_LIKE.match(p) else p for p in parts[1:])
    return out


def _record(paper: Paper, triage: Triage | None, key: str) -> list[str]:
    kind = ris_type(paper)
    lines = [f"TY  - {kind}"]
    lines += _lines("ID", key)
    lines += _lines("TI", paper.title)
    for author in paper.authors:
        lines += _lines("AU", author)
    if paper.year is not None:
        lines += _lines("PY", str(paper.year))
    if paper.venue:
        lines += _lines("JO" if kind == "JOUR" else "T2", paper.venue)
    lines += _lines("AB", paper.abstract)
    lines += _lines("DO", paper.doi)
    lines += _lines("UR", paper.url)
    if paper.arxiv:
        lines += _lines("AN", "arXiv:" + paper.arxiv)
    if triage is not None:
        for tag in triage.tags:
            lines += _lines("KW", tag)
        if triage.starred:
            lines.append(f"KW  - {STARRED_MARKER}")
        lines.append(f"KW  - {STATUS_MARKER}{triage.status}")
        lines.append(f"N1  - {ASREVIEW_LABELS.get(triage.status, 'ASReview_not_seen')}")
        lines += _lines("N1", triage.note)
    lines.append("ER  - ")
    return lines


def export_ris(
    entries: Sequence[Entry], keys: Mapping[str, str], *, include_triage: bool = True
) -> str:
    """The entries as an RIS file (LF line ends; a paper listed twice is written once).

    `keys` maps paper ids to citation keys (written as `ID`). With `include_triage`, a
    paper the user triaged carries its ASReview label, tags, star, status and note (an
    untouched one none: ASReview reads it as not seen); without, only bibliographic
    data is written.
    """
    seen: set[str] = set()
    blocks: list[str] = []
    for entry in entries:
        if entry.id in seen:
            continue
        seen.add(entry.id)
        triage = entry.triage if include_triage and has_triage(entry.triage) else None
        blocks.append("\n".join(_record(entry.paper, triage, keys.get(entry.id, ""))) + "\n")
    return "\n".join(blocks)
