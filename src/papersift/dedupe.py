"""Find records that are the same paper (issue #2): an exact pass and a fuzzy pass.

Evidence, strongest first:

* the same DOI or arXiv id;
* the same title after `normalize_title` and abbreviation expansion ("LLMs" reads as
  "large language models"), so capitals, LaTeX braces, curly quotes, dashes and
  punctuation never split a paper;
* a similar title (rapidfuzz ratio / token-sort ratio), or one title being the other's
  head or tail around a colon ("GeDi" vs "GeDi: Generative Discriminator ...");
* agreeing abstracts. Listings often cut abstracts ("...", "…", first 300 chars) and
  re-wrap or hyphenate them ("sys-tems"), so abstracts are compared as *prefixes*: both
  reduced to their letters and digits (which erases wrapping, hyphenation, spacing and
  truncation marks), then scored over the shorter one's length. Fewer than
  `MIN_OVERLAP` common characters is no evidence at all.

A pair is *sure* (the importer merges it) only when two independent signals agree, or on
an identifier; *possible* (the user decides) when one signal is strong and the other is
missing or lukewarm; *different* otherwise. See `match_score` for the exact rules.

Look-alike titles (series, versions, model families: "… Part 1" / "… Part 2",
"… (v2)", "… Lite-4919", "… for German" / "… for French") are different papers however
alike the rest of the title is, and their abstracts often open with one template. So a
number or version in one title only, or a word each title has and the other lacks,
makes a pair *different* unless the abstracts are shown to be one text (a long, nearly
identical opening and the same end: `Features.tail`), and then only *possible*; and
titles that differ by a word with abstracts agreeing over a short opening only are
*different* (a template agrees that far; only a copy would say more).

Same normalized title is sure by itself -- paper ids are built from it, so two records
with one title already collide -- *unless* both carry long abstracts that clearly
disagree: then it is the "Introduction" / "Editorial" kind of collision and only possible.

Scale: candidates are put into blocks by a few keys (identifiers, title, title head and
tail, the two rarest title tokens, two slices of the abstract opening), and only pairs
sharing a block are scored. A block larger than `BLOCK_CAP` means its key does not
discriminate; it is scanned as a sorted neighbourhood (each member against `WINDOW`
neighbours in a sort order where variants of one paper sit side by side) instead of
all-pairs. With `first_new`, only blocks holding a new candidate are opened and only
pairs touching a new candidate are scored, so the pairwise cost follows the import, not
the library.

This module must stay free of Textual: the CLI importer and tests use it headless.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain, combinations
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from papersift.memory import paused_gc, release_memory
from papersift.normalize import (
    fold,
    normalize_arxiv,
    normalize_doi,
    normalize_title,
    strip_latex,
)
from papersift.parallel.fork import can_fork, cpus, fork_map

__all__ = [
    "Candidate",
    "Features",
    "Match",
    "MatchResult",
    "candidate_from",
    "features",
    "match",
    "match_score",
]

# --- thresholds (tuned on tests/data/dedupe_labelled.json; see the module docstring) ---

#: Fewer common abstract characters (letters/digits) than this is no evidence: short
#: openings like "Large language models (LLMs) have shown" are shared by many papers.
MIN_OVERLAP = 150
#: A nearly identical abstract over at least this many characters is enough with a
#: merely related title (a re-titled version of one paper).
LONG_OVERLAP = 300
#: Abstract prefixes are compared over at most this many characters: enough evidence,
#: and it bounds the cost of one comparison.
ABSTRACT_WINDOW = 400
#: Title score (0..100) from which titles count as "very similar". The 318 distinct
#: corpus titles score at most 83 against each other ("Large Language Model Alignment:
#: A Survey" / "Aligning Large Language Models with Human: A Survey").
TITLE_SIMILAR = 85
#: Below this title score, titles are unrelated (for the long-abstract rule).
TITLE_RELATED = 60
#: Abstract prefix score from which abstracts agree. The distinct corpus abstracts score
#: 35..55 against each other (highest 59.5: a paper and its extended version, which
#: share an opening); truncated, re-wrapped copies score 100, revised ones (4-8 % of the
#: words edited) 91..99.
ABSTRACT_AGREE = 85
#: Abstract score for "nearly identical" (with `LONG_OVERLAP`).
ABSTRACT_SAME = 95
#: Below this, two long abstracts are clearly different texts.
ABSTRACT_DIFFERENT = 60
#: Two title words at least this similar (ratio) are the same word misspelt or inflected.
WORD_SIMILAR = 80
#: Title score given to "one title is the other's head/tail around a colon".
SUBTITLE_SCORE = 90
#: Years further apart than this make a match at most possible (preprint vs journal
#: version are often a year or two apart; more suggests a different paper).
YEAR_SLACK = 2

#: From this many pairs to score, scoring is shared with forked children (see `parallel.fork`).
FORK_FROM = 20_000
#: Blocks with more members than this are scanned as a sorted neighbourhood.
BLOCK_CAP = 24
#: Neighbours on each side compared in a sorted-neighbourhood scan.
WINDOW = 3
#: Abstract-key slices (in letters/digits of the folded abstract).
_AKEY_LEN = 64

# Abbreviations seen in titles, expanded on both sides so "LLMs" meets
# "Large Language Models". Only unambiguous ones: an expansion applied to both titles
# can never split a pair, but a wrong one could join two different titles.
_ABBREVIATIONS: dict[str, str] = {
    "llm": "large language model",
    "llms": "large language models",
    "lm": "language model",
    "lms": "language models",
    "plm": "pretrained language model",
    "plms": "pretrained language models",
    "mllm": "multimodal large language model",
    "mllms": "multimodal large language models",
    "vlm": "vision language model",
    "vlms": "vision language models",
    "lvlm": "large vision language model",
    "lvlms": "large vision language models",
    "mlm": "masked language model",
    "nlp": "natural language processing",
    "nlu": "natural language understanding",
    "nlg": "natural language generation",
    "nmt": "neural machine translation",
    "mt": "machine translation",
    "rl": "reinforcement learning",
    "rlhf": "reinforcement learning from human feedback",
    "rlaif": "reinforcement learning from ai feedback",
    "dpo": "direct preference optimization",
    "sft": "supervised finetuning",
    "qa": "question answering",
    "vqa": "visual question answering",
    "ner": "named entity recognition",
    "asr": "automatic speech recognition",
    "icl": "in context learning",
    "cot": "chain of thought",
    "rag": "retrieval augmented generation",
    "kg": "knowledge graph",
    "kgs": "knowledge graphs",
    "gnn": "graph neural network",
    "gnns": "graph neural networks",
    "nn": "neural network",
    "nns": "neural networks",
    "ml": "machine learning",
}
_EXPANSIONS: dict[str, tuple[str, ...]] = {k: tuple(v.split()) for k, v in _ABBREVIATIONS.items()}
# Prefixes written joined, hyphenated or apart ("pretrained", "pre-trained", "pre trained")
# are joined to the next word: every spelling becomes one word, and typo tolerance then
# works on the whole word. (Expansions above are written joined already.)
_PREFIXES = frozenset(
    {"pre", "post", "fine", "multi", "cross", "self", "semi", "non", "zero", "few", "co", "re"}
)
_SPECIAL_WORDS = _PREFIXES | _EXPANSIONS.keys()
# Never the rarest token of a title: they carry no identity.
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "for",
        "in",
        "on",
        "with",
        "to",
        "and",
        "or",
        "via",
        "by",
        "from",
        "at",
        "as",
        "is",
        "are",
        "be",
        "do",
        "does",
        "can",
        "how",
        "what",
        "why",
        "when",
        "we",
        "our",
        "your",
        "its",
        "into",
        "through",
        "towards",
        "toward",
        "using",
        "based",
        "not",
        "no",
        "than",
        "vs",
        "versus",
    }
)

_NON_WORD = re.compile(r"[^\w]+")
_NON_ALNUM = re.compile(r"[\W_]+")
# Between a title and its subtitle (after normalize_title folded dashes to "-").
_SUBTITLE_SEP = re.compile(r"\s*:\s*|\s+-{1,3}\s+|\s+\|\s+")
# Scraped abstracts often keep the section label the other copy lacks.
_ABSTRACT_LABEL = re.compile(r"^\W*(?:abstract|summary)\b\W*", re.IGNORECASE)
_ASCII_DROP = bytes(c for c in range(128) if not chr(c).isalnum())
# Maps every ASCII byte that is not a \w character to a space.
_ASCII_WORD_SPACES = bytes(c if chr(c).isalnum() or c == 95 else 32 for c in range(256))
# Fuzzy title scores look at this much: real titles are far shorter, and the cost of a
# score grows with the product of the lengths.
_TITLE_MAX = 500
# Enough raw text to yield ABSTRACT_WINDOW letters/digits even with LaTeX and spacing.
_ABSTRACT_RAW = 2 * ABSTRACT_WINDOW + 100
#: Letters of an abstract's end compared (`Features.tail`).
_TAIL_LEN = 64
_CUT_MARKS = ("…", "...")


@dataclass(frozen=True, slots=True)
class Candidate:
    """What dedupe looks at; built from a `Record` or a `Paper` (see `candidate_from`)."""

    title: str
    abstract: str = ""
    doi: str = ""
    arxiv: str = ""
    year: int | None = None
    venue: str = ""
    #: The BibTeX entry (a `models.BibtexOrigin`), for its volume, number and pages.
    bibtex: Any = None


@dataclass(frozen=True, slots=True)
class Match:
    """Two candidates judged the same paper (sure) or maybe the same (possible); i < j."""

    i: int
    j: int
    score: float
    reason: str


@dataclass(slots=True)
class MatchResult:
    """`sure` pairs are merged by the importer; `possible` ones are listed for the user."""

    sure: list[Match]
    possible: list[Match]


def candidate_from(item: object) -> Candidate:
    """A `Candidate` from anything with title/abstract/doi/arxiv/year attributes."""
    year = getattr(item, "year", None)
    return Candidate(
        title=str(getattr(item, "title", "") or ""),
        abstract=str(getattr(item, "abstract", "") or ""),
        doi=str(getattr(item, "doi", "") or ""),
        arxiv=str(getattr(item, "arxiv", "") or ""),
        year=year if isinstance(year, int) else None,
        venue=str(getattr(item, "venue", "") or ""),
        bibtex=getattr(item, "bibtex", None),
    )


# --- features -------------------------------------------------------------------------


@dataclass(slots=True)
class Features:
    """One candidate as dedupe compares it (see `features`)."""

    doi: str
    arxiv: str
    year: int | None
    title: str  # expanded words joined by spaces: what fuzzy title scores compare
    title_key: str  # expanded words joined: the exact-title key
    parts: tuple[str, ...]  # head and tail keys around a subtitle separator
    abstract: str  # letters/digits of the folded abstract opening
    #: A checksum of the letters/digits of the folded abstract's end when the abstract
    #: is complete (not cut with "…"), else 0. Two abstracts that open alike (a
    #: template) and end alike too are one text. (A checksum, not the letters: 8 bytes
    #: a candidate; crc32, not hash(): features are computed in worker processes.)
    tail: int = 0
    #: Where in its venue the paper was published (`_place`), or None when the record
    #: says neither volume, number nor pages.
    place: tuple[str, str, str, str] | None = None


def _expand(words: list[str]) -> list[str]:
    """Title words with abbreviations expanded and prefixes joined to the next word."""
    if _SPECIAL_WORDS.isdisjoint(words):
        return words
    out: list[str] = []
    glue = False
    for word in words:
        for part in _EXPANSIONS.get(word, (word,)):
            if glue:
                out[-1] += part
            else:
                out.append(part)
            glue = part in _PREFIXES and not glue
    return out


def _split_words(text: str) -> list[str]:
    """The \\w+ runs of `text` (what `normalize.title_words` splits on)."""
    if text.isascii():
        # Same split, several times faster than the regex on plain ASCII.
        return text.encode("ascii").translate(_ASCII_WORD_SPACES).decode("ascii").split()
    return [w for w in _NON_WORD.split(text) if w]


def _fast_normalize_title(title: str) -> str:
    """`normalize_title` (which has the ASCII shortcut this once had; kept as a name)."""
    return normalize_title(title)


def fold_abstract(abstract: str) -> str:
    """An abstract as dedupe compares it: folded, LaTeX removed, letters and digits only.

    Dropping spaces and punctuation makes re-wrapped, re-spaced, hyphenated ("sys-tems",
    "sys-\\ntems") and truncated ("...", "…") copies of one abstract identical prefixes.
    A leading "Abstract:" label is dropped too.
    """
    if label := _ABSTRACT_LABEL.match(abstract):
        abstract = abstract[label.end() :]
    if abstract.isascii() and "\\" not in abstract:
        # For ASCII text NFKC and the fold table change nothing and casefold is lower():
        # the same result as below at C speed, which matters at 100k candidates.
        return abstract.encode("ascii").lower().translate(None, _ASCII_DROP).decode("ascii")
    # `fold` minus its dash/quote table and space collapsing: everything they touch is
    # punctuation or space, which goes anyway.
    return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", strip_latex(abstract)).casefold())


def _features(c: Candidate | Any) -> Features:
    normalized = normalize_title(c.title)
    # (The pre-test spares most titles a regex scan.)
    has_separator = ":" in normalized or " -" in normalized or " |" in normalized
    pieces = _SUBTITLE_SEP.split(normalized, maxsplit=1) if has_separator else []
    parts: list[str] = []
    if len(pieces) == 2:
        head, tail = _expand(_split_words(pieces[0])), _expand(_split_words(pieces[1]))
        words = head + tail
        for piece in (head, tail):
            key = "".join(piece)
            # A one- or two-letter head ("A: ...") would join unrelated papers.
            if len(key) >= 3:
                parts.append(key)
    else:
        words = _expand(_split_words(normalized))
    return Features(
        doi=normalize_doi(c.doi) if c.doi else "",
        arxiv=normalize_arxiv(c.arxiv) if c.arxiv else "",
        year=c.year,
        title=" ".join(words)[:_TITLE_MAX],
        title_key="".join(words),
        parts=tuple(parts),
        abstract=fold_abstract(c.abstract[:_ABSTRACT_RAW])[:ABSTRACT_WINDOW],
        tail=_tail(c.abstract),
        place=_place(getattr(c, "venue", ""), getattr(c, "bibtex", None)),
    )


_PLACE_FIELDS = {"volume": 1, "number": 2, "issue": 2, "pages": 3}
_FIRST_PAGE = re.compile(r"[\w.]+")


def _place(venue: str, bibtex: Any) -> tuple[str, str, str, str] | None:
    """(venue, volume, number, first page) folded; "" for a part the entry lacks.

    A journal's recurring columns ("Calendar", "Editorial", "Errata": 122 of them in
    TUGboat's bibliography) share a title and often a year; only where they appeared
    tells them apart (see `_place_conflict`).
    """
    if bibtex is None:
        return None
    parts = ["", "", "", ""]
    for name, value in chain(bibtex.fields, bibtex.inherited):
        slot = _PLACE_FIELDS.get(name.lower())
        if slot is None or parts[slot]:
            continue
        value = strip_latex(value).casefold()
        if slot == 3:
            first = _FIRST_PAGE.search(value)
            value = first.group() if first else ""
        parts[slot] = _NON_ALNUM.sub("", value)
    if not any(parts[1:]):
        return None
    parts[0] = _NON_ALNUM.sub("", fold(venue)) if venue else ""
    return (parts[0], parts[1], parts[2], parts[3])


def _place_conflict(a: Features, b: Features) -> str:
    """Why two entries of one venue cannot be one paper ("volume 5 / 6"), or "".

    Only parts both entries give are compared, and only within one venue: a preprint
    without pages, or a conference paper and its journal version, is not a conflict.
    """
    pa, pb = a.place, b.place
    if pa is None or pb is None or not pa[0] or pa[0] != pb[0]:
        return ""
    for name, x, y in zip(("volume", "number", "pages"), pa[1:], pb[1:], strict=True):
        if x and y and x != y:
            return f"same venue, {name} {min(x, y)} / {max(x, y)}"
    return ""


def _tail(abstract: str) -> int:
    if not abstract or abstract.rstrip().endswith(_CUT_MARKS):
        return 0
    end = fold_abstract(abstract[-3 * _TAIL_LEN :])[-_TAIL_LEN:]
    return zlib.crc32(end.encode()) | 1 if end else 0


# --- one pair ---------------------------------------------------------------------------


def _title_score(a: Features, b: Features) -> tuple[float, str]:
    """(score, how): how is "same" (equal keys), "subtitle" or "" (plain fuzzy score)."""
    if not a.title_key or not b.title_key:
        return 0.0, ""
    if a.title_key == b.title_key:
        return 100.0, "same"
    score = max(fuzz.ratio(a.title, b.title), fuzz.token_sort_ratio(a.title, b.title))
    # One title is the other minus its subtitle (or minus its head).
    if (a.title_key in b.parts and not a.parts) or (b.title_key in a.parts and not b.parts):
        return max(score, SUBTITLE_SCORE), "subtitle"
    return score, ""


def _tokens(f: Features) -> set[str]:
    """The distinct title words that can carry identity (stopwords dropped).

    Derived on demand rather than stored: at 100k candidates the stored sets cost more
    memory than everything else in a `Features`.
    """
    return {w for w in f.title.split() if w not in _STOPWORDS}


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _same_word(x: str, y: str) -> bool:
    # One edit is a typo even in a short word, where the ratio would be low.
    if x.isdigit() or y.isdigit():
        return False
    return (
        Levenshtein.distance(x, y, score_cutoff=1) <= 1
        or fuzz.ratio(x, y, score_cutoff=WORD_SIMILAR) > 0
    )


def _unmatched_word(a: Features, b: Features) -> str:
    """A word that makes the titles name different things, or "".

    A high overall title score can hide the one word that makes two papers distinct:
    a number ("Llama 2" / "Llama 3") or a substituted word ("... for German" / "... for
    French"). Typos, plurals and spelling variants ("optimisation") find a counterpart;
    a word that one title merely lacks (a shortened title) does not count -- that is
    the dropped-subtitle case, settled by the abstracts. Among several candidates the
    choice is by sort order, so it does not depend on the order of the pair.
    """
    odd = _words_without_counterpart(a, b)
    digits = [w for w in odd[0] + odd[1] if w.isdigit()]
    if digits:
        return min(digits)
    if odd[0] and odd[1]:
        return min(odd[0] + odd[1])
    return ""


def _words_without_counterpart(a: Features, b: Features) -> tuple[list[str], list[str]]:
    """The title words of `a` with no counterpart in `b` (not even misspelt or
    inflected, nor split or joined differently: "selfenhance" / "sself enhance"), and
    those of `b` with none in `a`."""
    odd: list[list[str]] = []
    for mine, theirs in ((a, b), (b, a)):
        # All their words, stopwords too: "nd" is a typo of "and", not a new word.
        other = {_stem(t) for t in theirs.title.split()}
        joined = theirs.title_key
        odd.append(
            [
                token
                for token in _tokens(mine)
                if (stem := _stem(token)) not in other
                and (
                    stem.isdigit()
                    or (
                        not any(_same_word(stem, o) for o in other)
                        # (Short words are in any title: "in", "on"; "v4" is not.)
                        and ((len(token) < 4 and token.isalpha()) or token not in joined)
                    )
                )
            ]
        )
    return odd[0], odd[1]


_NUMBERED = re.compile(r"(?:v(?=\d))?\d+[a-z]*")


def _series_mark(a: Features, b: Features) -> str:
    """How the titles differ when a number or version is in one and not the other
    ("'2' / '3'", "'v2' in one title only"), else "".

    "… Part 1" / "… Part 2", "… (v2)", "… Lite-4919": a token with a digit that only
    one title has names another member of a series, however alike the rest is."""
    # Numbers with their unit or version letter, wherever normalizing glued them
    # ("few (v4)" is one word, "fewv4", as "few-shot" is "fewshot").
    mine, theirs = set(_NUMBERED.findall(a.title)), set(_NUMBERED.findall(b.title))
    only_a, only_b = sorted(mine - theirs), sorted(theirs - mine)
    if only_a and only_b:
        first, second = sorted((only_a[0], only_b[0]))
        return f"titles differ in {first!r} / {second!r}"
    if only_a or only_b:
        return f"{(only_a or only_b)[0]!r} in one title only"
    return ""


def _one_text(a: Features, b: Features, abstract: float, overlap: int) -> bool:
    """The abstracts are shown to be one text: nearly identical openings over a long
    stretch, and complete, with the same end."""
    return (
        abstract >= ABSTRACT_SAME and overlap >= LONG_OVERLAP and a.tail != 0 and a.tail == b.tail
    )


def _abstract_score(a: Features, b: Features) -> tuple[float, int]:
    """(score, overlap): the prefix similarity over the shorter abstract; (0, 0) if none."""
    overlap = min(len(a.abstract), len(b.abstract))
    if overlap < MIN_OVERLAP:
        return 0.0, 0
    return fuzz.ratio(a.abstract[:overlap], b.abstract[:overlap]), overlap


def _conflict(a: Features, b: Features) -> str:
    """Why identifiers say "different papers", or ""."""
    if a.doi and b.doi and a.doi != b.doi:
        return "different DOIs"
    if a.arxiv and b.arxiv and a.arxiv != b.arxiv:
        return "different arXiv ids"
    if a.year is not None and b.year is not None and abs(a.year - b.year) > YEAR_SLACK:
        return f"years {min(a.year, b.year)} and {max(a.year, b.year)}"
    return ""


def _clearly_different(a: Features, b: Features) -> bool:
    """A cheap test that `_judge` would say "different": abstracts below
    `ABSTRACT_DIFFERENT` settle a pair unless identifiers, equal titles or a dropped
    subtitle say otherwise -- and that is most pairs a block brings together."""
    overlap = min(len(a.abstract), len(b.abstract))
    if overlap < MIN_OVERLAP:
        return False
    if (a.doi and a.doi == b.doi) or (a.arxiv and a.arxiv == b.arxiv):
        return False
    if a.title_key == b.title_key or a.title_key in b.parts or b.title_key in a.parts:
        return False
    return not fuzz.ratio(
        a.abstract[:overlap], b.abstract[:overlap], score_cutoff=ABSTRACT_DIFFERENT
    )


def _judge(a: Features, b: Features) -> tuple[str, float, str]:
    if a.doi and a.doi == b.doi:
        return "sure", 100.0, "same DOI"
    if a.arxiv and a.arxiv == b.arxiv:
        return "sure", 100.0, "same arXiv id"
    if place := _place_conflict(a, b):
        return "different", 0.0, place
    title, how = _title_score(a, b)
    abstract, overlap = _abstract_score(a, b)
    has_abstract = overlap > 0
    title_text = {"same": "same title", "subtitle": "subtitle dropped"}.get(
        how, f"title {title:.0f}"
    )
    if has_abstract:
        reason = f"{title_text}, abstract prefix {abstract:.0f}"
        score = round((title + abstract) / 2, 1)
    else:
        reason = title_text if how == "same" else f"{title_text}, no abstract to compare"
        score = round(title, 1)

    mark = _series_mark(a, b) if how != "same" and how != "subtitle" else ""
    if how == "same":
        verdict = "possible" if has_abstract and abstract < ABSTRACT_DIFFERENT else "sure"
    elif mark:
        # Another member of a series unless the abstracts are one text (a revised
        # version of one paper may carry its number): then the user decides.
        reason += f", but {mark}"
        one_text = has_abstract and _one_text(a, b, abstract, overlap)
        return ("possible" if one_text else "different"), score, reason
    elif has_abstract:
        similar_title = title >= TITLE_SIMILAR
        odd = _unmatched_word(a, b) if title >= TITLE_RELATED and how != "subtitle" else ""
        both_agree = abstract >= ABSTRACT_AGREE and (
            how == "subtitle" or (similar_title and not odd)
        )
        same_text = (
            abstract >= ABSTRACT_SAME
            and overlap >= LONG_OVERLAP
            and title >= TITLE_RELATED
            and (not odd or _one_text(a, b, abstract, overlap))
        )
        if both_agree or same_text:
            verdict = "sure"
        elif odd:
            # A word each title has and the other not ("for German" / "for French"):
            # only abstracts that agree to the end make it worth asking.
            verdict = "possible" if _one_text(a, b, abstract, overlap) else "different"
            reason += f", but {odd!r} in one title only"
        elif (
            overlap < LONG_OVERLAP
            and abstract < ABSTRACT_SAME
            and any(_words_without_counterpart(a, b))
        ):
            # Titles that differ by a word, and abstracts that agree over a short
            # opening only: abstracts built on one template (a series' shared first
            # sentence) agree that far; only a copy would say more.
            verdict = "different"
        elif abstract >= ABSTRACT_AGREE or (similar_title and abstract >= ABSTRACT_DIFFERENT):
            verdict = "possible"
        else:
            verdict = "different"
    else:
        verdict = "possible" if title >= TITLE_SIMILAR else "different"
        if verdict == "possible" and how != "subtitle" and (odd := _unmatched_word(a, b)):
            reason += f", but {odd!r} in one title only"
            # Titles that differ in a number are a series ("Llama 2" / "Llama 3").
            if odd.isdigit():
                verdict = "different"

    if verdict == "sure" and (conflict := _conflict(a, b)):
        return "possible", score, f"{reason}, but {conflict}"
    return verdict, score, reason


def match_score(a: Candidate, b: Candidate) -> tuple[str, float, str]:
    """Judge one pair: ("sure" | "possible" | "different", score 0..100, reason).

    Rules, in order (thresholds are the module constants):

    * same DOI or same arXiv id: sure, 100.
    * one venue, and a volume, number or first page both give that differs: different
      (a journal's recurring "Calendar" or "Editorial" columns).
    * same title (normalized, abbreviations expanded): sure -- unless both abstracts
      overlap by `MIN_OVERLAP`+ characters and score below `ABSTRACT_DIFFERENT`, then
      possible (generic titles such as "Introduction" collide).
    * with abstract evidence: sure if the abstracts agree (`ABSTRACT_AGREE`) and the
      titles are very similar (`TITLE_SIMILAR`, or one lacks the other's subtitle), or if
      the abstracts are nearly identical (`ABSTRACT_SAME`) over `LONG_OVERLAP`+ characters
      and the titles are related (`TITLE_RELATED`); possible if only one of abstracts /
      titles is strong (a similar title needs a not-clearly-different abstract);
      different otherwise.
    * a number or version in one title only (`_series_mark`): possible if the abstracts
      are one text (`_one_text`), else different; a word each title has and the other
      lacks: the same; titles differing by a word with abstracts agreeing over less
      than `LONG_OVERLAP` characters and below `ABSTRACT_SAME`: different.
    * without abstract evidence: possible if the titles are very similar, else different.
    * a sure verdict with conflicting DOIs / arXiv ids / distant years becomes possible.

    The score is the title score, averaged with the abstract score when there is one.
    Symmetric in `a` and `b`.
    """
    return _judge(_features(a), _features(b))


# --- blocking ---------------------------------------------------------------------------


# Block kinds: each has its own dict of blocks, keyed by strings the features already
# hold where possible (memory: at 100k candidates there are ~500k keys).
_DOI, _ARXIV, _TITLE, _PART, _TOKEN, _TOKENS, _ABS0, _ABS1 = range(8)
_KINDS = 8


def _block_keys(
    f: Features, rank: dict[str, int], rare: set[str]
) -> list[tuple[int, str | int | tuple[str, str]]]:
    """(kind, key) of every block `f` belongs to."""
    keys: list[tuple[int, str | int | tuple[str, str]]] = []
    tokens = _tokens(f)
    if tokens:
        rarest = sorted(tokens, key=rank.__getitem__)[:2]
        # A common word alone blocks thousands of titles together for nothing; the pair
        # of the two rarest words still discriminates.
        keys.extend((_TOKEN, t) for t in rarest if t in rare)
        if len(rarest) == 2:
            keys.append((_TOKENS, (rarest[0], rarest[1])))
    if f.doi:
        keys.append((_DOI, f.doi))
    if f.arxiv:
        keys.append((_ARXIV, f.arxiv))
    if f.title_key:
        keys.append((_TITLE, f.title_key))
        # Whole titles share a namespace with heads/tails so "GeDi" meets "GeDi: ...".
        keys.append((_PART, f.title_key))
    keys.extend((_PART, p) for p in f.parts)
    if len(f.abstract) >= MIN_OVERLAP:
        # Hashes, not the slices: 200k 64-character keys would cost 20 MB more at 100k
        # candidates. Two slices with one hash only join two blocks (never seen at 64
        # bits), and every pair is still judged on its merits.
        keys.append((_ABS0, hash(f.abstract[:_AKEY_LEN])))
        keys.append((_ABS1, hash(f.abstract[_AKEY_LEN : 2 * _AKEY_LEN])))
    return keys


def _sort_key(kind: int, f: Features) -> str:
    # Orders in which variants of one paper end up next to each other.
    if kind in (_PART, _TOKEN, _TOKENS):
        return f.title
    if kind == _ABS0:
        return f.abstract[_AKEY_LEN:]
    if kind == _ABS1:
        return f.abstract[:_AKEY_LEN] + f.abstract[2 * _AKEY_LEN :]
    return f.abstract


def _block_pairs(
    kind: int,
    key: str | int | tuple[str, str],
    members: list[int],
    feats: list[Features],
    first_new: int,
    out: set[tuple[int, int]],
) -> None:
    """Add the pairs (i, j), i < j, worth scoring in one block (members ascending) to `out`."""
    # In a "part" block only a whole title against titles that have it as head or tail
    # is news: equal whole titles meet in the "title" block, and two titles sharing a head
    # ("GeDi: A" / "GeDi: B") meet through their words or abstracts.
    if kind == _PART and len(members) <= BLOCK_CAP:
        for i in members:
            if feats[i].title_key != key:
                continue
            for j in members:
                if j != i and (i >= first_new or j >= first_new):
                    out.add((i, j) if i < j else (j, i))
        return
    if len(members) <= BLOCK_CAP:
        if first_new == 0:
            out.update(combinations(members, 2))
        else:
            out.update(p for p in combinations(members, 2) if p[1] >= first_new)
        return
    # Sorted neighbourhood: variants of one paper share a long prefix of the sort key.
    ordered = sorted(members, key=lambda m: (_sort_key(kind, feats[m]), m))
    size = len(ordered)
    for p, i in enumerate(ordered):
        if kind == _PART:
            if feats[i].title_key != key:
                continue
        elif i < first_new:
            continue
        for q in range(max(0, p - WINDOW), min(size, p + WINDOW + 1)):
            j = ordered[q]
            if j != i and (i >= first_new or j >= first_new):
                out.add((i, j) if i < j else (j, i))


def _candidate_pairs(feats: list[Features], first_new: int) -> set[tuple[int, int]]:
    """The pairs (i, j), i < j, sharing a block, worth scoring.

    (Building the blocks in a forked child too was measured: 0.1 s faster at 100k, but
    the child's own blocks and its copies of the pages it touches took the import over
    600 MB.)
    """
    df = Counter(chain.from_iterable(map(_tokens, feats)))
    # Rarest first, ties by spelling, so the choice of a title's rarest words is stable.
    rank = {t: r for r, (t, _) in enumerate(sorted(df.items(), key=lambda tc: (tc[1], tc[0])))}
    rare = {t for t, count in df.items() if count <= BLOCK_CAP}
    del df

    # Open only the blocks a new candidate is in: the library alone was deduped.
    wanted: list[set[str | int | tuple[str, str]]] | None = None
    if first_new > 0:
        wanted = [set() for _ in range(_KINDS)]
        for f in feats[first_new:]:
            for kind, key in _block_keys(f, rank, rare):
                wanted[kind].add(key)
    # A block is one int until it gets a second member (most never do), then a list.
    blocks: list[dict[str | int | tuple[str, str], int | list[int]]] = [{} for _ in range(_KINDS)]
    for idx, f in enumerate(feats):
        for kind, key in _block_keys(f, rank, rare):
            if wanted is not None and key not in wanted[kind]:
                continue
            table = blocks[kind]
            members = table.get(key)
            if members is None:
                table[key] = idx
            elif isinstance(members, int):
                if members != idx:
                    table[key] = [members, idx]
            elif members[-1] != idx:
                members.append(idx)
    del wanted, rank, rare

    pairs: set[tuple[int, int]] = set()
    for kind, table in enumerate(blocks):
        for key, members in table.items():
            if isinstance(members, list):
                _block_pairs(kind, key, members, feats, first_new, pairs)
    return pairs


def features(candidates: Sequence[Candidate | Any]) -> list[Features]:
    """What `match` compares of each candidate. Computing them is a quarter of a big
    import's dedupe, and they depend on one candidate alone: a process that reads a
    file can compute them for its records and hand them to `match`."""
    return [_features(c) for c in candidates]


def match(
    candidates: Sequence[Candidate | Any],
    first_new: int = 0,
    progress: Callable[[int, int], None] | None = None,
    features: Sequence[Features | None] | None = None,
) -> MatchResult:
    """Find duplicate pairs among `candidates`, sorted by (i, j).

    A candidate is a `Candidate` or anything with its attributes (the importer passes
    `Paper`s and `Record`s as they are).

    `candidates[:first_new]` are already in the library and deduped among themselves:
    only pairs with at least one index >= `first_new` are reported. `features`, if
    given, holds `features()` of the candidate at the same index (None where not known
    yet) and spares computing them. `progress`, if given,
    is called now and then with (done, total) units of work; `total` grows once, when
    the number of pairs to score is known.
    """
    n = len(candidates)
    first_new = max(0, min(first_new, n))
    if n - first_new == 0 or n < 2:
        return MatchResult(sure=[], possible=[])
    with paused_gc():
        return _match(candidates, first_new, progress, features)


def _match(
    candidates: Sequence[Candidate | Any],
    first_new: int,
    progress: Callable[[int, int], None] | None,
    known: Sequence[Features | None] | None,
) -> MatchResult:
    n = len(candidates)
    total = 2 * n
    step = 4096

    feats: list[Features] = []
    for idx, c in enumerate(candidates):
        f = known[idx] if known is not None else None
        feats.append(f if f is not None else _features(c))
        if progress is not None and idx % step == 0:
            progress(idx, total)

    pairs = _candidate_pairs(feats, first_new)
    release_memory()  # the blocks: before a child is forked with a copy of the heap
    if progress is not None:
        progress(n, total)

    ordered_pairs = sorted(pairs)
    del pairs
    total = 2 * n + len(ordered_pairs)
    # Scoring is a third of a big dedupe and each pair stands alone: share it with
    # forked children where that is safe (they see `feats` without copying).
    parts = cpus() if len(ordered_pairs) >= FORK_FROM and can_fork() else 1
    size = max(1, -(-len(ordered_pairs) // parts))
    slices = [(start, start == 0) for start in range(0, len(ordered_pairs), size)] or [(0, True)]

    def score(task: tuple[int, bool]) -> tuple[list[Match], list[Match]]:
        start, report = task
        sure: list[Match] = []
        possible: list[Match] = []
        for done, (i, j) in enumerate(ordered_pairs[start : start + size], start=start):
            if report and progress is not None and done % step == 0:
                progress(2 * n + done * parts, total)
            a, b = feats[i], feats[j]
            if _clearly_different(a, b):
                continue
            verdict, score, reason = _judge(a, b)
            if verdict == "sure":
                sure.append(Match(i, j, score, reason))
            elif verdict == "possible":
                possible.append(Match(i, j, score, reason))
        return sure, possible

    scored = fork_map(score, slices)
    if progress is not None:
        progress(total, total)
    return MatchResult(
        sure=[m for part, _ in scored for m in part],
        possible=[m for _, part in scored for m in part],
    )
