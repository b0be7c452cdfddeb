"""The ranking's features: one TF-IDF row per paper, built once and extended, not rebuilt.

Words and word pairs of the title and abstract (sublinear tf, stop words kept, as
ASReview's default) and the authors' names as `author:` terms (a reader's inbox has
authors they follow). Title words can count again under a `title:` prefix
(`TITLE_WEIGHT`; off: it did not help on the dev sets). Rows are L2-normalised, so a
row's dot product with another is their cosine similarity.

Terms are hashed into a fixed number of columns (scikit-learn's HashingVectorizer)
rather than counted into a vocabulary: a paper that arrives later gets its row from
the same function, with no refit and no vocabulary to keep in memory, and building
the rows of a big library can be shared between processes. A term's name is found
again, for explanations, by hashing the words of the one paper being explained
(`terms_of`). Inverse document frequencies are kept as document counts, updated as
rows are added; the rows are re-weighted with fresh idf when the library has grown
by a quarter since they were weighted (`FeatureSpace.extend`).

The rows are kept packed (`ranking.rows.PackedRows`, 4 bytes an entry instead of a CSR
matrix's 8 once they are many): at 100k papers they are 120 MB, not 240.

scikit-learn and SciPy are imported on first use: the app's start never pays for them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from papersift.ranking.rows import PackedRows

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "FEATURE_COLUMNS",
    "FeatureSpace",
    "PaperText",
    "build_space",
    "column_of",
    "term_label",
    "terms_of",
]

#: Hashed columns. 2**20 keeps collisions between the ~10^5–10^6 distinct words and
#: word pairs of a big library rare; a collision only merges two terms' weights.
FEATURE_COLUMNS = 2**20
#: How much title words count again on their own, beside the text (0: not at all). A
#: separate title feature lowered WSS@95 on the dev sets (Nagtegaal 0.726 → 0.715,
#: Kitchenham 0.686 → 0.671, ASReview's priors): the title is in the text already.
TITLE_WEIGHT = 0.0
#: How much an author's name counts beside a word.
AUTHOR_WEIGHT = 0.5
#: From this many papers a first build packs its rows in float16 batch by batch (a
#: paper has ~350 entries: about where `ranking.rows.KEEP_PLAIN_BELOW` is reached).
HALF_FROM_PAPERS = 20_000
#: Re-weight rows with fresh idf once the library has grown by this share.
REWEIGHT_GROWTH = 0.25

_TOKEN = r"(?u)\b\w\w+\b"
_WORD = re.compile(_TOKEN)
_STOP_WORDS = None


@dataclass(frozen=True, slots=True)
class PaperText:
    """What the ranking reads of one paper."""

    id: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()


def _vectorizers() -> dict[str, Any]:
    from sklearn.feature_extraction.text import HashingVectorizer

    common: dict[str, Any] = {
        "n_features": FEATURE_COLUMNS,
        "alternate_sign": False,
        "norm": None,
        "dtype": np.float32,
    }
    return {
        # Title and abstract together, words and word pairs.
        "text": HashingVectorizer(
            ngram_range=(1, 2), token_pattern=_TOKEN, stop_words=_STOP_WORDS, **common
        ),
        # Title words under their own prefix, so they get their own weights.
        "title": HashingVectorizer(analyzer=lambda s: [f"title:{w}" for w in _words(s)], **common),
        "author": HashingVectorizer(analyzer=_author_terms, **common),
    }


def _words(text: str) -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]


def _author_terms(authors: str) -> list[str]:
    # One term per author: the family name with the first initial ("author:smith j"),
    # so "J. Smith" and "Smith, John" meet and two Smiths mostly do not.
    terms = []
    for name in authors.split("\x1f"):
        name = name.strip()
        if not name:
            continue
        if "," in name:
            family, _, given = name.partition(",")
        else:
            parts = name.split()
            family, given = parts[-1], " ".join(parts[:-1])
        initial = given.strip()[:1].lower()
        terms.append(f"author:{family.strip().lower()} {initial}".rstrip())
    return terms


def _raw_rows(texts: Sequence[PaperText]) -> csr_matrix:
    """Sublinear term frequencies (1 + log tf) of `texts`, unweighted, unnormalised."""
    vec = _vectorizers()
    rows = vec["text"].transform([f"{t.title}\n{t.abstract}" for t in texts])
    # The three share the hashed columns: the prefixes keep their terms apart.
    if TITLE_WEIGHT:
        rows = rows + vec["title"].transform([t.title for t in texts]) * TITLE_WEIGHT
    if AUTHOR_WEIGHT:
        rows = (
            rows + vec["author"].transform(["\x1f".join(t.authors) for t in texts]) * AUTHOR_WEIGHT
        )
    rows = rows.tocsr()
    rows.data = 1.0 + np.log(rows.data, dtype=np.float32)
    return rows


def terms_of(text: PaperText) -> dict[int, str]:
    """The column of every term of `text`, with the term's readable name."""
    vec = _vectorizers()
    names: dict[int, str] = {}
    for analysed in (
        vec["text"].build_analyzer()(f"{text.title}\n{text.abstract}"),
        [f"title:{w}" for w in _words(text.title)],
        _author_terms("\x1f".join(text.authors)),
    ):
        for term in analysed:
            names.setdefault(column_of(term), term)
    return names


def column_of(term: str) -> int:
    """The hashed column of `term`, as HashingVectorizer computes it."""
    from sklearn.utils import murmurhash3_32

    h = murmurhash3_32(term, seed=0, positive=False)
    if h == -(2**31):
        return (2**31 - 1 - (FEATURE_COLUMNS - 1)) % FEATURE_COLUMNS
    return abs(h) % FEATURE_COLUMNS


def term_label(term: str) -> str:
    """A term as people read it: `title:graph` → "graph (title)"."""
    prefix, sep, rest = term.partition(":")
    if sep and prefix in ("title", "author"):
        return f"{rest} ({prefix})"
    return term


@dataclass
class FeatureSpace:
    """One weighted, L2-normalised TF-IDF row per paper, in `ids` order."""

    ids: list[str]
    #: The rows, packed (4 bytes an entry: see `ranking.rows`).
    matrix: PackedRows
    #: Papers containing each column's term, over every row ever added.
    doc_counts: np.ndarray
    #: The idf the rows are weighted with (from `doc_counts` when last re-weighted).
    idf: np.ndarray
    #: Each row's norm before normalising, to recover raw rows when re-weighting.
    norms: np.ndarray
    #: Rows there were when the idf was last computed.
    weighted_at: int
    row: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.row:
            self.row = {pid: i for i, pid in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, texts: Sequence[PaperText]) -> None:
        """Add rows for papers not in the space yet (others are ignored)."""
        new = [t for t in texts if t.id not in self.row]
        if not new:
            return
        raw = _raw_rows(new)
        self.doc_counts += np.bincount(raw.indices, minlength=FEATURE_COLUMNS).astype(np.int32)
        weighted, norms = _weigh(raw, self.idf)
        start = len(self.ids)
        self.matrix = PackedRows.concat([self.matrix, PackedRows.pack(weighted)])
        self.matrix.keep_plain_if_small()
        self.norms = np.concatenate([self.norms, norms])
        for offset, text in enumerate(new):
            self.ids.append(text.id)
            self.row[text.id] = start + offset
        if len(self.ids) > self.weighted_at * (1 + REWEIGHT_GROWTH):
            self.reweigh()

    def reweigh(self) -> None:
        """Weight every row with the idf of the papers there are now."""
        old_idf, norms = self.idf, self.norms
        self.idf = _idf(self.doc_counts, len(self.ids))
        new_norms = np.empty_like(norms)

        def change(first: int, block: csr_matrix) -> None:
            # Back to raw frequencies (undo the norms, then the old idf), weighted anew.
            rows = block.shape[0]
            block.data *= np.repeat(norms[first : first + rows], np.diff(block.indptr))
            block.data /= old_idf[block.indices]
            new_norms[first : first + rows] = _weigh(block, self.idf)[1]

        self.matrix.map_blocks(change)
        self.norms = new_norms
        self.weighted_at = len(self.ids)

    def rows_of(self, ids: Iterable[str]) -> np.ndarray:
        """Row numbers of `ids` (all must be in the space)."""
        return np.fromiter((self.row[i] for i in ids), dtype=np.int64)


def _idf(doc_counts: np.ndarray, n: int) -> np.ndarray:
    # scikit-learn's smooth idf: log((1 + n) / (1 + df)) + 1.
    return (np.log((1.0 + n) / (1.0 + doc_counts)) + 1.0).astype(np.float32)


def _weigh(raw: csr_matrix, idf: np.ndarray) -> tuple[csr_matrix, np.ndarray]:
    """`raw` weighted by `idf` and L2-normalised, in place (no copy of the matrix);
    returns it and the norms it was divided by."""
    rows = raw
    rows.data *= idf[rows.indices]
    lengths = np.diff(rows.indptr)
    row_of = np.repeat(np.arange(rows.shape[0], dtype=np.int32), lengths)
    squares = np.bincount(
        row_of, weights=rows.data.astype(np.float64) ** 2, minlength=rows.shape[0]
    )
    norms = np.sqrt(squares).astype(np.float32)
    norms[norms == 0] = 1.0
    rows.data /= norms[row_of]
    return rows, norms


def build_space(
    texts: Sequence[PaperText],
    *,
    progress: Callable[[int, int], None] | None = None,
    batch: int = 2000,
) -> FeatureSpace:
    """The feature space of `texts` (ids must be distinct); `progress(done, total)` is
    called after each `batch` of papers."""
    # Each batch's raw rows are packed at once: the build's peak is the packed rows, not
    # twice them. A big build packs them in float16 (their values, 1 + log tf, lose
    # nothing that matters); a small one keeps float32 (see `ranking.rows`).
    half = len(texts) >= HALF_FROM_PAPERS or None
    parts = []
    doc_counts = np.zeros(FEATURE_COLUMNS, dtype=np.int32)
    for start in range(0, len(texts), batch):
        part = _raw_rows(texts[start : start + batch])
        doc_counts += np.bincount(part.indices, minlength=FEATURE_COLUMNS).astype(np.int32)
        parts.append(PackedRows.pack(part, half=half))
        del part
        if progress is not None:
            progress(min(len(texts), start + batch), len(texts))
    idf = _idf(doc_counts, max(1, len(texts)))
    matrix = PackedRows.concat(parts) if parts else PackedRows.empty(FEATURE_COLUMNS)
    norms = np.ones(matrix.n_rows, dtype=np.float32)

    def weigh(first: int, block: csr_matrix) -> None:
        norms[first : first + block.shape[0]] = _weigh(block, idf)[1]

    matrix.map_blocks(weigh)
    return FeatureSpace(
        ids=[t.id for t in texts],
        matrix=matrix,
        doc_counts=doc_counts,
        idf=idf,
        norms=norms,
        weighted_at=max(1, len(texts)),
    )
