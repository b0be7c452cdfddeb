"""Postings: for each token, the slots (paper numbers) of the papers that contain it.

A bulk build makes them all at once as numpy arrays (`bulk_postings`); a later change
to one paper turns the arrays it touches into growable `array`s (`growable`).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from itertools import count

import numpy as np

__all__ = [
    "POSTING_DTYPE",
    "PROGRESS_STEP",
    "Posting",
    "bulk_postings",
    "growable",
    "slots_of",
]

#: The dtype of a posting's slots: that of `array("I")`, so both kinds share buffers.
POSTING_DTYPE = np.dtype(f"u{array('I').itemsize}")
#: A token's slots: a numpy array from the bulk build, an `array` once changed.
Posting = np.ndarray | array
#: Papers between two progress reports of a build.
PROGRESS_STEP = 2048

#: Elements (and papers) per step of `bulk_postings`'s array arithmetic: temporaries
#: of a few MB instead of the whole 13M-element arrays of 100k papers, at the same speed.
_KEY_CHUNK = 1 << 20
_KEY_CHUNK_SLOTS = 8192


def growable(postings: dict[str, Posting], tok: str, posting: Posting) -> array:
    """`posting`, turned into an `array` (and stored back) if it is a numpy array."""
    if isinstance(posting, array):
        return posting
    grown = array("I", posting.astype(POSTING_DTYPE, copy=False).tobytes())
    postings[tok] = grown
    return grown


def slots_of(postings: Sequence[Posting | set[int]]) -> np.ndarray:
    """All slots in `postings` as one index array (duplicates are harmless)."""
    parts = [
        p
        if isinstance(p, np.ndarray)
        else np.frombuffer(p, dtype=POSTING_DTYPE)
        if isinstance(p, array)
        else np.fromiter(p, dtype=POSTING_DTYPE, count=len(p))
        for p in postings
    ]
    # concatenate copies, so no view keeps a buffer export on an array that a later
    # update may resize.
    return np.concatenate(parts) if parts else np.zeros(0, dtype=POSTING_DTYPE)


def bulk_postings(
    texts: Sequence[str],
    tokenize: Callable[[str], list[str]],
    report: Callable[[float], None] | None = None,
) -> dict[str, np.ndarray]:
    """{token: ascending slot array} of texts[slot], all at once.

    Each text's distinct tokens are numbered by a counter as they are met (a token
    keeps the number of its first sighting, so numbers grow in first-seen order, the
    dict's order); one stable sort of the numbers then groups the slots by token.
    `report(fraction done)` is called every `PROGRESS_STEP` texts.
    """
    code_of: dict[str, int] = {}
    number = code_of.setdefault
    counter = count()
    codes = array("q")
    sizes = array("q")
    for n, text in enumerate(texts, 1):
        toks = set(tokenize(text))
        codes.extend(map(number, toks, counter))
        sizes.append(len(toks))
        if report is not None and not n % PROGRESS_STEP:
            report(n / len(texts))
    if not codes:
        return {}
    # One key per (token, slot), sorted in place: several times faster than a stable
    # argsort of the token numbers, and slots come out ascending within a token.
    # At 100k papers these are 13M-element arrays (100 MB each as int64): the keys are
    # made in the codes' own buffer, and every temporary is one chunk's, not whole.
    n = max(len(sizes), 1)
    keys = np.frombuffer(codes, dtype=np.int64)  # a view: codes' memory, writable
    keys *= n
    sizes_arr = np.frombuffer(sizes, dtype=np.int64)
    ends = np.cumsum(sizes_arr)
    for first in range(0, len(sizes_arr), _KEY_CHUNK_SLOTS):
        last = min(first + _KEY_CHUNK_SLOTS, len(sizes_arr))
        start = int(ends[first - 1]) if first else 0
        keys[start : int(ends[last - 1])] += np.repeat(
            np.arange(first, last, dtype=np.int64), sizes_arr[first:last]
        )
    keys.sort()
    slots = np.empty(len(keys), dtype=POSTING_DTYPE)
    for start in range(0, len(keys), _KEY_CHUNK):
        part = keys[start : start + _KEY_CHUNK]
        slots[start : start + len(part)] = part % n
        np.floor_divide(part, n, out=part)
    starts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    del keys, codes
    return dict(zip(code_of, np.split(slots, starts), strict=True))
