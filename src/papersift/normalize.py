"""Text normalization shared by ids, dedupe and search, and stable paper ids.

One place decides what "the same title" means, so the id of a paper, the exact dedupe
pass and the search index can never disagree.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Dashes, minus signs and hyphen look-alikes -> "-"; curly quotes -> straight ones.
_FOLD_TABLE = str.maketrans(
    {
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        "\u2026": "...",
        "\u00a0": " ",
    }
)

# \command or \command{...}: keep the braced argument, drop the command word.
_LATEX_CMD = re.compile(r"\\([A-Za-z]+|.)\s*")
_WS = re.compile(r"\s+")
_TRAILING_PUNCT = re.compile(r"[\s.,;:!?\"'\-]+$")
# The same characters for str.rstrip, once whitespace is single spaces.
_TRAILING = " .,;:!?\"'-"
_NON_WORD = re.compile(r"[^\w]+")
_ARXIV_NEW = re.compile(r"(?:arxiv:)?\s*(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
# Pre-2007 ids: archive(.subject-class)/YYMMNNN. The subject class (math.GT, cond-mat.mes-hall)
# is not part of the id: arXiv files math.GT/0309136 as math/0309136, so it is dropped and
# both spellings are one paper.
_ARXIV_OLD = re.compile(
    # "arxiv" is never the archive: in 10.48550/arXiv.hep-th/0001000 it is hep-th.
    r"(?:arxiv:)?\s*(?<![\w\-])(?!arxiv[.:/])"
    r"([a-z]+(?:-[a-z]+)?)(?:\.[a-z]+(?:-[a-z]+)?)?/(\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)


def fold(text: str) -> str:
    """Unicode NFKC, case folding, dash/quote variants folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_FOLD_TABLE).casefold()
    return _WS.sub(" ", text).strip()


# Combining marks (accents, umlauts, cedillas…) once text is decomposed (NFD).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Letters that are not a base letter plus a mark, read as the letters people type for
# them (after case folding, so lower case only).
_LETTER_FOLD = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)


def fold_accents(folded: str) -> str:
    """Folded text (see `fold`) without accents: "naïve" -> "naive", "gödel" -> "godel".

    For search only, where a query typed without accents must find the accented text
    and the other way round. Ids and dedupe keep `fold`: changing what they see would
    change the id of every paper with an accented title.
    """
    if folded.isascii():
        return folded
    # NFC again afterwards: NFD also splits letters that carry no mark (Hangul).
    stripped = _MARKS.sub("", unicodedata.normalize("NFD", folded))
    return unicodedata.normalize("NFC", stripped).translate(_LETTER_FOLD)


def search_fold(text: str) -> str:
    """What search compares: `fold`, then `fold_accents`."""
    return fold_accents(fold(text))


def strip_latex(text: str) -> str:
    """Remove LaTeX commands and grouping braces, keeping their text (`{\\em LLMs}` -> `LLMs`)."""
    if "\\" not in text and "{" not in text and "}" not in text:
        return text
    text = _LATEX_CMD.sub(lambda m: "" if m.group(1).isalpha() else m.group(1), text)
    return text.replace("{", "").replace("}", "")


def normalize_title(title: str) -> str:
    """The exact-match key of a title: LaTeX stripped, folded, trailing punctuation dropped."""
    if title.isascii() and "\\" not in title and "{" not in title and "}" not in title:
        # Most titles. For ASCII without LaTeX, strip_latex and NFKC change nothing, the
        # fold table maps only "`" and casefold() is lower(); str.split() and `\s` agree
        # on what whitespace is. The same result at a fraction of the cost (it is paid
        # once per record on import: paper ids, dedupe, search).
        return " ".join(title.replace("`", "'").lower().split()).rstrip(_TRAILING)
    return _TRAILING_PUNCT.sub("", fold(strip_latex(title)))


def title_words(title: str) -> list[str]:
    """The words of a normalized title, punctuation removed (for blocking and search)."""
    return [w for w in _NON_WORD.split(normalize_title(title)) if w]


def normalize_doi(doi: str) -> str:
    """A bare lower-case DOI (`10.x/y`) from a DOI, a doi: prefix or a doi.org URL; or ""."""
    if not doi:
        return ""
    match = _DOI.search(doi.strip())
    return match.group(1).rstrip(".").casefold() if match else ""


def normalize_arxiv(text: str) -> str:
    """A bare arXiv id without version (`2403.12345`, `hep-th/9901001`), or "".

    An old id's subject class is dropped: `math.GT/0309136` is `math/0309136`."""
    if not text:
        return ""
    text = text.strip()
    if match := _ARXIV_NEW.search(text):
        return match.group(1).lower()
    if match := _ARXIV_OLD.search(text):
        return f"{match.group(1)}/{match.group(2)}".lower()
    return ""


def paper_id(title: str, doi: str = "", arxiv: str = "") -> str:
    """A stable, short id: from the DOI, else the arXiv id, else the normalized title.

    Twelve hex digits keep the chance of a collision negligible at a million papers
    while staying short enough to type (the CLI also accepts unique prefixes).
    """
    if doi := normalize_doi(doi):
        basis = "doi:" + doi
    elif arxiv := normalize_arxiv(arxiv):
        basis = "arxiv:" + arxiv
    else:
        basis = "title:" + normalize_title(title)
    return hashlib.blake2b(basis.encode("utf-8"), digest_size=6).hexdigest()
