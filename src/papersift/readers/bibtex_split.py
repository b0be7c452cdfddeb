"""A fast splitter for plain, well-formed .bib files, giving what bibtexparser would.

bibtexparser's splitter walks the file one mark (brace, quote, comma, newline) at a
time in Python: 40 % of reading a big .bib. Files as reference managers write them
(one `@type{key, field = {value}, ...}` after another) are split here with a few
regexes instead, each field in one match.

The contract is narrow on purpose: `split` returns exactly the entries bibtexparser's
splitter finds -- same type (lower case), key, field names and raw values, same start
line -- or None, and then the caller uses bibtexparser. Anything unusual gives None:
`@string`/`@preamble`/`@comment`, a block start (`@word{`) anywhere bibtexparser would
act on it other than our entries' starts, `{"}`, braces nested deeper than `_DEPTH`, a
repeated citation key or field name, an entry that does not close before the next
one starts. So every error message
and warning still comes from the one full parser; this path only ever reads files that
have none. `tests/test_bibtex_split.py` checks the equivalence with hypothesis.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class RawEntry(NamedTuple):
    """One entry as split: type in lower case, citation key, raw (name, value) fields."""

    entry_type: str
    key: str
    fields: list[tuple[str, str]]


#: Brace nesting the value patterns handle; deeper values send the file to bibtexparser.
_DEPTH = 6

# bibtexparser's marks are `{ } " ,` (and `=` between name and value) when not preceded
# by a backslash. So a backslash followed by one of them makes that character plain
# text, and any other backslash is plain text itself (and may escape what follows it:
# in `\\{` the brace is escaped). `_ESCAPE` consumes exactly that.
_ESCAPE = r'\\[{}",]?'
_inner = r"[^{}\\]++|" + _ESCAPE
_braced = r"\{(?:" + _inner + r")*+\}"
for _ in range(_DEPTH - 1):
    _braced = r"\{(?:" + _inner + "|" + _braced + r")*+\}"
# In quotes braces are not counted. (bibtexparser also reads `{"}` in quotes as a
# quote character; files with `{"}` are left to it.)
_QUOTED = r'"(?:[^"\\]++|' + _ESCAPE + r')*+"'
_VALUE = r'(?:[^{}",\\]++|' + _ESCAPE + "|" + _braced + "|" + _QUOTED + r")*+"

_BLOCK_START = re.compile(r"^@(\w*)[ \t]*\{", re.MULTILINE)
_LINE_AT = re.compile(r"^[ \t]*@", re.MULTILINE)
# What bibtexparser takes for the start of a block (its `_BLOCK_START`).
_BLOCK_MARK = re.compile(r"@\w*[ \t]*(?=[{(])")
_KEY = re.compile(r'([^{}",=\\@]*),')
_FIELD = re.compile(r'\s*+([^\s{}",=\\@]++)\s*+=(' + _VALUE + r")([,}])")
_END = re.compile(r"\s*+\}")
_SPECIAL_TYPES = frozenset({"comment", "preamble", "string"})


def split(text: str) -> list[tuple[RawEntry, int]] | None:
    """(entry, 1-based line of its `@`) for every entry of `text`, or None to use bibtexparser."""
    if '{"}' in text:
        return None
    starts = list(_BLOCK_START.finditer(text))
    if not starts or len(_LINE_AT.findall(text)) != len(starts):
        # Another line starting with `@`: a broken entry the full parser warns about.
        return None
    entries: list[tuple[RawEntry, int]] = []
    spans: list[tuple[int, int]] = []
    seen_keys: set[str] = set()
    line = 1
    counted = 0
    for n, start in enumerate(starts):
        entry_type = start.group(1).lower()
        if entry_type in _SPECIAL_TYPES:
            return None
        limit = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        key_match = _KEY.match(text, start.end(), limit)
        if key_match is None:
            return None
        key = key_match.group(1).strip()
        if not key or key in seen_keys:
            return None
        seen_keys.add(key)
        fields: list[tuple[str, str]] = []
        names: set[str] = set()
        pos = key_match.end()
        while True:
            end = _END.match(text, pos, limit)
            if end is not None:
                pos = end.end()
                break
            field = _FIELD.match(text, pos, limit)
            if field is None:
                return None
            name = field.group(1)
            if name in names:
                return None
            names.add(name)
            fields.append((name, field.group(2).strip()))
            pos = field.end()
            if field.group(3) == "}":
                break
        if not fields:
            return None  # `@type{key,}`: rare enough to leave to bibtexparser
        line += text.count("\n", counted, start.start())
        counted = start.start()
        entries.append((RawEntry(entry_type, key, fields), line))
        spans.append((start.start(), pos))
    if not _marks_only_inside(text, starts, spans):
        return None
    return entries


def _marks_only_inside(
    text: str, starts: list[re.Match[str]], spans: list[tuple[int, int]]
) -> bool:
    """True if every other block-start mark is one bibtexparser ignores too: inside an
    entry's values and not at the start of a line (where it would abort the entry)."""
    ours = {m.start() for m in starts}
    k = 0
    for mark in _BLOCK_MARK.finditer(text):
        at = mark.start()
        if at in ours:
            continue
        line_start = text.rfind("\n", 0, at) + 1
        if line_start == at or text[line_start:at].isspace():
            return False
        while k < len(spans) and spans[k][1] <= at:
            k += 1
        if k == len(spans) or not spans[k][0] < at:
            return False  # between entries: bibtexparser starts a block there
    return True
