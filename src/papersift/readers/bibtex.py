"""Reader for BibTeX / biblatex files (bibtexparser v2 splits, we interpret).

bibtexparser runs with an empty parse stack, so we get every value exactly as written
and do the rest here: `@string` macros and `#` concatenations are resolved in file order,
enclosing braces/quotes are removed, and the result is kept verbatim in `BibtexOrigin`
so that export can write it back untouched. Display text (title, abstract, authors,
venue) is decoded from LaTeX to Unicode by `papersift.latex`.

A file with any broken block imports nothing: parse errors, duplicate keys or fields
and entries without a title raise `PapersiftError` naming the first problem's line.

Triage state is read back only from files papersift wrote (see `bibtex_triage` for the
field mapping): an entry whose `keywords` hold a `papersift:` marker gets a
`Record.triage`, and the papersift-written fields are removed from its `BibtexOrigin`
so that a later export writes the current state, not a stale one. Keywords of entries
without a marker are another tool's vocabulary: they stay in the origin, not in tags.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping

import bibtexparser
from bibtexparser import model

from papersift.bibtex_triage import strip_papersift_fields, triage_from_bibtex_fields
from papersift.latex import field_text, verbatim_text
from papersift.models import BibtexOrigin, PapersiftError, Record, Source
from papersift.normalize import normalize_arxiv, normalize_doi, strip_latex
from papersift.readers import ReadResult, bibtex_split
from papersift.readers.bibtex_split import RawEntry

__all__ = ["MONTHS", "parse", "split_names"]

# bibtexparser logs every failed block as a warning; we report them ourselves.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

_BRACE = re.compile(r"[{}]")
#: A .bib line this long is no bibliography; refused before the parser spends seconds on it.
MAX_BIBTEX_LINE = 1_000_000


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def split_names(raw: str) -> list[str]:
    """Split a raw `author` value on ` and ` outside braces (`{Barnes and Noble}` is one)."""
    if "{" not in raw and "}" not in raw:
        # Nothing is protected: the same split as `_split_names_outside_braces`, at C speed.
        return [name for name in (n.strip() for n in _AND.split(raw)) if name]
    return _split_names_outside_braces(raw)


def _split_names_outside_braces(raw: str) -> list[str]:
    names: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and c.isspace():
            m = _AND.match(raw, i)
            if m:
                names.append(raw[start:i])
                start = i = m.end()
                continue
        i += 1
    names.append(raw[start:])
    return [name for name in (n.strip() for n in names) if name]


# --------------------------------------------------------------------------------------
# Values: @string resolution, concatenation, enclosing
# --------------------------------------------------------------------------------------

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


class _ValueError(Exception):
    pass


def _resolve(expr: str, strings: Mapping[str, str], undefined: list[str]) -> str:
    """The value of a raw BibTeX expression: `{..}`, `".."`, number, macro, joined by `#`."""
    if expr[:1] == "{" and expr[-1:] == "}" and expr.count("{") == 1 and expr.count("}") == 1:
        return expr[1:-1]  # one braced value with no braces inside: most of them
    parts: list[str] = []
    i = 0
    n = len(expr)
    while True:
        while i < n and expr[i].isspace():
            i += 1
        if i >= n:
            break
        c = expr[i]
        if c == "{":
            close = _bibtex_close(expr, i)
            parts.append(expr[i + 1 : close])
            i = close + 1
        elif c == '"':
            close = _quote_close(expr, i)
            parts.append(expr[i + 1 : close])
            i = close + 1
        else:
            j = i
            while j < n and not expr[j].isspace() and expr[j] != "#":
                j += 1
            word = expr[i:j]
            if word.isdigit():
                parts.append(word)
            elif word.lower() in strings:
                parts.append(strings[word.lower()])
            elif word.lower() in MONTHS:
                parts.append(word)  # month macros stay macros; export writes them bare
            else:
                undefined.append(word)
                parts.append(word)
            i = j
        while i < n and expr[i].isspace():
            i += 1
        if i < n:
            if expr[i] != "#":
                raise _ValueError(f"has {expr[i]!r} where `#` or `,` should be: {_short(expr)}")
            i += 1
    return "".join(parts)


def _bibtex_close(expr: str, start: int) -> int:
    # BibTeX counts every brace, escaped or not.
    depth = 0
    for found in _BRACE.finditer(expr, start):
        if found.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return found.start()
    raise _ValueError(f"has unbalanced braces in {_short(expr)}")


def _quote_close(expr: str, start: int) -> int:
    depth = 0
    for k in range(start + 1, len(expr)):
        c = expr[k]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0:
            return k
    raise _ValueError(f"has an unclosed quote in {_short(expr)}")


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


# --------------------------------------------------------------------------------------
# Fields -> Record
# --------------------------------------------------------------------------------------

_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.I)
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.+/]*")
_YEAR = re.compile(r"(\d{4})")


def _arxiv_id(f: Mapping[str, str]) -> str:
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").strip("{} ").lower()
    if f.get("eprint") and prefix == "arxiv":
        found = normalize_arxiv(verbatim_text(f["eprint"]))
        if found:
            return found
    for name in ("url", "eprint", "journal", "journaltitle", "note", "howpublished", "volume"):
        value = f.get(name, "")
        if name == "url":
            m = _ARXIV_URL.search(verbatim_text(value))
            if m and (found := normalize_arxiv(m.group(1))):
                return found
            continue
        corr_volume = name == "volume" and f.get("journal", "").strip("{} ").lower() == "corr"
        if ("arxiv" in value.lower() or corr_volume) and (
            found := normalize_arxiv(strip_latex(value).replace("abs/", ""))
        ):
            return found
    return ""


def _share_decoded(
    fields: list[tuple[str, str]], title: str, abstract: str
) -> tuple[tuple[str, str], ...]:
    """The raw fields, with a raw title/abstract that equals its decoded text replaced by
    that same string object: otherwise each is held twice, ~60 MB of a 100k import's peak
    memory (and twice the bytes to send back from a worker process).
    """
    shared = []
    for name, value in fields:
        low = name.lower()
        decoded = abstract if low == "abstract" else title if low == "title" else None
        shared.append((name, decoded if decoded is not None and decoded == value else value))
    return tuple(shared)


def _record(
    entry: RawEntry,
    fields: list[tuple[str, str]],
    file_name: str,
    index: int,
    line: int,
) -> Record:
    f = {name.lower(): value for name, value in fields}
    title = field_text(f.get("title", ""))
    if not title:
        raise _ValueError("has no title")
    authors = tuple(
        name
        for name in (field_text(n) for n in split_names(f.get("author", "")))
        if name and name.lower() != "others"
    )
    year = None
    year_text = field_text(f.get("year", ""))
    if year_text.isdigit():
        year = int(year_text)
    elif not year_text and (m := _YEAR.match(f.get("date", "").strip())):
        year = int(m.group(1))
    venue = ""
    for name in ("journal", "journaltitle", "booktitle", "howpublished"):
        raw = f.get(name, "")
        if raw and not re.match(r"\s*\\url\b", raw):
            venue = field_text(raw)
            if venue:
                break
    url = verbatim_text(f.get("url", ""))
    doi = normalize_doi(verbatim_text(f.get("doi", "")))
    if not doi and "doi.org/" in url:
        doi = normalize_doi(url)
    abstract = field_text(f.get("abstract", ""))
    triage = triage_from_bibtex_fields(f)
    if triage is not None:
        fields = strip_papersift_fields(fields)
    return Record(
        title=title,
        source=Source(file=file_name, index=index),
        line=line,
        abstract=abstract,
        authors=authors,
        year=year,
        venue=venue,
        doi=doi,
        arxiv=_arxiv_id(f),
        url=url,
        bibtex=BibtexOrigin(
            entry_type=sys.intern(entry.entry_type),
            key=entry.key,
            fields=_share_decoded(fields, title, abstract),
        ),
        triage=triage,
    )


# --------------------------------------------------------------------------------------
# Blocks -> ReadResult
# --------------------------------------------------------------------------------------


def _failure(block: model.Block) -> str:
    """What is wrong with a failed block, in words a user can act on."""
    raw = block.raw or ""
    head = re.match(r"@\s*(\w+)\s*[{(]\s*([^,\s]*)", raw)
    what = f"@{head.group(1).lower()} {head.group(2)!r}" if head else "this block"
    if isinstance(block, model.DuplicateFieldKeyBlock):
        dups = ", ".join(sorted(block.duplicate_keys))
        return f"{what}: field {dups} appears more than once"
    if isinstance(block, model.ParsingFailedBlock):
        reason = str(getattr(block.error, "abort_reason", "") or block.error)
        if "end of file" in reason:
            return f"{what} is not closed: the file ends inside it (a missing '}}'?)"
        return f"{what} could not be parsed ({reason.strip()})"
    return f"{what} could not be read ({block.error})"


def _check_lines(text: str, file_name: str) -> None:
    start = 0
    number = 1
    while True:
        end = text.find("\n", start)
        stop = len(text) if end < 0 else end
        if stop - start > MAX_BIBTEX_LINE:
            raise PapersiftError(
                f"{file_name}:{number}: a {stop - start:,}-character line; this is not a "
                "bibliography papersift can read; nothing was imported"
            )
        if end < 0:
            return
        start, number = end + 1, number + 1


def parse(text: str, file_name: str) -> ReadResult:
    """Parse a .bib file into one `Record` per entry, in file order.

    Raises `PapersiftError` ("file:line: ...") if any block fails to parse, a citation
    key or field repeats, an entry has no title, a line is over `MAX_BIBTEX_LINE`
    characters, or there are no entries at all.
    """
    if len(text) > MAX_BIBTEX_LINE:
        _check_lines(text, file_name)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    result = ReadResult(file=file_name, format="bibtex")
    problems: list[tuple[int, str]] = []
    strings: dict[str, str] = {}
    found = bibtex_split.split(text)
    if found is None:
        found = _split_with_bibtexparser(text, file_name, result, problems, strings)

    keys: dict[str, int] = {}
    entries: list[tuple[RawEntry, int]] = []
    for entry, line in found:
        if not entry.key:
            problems.append((line, f"@{entry.entry_type} entry has no citation key"))
            continue
        folded = entry.key.casefold()
        if folded in keys:
            problems.append(
                (line, f"duplicate citation key {entry.key!r} (first on line {keys[folded]})")
            )
            continue
        keys[folded] = line
        entries.append((entry, line))

    for index, (entry, line) in enumerate(entries):
        fields: list[tuple[str, str]] = []
        seen: set[str] = set()
        try:
            for raw_name, value in entry.fields:
                # One string object per field name, not one per entry: at 100k entries
                # the copies were 16 MB (and as many more to pickle from a worker).
                name = sys.intern(raw_name)
                if not _FIELD_NAME.fullmatch(name):
                    raise _ValueError(f"has {_short(name)} where a field name should be")
                if name.lower() in seen:
                    raise _ValueError(f"has field {name!r} more than once")
                seen.add(name.lower())
                undefined = []
                fields.append((name, _resolve(value, strings, undefined)))
                for word in undefined:
                    result.warnings.append(
                        f"{file_name}:{line}: {entry.key!r}: {name} uses undefined @string "
                        f"{word!r}; kept as text"
                    )
            result.records.append(_record(entry, fields, file_name, index, line))
        except _ValueError as exc:
            problems.append((line, f"entry {entry.key!r} {exc}"))

    if problems:
        problems.sort()
        line, what = problems[0]
        more = len(problems) - 1
        also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise PapersiftError(f"{file_name}:{line}: {what}{also}; nothing was imported")
    if not result.records:
        raise PapersiftError(
            f"{file_name}: no entries found (expected @article{{...}}, @misc{{...}} and the like)"
        )
    return result


def _split_with_bibtexparser(
    text: str,
    file_name: str,
    result: ReadResult,
    problems: list[tuple[int, str]],
    strings: dict[str, str],
) -> list[tuple[RawEntry, int]]:
    """The entries of any .bib, through bibtexparser's splitter; its other blocks fill
    `strings` (@string), `problems` (blocks that failed) and `result.warnings`."""
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser raises on its own bugs
        raise PapersiftError(f"{file_name}: cannot parse as BibTeX: {exc}") from None
    entries: list[tuple[RawEntry, int]] = []
    first_lines: dict[str, int] = {}  # citation key (casefolded) -> line of its entry
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, model.DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, model.String
        ):
            block = block.ignore_error_block
        if isinstance(block, model.String):
            if block.key.lower() in strings:
                result.warnings.append(
                    f"{file_name}:{line}: @string {block.key!r} is defined again; the later "
                    "value is used"
                )
            undefined: list[str] = []
            try:
                strings[block.key.lower()] = _resolve(block.value, strings, undefined)
            except _ValueError as exc:
                problems.append((line, f"@string {block.key!r}: {exc}"))
            continue
        if isinstance(block, model.DuplicateBlockKeyBlock):
            first = first_lines.get(block.key.casefold())
            where = f" (first on line {first})" if first else ""
            problems.append((line, f"duplicate citation key {block.key!r}{where}"))
            continue
        if isinstance(block, model.ParsingFailedBlock):
            problems.append((line, _failure(block)))
            continue
        if isinstance(block, model.ImplicitComment):
            stray = re.search(r"^[ \t]*@\w+.*$", block.comment, re.M)
            if stray:
                result.warnings.append(
                    f"{file_name}:{line}: ignored text that looks like a broken entry: "
                    f"{_short(stray.group(0))}"
                )
            continue
        if isinstance(block, model.Entry):
            first_lines.setdefault(block.key.casefold(), line)
            fields = [(fld.key, fld.value) for fld in block.fields]
            entries.append((RawEntry(block.entry_type, block.key, fields), line))
    return entries
