"""Triage in BibTeX: where an export writes tags, star, status and note, and how an
import reads them back.

Triage goes where reference managers look for it, and again as keywords that survive
any tool. Re-importing an exported file gives the triage back; an entry's keywords are
only taken as tags when a `papersift:` marker shows that papersift wrote them.

| papersift        | in `keywords` (JabRef, Zotero, biblatex) | other fields                    |
|------------------|------------------------------------------|---------------------------------|
| tags             | the tags: `keywords = {rlhf, to cite}`   |                                 |
| starred          | `papersift:starred`                      | JabRef `relevance = {relevant}` |
| status inbox     | `papersift:status:inbox`                 |                                 |
| status to-read   | `papersift:status:to-read`               | JabRef `priority = {prio1}`     |
| status reading   | `papersift:status:reading`               | JabRef `readstatus = {skimmed}` |
| status read      | `papersift:status:read`                  | JabRef `readstatus = {read}`    |
| status discarded | `papersift:status:discarded`             | JabRef `priority = {prio3}`     |
| note             |                                          | `annote` (biblatex: annotation) |
| own keywords     | kept, before the tags                    | also in `papersift-ownkeywords` |

Markers are written only for papers the user has triaged (an untouched paper exports
no triage at all, and `include_triage=False` none for any paper). The status marker
is always there when anything is, which is what marks the entry as papersift's.
`papersift-ownkeywords` appears only when an imported entry had keywords of its own,
so that the re-import can tell them from tags. An imported entry's own `annote` is
kept when the paper has no note, and a re-import then reads it as the note. A tag
containing a comma (tags normally cannot) is written with `%2C` (and a `%` that would
read as such a quote with `%25`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from papersift.latex import clean_text, escape_latex, field_text, latex_to_text
from papersift.models import DEFAULT_STATUS, STATUSES, Triage

__all__ = [
    "JABREF_FIELDS",
    "JABREF_STATUS",
    "MARKER_PREFIX",
    "OWN_KEYWORDS_FIELD",
    "STARRED_MARKER",
    "STATUS_MARKER",
    "has_triage",
    "quote_keyword",
    "strip_papersift_fields",
    "triage_fields",
    "triage_from_bibtex_fields",
]

MARKER_PREFIX = "papersift:"
STARRED_MARKER = "papersift:starred"
STATUS_MARKER = "papersift:status:"
#: Where an export keeps the entry's own keywords (not tags) when it adds papersift ones.
OWN_KEYWORDS_FIELD = "papersift-ownkeywords"
#: JabRef "special fields" papersift writes; derived from triage, so rewritten on export.
JABREF_FIELDS = ("relevance", "readstatus", "priority")
#: Status -> JabRef special field (see the table above).
JABREF_STATUS: dict[str, tuple[str, str]] = {
    "to-read": ("priority", "prio1"),
    "reading": ("readstatus", "skimmed"),
    "read": ("readstatus", "read"),
    "discarded": ("priority", "prio3"),
}


def quote_keyword(word: str) -> str:
    """A keyword safe inside a comma-separated `keywords` list: `,` as `%2C`, the `:` of a
    tag that starts like a marker (`papersift:`) as `%3A`, and `%` itself as `%25`
    wherever it could be read as one of these (a tag "%2C" comes back as "%2C")."""
    word = re.sub(r"%(?=2C|25|3A)", "%25", word, flags=re.I).replace(",", "%2C")
    if word.lower().startswith("papersift:"):
        word = word[:9] + "%3A" + word[10:]
    return word


_QUOTED = {"%2C": ",", "%25": "%", "%3A": ":"}


def _unquote_keyword(word: str) -> str:
    return re.sub(r"%(?:2C|25|3A)", lambda m: _QUOTED[m.group().upper()], word, flags=re.I)


def _field(fields: Mapping[str, str], name: str) -> str:
    return next((v for k, v in fields.items() if k.lower() == name), "")


def _split_keywords(raw: str) -> list[str]:
    return [w for w in (field_text(part) for part in raw.split(",")) if w]


def triage_from_bibtex_fields(fields: Mapping[str, str]) -> Triage | None:
    """The triage papersift exported into `fields` (raw BibTeX values), or None.

    None unless `keywords` holds a `papersift:` marker: only then are the other
    keywords papersift tags and `annote` a papersift note. Keywords the entry had of
    its own are listed in `papersift-ownkeywords` by the export and are not tags.
    """
    raw = _field(fields, "keywords")
    # Cheap test first: almost no entry in a big import carries papersift markers.
    if "papersift" not in raw.replace("{", "").replace("}", ""):
        return None
    words = _split_keywords(raw)
    if not any(w.startswith(MARKER_PREFIX) for w in words):
        return None
    own = {w.casefold() for w in _split_keywords(_field(fields, OWN_KEYWORDS_FIELD))}
    tags = [
        _unquote_keyword(w)
        for w in words
        if not w.startswith(MARKER_PREFIX) and w.casefold() not in own
    ]
    status = "inbox"
    for w in words:
        if w.startswith(STATUS_MARKER) and w[len(STATUS_MARKER) :] in STATUSES:
            status = w[len(STATUS_MARKER) :]
    return Triage(
        starred=STARRED_MARKER in words,
        status=status,
        tags=tuple(dict.fromkeys(tags)),
        note=latex_to_text(_field(fields, "annote")).strip(),
    )


def strip_papersift_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields without what papersift derived from triage (it is re-derived on export).

    The entry's own keywords come back from `papersift-ownkeywords` into `keywords`.
    """
    own = _field(dict(fields), OWN_KEYWORDS_FIELD).strip()
    kept: list[tuple[str, str]] = []
    for name, value in fields:
        low = name.lower()
        if low == "keywords" and own:
            kept.append((name, own))
        elif low not in ("keywords", "annote", OWN_KEYWORDS_FIELD, *JABREF_FIELDS):
            kept.append((name, value))
    return kept


def triage_fields(
    fields: list[tuple[str, str]], triage: Triage, ascii_only: bool
) -> list[tuple[str, str]]:
    """`fields` with the triage written into keywords, annote and JabRef's fields.

    `keywords` and `annote` stay where the entry had them, so a re-import gives back
    the entry's fields in their order. An imported entry's own `annote` is kept when
    the paper has no note (re-importing then makes it the note: kept, not lost).
    """
    present = {name.lower(): (name, value) for name, value in fields}
    own_raw = present.get("keywords", ("", ""))[1]
    tags = [t for t in (clean_text(t, False) for t in triage.tags) if t]
    tag_set = {t.casefold() for t in tags}
    own = [
        word
        for word in (part.strip() for part in own_raw.split(","))
        if word and latex_to_text(word).strip().casefold() not in tag_set
    ]
    words = [*own, *(escape_latex(quote_keyword(t), ascii_only=ascii_only) for t in tags)]
    if triage.starred:
        words.append(STARRED_MARKER)
    words.append(STATUS_MARKER + triage.status)
    keywords = [("keywords", ", ".join(words))]
    if own:
        keywords.append((OWN_KEYWORDS_FIELD, ", ".join(own)))
    note = escape_latex(triage.note, ascii_only=ascii_only, multiline=True)
    annote = [("annote", note)] if note else []
    jabref: dict[str, str] = {}
    if triage.starred:
        jabref["relevance"] = "relevant"
    if triage.status in JABREF_STATUS:
        field, value = JABREF_STATUS[triage.status]
        jabref[field] = value

    out: list[tuple[str, str]] = []
    for name, value in fields:
        low = name.lower()
        if low == "keywords":
            out.extend(keywords)
            keywords = []
        elif low == "annote":
            out.extend(annote or [(name, value)])
            annote = []
        elif low not in (OWN_KEYWORDS_FIELD, *JABREF_FIELDS):
            out.append((name, value))
    out.extend(keywords + annote)
    out.extend((name, jabref[name]) for name in JABREF_FIELDS if name in jabref)
    return out


def has_triage(triage: Triage) -> bool:
    """Whether the user triaged the paper at all: an untouched one exports no triage."""
    return bool(
        triage.starred
        or triage.status != DEFAULT_STATUS
        or any(clean_text(t, False) for t in triage.tags)
        or clean_text(triage.note, True)
    )
