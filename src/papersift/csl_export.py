"""CSL-JSON export: the format pandoc's citeproc, Zotero and citeproc-js read natively.

One item per paper, valid against the official CSL 1.0 `csl-data.json` schema (a copy
is in tests/data/csl-schema)::

    {"id": "chen2014deep", "citation-key": "chen2014deep", "type": "article-journal",
     "title": …, "author": [{"family": "Chen", "given": "Li"}, {"literal": "ATLAS"}],
     "issued": {"date-parts": [[2014]]}, "container-title": …, "abstract": …,
     "DOI": …, "URL": …, "number": "arXiv:1234.56789", "keyword": "tag one, tag two",
     "annote": the note, "custom": {"papersift": {…}}}

`id` is the papersift citation key, so `[@chen2014deep]` in a pandoc document cites it.
Names are split into `family`/`given` only where that is sure ("Chen, Li"; "Li Chen" or
"John Q. Public": capitalised given names or initials, then one capitalised surname);
anything else (particles, organisations, one word, three full names) is a `literal`,
which every CSL processor prints as written rather than mis-sorting it.

The user's triage goes where CSL has a place for it: tags as `keyword`, the note as
`annote` (the annotation variable of annotated-bibliography styles). What CSL has no
variable for goes in `custom.papersift`, the schema's place for extra data: the star,
the status, the tags as a list (a tag may hold a comma) and, when a name's split would
not give it back as written, the author names as papersift has them. `readers.csl_json`
reads it all back, so a round trip keeps every title, abstract, author, tag and note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from papersift.bibtex_triage import has_triage
from papersift.exporters import paper_kind
from papersift.models import Entry, Paper, Triage

__all__ = ["CSL_TYPES", "csl_item", "csl_name", "csl_type", "export_csl_json", "name_from_csl"]

#: `exporters.paper_kind` -> CSL type ("article" is CSL's type for preprints).
CSL_TYPES: dict[str, str] = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "proceedings": "book",
    "book": "book",
    "inbook": "chapter",
    "thesis": "thesis",
    "report": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "misc": "article",
}
# A given name: "Li", "Jean-Paul", "J.", "J.-P.", "Q"; a surname: a capitalised word.
_GIVEN = re.compile(r"[^\W\d_](?:[^\W\d_]*|\.)(?:-[^\W\d_](?:[^\W\d_]*|\.))*\.?")
_SURNAME = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*")
_ORGANISATION = re.compile(
    r"\b(?:collaboration|consortium|group|team|inc|ltd|university|institute|project|"
    r"committee|association|society|laboratory|lab|foundation|organi[sz]ation|network|"
    r"council|agency|centre|center|initiative|working)\b",
    re.IGNORECASE,
)


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def csl_name(name: str) -> dict[str, str]:
    """One author as a CSL name: family/given where the split is sure, else literal."""
    name = " ".join(name.split())
    if not name:
        return {"literal": ""}
    if _ORGANISATION.search(name):
        return {"literal": name}
    if name.count(",") == 1:
        family, given = (p.strip() for p in name.split(","))
        words = family.split()
        if (
            given
            and words
            and all(_capitalised(w) and _SURNAME.fullmatch(w) for w in words)
            and all(_capitalised(w) and _GIVEN.fullmatch(w) for w in given.split())
        ):
            return {"family": family, "given": given}
        return {"literal": name}
    if "," in name:
        return {"literal": name}
    words = name.split()
    if len(words) < 2 or len(words) > 3:
        return {"literal": name}
    *given, family = words
    if not (_capitalised(family) and _SURNAME.fullmatch(family)):
        return {"literal": name}
    if not all(_capitalised(w) and _GIVEN.fullmatch(w) for w in given):
        return {"literal": name}
    # Three words are only sure when the middle one is an initial ("John Q. Public").
    if len(given) == 2 and not given[1].endswith("."):
        return {"literal": name}
    return {"family": family, "given": " ".join(given)}


def name_from_csl(item: Mapping[str, Any]) -> str:
    """A CSL name back as one string: "Family, Given" (particles and suffix kept), or
    the literal; "" when the name has none of these."""
    literal = item.get("literal")
    if isinstance(literal, str) and literal.strip():
        return " ".join(literal.split())

    def part(key: str) -> str:
        value = item.get(key)
        return " ".join(value.split()) if isinstance(value, str) else ""

    family = " ".join(p for p in (part("non-dropping-particle"), part("family")) if p)
    given = " ".join(p for p in (part("given"), part("dropping-particle")) if p)
    suffix = part("suffix")
    if not family:
        return given
    if not given:
        return family
    return f"{family}, {suffix}, {given}" if suffix else f"{family}, {given}"


def _written_back(name: str) -> bool:
    """Whether `name_from_csl(csl_name(name))` gives `name` back exactly."""
    return name_from_csl(csl_name(name)) == name


def csl_type(paper: Paper) -> str:
    """The CSL type of a paper (see `exporters.paper_kind`)."""
    return CSL_TYPES[paper_kind(paper)]


def csl_item(paper: Paper, triage: Triage | None, key: str) -> dict[str, Any]:
    """One paper as a CSL-JSON item (`triage` None: bibliographic data only)."""
    item: dict[str, Any] = {"id": key, "citation-key": key, "type": csl_type(paper)}
    item["title"] = paper.title
    if paper.authors:
        item["author"] = [csl_name(a) for a in paper.authors]
    if paper.year is not None:
        item["issued"] = {"date-parts": [[paper.year]]}
    if paper.venue:
        item["container-title"] = paper.venue
    if paper.abstract:
        item["abstract"] = paper.abstract
    if paper.doi:
        item["DOI"] = paper.doi
    if paper.url:
        item["URL"] = paper.url
    if paper.arxiv:
        item["number"] = "arXiv:" + paper.arxiv
    custom: dict[str, Any] = {}
    if paper.authors and not all(_written_back(a) for a in paper.authors):
        custom["authors"] = list(paper.authors)
    if triage is not None:
        if triage.tags:
            item["keyword"] = ", ".join(triage.tags)
            custom["tags"] = list(triage.tags)
        if triage.note:
            item["annote"] = triage.note
        custom["status"] = triage.status
        if triage.starred:
            custom["starred"] = True
    if custom:
        item["custom"] = {"papersift": custom}
    return item


def export_csl_json(
    entries: Sequence[Entry], keys: Mapping[str, str], *, include_triage: bool = True
) -> str:
    """The entries as a CSL-JSON array (UTF-8 text, two-space indent, a final newline).

    A paper listed twice is written once. With `include_triage`, a paper the user
    triaged carries its tags, note, star and status; an untouched one none.
    """
    seen: set[str] = set()
    items = []
    for entry in entries:
        if entry.id in seen:
            continue
        seen.add(entry.id)
        triage = entry.triage if include_triage and has_triage(entry.triage) else None
        items.append(csl_item(entry.paper, triage, keys.get(entry.id, entry.id)))
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
