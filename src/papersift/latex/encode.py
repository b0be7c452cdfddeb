r"""Unicode text -> LaTeX: values that read back as the text and run no LaTeX.

`escape_latex` writes any text (a title, a note, a name) as a field value: the specials
(\ { } & % $ # _ ~ ^ < > | `) escaped so no text can end a field or run a command
(`\input{/etc/passwd}` comes out as
`\textbackslash{}input\textbraceleft{}/etc/passwd\textbraceright{}`; BibTeX counts braces
without looking at backslashes, hence `\textbraceleft{}` rather than `\{`), `--`, `''`
and `,,` as `{-}-` etc. so fonts do not fuse them into dashes/quotes, and optionally
acronyms and proper nouns of a title brace-protected (`{LLMs}`) so styles keep their
case. With `ascii_only`, `char_to_latex` spells every non-ASCII character: accents as
`{\"{o}}`, symbols as `{\texteuro}` or `{\ensuremath{\alpha}}` (the names of
`latex.symbols`, so they decode back), others transliterated (`ﬁ` -> fi) or `[U+4E2D]`.

Raw LaTeX from someone else's .bib is kept as written where it is safe (`raw_is_safe`),
with every command outside `SAFE_COMMANDS` shown instead of run (`inert_raw`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from papersift.latex.decode import braces_balanced
from papersift.latex.symbols import ACCENTS, MATH_ACCENTS, MATH_SYMBOLS, TEXT_SYMBOLS

__all__ = [
    "LATEX_NAMES",
    "SAFE_COMMANDS",
    "ascii_raw",
    "char_to_latex",
    "clean_text",
    "dotless",
    "escape_latex",
    "inert_raw",
    "raw_is_safe",
    "transliterate",
]

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


#: Unicode character -> its LaTeX in ASCII mode, for every character the tables name.
LATEX_NAMES = _latex_names()
_COMBINING = {mark: name for name, mark in ACCENTS.items()}
_MATH_COMBINING = {mark: name for name, mark in reversed(MATH_ACCENTS.items())}
_MATH_NAME = re.compile(r"\{\\ensuremath\{\\([A-Za-z]+)\}\}")
_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip


def transliterate(text: str) -> str:
    """`text` decomposed (NFKD) without combining marks, letters without a decomposition
    spelled as ASCII (ß -> ss, ø -> o): the nearest plain letters, where there are any."""
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", text.translate(_FOLD))
        if not unicodedata.combining(c)
    )


@functools.lru_cache(maxsize=4096)
def char_to_latex(ch: str) -> str:
    """ASCII LaTeX for one non-ASCII character (`ö` -> `{\\"o}`), never non-ASCII itself."""
    if ch in LATEX_NAMES:
        return LATEX_NAMES[ch]
    if ch == "\u00a0":
        return "~"
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if marks and base.isascii() and base.isalpha() and all(m in _COMBINING for m in marks):
        inner = base  # `\'{i}`, not `\'{\i}`: LaTeX drops the dot itself; see `dotless`
        for mark in marks:
            inner = f"\\{_COMBINING[mark]}{{{inner}}}"
        return "{" + inner + "}"
    math = _MATH_NAME.fullmatch(LATEX_NAMES.get(base, ""))
    if math and marks and all(m in _MATH_COMBINING for m in marks):
        inner = "\\" + math.group(1)  # ά: an accent on a math symbol must be a math accent
        for mark in marks:
            inner = f"\\{_MATH_COMBINING[mark]}{{{inner}}}"
        return f"{{\\ensuremath{{{inner}}}}}"
    if base in LATEX_NAMES and not math and marks and all(m in _COMBINING for m in marks):
        inner = LATEX_NAMES[base]
        for mark in marks:
            inner = f"\\{_COMBINING[mark]}{{{inner}}}"
        return "{" + inner + "}"
    folded = transliterate(ch)
    if folded and folded.isascii() and folded.isprintable() and folded.strip():
        return "".join(_SPECIAL.get(c, c) for c in folded)
    return f"[U+{ord(ch):04X}]"


def clean_text(text: str, multiline: bool = False) -> str:
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
    text = clean_text(text, multiline)
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


def inert_raw(value: str) -> str:
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


def raw_is_safe(value: str) -> bool:
    """Whether a raw value from a .bib file can be written back verbatim."""
    return (
        braces_balanced(value)
        and braces_balanced(re.sub(r"\\[{}]", "", value))  # bibtexparser skips `\{`
        and not value.rstrip().endswith("\\")
        and not re.search(r"\n\s*@\w*\s*[{(]", value)
    )


# `\'\i`, `{\"{\i}}`...: an accent on a dotless i or j.
_DOTLESS = re.compile(r"(\\[`'^\"~=.uvH])\s*(?:\{\s*\\([ij])\s*\}|\\([ij])(?![A-Za-z]))")


def dotless(value: str) -> str:
    r"""`\'\i` as `\'{i}`: the same glyph in LaTeX (its i composites drop the dot), but
    biber decodes `\'\i` to ı + U+0301, which pdflatex cannot typeset."""
    return _DOTLESS.sub(lambda m: f"{m.group(1)}{{{m.group(2) or m.group(3)}}}", value)


def ascii_raw(value: str) -> str:
    """Raw LaTeX with its non-ASCII characters replaced by LaTeX escapes."""
    if value.isascii():
        return value
    value = unicodedata.normalize("NFC", value)
    return "".join(c if c.isascii() else char_to_latex(c) for c in value)
