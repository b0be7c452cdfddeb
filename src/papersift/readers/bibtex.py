"""Reader for BibTeX / biblatex files (bibtexparser v2 splits, we interpret).

bibtexparser runs with an empty parse stack, so we get every value exactly as written
and do the rest here: `@string` macros and `#` concatenations are resolved in file order,
enclosing braces/quotes are removed, and the result is kept verbatim in `BibtexOrigin`
so that export can write it back untouched. Display text (title, abstract, authors,
venue) is decoded from LaTeX to Unicode by `latex_to_text`, a small decoder of our own:
pylatexenc (what bibtexparser's `LatexDecodingMiddleware` uses) drops `\\textbraceleft`,
treats `%` as a comment, turns `\\cite` into "<cit.>" and crashes on `\\href`, and a
decoder that must round-trip our own export and never raise is easier to own than to
patch.

A file with any broken block imports nothing: parse errors, duplicate keys or fields
and entries without a title raise `PapersiftError` naming the first problem's line.

Triage state is read back only from files papersift wrote (see `bibtex_export` for the
field mapping): an entry whose `keywords` hold a `papersift:` marker gets a
`Record.triage`, and the papersift-written fields are removed from its `BibtexOrigin`
so that a later export writes the current state, not a stale one. Keywords of entries
without a marker are another tool's vocabulary: they stay in the origin, not in tags.
"""

from __future__ import annotations

import logging
import re
import sys
import unicodedata
from collections.abc import Mapping

import bibtexparser
from bibtexparser import model

from papersift.models import STATUSES, BibtexOrigin, PapersiftError, Record, Source, Triage
from papersift.normalize import normalize_arxiv, normalize_doi, strip_latex
from papersift.readers import ReadResult, bibtex_split
from papersift.readers.bibtex_split import RawEntry

__all__ = [
    "JABREF_FIELDS",
    "MARKER_PREFIX",
    "MATH_ACCENTS",
    "OWN_KEYWORDS_FIELD",
    "STARRED_MARKER",
    "STATUS_MARKER",
    "latex_to_text",
    "parse",
    "quote_keyword",
    "split_names",
    "triage_from_bibtex_fields",
]

# bibtexparser logs every failed block as a warning; we report them ourselves.
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

# --------------------------------------------------------------------------------------
# LaTeX -> Unicode
# --------------------------------------------------------------------------------------

#: Accent commands and the Unicode combining mark each one puts on its argument.
ACCENTS: dict[str, str] = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
    "t": "\u0361",
}

#: Math accents (`\\acute{\\alpha}` -> ά).
MATH_ACCENTS: dict[str, str] = {
    "acute": "\u0301",
    "grave": "\u0300",
    "hat": "\u0302",
    "widehat": "\u0302",
    "tilde": "\u0303",
    "widetilde": "\u0303",
    "bar": "\u0304",
    "breve": "\u0306",
    "dot": "\u0307",
    "ddot": "\u0308",
    "mathring": "\u030a",
    "check": "\u030c",
    "vec": "\u20d7",
}

#: Text-mode macros -> the character they stand for. The export inverts this table
#: (first name wins), so only commands that pdflatex knows with T1 fonts belong here.
TEXT_SYMBOLS: dict[str, str] = {
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textasciigrave": "`",
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textendash": "\u2013",
    "textemdash": "\u2014",
    "textquoteleft": "\u2018",
    "textquoteright": "\u2019",
    "textquotedblleft": "\u201c",
    "textquotedblright": "\u201d",
    "quotesinglbase": "\u201a",
    "quotedblbase": "\u201e",
    "guillemotleft": "\u00ab",
    "guillemotright": "\u00bb",
    "guilsinglleft": "\u2039",
    "guilsinglright": "\u203a",
    "textellipsis": "\u2026",
    "textexclamdown": "\u00a1",
    "textquestiondown": "\u00bf",
    "textsection": "\u00a7",
    "textparagraph": "\u00b6",
    "textsterling": "\u00a3",
    "textcopyright": "\u00a9",
    "textregistered": "\u00ae",
    "texttrademark": "\u2122",
    "textdegree": "\u00b0",
    "texteuro": "\u20ac",
    "textyen": "\u00a5",
    "textcent": "\u00a2",
    "textcurrency": "\u00a4",
    "textbrokenbar": "\u00a6",
    "textdagger": "\u2020",
    "textdaggerdbl": "\u2021",
    "textbullet": "\u2022",
    "textperiodcentered": "\u00b7",
    "textperthousand": "\u2030",
    "textordfeminine": "\u00aa",
    "textordmasculine": "\u00ba",
    "textonehalf": "\u00bd",
    "textonequarter": "\u00bc",
    "textthreequarters": "\u00be",
    "texttimes": "\u00d7",
    "textdiv": "\u00f7",
    "textpm": "\u00b1",
    "textmu": "\u00b5",
    "textminus": "\u2212",
    "textlnot": "\u00ac",
    "textonesuperior": "\u00b9",
    "texttwosuperior": "\u00b2",
    "textthreesuperior": "\u00b3",
    "textasciimacron": "\u00af",
    "textasciiacute": "\u00b4",
    "textasciidieresis": "\u00a8",
    "textnumero": "\u2116",
    "textinterrobang": "\u203d",
    "ss": "\u00df",
    "ae": "\u00e6",
    "AE": "\u00c6",
    "oe": "\u0153",
    "OE": "\u0152",
    "o": "\u00f8",
    "O": "\u00d8",
    "aa": "\u00e5",
    "AA": "\u00c5",
    "l": "\u0142",
    "L": "\u0141",
    "i": "\u0131",
    "j": "\u0237",
    "dh": "\u00f0",
    "DH": "\u00d0",
    "th": "\u00fe",
    "TH": "\u00de",
    "ng": "\u014b",
    "NG": "\u014a",
    "dj": "\u0111",
    "DJ": "\u0110",
    "SS": "SS",
    # Decode-only aliases (the export uses the names above).
    "ldots": "\u2026",
    "dots": "\u2026",
    "S": "\u00a7",
    "P": "\u00b6",
    "pounds": "\u00a3",
    "copyright": "\u00a9",
    "euro": "\u20ac",
    "dag": "\u2020",
    "ddag": "\u2021",
    "textquotedbl": '"',
    "textquotesingle": "'",
    "textunderscore": "_",
    "textdollar": "$",
    "guillemetleft": "\u00ab",
    "guillemetright": "\u00bb",
    "LaTeX": "LaTeX",
    "LaTeXe": "LaTeX2e",
    "TeX": "TeX",
    "BibTeX": "BibTeX",
    "quad": " ",
    "qquad": " ",
    "enspace": " ",
    "thinspace": " ",
    "nobreakspace": "\u00a0",
}

#: Math-mode macros -> characters. Exported as `\\ensuremath{\\name}`, so none of these
#: may need a package (no `\\mathbb`, no capital Greek letters that look Latin).
MATH_SYMBOLS: dict[str, str] = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "\u03f5",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "varpi": "ϖ",
    "rho": "ρ",
    "varrho": "ϱ",
    "sigma": "σ",
    "varsigma": "ς",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "\u03d5",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Upsilon": "Υ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "leq": "≤",
    "geq": "≥",
    "neq": "≠",
    "approx": "≈",
    "sim": "∼",
    "simeq": "≃",
    "equiv": "≡",
    "propto": "∝",
    "infty": "∞",
    "partial": "∂",
    "nabla": "∇",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "surd": "√",
    "in": "∈",
    "notin": "∉",
    "subset": "⊂",
    "subseteq": "⊆",
    "supset": "⊃",
    "supseteq": "⊇",
    "cup": "∪",
    "cap": "∩",
    "emptyset": "∅",
    "forall": "∀",
    "exists": "∃",
    "neg": "¬",
    "wedge": "∧",
    "vee": "∨",
    "rightarrow": "→",
    "leftarrow": "←",
    "leftrightarrow": "↔",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "Leftrightarrow": "⇔",
    "uparrow": "↑",
    "downarrow": "↓",
    "mapsto": "↦",
    "ell": "ℓ",
    "hbar": "ℏ",
    "aleph": "ℵ",
    "circ": "∘",
    "bullet": "∙",
    "star": "⋆",
    "ast": "∗",
    "cdot": "⋅",
    "cdots": "⋯",
    "langle": "⟨",
    "rangle": "⟩",
    "mid": "∣",
    "ll": "≪",
    "gg": "≫",
    "prime": "′",
    "top": "⊤",
    "bot": "⊥",
    "oplus": "⊕",
    "otimes": "⊗",
    "mp": "∓",
    # Decode-only aliases.
    "le": "≤",
    "ge": "≥",
    "ne": "≠",
    "to": "→",
    "gets": "←",
    "perp": "⊥",
    "times": "×",
    "div": "÷",
    "pm": "±",
    "sqrt": "√",
    "lbrace": "{",
    "rbrace": "}",
    "backslash": "\\",
}

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
_DROP_ARGS = frozenset({"noopsort", "label", "ref", "cite", "nocite", "citep", "citet"})
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
_BRACE = re.compile(r"[{}]")


class _Decoder:
    """A forgiving LaTeX-to-text scanner: unknown commands vanish, their arguments stay."""

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
        if name == "verb" and j < end:
            close = s.find(s[j], j + 1, end)
            close = end if close < 0 else close
            return s[j + 1 : close], close + 1
        if name == "href" and j < end and s[j] == "{":
            return "", min(_matching_brace(s, j), end) + 1  # the URL; the text follows
        if name in _DROP_ARGS:
            while j < end and s[j] == "{":
                j = min(_matching_brace(s, j), end) + 1
            return "", j
        if len(name) == 1 and not name.isalpha():
            return name, j  # `\*`, `\|`...: the character itself
        return "", j  # unknown command: drop the name, its `{argument}` text stays

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

    Grouping braces vanish, unknown commands are dropped but keep their argument's
    text, `$math$` keeps its content, `~` is a no-break space and a bare `%` is kept
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


# Whitespace that `_clean` must change: a run of two or more, or any one other than a
# plain space. (Matching every single space too made this sub a fifth of a .bib import.)
_WS = re.compile(
    r"[\t\n\r\f\v\u2028\u2029\x85][ \t\n\r\f\v\u2028\u2029\x85]*|"
    r" [ \t\n\r\f\v\u2028\u2029\x85]+"
)


def _clean(value: str) -> str:
    """Decoded, with whitespace (line breaks in wrapped values) collapsed."""
    text = latex_to_text(value)
    if text.isprintable() and "  " not in text:
        return text.strip()  # no whitespace but single spaces: the common case, faster
    return _WS.sub(" ", text).strip()


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
# Triage markers (written by bibtex_export; the table lives in its docstring)
# --------------------------------------------------------------------------------------

MARKER_PREFIX = "papersift:"
STARRED_MARKER = "papersift:starred"
STATUS_MARKER = "papersift:status:"
#: Where an export keeps the entry's own keywords (not tags) when it adds papersift ones.
OWN_KEYWORDS_FIELD = "papersift-ownkeywords"
#: JabRef "special fields" papersift writes; derived from triage, so rewritten on export.
JABREF_FIELDS = ("relevance", "readstatus", "priority")


def quote_keyword(word: str) -> str:
    """A keyword safe inside a comma-separated `keywords` list."""
    return word.replace(",", "%2C")


def _unquote_keyword(word: str) -> str:
    return word.replace("%2C", ",")


def _field(fields: Mapping[str, str], name: str) -> str:
    return next((v for k, v in fields.items() if k.lower() == name), "")


def _split_keywords(raw: str) -> list[str]:
    return [w for w in (_clean(part) for part in raw.split(",")) if w]


def triage_from_bibtex_fields(fields: Mapping[str, str]) -> Triage | None:
    """The triage papersift exported into `fields` (raw BibTeX values), or None.

    None unless `keywords` holds a `papersift:` marker: only then are the other
    keywords papersift tags and `annote` a papersift note. Keywords the entry had of
    its own are listed in `papersift-ownkeywords` by the export and are not tags.
    """
    raw = _field(fields, "keywords")
    # Cheap test first: almost no entry in a big import carries papersift markers.
    if "papersift" not in raw.replace("{", "").replace("}", ""):
        return None
    words = _split_keywords(raw)
    if not any(w.startswith(MARKER_PREFIX) for w in words):
        return None
    own = {w.casefold() for w in _split_keywords(_field(fields, OWN_KEYWORDS_FIELD))}
    tags = [
        _unquote_keyword(w)
        for w in words
        if not w.startswith(MARKER_PREFIX) and w.casefold() not in own
    ]
    status = "inbox"
    for w in words:
        if w.startswith(STATUS_MARKER) and w[len(STATUS_MARKER) :] in STATUSES:
            status = w[len(STATUS_MARKER) :]
    return Triage(
        starred=STARRED_MARKER in words,
        status=status,
        tags=tuple(dict.fromkeys(tags)),
        note=latex_to_text(_field(fields, "annote")).strip(),
    )


def _strip_papersift_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The fields without what papersift derived from triage (it is re-derived on export).

    The entry's own keywords come back from `papersift-ownkeywords` into `keywords`.
    """
    own = _field(dict(fields), OWN_KEYWORDS_FIELD).strip()
    kept: list[tuple[str, str]] = []
    for name, value in fields:
        low = name.lower()
        if low == "keywords" and own:
            kept.append((name, own))
        elif low not in ("keywords", "annote", OWN_KEYWORDS_FIELD, *JABREF_FIELDS):
            kept.append((name, value))
    return kept


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


# --------------------------------------------------------------------------------------
# Fields -> Record
# --------------------------------------------------------------------------------------

_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^\s?#]+?)(?:\.pdf)?(?:[?#]|$)", re.I)
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.+/]*")
_YEAR = re.compile(r"(\d{4})")
_URL_COMMAND = re.compile(r"\\(?:url|path|nolinkurl)\s*\{(.*)\}", re.S)
_VERBATIM_ESCAPE = re.compile(r"\\([_%&#$~])")


def _verbatim(value: str) -> str:
    """A URL/DOI/eprint value as text: `\\url{..}` unwrapped, braces and escapes removed."""
    value = value.strip()
    if "\\" in value:
        m = _URL_COMMAND.fullmatch(value)
        if m:
            value = m.group(1)
        value = _VERBATIM_ESCAPE.sub(r"\1", value)
    value = value.replace("{", "").replace("}", "")
    return "".join(value.split())


def _arxiv_id(f: Mapping[str, str]) -> str:
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").strip("{} ").lower()
    if f.get("eprint") and prefix == "arxiv":
        found = normalize_arxiv(_verbatim(f["eprint"]))
        if found:
            return found
    for name in ("url", "eprint", "journal", "journaltitle", "note", "howpublished", "volume"):
        value = f.get(name, "")
        if name == "url":
            m = _ARXIV_URL.search(_verbatim(value))
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
    title = _clean(f.get("title", ""))
    if not title:
        raise _ValueError("has no title")
    authors = tuple(
        name
        for name in (_clean(n) for n in split_names(f.get("author", "")))
        if name and name.lower() != "others"
    )
    year = None
    year_text = _clean(f.get("year", ""))
    if year_text.isdigit():
        year = int(year_text)
    elif not year_text and (m := _YEAR.match(f.get("date", "").strip())):
        year = int(m.group(1))
    venue = ""
    for name in ("journal", "journaltitle", "booktitle", "howpublished"):
        raw = f.get(name, "")
        if raw and not re.match(r"\s*\\url\b", raw):
            venue = _clean(raw)
            if venue:
                break
    url = _verbatim(f.get("url", ""))
    doi = normalize_doi(_verbatim(f.get("doi", "")))
    if not doi and "doi.org/" in url:
        doi = normalize_doi(url)
    abstract = _clean(f.get("abstract", ""))
    triage = triage_from_bibtex_fields(f)
    if triage is not None:
        fields = _strip_papersift_fields(fields)
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


def parse(text: str, file_name: str) -> ReadResult:
    """Parse a .bib file into one `Record` per entry, in file order.

    Raises `PapersiftError` ("file:line: ...") if any block fails to parse, a citation
    key or field repeats, an entry has no title, or there are no entries at all.
    """
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
