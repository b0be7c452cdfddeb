"""The library's texts, folded, in one file for exact phrases before anything is loaded.

`papersift import` has every text in memory when it writes the corpus; it also writes
`search-text.bin` beside it: one line per paper, `id \\x1f title \\x1f abstract \\x1f
authors` (authors joined by `\\x1e`), every text folded as search folds it. A TUI that
opened the library lazily (texts unread) answers an exact phrase from this file: one
`find` over the memory-mapped bytes, a few hundredths of a second at 100k papers, where
reading the texts takes seconds and the word index longer (issue #13 item 4).

The first line names the corpus.json it was made from (its stamp: inode, size, mtime);
a file made from another corpus is not used (`PhraseText.open` returns None), so it
can never answer for texts it does not hold. Like the word-index cache, it is derived
data: safe to delete, rewritten by the next import.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator
from pathlib import Path

from papersift.fsutil import atomic_write_chunks
from papersift.models import Paper
from papersift.query.scoring import fast_fold

__all__ = ["FIELDS", "FILE_NAME", "PhraseText", "scan_fold", "write_phrase_text"]

FILE_NAME = "search-text.bin"
#: The searchable fields of a line, in order after the id.
FIELDS = ("title", "abstract", "author")
_MAGIC = b"papersift-phrase-text 1"
_SEP, _AUTHORS, _END = b"\x1f", "\x1e", b"\n"

Stamp = tuple[int, int, int]

#: What folding changes in ASCII text besides case: white space other than single
#: spaces (`str.split`'s), and backticks (substring tests: faster than one regex).
_ODD_SPACING = ("  ", "\n", "\t", "\r", "`", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def scan_fold(text: str) -> str:
    """`fast_fold(text)`, at the cost of one `lower()` for most texts: ASCII text with
    single spaces and no backtick folds to its lower case."""
    if text.isascii() and not any(c in text for c in _ODD_SPACING):
        return text.lower().strip()
    return fast_fold(text)


def write_phrase_text(path: Path, papers: Iterable[Paper], stamp: Stamp | None) -> None:
    """Write the folded texts of `papers` for the corpus whose stamp is `stamp` (no file
    without a stamp: it could not be checked)."""
    if stamp is None:
        return
    atomic_write_chunks(path, _chunks(papers, stamp))


def _chunks(papers: Iterable[Paper], stamp: Stamp) -> Iterator[bytes]:
    # Streamed a thousand papers at a time: the whole file (~130 MB at 100k papers)
    # never sits in the importer's memory, which is at its peak here.
    yield _MAGIC + b" " + " ".join(map(str, stamp)).encode() + _END
    lines: list[str] = []
    for paper in papers:
        # Folding never leaves white space other than single spaces, so the separators
        # (\x1f, \x1e, \n: white space to `str.split`) cannot occur inside a field.
        authors = _AUTHORS.join(a for a in map(scan_fold, paper.authors) if a)
        lines.append(
            "\x1f".join((paper.id, scan_fold(paper.title), scan_fold(paper.abstract), authors))
        )
        if len(lines) == 1000:
            yield ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
            lines.clear()
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")


class PhraseText:
    """A `search-text.bin` mapped into memory; `find` answers a folded phrase."""

    def __init__(self, data: mmap.mmap, stamp: Stamp, body: int) -> None:
        self._data = data
        self.stamp = stamp
        self._body = body

    @classmethod
    def open(cls, path: Path, stamp: Stamp | None) -> PhraseText | None:
        """The file at `path` if it was made from the corpus whose stamp is `stamp`."""
        if stamp is None:
            return None
        try:
            with path.open("rb") as f:
                data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # missing, unreadable, empty
            return None
        end = data.find(_END)
        head = data[:end].split(b" ") if end > 0 else []
        try:
            made_from = tuple(int(x) for x in head[2:])
        except ValueError:
            made_from = ()
        if head[:2] != _MAGIC.split(b" ") or made_from != tuple(stamp):
            data.close()
            return None
        return cls(data, stamp, end + 1)

    def find(self, phrase: str) -> dict[str, set[str]]:
        """Paper id -> the fields (`FIELDS`) whose folded text contains `phrase`."""
        needle = phrase.encode("utf-8", "surrogatepass")
        data = self._data
        found: dict[str, set[str]] = {}
        if not needle or _SEP in needle or _END in needle:
            return found
        at = data.find(needle, self._body)
        while at >= 0:
            line = data.rfind(_END, 0, at) + 1
            field = data[line:at].count(_SEP)
            if field >= 1:
                pid = data[line : data.find(_SEP, line)].decode("utf-8", "surrogatepass")
                found.setdefault(pid, set()).add(FIELDS[min(field, len(FIELDS)) - 1])
            # On to the next field of this line (a field is counted once).
            nxt = data.find(_SEP, at)
            eol = data.find(_END, at)
            at = data.find(needle, nxt if 0 <= nxt < eol else eol)
        return found

    def close(self) -> None:
        """Unmap the file."""
        self._data.close()
