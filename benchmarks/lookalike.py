"""The possible-duplicates queue on look-alike titles (issue #13 item 7).

A listing full of papers whose titles differ only in a number or a word, as series,
versions and model families do: "… Part 1" / "… Part 2", "… (v2)", "… Lite-4919",
"… for German" / "… for French". Siblings are different papers, with abstracts of
their own; a third of the series share their abstract's opening sentence (a template,
as model cards and multi-part reports have). About 10 % of the records are real
near-duplicates of an earlier paper: most made as `generate.variant` makes them, the
rest re-titled (a word dropped, two swapped) with the abstract cut, which dedupe cannot
be sure of: the queue's real duplicates.

`evaluate` imports the listing with the real importer into an empty library and scores
what dedupe did against the ground truth: merges (precision, recall) and the queue of
possible duplicates (how many pairs, how many of them real duplicates, and the recall
of real duplicates over merges + queue).

    python benchmarks/lookalike.py 10k [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import (  # noqa: E402
    Paper,
    Pools,
    _abstract,
    _truncate,
    load_pools,
    original,
    parse_size,
    variant,
)

DUPLICATE_RATE = 0.30
#: Share of series whose members open their abstracts with the same sentence.
TEMPLATE_RATE = 0.33
_LANGUAGES = ["German", "French", "Hindi", "Swahili", "Korean", "Arabic", "Finnish"]


@dataclass(frozen=True)
class Record:
    title: str
    abstract: str
    paper: int  # ground truth: records with one number are one paper


def _series_titles(base: str, n: int, rng: random.Random) -> list[str]:
    kind = rng.randrange(5)
    if kind == 0:
        return [f"{base}, Part {k}" for k in range(1, n + 1)]
    if kind == 1:
        return [base] + [f"{base} (v{k})" for k in range(2, n + 1)]
    if kind == 2:
        return [f"{base} Lite-{rng.randrange(1000, 9999)}" for _ in range(n)]
    if kind == 3:
        return [f"{base} for {lang}" for lang in rng.sample(_LANGUAGES, n)]
    return [f"{base} {k}" for k in range(1, n + 1)]


def _series_abstracts(n: int, rng: random.Random, pools: Pools) -> list[str]:
    abstracts = [_abstract(rng, pools) for _ in range(n)]
    if rng.random() < TEMPLATE_RATE:
        opening = rng.choice(pools.sentences)
        abstracts = [f"{opening} {a}" for a in abstracts]
    return abstracts


def generate(size: int, seed: int) -> list[Record]:
    """`size` records: look-alike series of distinct papers plus real near-duplicates."""
    pools = load_pools()
    master = random.Random(seed)
    records: list[Record] = []
    papers = 0
    index = 0
    while len(records) < size:
        if records and master.random() < DUPLICATE_RATE:
            source = master.choice(records)
            rng = random.Random(master.random())
            if rng.random() < 0.3:
                # Re-titled by another listing (a word dropped, two swapped), abstract
                # cut: a real duplicate dedupe cannot be sure of.
                words = source.title.split()
                # (Never the series' number: no listing drops the "2" of "Part 2".)
                plain = [i for i, w in enumerate(words) if not any(c.isdigit() for c in w)]
                if len(words) > 4 and plain:
                    del words[rng.choice(plain)]
                    k = rng.randrange(len(words) - 1)
                    words[k], words[k + 1] = words[k + 1], words[k]
                title, abstract = " ".join(words), _truncate(source.abstract, rng)
            else:
                dup, _kinds = variant(Paper(title=source.title, abstract=source.abstract), rng)
                title, abstract = dup.title, dup.abstract
            records.append(Record(title, abstract, source.paper))
            continue
        base = original(seed, index, pools)
        index += 1
        rng = random.Random(master.random())
        n = rng.randint(2, 4)
        titles = _series_titles(base.title.split(": ")[-1], n, rng)
        for title, abstract in zip(titles, _series_abstracts(n, rng, pools), strict=True):
            records.append(Record(title, abstract, papers))
            papers += 1
    return records[:size]


def write_listing(records: list[Record], path: Path) -> None:
    """The records as a scraped listing (blank-line layout)."""
    body = "".join(f"{r.title}\n{r.abstract}\n\n" for r in records)
    path.write_text("Daily Papers\n\n" + body, encoding="utf-8")


def evaluate(size: int, seed: int) -> dict[str, Any]:
    """Import a look-alike listing and score dedupe's merges and queue."""
    from papersift.importer import import_files
    from papersift.store import Library

    records = generate(size, seed)
    truth_pairs = {
        frozenset((i, j)) for group in _groups(records).values() for i, j in combinations(group, 2)
    }
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "lookalike.txt"
        write_listing(records, listing)
        library = Library(Path(tmp) / "library")
        started = time.perf_counter()
        (report,) = import_files(library, [listing])
        seconds = time.perf_counter() - started
        # Which records each paper holds, by the listing's record index.
        members: dict[str, list[int]] = {}
        for pid, paper in library.papers.items():
            members[pid] = [s.index for s in paper.sources]
        queued = library.open_possible()
        merged_pairs = {frozenset(p) for m in members.values() for p in combinations(m, 2)}
        queue_pairs = []
        for pd in queued:
            queue_pairs.append((members[pd.a], members[pd.b]))
        library.close()
    real_in_queue = sum(
        1 for a, b in queue_pairs if any(frozenset((x, y)) in truth_pairs for x in a for y in b)
    )
    found = merged_pairs | {frozenset((x, y)) for a, b in queue_pairs for x in a for y in b}
    return {
        "records": size,
        "seed": seed,
        "distinct_papers": len(_groups(records)),
        "import_s": round(seconds, 2),
        "read": report.read,
        "merged_pairs": len(merged_pairs),
        "merge_precision": _ratio(len(merged_pairs & truth_pairs), len(merged_pairs)),
        "merge_recall": _ratio(len(merged_pairs & truth_pairs), len(truth_pairs)),
        "queued": len(queue_pairs),
        "queued_real": real_in_queue,
        "queue_precision": _ratio(real_in_queue, len(queue_pairs)),
        "recall": _ratio(len(found & truth_pairs), len(truth_pairs)),
    }


def _groups(records: list[Record]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(r.paper, []).append(i)
    return {k: v for k, v in groups.items() if v}


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", type=parse_size, nargs="?", default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(evaluate(args.size, args.seed), indent=2))


if __name__ == "__main__":
    main()
