r"""BibTeX export and the "copy as" formats (keys, \cite, pandoc, Markdown, abstract).

Entries that came from a .bib file are written back as they were read: same type,
same key (if unique in the export), same raw field values, with one exception: a
command outside `SAFE_COMMANDS` (accents, symbols, fonts, math) loses its backslash, so
a stranger's `\input`, `\write18` or `\def` shows as text instead of running when the
user builds a PDF; URL-like fields lose their LaTeX. Other papers become `@misc`
(`@article` / `@inproceedings` only when authors, year and venue are all known, as
every standard style requires them there). Nothing is invented: a paper without
authors gets no author, only a `key` field (its title) so plain.bst can sort it; a
biblatex `date` without `year` gets the date's year for classic styles.

Text is data. Every title, abstract, name, tag and note that did not come from a .bib
file is escaped (\ { } & % $ # _ ~ ^ < > | `), so no text can end a field or run a
LaTeX command: `\input{/etc/passwd}` comes out as
`\textbackslash{}input\textbraceleft{}/etc/passwd\textbraceright{}`. BibTeX counts
braces without looking at backslashes, hence `\textbraceleft{}` rather than `\{`;
`--`, `''` and `,,` become `{-}-` etc. so fonts do not fuse them into dashes/quotes.
Words with capitals after their first letter (`{LLMs}`, `{BERT}`, `{GeDi}`), and in
sentence-case titles every capitalised word after the first, are brace-protected so
styles do not lowercase them. By default the file is UTF-8 (biber, bibtexu);
`ExportOptions(unicode=False)` writes pure ASCII for classic bibtex: accents become
`{\"{o}}`, symbols `{\texteuro}` or `{\ensuremath{\alpha}}`, and characters LaTeX has
no name for are transliterated (`ﬁ` -> fi) or written as `[U+4E2D]`.

Author names that are not plain "First Last" / "Last, First" text (symbols, empty
parts, a leading comma...) are written as one braced unit, `{\relax ...}`: bibtex
and biber otherwise warn, mis-split or, for biber, crash or write a .bbl that breaks
LaTeX. Leading modifier symbols (a backtick, an acute accent) are dropped from names
for the same reason. Tested against bibtex + plain.bst and biblatex + biber.

Triage goes where reference managers look for it, and again as keywords that survive
any tool. Re-importing an exported file (`readers.bibtex`) gives the triage back; an
entry's keywords are only taken as tags when a `papersift:` marker shows that
papersift wrote them.

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
containing a comma (tags normally cannot) is written with `%2C`.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import bibtexparser
from bibtexparser import model
from bibtexparser.middlewares import AddEnclosingMiddleware
from bibtexparser.writer import BibtexFormat

from papersift.models import DEFAULT_STATUS, Entry, Paper, Triage
from papersift.readers.bibtex import (
    ACCENTS,
    JABREF_FIELDS,
    MATH_ACCENTS,
    MATH_SYMBOLS,
    MONTHS,
    OWN_KEYWORDS_FIELD,
    STARRED_MARKER,
    STATUS_MARKER,
    TEXT_SYMBOLS,
    braces_balanced,
    latex_to_text,
    quote_keyword,
    split_names,
    triage_from_bibtex_fields,
)
from papersift.readers.bibtex import _verbatim as _unlatex_verbatim

__all__ = [
    "COPY_FORMATS",
    "ExportOptions",
    "citation_keys",
    "clean_name",
    "copy_as",
    "escape_latex",
    "export_bibtex",
    "triage_from_bibtex_fields",
]


@dataclass(frozen=True)
class ExportOptions:
    """How to write a .bib file."""

    #: False: pure ASCII with LaTeX escapes, for classic bibtex.
    unicode: bool = True
    #: Tags, note, star and status as keywords/annote/JabRef fields.
    include_triage: bool = True


#: Formats of `copy_as`: id -> label for menus.
COPY_FORMATS: dict[str, str] = {
    "bibtex": "BibTeX entries",
    "keys": "Citation keys",
    "cite": "LaTeX \\cite{...}",
    "pandoc": "Pandoc citation [@key]",
    "markdown": "Markdown list (title, year, link)",
    "abstract": "Title and abstract (plain text)",
}

#: Status -> JabRef special field (see the table above).
JABREF_STATUS: dict[str, tuple[str, str]] = {
    "to-read": ("priority", "prio1"),
    "reading": ("readstatus", "skimmed"),
    "read": ("readstatus", "read"),
    "discarded": ("priority", "prio3"),
}

# --------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------

_SPECIAL: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "`": r"\textasciigrave{}",
}
# Pairs TeX fonts would fuse into one glyph (-- –, '' ”, ,, „); braces keep them apart.
_LIGATURE_FIRST = frozenset("-',")
# Controls, and the bidi overrides/isolates that make text display as something else
# ("Trojan Source"); pdflatex cannot typeset any of them either.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff]"
)
_LINE_BREAKS = re.compile(r"[\t\n\r\f\v]")
_SPACES = re.compile(r"[ \u2028\u2029]+")
_LINE_START_AT = re.compile(r"(^|\n)([ \t]*)@", re.M)
_LINE_START_FIELD = re.compile(r"(^[ \t]*[A-Za-z][A-Za-z0-9:+/'.\-]*)(?=[ \t]*=)", re.M)


# Biber turns these into characters that pdflatex then typesets with text commands
# inside `\ensuremath` (a warning per use): better `[U+27E8]` than a broken document.
_DECODE_ONLY = frozenset({"langle", "rangle"})


def _latex_names() -> dict[str, str]:
    """Unicode character -> LaTeX for ASCII mode (first name in the reader's tables wins)."""
    names: dict[str, str] = {}
    for name, char in TEXT_SYMBOLS.items():
        if len(char) == 1 and not char.isascii() and char not in names and char != "\u00a0":
            names[char] = f"{{\\{name}}}" if len(name) > 1 else f"{{\\{name}{{}}}}"
    for name, char in MATH_SYMBOLS.items():
        if not char.isascii() and char not in names and name not in _DECODE_ONLY:
            names[char] = f"{{\\ensuremath{{\\{name}}}}}"
    return names


_LATEX_NAMES = _latex_names()
_COMBINING = {mark: name for name, mark in ACCENTS.items()}
_MATH_COMBINING = {mark: name for name, mark in reversed(MATH_ACCENTS.items())}
_MATH_NAME = re.compile(r"\{\\ensuremath\{\\([A-Za-z]+)\}\}")
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip


@functools.lru_cache(maxsize=4096)
def char_to_latex(ch: str) -> str:
    """ASCII LaTeX for one non-ASCII character (`ö` -> `{\\"o}`), never non-ASCII itself."""
    if ch in _LATEX_NAMES:
        return _LATEX_NAMES[ch]
    if ch == "\u00a0":
        return "~"
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if marks and base.isascii() and base.isalpha() and all(m in _COMBINING for m in marks):
        inner = base  # `\'{i}`, not `\'{\i}`: LaTeX drops the dot itself; see `_dotless`
        for mark in marks:
            inner = f"\\{_COMBINING[mark]}{{{inner}}}"
        return "{" + inner + "}"
    math = _MATH_NAME.fullmatch(_LATEX_NAMES.get(base, ""))
    if math and marks and all(m in _MATH_COMBINING for m in marks):
        inner = "\\" + math.group(1)  # ά: an accent on a math symbol must be a math accent
        for mark in marks:
            inner = f"\\{_MATH_COMBINING[mark]}{{{inner}}}"
        return f"{{\\ensuremath{{{inner}}}}}"
    if base in _LATEX_NAMES and not math and marks and all(m in _COMBINING for m in marks):
        inner = _LATEX_NAMES[base]
        for mark in marks:
            inner = f"\\{_COMBINING[mark]}{{{inner}}}"
        return "{" + inner + "}"
    folded = "".join(
        c
        for c in unicodedata.normalize("NFKD", ch.translate(_FOLD))
        if not unicodedata.combining(c)
    )
    if folded and folded.isascii() and folded.isprintable() and folded.strip():
        return "".join(_SPECIAL.get(c, c) for c in folded)
    return f"[U+{ord(ch):04X}]"


def _clean_text(text: str, multiline: bool) -> str:
    """NFC, no control characters; one line unless `multiline` (then `\\n` line ends)."""
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _INVISIBLE.sub("", text)
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
    text = _INVISIBLE.sub("", _LINE_BREAKS.sub(" ", text))
    return _SPACES.sub(" ", text).strip()


_TO_ESCAPE = re.compile(r"[\\{}&%$#_~^<>|`]|-(?=-)|'(?=')|,(?=,)")
_TO_ESCAPE_ASCII = re.compile(_TO_ESCAPE.pattern + r"|[^\x00-\x7f]")


def _escape_one(match: re.Match[str]) -> str:
    ch = match.group()
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ch in _LIGATURE_FIRST:
        return "{" + ch + "}"  # `{-}-`, not `-{}-`: biber splits names at unbraced hyphens
    return char_to_latex(ch)


def _escape_chars(text: str, ascii_only: bool) -> str:
    return (_TO_ESCAPE_ASCII if ascii_only else _TO_ESCAPE).sub(_escape_one, text)


_WORD = re.compile(r"[^\W_]+")


def _protected_words(text: str) -> list[re.Match[str]]:
    """The words of a title that styles must not lowercase."""
    words = list(_WORD.finditer(text))
    long_words = [
        w.group()
        for w in words[1:]
        if len(w.group()) >= 4 and w.group().isalpha() and not _has_inner_capital(w.group())
    ]
    lower = sum(1 for w in long_words if w[0].islower())
    sentence_case = lower > len(long_words) - lower
    protected = []
    for index, w in enumerate(words):
        word = w.group()
        if _has_inner_capital(word) or (sentence_case and index > 0 and word[0].isupper()):
            protected.append(w)
    return protected


def _has_inner_capital(word: str) -> bool:
    return any(c.isupper() for c in word[1:])


def escape_latex(
    text: str, *, ascii_only: bool = False, protect_case: bool = False, multiline: bool = False
) -> str:
    """`text` as a BibTeX field value that reads back as `text` and runs no LaTeX.

    Whitespace is collapsed to single spaces (kept line by line with `multiline`) and
    control characters are dropped; `protect_case` brace-protects acronyms and proper
    nouns of a title. The result has balanced braces and never ends in a backslash.
    """
    text = _clean_text(text, multiline)
    if not protect_case:
        out = _escape_chars(text, ascii_only)
    else:
        parts: list[str] = []
        pos = 0
        for w in _protected_words(text):
            parts.append(_escape_chars(text[pos : w.start()], ascii_only))
            parts.append("{" + _escape_chars(w.group(), ascii_only) + "}")
            pos = w.end()
        parts.append(_escape_chars(text[pos:], ascii_only))
        out = "".join(parts)
    if multiline:
        # A line that starts like `@name{` or `name =` reads as a new entry or field to
        # bibtexparser (which then splits the value) and to btparse (which warns).
        out = _LINE_START_AT.sub(r"\1\2{@}", out)
        out = _LINE_START_FIELD.sub(r"\1{}", out)
    return out


#: Commands a raw value from an imported .bib may keep: text symbols, accents, fonts,
#: math. Anything else (`\\input`, `\\write18`, `\\openout`, `\\def`, `\\csname`, a
#: macro the document happens to define...) loses its backslash to `\\textbackslash{}`,
#: so it shows as text instead of running in the user's LaTeX.
SAFE_COMMANDS = frozenset(
    {*TEXT_SYMBOLS, *MATH_SYMBOLS, *MATH_ACCENTS, *(a for a in ACCENTS if a.isalpha())}
    | {
        "emph", "em", "textit", "it", "itshape", "textbf", "bf", "bfseries", "textsc", "sc",
        "scshape", "textsl", "sl", "slshape", "texttt", "tt", "ttfamily", "textrm", "rm",
        "rmfamily", "textsf", "sf", "sffamily", "textup", "upshape", "textmd", "mdseries",
        "textnormal", "normalfont", "textsuperscript", "textsubscript", "mbox", "relax",
        "ensuremath", "mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb",
        "mathfrak", "mathscr", "boldsymbol", "bm", "text", "operatorname", "frac", "dfrac",
        "tfrac", "log", "ln", "exp", "sin", "cos", "tan", "max", "min", "arg", "lim", "sup",
        "inf", "det", "dim", "Pr", "left", "right", "big", "Big", "bigg", "Bigg", "hat",
        "widehat", "tilde", "widetilde", "bar", "overline", "underline", "vec", "dot", "ddot",
        "cdots", "vdots", "ddots", "url", "href", "doi", "path", "nolinkurl", "NoCaseChange",
        "nocase", "mkbibquote", "enquote", "textquotedbl",
    }
)  # fmt: skip
_COMMAND = re.compile(r"\\([A-Za-z]+|.)", re.S)
_MATH_SHIFT = re.compile(r"((?<!\\)\$.*?(?<!\\)\$)", re.S)  # split() keeps each $...$


def _inert_raw(value: str) -> str:
    """A raw value with every command outside `SAFE_COMMANDS` shown, not run.

    `^^5c` is TeX's other spelling of a backslash, so `^^` is split up too: shown as
    text outside math, as two superscripts (`^{}{}^`) inside.
    """
    parts = _MATH_SHIFT.split(_INVISIBLE.sub("", value))
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("^^", r"\textasciicircum{}\textasciicircum{}")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("^^", "^{}{}^")
    value = "".join(parts)

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in SAFE_COMMANDS or not name.isalpha():
            return match.group()
        return r"\textbackslash{}" + name

    return _COMMAND.sub(one, value)


def _raw_is_safe(value: str) -> bool:
    """Whether a raw value from a .bib file can be written back verbatim."""
    return (
        braces_balanced(value)
        and braces_balanced(re.sub(r"\\[{}]", "", value))  # bibtexparser skips `\{`
        and not value.rstrip().endswith("\\")
        and not re.search(r"\n\s*@\w*\s*[{(]", value)
    )


_VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file", "pdf", "urldate"})


def _verbatim(value: str, ascii_only: bool) -> str:
    """A URL-like value: whitespace, braces, backslashes (and non-ASCII) percent-encoded."""
    out = []
    for c in value.strip():
        if c in "{}\\" or not c.isprintable() or c.isspace() or (ascii_only and not c.isascii()):
            out.append(quote(c, safe=""))
        else:
            out.append(c)
    return "".join(out)


# `\'\i`, `{\"{\i}}`...: an accent on a dotless i or j.
_DOTLESS = re.compile(r"(\\[`'^\"~=.uvH])\s*(?:\{\s*\\([ij])\s*\}|\\([ij])(?![A-Za-z]))")


def _dotless(value: str) -> str:
    r"""`\'\i` as `\'{i}`: the same glyph in LaTeX (its i composites drop the dot), but
    biber decodes `\'\i` to ı + U+0301, which pdflatex cannot typeset."""
    return _DOTLESS.sub(lambda m: f"{m.group(1)}{{{m.group(2) or m.group(3)}}}", value)


def _ascii_raw(value: str) -> str:
    """Raw LaTeX with its non-ASCII characters replaced by LaTeX escapes."""
    if value.isascii():
        return value
    value = unicodedata.normalize("NFC", value)
    return "".join(c if c.isascii() else char_to_latex(c) for c in value)


# --------------------------------------------------------------------------------------
# Citation keys
# --------------------------------------------------------------------------------------

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
    folded = unicodedata.normalize("NFKD", word.translate(_FOLD))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


def _surname(name: str) -> str:
    name = latex_to_text(name)
    if "," in name:
        last = name.split(",", 1)[0]
    else:
        parts = name.split()
        last = parts[-1] if parts else ""
    return _ascii_word(last).lower()


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
    name = _clean_text(name, False)
    start = 0
    while start < len(name) and (
        unicodedata.category(name[start]) in ("Sk", "Lm", "Mn", "Me") or name[start] in "·΄"
    ):
        start += 1
    return name[start:].lstrip()


_BARE_TIE = re.compile(r"(?<!\\)~")  # a no-break space, not the accent `\~{o}`


def _names(authors: Sequence[str], ascii_only: bool) -> str:
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
    authors = _names(paper.authors, ascii_only)
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
        fields.append(("doi", _verbatim(paper.doi, ascii_only)))
    if paper.arxiv and "eprint" not in present:
        fields.append(("eprint", _verbatim(paper.arxiv, ascii_only)))
        fields.append(("archivePrefix", "arXiv"))
    if paper.url and "url" not in present:
        fields.append(("url", _verbatim(paper.url, ascii_only)))
    return fields


def _origin_fields(paper: Paper, ascii_only: bool) -> tuple[str, list[tuple[str, str]]]:
    """The imported entry's type and fields, raw, made safe where they were not."""
    assert paper.bibtex is not None
    fields: list[tuple[str, str]] = []
    for name, value in paper.bibtex.fields:
        low = name.lower()
        if low in _VERBATIM_FIELDS:
            # Styles print these with \url or a plain macro (plainnat's \doi): no LaTeX.
            if "\\" in value or not _raw_is_safe(value) or (ascii_only and not value.isascii()):
                value = _verbatim(_unlatex_verbatim(value), ascii_only)
        elif not _raw_is_safe(value):
            value = escape_latex(latex_to_text(value), ascii_only=ascii_only)
        else:
            value = _inert_raw(_dotless(_ascii_raw(value) if ascii_only else value))
        fields.append((name, value))
    present = {name.lower(): value for name, value in fields}
    date_year = re.match(r"\s*(\d{4})\b", present.get("date", ""))
    if date_year and "year" not in present:
        # biblatex-only `date`: classic styles need `year` (the entry's own, not invented).
        at = next(i for i, (name, _) in enumerate(fields) if name.lower() == "date")
        fields.insert(at + 1, ("year", date_year.group(1)))
    if not present.get("title", "").strip():
        fields.insert(0, ("title", escape_latex(paper.title, ascii_only=ascii_only,
                                                protect_case=True)))  # fmt: skip
    if paper.abstract.strip() and "abstract" not in present:
        fields.append(("abstract", escape_latex(paper.abstract, ascii_only=ascii_only)))
    fields.extend(_identifier_fields(paper, present, ascii_only))
    entry_type = paper.bibtex.entry_type.lower()
    if not re.fullmatch(r"[a-z][a-z0-9_\-]*", entry_type):
        entry_type = "misc"
    return entry_type, fields


def _triage_fields(
    fields: list[tuple[str, str]], triage: Triage, ascii_only: bool
) -> list[tuple[str, str]]:
    """`fields` with the triage written into keywords, annote and JabRef's fields.

    `keywords` and `annote` stay where the entry had them, so a re-import gives back
    the entry's fields in their order. An imported entry's own `annote` is kept when
    the paper has no note (re-importing then makes it the note: kept, not lost).
    """
    present = {name.lower(): (name, value) for name, value in fields}
    own_raw = present.get("keywords", ("", ""))[1]
    tags = [t for t in (_clean_text(t, False) for t in triage.tags) if t]
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


def _has_triage(triage: Triage) -> bool:
    return bool(
        triage.starred
        or triage.status != DEFAULT_STATUS
        or any(_clean_text(t, False) for t in triage.tags)
        or _clean_text(triage.note, True)
    )


def _bib_entry(entry: Entry, key: str, options: ExportOptions) -> model.Entry:
    ascii_only = not options.unicode
    paper = entry.paper
    if paper.bibtex is not None:
        entry_type, fields = _origin_fields(paper, ascii_only)
    else:
        entry_type, fields = _generated_fields(paper, ascii_only)
    names = {name.lower() for name, _ in fields}
    if not names & {"author", "editor", "key"}:
        # plain.bst: "to sort, need author or key"; the title sorts as the author would.
        fields.append(("key", escape_latex(paper.title, ascii_only=ascii_only)))
    if options.include_triage and _has_triage(entry.triage):
        fields = _triage_fields(fields, entry.triage, ascii_only)
    bib_fields = []
    for name, value in fields:
        field = model.Field(name, value)
        if name.lower() == "month" and value.strip().lower() in MONTHS:
            field.enclosing = "no-enclosing"  # a month macro, not the text "jan"
        bib_fields.append(field)
    return model.Entry(entry_type, key, bib_fields)


def _unique(entries: Sequence[Entry]) -> list[Entry]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.id not in seen:
            seen.add(entry.id)
            out.append(entry)
    return out


def export_bibtex(entries: Sequence[Entry], options: ExportOptions = ExportOptions()) -> str:
    """The entries as a .bib file (a paper listed twice is written once)."""
    entries = _unique(entries)
    keys = citation_keys(entries)
    blocks: list[model.Block] = [
        model.ImplicitComment("% Encoding: " + ("UTF-8" if options.unicode else "US-ASCII"))
    ]
    blocks.extend(_bib_entry(e, keys[e.id], options) for e in entries)
    library = bibtexparser.Library(blocks)
    fmt = BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # The library is ours and fresh: enclose in place rather than deep-copying it.
    stack = [AddEnclosingMiddleware(False, True, "{", allow_inplace_modification=True)]
    return bibtexparser.write_string(library, unparse_stack=stack, bibtex_format=fmt)


# --------------------------------------------------------------------------------------
# Copy as
# --------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def _markdown_text(text: str) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", _clean_text(text, False))
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # "1. Title" is no nested list


def _link(paper: Paper) -> str:
    if paper.url and re.match(r"https?://", paper.url):
        url = paper.url
    elif paper.doi:
        url = "https://doi.org/" + paper.doi
    elif paper.arxiv:
        url = "https://arxiv.org/abs/" + paper.arxiv
    else:
        return ""
    return quote(url, safe="%/:?#[]@!$&'*+,;=-._~")


def copy_as(entries: Sequence[Entry], fmt: str, keys: Mapping[str, str] | None = None) -> str:
    """The entries in one of `COPY_FORMATS`, without a final newline.

    `keys` (paper id -> key) overrides `citation_keys(entries)`, so that a copied
    citation can use the keys of a larger export.
    """
    entries = _unique(entries)
    if fmt not in COPY_FORMATS:
        raise ValueError(f"unknown copy format {fmt!r}; one of {', '.join(COPY_FORMATS)}")
    if fmt == "bibtex":
        return export_bibtex(entries)
    if fmt in ("keys", "cite", "pandoc"):
        key_of = dict(citation_keys(entries))
        key_of.update(keys or {})
        cited = [key_of[e.id] for e in entries]
        if fmt == "keys":
            return "\n".join(cited)
        if fmt == "cite":
            return "\\cite{" + ",".join(cited) + "}"
        return "[" + "; ".join("@" + k for k in cited) + "]"
    if fmt == "markdown":
        lines = []
        for e in entries:
            title = _markdown_text(e.paper.title)
            link = _link(e.paper)
            item = f"[{title}]({link})" if link else title
            if e.paper.year is not None:
                item += f" ({e.paper.year})"
            lines.append("- " + item)
        return "\n".join(lines)
    blocks = []
    for e in entries:
        title = _clean_text(e.paper.title, False)
        abstract = _clean_text(e.paper.abstract, False)
        blocks.append(f"{title}\n{abstract}" if abstract else title)
    return "\n\n".join(blocks)
