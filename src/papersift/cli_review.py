"""`papersift review …`: team screening from the command line (issue #16).

A thin shell over `papersift.review`: start a review, decide, export the shared file,
lift blind mode, list and settle conflicts, agreement figures, PRISMA counts. Joining a
colleague's file happens in `papersift import` (`join_imported_reviews`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from papersift.models import PapersiftError
from papersift.paths import user_name
from papersift.textsafe import clean_block, clean_line, json_safe, one_line

__all__ = ["add_review_parser", "join_imported_reviews"]


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _json(data: object) -> None:
    import orjson

    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
    sys.stdout.buffer.write(json_safe(text).encode("utf-8") + b"\n")


def _library(args: argparse.Namespace, *, readonly: bool = False):
    from papersift.store import Library

    if not (Path(args.library) / "corpus.json").exists():
        raise PapersiftError(f"no library at {args.library}; import some papers first")
    library = Library(args.library, readonly=readonly, lazy_texts=True)
    library.on_wait = lambda message: _err(f"papersift: {clean_block(message)}")
    library.on_note = lambda message: _err(f"papersift: note: {clean_block(message)}")
    return library


def join_imported_reviews(
    library, paths: Sequence[Path], reports: Sequence, out: Callable[[str], None] = _out
) -> None:
    """After `import_files`: join the reviews that imported reading lists carry."""
    from papersift import review

    me = user_name()
    for path, report in zip(paths, reports, strict=False):
        if report.error or report.format != "reading-list":
            continue
        joined = review.join_file(library, Path(path), me=me)
        if joined is None:
            continue
        people = ", ".join(f"{clean_line(by)} {n}" for by, n in joined.new_decisions.items())
        what = "joined review" if joined.created else "review"
        line = f"{clean_block(path.name)}: {what} {clean_line(joined.review)!r}: "
        line += f"new decisions: {people}" if people else "no new decisions"
        if joined.hidden:
            line += f" ({joined.hidden} hidden while the review is blind)"
        if joined.missing:
            line += f"; {joined.missing} of its papers are not in this library"
        out(line)


# ---------------------------------------------------------------------- commands


def _start(args: argparse.Namespace) -> int:
    from papersift import review
    from papersift.views import select

    criteria = ""
    if args.criteria:
        path = Path(args.criteria)
        try:
            criteria = sys.stdin.read() if args.criteria == "-" else path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PapersiftError(f"{path}: cannot read the criteria: {exc}") from None
    library = _library(args)
    entries = select(library, query=args.query, view=args.view or "all")
    started = review.start_review(
        library,
        args.name,
        paper_ids=[e.id for e in entries],
        me=user_name(),
        criteria=criteria.strip(),
        query=args.query or "",
        reasons=args.reason or [],
        reviewers=[r for text in args.reviewer or [] for r in text.split(",")],
    )
    _out(
        f"review {clean_line(started.name)!r}: {len(started.papers)} papers, reviewers "
        f"{', '.join(map(clean_line, started.reviewers))}; blind until everyone has screened "
        "a paper (or `review unblind`)"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    from papersift import review

    library = _library(args, readonly=True)
    me = user_name()
    known = review.reviews(library)
    if not known:
        _out("no reviews; start one with `papersift review start NAME --query Q`")
    for r in known.values():
        mine = sum(1 for d in r.decisions if d.by == me and not d.final)
        state = "blind" if r.blind else "unblinded"
        _out(
            f"{clean_line(r.name)}: {len(r.papers)} papers, you screened {mine}, "
            f"reviewers {', '.join(map(clean_line, r.everyone()))} ({state})"
        )
    return 0


def _show(args: argparse.Namespace) -> int:
    from papersift import review

    library = _library(args, readonly=True)
    r = review.get_review(library, args.name)
    me = user_name()
    _out(f"review: {clean_line(r.name)}")
    _out(f"query: {clean_line(r.query) or '(all papers)'}")
    _out(f"reviewers: {', '.join(map(clean_line, r.everyone()))}")
    blind = "blind" if r.blind else f"unblinded by {clean_line(r.unblinded_by)} at {r.unblinded_at}"
    _out(f"mode: {blind}; {review.hidden_count(r, me)} decisions of others hidden from you")
    for n, reason in enumerate(r.reasons, 1):
        _out(f"reason {n}: {clean_line(reason)}")
    if r.criteria:
        _out("criteria:")
        _out("  " + clean_block(r.criteria).replace("\n", "\n  "))
    return 0


def _decide(args: argparse.Namespace) -> int:
    from papersift import review
    from papersift.actions import resolve_ids

    *ids, decision = args.args
    if not ids:
        raise PapersiftError("name the papers, then the decision: ID… include|exclude|maybe")
    library = _library(args)
    final = args.review_command == "resolve"
    changes = review.decide(
        library,
        args.review,
        resolve_ids(library, ids),
        decision,
        me=user_name(),
        reason=args.reason or "",
        final=final,
        replace_final=getattr(args, "force", False),
    )
    what = "settled" if final else "decided"
    reason = (
        f" ({clean_line(changes[0].after.reason)})" if changes and changes[0].after.reason else ""
    )
    papers = "1 paper" if len(changes) == 1 else f"{len(changes)} papers"
    _out(f"{what} {papers}: {decision}{reason}" if changes else "nothing changed")
    return 0


def _export(args: argparse.Namespace) -> int:
    from papersift import review

    library = _library(args, readonly=True)
    papers, decisions = review.export_review(
        library, args.name, Path(args.output), me=user_name(), force=args.force
    )
    _err(f"wrote {papers} papers and {decisions} decisions to {args.output}")
    return 0


def _unblind(args: argparse.Namespace) -> int:
    from papersift import review

    library = _library(args)
    r = review.unblind(library, args.name, me=user_name())
    _out(f"review {clean_line(r.name)!r} is unblinded (by {clean_line(r.unblinded_by)})")
    return 0


def _conflicts(args: argparse.Namespace) -> int:
    from papersift import review

    library = _library(args, readonly=True)
    r = review.get_review(library, args.name)
    found = review.conflicts(r, user_name(), resolved=args.all)
    if args.json:
        _json(
            [
                {
                    "paper": c.paper,
                    "title": library.papers[c.paper].title if c.paper in library.papers else "",
                    "kind": c.kind,
                    "decisions": [d.to_dict() for d in c.decisions.values()],
                    "final": None if c.final is None else c.final.to_dict(),
                }
                for c in found
            ]
        )
        return 0
    if not found:
        hidden = review.hidden_count(r, user_name())
        extra = f" ({hidden} decisions are still blind)" if hidden else ""
        _out(f"no conflicts{extra}")
    for c in found:
        title = library.papers[c.paper].title if c.paper in library.papers else "(not here)"
        _out(f"{c.paper}  {one_line(title, 70)}  [{c.kind}]")
        for by, d in sorted(c.decisions.items()):
            why = f": {clean_line(d.reason)}" if d.reason else ""
            _out(f"    {clean_line(by):<16} {d.decision}{why}  ({d.at})")
        if c.final is not None:
            why = f": {clean_line(c.final.reason)}" if c.final.reason else ""
            _out(f"    final by {clean_line(c.final.by)}: {c.final.decision}{why}")
    if found and not args.all:
        _out(f"{len(found)} to settle: papersift review resolve ID include|exclude [--reason R]")
    return 0


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _stats(args: argparse.Namespace) -> int:
    from papersift import review

    library = _library(args, readonly=True)
    r = review.get_review(library, args.name)
    figures = review.agreement(r, user_name())
    if args.json:
        _json({"review": r.name, **figures.to_json()})
        return 0
    _out(f"review {clean_line(r.name)!r}: {figures.papers} papers")
    _out(
        f"{'reviewer':<16} {'screened':>8} {'include':>8} {'exclude':>8} {'maybe':>6} {'hidden':>7}"
    )
    for c in figures.counts:
        _out(
            f"{one_line(c.by, 16):<16} {c.screened:>8} {c.include:>8} {c.exclude:>8} "
            f"{c.maybe:>6} {c.hidden:>7}"
        )
    _out(f"papers screened by everyone: {figures.papers_compared}")
    pct = _fmt(figures.percent_agreement, 1)
    _out(f"percent agreement: {pct}{'%' if figures.percent_agreement is not None else ''}")
    if len(figures.reviewers) == 2:
        _out(f"Cohen's kappa: {_fmt(figures.cohen_kappa)} (on {figures.papers_compared} papers)")
    elif len(figures.reviewers) > 2:
        _out(f"Fleiss' kappa: {_fmt(figures.fleiss_kappa)} (on {figures.papers_compared} papers)")
        for p in figures.pairs:
            _out(
                f"  {clean_line(p.a)} / {clean_line(p.b)}: Cohen's kappa {_fmt(p.cohen_kappa)} "
                f"on {p.papers_compared} papers"
            )
    reasons = {k: v for k, v in figures.reasons.items() if any(v.values()) or k}
    if reasons:
        names = [*figures.reviewers, "final"]
        _out("exclusion reasons:")
        _out(f"  {'reason':<28} " + " ".join(f"{one_line(n, 10):>10}" for n in names))
        for reason, counts in reasons.items():
            label = one_line(reason or "(no reason)", 28)
            _out(f"  {label:<28} " + " ".join(f"{counts.get(n, 0):>10}" for n in names))
    return 0


def _prisma(args: argparse.Namespace) -> int:
    from papersift import review
    from papersift.fsutil import atomic_write_text
    from papersift.review.prisma import prisma_rows

    library = _library(args, readonly=True)
    r = review.get_review(library, args.name)
    counts = review.prisma_counts(r)
    if args.csv:
        atomic_write_text(Path(args.csv), review.prisma_csv(counts), overwrite=args.force)
        _err(f"wrote {args.csv} (the PRISMA2020 flow-diagram app's CSV)")
    if args.json:
        _json({"review": r.name, **counts.to_json()})
    elif args.diagram:
        _out(review.flow_diagram(counts))
    else:
        for label, n in prisma_rows(counts):
            _out(f"{clean_line(label):<52} {n:>7}")
    return 0


# ---------------------------------------------------------------------- parser


def add_review_parser(sub) -> None:
    """The `review` command group, on the main parser's subparsers."""
    p = sub.add_parser(
        "review", help="screen as a team: start, decide, export, conflicts, stats, prisma"
    )
    rs = p.add_subparsers(dest="review_command", metavar="SUBCOMMAND")

    s = rs.add_parser("start", help="define a review: its papers, criteria, reasons")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--criteria", metavar="FILE", help="the inclusion criteria ('-' = stdin)")
    s.add_argument("-q", "--query", metavar="Q", help="the papers to screen (default: all)")
    s.add_argument("--view", metavar="V", help="only papers of this view")
    s.add_argument(
        "--reason", action="append", metavar="R", help="an exclusion reason (repeatable)"
    )
    s.add_argument(
        "--reviewer",
        action="append",
        metavar="NAME",
        help="a reviewer besides you (repeatable or comma-separated; others join by "
        "importing the review's file)",
    )
    s.set_defaults(func=_start)

    s = rs.add_parser("list", help="the library's reviews")
    s.set_defaults(func=_list)

    s = rs.add_parser("show", help="a review's definition")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.set_defaults(func=_show)

    for name, helptext, choices in (
        ("decide", "record your decision: ID… include|exclude|maybe", "include|exclude|maybe"),
        ("resolve", "settle conflicts with a final decision: ID… include|exclude", None),
    ):
        s = rs.add_parser(name, help=helptext, usage=f"papersift review {name} ID... DECISION")
        s.add_argument("args", nargs="+", metavar="ID... DECISION")
        s.add_argument("--reason", metavar="R", help="why excluded (a reason or its number)")
        s.add_argument("--review", metavar="NAME", help="the review (if the library has several)")
        if choices is None:
            s.add_argument(
                "--force", action="store_true", help="replace someone else's final decision"
            )
        s.set_defaults(func=_decide)

    s = rs.add_parser("export", help="write the review and its decisions to a shared file")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.add_argument("-o", "--output", required=True, metavar="FILE")
    s.add_argument("--force", action="store_true", help="replace a FILE that is not this review's")
    s.set_defaults(func=_export)

    s = rs.add_parser("unblind", help="show everyone's decisions (recorded, and it travels)")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.set_defaults(func=_unblind)

    s = rs.add_parser("conflicts", help="papers the reviewers disagree on (or said maybe)")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.add_argument("--all", action="store_true", help="settled ones too")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_conflicts)

    s = rs.add_parser("stats", help="agreement: counts, percent, Cohen's/Fleiss' kappa")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_stats)

    s = rs.add_parser("prisma", help="PRISMA 2020 counts; --csv for the flow-diagram app")
    s.add_argument("name", nargs="?", metavar="NAME")
    s.add_argument("--csv", metavar="FILE", help="write the PRISMA2020 app's CSV")
    s.add_argument("--force", action="store_true", help="overwrite the CSV")
    s.add_argument("--diagram", action="store_true", help="draw the flow")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_prisma)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
