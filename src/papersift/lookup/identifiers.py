"""What a user pastes to add a paper: arXiv ids and DOIs, in any of their usual spellings.

Recognised, one per token: a new-style arXiv id (`2405.21046`, `2310.12345v2`), an
old-style one (`hep-th/9901001`, `math.GT/0309136v1`), either with an `arXiv:` prefix or
as an arxiv.org `abs`/`pdf`/`html` URL; a DOI (`10.1145/3366423.3380130`), with a `doi:`
prefix or as a doi.org URL. arXiv's own DOIs (`10.48550/arXiv.2405.21046`, DataCite)
are read as the arXiv id they name: the arXiv API has the better record.

A pasted list is split on whitespace, newlines and commas; a token that is none of the
above is handed back by name, never guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from papersift.normalize import normalize_arxiv

__all__ = ["Identifier", "ParsedList", "parse_identifier", "parse_list"]

# YYMM.NNNN (0704-1412) or YYMM.NNNNN (1501 on); the month is checked separately.
_NEW = re.compile(r"(\d{2})(\d{2})\.(\d{4,5})(?:v(\d{1,3}))?", re.IGNORECASE)
# archive(.subject-class)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136,
# cond-mat.mes-hall/0601001 (the class is dropped: normalize_arxiv).
_OLD = re.compile(
    r"([a-z]+(?:-[a-z]+)?)(\.[a-z]+(?:-[a-z]+)?)?/(\d{7})(?:v(\d{1,3}))?", re.IGNORECASE
)
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.IGNORECASE)
_ARXIV_URL = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(.+?)(?:\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
_DOI_URL = re.compile(r"(?:https?://)?(?:dx\.)?doi\.org/(.+)", re.IGNORECASE)
_PREFIX = re.compile(r"(arxiv|doi)\s*:\s*(.+)", re.IGNORECASE)
# Quotes and brackets a token is often pasted in, and the punctuation that ends a sentence.
_WRAPPERS = "<>()[]{}\"'`“”‘’«»"
_TRAILING = ".;:"
_SPLIT = re.compile(r"\s+")
_LONE_PREFIX = re.compile(r"(?:^|,)(?:arxiv|doi):$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, order=True)
class Identifier:
    """One paper to look up: an arXiv id (bare, lower case, no version) with the
    version asked for (0 = the latest), or a lower-case DOI."""

    kind: str
    value: str
    version: int = 0

    @property
    def key(self) -> str:
        """The identifier as the queue and the cache name it: `arxiv:2405.21046v2`,
        `doi:10.1145/3366423.3380130`."""
        suffix = f"v{self.version}" if self.version else ""
        return f"{self.kind}:{self.value}{suffix}"

    def __str__(self) -> str:
        if self.kind == "arxiv":
            return f"arXiv:{self.value}" + (f"v{self.version}" if self.version else "")
        return self.value

    @classmethod
    def from_key(cls, key: str) -> Identifier:
        """The inverse of `key` (raises ValueError on anything else)."""
        found = parse_identifier(key.removeprefix("doi:"))
        if found is None or found.key != key:
            raise ValueError(f"not a lookup key: {key!r}")
        return found


def _arxiv(text: str) -> Identifier | None:
    """A bare arXiv id with an optional version, the whole of `text`, or None."""
    if m := _NEW.fullmatch(text):
        yymm = m.group(1) + m.group(2)
        if not 1 <= int(m.group(2)) <= 12 or yymm < "0704":
            return None
        if (len(m.group(3)) == 5) != (m.group(1) >= "15"):
            return None
        version = int(m.group(4) or 0)
        return Identifier("arxiv", f"{m.group(1)}{m.group(2)}.{m.group(3)}", version)
    if m := _OLD.fullmatch(text):
        archive, number = m.group(1), m.group(3)
        if not 1 <= int(number[2:4]) <= 12:
            return None
        # The form the rest of papersift keeps (normalize_arxiv), so dedupe sees one id.
        bare = normalize_arxiv(text)
        if bare != f"{archive}/{number}".lower():
            return None
        return Identifier("arxiv", bare, int(m.group(4) or 0))
    return None


def _doi(text: str) -> Identifier | None:
    if not _DOI.fullmatch(text):
        return None
    if m := _ARXIV_DOI.fullmatch(text):
        # arXiv DOIs never carry a version: 10.48550/arXiv.2405.21046 is the paper.
        found = _arxiv(m.group(1))
        return Identifier("arxiv", found.value) if found and not found.version else None
    return Identifier("doi", text.casefold())


def parse_identifier(token: str) -> Identifier | None:
    """The arXiv id or DOI that `token` spells (see the module docstring), or None."""
    text = token.strip().strip(_WRAPPERS).strip()
    if m := _ARXIV_URL.fullmatch(text):
        return _arxiv(unquote(m.group(1)))
    if m := _DOI_URL.fullmatch(text):
        return _doi(unquote(m.group(1)).rstrip(_TRAILING))
    if m := _PREFIX.fullmatch(text):
        rest = m.group(2).strip()
        if m.group(1).lower() == "arxiv":
            return _arxiv(rest.rstrip(_TRAILING))
        return _doi(rest.rstrip(_TRAILING))
    return _arxiv(text.rstrip(_TRAILING)) or _doi(text.rstrip(_TRAILING))


@dataclass(slots=True)
class ParsedList:
    """A pasted list read: the identifiers in order (each once), the tokens as typed
    for each (by key), and the tokens that are neither an arXiv id nor a DOI."""

    identifiers: list[Identifier]
    typed: dict[str, str]
    unrecognised: list[str]


def parse_list(text: str) -> ParsedList:
    """Every identifier in `text` (separated by whitespace, newlines or commas).

    A DOI may itself contain commas; a whitespace-separated piece is split at its
    commas only when every part is an identifier of its own.
    """
    found: list[Identifier] = []
    typed: dict[str, str] = {}
    unrecognised: list[str] = []

    def take(token: str) -> bool:
        ident = parse_identifier(token)
        if ident is None:
            return False
        if ident.key not in typed:
            typed[ident.key] = token
            found.append(ident)
        return True

    pieces = [p for p in (p.strip(",") for p in _SPLIT.split(text)) if p]
    # "arXiv: 2405.21046" and "doi: 10.…" are one identifier written with a space.
    joined: list[str] = []
    for piece in pieces:
        if joined and _LONE_PREFIX.search(joined[-1]):
            joined[-1] += piece
        else:
            joined.append(piece)
    for piece in joined:
        parts = [p for p in piece.split(",") if p]
        if len(parts) > 1 and all(parse_identifier(p) is not None for p in parts):
            for part in parts:
                take(part)
        elif not take(piece):
            if len(parts) > 1:
                unrecognised.extend(p for p in parts if not take(p))
            else:
                unrecognised.append(piece)
    return ParsedList(found, typed, unrecognised)
