"""`papersift add ID…`: add papers by arXiv id or DOI (issue #15), a thin shell over
`papersift.lookup`.

One line per identifier: added / merged / updated / queued: reason / failed: reason.
The exit status is 1 when any failed (queued is not a failure: it will be retried). The
auto-exports are refreshed after an add that changed the library (`--queue` reads only).
`--retry` runs the queue, `--queue` lists it, `--clear-failed` forgets what failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from papersift.models import PapersiftError
from papersift.textsafe import clean_line, one_line

__all__ = ["add_add_parser"]

EXIT_OK, EXIT_ERROR = 0, 1


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _when(unix: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(unix))


def _texts(args: argparse.Namespace) -> str:
    parts: list[str] = []
    for item in args.ids:
        parts.append(sys.stdin.read() if item == "-" else item)
    if args.from_file:
        if args.from_file == "-":
            parts.append(sys.stdin.read())
        else:
            path = Path(args.from_file)
            try:
                parts.append(path.read_text(encoding="utf-8-sig"))
            except (OSError, UnicodeDecodeError) as exc:
                raise PapersiftError(f"{path}: cannot read the list of ids: {exc}") from None
    return "\n".join(parts)


def _show_queue(library_dir: Path) -> int:
    from papersift.lookup import read_queue

    state = read_queue(library_dir)
    if not state.waiting and not state.failed:
        _out("no lookups waiting")
        return EXIT_OK
    for w in state.waiting:
        tries = "1 try" if w.attempts == 1 else f"{w.attempts} tries"
        _out(
            f"waiting  {one_line(w.typed, 80)}  since {_when(w.since)}, {tries}, last: "
            f"{clean_line(w.error)}"
        )
    for f in state.failed:
        _out(f"failed   {one_line(f.typed, 80)}  {_when(f.at)}: {clean_line(f.reason)}")
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from papersift.lookup import Lookup, load_lookup_config, outcome_line
    from papersift.store import Library

    if args.queue:
        return _show_queue(Path(args.library))
    text = "" if args.retry or args.clear_failed else _texts(args)
    if not (args.retry or args.clear_failed) and not text.strip():
        raise PapersiftError("name papers to add: arXiv ids or DOIs (or - to read them from stdin)")
    config = load_lookup_config()
    for problem in config.problems:
        _err(f"warning: {clean_line(problem)}")
    library = Library(args.library, lazy_texts=True)
    library.on_wait = lambda message: _err(f"papersift: {clean_line(message)}")
    lookup = Lookup(library.path, config)
    if args.clear_failed:
        n = lookup.clear_failed(library)
        _out(f"forgot {n} failed lookup" + ("" if n == 1 else "s"))
        return EXIT_OK
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty and total:
            sys.stderr.write(f"\rlooking up {done}/{total}…")
            if done >= total:
                sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    if args.retry:
        report = lookup.retry(library, progress=progress)
        if not report.outcomes:
            _out("no lookups waiting")
    else:
        report = lookup.add(library, text, progress=progress, use_cache=not args.refresh)
    for outcome in report.outcomes:
        _out(outcome_line(outcome))
    if any(o.result in ("added", "merged", "updated") for o in report.outcomes):
        from papersift.cli import refresh_auto_exports

        refresh_auto_exports(args)
    if report.waiting:
        n = report.waiting
        _out(
            f"{n} lookup{'' if n == 1 else 's'} waiting: retried by `papersift add --retry` "
            "and by the app while it runs"
        )
    return EXIT_ERROR if report.failed else EXIT_OK


def add_add_parser(sub) -> None:
    """The `add` command, on the main parser's subparsers."""
    p = sub.add_parser(
        "add",
        help="add papers by arXiv id or DOI (looked up online; queued when offline)",
        description="Add papers by arXiv id (2405.21046, arXiv:2310.12345v2, hep-th/9901001, "
        "an arxiv.org URL) or DOI (10.1145/…, doi:…, a doi.org URL). Metadata comes from the "
        "arXiv API and doi.org; what cannot be looked up now waits in a queue.",
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="ids or URLs ('-' reads a list from stdin)")
    p.add_argument(
        "--from", dest="from_file", metavar="FILE", help="read ids from FILE ('-' for stdin)"
    )
    p.add_argument("--retry", action="store_true", help="look up the waiting ids again")
    p.add_argument("--queue", action="store_true", help="list the waiting and failed lookups")
    p.add_argument(
        "--clear-failed", action="store_true", help="forget the lookups that failed for good"
    )
    p.add_argument(
        "--refresh", action="store_true", help="ask the services even for ids in the cache"
    )
    p.set_defaults(func=cmd_add)
