"""Words and how well they match: folding, tokens, match quality, the vocabulary.

The index is built of tokens (`\\w+` runs of folded text); a query word matches a token
exactly (100), as its prefix (90-99) or with typos (85 for one edit, 70 for two), see
`word_quality`. `Vocabulary` finds the tokens a word matches among all of a library's.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort

from rapidfuzz import process
from rapidfuzz.distance import OSA

from papersift.normalize import search_fold as fold

__all__ = [
    "EXACT_SCORE",
    "PREFIX_MIN",
    "TYPO_PENALTY",
    "WORD",
    "Vocabulary",
    "fast_fold",
    "max_edits",
    "prefix_score",
    "starting_with",
    "text_tokens",
    "tokens",
    "word_quality",
]

#: Word expansion: prefixes from this many characters, typos only for letter-only words.
PREFIX_MIN = 3
EXACT_SCORE = 100.0
TYPO_PENALTY = 15.0  # per edit
#: A run of word characters: one token of folded text.
WORD = re.compile(r"\w+")
_MAX_CHAR = "\U0010ffff"
_EXPAND_CACHE_SIZE = 512

# For ASCII, lower-casing and blanking non-word bytes then splitting gives exactly the
# tokens of `\w+` on fold(text), several times faster; building is dominated by this.
_ASCII_TOKEN_TABLE = bytes(
    (ord(chr(b).lower()) if chr(b).isalnum() or b == ord("_") else ord(" ")) if b < 128 else b
    for b in range(256)
)


def fast_fold(text: str) -> str:
    """`normalize.search_fold` (accents folded too), with a fast path for ASCII (NFKC
    and case folding are then plain lower-casing, and the only translated ASCII
    character is the backtick)."""
    if text.isascii():
        return " ".join(text.lower().replace("`", "'").split())
    return fold(text)


def text_tokens(text: str) -> list[str]:
    """`tokens(fast_fold(text))` of raw text; for ASCII in one pass (the table lower-cases
    and blanks what folding would have changed), which is most of the index build."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TOKEN_TABLE).decode("ascii").split()
    return tokens(fold(text))


def tokens(folded: str) -> list[str]:
    """The word tokens (`\\w+` runs) of already-folded text, in order: the unit of the index."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_TOKEN_TABLE).decode("ascii").split()
    return WORD.findall(folded)


def starting_with(ordered: list[str], prefix: str) -> list[str]:
    """The strings of sorted `ordered` that start with `prefix` (a slice, by bisection)."""
    lo = bisect_left(ordered, prefix)
    hi = bisect_left(ordered, prefix + _MAX_CHAR, lo)
    return ordered[lo:hi]


def max_edits(word: str) -> int:
    """How many typos (OSA edits) a query word tolerates: none for short or non-letter words."""
    if len(word) < 4 or not word.isalpha():
        return 0
    return 1 if len(word) < 9 else 2


def prefix_score(word: str, token: str) -> float:
    """90..99 for a prefix: the more of the token typed, the better."""
    return float(min(99, 90 + round(10 * len(word) / len(token))))


def word_quality(word: str, token: str, *, typos: bool = True) -> float:
    """How well query `word` matches index `token` (0 = not at all); see the module doc.

    `typos=False` for a word that occurs in the library as typed: then only exact and
    prefix matches count.
    """
    if word == token:
        return EXACT_SCORE
    if len(word) >= PREFIX_MIN and token.startswith(word):
        return prefix_score(word, token)
    k = max_edits(word) if typos else 0
    if k and abs(len(word) - len(token)) <= k:
        d = OSA.distance(word, token, score_cutoff=k)
        if d <= k:
            return EXACT_SCORE - TYPO_PENALTY * d
    return 0.0


class Vocabulary:
    """The distinct tokens of some fields, for prefix, suffix, substring and typo lookups.

    Tokens are only ever added: a token whose postings emptied just expands to nothing.
    Not thread-safe on its own: the index calls it holding its lock.
    """

    __slots__ = ("_by_len", "_cache", "_known", "_pending", "_reversed", "_sorted")

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._pending: list[str] = []
        self._sorted: list[str] = []
        self._reversed: list[str] = []
        self._by_len: dict[int, list[str]] = {}
        self._cache: dict[tuple[str, bool], list[tuple[str, float]]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def add(self, toks: set[str]) -> None:
        """Make `toks` known (the sorted lists are brought up to date on the next lookup)."""
        new = toks - self._known
        if new:
            self._known |= new
            self._pending.extend(new)

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if len(pending) > 1000 or len(pending) * 20 > len(self._sorted):
            self._sorted = sorted(self._known)
            self._reversed = sorted(t[::-1] for t in self._known)
        else:
            for tok in pending:
                insort(self._sorted, tok)
                insort(self._reversed, tok[::-1])
        for tok in sorted(pending):
            self._by_len.setdefault(len(tok), []).append(tok)
        self._cache.clear()

    def with_prefix(self, prefix: str) -> list[str]:
        """The known tokens starting with `prefix`, in order."""
        if self._pending:
            self._flush()
        return starting_with(self._sorted, prefix)

    def with_suffix(self, suffix: str) -> list[str]:
        """The known tokens ending with `suffix`."""
        if self._pending:
            self._flush()
        return [t[::-1] for t in starting_with(self._reversed, suffix[::-1])]

    def containing(self, part: str) -> list[str]:
        """The known tokens that contain `part`, in order."""
        if self._pending:
            self._flush()
        return [t for t in self._sorted if part in t]

    def expand(self, word: str, *, typos: bool) -> list[tuple[str, float]]:
        """Tokens `word` matches (exact, prefix, typo) with their quality, best first."""
        if self._pending:
            self._flush()
        cached = self._cache.get((word, typos))
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if word in self._known:
            found[word] = EXACT_SCORE
        if len(word) >= PREFIX_MIN:
            for tok in self.with_prefix(word):
                if tok != word:
                    found[tok] = prefix_score(word, tok)
        k = max_edits(word) if typos else 0
        if k:
            # Only lengths within k edits can match; rapidfuzz scans each bucket in C.
            for length in range(max(1, len(word) - k), len(word) + k + 1):
                bucket = self._by_len.get(length)
                if not bucket:
                    continue
                for tok, dist, _ in process.extract(
                    word, bucket, scorer=OSA.distance, score_cutoff=k, limit=None
                ):
                    score = EXACT_SCORE - TYPO_PENALTY * dist
                    if dist and score > found.get(tok, 0.0):
                        found[tok] = score
        result = sorted(found.items(), key=lambda item: (-item[1], item[0]))
        if len(self._cache) >= _EXPAND_CACHE_SIZE:
            self._cache.clear()
        self._cache[(word, typos)] = result
        return result
