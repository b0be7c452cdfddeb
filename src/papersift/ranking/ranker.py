"""The ranking of one library: its features kept between runs, refitted after decisions.

`Ranker` is what the TUI's worker and the CLI hold. `prepare(papers)` gets the feature
rows (from the cache file when its rows still describe the papers' texts; new and
changed papers are added, not the whole space rebuilt) and `rank(triage)` fits the
model on the user's decisions and scores every paper, returning a `Ranking`: an
immutable snapshot the list sorts by, the detail pane explains from and the
progress panel counts with.

What counts as a decision (`labels_from_triage`): a star, or a status of to-read,
reading or read, says relevant; discarded (and not starred) says irrelevant; the
inbox is unlabelled.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from papersift.memory import release_memory
from papersift.models import Entry, Paper, Triage
from papersift.ranking.features import (
    FEATURE_COLUMNS,
    FeatureSpace,
    PaperText,
    build_space,
    column_of,
    term_label,
    terms_of,
)
from papersift.ranking.model import Fitted, fit, rank_order, scores_and_probabilities
from papersift.ranking.rows import PackedRows
from papersift.ranking.screening import Progress, progress
from papersift.ranking.settings import DEFAULT_MODEL, DEFAULT_STOP, ModelSpec, StopRule, model_named

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

__all__ = [
    "RELEVANT_STATUSES",
    "Explanation",
    "Ranker",
    "Ranking",
    "TermWeight",
    "can_rank",
    "explain_for",
    "labels_from_triage",
    "paper_text",
    "screening_progress",
]

#: Statuses that say "this is the kind of paper I want".
RELEVANT_STATUSES = frozenset({"to-read", "reading", "read"})
#: A tag's weight in a paper's row (rows have norm 1).
TAG_WEIGHT = 0.5
#: Bump when the cache file's layout or the features change.
CACHE_FORMAT = 3
#: Papers embedded per batch when building, so progress can be reported and a live
#: build can step aside for the UI between batches: ~12 ms of work each, so a filter
#: keystroke that lands mid-batch shares the CPU with the build for that long at most
#: (250 a batch, 57 ms, put the word filter's p50 at 100k from ~30 to 46 ms during a
#: first open). The 90k-paper build takes 22.3 s instead of 20.6 s.
BUILD_BATCH = 50
#: Papers added per step when a space grows (each step copies the packed rows once).
EXTEND_BATCH = 2000


#: Scores put in `Ranking.by_id` per call (see `Ranker.rank`).
_BY_ID_SLICE = 8192


def labels_from_triage(triage: Mapping[str, Triage]) -> dict[str, int]:
    """Paper id → 1 (relevant) or 0 (irrelevant) for every decided paper, oldest first."""
    decided = []
    for pid, state in triage.items():
        if state.starred or state.status in RELEVANT_STATUSES:
            decided.append((state.changed, pid, 1))
        elif state.status == "discarded":
            decided.append((state.changed, pid, 0))
    decided.sort()
    return {pid: label for _, pid, label in decided}


def can_rank(triage: Mapping[str, Triage]) -> bool:
    """True once there is a relevant and an irrelevant decision to learn from."""
    seen: set[int] = set()
    for state in triage.values():
        if state.starred or state.status in RELEVANT_STATUSES:
            seen.add(1)
        elif state.status == "discarded":
            seen.add(0)
        if len(seen) == 2:
            return True
    return False


def paper_text(paper: Paper) -> PaperText:
    """What the ranking reads of `paper`."""
    return PaperText(paper.id, paper.title, paper.abstract, tuple(paper.authors))


def _digest(text: PaperText) -> int:
    h = hashlib.blake2b(digest_size=8)
    for part in (text.title, text.abstract, "\x1f".join(text.authors)):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return int.from_bytes(h.digest(), "little")


@dataclass(frozen=True, slots=True)
class TermWeight:
    """One term's push on a paper's score: positive up, negative down."""

    term: str
    weight: float


@dataclass(frozen=True)
class Explanation:
    """Why a paper is ranked where it is."""

    paper_id: str
    score: float
    probability: float
    #: 0–100 among the papers still undecided (100: the best).
    percentile: int
    #: Position among the undecided, 1-based (None: the paper is decided).
    position: int | None
    up: tuple[TermWeight, ...]
    down: tuple[TermWeight, ...]
    #: The decided-relevant paper most like this one, and their cosine similarity.
    similar_id: str | None
    similarity: float
    model: str
    relevant: int
    irrelevant: int


@dataclass(frozen=True)
class Ranking:
    """The model fitted on one set of decisions, and every paper's score under it."""

    spec: ModelSpec
    fitted: Fitted
    space: FeatureSpace
    labels: Mapping[str, int]
    #: Scores and probabilities in `space.ids` order.
    values: np.ndarray
    probs: np.ndarray
    tags: Mapping[str, tuple[str, ...]]
    #: Undecided rows, best first.
    order: np.ndarray
    by_id: dict[str, float] = field(default_factory=dict)

    @cached_property
    def undecided(self) -> list[str]:
        """The undecided papers' ids, best first."""
        ids = self.space.ids
        return [ids[r] for r in self.order]

    def score(self, paper_id: str) -> float | None:
        """`paper_id`'s score (None: not in the ranking)."""
        return self.by_id.get(paper_id)

    def percentile(self, paper_id: str) -> int | None:
        """`paper_id`'s percentile among the undecided papers (100: the best)."""
        row = self.space.row.get(paper_id)
        if row is None or len(self.order) == 0:
            return None
        below = int(np.sum(self.values[self.order] < self.values[row]))
        return min(100, round(100 * below / len(self.order)))

    @cached_property
    def percentiles(self) -> dict[str, int]:
        """Every scored paper's percentile among the undecided ones (100: the best);
        the list's score column. Computed once per ranking."""
        undecided = np.sort(self.values[self.order])
        if len(undecided) == 0:
            return {}
        below = np.searchsorted(undecided, self.values, side="left")
        pct = np.minimum(100, np.rint(100 * below / len(undecided))).astype(int)
        return dict(zip(self.space.ids, pct.tolist(), strict=True))

    def expected_left(self) -> float:
        """Relevant papers the model expects among the undecided."""
        return float(self.probs[self.order].sum())

    def explain(self, text: PaperText, terms: int = 5) -> Explanation:
        """Why `text`'s paper scores as it does: the terms that push it most each way,
        and the most similar paper already marked relevant."""
        space = self.space
        row_no = space.row[text.id]
        row = space.matrix[row_no]
        names = terms_of(text)
        contributions: dict[int, float] = {}
        coef = self.fitted.coef
        for column, value in zip(row.indices, row.data, strict=True):
            contributions[int(column)] = float(value) * float(coef[column])
        for tag in self.tags.get(text.id, ()):
            column = column_of(f"tag:{tag}")
            names.setdefault(column, f"tag:{tag}")
            contributions[column] = contributions.get(column, 0.0) + TAG_WEIGHT * coef[column]
        # The model uses every word, "of the" included (dropping stop words cost 0.15
        # of WSS@95 on the dev sets); an explanation names only the telling ones.
        told = [(c, w) for c, w in contributions.items() if c in names and is_telling(names[c])]
        ranked = sorted(told, key=lambda kv: (-kv[1], kv[0]))
        up = tuple(TermWeight(_label(names, c), w) for c, w in ranked[:terms] if w > 0)
        down = tuple(TermWeight(_label(names, c), w) for c, w in reversed(ranked[-terms:]) if w < 0)
        similar_id, similarity = self.most_similar_relevant(text.id)
        position = None
        undecided = self.order
        hits = np.flatnonzero(undecided == row_no)
        if len(hits):
            position = int(hits[0]) + 1
        return Explanation(
            paper_id=text.id,
            score=float(self.values[row_no]),
            probability=float(self.probs[row_no]),
            percentile=self.percentile(text.id) or 0,
            position=position,
            up=up,
            down=down,
            similar_id=similar_id,
            similarity=similarity,
            model=self.spec.label,
            relevant=self.fitted.relevant,
            irrelevant=self.fitted.irrelevant,
        )

    @cached_property
    def relevant_rows(self) -> tuple[list[str], csr_matrix]:
        """The papers marked relevant (in `labels` order) and their feature rows,
        unpacked once per ranking: the detail pane asks for the most similar one on
        every cursor move and filter (unpacking them each time was 20-40 ms at 100k)."""
        relevant = [pid for pid, label in self.labels.items() if label]
        return relevant, self.space.matrix[self.space.rows_of(relevant)]

    def most_similar_relevant(self, paper_id: str) -> tuple[str | None, float]:
        """The paper marked relevant most like `paper_id` (not itself), and the cosine."""
        space = self.space
        relevant, rows = self.relevant_rows
        if paper_id not in space.row or not relevant or relevant == [paper_id]:
            return None, 0.0
        # The paper's row as a dense vector: one sparse × dense product, no sparse result.
        row = space.matrix[space.row[paper_id]]
        dense = np.zeros(rows.shape[1], dtype=np.float32)
        dense[row.indices] = row.data
        sims = np.asarray(rows @ dense, dtype=np.float64).ravel()
        if self.labels.get(paper_id):
            sims[relevant.index(paper_id)] = -np.inf
        best = int(np.argmax(sims))
        return relevant[best], float(sims[best])


def is_telling(term: str) -> bool:
    """False for a term made only of stop words ("of the", "we"): true to the model,
    but no reason a person would recognise."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    if term.startswith(("author:", "tag:")):
        return True
    words = term.removeprefix("title:")
    return any(w not in ENGLISH_STOP_WORDS and not w.isdigit() for w in words.split())


def _label(names: Mapping[int, str], column: int) -> str:
    return term_label(names[column])


def _tag_rows(ids: Sequence[str], tags: Mapping[str, tuple[str, ...]]) -> csr_matrix | None:
    """One row per id with its tags' terms (None when no id has a tag)."""
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, pid in enumerate(ids):
        for tag in tags.get(pid, ()):
            rows.append(i)
            cols.append(column_of(f"tag:{tag}"))
    if not rows:
        return None
    data = np.full(len(rows), TAG_WEIGHT, dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(ids), FEATURE_COLUMNS))


class Ranker:
    """Feature rows of one library, kept in step with its papers; fits and scores.

    Not thread-safe by itself: the TUI calls it from one worker at a time (`lock`)."""

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache
        self.space: FeatureSpace | None = None
        self._digests: dict[str, int] = {}
        self.lock = threading.Lock()

    def prepare(
        self,
        papers: Mapping[str, Paper] | Iterable[Paper],
        *,
        progress: Callable[[int, int], None] | None = None,
        save: bool = True,
    ) -> FeatureSpace:
        """The feature space of `papers`: rows from the cache or the last call where the
        texts are unchanged, new rows for the rest (removed papers' rows dropped)."""
        items = list(papers.values()) if isinstance(papers, Mapping) else list(papers)
        texts = [paper_text(p) for p in items]
        digests = {t.id: _digest(t) for t in texts}
        if self.space is None and self.cache is not None:
            self._load_cache()
        space = self.space
        changed = False
        if space is not None:
            keep = [pid for pid in space.ids if digests.get(pid) == self._digests.get(pid, None)]
            if len(keep) != len(space.ids):
                space = _subset(space, keep)
                changed = True
            missing = [t for t in texts if t.id not in space.row]
        else:
            missing = texts
        if missing:
            changed = True
            space = _grown(space, missing, progress)
        self.space = space
        self._digests = {pid: digests[pid] for pid in space.ids}
        if changed and save and self.cache is not None:
            self._save_cache()
        return space

    def rank(
        self,
        triage: Mapping[str, Triage],
        model: str | ModelSpec = DEFAULT_MODEL,
    ) -> Ranking | None:
        """Fit on the decisions in `triage` and score every paper; None until there is
        at least one relevant and one irrelevant decision. The papers still to screen
        are the undecided ones: in the inbox and not starred."""
        space = self.space
        if space is None:
            raise RuntimeError("prepare() the ranker first")
        spec = model if isinstance(model, ModelSpec) else model_named(model)
        labels = {pid: v for pid, v in labels_from_triage(triage).items() if pid in space.row}
        if len(set(labels.values())) < 2:
            return None
        tags = {pid: state.tags for pid, state in triage.items() if state.tags}
        labelled = list(labels)
        fitted = fit(space, labels, spec, extra=_tag_rows(labelled, tags))
        extra = _tag_rows(space.ids, tags) if tags else None
        values, probs = scores_and_probabilities(fitted, space, extra)
        undecided = np.ones(len(space.ids), dtype=bool)
        undecided[space.rows_of(labels)] = False
        cand_rows = np.flatnonzero(undecided)
        order = cand_rows[rank_order(values[cand_rows])]
        # Built a slice at a time: one 100k-entry dict call would hold the GIL for
        # 10-30 ms, a stall of the UI thread's keystrokes while a refit runs behind.
        by_id: dict[str, float] = {}
        for start in range(0, len(space.ids), _BY_ID_SLICE):
            stop = start + _BY_ID_SLICE
            by_id.update(zip(space.ids[start:stop], values[start:stop].tolist(), strict=True))
        # A refit unpacks the rows block by block; glibc would keep the blocks' memory
        # (30-50 MB at 100k papers) as if it were still in use.
        release_memory()
        return Ranking(spec, fitted, space, labels, values, probs, tags, order, by_id)

    # ------------------------------------------------------------------ the cache

    def _load_cache(self) -> None:
        path = self.cache
        if path is None or not path.exists():
            return
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != CACHE_FORMAT or int(data["columns"]) != FEATURE_COLUMNS:
                    return
                ids = [str(x) for x in data["ids"]]
                matrix = PackedRows(
                    data["data"], data["low"], data["bands"], data["indptr"], FEATURE_COLUMNS
                )
                matrix.keep_plain_if_small()
                weighted_at = int(data["weighted_at"])
                # Counts and idf are kept for the columns in use only (see _save_cache).
                used = data["used_columns"]
                doc_counts = np.zeros(FEATURE_COLUMNS, dtype=np.int32)
                doc_counts[used] = data["used_counts"]
                idf = np.full(FEATURE_COLUMNS, np.log1p(weighted_at) + 1.0, dtype=np.float32)
                idf[used] = data["used_idf"]
                self.space = FeatureSpace(
                    ids=ids,
                    matrix=matrix,
                    doc_counts=doc_counts,
                    idf=idf,
                    norms=data["norms"],
                    weighted_at=weighted_at,
                )
                self._digests = dict(zip(ids, (int(d) for d in data["digests"]), strict=True))
        except (OSError, ValueError, KeyError, EOFError):
            # Derived data: a damaged cache is rebuilt, never trusted.
            self.space = None
            self._digests = {}

    def _save_cache(self) -> None:
        path = self.cache
        space = self.space
        if path is None or space is None:
            return
        m = space.matrix
        used = np.flatnonzero(space.doc_counts).astype(np.int32)
        fd, tmp = tempfile.mkstemp(prefix=".rank-", suffix=".npz", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    format=CACHE_FORMAT,
                    columns=FEATURE_COLUMNS,
                    ids=np.array(space.ids, dtype=str),
                    data=m.data,
                    low=m.low,
                    bands=m.bands,
                    indptr=m.indptr,
                    # Most of the 2**20 columns are unused: 8 MB of zeros left out.
                    used_columns=used,
                    used_counts=space.doc_counts[used],
                    used_idf=space.idf[used],
                    norms=space.norms,
                    weighted_at=space.weighted_at,
                    digests=np.array([self._digests[i] for i in space.ids], dtype=np.uint64),
                )
            os.replace(tmp, path)
        except OSError:
            # The cache only saves time; a full disk must not break ranking.
            Path(tmp).unlink(missing_ok=True)


def _packed_subset(rows: PackedRows, picked: np.ndarray) -> PackedRows:
    subset = rows.select(picked)
    subset.keep_plain_if_small()
    return subset


def _subset(space: FeatureSpace, keep: Sequence[str]) -> FeatureSpace:
    rows = space.rows_of(keep)
    return FeatureSpace(
        ids=list(keep),
        matrix=_packed_subset(space.matrix, rows),
        doc_counts=space.doc_counts,
        idf=space.idf,
        norms=space.norms[rows],
        weighted_at=space.weighted_at,
    )


def _grown(
    space: FeatureSpace | None,
    texts: Sequence[PaperText],
    progress: Callable[[int, int], None] | None,
) -> FeatureSpace:
    if space is None:
        built = build_space(texts, progress=progress, batch=BUILD_BATCH)
        # The build's raw batches are freed; glibc would keep holding them (~100 MB at
        # 100k papers) for the app's whole session.
        release_memory()
        return built
    total = len(texts)
    for start in range(0, total, EXTEND_BATCH):
        space.extend(texts[start : start + EXTEND_BATCH])
        if progress is not None:
            progress(min(total, start + EXTEND_BATCH), total)
    return space


def screening_progress(
    papers: Mapping[str, Paper],
    triage: Mapping[str, Triage],
    ranking: Ranking | None,
    rule: StopRule = DEFAULT_STOP,
) -> Progress:
    """Where the screening of `papers` stands: decisions in the order they were made
    (each paper's last change), the inbox left, the model's expectation for it."""
    labels = [v for pid, v in labels_from_triage(triage).items() if pid in papers]
    expected = None
    if ranking is not None:
        expected = ranking.expected_left()
    return progress(labels, len(papers), expected_left=expected, rule=rule)


def explain_for(
    ranking: Ranking | None, entry: Entry, papers: Mapping[str, Paper]
) -> tuple[Explanation | None, str | None]:
    """`ranking`'s explanation of an undecided paper, and the title of its most similar
    relevant paper: (None, None) without a ranking, for a decided paper, or one the
    ranking has no row for (added since it was fitted)."""
    if ranking is None or entry.id not in ranking.space.row:
        return None, None
    state = entry.triage
    if state.starred or state.status != "inbox":
        return None, None
    why = ranking.explain(paper_text(entry.paper))
    similar = papers.get(why.similar_id) if why.similar_id else None
    return why, similar.title if similar is not None else None
