"""A quoted title searched right after a freshly imported library's first paint
(issue #13 item 4): the time from the filter box getting the query to the list settled
on its final result (not the "indexing words…" placeholder), in a fresh process, on the
library's first open (no word-index cache yet).

    python benchmarks/first_search.py LIBRARY [--after 1.0] [--reps 3]

Prints one JSON object: the samples (seconds) and their median. Each rep opens the
library afresh in a new process (the word index is never warm); the library's index
cache is removed before each, so every rep is a first open. `run.py` runs it for each
size ("TUI: quoted title 1 s after first paint → list settled").
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one(library_path: Path, after: float) -> dict:
    """In this process: open, paint, wait `after` s, search a quoted title, time it."""
    from textual.widgets import Input

    from papersift.store import Library
    from papersift.tui.app import PapersiftApp
    from papersift.tui.screens.main import MainScreen

    settled: dict[str, float] = {}
    original_done = MainScreen.on_main_screen_filter_done

    def filter_done(self, message):  # type: ignore[no-untyped-def]
        original_done(self, message)
        if (
            message.generation == self._generation
            and getattr(message, "has_query", False)
            and not getattr(message, "indexing", False)
            and "t" not in settled
        ):
            settled["t"] = time.monotonic()
            settled["shown"] = len(message.ids)

    MainScreen.on_main_screen_filter_done = filter_done  # type: ignore[method-assign]
    library = Library(library_path, lazy_texts=True)
    gc.freeze()
    app = PapersiftApp(library, poll_seconds=0)
    app.live.freeze_gc = True
    result: dict = {}

    async def scenario() -> None:
        async with app.run_test(size=(160, 48)) as pilot:
            main = app.main_screen
            end = time.monotonic() + 120
            while not len(main.paper_list) and time.monotonic() < end:
                await asyncio.sleep(0.005)
            painted = time.monotonic()
            await pilot.pause(after)
            # A title from the middle of the list, quoted: an exact phrase.
            ids = main.paper_list.ids
            title = library.papers[ids[len(ids) // 2]].title
            query = '"' + " ".join(title.split()[:8]).replace('"', "") + '"'
            box = app.query_one("#filter-input", Input)
            await pilot.press("slash")
            t0 = time.monotonic()
            box.value = query
            while "t" not in settled and time.monotonic() < end:
                await asyncio.sleep(0.002)
            result.update(
                {
                    "query": query,
                    "after_paint_s": round(t0 - painted, 3),
                    "settled_s": round(settled.get("t", float("nan")) - t0, 3),
                    "shown": settled.get("shown"),
                    "index_ready_at_search": app.live.ready,
                }
            )

    asyncio.run(scenario())
    library.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("library", type=Path)
    parser.add_argument("--after", type=float, default=1.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.library, args.after)))
        return
    samples = []
    for _ in range(args.reps):
        (args.library / "search-index.npz").unlink(missing_ok=True)
        out = subprocess.run(
            [sys.executable, __file__, str(args.library), "--after", str(args.after), "--one"],
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    times = [s["settled_s"] for s in samples]
    print(json.dumps({"median_s": statistics.median(times), "samples": samples}))


if __name__ == "__main__":
    main()
