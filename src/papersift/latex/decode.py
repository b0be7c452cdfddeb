r"""LaTeX -> Unicode text: the decoder of every LaTeX value papersift reads.

`latex_to_text` decodes a BibTeX field value for display and search (`{\"o}` -> ö,
`\&` -> &, `--` -> –); `field_text` also collapses its whitespace; `verbatim_text` reads a
URL-like value (`\url{..}`, escapes) as the plain string it stands for. A small scanner of
our own rather than pylatexenc (what bibtexparser's `LatexDecodingMiddleware` uses): that
one drops `\textbraceleft`, reads `%` as a comment, turns `\cite` into "<cit.>", crashes
on `\href`, fails 30 of the 170 BibTeX reader/export/hostile-text tests, and took 147 s
on the 75k display values of a 10k-entry .bib that this decoder reads in 0.3 s. A
decoder that must read back our own export and never raise is easier to own than to
patch.
"""

from __future__ import annotations

import re
import unicodedata

from papersift.latex.symbols import ACCENTS, MATH_ACCENTS, MATH_SYMBOLS, TEXT_SYMBOLS
from papersift.normalize import strip_latex

__all__ = [
    "ARGUMENTS_NOT_TEXT",
    "FORMAT_COMMANDS",
    "HYPHEN_BREAK",
    "PUNCTUATION_COMMANDS",
    "braces_balanced",
    "field_text",
    "latex_to_text",
    "verbatim_text",
]

#: One-character escapes (`\\&`) and spacing commands.
_CONTROL_SYMBOLS: dict[str, str] = {
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
    "{": "{",
    "}": "}",
    " ": " ",
    "\n": " ",
    "\t": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    ">": " ",
    "!": "",
    "-": "",
    "/": "",
    "@": "",
    "\\": "\n",
}

#: Commands whose arguments carry no text (`\\noopsort{1999}` exists only to sort).
ARGUMENTS_NOT_TEXT = frozenset(
    {
        "noopsort", "label", "ref", "cite", "nocite", "citep", "citet", "hspace", "vspace",
        "phantom", "hphantom", "vphantom", "index", "footnote",
    }
)  # fmt: skip
_CITATIONS = frozenset({"noopsort", "label", "ref", "cite", "nocite", "citep", "citet"})
#: Commands that format, space or group text but are no text themselves: they vanish
#: (their `{argument}`, if any, stays). Every other command is text: see `_command`.
FORMAT_COMMANDS = frozenset(
    {
        "em", "it", "bf", "sc", "sl", "tt", "rm", "sf", "up", "md", "itshape", "bfseries",
        "scshape", "slshape", "ttfamily", "rmfamily", "sffamily", "upshape", "mdseries",
        "normalfont", "relax", "protect", "emph", "textit", "textbf", "textsc", "textsl",
        "texttt", "textrm", "textsf", "textup", "textmd", "textnormal", "textsuperscript",
        "textsubscript", "mbox", "hbox", "fbox", "makebox", "ensuremath", "mathrm", "mathbf",
        "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "mathscr", "mathnormal",
        "boldsymbol", "bm", "text", "operatorname", "frac", "dfrac", "tfrac",
        "binom", "left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr",
        "Bigl", "Bigr", "biggl", "biggr", "overline", "underline", "displaystyle",
        "textstyle", "scriptstyle", "NoCaseChange", "nocase", "mkbibquote", "enquote",
        "mkbibemph", "mkbibitalic", "mkbibbold", "small", "footnotesize", "scriptsize",
        "tiny", "large", "Large", "LARGE", "huge", "Huge", "normalsize", "unskip", "smash",
        "newblock", "noindent", "nobreak", "allowbreak", "xspace", "null", "strut",
        "ignorespaces", "leavevmode", "sp", "sb", "cal", "boldmath", "unboldmath",
        "textcolor", "color", "uppercase", "lowercase", "MakeUppercase", "MakeLowercase",
        "lowercasetext", "uppercasetext", "acro", "acronym", "pkg", "cs", "file", "macro",
        "pgm", "booktitle", "url", "path", "nolinkurl",
    }
)  # fmt: skip
#: Commands that stand for punctuation, as bibliographies write them (TUGboat's `\Dash`).
PUNCTUATION_COMMANDS = {
    "slash": "/",
    "Dash": " \u2014 ",
    "hyphen": "-",
    "emdash": "\u2014",
    "endash": "\u2013",
    "par": " ",
    "newline": " ",
    "linebreak": " ",
    "break": " ",
    "hfill": " ",
    "hfil": " ",
    "space": " ",
}
#: Commands whose argument is verbatim (no decoding inside).
_VERBATIM_ARG = frozenset({"url", "path", "nolinkurl"})

_LIGATURES = (
    ("---", "\u2014"),
    ("--", "\u2013"),
    ("``", "\u201c"),
    ("''", "\u201d"),
    ("!`", "\u00a1"),
    ("?`", "\u00bf"),
)


def _matching_brace(s: str, start: int) -> int:
    """Index of the `}` closing the `{` at `start` (len(s) if it never closes)."""
    depth = 0
    i = start
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return n


def _closing_dollar(s: str, start: int, delim: str) -> int:
    """Index of the `delim` closing math opened before `start`, or -1."""
    i = start
    n = len(s)
    while i < n:
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if s.startswith(delim, i):
            return i
        i += 1
    return -1


#: Characters the decoder must look at; everything between them is copied as is.
# Outside math, `-`, quotes, `!` and `?` matter only as the start of a ligature, so the
# decoder (and the fast path of `latex_to_text`) looks for whole ligatures: most
# abstracts have hyphens and apostrophes but nothing to decode.
_SPECIAL_TEXT = re.compile(r"[\\{}$~]|--|``|''|!`|\?`")
#: The same as plain substrings: `in` tests them at C speed (memchr), where the regex
#: costs ~15 µs per abstract.
_SPECIAL_PIECES = ("\\", "{", "}", "$", "~", "--", "``", "''", "!`", "?`")
_SPECIAL_MATH = re.compile(r"[\\{}$~]")
_DIMENSION = re.compile(r"\s*=?\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*(?:em|ex|pt|mu|bp|mm|cm|in|sp)")


class _Decoder:
    """A forgiving LaTeX-to-text scanner: formatting vanishes, unknown words stay."""

    def __init__(self, source: str) -> None:
        self.s = source

    def run(self, start: int, end: int, math: bool) -> str:
        s = self.s
        out: list[str] = []
        i = start
        # Jump from one special character to the next and copy the plain text between
        # them as one slice: a char-by-char loop made this 40 % of a big .bib import.
        search = (_SPECIAL_MATH if math else _SPECIAL_TEXT).search
        while i < end:
            found = search(s, i, end)
            if found is None:
                out.append(s[i:end])
                break
            j = found.start()
            if j > i:
                out.append(s[i:j])
                i = j
            c = s[i]
            if c == "\\":
                text, i = self._command(i, end, math)
                out.append(text)
            elif c in "{}":
                # Grouping (and case protection) braces carry no text.
                i += 1
            elif c == "$":
                delim = "$$" if s.startswith("$$", i) else "$"
                close = _closing_dollar(s, i + len(delim), delim)
                if close < 0 or close >= end or math:
                    out.append("$")  # a lone `$` is data, not the start of math
                    i += 1
                else:
                    out.append(self.run(i + len(delim), close, True))
                    i = close + len(delim)
            elif c == "~":
                out.append("\u00a0" if not math else " ")
                i += 1
            else:  # one of -`'!? outside math: a ligature such as -- or ``
                for seq, repl in _LIGATURES:
                    if s.startswith(seq, i) and i + len(seq) <= end:
                        out.append(repl)
                        i += len(seq)
                        break
                else:
                    out.append(c)
                    i += 1
        return "".join(out)

    def _command(self, i: int, end: int, math: bool) -> tuple[str, int]:
        s = self.s
        j = i + 1
        if j >= end:
            return "", end
        if s[j].isascii() and s[j].isalpha():
            while j < end and s[j].isascii() and s[j].isalpha():
                j += 1
            name = s[i + 1 : j]
            while j < end and s[j] in " \t\n":  # TeX skips spaces after a control word
                j += 1
        else:
            name = s[j]
            j += 1
        if (name in ACCENTS and not (math and name in "uvHcdkbrt")) or name in MATH_ACCENTS:
            arg, j = self._argument(j, end, math)
            return _accent(name, arg), j
        if name in TEXT_SYMBOLS:
            return TEXT_SYMBOLS[name], j
        if name in MATH_SYMBOLS:
            return MATH_SYMBOLS[name], j
        if name in _CONTROL_SYMBOLS:
            return _CONTROL_SYMBOLS[name], j
        if name in _VERBATIM_ARG and j < end and s[j] == "{":
            close = min(_matching_brace(s, j), end)
            return s[j + 1 : close], close + 1
        if (name == "verb" or name in _VERBATIM_ARG) and j < end and not s[j].isalnum():
            close = s.find(s[j], j + 1, end)  # `\verb|x|`, `\path|a@b.org|`
            close = end if close < 0 else close
            return s[j + 1 : close], close + 1
        if name == "href" and j < end and s[j] == "{":
            return "", min(_matching_brace(s, j), end) + 1  # the URL; the text follows
        if name in ARGUMENTS_NOT_TEXT:
            groups = 0  # citations may have several; `\vphantom{\}}{-}-` has one
            while j < end and s[j] in "{[" and (groups == 0 or name in _CITATIONS):
                close = s.find("]", j, end) if s[j] == "[" else _matching_brace(s, j)
                j = min(end if close < 0 else close, end) + 1
                groups += s[j - 1 : j] == "}" or close < 0
            return "", j
        if name == "ifdefined":
            # `\ifdefined\X\X\else X\fi` (how the export writes word macros): the text is
            # what a reader without the macro shows, the `\else` branch.
            # `\ifdefined\mkbibquote\expandafter\mkbibquote\fi{x}`: the text is the argument.
            otherwise = _find_word(s, "else", j, end)
            close = _find_word(s, "fi", j, end)
            if 0 <= otherwise < close:
                return self.run(otherwise + 5, close, math).strip(), close + 3
            if close >= 0:
                return "", close + 3
        if name == "iffalse":
            close = _find_word(s, "fi", j, end)  # what an `\iffalse ... \fi` holds is never text
            return "", end if close < 0 else close + 3
        if name == "fi":
            return "", j
        if name == "kern" or name == "hskip":
            found = _DIMENSION.match(s, j, end)
            return "", found.end() if found else j
        if name in PUNCTUATION_COMMANDS:
            return PUNCTUATION_COMMANDS[name], j
        if len(name) == 1 and not name.isalpha():
            return name, j  # `\*`, `\|`...: the character itself
        if name in FORMAT_COMMANDS:
            return "", j
        return self._unknown(name, i, j, end)

    def _unknown(self, name: str, i: int, j: int, end: int) -> tuple[str, int]:
        """An unknown command is text: `{\\TUG}`, `\\ConTeXt{}` and `\\MF\\ ` read as their
        names, since bibliographies use such macros for words (logos, acronyms). Only a
        command followed by a non-empty `{argument}` (`\\acro{NASA}`) gives way to it."""
        s = self.s
        if j < end and s[j] == "{":
            if s.startswith("{}", j):
                return name, j + 2
            return "", j
        skipped = j > i + 1 + len(name)
        if skipped and j < end and s[j] != "}":
            return name + " ", j  # `\TUG news`: TeX eats the space; a reader needs it
        return name, j

    def _argument(self, j: int, end: int, math: bool) -> tuple[str, int]:
        s = self.s
        while j < end and s[j] in " \t\n":
            j += 1
        if j >= end:
            return "", j
        if s[j] == "{":
            close = min(_matching_brace(s, j), end)
            return self.run(j + 1, close, math), close + 1
        if s[j] == "\\":
            return self._command(j, end, math)
        return s[j], j + 1


_SPACING_ACCENT = {"~": "~", "^": "^", "'": "\u00b4", "`": "`", '"': "\u00a8", "=": "\u00af"}


def _accent(name: str, arg: str) -> str:
    if not arg:
        return _SPACING_ACCENT.get(name, "")
    mark = ACCENTS.get(name) or MATH_ACCENTS[name]
    base = {"\u0131": "i", "\u0237": "j"}.get(arg[0], arg[0])
    return unicodedata.normalize("NFC", base + mark) + arg[1:]


def latex_to_text(value: str) -> str:
    """Decode LaTeX markup to Unicode text (`{\\"o}` -> ö, `\\&` -> &, `--` -> –).

    Grouping braces and formatting commands vanish, an unknown command followed by an
    argument gives way to the argument's text, any other unknown command reads as its
    name (`{\\TUG}` -> TUG: no word made of a macro is lost), `$math$` keeps its
    content, `~` is a no-break space and a bare `%` is kept
    (in a .bib value it is data, not a comment). Whitespace is kept as written. Never
    raises: on anything pathological it falls back to a plain strip of the markup.
    """
    if not any(piece in value for piece in _SPECIAL_PIECES):
        return value if value.isascii() else unicodedata.normalize("NFC", value)
    try:
        text = _Decoder(value).run(0, len(value), False)
    except Exception:  # display text must never fail an import
        text = strip_latex(value)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


# Whitespace that `field_text` must change: a run of two or more, or any one other than a
# plain space. (Matching every single space too made this sub a fifth of a .bib import.)
_WS = re.compile(
    r"[\t\n\r\f\v\u2028\u2029\x85][ \t\n\r\f\v\u2028\u2029\x85]*|"
    r" [ \t\n\r\f\v\u2028\u2029\x85]+"
)


#: A line break right after a hyphen inside a word (`short-` / `text`): the value was
#: wrapped there, and the word is `short-text`.
HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_]-)[ \t]*\n\s*(?=[^\W\d_])")


_CONTROL_WORDS = {w: re.compile(rf"\\{w}(?![A-Za-z])") for w in ("else", "fi")}


def _find_word(s: str, word: str, start: int, end: int) -> int:
    """Where the control word `\\word` is in `s[start:end]` (not `\\fiA`), or -1."""
    found = _CONTROL_WORDS[word].search(s, start, end)
    return found.start() if found else -1


def field_text(value: str) -> str:
    """`latex_to_text(value)` with whitespace (line breaks in wrapped values) collapsed and
    stripped: a title, name or keyword as one line. A line break after a hyphen joins
    (`short-` / `text` -> `short-text`), as the export writes it (`HYPHEN_BREAK`)."""
    if "-\n" in value or "- \n" in value:
        value = HYPHEN_BREAK.sub("", value)
    text = latex_to_text(value)
    if text.isprintable() and "  " not in text:
        return text.strip()  # no whitespace but single spaces: the common case, faster
    return _WS.sub(" ", text).strip()


def braces_balanced(value: str) -> bool:
    """True if every brace closes, counting `\\{` too (BibTeX ignores the backslash)."""
    depth = 0
    for c in value:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


_URL_COMMAND = re.compile(r"\\(?:url|path|nolinkurl)\s*\{(.*)\}", re.S)
_VERBATIM_ESCAPE = re.compile(r"\\([_%&#$~])")


def verbatim_text(value: str) -> str:
    """A URL/DOI/eprint value as text: `\\url{..}` unwrapped, braces and escapes removed."""
    value = value.strip()
    if "\\" in value:
        m = _URL_COMMAND.fullmatch(value)
        if m:
            value = m.group(1)
        value = _VERBATIM_ESCAPE.sub(r"\1", value)
    value = value.replace("{", "").replace("}", "")
    return "".join(value.split())
