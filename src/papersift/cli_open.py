"""`papersift open`, `papersift links` and `papersift watch`: papers out to the browser,
files in from a folder. Thin shells over `links`, `opener` and `watch`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from papersift.models import PapersiftError
from papersift.textsafe import clean_block, clean_line, json_safe

__all__ = ["add_open_parsers"]


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()  # a watch's lines must reach a pipe as they happen


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _entry(args: argparse.Namespace):
    from papersift.actions import resolve_ids
    from papersift.store import Library

    if not (Path(args.library) / "corpus.json").exists():
        raise PapersiftError(f"no library at {args.library}; import some papers first")
    library = Library(args.library, readonly=True)
    (pid,) = resolve_ids(library, [args.id])
    return library.entry(pid)


def cmd_open(args: argparse.Namespace) -> int:
    from papersift.links import page_url, pdf_url
    from papersift.opener import open_url

    entry = _entry(args)
    url = (pdf_url if args.pdf else page_url)(entry.paper)
    if url is None:
        what = "PDF" if args.pdf else "page (no url, arXiv id or DOI)"
        raise PapersiftError(f"{entry.id}: no {what} known for this paper")
    if args.print:
        _out(url)
        return 0
    opened = open_url(url, console_ok=True)
    if opened.in_browser:
        _err(f"papersift: opened {url}")
    else:
        _out(url)
        _err(f"papersift: {clean_line(opened.message())}")
    return 0


def cmd_links(args: argparse.Namespace) -> int:
    from papersift.links import entry_links

    links = entry_links(_entry(args))
    if args.json:
        import orjson

        data = [{"kind": link.kind, "label": link.label, "url": link.url} for link in links]
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
        _out(json_safe(text))
        return 0
    for link in links:
        _out(f"{link.kind:<9} {link.url}")
    if not links and sys.stdout.isatty():
        _err("papersift: no links known for this paper")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from papersift.cli import print_import_report, refresh_auto_exports
    from papersift.cli_review import join_imported_reviews
    from papersift.store import Library
    from papersift.watch import FolderWatcher

    if args.interval <= 0:
        raise PapersiftError("--interval must be more than 0 seconds")
    library = Library(args.library)
    library.on_wait = lambda message: _err(f"papersift: {clean_block(message)}")
    watcher = FolderWatcher(library, Path(args.folder))
    stop = threading.Event()
    failed = 0

    def on_event(event) -> None:
        nonlocal failed
        if event.report is None:
            _out(clean_block(event.line()))
            return
        if not print_import_report(event.report, _out, _err):
            failed += 1
            return
        join_imported_reviews(library, [event.path], [event.report], _out)
        if event.report.new or event.report.merged:
            # A watch runs for hours: exports kept up to date follow each file.
            refresh_auto_exports(args)

    def interrupted(signum, frame) -> None:
        # The file being imported is finished first; a second Ctrl-C stops at once.
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    polls = 2 if args.once else args.polls
    if polls is None:
        _err(
            f"papersift: watching {clean_line(str(watcher.folder))} every {args.interval:g} s "
            "(files are imported once they stop growing; Ctrl-C stops)"
        )
    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        watcher.run(on_event, interval=args.interval, polls=polls, stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
        library.close()
    if stop.is_set():
        _err(f"papersift: stopped watching {clean_line(str(watcher.folder))}")
    return 1 if failed and polls is not None else 0


def add_open_parsers(sub) -> None:
    """Register `open`, `links` and `watch` on the CLI's subparsers."""
    from papersift.readers.formats import file_endings
    from papersift.watch import DEFAULT_INTERVAL

    p = sub.add_parser(
        "open",
        help="open a paper's page (url, arXiv or DOI) or PDF in the browser",
        description="Open a paper's page in the browser: its url, else its arXiv abstract "
        "page, else its DOI at the resolver ($PAPERSIFT_DOI_URL, default https://doi.org/). "
        "Over SSH or without a browser the URL is printed and copied (OSC 52) instead.",
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("--pdf", action="store_true", help="the PDF instead (arXiv has one)")
    p.add_argument("--print", action="store_true", help="only print the URL")
    p.set_defaults(func=cmd_open)

    p = sub.add_parser("links", help="a paper's page, PDF and the links in its abstract and note")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="as JSON (kind, label, url)")
    p.set_defaults(func=cmd_links)

    endings = " ".join(file_endings())
    p = sub.add_parser(
        "watch",
        help="import the files that appear in a folder",
        description=f"Import each file ending in {endings} that appears in FOLDER, once "
        "it has stopped growing; once per content (a file rewritten with new content is "
        "imported again). Runs until Ctrl-C.",
    )
    p.add_argument("folder", metavar="FOLDER")
    p.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help="seconds between looks at the folder (default: %(default)g)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--once",
        action="store_true",
        help="import what is in FOLDER now (two looks, one interval apart) and exit",
    )
    g.add_argument("--polls", type=int, metavar="N", help="exit after N looks")
    p.set_defaults(func=cmd_watch)
