"""Reader for BibTeX / biblatex files (bibtexparser v2 splits, we interpret).

bibtexparser runs with an empty parse stack, so we get every value exactly as written
and do the rest here: `@string` macros and `#` concatenations are resolved in file order,
enclosing braces/quotes are removed, and the result is kept verbatim in `BibtexOrigin`
so that export can write it back untouched. Display text (title, abstract, authors,
venue) is decoded from LaTeX to Unicode by `papersift.latex`.

A file with any broken block imports nothing: parse errors and malformed values raise
`PapersiftError` naming the first problem's line. What is merely incomplete is kept
with a warning (see `parse`): entries without a title, repeated keys and fields.
`crossref`/`xdata` inheritance is resolved as biber does (`bibtex_inherit`).

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
from papersift.readers.bibtex_inherit import has_granular_reference, inherit
from papersift.readers.bibtex_split import RawEntry

__all__ = ["MONTHS", "parse", "split_names", "untitled"]

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
        while i < n and expr[i] == "%":
            # `title = {x}, % a remark`: a comment to the end of the line (btparse's rule)
            end = expr.find("\n", i)
            i = n if end < 0 else end
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


def untitled(key: str) -> str:
    """The title an entry without one is kept under: "untitled (key)"."""
    return f"untitled ({key})"


def _record(
    entry: RawEntry,
    fields: list[tuple[str, str]],
    inherited: list[tuple[str, str]],
    file_name: str,
    index: int,
    line: int,
) -> Record:
    f = {name.lower(): value for name, value in fields}
    for name, value in inherited:
        f.setdefault(name.lower(), value)
    title = field_text(f.get("title", "")) or untitled(entry.key)
    authors = tuple(
        name
        for name in (field_text(n) for n in split_names(f.get("author", "")))
        # (an unresolved granular `xdata=` reference is no name)
        if name and name.lower() != "others" and not name.startswith("xdata=")
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
            inherited=tuple(inherited),
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

    Raises `PapersiftError` ("file:line: ...") if any block fails to parse, a value or
    field name is malformed, an entry has no citation key, a line is over
    `MAX_BIBTEX_LINE` characters, or there are no entries at all: then the file is
    broken or not BibTeX, and nothing is imported.

    What a reference manager imports with a note is kept with a warning naming the line
    and key (and counted in `ReadResult.kept_with_warnings`): an entry without a title
    (kept as "untitled (key)"), a citation key used twice (both kept: they are often
    different papers), a field given twice (the first value kept, as bibtex and biber
    do), an undefined `@string`, a crossref/xdata parent that is missing. Fields a
    `crossref` or `xdata` parent gives are resolved as biber does (`bibtex_inherit`).
    `@xdata` entries and `@set` groups are not papers and are not imported as such.
    """
    if len(text) > MAX_BIBTEX_LINE:
        _check_lines(text, file_name)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _without_comments(text)
    if "@" in text and _SPLIT_HEAD.search(text):
        text = _SPLIT_HEAD.sub(_join_head, text)
    text, protected = _protect_inner_quotes(text)
    result = ReadResult(file=file_name, format="bibtex")
    problems: list[tuple[int, str]] = []
    strings: dict[str, str] = {}
    found = bibtex_split.split(text)
    if found is None:
        found = _split_with_bibtexparser(text, file_name, result, problems, strings)
    if protected:
        found = [
            (RawEntry(e.entry_type, e.key, [(k, v.replace(_QUOTE, '"')) for k, v in e.fields]), n)
            for e, n in found
        ]
        for name, value in strings.items():
            strings[name] = value.replace(_QUOTE, '"')

    keys: dict[str, int] = {}
    prepared: list[tuple[RawEntry, int, list[tuple[str, str]]]] = []
    flagged: set[int] = set()  # positions in `prepared` kept with a warning
    for entry, line in found:
        if not entry.key:
            problems.append((line, f"@{entry.entry_type} entry has no citation key"))
            continue
        where = f"{file_name}:{line}: {entry.key!r}:"
        folded = entry.key.casefold()
        if folded in keys:
            result.warnings.append(
                f"{file_name}:{line}: duplicate citation key {entry.key!r} (first on line "
                f"{keys[folded]}); both entries kept"
            )
            flagged.add(len(prepared))
        else:
            keys[folded] = line
        fields: list[tuple[str, str]] = []
        seen: set[str] = set()
        try:
            for raw_name, value in entry.fields:
                # One string object per field name, not one per entry: at 100k entries
                # the copies were 16 MB (and as many more to pickle from a worker).
                if "%" in raw_name:
                    raw_name = _COMMENT_LINE.sub("", raw_name).strip()
                name = sys.intern(raw_name)
                if not _FIELD_NAME.fullmatch(name):
                    raise _ValueError(f"has {_short(name)} where a field name should be")
                undefined: list[str] = []
                resolved = _resolve(value, strings, undefined)
                if name.lower() in seen:
                    result.warnings.append(
                        f"{where} field {name} is given more than once; the first value is "
                        f"kept, as bibtex and biber do (not {_short(resolved)})"
                    )
                    flagged.add(len(prepared))
                    continue
                seen.add(name.lower())
                fields.append((name, resolved))
                for word in undefined:
                    result.warnings.append(
                        f"{where} {name} uses undefined @string {word!r}; kept as text"
                    )
                    flagged.add(len(prepared))
        except _ValueError as exc:
            problems.append((line, f"entry {entry.key!r} {exc}"))
            continue
        prepared.append((entry, line, fields))

    if problems:
        problems.sort()
        line, what = problems[0]
        more = len(problems) - 1
        also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise PapersiftError(f"{file_name}:{line}: {what}{also}; nothing was imported")

    gained: list[list[tuple[str, str]]] = [[] for _ in prepared]
    if any(_has_link(fields) for _, _, fields in prepared):
        inheritance = inherit(
            [(e.entry_type, e.key, fields) for e, _, fields in prepared], split_names
        )
        gained = inheritance.gained
        for n, fields in inheritance.rewritten.items():
            entry, line, _ = prepared[n]
            prepared[n] = (entry, line, fields)
        for n, what in inheritance.problems:
            entry, line, _ = prepared[n]
            result.warnings.append(f"{file_name}:{line}: {entry.key!r}: {what}")
            flagged.add(n)

    xdata = 0
    for n, (entry, line, fields) in enumerate(prepared):
        if entry.entry_type == "xdata":
            xdata += 1
            continue
        if entry.entry_type == "set":
            members = next((v for f, v in fields if f.lower() == "entryset"), "")
            result.warnings.append(
                f"{file_name}:{line}: @set {entry.key!r} groups {_short(members)}; a set is "
                "not a paper (its members are imported on their own)"
            )
            continue
        record = _record(entry, fields, gained[n], file_name, len(result.records), line)
        if record.title == untitled(entry.key) and not _has_title(fields, gained[n]):
            result.warnings.append(
                f"{file_name}:{line}: entry {entry.key!r} has no title; kept as {record.title!r}"
            )
            flagged.add(n)
        if n in flagged:
            result.kept_with_warnings += 1
        result.records.append(record)
    if xdata:
        result.warnings.append(
            f"{file_name}: {xdata} @xdata entr{'ies' if xdata > 1 else 'y'} gave fields to "
            "the entries that name them (not papers themselves, so not imported)"
        )
    if not result.records:
        if strings and not prepared:
            raise PapersiftError(
                f"{file_name}: only @string abbreviations ({len(strings)}), no entries: a "
                "file for other .bib files to use, with no paper to import"
            )
        raise PapersiftError(
            f"{file_name}: no entries found (expected @article{{...}}, @misc{{...}} and the like)"
        )
    result.warnings.sort(key=_warning_line)
    return result


def _warning_line(warning: str) -> int:
    """The line a warning names (0 for the file as a whole), to list them in file order."""
    found = _WARNING_LINE.match(warning)
    return int(found.group(1)) if found else 0


_WARNING_LINE = re.compile(r"[^\n]*?:(\d+): ")


_COMMENT_LINE = re.compile(r"%[^\n]*(?:\n|$)")
# A line that is a `%` comment, or the `% remark` after a field's closing `}`/`"`/digit
# and comma: what btparse (biber) skips as a comment outside values.
_COMMENT = re.compile(r'^[ \t]*%[^\n]*|(?<=[}"0-9],)[ \t]*%[^\n]*', re.M)


# An entry head BibTeX reads although it spans lines: `@incollection` / `(` / `key` / `,`
# (bibtex's own documentation shows one). Joined on the `@` line, the newlines moved after
# the key, so every later line keeps its number.
_SPLIT_HEAD = re.compile(r'^([ \t]*@\w+)[ \t]*(\n\s*)([({])(\s*)([^\s,{}()"=#%]+)(\s*),', re.M)


def _join_head(m: re.Match[str]) -> str:
    newlines = "\n" * (m.group(2) + m.group(4) + m.group(6)).count("\n")
    return f"{m.group(1)}{m.group(3)}{m.group(5)},{newlines}"


def _without_comments(text: str) -> str:
    """`text` without the `%` comments biber skips between entries and between fields.

    `%@book{old, ...` is a commented-out entry and `author = {x}, % remark` a remark to
    biber (btparse reads `%` to the end of the line as a comment outside values) and to
    anyone reading the file; bibtexparser would parse both as BibTeX. Inside a value
    (brace depth 2 or more) `%` is data and stays. The line breaks stay, so line
    numbers do not move.
    """
    if "%" not in text:
        return text
    pieces: list[str] = []
    depth = 0
    pos = 0
    for found in _COMMENT.finditer(text):
        before = text[pos : found.start()]
        depth += before.count("{") - before.count("}")
        pieces.append(before)
        comment = found.group()
        if depth <= 1:
            pieces.append("")
        else:
            pieces.append(comment)
            depth += comment.count("{") - comment.count("}")
        pos = found.end()
    pieces.append(text[pos:])
    return "".join(pieces)


# Entry starts, braces and quotes: what BibTeX's own scanner looks at.
_MARK = re.compile(r'@\w*[ \t]*\{|[{}"]')
_QUOTED_VALUE = re.compile(r'=\s*"')
#: Stands for a `"` inside braces inside a quoted value while the file is split.
_QUOTE = "\ue022"


def _protect_inner_quotes(text: str) -> tuple[str, bool]:
    """`text` with each `"` that is inside braces within a quoted value replaced by
    `_QUOTE`, and whether there was any.

    In BibTeX such a quote is text (`title = "{Gr{"o}{\\ss}e}"`, `"{... "optionalen"
    Kapitel ...}"`: brace depth decides, as bibtex and biber read it); bibtexparser ends
    the value there and fails the entry or, worse, reads it wrong. The caller puts the
    quotes back into the split values.
    """
    if _QUOTE in text or not _QUOTED_VALUE.search(text):
        return text, False
    depth = 0
    in_quote = False
    hits: list[int] = []
    for found in _MARK.finditer(text):
        c = found.group()
        if c[0] == "@":
            if depth == 0:
                depth, in_quote = 1, False
            else:
                depth += 1
        elif depth == 0:
            continue  # text between entries: BibTeX ignores it
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth <= 1:
                in_quote = in_quote and depth == 1
        elif depth == 1:
            in_quote = not in_quote
        elif in_quote:
            hits.append(found.start())
    if not hits:
        return text, False
    pieces: list[str] = []
    pos = 0
    for at in hits:
        pieces.append(text[pos:at])
        pos = at + 1
    pieces.append(text[pos:])
    return _QUOTE.join(pieces), True


def _has_link(fields: list[tuple[str, str]]) -> bool:
    return any(
        name.lower() in ("crossref", "xdata") or has_granular_reference(value)
        for name, value in fields
    )


def _has_title(fields: list[tuple[str, str]], inherited: list[tuple[str, str]]) -> bool:
    return any(name.lower() == "title" and field_text(v) for name, v in (*fields, *inherited))


def _split_with_bibtexparser(
    text: str,
    file_name: str,
    result: ReadResult,
    problems: list[tuple[int, str]],
    strings: dict[str, str],
) -> list[tuple[RawEntry, int]]:
    """The entries of any .bib, through bibtexparser's splitter (a repeated key or field
    included: the caller warns about them); its other blocks fill `strings` (@string),
    `problems` (blocks that failed) and `result.warnings`."""
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser raises on its own bugs
        raise PapersiftError(f"{file_name}: cannot parse as BibTeX: {exc}") from None
    entries: list[tuple[RawEntry, int]] = []
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(
            block, model.DuplicateBlockKeyBlock | model.DuplicateFieldKeyBlock
        ) and isinstance(block.ignore_error_block, model.String | model.Entry):
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
            fields = [(fld.key, fld.value) for fld in block.fields]
            entries.append((RawEntry(block.entry_type, block.key, fields), line))
    return entries
