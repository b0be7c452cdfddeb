r"""Unicode text -> LaTeX: values that read back as the text and run no LaTeX.

`escape_latex` writes any text (a title, a note, a name) as a field value: the specials
(\ { } & % $ # _ ~ ^ < > | `) escaped so no text can end a field or run a command
(`\input{/etc/passwd}` comes out as
`\textbackslash{}input\{\vphantom{\}}/etc/passwd\vphantom{\{}\}`: BibTeX counts
braces without looking at backslashes, so a lone `\{` would unbalance the value; see
`_SPECIAL` for why this spelling), `--`, `''`
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

from papersift.latex.decode import FORMAT_COMMANDS, braces_balanced
from papersift.latex.symbols import ACCENTS, MATH_ACCENTS, MATH_SYMBOLS, TEXT_SYMBOLS

__all__ = [
    "LATEX_NAMES",
    "SAFE_COMMANDS",
    "ascii_raw",
    "bare_specials_escaped",
    "char_to_latex",
    "clean_text",
    "dotless",
    "escape_latex",
    "inert_raw",
    "raw_is_safe",
    "readable_symbols",
    "transliterate",
    "word_macro",
]

_SPECIAL: dict[str, str] = {
    "\\": r"\textbackslash{}",
    # Braces as bibtex, biber and pandoc all read them back: BibTeX counts the brace
    # of `\{`, so each spelling holds a balanced pair, the partner inside a zero-width
    # `\vphantom` that TeX and pandoc do not show. (pandoc drops `\textbraceleft{}`;
    # `\iffalse\}\fi` breaks biblatex's list macros, which test their items with \if.)
    "{": r"\{\vphantom{\}}",
    "}": r"\vphantom{\{}\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    # pandoc drops `\textbar` and `\textasciigrave`; math it reads. Braced, because two
    # in a row would otherwise be `$|$$|$`, where TeX sees display math.
    "|": "{$|$}",
    "`": "{$`$}",
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


# A macro that is a word (a logo, an acronym: `\TUG`, `\ConTeXt`, `\XeTeX`): it has a
# capital letter. LaTeX's own mixed-case commands that define, load, hook or do I/O
# never count, whatever follows their prefix.
_WORD_MACRO = re.compile(r"[A-Za-z]*[A-Z][A-Za-z]*")
_NOT_A_WORD = re.compile(
    r"(?:Declare|Provide|Require|New|Renew|Input|If|At|Load|Pass|Process|Execute|Needs|Expl"
    r"|Add|Document|Make|Use|Set|Get|Show|Remove|Hook|Debug|Begin|End|Check|Copy|Store"
    r"|Activate|Deactivate|Enable|Disable|Clear|Parse|Apply|Before|After|Shell|Open|Close"
    r"|Write|Read|Run|Exec|Expand|Def|Let|Global|Immediate|Special|Error|Warning|Package"
    r"|Class|Generic|Message|Info|Protected|Robust|Reset|Push|Pop|Input|Include|Jobname"
    r"|TeXXeT|XeTeX[a-z]|Lua[a-z]|U[a-z])"
)
#: Formatting commands biblatex (or csquotes) defines and classic LaTeX does not: their
#: argument is kept for a document without them.
_BIBLATEX_ONLY = frozenset(
    {"mkbibquote", "enquote", "mkbibemph", "mkbibitalic", "mkbibbold", "NoCaseChange", "nocase"}
    | {"url", "nolinkurl", "path"}  # url.sty / hyperref, which a document may not load
)
#: In `SAFE_COMMANDS` but defined by no LaTeX kernel (and dropped by pandoc): written
#: as a word macro too.
_UNDEFINED_LOGOS = frozenset({"BibTeX"})
#: How the punctuation macros of `latex.decode` are written back (what they show).
_PUNCTUATION_LATEX = {
    "Dash": " --- ", "emdash": "---", "endash": "--", "hyphen": "-", "slash": "/", "par": " ",
    "newline": " ", "linebreak": " ", "break": " ", "hfill": " ", "hfil": " ", "space": " ",
}  # fmt: skip


def word_macro(name: str) -> str:
    r"""`\name` written so that every reader shows the word papersift shows: the
    document's own macro where it defines one, else the name as text.

    `{{\ifdefined\TUG\TUG\else TUG\fi}}`: TeX (bibtex, biber) runs the macro only if
    it exists, pandoc reads the `\else` branch, and the double braces keep plain.bst
    from lowercasing either.
    """
    return "{{\\ifdefined\\" + name + "\\" + name + "\\else " + name + "\\fi}}"


def _is_word_macro(name: str) -> bool:
    return (
        len(name) <= 24
        and _WORD_MACRO.fullmatch(name) is not None
        and _NOT_A_WORD.match(name) is None
        and (name not in SAFE_COMMANDS or name in _UNDEFINED_LOGOS)
    )


def inert_raw(value: str) -> str:
    """A raw value with every command outside `SAFE_COMMANDS` shown, not run.

    Except where showing it would differ from what papersift shows and nothing can run:
    formatting commands of `latex.FORMAT_COMMANDS` (`\\acro{TUG}`) are dropped, their
    argument kept; punctuation macros (`\\Dash`) become what they stand for; a word
    macro (`{\\TUG}`, `\\ConTeXt{}`) is written by `word_macro`.

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
        if match.group("ours") is not None:
            # What `escape_latex` and `word_macro` write reads back as itself (a second
            # export is a fixed point); a word macro only if its name is one.
            word = match.group("word")
            if word is None or _is_word_macro(word):
                return match.group()
            return _CONTROL_WORD.sub(r"\\textbackslash{}\1", match.group())
        name = match.group("name")
        if name is None:
            return match.group()  # `\&`, `\'`...: a control symbol
        empty_group = match.group("empty") or ""
        rest = value[match.end() :].lstrip(" \t\n")
        argument = not empty_group and rest.startswith("{")
        if name in _PUNCTUATION_LATEX:
            return _PUNCTUATION_LATEX[name] + empty_group
        if _is_word_macro(name) and not argument:
            return word_macro(name)  # the `{}` that ended the name is not needed
        if name in _BIBLATEX_ONLY:
            # `\mkbibquote{x}` in a classic bibtex document: `x` (no undefined command)
            return f"\\ifdefined\\{name}\\expandafter\\{name}\\fi" + empty_group
        if name in SAFE_COMMANDS:
            return match.group()
        if name in FORMAT_COMMANDS or _is_word_macro(name):
            return "{}" + empty_group  # the command goes, its argument (if any) stays
        return r"\textbackslash{}" + name + empty_group

    return _COMMAND_OR_WORD.sub(one, value)


_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
# Our own spellings (`word_macro`, the braces of `_SPECIAL`); else a control word, with
# the `{}` that may end its name; else a control symbol.
_COMMAND_OR_WORD = re.compile(
    r"(?P<ours>\{\{\\ifdefined\\(?P<word>[A-Za-z]+)\\(?P=word)\\else (?P=word)\\fi\}\}"
    r"|\\ifdefined\\(?P<format>mkbibquote|enquote|mkbibemph|mkbibitalic|mkbibbold|NoCaseChange"
    r"|nocase|url|nolinkurl|path)\\expandafter\\(?P=format)\\fi"
    r"|\\\{\\vphantom\{\\\}\}|\\vphantom\{\\\{\}\\\})"
    r"|\\(?P<name>[A-Za-z]+)(?P<empty>\{\})?|\\.",
    re.S,
)


# Text symbols pandoc drops (it knows neither `\textbraceleft` nor `\textbar`, nor most
# `\text...` names): what each becomes in the export instead. ASCII first; in a UTF-8
# export every non-ASCII symbol is written as its character.
_PANDOC_SPELLINGS = {
    "textbraceleft": _SPECIAL["{"],
    "textbraceright": _SPECIAL["}"],
    "textbar": _SPECIAL["|"],
    "textasciigrave": _SPECIAL["`"],
    "textdollar": r"\$",
    "textunderscore": r"\_",
    "textquotesingle": "'",
}
_SYMBOL_COMMAND = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])(?:\{\}|[ \t\n]*)")


def readable_symbols(value: str, ascii_only: bool) -> str:
    """Raw LaTeX with the text symbols pandoc drops spelled as it reads them (and as
    bibtex and biber do): braces, `|` and `` ` `` as `escape_latex` writes them; with
    `ascii_only` False, `\\texteuro` and the like as their characters."""
    if "\\" not in value:
        return value

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _PANDOC_SPELLINGS:
            return _PANDOC_SPELLINGS[name]
        char = TEXT_SYMBOLS.get(name, "")
        if not ascii_only and len(char) == 1 and not char.isascii() and char.isprintable():
            return char
        return match.group()

    return _SYMBOL_COMMAND.sub(one, value)


_BARE_SPECIAL = re.compile(r"(?<!\\)[#&%_^]")
_BARE_SPELLING = {"#": r"\#", "&": r"\&", "%": r"\%", "_": r"\_", "^": r"\textasciicircum{}"}


def bare_specials_escaped(value: str) -> str:
    """A raw value with `#`, `&`, `%`, `_` and `^` escaped where they stand bare outside
    math: text in a .bib value (papersift shows them), but to the LaTeX that reads the
    .bbl a parameter, a tab, a comment, a subscript (`50%` swallows the rest of the line,
    `a # b` stops pdflatex)."""
    if not _BARE_SPECIAL.search(value):
        return value
    parts = _MATH_SHIFT.split(value)
    for i in range(0, len(parts), 2):
        parts[i] = _BARE_SPECIAL.sub(lambda m: _BARE_SPELLING[m.group()], parts[i])
    return "".join(parts)


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
