r"""BibTeX export: papers as a .bib file that bibtex, biber, Zotero and JabRef accept.

Entries that came from a .bib file are written back as they were read: same type,
same key (if unique in the export), same raw field values, with one exception: a
command outside `latex.SAFE_COMMANDS` (accents, symbols, fonts, math) loses its
backslash, so a stranger's `\input`, `\write18` or `\def` shows as text instead of
running when the user builds a PDF; URL-like fields lose their LaTeX (URLs are written
raw: `a_b%20c`, never `a\_b`). What papersift shows is what bibtex, biber and pandoc read
back: a word macro papersift shows as its name (`{\TUG}`) is written by
`latex.word_macro`, text symbols pandoc drops by `latex.readable_symbols`, a bare `%`,
`#`, `&`, `_` or `^` (text in a .bib value) escaped, a line break after a hyphen joined,
math in titles brace-protected against plain.bst's lowercasing. A `crossref`/`xref` is
kept when its parent is exported too (written after its children, as bibtex needs),
else, like `xdata`, replaced by the fields the entry inherited. Other papers
become `@misc` (`@article` / `@inproceedings` only when authors, year and venue are all
known, as every standard style requires them there). Nothing is invented: a paper
without authors gets no author, only a `key` field (its title) so plain.bst can sort
it; a biblatex `date` without `year` gets the date's year for classic styles.

Text is data: every title, abstract, name, tag and note that did not come from a .bib
file goes through `latex.escape_latex`, so no text can end a field or run a LaTeX
command. Words with capitals after their first letter (`{LLMs}`, `{BERT}`, `{GeDi}`),
and in sentence-case titles every capitalised word after the first, are brace-protected
so styles do not lowercase them. By default the file is UTF-8 (biber, bibtexu);
`ExportOptions(unicode=False)` writes pure ASCII for classic bibtex (see `latex.encode`).

Author names that are not plain "First Last" / "Last, First" text (symbols, empty
parts, a leading comma...) are written as one braced unit, `{\relax ...}`: bibtex
and biber otherwise warn, mis-split or, for biber, crash or write a .bbl that breaks
LaTeX. Leading modifier symbols (a backtick, an acute accent) are dropped from names
for the same reason. Tested against bibtex + plain.bst and biblatex + biber.

Keys come from `citekeys`, the triage fields from `bibtex_triage` (its docstring has
the table of what goes where).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import bibtexparser
from bibtexparser import model
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.writer import BibtexFormat

from papersift.bibtex_triage import has_triage, triage_fields
from papersift.citekeys import citation_keys
from papersift.latex import (
    ACCENTS,
    HYPHEN_BREAK,
    TEXT_SYMBOLS,
    ascii_raw,
    bare_specials_escaped,
    braces_balanced,
    clean_text,
    dotless,
    escape_latex,
    inert_raw,
    latex_to_text,
    raw_is_safe,
    readable_symbols,
    verbatim_text,
)
from papersift.models import Entry, Paper
from papersift.readers.bibtex import MONTHS, split_names, untitled
from papersift.readers.bibtex_inherit import LINK_FIELDS, link_keys

__all__ = [
    "ExportOptions",
    "author_field",
    "clean_name",
    "export_bibtex",
    "parents_last",
]


@dataclass(frozen=True)
class ExportOptions:
    """How to write a .bib file."""

    #: False: pure ASCII with LaTeX escapes, for classic bibtex.
    unicode: bool = True
    #: Tags, note, star and status as keywords/annote/JabRef fields.
    include_triage: bool = True


_VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "urldate"})


def _url_value(value: str, ascii_only: bool) -> str:
    """A URL-like value: whitespace, braces, backslashes (and non-ASCII) percent-encoded."""
    out = []
    for c in value.strip():
        if c in "{}\\" or not c.isprintable() or c.isspace() or (ascii_only and not c.isascii()):
            out.append(quote(c, safe=""))
        else:
            out.append(c)
    return "".join(out)


# --------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------

_PROCEEDINGS = re.compile(r"\b(proc\.?|proceedings|conference|workshop|symposium)\b", re.I)


# What ASCII mode writes for letters biber decodes itself: accents and `\ss`-like letters.
_LETTER_MACRO = re.compile(
    r"\{\\[`'^\"~=.uvHckrdbt]\{(?:[A-Za-z]|\\[`'^\"~=.uvHckrdbt]\{[A-Za-z]\})\}\}"
    r"|\{\\(?:ss|ae|AE|oe|OE|aa|AA|dh|DH|th|TH|ng|NG|dj|DJ)\}|\{\\[oOlL]\{\}\}"
)
_NAME_PUNCTUATION = frozenset(" .,'-’")


def _depth0_commas(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _name_is_plain(name: str, escaped: str) -> bool:
    """Whether bibtex and biber both parse `escaped` as the person name it is.

    Only letters, digits, accents, spaces and `.,'-’`, in one to three comma-separated
    non-empty parts, with a letter somewhere. Outside that the tools disagree or
    break: bibtex and biber warn on empty parts (`A,`, `A,-`) and a fourth part,
    btparse crashes on a leading comma and drops a name without letters, and biber's
    initials of a word starting with a symbol macro (`{\\textpm}x`), a tie or a
    braced hyphen (`{-}-`) unbalance its .bbl.
    """
    rest = _LETTER_MACRO.sub("a", escaped)
    parts = _depth0_commas(escaped)
    return (
        all(
            c.isalnum() or c in _NAME_PUNCTUATION or unicodedata.category(c)[0] == "M" for c in rest
        )
        and len(split_names(escaped)) == 1
        and len(parts) <= 3
        and all(p.strip(" -") for p in parts)
        and any(c.isalpha() for c in name)
        and name.strip().lower() != "others"
    )


def clean_name(name: str) -> str:
    """An author name as exported: one line, without leading modifier symbols.

    Biber takes a name's initial as its first two characters when the first is a
    modifier such as a backtick or an accent (`` `x `` -> `` `{ ``), which breaks its
    .bbl; no real name starts with one, so they are dropped.
    """
    name = clean_text(name, False)
    start = 0
    while start < len(name) and (
        unicodedata.category(name[start]) in ("Sk", "Lm", "Mn", "Me") or name[start] in "·΄"
    ):
        start += 1
    return name[start:].lstrip()


_BARE_TIE = re.compile(r"(?<!\\)~")  # a no-break space, not the accent `\~{o}`


def author_field(authors: Sequence[str], ascii_only: bool) -> str:
    """The `author` value: plain names as they are, any other as one braced unit.

    `{\\relax ...}` makes biber take the unit whole (no initials of its pieces) and is
    one "special character" to bibtex; inside it a no-break space is
    `\\nobreakspace{}`, since biber splits at `~` even there.
    """
    out = []
    for name in authors:
        name = clean_name(name)
        escaped = escape_latex(name, ascii_only=ascii_only)
        if not escaped:
            continue
        if not _name_is_plain(name, escaped):
            escaped = "{\\relax " + _BARE_TIE.sub(r"\\nobreakspace{}", escaped) + "}"
        out.append(escaped)
    return " and ".join(out)


def _generated_fields(paper: Paper, ascii_only: bool) -> tuple[str, list[tuple[str, str]]]:
    """Entry type and fields for a paper that did not come from a .bib file."""
    fields: list[tuple[str, str]] = [
        ("title", escape_latex(paper.title, ascii_only=ascii_only, protect_case=True))
    ]
    authors = author_field(paper.authors, ascii_only)
    if authors:
        fields.append(("author", authors))
    if paper.year is not None:
        fields.append(("year", str(paper.year)))
    entry_type = "misc"
    venue = escape_latex(paper.venue, ascii_only=ascii_only)
    if venue:
        # @article/@inproceedings require author and year in every standard style.
        complete = bool(authors) and paper.year is not None
        if complete and _PROCEEDINGS.search(paper.venue):
            entry_type = "inproceedings"
            fields.append(("booktitle", venue))
        elif complete:
            entry_type = "article"
            fields.append(("journal", venue))
        else:
            fields.append(("howpublished", venue))
    fields.extend(_identifier_fields(paper, {}, ascii_only))
    if paper.abstract.strip():
        fields.append(("abstract", escape_latex(paper.abstract, ascii_only=ascii_only)))
    return entry_type, fields


def _identifier_fields(
    paper: Paper, present: Mapping[str, str], ascii_only: bool
) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    if paper.doi and "doi" not in present:
        fields.append(("doi", _url_value(paper.doi, ascii_only)))
    if paper.arxiv and "eprint" not in present:
        fields.append(("eprint", _url_value(paper.arxiv, ascii_only)))
        fields.append(("archivePrefix", "arXiv"))
    if paper.url and "url" not in present:
        fields.append(("url", _url_value(paper.url, ascii_only)))
    return fields


_TITLE_FIELDS = frozenset(
    {"title", "subtitle", "titleaddon", "booktitle", "maintitle", "shorttitle", "eventtitle"}
)


def _protect_case(value: str) -> str:
    """Math and capitalised commands outside braces brace-protected (`{$O(n^2)$}`,
    `{\\TeX}`): plain.bst lowercases what is unbraced in a title, the letters of math
    (`$o(n^2)$`) and command names too (`\\tex`, an undefined command)."""
    parts = _MATH_OR_COMMAND.split(value)  # odd places: `$...$` or a command
    depth = 0
    for i, part in enumerate(parts):
        if i % 2 == 0:
            depth += part.count("{") - part.count("}")
        elif depth == 0 and (part[0] == "$" or any(c.isupper() for c in part)):
            parts[i] = "{" + part.removesuffix("{}") + "}"
    return "".join(parts)


_MATH_OR_COMMAND = re.compile(r"((?<!\\)\$.+?(?<!\\)\$|\\[A-Za-z]+(?:\{\})?)", re.S)


_KEY_FIELDS = frozenset({"ids", "entryset", "related"})
_KEY_LIST = re.compile(r"[^\\{}%#&~^\s,]+(?:\s*,\s*[^\\{}%#&~^\s,]+)*")


def _raw_value(name: str, value: str, ascii_only: bool) -> str:
    """One raw field of an imported entry as exported: as written where that is safe."""
    low = name.lower()
    if low in _KEY_FIELDS and _KEY_LIST.fullmatch(value):
        return value  # citation keys (`ids`, `entryset`, `related`): no LaTeX in them
    if low == "year" and value.isdigit() and not value.isascii():
        return str(int(value))  # `१९८७` as papersift shows it: biblatex loops on it
    if low in _VERBATIM_FIELDS:
        # Styles print these with \url or a plain macro (plainnat's \doi): no LaTeX.
        if "\\" in value or not raw_is_safe(value) or (ascii_only and not value.isascii()):
            value = _url_value(verbatim_text(value), ascii_only)
        return value
    if "-\n" in value or "- \n" in value:
        value = HYPHEN_BREAK.sub("", value)  # as papersift shows it: `short-` / `text`
    if not raw_is_safe(value):
        return escape_latex(latex_to_text(value), ascii_only=ascii_only)
    value = bare_specials_escaped(value)
    value = readable_symbols(
        inert_raw(dotless(ascii_raw(value) if ascii_only else value)), ascii_only
    )
    if low in _TITLE_FIELDS and ("$" in value or "\\" in value):
        value = _protect_case(value)
    if low in _NAME_FIELDS:
        # In names a word macro is its word: biber's name parser mangles `\\ifdefined`.
        value = _WORD_MACRO_WRITTEN.sub(r"{\1}", value)
        value = _EMPTY_GROUP.sub("", value)  # `{}{TUG} Board`: biber's initial is `{}`
        if "{\\" in value:
            value = " and ".join(_relaxed_name(n) for n in split_names(value))
    return value


_WORD_MACRO_WRITTEN = re.compile(r"\{\{\\ifdefined\\([A-Za-z]+)\\\1\\else \1\\fi\}\}")
_EMPTY_GROUP = re.compile(r"(?<![A-Za-z])\{\}")  # not the `{}` ending `\\o{}`
_NAME_FIELDS = frozenset({"author", "editor", "bookauthor", "translator", "editora", "editorb"})


def _relaxed_name(name: str) -> str:
    """`{{\\TeX} Collection editors}` as `{\\relax {\\TeX} Collection editors}`: biber
    takes the initial of a name that starts with a braced command as half of the group,
    and its .bbl then stops pdflatex ("Extra }"); `\\relax` makes the unit whole."""
    whole = name.startswith("{") and name.endswith("}") and braces_balanced(name[1:-1])
    inner = name[1:-1] if whole else name
    lead = _LEADING_COMMAND.match(inner)
    letter = lead is not None and (
        lead.group(1) in ACCENTS or len(TEXT_SYMBOLS.get(lead.group(1), "")) == 1
    )  # `{\\c C}elik`, `{\\AA}berg`: letters, whose initials biber gets right
    if lead and not letter and lead.group(1) != "relax":
        return "{\\relax " + inner + "}"  # `{\\LaTeX} Project Team` too: one unit then
    return name


_LEADING_COMMAND = re.compile(r"\{?\\([A-Za-z]+|.)")


def _origin_fields(
    paper: Paper, ascii_only: bool, exported: Mapping[str, str]
) -> tuple[str, list[tuple[str, str]]]:
    """The imported entry's type and fields, raw, made safe where they were not.

    `exported` maps the original citation keys (casefolded) of the exported entries to
    their keys in this export: a `crossref`/`xref` to one of them is kept (renamed with
    it); a link to anything else, and every `xdata` (its `@xdata` entry is no paper), is
    dropped and the fields the entry inherited through it are written in its place.
    """
    assert paper.bibtex is not None
    fields: list[tuple[str, str]] = []
    inherit = False
    for name, value in paper.bibtex.fields:
        low = name.lower()
        if low in LINK_FIELDS:
            parent = next(iter(link_keys(value)), "")
            target = exported.get(parent.casefold()) if low != "xdata" else None
            if target is None:
                inherit = True
                continue
            fields.append((name, target))  # a citation key: written as it is
            continue
        fields.append((name, _raw_value(name, value, ascii_only)))
    if inherit:
        have = {name.lower() for name, _ in fields}
        fields.extend(
            (name, _raw_value(name, value, ascii_only))
            for name, value in paper.bibtex.inherited
            if name.lower() not in have
        )
    present = {name.lower(): value for name, value in fields}
    date_year = re.match(r"\s*(\d{4})\b", present.get("date", ""))
    if date_year and "year" not in present:
        # biblatex-only `date`: classic styles need `year` (the entry's own, not invented).
        at = next(i for i, (name, _) in enumerate(fields) if name.lower() == "date")
        fields.insert(at + 1, ("year", date_year.group(1)))
    if not present.get("title", "").strip() and paper.title != untitled(paper.bibtex.key):
        fields.insert(0, ("title", escape_latex(paper.title, ascii_only=ascii_only,
                                                protect_case=True)))  # fmt: skip
    if paper.abstract.strip() and "abstract" not in present:
        fields.append(("abstract", escape_latex(paper.abstract, ascii_only=ascii_only)))
    fields.extend(_identifier_fields(paper, present, ascii_only))
    entry_type = paper.bibtex.entry_type.lower()
    if not re.fullmatch(r"[a-z][a-z0-9_\-]*", entry_type):
        entry_type = "misc"
    return entry_type, fields


def _bib_entry(
    entry: Entry, key: str, options: ExportOptions, exported: Mapping[str, str]
) -> model.Entry:
    ascii_only = not options.unicode
    paper = entry.paper
    if paper.bibtex is not None:
        entry_type, fields = _origin_fields(paper, ascii_only, exported)
    else:
        entry_type, fields = _generated_fields(paper, ascii_only)
    names = {name.lower() for name, _ in fields}
    if not names & {"author", "editor", "key"}:
        # plain.bst: "to sort, need author or key"; the title sorts as the author would
        # (an untitled entry by its citation key: its "title" is papersift's, not its).
        untitled_entry = paper.bibtex is not None and paper.title == untitled(paper.bibtex.key)
        sort_key = paper.bibtex.key if untitled_entry and paper.bibtex else paper.title
        fields.append(("key", escape_latex(sort_key, ascii_only=ascii_only)))
    if options.include_triage and has_triage(entry.triage):
        fields = triage_fields(fields, entry.triage, ascii_only)
    bib_fields = []
    for name, value in fields:
        field = model.Field(name, value)
        if name.lower() == "month" and value.strip().lower() in MONTHS:
            field.enclosing = "no-enclosing"  # a month macro, not the text "jan"
        bib_fields.append(field)
    return model.Entry(entry_type, key, bib_fields)


def _crossref_of(entry: Entry) -> str:
    if entry.paper.bibtex is None:
        return ""
    value = next((v for f, v in entry.paper.bibtex.fields if f.lower() == "crossref"), "")
    return next(iter(link_keys(value)), "").casefold()


def _linkable(entries: Sequence[Entry], keys: Mapping[str, str]) -> dict[str, str]:
    """Original key (casefolded) -> key in this export, for the exported entries a link
    may name: all of them but those whose crossref chain, through the export, comes back
    to them (biber stops at such a loop, "Circular inheritance")."""
    origin = {e.paper.bibtex.key.casefold(): e for e in entries if e.paper.bibtex is not None}
    linkable: dict[str, str] = {}
    for folded, entry in origin.items():
        seen = {folded}
        parent = _crossref_of(entry)
        while parent in origin and parent not in seen:
            seen.add(parent)
            parent = _crossref_of(origin[parent])
        if parent not in seen:
            linkable[folded] = keys[entry.id]
    return linkable


def parents_last(entries: Sequence[Entry]) -> list[Entry]:
    """`entries` with every crossref parent after the entries that name it, the order
    otherwise kept: bibtex reads a parent's fields only when it comes later."""
    named = {
        parent.casefold()
        for e in entries
        if e.paper.bibtex is not None
        for name, value in e.paper.bibtex.fields
        if name.lower() == "crossref"
        for parent in link_keys(value)[:1]
    }
    if not named:
        return list(entries)

    def is_parent(e: Entry) -> bool:
        return e.paper.bibtex is not None and e.paper.bibtex.key.casefold() in named

    return [e for e in entries if not is_parent(e)] + [e for e in entries if is_parent(e)]


def _unique(entries: Sequence[Entry]) -> list[Entry]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            out.append(entry)
    return out


def export_bibtex(
    entries: Sequence[Entry],
    options: ExportOptions = ExportOptions(),
    *,
    keys: Mapping[str, str] | None = None,
) -> str:
    """The entries as a .bib file (a paper listed twice is written once).

    `keys` (paper id -> key, e.g. a library's pinned keys from `citekeys.library_keys`)
    replaces `citation_keys(entries)` for the papers it names."""
    entries = _unique(entries)
    own = citation_keys(entries) if keys is None or any(e.id not in keys for e in entries) else {}
    keys = {**own, **(keys or {})}
    blocks: list[model.Block] = [
        model.ImplicitComment("% Encoding: " + ("UTF-8" if options.unicode else "US-ASCII"))
    ]
    exported = _linkable(entries, keys)
    blocks.extend(_bib_entry(e, keys[e.id], options, exported) for e in parents_last(entries))
    library = bibtexparser.Library(blocks)
    fmt = BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # The library is ours and fresh: enclose in place rather than deep-copying it.
    stack = [AddEnclosingMiddleware(False, True, "{", allow_inplace_modification=True)]
    return bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)
