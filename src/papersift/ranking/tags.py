"""Tag suggestions: the tags of the papers this one most resembles.

A nearest-neighbour vote over the ranking's features: the tagged papers most similar
to the paper (cosine of their TF-IDF rows) each vote for their tags with their
similarity, and the tags with the most weight, not on the paper yet, are proposed.
The ranking's feature space is used when it has every row; otherwise a small one is
built from just the tagged papers and this one (a few milliseconds for hundreds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from papersift.ranking.features import FeatureSpace, PaperText, build_space

__all__ = ["TagSuggestion", "suggest_tags"]

#: Tagged papers that vote.
NEIGHBOURS = 15
#: At most this many tagged papers are compared when a space must be built for it.
MAX_TAGGED = 3000


@dataclass(frozen=True, slots=True)
class TagSuggestion:
    """A proposed tag, with the summed similarity of the papers that carry it."""

    tag: str
    weight: float
    #: How many of the neighbours carry it.
    papers: int


def suggest_tags(
    target: PaperText,
    tagged: Sequence[tuple[PaperText, tuple[str, ...]]],
    *,
    space: FeatureSpace | None = None,
    limit: int = 5,
) -> list[TagSuggestion]:
    """Tags for `target` from the `tagged` papers (text, tags) it is most like.

    Tags `target` already has (in `tagged`, if it is there) are not proposed."""
    own = {t.casefold() for text, tags in tagged if text.id == target.id for t in tags}
    others = [(text, tags) for text, tags in tagged if text.id != target.id and tags]
    if not others:
        return []
    others = others[-MAX_TAGGED:]
    ids = [target.id, *(text.id for text, _ in others)]
    if space is None or any(pid not in space.row for pid in ids):
        space = build_space([target, *(text for text, _ in others)])
    rows = space.rows_of(ids)
    matrix = space.matrix[rows]
    sims = np.asarray((matrix[1:] @ matrix[0].T).todense()).ravel()
    best = np.argsort(-sims, kind="stable")[:NEIGHBOURS]
    weights: dict[str, float] = {}
    counts: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for i in best:
        similarity = float(sims[i])
        if similarity <= 0:
            break
        for tag in others[int(i)][1]:
            key = tag.casefold()
            if key in own:
                continue
            spelled.setdefault(key, tag)
            weights[key] = weights.get(key, 0.0) + similarity
            counts[key] = counts.get(key, 0) + 1
    ranked = sorted(weights, key=lambda k: (-weights[k], k))[:limit]
    return [TagSuggestion(spelled[k], weights[k], counts[k]) for k in ranked]


def tagged_texts(
    papers: Mapping[str, object], tags: Mapping[str, tuple[str, ...]]
) -> list[tuple[PaperText, tuple[str, ...]]]:
    """(text, tags) of every tagged paper in `papers` (for `suggest_tags`)."""
    from papersift.ranking.ranker import paper_text

    out = []
    for pid, paper_tags in tags.items():
        paper = papers.get(pid)
        if paper is not None and paper_tags:
            out.append((paper_text(paper), tuple(paper_tags)))  # type: ignore[arg-type]
    return out
