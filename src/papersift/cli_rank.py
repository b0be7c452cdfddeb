"""`papersift rank …`: the ranking from the command line (status, explain, simulate).

A thin shell over `papersift.ranking`, like the rest of the CLI: the TUI's triage
mode, `rank simulate` and the benchmark fit, pick and measure with the same code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from papersift.models import PapersiftError
from papersift.ranking.settings import START_HINT
from papersift.textsafe import clean_line, json_safe

__all__ = ["add_rank_parser", "library_ranking", "rank_scores"]


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _open(args: argparse.Namespace):
    from papersift.store import Library

    if not (Path(args.library) / "corpus.json").exists():
        raise PapersiftError(f"no library at {args.library}; import some papers first")
    return Library(args.library, readonly=True)


def library_ranking(library, model: str | None = None):
    """The ranking of `library`'s inbox under `model` (default: the default model), or
    None until there is a relevant and an irrelevant decision.

    Uses the library's feature cache and keeps it up to date, even for a read-only
    open: it is derived data written atomically (a failed write is ignored), and at
    100k papers it saves the next command an 18 s rebuild for a 1 s write."""
    from papersift.ranking.ranker import Ranker
    from papersift.ranking.settings import DEFAULT_MODEL

    library.ensure_texts()
    ranker = Ranker(library.rank_cache)
    ranker.prepare(library.papers)
    # Every undecided paper is an inbox paper: the ranker's default candidates.
    return ranker.rank(dict(library.triage), model or DEFAULT_MODEL)


def rank_scores(library, model: str | None = None) -> dict[str, dict[str, float]]:
    """`views.select(scores=…)` for the "rank" sort: empty (and a hint on stderr) until
    the model has something to learn from."""
    from papersift.views import RANK_SCORES

    ranking = library_ranking(library, model)
    if ranking is None:
        _err(f"papersift: {START_HINT}; listed in library order")
        return {}
    return {RANK_SCORES: ranking.by_id}


# ---------------------------------------------------------------------- rank status


def cmd_rank_status(args: argparse.Namespace) -> int:
    from papersift.ranking.ranker import labels_from_triage, screening_progress
    from papersift.ranking.screening import explore_words

    library = _open(args)
    ranking = library_ranking(library, args.model)
    triage = dict(library.triage)
    prog = screening_progress(library.papers, triage, ranking, _stop_rule(args))
    labels = labels_from_triage(triage)
    explore = explore_in_triage(library)
    data = {
        "model": ranking.spec.name if ranking else None,
        "decisions": prog.screened,
        "relevant": prog.relevant,
        "irrelevant": prog.irrelevant,
        "irrelevant_in_a_row": prog.in_a_row,
        "inbox": prog.total - prog.screened,
        "expected_relevant_left": prog.expected_left,
        "stop_rule_met": prog.stop_met,
        "ranked": ranking is not None,
        "explore": explore,
    }
    if args.json:
        _out(json.dumps(data, indent=2))
        return 0
    _out(
        f"{prog.screened} decisions: {prog.relevant} relevant, {prog.irrelevant} irrelevant "
        f"({prog.in_a_row} irrelevant in a row)"
    )
    _out(f"{prog.total - prog.screened} papers in the inbox")
    _out(f"exploration picks in triage: {explore_words(explore)}")
    if ranking is None:
        kinds = set(labels.values())
        need = "a relevant" if 1 not in kinds else "an irrelevant"
        _out(f"not ranked yet: {START_HINT} (needs {need} decision)")
        return 0
    _out(f"model: {ranking.spec.label}")
    if prog.expected_left is not None:
        _out(f"about {prog.expected_left:.1f} relevant papers expected among the rest")
    if prog.stop_met:
        _out(
            "stopping rule met: the last "
            f"{prog.in_a_row} decisions were irrelevant after {prog.share:.0%} screened; "
            "re-rank with another model (--model) before you stop"
        )
    return 0


def explore_in_triage(library) -> float:
    """The share of exploration picks triage mode uses on `library`: the TUI's palette
    switch as it remembered it, else the config's `[rank] explore`."""
    from papersift.ranking.screening import explore_setting
    from papersift.tui.config import load_config

    # tui.config imports no Textual: the CLI reads the same setting the TUI does.
    return explore_setting(library.load_ui_state(), load_config().explore)


def _stop_rule(args: argparse.Namespace):
    from papersift.ranking.settings import StopRule

    return StopRule(args.stop_after, args.min_share)


# ---------------------------------------------------------------------- rank explain


def cmd_rank_explain(args: argparse.Namespace) -> int:
    from papersift.actions import resolve_ids
    from papersift.ranking.ranker import paper_text

    library = _open(args)
    ranking = library_ranking(library, args.model)
    if ranking is None:
        raise PapersiftError(f"nothing is ranked yet: {START_HINT}")
    results = []
    for pid in resolve_ids(library, args.ids):
        paper = library.papers[pid]
        exp = ranking.explain(paper_text(paper), terms=args.terms)
        similar = library.papers.get(exp.similar_id) if exp.similar_id else None
        results.append((paper, exp, similar))
    if args.json:
        rows = [
            {
                "id": exp.paper_id,
                "title": paper.title,
                "score": exp.score,
                "probability": exp.probability,
                "percentile": exp.percentile,
                "position": exp.position,
                "up": [{"term": t.term, "weight": t.weight} for t in exp.up],
                "down": [{"term": t.term, "weight": t.weight} for t in exp.down],
                "similar": exp.similar_id,
                "similarity": exp.similarity,
                "model": ranking.spec.name,
            }
            for paper, exp, _similar in results
        ]
        _out(json_safe(json.dumps(rows, indent=2, ensure_ascii=False)))
        return 0
    for paper, exp, similar in results:
        for line in explanation_lines(paper.title, exp, similar.title if similar else None):
            _out(line)
        _out()
    return 0


def explanation_lines(title: str, exp, similar_title: str | None) -> list[str]:
    """An `Explanation` as plain lines (the CLI; the TUI renders its own)."""
    where = f"#{exp.position} in the inbox, " if exp.position else ""
    lines = [
        f"{exp.paper_id}  {clean_line(title)}",
        f"  {where}percentile {exp.percentile}, probability {exp.probability:.0%} "
        f"({exp.model}, from {exp.relevant} relevant / {exp.irrelevant} irrelevant)",
    ]
    if exp.up:
        ups = ", ".join(f"{clean_line(t.term)} {t.weight:+.2g}" for t in exp.up)
        lines.append(f"  up:   {ups}")
    if exp.down:
        lines.append(
            "  down: " + ", ".join(f"{clean_line(t.term)} {t.weight:+.2g}" for t in exp.down)
        )
    if similar_title is not None:
        lines.append(
            f"  most like: {exp.similar_id}  {clean_line(similar_title)} "
            f"(similarity {exp.similarity:.2f})"
        )
    return lines


# ---------------------------------------------------------------------- rank tags


def cmd_rank_tags(args: argparse.Namespace) -> int:
    from papersift.actions import resolve_ids
    from papersift.ranking.ranker import paper_text
    from papersift.ranking.tags import suggest_tags, tagged_texts

    library = _open(args)
    library.ensure_texts()
    tags = {pid: state.tags for pid, state in library.triage.items() if state.tags}
    tagged = tagged_texts(library.papers, tags)
    for pid in resolve_ids(library, args.ids):
        found = suggest_tags(paper_text(library.papers[pid]), tagged, limit=args.limit)
        words = ", ".join(f"{clean_line(s.tag)} ({s.weight:.2f})" for s in found)
        _out(f"{pid}  {words or '(no tagged paper is like it)'}")
    return 0


# ---------------------------------------------------------------------- rank simulate


def cmd_rank_simulate(args: argparse.Namespace) -> int:
    from papersift.ranking.features import PaperText
    from papersift.ranking.settings import model_named
    from papersift.ranking.simulate import simulate
    from papersift.readers.review_csv import read_review_csv

    spec = model_named(args.model)
    records = read_review_csv(Path(args.file))
    texts = [PaperText(r.record_id, r.title, r.abstract, tuple(r.authors)) for r in records]
    labels = {r.record_id: r.label for r in records}
    if not args.oracle_stdin:
        unlabelled = [r for r in records if r.label is None]
        if unlabelled:
            raise PapersiftError(
                f"{args.file}:{unlabelled[0].line}: record {unlabelled[0].record_id} has no "
                "label_included; a simulation needs every label (or use --oracle-stdin)"
            )
    prior_in = list(args.prior_included or [])
    prior_out = list(args.prior_excluded or [])
    if not prior_in and not prior_out and not args.oracle_stdin:
        prior_in, prior_out = default_priors(labels, args.seed)
    known = {r.record_id for r in records}
    for rid in (*prior_in, *prior_out):
        if rid not in known:
            raise PapersiftError(f"{args.file}: no record with record_id {rid!r}")
    asked: set[str] = set()

    def oracle(rid: str) -> int:
        if not args.oracle_stdin:
            return int(labels[rid] or 0)
        if rid in asked:  # pragma: no cover - simulate never asks twice
            raise PapersiftError(f"record {rid} was asked for twice")
        asked.add(rid)
        sys.stdout.write(rid + "\n")
        sys.stdout.flush()
        answer = sys.stdin.readline()
        if answer == "":
            raise PapersiftError(f"the oracle closed its input before answering for {rid}")
        answer = answer.strip()
        if answer not in ("0", "1"):
            raise PapersiftError(f"the oracle answered {answer!r} for {rid}; expected 1 or 0")
        return int(answer)

    known_labels = {k: v for k, v in labels.items() if v is not None}
    step = _progress_step(len(records)) if not args.quiet else None
    result = simulate(
        texts,
        oracle,
        prior_included=prior_in,
        prior_excluded=prior_out,
        spec=spec,
        seed=args.seed,
        explore=args.explore,
        explore_kind=args.explore_kind,
        prior_labels=None if args.oracle_stdin else known_labels,
        on_step=step,
        relevant_total=(
            sum(known_labels.values())
            if args.stop_when_all_found and not args.oracle_stdin
            else None
        ),
    )
    if args.order_out:
        from papersift.fsutil import atomic_write_text

        atomic_write_text(Path(args.order_out), "".join(f"{rid}\n" for rid in result.order))
    metrics = {
        "records": len(records),
        "relevant": int(sum(result.labels)) + len(prior_in),
        "priors": list(result.priors),
        "model": spec.name,
        "seed": args.seed,
        "wss@95": result.wss(0.95),
        "recall@10%": result.recall(0.10),
        "recall@25%": result.recall(0.25),
    }
    if args.json:
        _err(json.dumps(metrics, indent=2))
    else:
        _err(
            f"{metrics['records']} records, model {spec.name}, seed {args.seed}, priors "
            f"{', '.join(result.priors)}"
        )
        _err(
            f"WSS@95 {metrics['wss@95']:.3f}  recall@10% {metrics['recall@10%']:.3f}  "
            f"recall@25% {metrics['recall@25%']:.3f}"
        )
    if not args.oracle_stdin:
        # Results on stdout when stdout is not the oracle's channel.
        _out(json.dumps(metrics) if args.json else f"wss@95={metrics['wss@95']:.4f}")
    return 0


def default_priors(labels: dict[str, int | None], seed: int) -> tuple[list[str], list[str]]:
    """One included and one excluded record, drawn with `seed` (ASReview's default
    prior knowledge for a simulation)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    included = sorted((k for k, v in labels.items() if v == 1), key=_natural)
    excluded = sorted((k for k, v in labels.items() if v == 0), key=_natural)
    if not included or not excluded:
        raise PapersiftError("the file needs at least one included and one excluded record")
    return [included[int(rng.integers(len(included)))]], [
        excluded[int(rng.integers(len(excluded)))]
    ]


def _natural(rid: str) -> tuple[int, str]:
    return (int(rid), "") if rid.isdigit() else (1 << 62, rid)


def _progress_step(total: int):
    if not sys.stderr.isatty():
        return None

    def step(done: int, todo: int) -> None:
        if done == todo or done % 25 == 0:
            sys.stderr.write(f"\rscreened {done}/{todo}")
            if done == todo:
                sys.stderr.write("\n")
            sys.stderr.flush()

    return step


# ---------------------------------------------------------------------- the parser


def add_rank_parser(sub) -> None:
    """Register `rank` and its subcommands on the CLI's subparsers."""
    from papersift.ranking.screening import DEFAULT_EXPLORE_KIND, EXPLORE_KINDS
    from papersift.ranking.settings import DEFAULT_MODEL, DEFAULT_STOP, MODELS

    models_help = "; ".join(f"{m.name}: {m.help}" for m in MODELS)
    p = sub.add_parser("rank", help="rank the inbox by your decisions: status, explain, simulate")
    rank_sub = p.add_subparsers(dest="rank_command", metavar="SUBCOMMAND", required=True)

    def model_option(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--model",
            default=DEFAULT_MODEL,
            choices=[m.name for m in MODELS],
            help=f"the model ({models_help})",
        )

    ps = rank_sub.add_parser("status", help="screening progress and the stopping rule")
    model_option(ps)
    ps.add_argument("--json", action="store_true", help="as JSON")
    ps.add_argument(
        "--stop-after",
        type=int,
        default=DEFAULT_STOP.irrelevant_in_a_row,
        metavar="N",
        help="stopping rule: N irrelevant decisions in a row … (default: %(default)s)",
    )
    ps.add_argument(
        "--min-share",
        type=float,
        default=DEFAULT_STOP.min_share,
        metavar="F",
        help="… after at least this share of papers screened (default: %(default)s)",
    )
    ps.set_defaults(func=cmd_rank_status)

    pe = rank_sub.add_parser("explain", help="why papers are ranked where they are")
    pe.add_argument("ids", nargs="+", metavar="ID")
    model_option(pe)
    pe.add_argument("--terms", type=int, default=5, help="terms each way (default: 5)")
    pe.add_argument("--json", action="store_true", help="as JSON")
    pe.set_defaults(func=cmd_rank_explain)

    pt = rank_sub.add_parser(
        "tags", help="suggest tags: those of the tagged papers each paper most resembles"
    )
    pt.add_argument("ids", nargs="+", metavar="ID")
    pt.add_argument("--limit", type=int, default=5, help="at most N tags (default: 5)")
    pt.set_defaults(func=cmd_rank_tags)

    pm = rank_sub.add_parser(
        "simulate",
        help="screen a labelled review CSV with the model (like asreview simulate)",
        description="Screen FILE.csv (ASReview's columns: record_id, title, abstract, "
        "authors, year, doi, label_included) as triage mode would: fit on what is "
        "labelled, take the top-scored record, learn its label, repeat. Prints WSS@95 "
        "and recall after 10%% and 25%% screened (priors left out) on stderr.",
    )
    pm.add_argument("file", metavar="FILE.csv")
    model_option(pm)
    pm.add_argument(
        "--prior-included", action="append", metavar="ID", help="a prior relevant record_id"
    )
    pm.add_argument(
        "--prior-excluded", action="append", metavar="ID", help="a prior irrelevant record_id"
    )
    pm.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    pm.add_argument(
        "--explore",
        type=float,
        default=0.0,
        metavar="F",
        help="share of ranked picks that are exploration picks, spaced evenly (every "
        "round(1/F)-th pick, as in triage mode; at most 0.5; default: 0)",
    )
    pm.add_argument(
        "--explore-kind",
        default=DEFAULT_EXPLORE_KIND,
        choices=[k.name for k in EXPLORE_KINDS],
        help="which paper an exploration pick shows ("
        + "; ".join(f"{k.name}: {k.help}" for k in EXPLORE_KINDS)
        + "; default: %(default)s)",
    )
    pm.add_argument("--order-out", metavar="FILE", help="write record_ids in screening order")
    pm.add_argument(
        "--oracle-stdin",
        action="store_true",
        help="labels are not in the file: write each pick's record_id to stdout and read "
        "1 or 0 from stdin",
    )
    pm.add_argument(
        "--stop-when-all-found",
        action="store_true",
        help="stop refitting once every relevant record is found (the labels are in the "
        "file); the rest follow in the last ranking's order: the metrics are the same, "
        "a benchmark runs several times faster",
    )
    pm.add_argument("--json", action="store_true", help="metrics as JSON")
    pm.add_argument("--quiet", action="store_true", help="no progress line")
    pm.set_defaults(func=cmd_rank_simulate)
