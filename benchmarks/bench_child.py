"""One measurement per process: `python benchmarks/bench_child.py TASK ARGS_JSON`.

`run.py` starts this once per measurement so every figure comes from a fresh
interpreter (no warm caches, no memory left over from an earlier step, an honest peak
RSS) and prints the result as one JSON object on the last line of stdout.

Tasks: prepare (seed triage state, not timed), tui (cold start + filter latency through
Pilot), search (the core SearchIndex alone), durable (star / note until fsync'd),
export (BibTeX), baseline (plain TinyDB JSONStorage, corpus and triage in one table),
rank (the ranking's features, cached features, refit + rescore per decision, memory).
"""

from __future__ import annotations

# Taken before any other import: the TUI cold start counts papersift's own imports.
import time

T_START = time.monotonic()

import gc  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

#: Filter queries measured in the TUI and in the core index, one per kind of term.
QUERIES: dict[str, str] = {
    "word": "preference",
    "typo": "multilingal",
    "tag": "tag:to-cite",
    "starred": "is:starred",
    "combined": "alignment tag:survey -is:read year:>=2020",
}
#: Tags the prepare step hands out, so tag: queries and the tags column have data.
SEED_TAGS = ("to-cite", "survey", "rlhf", "multilingual", "reviewed", "baseline")
#: Share of papers given a triage state, as after a few months of real use.
TRIAGED_SHARE = 0.05


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: with few samples it is a real sample)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(samples: list[float]) -> dict[str, Any]:
    """p50/p95/max of samples given in seconds, as milliseconds."""
    ms = [s * 1000 for s in samples]
    return {
        "p50": round(statistics.median(ms), 3),
        "p95": round(percentile(ms, 95), 3),
        "max": round(max(ms), 3),
        "n": len(ms),
    }


def _ids(library) -> list[str]:
    return list(library.papers)


# ---------------------------------------------------------------------- prepare


def task_prepare(args: dict[str, Any]) -> dict[str, Any]:
    """Give ~5 % of the papers a triage state in one write (statuses, stars, tags, notes)."""
    from papersift.models import STATUSES, Triage
    from papersift.store import Library

    library = Library(Path(args["library"]))
    rng = random.Random(args.get("seed", 1))
    ids = _ids(library)
    chosen = rng.sample(ids, max(1, int(len(ids) * TRIAGED_SHARE)))
    now = time.time()
    states = {}
    for n, pid in enumerate(chosen):
        states[pid] = Triage(
            starred=rng.random() < 0.3,
            status=rng.choice(STATUSES),
            tags=tuple(rng.sample(SEED_TAGS, rng.randint(0, 3))),
            note="Read section 3 first; compare with the baseline." if rng.random() < 0.2 else "",
            changed=now - n,
        )
    library.set_triage(states)
    # The "All papers" view: filters then search the whole library, the worst case.
    library.save_ui_state({"view": "all"})
    library.close()
    return {"triaged": len(states)}


# ---------------------------------------------------------------------- core search


def task_search(args: dict[str, Any]) -> dict[str, Any]:
    """SearchIndex build time, then parse+search latency of each query (no UI)."""
    from papersift.query import SearchIndex, parse
    from papersift.store import Library

    library = Library(Path(args["library"]), readonly=True)
    entries = library.entries()
    t = time.perf_counter()
    index = SearchIndex(entries)
    build = time.perf_counter() - t
    # The word index cache, as the TUI keeps it: written once, then read on later opens.
    cache = Path(args["library"]).parent / "bench-search-index.npz"
    cache.unlink(missing_ok=True)
    index.save_cache(cache)
    t = time.perf_counter()
    SearchIndex(entries, cache=cache)
    from_cache = time.perf_counter() - t
    cache_mb = cache.stat().st_size / 2**20 if cache.exists() else 0.0
    cache.unlink(missing_ok=True)
    reps = int(args.get("reps", 30))
    out: dict[str, Any] = {
        "index_build_s": round(build, 3),
        "index_from_cache_s": round(from_cache, 3),
        "index_cache_mb": round(cache_mb, 1),
        "queries": {},
    }
    for name, text in QUERIES.items():
        samples = []
        hits = 0
        for _ in range(reps):
            t = time.perf_counter()
            hits = len(index.search(parse(text)))
            samples.append(time.perf_counter() - t)
        out["queries"][name] = {**summary_ms(samples), "hits": hits, "query": text}
    return out


# ---------------------------------------------------------------------- durable writes


def task_durable(args: dict[str, Any]) -> dict[str, Any]:
    """Star toggle and note save through `actions`, which return after fsync + rename."""
    from papersift import actions
    from papersift.store import Library

    library = Library(Path(args["library"]))
    reps = int(args.get("reps", 40))
    rng = random.Random(7)
    ids = rng.sample(_ids(library), min(reps, len(library)))
    # The first write also takes the triage backup; do it before timing so it does not
    # land in the samples (it happens at most every five minutes in real use).
    actions.set_starred(library, ids[:1])
    stars, notes = [], []
    for n in range(reps):
        pid = ids[n % len(ids)]
        t = time.perf_counter()
        actions.set_starred(library, [pid])
        stars.append(time.perf_counter() - t)
        t = time.perf_counter()
        actions.set_note(library, pid, f"benchmark note {n}: worth a second look.")
        notes.append(time.perf_counter() - t)
    triage_bytes = (Path(args["library"]) / "triage.json").stat().st_size
    library.close()
    # The floor under both: one 1 KB atomic write (temp file, fsync, rename, dir fsync)
    # in the same directory. What is above it is papersift's own work.
    from papersift.fsutil import atomic_write_bytes

    floor = []
    scratch = Path(args["library"]) / "fsync-floor.json"
    for _ in range(reps):
        t = time.perf_counter()
        atomic_write_bytes(scratch, b"x" * 1024)
        floor.append(time.perf_counter() - t)
    scratch.unlink(missing_ok=True)
    return {
        "star": summary_ms(stars),
        "note": summary_ms(notes),
        "floor": summary_ms(floor),
        "triage_bytes": triage_bytes,
    }


# ---------------------------------------------------------------------- export


def task_export(args: dict[str, Any]) -> dict[str, Any]:
    """export_bibtex of the first N papers (median of a few runs)."""
    from papersift.bibtex_export import ExportOptions, export_bibtex
    from papersift.store import Library

    library = Library(Path(args["library"]), readonly=True)
    entries = library.entries()
    out: dict[str, Any] = {}
    for n in args["counts"]:
        # A 1k-record corpus dedupes to fewer than 1k papers: export what there is.
        chosen = entries[:n]
        runs = []
        size = 0
        for _ in range(int(args.get("reps", 3))):
            t = time.perf_counter()
            size = len(export_bibtex(chosen, ExportOptions()))
            runs.append(time.perf_counter() - t)
        out[str(n)] = {"s": round(statistics.median(runs), 4), "chars": size, "papers": len(chosen)}
    return out


# ---------------------------------------------------------------------- baseline


def task_baseline(args: dict[str, Any]) -> dict[str, Any]:
    """Plain TinyDB: corpus + triage in one JSONStorage table; a star rewrites everything."""
    from tinydb import TinyDB
    from tinydb.storages import JSONStorage

    from papersift.store import Library

    library = Library(Path(args["library"]), readonly=True)
    docs = []
    for e in library.entries():
        doc = e.paper.to_dict()
        doc.update(e.triage.to_dict())
        docs.append(doc)
    ids = list(range(1, len(docs) + 1))
    library.close()
    path = Path(args["workdir"]) / "baseline-tinydb.json"
    path.unlink(missing_ok=True)
    db = TinyDB(path, storage=JSONStorage)
    t = time.perf_counter()
    db.insert_multiple(docs)
    insert = time.perf_counter() - t
    del docs
    rng = random.Random(3)
    samples = []
    for _ in range(int(args.get("reps", 5))):
        doc_id = rng.choice(ids)
        t = time.perf_counter()
        doc = db.get(doc_id=doc_id)
        db.update({"starred": not doc.get("starred", False)}, doc_ids=[doc_id])
        samples.append(time.perf_counter() - t)
    db.close()
    size = path.stat().st_size
    path.unlink(missing_ok=True)
    return {"insert_s": round(insert, 3), "star": summary_ms(samples), "file_bytes": size}


# ---------------------------------------------------------------------- TUI


def task_tui(args: dict[str, Any]) -> dict[str, Any]:
    """Cold start to the first painted rows, then filter latency typed through Pilot.

    The signal for "painted" is PaperList.render_line drawing a paper row (y >= 1) while
    the list holds rows: that only happens when the compositor paints the list after
    its first filter result arrived, so it is the moment a user would see papers.
    """
    import asyncio

    t_imports = time.monotonic()
    from textual.widgets import Input

    from papersift.store import Library
    from papersift.tui.app import PapersiftApp
    from papersift.tui.screens.main import MainScreen
    from papersift.tui.widgets.filter_bar import DEBOUNCE, FilterBar
    from papersift.tui.widgets.paper_list import PaperList

    t_imported = time.monotonic()
    marks: dict[str, float] = {}
    events: list[tuple[str, float]] = []

    original_render = PaperList.render_line

    def render_line(self, y: int):  # type: ignore[no-untyped-def]
        if y >= 1 and len(self) and "painted" not in marks:
            marks["painted"] = time.monotonic()
            # All threads' CPU: on a loaded machine, wall time alone misleads.
            marks["painted_cpu"] = time.process_time()
        events.append(("paint", time.monotonic()))
        return original_render(self, y)

    PaperList.render_line = render_line  # type: ignore[method-assign]
    original_settled = FilterBar._settled

    def settled(self) -> None:  # type: ignore[no-untyped-def]
        events.append(("settled", time.monotonic()))
        original_settled(self)

    FilterBar._settled = settled  # type: ignore[method-assign]
    original_done = MainScreen.on_main_screen_filter_done

    def filter_done(self, message):  # type: ignore[no-untyped-def]
        original_done(self, message)
        if message.generation == self._generation:
            events.append(("rows", time.monotonic()))

    MainScreen.on_main_screen_filter_done = filter_done  # type: ignore[method-assign]
    # No blinking cursor: its timer would add paints that are not the list's.
    Input._toggle_cursor = lambda self: None  # type: ignore[method-assign]

    # As papersift.tui.app.run opens it: texts (abstracts, BibTeX) read after the paint.
    library = Library(Path(args["library"]), lazy_texts=True)
    t_loaded = time.monotonic()
    # As papersift.tui.app.run does after loading the library.
    gc.freeze()
    app = PapersiftApp(library, poll_seconds=0)
    app.live.freeze_gc = True
    app.rank.freeze_gc = True
    reps = int(args.get("reps", 10))
    deadline_s = float(args.get("timeout", 120))
    result: dict[str, Any] = {}

    async def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.001)
        return True

    async def scenario() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            if not await wait_for(lambda: "painted" in marks, deadline_s):
                raise RuntimeError("the paper list never painted a row")
            result["first_rows"] = len(app.main_screen.paper_list)
            # The index is built in a worker at start; the first search waits for it.
            t = time.monotonic()
            _ = app.live.word_index()
            result["index_ready_after_paint_s"] = round(time.monotonic() - t, 3)
            await pilot.press("slash")
            await pilot.pause()

            async def measure(text: str) -> tuple[list[float], list[float]]:
                typed, processing = [], []
                box = app.query_one("#filter-input", Input)
                for _ in range(reps):
                    # Put the box one keystroke away, let that settle, then time the
                    # keystroke: a user typing the last character of the query.
                    box.value = text[:-1]
                    box.cursor_position = len(box.value)
                    await pilot.pause(max(DEBOUNCE * 2, 0.05))
                    if not await wait_for(lambda: not _filter_running(app), deadline_s):
                        raise RuntimeError("filter did not finish")
                    await pilot.pause()
                    events.clear()
                    t0 = time.monotonic()
                    await pilot.press(_key_name(text[-1]))
                    if not await wait_for(lambda: _painted_after(events, "rows"), deadline_s):
                        raise RuntimeError(f"no repaint after typing {text!r}")
                    t_paint = _painted_after(events, "rows")
                    t_settled = next(t for kind, t in events if kind == "settled")
                    typed.append(t_paint - t0)
                    processing.append(t_paint - t_settled)
                return typed, processing

            latencies: dict[str, dict[str, Any]] = {}
            for name, text in QUERIES.items():
                typed, processing = await measure(text)
                latencies[name] = {
                    "query": text,
                    "shown": len(app.main_screen.paper_list),
                    "keystroke": summary_ms(typed),
                    "after_debounce": summary_ms(processing),
                }
            result["filter"] = latencies
            result["debounce_s"] = DEBOUNCE
            if args.get("refits", True):
                result["filter_during_refits"] = await during_refits(measure)

    async def during_refits(measure) -> dict[str, Any]:  # type: ignore[no-untyped-def]
        """The word query typed while the ranking refits back to back in a thread (the
        app refits in a worker after each decision: this is a burst of decisions)."""
        import threading

        from papersift.models import Triage
        from papersift.ranking.ranker import Ranker

        ranker = Ranker(library.rank_cache)
        await asyncio.to_thread(lambda: (library.ensure_texts(), ranker.prepare(library.papers)))
        ids = sorted(library.papers)
        rng = random.Random(7)
        rng.shuffle(ids)
        triage = {
            pid: Triage(starred=n % 5 == 0, status="inbox" if n % 5 == 0 else "discarded")
            for n, pid in enumerate(ids[:40])
        }
        stop = threading.Event()
        refits: list[float] = []

        def refit_loop() -> None:
            while not stop.is_set():
                t = time.perf_counter()
                ranker.rank(triage)
                refits.append(time.perf_counter() - t)

        thread = threading.Thread(target=refit_loop, daemon=True)
        thread.start()
        try:
            typed, processing = await measure(QUERIES["word"])
        finally:
            stop.set()
            thread.join()
        return {
            "query": QUERIES["word"],
            "keystroke": summary_ms(typed),
            "after_debounce": summary_ms(processing),
            "refits": len(refits),
            "refit": summary_ms(refits),
        }

    asyncio.run(scenario())
    t_spawn = float(args.get("t_spawn", T_START))
    result.update(
        {
            "cold_start_s": round(marks["painted"] - t_spawn, 3),
            "interpreter_s": round(T_START - t_spawn, 3),
            "imports_s": round(t_imported - t_imports, 3),
            "library_load_s": round(t_loaded - t_imported, 3),
            "app_to_paint_s": round(marks["painted"] - t_loaded, 3),
            "cold_start_cpu_s": round(marks["painted_cpu"], 3),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    )
    library.close()
    return result


def _key_name(ch: str) -> str:
    names = {
        " ": "space",
        "-": "minus",
        ":": "colon",
        ">": "greater_than_sign",
        "=": "equals_sign",
        '"': "quotation_mark",
    }
    return names.get(ch, ch)


def _filter_running(app) -> bool:  # type: ignore[no-untyped-def]
    return any(w.group == "filter" and not w.is_finished for w in app.workers)


def _painted_after(events: list[tuple[str, float]], kind: str) -> float | None:
    """Time of the first paint after the first `kind` event, or None yet."""
    seen = False
    for k, t in events:
        if k == kind:
            seen = True
        elif seen and k == "paint":
            return t
    return None


# ---------------------------------------------------------------------- rank


def _rss_mb() -> float:
    # Current (not peak) resident memory, from /proc: the growth the ranking causes.
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def task_rank(args: dict[str, Any]) -> dict[str, Any]:
    """The ranking: feature rows built cold and read from their cache, then decisions
    one at a time, each followed by a refit + rescore (what triage mode does)."""
    from papersift.models import Triage
    from papersift.ranking.ranker import Ranker
    from papersift.store import Library

    library = Library(Path(args["library"]), readonly=True)
    library.ensure_texts()
    papers = library.papers
    cache = Path(args["cache"])
    cache.unlink(missing_ok=True)
    gc.collect()
    before = _rss_mb()
    t = time.perf_counter()
    Ranker(cache).prepare(papers)
    build_s = time.perf_counter() - t
    after_build = _rss_mb()
    gc.collect()
    # The refits run on rows read from the cache, as on every later open (one space in
    # memory, as in the app).
    t = time.perf_counter()
    ranker = Ranker(cache)
    ranker.prepare(papers)
    cached_s = time.perf_counter() - t
    rng = random.Random(7)
    ids = list(papers)
    rng.shuffle(ids)
    triage: dict[str, Triage] = {
        ids[0]: Triage(starred=True, changed=1.0),
        ids[1]: Triage(status="discarded", changed=2.0),
    }
    samples = []
    for step, pid in enumerate(ids[2 : 2 + args.get("decisions", 40)]):
        # One relevant decision in five, as a real inbox runs.
        relevant = step % 5 == 0
        triage[pid] = Triage(
            starred=relevant, status="inbox" if relevant else "discarded", changed=3.0 + step
        )
        t = time.perf_counter()
        ranking = ranker.rank(triage)
        samples.append(time.perf_counter() - t)
        assert ranking is not None
    peak = _rss_mb()
    return {
        "build_s": round(build_s, 2),
        "cached_s": round(cached_s, 2),
        "cache_mb": round(cache.stat().st_size / 2**20, 1),
        "refit": summary_ms(samples),
        "memory_growth_mb": round(peak - before, 1),
        "memory_after_build_mb": round(after_build - before, 1),
    }


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "prepare": task_prepare,
    "search": task_search,
    "durable": task_durable,
    "export": task_export,
    "baseline": task_baseline,
    "tui": task_tui,
    "rank": task_rank,
}


def main() -> None:
    task, raw = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "{}"
    result = TASKS[task](json.loads(raw))
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
