"""Citation keys: one unique, stable ASCII key per exported paper.

A key that came with an imported entry is kept when it is usable; others derive from the
paper itself, in the spirit of Better BibTeX's `auth.lower + year + title word`, so a
paper keeps its key from one export to the next. The BibTeX export and the "copy as"
formats (keys, \\cite, pandoc) ask `citation_keys` for the same keys.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence

from papersift.latex import latex_to_text, transliterate
from papersift.models import Entry, Paper

__all__ = ["citation_keys"]

_KEY_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:.+\-/]*")
# Words Better BibTeX's shorttitle skips, roughly: they say nothing about the paper.
_STOP_WORDS = frozenset(
    ("a", "an", "the", "of", "on", "in", "for", "to", "and", "or", "with", "without", "via",
     "from", "by", "is", "are", "be", "at", "as", "its", "it", "into", "onto", "towards",
     "toward", "do", "does", "can", "we", "our", "your", "you", "how", "what", "when", "why",
     "which", "not", "no", "vs", "versus", "using", "based")
)  # fmt: skip
_MAX_KEY = 48


def _ascii_word(word: str) -> str:
    return "".join(c for c in transliterate(word) if c.isascii() and c.isalnum())


def _surname(name: str) -> str:
    name = latex_to_text(name)
    if "," in name:
        last = name.split(",", 1)[0]
    else:
        parts = name.split()
        last = parts[-1] if parts else ""
    return _ascii_word(last).lower()


_WORD = re.compile(r"[^\W_]+")


def _title_words(title: str) -> list[str]:
    words = [_ascii_word(w) for w in _WORD.findall(title)]
    words = [w for w in words if w]
    significant = [w for w in words if w.lower() not in _STOP_WORDS]
    return significant or words


def _base_key(paper: Paper) -> str:
    """Better BibTeX's `auth.lower + year + title word` spirit, from the paper alone."""
    words = _title_words(paper.title)
    year = str(paper.year) if paper.year is not None else ""
    author = _surname(paper.authors[0]) if paper.authors else ""
    if author:
        key = author + year + (words[0].lower() if words else "")
    else:
        head = [w.lower() if i == 0 else w[:1].upper() + w[1:].lower() for i, w in
                enumerate(words[:3])]  # fmt: skip
        key = "".join(head) + year
    key = key[:_MAX_KEY]
    if not re.search(r"[A-Za-z]", key):
        # No letters (a title of digits or symbols); biber rejects the key "0" outright.
        key = "paper" + paper.id[:8]
    return key


def _suffixes() -> Iterator[str]:
    """a, b, ..., z, aa, ab, ...: never runs out."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    for length in itertools.count(1):
        for combo in itertools.product(letters, repeat=length):
            yield "".join(combo)


def citation_keys(entries: Sequence[Entry]) -> dict[str, str]:
    """Paper id -> citation key: unique within `entries` (case-insensitively), ASCII.

    A key that came with an imported entry is kept when it is a usable key and no
    other imported entry claims it; other keys derive from the paper itself (first
    author's surname, year, first significant title word; or the title's first words
    and the year), so a paper keeps its key across exports. Papers wanting the same
    key are ordered imported-first, then by id: the first gets the plain key, the
    others a, b, c... suffixes.
    """
    wanted: dict[str, tuple[int, str]] = {}  # id -> (0 imported / 1 derived, key)
    for entry in entries:
        paper = entry.paper
        if paper.id in wanted:
            continue
        imported = paper.bibtex.key if paper.bibtex is not None else ""
        if _KEY_OK.fullmatch(imported) and len(imported) <= 200 and imported != "0":
            wanted[paper.id] = (0, imported)
        else:
            wanted[paper.id] = (1, _base_key(paper))
    groups: dict[str, list[tuple[int, str]]] = {}
    for pid, (rank, key) in wanted.items():
        groups.setdefault(key.casefold(), []).append((rank, pid))
    used = set(groups)
    keys: dict[str, str] = {}
    for folded in sorted(groups):
        members = sorted(groups[folded])
        keys[members[0][1]] = wanted[members[0][1]][1]
        suffixes = _suffixes()
        for _rank, pid in members[1:]:
            base = wanted[pid][1]
            key = next(k for k in (base + s for s in suffixes) if k.casefold() not in used)
            used.add(key.casefold())
            keys[pid] = key
    return keys
