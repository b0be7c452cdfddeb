"""papersift benchmarks: one command, one table, one JSON file.

    python benchmarks/run.py                      # 1k, 10k, 100k records
    python benchmarks/run.py --sizes 10k --quick  # one size, fewer samples
    python benchmarks/run.py --with-1m            # also import 1M records

For each size it takes a synthetic corpus (generated once by `generate.py`, then reused
from benchmarks/results/cache/), imports it into an empty library with the real CLI, and
measures every step a user waits for, each in a fresh process (see `bench_child.py`).
The table compares each figure with the issue #6 target for 100k papers on a 2-core
machine; the JSON (benchmarks/results/, git-ignored) has every sample summary.

Wall times on a shared machine move with its load: the JSON records the load average
before and after, and CPU seconds next to wall seconds where a step is CPU bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import cached_corpus, parse_size  # noqa: E402

RESULTS = HERE / "results"
CHILD = HERE / "bench_child.py"
QUERY_NAMES = ("word", "typo", "tag", "starred", "combined")
EXPORT_COUNTS = (1_000, 10_000)


@dataclass(frozen=True)
class Metric:
    """One row of the table: how to read it from a size's results and what it must meet."""

    key: str
    label: str
    unit: str = ""
    #: The issue's target at 100k papers (None: informational).
    target: float | None = None
    #: For p50/p95 rows the target applies to p95.
    target_text: str = ""


def _metrics() -> list[Metric]:
    rows = [
        Metric("import_wall_s", "import + dedupe: wall", "s", 10.0, "<= 10 s"),
        Metric("import_cpu_s", "import + dedupe: CPU (user+sys)", "s"),
        Metric(
            "import_peak_mem_mb",
            "import: peak memory, all its processes (PSS)",
            "MB",
            600.0,
            "<= 600 MB",
        ),
        Metric("import_peak_rss_mb", "import: peak RSS of its largest process", "MB"),
        Metric("library_mb", "library size on disk", "MB"),
        Metric("papers", "papers after dedupe / distinct generated"),
        Metric("possible_duplicates", "possible duplicates left for review"),
        Metric("tui_cold_start_s", "TUI cold start to first painted rows", "s", 1.5, "<= 1.5 s"),
        Metric("tui_index_ready_s", "TUI: word search ready after first paint (1st open)", "s"),
        Metric("tui_peak_rss_mb", "TUI: peak RSS (after the filter runs)", "MB"),
        # Issue #13 item 4 (benchmarks/first_search.py).
        Metric(
            "tui_first_phrase_s",
            "TUI: quoted title 1 s after first paint → list settled (1st open)",
            "s",
            0.5,
            "<= 0.5 s",
        ),
        # Issue #13 item 7 (benchmarks/lookalike.py; sizes up to 10k).
        Metric("lookalike_queued", "look-alike listing: pairs queued / real duplicates among them"),
        Metric("lookalike_recall", "look-alike listing: real duplicates merged or queued"),
    ]
    for q in QUERY_NAMES:
        rows.append(
            Metric(
                f"tui_filter_{q}_ms",
                f"TUI filter {q}: debounce end → list painted p50/p95",
                "ms",
                50.0,
                "p95 <= 50 ms",
            )
        )
    rows.append(
        Metric(
            "tui_filter_keystroke_ms",
            "TUI filter, all kinds: keystroke → list painted p50/p95",
            "ms",
            50.0,
            "p95 <= 50 ms",
        )
    )
    rows.append(
        Metric(
            "tui_filter_refit_ms",
            "TUI filter word while the ranking refits: keystroke p50/p95",
            "ms",
            50.0,
            "p95 <= 50 ms",
        )
    )
    rows.append(Metric("search_index_build_s", "SearchIndex build (core)", "s"))
    rows.append(Metric("search_index_cached_s", "SearchIndex from its cache (later opens)", "s"))
    for q in QUERY_NAMES:
        rows.append(
            Metric(f"search_{q}_ms", f"SearchIndex.search {q} p50/p95", "ms", 50.0, "p95 <= 50 ms")
        )
    rows += [
        Metric("star_durable_ms", "star toggle durable p50/p95", "ms", 10.0, "p95 <= 10 ms"),
        Metric("note_durable_ms", "note save durable p50/p95", "ms", 10.0, "p95 <= 10 ms"),
        Metric("fsync_floor_ms", "floor: bare 1 KB atomic write + fsyncs p50/p95", "ms"),
        Metric("baseline_star_ms", "baseline: TinyDB JSONStorage star p50/p95", "ms"),
        Metric("baseline_ratio", "baseline star p50 / our star p50", "x"),
        Metric("export_1k_s", "BibTeX export of 1k papers", "s"),
        Metric("export_10k_s", "BibTeX export of 10k papers", "s", 2.0, "<= 2 s"),
        Metric("rank_build_s", "ranking: feature rows built (first time)", "s"),
        Metric("rank_cached_s", "ranking: feature rows from their cache", "s"),
        Metric(
            "rank_refit_ms",
            "ranking: refit + rescore after a decision p50/p95",
            "ms",
            100.0,
            "p95 <= 100 ms at 10k",
        ),
        Metric(
            "rank_memory_mb", "ranking: memory growth (features + model)", "MB", 300.0, "<= 300 MB"
        ),
        Metric("list_json_s", "papersift list --json (whole library)", "s"),
        Metric("list_json_rss_mb", "list --json: peak RSS", "MB"),
    ]
    return rows


METRICS = _metrics()
METRIC_KEYS = [m.key for m in METRICS]


# ---------------------------------------------------------------------- processes


@dataclass
class ChildRun:
    """What a finished child process did: exit status, times, peak memory, output."""

    rc: int
    wall_s: float
    cpu_s: float
    maxrss_mb: float
    stdout: str
    stderr: str
    #: Peak of the summed PSS of the process and its descendants (sampled), if asked for.
    tree_peak_mb: float | None = None

    def result(self) -> dict[str, Any]:
        """The JSON object a bench_child task printed last (raises with stderr if it failed)."""
        if self.rc != 0:
            raise RuntimeError(_tail(self.stderr) or f"exit status {self.rc}")
        lines = [ln for ln in self.stdout.splitlines() if ln.startswith("{")]
        if not lines:
            raise RuntimeError("no result printed; stderr: " + _tail(self.stderr))
        return json.loads(lines[-1])


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _descendants(pid: int) -> list[int]:
    found = [pid]
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                for child_pid in handle.read().split():
                    found += _descendants(int(child_pid))
    except OSError:
        pass  # gone meanwhile, or not Linux
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_mb(pid: int) -> float:
    """Memory of a process and all its descendants, now: the sum of their PSS.

    PSS, not RSS: worker processes and forked children share pages with their parent,
    and summing RSS would count those twice.
    """
    return sum(_pss_kb(p) for p in _descendants(pid)) / 1024


def spawn(
    cmd: list[str], *, timeout: float, stdout_to_null: bool = False, sample_tree: bool = False
) -> ChildRun:
    """Run `cmd`, reaping it with wait4 so its rusage (peak RSS, CPU) is its own.

    With `sample_tree`, the summed memory of the process and its descendants (workers,
    forked children) is also sampled every 100 ms: wait4's peak RSS is only the largest
    single process's. (Reading a 500 MB process's PSS costs ~2 ms of CPU; sampling more
    often would slow down what it measures.)"""
    env = dict(os.environ)
    # Any stray default-library access goes to a scratch place, never the user's.
    env.setdefault("PAPERSIFT_LIBRARY", str(RESULTS / "work" / "default-library"))
    env["PAPERSIFT_CONFIG"] = str(RESULTS / "work" / "no-config.toml")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.DEVNULL if stdout_to_null else out,
            stderr=err,
            cwd=REPO,
            env=env,
        )
        deadline = t0 + timeout
        tree_peak = 0.0
        next_sample = t0
        while True:
            if sample_tree and time.monotonic() >= next_sample:
                tree_peak = max(tree_peak, tree_pss_mb(proc.pid))
                next_sample = time.monotonic() + 0.1
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                status = -9
                break
            time.sleep(0.005)
        wall = time.monotonic() - t0
        proc.returncode = 0  # reaped by wait4; keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        rc = os.waitstatus_to_exitcode(status) if status != -9 else -9
        stderr = err.read().decode("utf-8", "replace")
        if rc == -9:
            stderr += f"\n(killed after {timeout:.0f} s)"
        return ChildRun(
            rc=rc,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            maxrss_mb=usage.ru_maxrss / 1024,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=stderr,
            tree_peak_mb=tree_peak if sample_tree else None,
        )


def child(task: str, args: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one bench_child task and return its JSON result."""
    if task == "tui":
        args = {**args, "t_spawn": time.monotonic()}
    run = spawn([sys.executable, str(CHILD), task, json.dumps(args)], timeout=timeout)
    return run.result()


def papersift(
    library: Path, *argv: str, timeout: float, to_null: bool = False, sample_tree: bool = False
) -> ChildRun:
    """Run the real CLI, as a user would."""
    cmd = [sys.executable, "-m", "papersift", "--library", str(library), *argv]
    return spawn(cmd, timeout=timeout, stdout_to_null=to_null, sample_tree=sample_tree)


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# ---------------------------------------------------------------------- one size


def _value(value: float | None, **extra: Any) -> dict[str, Any]:
    return {"value": value, **extra}


def _pair(summary: dict[str, Any]) -> dict[str, Any]:
    """A p50/p95 summary as a metric entry (value = p95, the figure targets apply to)."""
    return {"value": summary["p95"], "p50": summary["p50"], "p95": summary["p95"], **summary}


def bench_size(size: int, opts: argparse.Namespace, log: Callable[[str], None]) -> dict:
    """Every measurement for one corpus size; failures become entries with an error."""
    results: dict[str, dict[str, Any]] = {}
    corpus, manifest = cached_corpus(size, opts.seed, opts.cache_dir / "corpora")
    work = RESULTS / "work" / f"n{size}"
    library = work / "library"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = [str(corpus / name) for name in manifest["files"]]
    reps = 3 if opts.quick else None
    big = size >= 500_000
    scale = max(1.0, size / 100_000)

    def attempt(keys: list[str], fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as exc:
            message = " ".join(str(exc).split())[-300:] or type(exc).__name__
            log(f"    failed: {message}")
            for key in keys:
                results.setdefault(key, {"value": None, "error": message})

    def do_import() -> None:
        log(f"  import {size:,} records ({manifest['bytes'] / 2**20:.0f} MB in {len(files)} files)")
        run = papersift(
            library, "import", "--quiet", *files, timeout=opts.timeout * scale, sample_tree=True
        )
        if run.rc != 0:
            raise RuntimeError(_tail(run.stderr))
        results["import_wall_s"] = _value(round(run.wall_s, 2))
        results["import_cpu_s"] = _value(round(run.cpu_s, 2))
        results["import_peak_mem_mb"] = _value(round(run.tree_peak_mb or 0, 1))
        results["import_peak_rss_mb"] = _value(round(run.maxrss_mb, 1))
        results["library_mb"] = _value(round(_dir_bytes(library) / 2**20, 1))
        summary = run.stdout.strip().splitlines()[-1]
        papers = int(summary.split("library: ")[1].split(" papers")[0])
        possible = int(summary.split("papers, ")[1].split(" possible")[0])
        results["papers"] = _value(
            papers, expected=manifest["distinct_papers"], records=manifest["records"]
        )
        results["possible_duplicates"] = _value(possible)

    attempt(
        [
            "import_wall_s",
            "import_cpu_s",
            "import_peak_mem_mb",
            "import_peak_rss_mb",
            "library_mb",
            "papers",
            "possible_duplicates",
        ],
        do_import,
    )
    if not library.exists() or (big and not opts.full_1m):
        for key in METRIC_KEYS:
            results.setdefault(key, {"value": None, "skipped": "only import is run at this size"})
        return {"records": size, "manifest": manifest, "metrics": results}

    attempt([], lambda: child("prepare", {"library": str(library), "seed": opts.seed}, 600))

    tui_keys = [
        "tui_cold_start_s",
        "tui_index_ready_s",
        "tui_peak_rss_mb",
        "tui_filter_keystroke_ms",
        "tui_filter_refit_ms",
    ] + [f"tui_filter_{q}_ms" for q in QUERY_NAMES]

    def do_tui() -> None:
        log("  TUI cold start and filter latency (Pilot)")
        tui = child(
            "tui",
            {"library": str(library), "reps": reps or opts.tui_reps, "timeout": 120},
            opts.timeout * 2,
        )
        results["tui_cold_start_s"] = _value(
            tui["cold_start_s"],
            **{
                k: tui[k]
                for k in (
                    "cold_start_cpu_s",
                    "interpreter_s",
                    "imports_s",
                    "library_load_s",
                    "app_to_paint_s",
                    "first_rows",
                )
            },
        )
        results["tui_index_ready_s"] = _value(tui["index_ready_after_paint_s"])
        results["tui_peak_rss_mb"] = _value(tui["peak_rss_mb"])
        keystrokes: list[float] = []
        for q in QUERY_NAMES:
            f = tui["filter"][q]
            results[f"tui_filter_{q}_ms"] = _pair(f["after_debounce"]) | {
                "shown": f["shown"],
                "query": f["query"],
                "keystroke": f["keystroke"],
            }
            keystrokes += [f["keystroke"]["p50"], f["keystroke"]["p95"]]
        worst = max(tui["filter"].values(), key=lambda f: f["keystroke"]["p95"])
        results["tui_filter_keystroke_ms"] = _pair(worst["keystroke"]) | {
            "worst_query": worst["query"],
            "debounce_ms": tui["debounce_s"] * 1000,
            "p50": round(min(f["keystroke"]["p50"] for f in tui["filter"].values()), 3),
        }
        during = tui["filter_during_refits"]
        results["tui_filter_refit_ms"] = _pair(during["keystroke"]) | {
            "query": during["query"],
            "refits_meanwhile": during["refits"],
            "refit": during["refit"],
            "without_refits": tui["filter"]["word"]["keystroke"],
        }

    if not opts.skip_tui:
        attempt(tui_keys, do_tui)

    def do_first_phrase() -> None:
        log("  TUI: a quoted title right after the first paint")
        run = subprocess.run(
            [sys.executable, str(HERE / "first_search.py"), str(library), "--reps", "3"],
            capture_output=True,
            text=True,
            timeout=opts.timeout * 2,
        )
        if run.returncode != 0:
            raise RuntimeError(_tail(run.stderr))
        got = json.loads(run.stdout.strip().splitlines()[-1])
        results["tui_first_phrase_s"] = _value(
            got["median_s"], samples=[x["settled_s"] for x in got["samples"]]
        )

    if not opts.skip_tui:
        attempt(["tui_first_phrase_s"], do_first_phrase)

    def do_lookalike() -> None:
        log("  look-alike listing: the possible-duplicates queue")
        from lookalike import evaluate

        got = evaluate(size, opts.seed)
        results["lookalike_queued"] = _value(
            got["queued"],
            real=got["queued_real"],
            queue_precision=got["queue_precision"],
            merge_precision=got["merge_precision"],
        )
        results["lookalike_recall"] = _value(got["recall"])

    if size <= 10_000:
        attempt(["lookalike_queued", "lookalike_recall"], do_lookalike)

    def do_search() -> None:
        log("  SearchIndex (core)")
        s = child("search", {"library": str(library), "reps": reps or 30}, opts.timeout)
        results["search_index_build_s"] = _value(s["index_build_s"])
        results["search_index_cached_s"] = _value(
            s["index_from_cache_s"], cache_mb=s["index_cache_mb"]
        )
        for q in QUERY_NAMES:
            results[f"search_{q}_ms"] = _pair(s["queries"][q]) | {"hits": s["queries"][q]["hits"]}

    attempt(
        ["search_index_build_s", "search_index_cached_s"] + [f"search_{q}_ms" for q in QUERY_NAMES],
        do_search,
    )

    def do_rank() -> None:
        log("  ranking: features, refit after each decision")
        r = child(
            "rank",
            {"library": str(library), "cache": str(work / "rank-features.npz")},
            opts.timeout * scale,
        )
        results["rank_build_s"] = _value(r["build_s"])
        results["rank_cached_s"] = _value(r["cached_s"], cache_mb=r["cache_mb"])
        results["rank_refit_ms"] = _pair(r["refit"])
        results["rank_memory_mb"] = _value(r["memory_growth_mb"])

    attempt(["rank_build_s", "rank_cached_s", "rank_refit_ms", "rank_memory_mb"], do_rank)

    def do_durable() -> None:
        log("  star / note until durable")
        d = child("durable", {"library": str(library), "reps": reps or 40}, opts.timeout)
        results["star_durable_ms"] = _pair(d["star"]) | {"triage_bytes": d["triage_bytes"]}
        results["note_durable_ms"] = _pair(d["note"])
        results["fsync_floor_ms"] = _pair(d["floor"])

    attempt(["star_durable_ms", "note_durable_ms", "fsync_floor_ms"], do_durable)

    def do_baseline() -> None:
        log("  baseline: plain TinyDB JSONStorage")
        b = child(
            "baseline",
            {"library": str(library), "workdir": str(work), "reps": 2 if size >= 50_000 else 5},
            opts.timeout * 3,
        )
        results["baseline_star_ms"] = _pair(b["star"]) | {
            "insert_s": b["insert_s"],
            "file_bytes": b["file_bytes"],
        }
        ours = results.get("star_durable_ms", {}).get("p50")
        ratio = round(b["star"]["p50"] / ours, 1) if ours else None
        results["baseline_ratio"] = _value(ratio)

    if not opts.skip_baseline:
        attempt(["baseline_star_ms", "baseline_ratio"], do_baseline)

    def do_export() -> None:
        log("  BibTeX export")
        counts = [n for n in EXPORT_COUNTS if n <= max(size, EXPORT_COUNTS[0])]
        e = child(
            "export",
            {"library": str(library), "counts": counts, "reps": 1 if reps else 3},
            opts.timeout,
        )
        for n in EXPORT_COUNTS:
            key = f"export_{n // 1000}k_s"
            if str(n) in e:
                got = e[str(n)]
                results[key] = _value(got["s"], chars=got["chars"], papers=got["papers"])
            else:
                results[key] = {"value": None, "skipped": f"corpus has fewer than {n:,} records"}

    attempt([f"export_{n // 1000}k_s" for n in EXPORT_COUNTS], do_export)

    def do_list() -> None:
        log("  papersift list --json")
        run = papersift(library, "list", "--json", timeout=opts.timeout * scale, to_null=True)
        if run.rc != 0:
            raise RuntimeError(_tail(run.stderr))
        results["list_json_s"] = _value(round(run.wall_s, 2), cpu_s=round(run.cpu_s, 2))
        results["list_json_rss_mb"] = _value(round(run.maxrss_mb, 1))

    attempt(["list_json_s", "list_json_rss_mb"], do_list)

    for key in METRIC_KEYS:
        results.setdefault(key, {"value": None, "skipped": "not run (see options)"})
    shutil.rmtree(library, ignore_errors=True)
    return {"records": size, "manifest": manifest, "metrics": results}


# ---------------------------------------------------------------------- table


def _fmt_number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    if unit == "s":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def cell(metric: Metric, entry: dict[str, Any]) -> str:
    """The text of one table cell, with ✓/✗ where the metric has a target."""
    if entry.get("value") is None:
        if "error" in entry:
            return "error"
        return "-" if "skipped" in entry else "n/a"
    value = entry["value"]
    if metric.key == "papers":
        text = f"{value:,} / {entry['expected']:,}"
    elif metric.key == "lookalike_queued":
        text = f"{value:,} / {entry['real']:,}"
    elif metric.key == "lookalike_recall":
        text = f"{value:.4f}"
    elif "p50" in entry and "p95" in entry:
        text = f"{_fmt_number(entry['p50'], 'ms')} / {_fmt_number(entry['p95'], 'ms')}"
    else:
        text = _fmt_number(value, metric.unit)
        if metric.unit and metric.unit not in ("ms",):
            text += f" {metric.unit}" if metric.unit != "x" else "x"
    if metric.target is not None:
        text += " ✓" if value <= metric.target else " ✗"
    return text


def passed(metric: Metric, entry: dict[str, Any]) -> bool | None:
    """True/False against the target, None when there is no target or no value."""
    if metric.target is None or entry.get("value") is None:
        return None
    return entry["value"] <= metric.target


def render_table(report: dict[str, Any]) -> str:
    """The one table: a row per metric, a column per size, the target beside the label."""
    sizes = report["sizes"]
    labels = [_size_label(int(s)) for s in sizes]
    header = ["metric", "target (100k)", *labels]
    rows = [header]
    for metric in METRICS:
        row = [
            metric.label + (f" [{metric.unit}]" if metric.unit == "ms" else ""),
            metric.target_text or "",
        ]
        for size in sizes:
            row.append(cell(metric, sizes[size]["metrics"].get(metric.key, {})))
        rows.append(row)
    if any(int(s) >= 1_000_000 for s in sizes):
        rows.append(
            ["1M import completes", "must complete"]
            + [
                ("✓" if sizes[s]["metrics"]["import_wall_s"].get("value") is not None else "✗")
                if int(s) >= 1_000_000
                else ""
                for s in sizes
            ]
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            row[i] + " " * (widths[i] - _width(row[i]))
            if i < 2
            else " " * (widths[i] - _width(row[i])) + row[i]
            for i in range(len(row))
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def _width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def _size_label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    if size >= 1_000 and size % 1_000 == 0:
        return f"{size // 1_000}k"
    return str(size)


def _git_rev() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


# ---------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="papersift benchmarks (issue #6)")
    parser.add_argument(
        "--sizes", default="1k,10k,100k", help="comma-separated record counts (default 1k,10k,100k)"
    )
    parser.add_argument("--with-1m", action="store_true", help="also import 1M records")
    parser.add_argument(
        "--full-1m", action="store_true", help="at 1M run every measurement, not only import"
    )
    parser.add_argument("--seed", type=int, default=1, help="corpus generator seed (default 1)")
    parser.add_argument("--json", type=Path, help="write the JSON report here too")
    parser.add_argument(
        "--cache-dir", type=Path, default=RESULTS / "cache", help="generated corpora cache"
    )
    parser.add_argument("--quick", action="store_true", help="few samples (smoke runs)")
    parser.add_argument("--tui-reps", type=int, default=8, help="samples per TUI query")
    parser.add_argument("--skip-tui", action="store_true", help="leave out the TUI steps")
    parser.add_argument("--skip-baseline", action="store_true", help="leave out the baseline")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds per step at 100k (scaled above)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    sizes = [parse_size(s) for s in opts.sizes.split(",") if s.strip()]
    if opts.with_1m and 1_000_000 not in sizes:
        sizes.append(1_000_000)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.time()
    report: dict[str, Any] = {
        "meta": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "git": _git_rev(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "loadavg_before": os.getloadavg(),
            "seed": opts.seed,
            "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        },
        "targets": {m.key: m.target_text for m in METRICS if m.target is not None},
        "sizes": {},
    }
    for size in sizes:
        log(f"size {size:,}:")
        t = time.time()
        report["sizes"][str(size)] = bench_size(size, opts, log)
        log(f"  ({time.time() - t:.0f} s)")
    report["meta"]["loadavg_after"] = os.getloadavg()
    report["meta"]["seconds"] = round(time.time() - started, 1)
    missed = [
        f"{m.key}@{_size_label(int(s))}"
        for s, r in report["sizes"].items()
        for m in METRICS
        if int(s) >= 100_000 and passed(m, r["metrics"].get(m.key, {})) is False
    ]
    report["missed_targets"] = missed

    table = render_table(report)
    report["table"] = table
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    out = RESULTS / f"bench-{stamp}.json"
    out.write_text(data, encoding="utf-8")
    (RESULTS / "latest.json").write_text(data, encoding="utf-8")
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(data, encoding="utf-8")
    meta = report["meta"]
    print(
        f"papersift benchmarks  git {meta['git']}  python {meta['python']}  "
        f"{meta['cpus']} CPUs  load {meta['loadavg_before'][0]:.1f}→"
        f"{meta['loadavg_after'][0]:.1f}  seed {opts.seed}  {meta['seconds']:.0f} s"
    )
    print(table)
    print("p50 / p95 cells: the target applies to p95.  JSON: " + str(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
