"""The relevance model: learnt from the papers the user marked, linear over the features.

Every model in `MODELS` ends as one weight per feature column plus an intercept, so a
paper's score is its row's dot product with the weights, scoring a 100k library is
one sparse product, and *why* a paper scores high is exact: the terms whose
weight × value contribute most (`explain.py`).

Training sees only the labelled rows, and only the columns their terms use (a few
thousand of the 2**20 hashed ones): fitting after a decision takes milliseconds.
Relevant papers are weighted up as ASReview's "balanced" sample weights do (all
relevant together weigh `balance` times all irrelevant together), because in a real
inbox the relevant are few. The default model also trains on 100 unlabelled papers
drawn at random as weak irrelevant examples (Cormack and Grossman's AutoTAR): most of
an inbox is irrelevant. On the dev sets this raised recall@10% and recall@25% by about
0.01 on average, most where relevant papers are rare (Kitchenham_2010: WSS@95 0.683 →
0.705). Probabilities come from a logistic regression fitted on the decisions alone
with the weighting undone, so they can be summed into an estimate of how many
relevant papers are left.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from papersift.models import PapersiftError
from papersift.ranking.settings import DEFAULT_MODEL, MODELS, ModelSpec, model_named

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from papersift.ranking.features import FeatureSpace

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Fitted",
    "ModelSpec",
    "fit",
    "model_named",
    "probabilities",
    "scores",
]


@dataclass(frozen=True)
class Fitted:
    """A model fitted on some decisions: one weight per column and an intercept."""

    spec: ModelSpec
    coef: np.ndarray
    intercept: float
    #: The logistic regression's weights for probabilities (weighting undone).
    prob_coef: np.ndarray
    prob_intercept: float
    relevant: int
    irrelevant: int


def _sample_weights(y: np.ndarray, balance: float) -> np.ndarray:
    n1 = int(y.sum())
    n0 = len(y) - n1
    weights = np.where(y == 1, 1.0, n1 / (balance * n0))
    return weights * (len(y) / weights.sum())


def _used_columns(indices: np.ndarray) -> np.ndarray:
    """The distinct column numbers in `indices`, ascending.

    Not `np.unique`: from NumPy 2.3 it hashes, which on these arrays (10^5 entries,
    values up to 2**20) is 25x slower than sorting, and a fit calls this every decision."""
    ordered = np.sort(indices)
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _pseudo_rows(n: int, labelled: np.ndarray, k: int) -> np.ndarray:
    """Up to `k` rows of an `n`-row space outside `labelled` (at most a fifth of them),
    drawn afresh for each fit and the same for the same decisions (seeded by their
    number), ascending."""
    free = np.ones(n, dtype=bool)
    free[labelled] = False
    candidates = np.flatnonzero(free)
    k = min(k, len(candidates) // 5)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    rng = np.random.default_rng(len(labelled))
    return np.sort(rng.choice(candidates, k, replace=False))


def _linear_part(
    kind: str,
    spec: ModelSpec,
    x: csr_matrix,
    y: np.ndarray,
    w: np.ndarray,
    c: float | None = None,
):
    """(coef, intercept) of one classifier fitted on (x, y, w); `c` overrides the
    logistic regression's C."""
    if kind == "svm":
        from sklearn.svm import LinearSVC

        clf = LinearSVC(C=spec.svm_c, dual=True, max_iter=5000, random_state=0)
        clf.fit(x, y, sample_weight=w)
        return clf.coef_.ravel(), float(clf.intercept_[0])
    if kind == "lr":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=spec.lr_c if c is None else c, solver="liblinear", max_iter=1000)
        clf.fit(x, y, sample_weight=w)
        return clf.coef_.ravel(), float(clf.intercept_[0])
    if kind == "nb":
        from sklearn.naive_bayes import MultinomialNB

        clf = MultinomialNB(alpha=spec.nb_alpha)
        clf.fit(x, y, sample_weight=w)
        log_prob = clf.feature_log_prob_
        prior = clf.class_log_prior_
        return log_prob[1] - log_prob[0], float(prior[1] - prior[0])
    raise ValueError(f"unknown classifier {kind!r}")


def fit(
    space: FeatureSpace,
    labels: Mapping[str, int],
    spec: ModelSpec,
    *,
    extra: csr_matrix | None = None,
    with_probabilities: bool = True,
) -> Fitted:
    """Fit `spec` on `labels` (paper id → 1 relevant / 0 irrelevant).

    `extra` is added to the labelled papers' rows (the user's tags, which change as they
    are edited and so are not kept in the space): a matrix with one row per label, in
    `labels` order. Needs at least one relevant and one irrelevant label. Without
    `with_probabilities` (a simulation needs only the order) `probabilities` are 0.5.
    """
    ids = list(labels)
    y = np.fromiter((1 if labels[i] else 0 for i in ids), dtype=np.int8, count=len(ids))
    n1 = int(y.sum())
    if n1 == 0 or n1 == len(y):
        raise PapersiftError("ranking needs at least one relevant and one irrelevant paper")
    rows = space.rows_of(ids)
    x = space.matrix[rows]
    if extra is not None:
        x = (x + extra).tocsr()
    pseudo = _pseudo_rows(len(space), rows, spec.pseudo_negatives)
    if len(pseudo):
        from scipy.sparse import vstack

        x = vstack([x, space.matrix[pseudo]], format="csr")
    # Only the columns the training rows use can get a weight: fit on those alone.
    columns = _used_columns(x.indices)
    x = x[:, columns]
    w = _sample_weights(y, spec.balance)
    # The decisions' rows come first; the pseudo-negatives join the irrelevant side
    # after the balancing, so all relevant together keep their weight.
    x_train, y_train, w_train = x, y, w
    if len(pseudo):
        w0 = float(w[y == 0][0])
        y_train = np.concatenate([y, np.zeros(len(pseudo), dtype=np.int8)])
        w_train = np.concatenate([w, np.full(len(pseudo), w0 * spec.pseudo_weight)])
        x = x[: len(ids)]
    coefs = []
    intercept = 0.0
    for kind in spec.parts:
        coef, icept = _linear_part(kind, spec, x_train, y_train, w_train)
        if len(spec.parts) > 1:
            # Parts are averaged on a common scale: each one's scores over the labelled
            # papers, standardised.
            spread = float(np.std(x @ coef)) or 1.0
            coef, icept = coef / spread, icept / spread
        coefs.append(coef)
        intercept += icept
    coef_small = np.mean(coefs, axis=0)
    intercept /= len(spec.parts)
    full = space.matrix.shape[1]
    # float32 like the rows: a float64 vector would make SciPy copy the whole matrix to
    # float64 for every product (27 ms of the 30 ms of a rescore at 10k papers).
    coef_full = np.zeros(full, dtype=np.float32)
    coef_full[columns] = coef_small
    prob_full = np.zeros(full, dtype=np.float32)
    prob_icept = 0.0
    if with_probabilities:
        prob_small, prob_icept = _linear_part("lr", spec, x, y, w, c=spec.prob_c)
        # The sample weights multiplied the relevant class's odds by w1/w0: undo that.
        w1, w0 = float(w[y == 1][0]), float(w[y == 0][0])
        prob_icept -= math.log(w1 / w0)
        prob_full[columns] = prob_small
    return Fitted(spec, coef_full, intercept, prob_full, prob_icept, n1, len(ids) - n1)


def scores(fitted: Fitted, space: FeatureSpace, extra: csr_matrix | None = None) -> np.ndarray:
    """Every row's score (higher: more likely relevant), in `space.ids` order.

    `extra` (rows × columns, like the space) adds the user's tags' terms."""
    result = space.matrix @ fitted.coef
    if extra is not None:
        result = result + extra @ fitted.coef
    return np.asarray(result, dtype=np.float64) + fitted.intercept


def probabilities(
    fitted: Fitted, space: FeatureSpace, extra: csr_matrix | None = None
) -> np.ndarray:
    """Every row's probability of being relevant, in `space.ids` order."""
    logits = space.matrix @ fitted.prob_coef
    if extra is not None:
        logits = logits + extra @ fitted.prob_coef
    return 1.0 / (1.0 + np.exp(-(np.asarray(logits, dtype=np.float64) + fitted.prob_intercept)))


def scores_and_probabilities(
    fitted: Fitted, space: FeatureSpace, extra: csr_matrix | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """`scores` and `probabilities` in one pass over the rows (at 100k papers each pass
    unpacks 31M entries)."""
    raw, raw_logits = space.matrix.products([fitted.coef, fitted.prob_coef])
    if extra is not None:
        raw = raw + extra @ fitted.coef
        raw_logits = raw_logits + extra @ fitted.prob_coef
    values = np.asarray(raw, dtype=np.float64) + fitted.intercept
    logits = np.asarray(raw_logits, dtype=np.float64) + fitted.prob_intercept
    return values, 1.0 / (1.0 + np.exp(-logits))


def rank_order(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Row numbers from the highest score down; ties keep row order (deterministic)."""
    arr = np.asarray(values)
    return np.lexsort((np.arange(len(arr)), -arr))
