"""What exploration picks cost and buy in a screening, measured on labelled review sets.

    python benchmarks/explore.py                               # every set, kind, share
    python benchmarks/explore.py --sets Kitchenham_2010 --kinds unsure --shares 0.1
    python benchmarks/explore.py --seeds 0,1 --json out.json

Each run is the real CLI, one at a time: `papersift rank simulate FILE --seed S
--explore F --explore-kind K --stop-when-all-found --order-out ORDER` (the priors are
the CLI's default: one included and one excluded record drawn with the seed). The
order is scored for

- the cost: WSS@95 and recall after 10% screened (`papersift.ranking.metrics`, priors
  left out);
- what exploration buys, two ways, both over the included records only:
  - topics: the included records are clustered into `--topics` groups (k-means over
    TF-IDF of title + abstract, fixed seed, the same clusters for every run of a set);
    "topics@10%" counts the groups with a record found within 10% screened (the prior's
    group counts as found), "all topics" is the share screened when the last group is
    reached;
  - far: the half of the included records least similar (cosine, same TF-IDF) to the
    prior included record; "far@10%" is the share of them found within 10% screened.

The three sets come from the ASReview project's systematic-review-datasets collection:
Nagtegaal_2019 (CC0; Nagtegaal et al. 2019, J. Behav. Public Adm., doi:10.30636/jbpa.22.71),
Bannach-Brown_2019 (CC-BY 4.0; Bannach-Brown et al. 2019, Syst. Rev.,
doi:10.1186/s13643-019-0942-7) and Kitchenham_2010 (CC-BY 4.0; Kitchenham et al. 2010 via
the Hall/Wahono/Radjenovic/Kitchenham collection, zenodo 1162952).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from papersift.ranking.metrics import recall_at, wss_at
from papersift.ranking.screening import EXPLORE_KINDS
from papersift.readers.review_csv import ReviewRecord, read_review_csv

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_SCREENING = REPO.parent / "shared" / "screening"
SETS = ("Nagtegaal_2019", "Bannach-Brown_2019", "Kitchenham_2010")


@dataclass(frozen=True)
class Topics:
    """The included records of a set: their topic group and their TF-IDF rows."""

    group: dict[str, int]
    rows: dict[str, np.ndarray]


def topics_of(records: list[ReviewRecord], k: int) -> Topics:
    """Cluster the included records into `k` groups (deterministic)."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    included = [r for r in records if r.label == 1]
    texts = [f"{r.title} {r.abstract}" for r in records]
    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=2)
    matrix = vec.fit_transform(texts)
    index = {r.record_id: i for i, r in enumerate(records)}
    inc_rows = matrix[[index[r.record_id] for r in included]]
    km = KMeans(n_clusters=min(k, len(included)), n_init=10, random_state=0)
    groups = km.fit_predict(inc_rows)
    return Topics(
        {r.record_id: int(g) for r, g in zip(included, groups, strict=True)},
        {r.record_id: inc_rows[i].toarray().ravel() for i, r in enumerate(included)},
    )


def benefit(order: list[str], prior_in: str, topics: Topics, share: float) -> dict[str, float]:
    """Topics reached and far records found within `share` of `order` screened."""
    cut = round(share * len(order))
    reached = {topics.group[prior_in]}
    all_at = None
    groups = set(topics.group.values())
    for i, rid in enumerate(order, start=1):
        if rid in topics.group:
            reached.add(topics.group[rid])
            if reached == groups and all_at is None:
                all_at = i / len(order)
        if i == cut:
            at_cut = len(reached)
    base = topics.rows[prior_in]
    others = [rid for rid in topics.group if rid != prior_in]
    sims = {rid: float(topics.rows[rid] @ base) for rid in others}
    far = set(sorted(others, key=lambda rid: (sims[rid], rid))[: len(others) // 2])
    found_far = sum(1 for rid in order[:cut] if rid in far)
    return {
        "topics@10%": at_cut,
        "all_topics_at": all_at if all_at is not None else 1.0,
        "far@10%": found_far / len(far) if far else 1.0,
    }


def run_one(csv_path: Path, seed: int, share: float, kind: str, work: Path) -> dict:
    """One `papersift rank simulate` run and its scores."""
    order_file = work / f"{csv_path.stem}-{kind}-{share}-{seed}.txt"
    cmd = [sys.executable, "-m", "papersift", "rank", "simulate", str(csv_path)]
    cmd += ["--seed", str(seed), "--explore", str(share), "--explore-kind", kind]
    cmd += ["--stop-when-all-found", "--quiet", "--json", "--order-out", str(order_file)]
    start = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds = time.monotonic() - start
    metrics = json.loads(done.stdout)
    return {"metrics": metrics, "order": order_file.read_text().split(), "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    """Run the grid and print one table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--screening", type=Path, default=DEFAULT_SCREENING)
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--kinds", default=",".join(k.name for k in EXPLORE_KINDS))
    ap.add_argument("--shares", default="0.05,0.1")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--topics", type=int, default=6)
    ap.add_argument("--json", type=Path)
    opts = ap.parse_args(argv)
    shares = [float(s) for s in opts.shares.split(",")]
    seeds = [int(s) for s in opts.seeds.split(",")]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in opts.sets.split(","):
            csv_path = opts.screening / f"{name}.csv"
            records = read_review_csv(csv_path)
            labels = {r.record_id: int(r.label or 0) for r in records}
            topics = topics_of(records, opts.topics)
            grid = [(0.0, "none")] + [(f, k) for k in opts.kinds.split(",") for f in shares]
            for seed in seeds:
                for share, kind in grid:
                    got = run_one(
                        csv_path, seed, share, "unsure" if kind == "none" else kind, Path(tmp)
                    )
                    priors = got["metrics"]["priors"]
                    prior_in = next(p for p in priors if labels[p] == 1)
                    order = [rid for rid in got["order"] if rid not in priors]
                    ordered = [labels[rid] for rid in order]
                    row = {
                        "set": name,
                        "seed": seed,
                        "kind": kind,
                        "share": share,
                        "wss@95": wss_at(ordered, 0.95),
                        "recall@10%": recall_at(ordered, 0.10),
                        **benefit(order, prior_in, topics, 0.10),
                        "seconds": round(got["seconds"], 1),
                    }
                    runs.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
    print(table(runs))
    if opts.json:
        opts.json.write_text(json.dumps(runs, indent=2))
    return 0


def table(runs: list[dict]) -> str:
    """Mean over seeds, one line per set, kind and share."""
    keys = ("wss@95", "recall@10%", "topics@10%", "all_topics_at", "far@10%")
    lines = [f"{'set':<20}{'kind':<10}{'share':>6}" + "".join(f"{k:>15}" for k in keys)]
    seen: dict[tuple, list[dict]] = {}
    for row in runs:
        seen.setdefault((row["set"], row["kind"], row["share"]), []).append(row)
    for (name, kind, share), rows in seen.items():
        cells = "".join(f"{statistics.mean(r[k] for r in rows):>15.3f}" for k in keys)
        lines.append(f"{name:<20}{kind:<10}{share:>6}" + cells)
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
