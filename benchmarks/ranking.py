"""papersift's ranking against ASReview LAB's, side by side, on labelled review sets.

    python benchmarks/ranking.py                          # 5 seeds, every set, both tools
    python benchmarks/ranking.py --seeds 2 --sets Kitchenham_2010
    python benchmarks/ranking.py --papersift-models default,svm,lr --tools papersift

For each set in the screening folder (default `../shared/screening` beside the repo) and
each seed, the priors are one included and one excluded record drawn exactly as
`asreview simulate --n-prior-included 1 --n-prior-excluded 1 --prior-seed SEED` draws
them (numpy's RandomState(seed).choice over the included rows, then again over the
excluded rows). Both tools get those same records as priors and SEED as their model seed:

- ASReview LAB 3.0.8, `asreview simulate` with its default model (`--ai elas_u4`:
  TF-IDF 1-2-grams, sublinear tf, max_df 0.95; linear SVM, squared hinge, C=0.11;
  "balanced" sample weights, ratio 9.8; max querier), in a venv of its own created once
  under ~/.cache/papersift-bench/asreview-venv (never a papersift dependency). The order
  is read from the project file it writes (`results.db` inside the .asreview zip).
- `papersift rank simulate FILE --prior-included ID --prior-excluded ID --seed SEED
  --order-out ORDER` (and `--model NAME` for each of `--papersift-models`).

Both stop asking once every relevant record is found (ASReview's default stopper; the
order papersift writes). The records left are irrelevant, so they are appended in file
order: no metric depends on their order. Both orders are scored by
`papersift.ranking.metrics` (WSS@95, recall after 10% and 25% screened, priors left out).
The table shows mean ± sd over the seeds and the wall time per run; the JSON
(benchmarks/results/ranking-<time>.json, or --json) has every run.

The three sets come from the ASReview project's systematic-review-datasets collection:
Nagtegaal_2019 (CC0; Nagtegaal et al. 2019, J. Behav. Public Adm., doi:10.30636/jbpa.22.71),
Bannach-Brown_2019 (CC-BY 4.0; Bannach-Brown et al. 2019, Syst. Rev.,
doi:10.1186/s13643-019-0942-7) and Kitchenham_2010 (CC-BY 4.0; Kitchenham et al. 2010 via
the Hall/Wahono/Radjenovic/Kitchenham collection, zenodo 1162952).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from papersift.ranking.metrics import recall_at, wss_at
from papersift.readers.review_csv import ReviewRecord, read_review_csv

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
DEFAULT_SCREENING = REPO.parent / "shared" / "screening"
DEFAULT_VENV = Path.home() / ".cache" / "papersift-bench" / "asreview-venv"
ASREVIEW_VERSION = "3.0.8"
#: Written into the venv once asreview is installed: a venv without it is incomplete.
VENV_MARKER = f".papersift-asreview-{ASREVIEW_VERSION}"
ATTRIBUTION = (
    "Sets: ASReview systematic-review-datasets. Nagtegaal_2019: CC0, Nagtegaal et al. 2019, "
    "J. Behav. Public Adm., doi:10.30636/jbpa.22.71. Bannach-Brown_2019: CC-BY 4.0, "
    "Bannach-Brown et al. 2019, Syst. Rev., doi:10.1186/s13643-019-0942-7. Kitchenham_2010: "
    "CC-BY 4.0, Kitchenham et al. 2010 via the Hall/Wahono/Radjenovic/Kitchenham "
    "collection, zenodo 1162952."
)
METRICS = (("wss@95", "WSS@95"), ("recall@10", "recall@10%"), ("recall@25", "recall@25%"))


@dataclass(frozen=True)
class Priors:
    """The starting decisions of one run: row numbers (0 = first record) and record ids."""

    included_row: int
    excluded_row: int
    included_id: str
    excluded_id: str

    @property
    def rows(self) -> tuple[int, int]:
        return (self.included_row, self.excluded_row)

    @property
    def ids(self) -> tuple[str, str]:
        return (self.included_id, self.excluded_id)


def choose_priors(records: Sequence[ReviewRecord], seed: int) -> Priors:
    """One included and one excluded record, as `asreview simulate --n-prior-included 1
    --n-prior-excluded 1 --prior-seed SEED` picks them (asreview/simulation/cli.py)."""
    import numpy as np

    labels = np.array([-1 if r.label is None else r.label for r in records])
    included = np.where(labels == 1)[0]
    excluded = np.where(labels == 0)[0]
    if not len(included) or not len(excluded):
        raise ValueError("a set needs at least one included and one excluded record")
    inc = int(np.random.RandomState(seed).choice(included, 1, replace=False)[0])
    exc = int(np.random.RandomState(seed).choice(excluded, 1, replace=False)[0])
    return Priors(inc, exc, records[inc].record_id, records[exc].record_id)


def asreview_order(project: Path) -> list[tuple[int, str]]:
    """(row number, title) of every record an `asreview simulate -o` project labelled,
    in the order it labelled them (priors first, as it stores them)."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(project) as archive:
        db_path = Path(archive.extract("results.db", tmp))
        db = sqlite3.connect(db_path)
        try:
            rows = db.execute(
                "SELECT record.dataset_row, record.title FROM results "
                "JOIN record ON record.record_id = results.record_id ORDER BY results.rowid"
            ).fetchall()
        finally:
            db.close()
    return [(int(row), str(title or "")) for row, title in rows]


def complete_order(
    screened: Sequence[str], records: Sequence[ReviewRecord], priors: Priors
) -> tuple[list[int], int]:
    """The labels in screening order, priors left out, every record once: the records
    a tool did not screen (it stops once all relevant ones are found) follow in file
    order. Returns the labels and how many records the tool's order held (papersift's
    lists every record, asreview's ends at the last relevant). `ValueError` if the tool
    screened a record twice, an unknown one, or stopped with relevant ones unscreened."""
    label_of = {r.record_id: r.label for r in records}
    order = [rid for rid in screened if rid not in priors.ids]
    if len(set(order)) != len(order):
        raise ValueError("a record was screened twice")
    unknown = [rid for rid in order if rid not in label_of]
    if unknown:
        raise ValueError(f"unknown record ids in the order: {unknown[:5]}")
    seen = set(order) | set(priors.ids)
    rest = [r.record_id for r in records if r.record_id not in seen]
    if any(label_of[rid] for rid in rest):
        raise ValueError(f"stopped with {sum(1 for rid in rest if label_of[rid])} relevant left")
    return [int(label_of[rid] or 0) for rid in order + rest], len(order)


def score(labels: Sequence[int]) -> dict[str, float]:
    """The benchmark's three figures, from `papersift.ranking.metrics`."""
    return {
        "wss@95": wss_at(labels, 0.95),
        "recall@10": recall_at(labels, 0.10),
        "recall@25": recall_at(labels, 0.25),
    }


# ---------------------------------------------------------------- the two tools


def _run(cmd: list[str], cwd: Path, log: Path, timeout: float) -> tuple[float, float]:
    """Run `cmd` (output to `log`); its wall and CPU seconds. `RuntimeError` on failure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.run(
            cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise RuntimeError(f"exit {proc.returncode}: {' '.join(cmd[:6])} …\n{tail}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def ensure_asreview(venv_dir: Path, log: Callable[[str], None]) -> Path:
    """The python of a venv holding asreview==3.0.8, created on first use."""
    python = venv_dir / "bin" / "python"
    if (venv_dir / VENV_MARKER).exists() and python.exists():
        return python
    log(f"creating {venv_dir} with asreview=={ASREVIEW_VERSION} (once) …")
    # Created where it stays: a venv's scripts name its path, so it cannot be moved.
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", f"asreview=={ASREVIEW_VERSION}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"pip install asreview=={ASREVIEW_VERSION} failed:\n{proc.stderr}")
    (venv_dir / VENV_MARKER).write_text(ASREVIEW_VERSION + "\n")
    return python


def asreview_default_model(python: Path) -> dict[str, Any]:
    """The name and settings of asreview's default model (`--ai`), from asreview itself."""
    code = (
        "import dataclasses, json, asreview\n"
        "from asreview.models.models import get_ai_config\n"
        "c = get_ai_config()\n"
        "print(json.dumps({'version': asreview.__version__, 'ai': c['name'],"
        " 'settings': dataclasses.asdict(c['value'])}))\n"
    )
    # In a scratch folder: importing asreview leaves synergy_cache.sqlite in the cwd.
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, check=True, cwd=scratch
        )
    return json.loads(out.stdout)


def run_asreview(
    python: Path,
    csv_path: Path,
    records: Sequence[ReviewRecord],
    priors: Priors,
    seed: int,
    work: Path,
    timeout: float,
) -> tuple[list[str], float, float]:
    """One `asreview simulate` run: the record ids in screening order, wall and CPU s."""
    project = work / "asreview.asreview"
    cmd = [str(python), "-m", "asreview", "simulate", str(csv_path)]
    cmd += ["--prior-idx", *map(str, priors.rows), "--seed", str(seed), "-o", str(project)]
    # cwd: asreview leaves a cache file (synergy_cache.sqlite) in the working directory.
    wall, cpu = _run(cmd, work, work / "asreview.log", timeout)
    order = []
    for row, title in asreview_order(project):
        record = records[row]
        # ASReview numbers rows as pandas reads them; the titles prove the rows agree.
        if " ".join(title.split()) != record.title:
            raise RuntimeError(f"asreview row {row} is {title[:60]!r}, not {record.title[:60]!r}")
        order.append(record.record_id)
    return order, wall, cpu


def run_papersift(
    csv_path: Path, priors: Priors, seed: int, model: str, work: Path, timeout: float
) -> tuple[list[str], float, float]:
    """One `papersift rank simulate` run: the record ids in screening order, wall and CPU s."""
    order_file = work / f"papersift-{model}.order"
    cmd = [sys.executable, "-m", "papersift", "rank", "simulate", str(csv_path)]
    cmd += ["--prior-included", priors.included_id, "--prior-excluded", priors.excluded_id]
    # Like ASReview's default stopper: no refits once every relevant record is found.
    cmd += ["--seed", str(seed), "--order-out", str(order_file), "--quiet"]
    cmd += ["--stop-when-all-found"]
    if model != "default":
        cmd += ["--model", model]
    wall, cpu = _run(cmd, work, work / f"papersift-{model}.log", timeout)
    return order_file.read_text().split(), wall, cpu


def papersift_has_simulate() -> bool:
    """Whether this papersift has `papersift rank simulate`."""
    proc = subprocess.run(
        [sys.executable, "-m", "papersift", "rank", "simulate", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0 and "--order-out" in proc.stdout


# ---------------------------------------------------------------- the table


def summarize(runs: Sequence[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (set, tool): mean and sd of each metric and of the wall time, over the seeds."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        if "error" not in run:
            groups.setdefault((run["set"], run["tool"]), []).append(run)
    summary = {}
    for key, group in groups.items():
        entry: dict[str, Any] = {"n": len(group)}
        for name in [m for m, _ in METRICS] + ["wall_s", "cpu_s"]:
            values = [r[name] for r in group]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            entry[name] = {"mean": statistics.fmean(values), "sd": sd}
        summary[key] = entry
    return summary


def render_table(summary: dict[tuple[str, str], dict[str, Any]], sets: Sequence[str]) -> str:
    """Set × tool → mean (± sd) of each metric and the seconds per run."""
    tools = sorted({tool for _, tool in summary}, key=lambda t: (not t.startswith("asreview"), t))
    header = ["set", "tool", "runs", *(label for _, label in METRICS), "s/run", "CPU s/run"]
    lines = [header]
    for name in [*sets, "mean of sets"]:
        for tool in tools:
            if name == "mean of sets":
                entries = [summary[(s, tool)] for s in sets if (s, tool) in summary]
                if len(sets) < 2 or len(entries) < len(sets):
                    continue
                means = {
                    m: statistics.fmean(e[m]["mean"] for e in entries)
                    for m in [*(m for m, _ in METRICS), "wall_s", "cpu_s"]
                }
                runs = str(sum(e["n"] for e in entries))
                cells = [f"{means[m]:.3f}" for m, _ in METRICS]
                cells += [f"{means['wall_s']:.1f}", f"{means['cpu_s']:.1f}"]
            elif (name, tool) in summary:
                e = summary[(name, tool)]
                runs = str(e["n"])
                cells = [f"{e[m]['mean']:.3f} ± {e[m]['sd']:.3f}" for m, _ in METRICS]
                cells += [f"{e['wall_s']['mean']:.1f}", f"{e['cpu_s']['mean']:.1f}"]
            else:
                continue
            lines.append([name, tool, runs, *cells])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    text = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="papersift's ranking vs ASReview LAB (issue #12)")
    p.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default: 5)")
    p.add_argument("--sets", default="all", help="set names (file stems), comma-separated")
    p.add_argument("--screening", type=Path, default=DEFAULT_SCREENING, help="the sets' folder")
    p.add_argument("--tools", default="asreview,papersift", help="asreview, papersift or both")
    p.add_argument(
        "--papersift-models",
        default="default",
        help="papersift models to run, comma-separated (`papersift rank simulate --model`)",
    )
    p.add_argument("--asreview-venv", type=Path, default=DEFAULT_VENV, help="asreview's venv")
    p.add_argument("--json", type=Path, help="where to write the runs (default: results/)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    files = sorted(opts.screening.glob("*.csv"))
    if opts.sets != "all":
        wanted = {s.strip().removesuffix(".csv") for s in opts.sets.split(",") if s.strip()}
        files = [f for f in files if f.stem in wanted]
        missing = wanted - {f.stem for f in files}
        if missing:
            log(f"no such set in {opts.screening}: {', '.join(sorted(missing))}")
            return 2
    if not files:
        log(f"no sets (*.csv) in {opts.screening}")
        return 2
    tools = {t.strip() for t in opts.tools.split(",") if t.strip()}
    models = [m.strip() for m in opts.papersift_models.split(",") if m.strip()]
    meta: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "git": _git_describe(),
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
        "seeds": list(range(opts.seeds)),
        "sets": [f.stem for f in files],
        "attribution": ATTRIBUTION,
    }
    python = None
    if "asreview" in tools:
        python = ensure_asreview(opts.asreview_venv, log)
        meta["asreview"] = asreview_default_model(python)
        log(f"asreview {meta['asreview']['version']}, default model {meta['asreview']['ai']}")
    if "papersift" in tools and not papersift_has_simulate():
        log("this papersift has no `papersift rank simulate`: its column is left out")
        tools.discard("papersift")

    tool_names = ([f"asreview {meta['asreview']['ai']}"] if python is not None else []) + (
        [f"papersift {m}" for m in models] if "papersift" in tools else []
    )
    runs: list[dict[str, Any]] = []
    for csv_path in files:
        records = read_review_csv(csv_path)
        for seed in range(opts.seeds):
            priors = choose_priors(records, seed)
            for tool in tool_names:
                run: dict[str, Any] = {"set": csv_path.stem, "tool": tool, "seed": seed}
                run["priors"] = {"included": priors.included_id, "excluded": priors.excluded_id}
                with tempfile.TemporaryDirectory(prefix="papersift-bench-") as tmp:
                    work = Path(tmp)
                    try:
                        if tool.startswith("asreview") and python is not None:
                            got = run_asreview(
                                python, csv_path, records, priors, seed, work, opts.timeout
                            )
                        else:
                            model = tool.removeprefix("papersift ")
                            got = run_papersift(csv_path, priors, seed, model, work, opts.timeout)
                        order, wall, cpu = got
                        labels, screened = complete_order(order, records, priors)
                    except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
                        run["error"] = str(exc)
                        log(f"{csv_path.stem} seed {seed} {tool}: FAILED: {exc}")
                        runs.append(run)
                        continue
                run.update(score(labels), wall_s=wall, cpu_s=cpu, ordered=screened)
                runs.append(run)
                log(
                    f"{csv_path.stem} seed {seed} {tool}: WSS@95 {run['wss@95']:.3f}  "
                    f"R@10 {run['recall@10']:.3f}  R@25 {run['recall@25']:.3f}  "
                    f"ordered {screened}  {wall:.1f} s ({cpu:.1f} s CPU)"
                )
    meta["loadavg_after"] = os.getloadavg()
    summary = summarize(runs)
    table = render_table(summary, [f.stem for f in files])
    print(table)
    print()
    print(ATTRIBUTION)
    report = {
        "meta": meta,
        "table": table,
        "summary": {f"{s} | {t}": v for (s, t), v in summary.items()},
        "runs": runs,
    }
    path = opts.json or RESULTS / f"ranking-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    log(f"runs written to {path}")
    return 1 if any("error" in r for r in runs) else 0


def _git_describe() -> str:
    proc = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    )
    return proc.stdout.strip() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
