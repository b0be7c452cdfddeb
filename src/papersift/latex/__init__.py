"""LaTeX, both ways: the one codec the BibTeX reader and the exporter share.

`symbols` holds the tables of character names; `decode` reads LaTeX values as Unicode
text (`latex_to_text`, `field_text`, `verbatim_text`); `encode` writes text as LaTeX that
reads back as itself and runs nothing (`escape_latex`, `char_to_latex`), and makes
someone else's raw LaTeX safe to write back (`raw_is_safe`, `inert_raw`). What one side
writes, the other reads back: the tests check the round trip for every named character.
"""

from papersift.latex.decode import (
    ARGUMENTS_NOT_TEXT,
    FORMAT_COMMANDS,
    HYPHEN_BREAK,
    PUNCTUATION_COMMANDS,
    braces_balanced,
    field_text,
    latex_to_text,
    verbatim_text,
)
from papersift.latex.encode import (
    LATEX_NAMES,
    SAFE_COMMANDS,
    ascii_raw,
    bare_specials_escaped,
    char_to_latex,
    clean_text,
    dotless,
    escape_latex,
    inert_raw,
    raw_is_safe,
    readable_symbols,
    transliterate,
    word_macro,
)
from papersift.latex.symbols import ACCENTS, MATH_ACCENTS, MATH_SYMBOLS, TEXT_SYMBOLS

__all__ = [
    "ACCENTS",
    "ARGUMENTS_NOT_TEXT",
    "FORMAT_COMMANDS",
    "HYPHEN_BREAK",
    "LATEX_NAMES",
    "MATH_ACCENTS",
    "MATH_SYMBOLS",
    "PUNCTUATION_COMMANDS",
    "SAFE_COMMANDS",
    "TEXT_SYMBOLS",
    "ascii_raw",
    "bare_specials_escaped",
    "braces_balanced",
    "char_to_latex",
    "clean_text",
    "dotless",
    "escape_latex",
    "field_text",
    "inert_raw",
    "latex_to_text",
    "raw_is_safe",
    "readable_symbols",
    "transliterate",
    "verbatim_text",
    "word_macro",
]
