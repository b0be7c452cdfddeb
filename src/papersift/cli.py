"""The `papersift` command: the TUI with no subcommand, scriptable subcommands otherwise.

Every subcommand is a thin shell over the core functions the TUI uses (importer,
actions, query, bibtex_export, share), so anything done in the TUI can be scripted.
Errors are `PapersiftError`s: printed as one clear line on stderr, exit status 1.
Textual is imported only when the TUI starts, so the subcommands start fast.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from papersift import __version__
from papersift.models import STATUSES, Entry, PapersiftError
from papersift.paths import config_file, default_library, user_name
from papersift.textsafe import clean_block, clean_line, json_safe, one_line

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


# ---------------------------------------------------------------------- helpers


def _library(args: argparse.Namespace, *, readonly: bool = False, texts: bool = True):
    """The library named by --library. With `texts=False` abstracts and BibTeX origins
    are left unread (most of corpus.json's bytes) for commands that only touch triage
    or titles: `star` on a 100k library then takes well under a second."""
    from papersift.store import Library

    library = Library(args.library, readonly=readonly, lazy_texts=not texts)
    # Another process (the TUI, an import) may hold the lock: say so instead of hanging.
    library.on_wait = lambda message: _err(f"papersift: {clean_block(message)}")
    # An id of a merged paper works and says what it became (issue #18 item 17).
    library.on_note = lambda message: _err(f"papersift: note: {clean_block(message)}")
    return library


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _selected(
    args: argparse.Namespace, library, *, ids_attr: str = "ids", scores=None
) -> list[Entry]:
    """Entries named by ids, or chosen by the --view/--query/--starred/--tag/--status
    filters, in --sort order (library order by default)."""
    from papersift.actions import resolve_ids
    from papersift.views import select

    ids = getattr(args, ids_attr, None) or []
    if ids:
        return [library.entry(pid) for pid in resolve_ids(library, ids)]
    return select(
        library,
        view=getattr(args, "view", None) or "all",
        query=getattr(args, "query", None),
        starred=getattr(args, "starred", False),
        tags=getattr(args, "tag", None) or (),
        status=getattr(args, "status", None),
        sort=getattr(args, "sort", None),
        reverse=getattr(args, "reverse", False),
        scores=scores if scores is not None else _rank_scores(args, library),
    )


def _rank_scores(args: argparse.Namespace, library):
    """The ranking's scores when the order asked for (or a saved view's) is predicted
    relevance."""
    from papersift.views import UserViews, effective_sort, parse_view

    sort = getattr(args, "sort", None)
    if sort is None and library is not None:
        user = UserViews.of_library(library)
        view = parse_view(getattr(args, "view", None) or "all", user)
        sort = effective_sort(view, None, False, user)[0]
    if sort != "rank":
        return None
    from papersift.cli_rank import rank_scores

    return rank_scores(library)


def _require_target(args: argparse.Namespace, entries: list[Entry]) -> list[str]:
    if not (getattr(args, "ids", None) or getattr(args, "query", None)):
        raise PapersiftError("name papers by id or choose them with --query Q")
    if not entries:
        raise PapersiftError("no paper matches; nothing was changed")
    return [e.id for e in entries]


def _progress_printer(enabled: bool):
    """A Rich progress bar on a terminal, nothing otherwise (pipes and CI stay clean)."""
    if not enabled:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # Refreshed from `update`, not by Rich's own thread: a process with one thread can
    # fork, and dedupe shares its work with a forked child when it can.
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        auto_refresh=False,
    )
    tasks: dict[str, int] = {}
    labels = {"read": "reading files", "dedupe": "deduplicating", "write": "writing library"}
    last = 0.0

    def update(stage: str, done: int, total: int) -> None:
        nonlocal last
        if stage not in tasks:
            tasks[stage] = bar.add_task(labels.get(stage, stage), total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))
        now = time.monotonic()
        if now - last >= 0.1 or done >= total:
            last = now
            bar.refresh()

    return bar, update


# ---------------------------------------------------------------------- commands


def cmd_tui(args: argparse.Namespace) -> int:
    if not sys.stdout.isatty() and not os.environ.get("PAPERSIFT_FORCE_TUI"):
        raise PapersiftError(
            "the TUI needs a terminal; use a subcommand (papersift --help) in scripts"
        )
    from papersift.tui.app import run

    run(args.library)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from papersift.importer import import_files

    library = _library(args)
    bar, progress = _progress_printer(sys.stderr.isatty() and not args.quiet)
    if bar is not None:
        with bar:
            reports = import_files(library, [Path(p) for p in args.files], progress)
    else:
        reports = import_files(library, [Path(p) for p in args.files])
    failed = sum(not print_import_report(report) for report in reports)
    from papersift.cli_review import join_imported_reviews

    join_imported_reviews(library, [Path(p) for p in args.files], reports, _out)
    _out(
        f"library: {len(library)} papers, {len(library.open_possible())} possible duplicates "
        f"to review ({clean_block(str(args.library))})"
    )
    return EXIT_ERROR if failed else EXIT_OK


def print_import_report(report, out=_out, err=_err) -> bool:
    """Print what importing one file did, as `papersift import` and `papersift watch`
    do: its warnings and error on `err`, one summary line on `out`. False if it failed."""
    for warning in report.warnings:
        err(f"warning: {clean_block(warning)}")
    if report.error:
        err(f"error: {clean_block(report.error)}")
        out(f"{clean_block(report.file)}: FAILED, nothing imported")
        return False
    n_kept = report.kept_with_warnings
    kept = f", {n_kept} kept with a warning" if n_kept else ""
    out(
        f"{clean_block(report.file)}: read {report.read} ({report.format}){kept}, new "
        f"{report.new}, merged {report.merged}, unchanged {report.unchanged}, "
        f"possible duplicates {report.possible}"
    )
    return True


def _write_json(data: object) -> None:
    import orjson

    text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
    sys.stdout.buffer.write(json_safe(text).encode("utf-8") + b"\n")


def _write_json_array(items: Iterable[object], chunk: int = 1000) -> None:
    """`_write_json(list(items))`, byte for byte, written as it goes: a whole library as
    one JSON text was 1 GB of memory at 100k papers."""
    import orjson

    out = sys.stdout.buffer
    started = False
    batch: list[bytes] = []

    def flush() -> None:
        nonlocal started
        if batch:
            text = (b",\n" if started else b"[\n") + b",\n".join(batch)
            out.write(json_safe(text.decode("utf-8")).encode("utf-8"))
            started = True
            batch.clear()

    for item in items:
        # An element of a top-level array is indented two more spaces; JSON strings hold
        # no raw line breaks, so every b"\n" is a line of the layout.
        batch.append(b"  " + orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  "))
        if len(batch) >= chunk:
            flush()
    flush()
    out.write(b"\n]\n" if started else b"[]\n")


def _entry_json(entry: Entry) -> dict:
    p, t = entry.paper, entry.triage
    return {
        "id": p.id,
        "title": p.title,
        "abstract": p.abstract,
        "authors": list(p.authors),
        "year": p.year,
        "venue": p.venue,
        "doi": p.doi,
        "arxiv": p.arxiv,
        "url": p.url,
        "starred": t.starred,
        "status": t.status,
        "tags": list(t.tags),
        "note": t.note,
        "shared": [s.to_dict() for s in t.shared],
        "sources": [s.to_dict() for s in p.sources],
    }


def cmd_list(args: argparse.Namespace) -> int:

    library = None
    if (args.library / "corpus.json").exists():
        library = _library(args, readonly=True, texts=args.json)
    scores = _rank_scores(args, library) if library is not None else None
    entries = _selected(args, library, scores=scores) if library is not None else []
    if not entries and args.query and library is not None:
        from papersift.query.language import absent_fields, absent_message, parse

        # Why nothing matched, when it is the library that lacks the field.
        absent = absent_message(absent_fields(parse(args.query), library.papers.values()))
        if absent:
            _err(f"papersift: {absent}")
    if args.limit:
        entries = entries[: args.limit]
    if args.json:
        ranked = (scores or {}).get("rank")
        if ranked:
            # The model's score rides along when the list is in its order.
            _write_json_array({**_entry_json(e), "score": ranked.get(e.id)} for e in entries)
        else:
            _write_json_array(_entry_json(e) for e in entries)
        return EXIT_OK
    if not sys.stdout.isatty():
        # Piped (issue #18 item 16: rows were padded to 200 columns): one tab-separated
        # line a paper, nothing padded or cut, for cut/awk/sort.
        for e in entries:
            t = e.triage
            _out(
                "\t".join(
                    (
                        e.id,
                        "*" if t.starred else "",
                        t.status,
                        one_line(e.paper.title),
                        str(e.paper.year or ""),
                        one_line(",".join(t.tags)),
                    )
                )
            )
        return EXIT_OK
    for line in list_table(entries, shutil.get_terminal_size().columns):
        _out(line)
    _out(f"{len(entries)} papers")
    return EXIT_OK


#: The widest the tags column of `papersift list` gets on a terminal.
LIST_TAGS_WIDTH = 20


def list_table(entries: Sequence[Entry], columns: int) -> list[str]:
    """`papersift list` on a terminal `columns` wide: id, star, status, title, year, tags,
    each line at most `columns` cells (wide characters counted as two) and no trailing
    spaces. A year or tags column empty in every row is left out and its room goes to
    the title."""
    from rich.cells import cell_len, set_cell_size

    years = [str(e.paper.year or "") for e in entries]
    tags = [one_line(",".join(e.triage.tags)) for e in entries]
    year_width = 5 if any(years) else 0  # a space and four digits
    tags_width = min(LIST_TAGS_WIDTH, max(map(cell_len, tags), default=0))
    tags_width += 1 if tags_width else 0
    title_width = max(20, columns - (12 + 2 + 1 + 1 + 9 + 1) - year_width - tags_width)
    lines = []
    for e, year, tag_text in zip(entries, years, tags, strict=True):
        title = one_line(e.paper.title)
        if cell_len(title) > title_width:
            title = set_cell_size(title, title_width - 1).rstrip() + "…"
        if cell_len(tag_text) > LIST_TAGS_WIDTH:
            tag_text = set_cell_size(tag_text, LIST_TAGS_WIDTH - 1).rstrip() + "…"
        line = f"{e.id}  {'*' if e.triage.starred else ' '} {e.triage.status:<9} "
        line += set_cell_size(title, title_width)
        if year_width:
            line += f" {year:>4}"
        if tags_width:
            line += f" {tag_text}"
        lines.append(line.rstrip())
    return lines


def cmd_show(args: argparse.Namespace) -> int:
    from papersift.actions import resolve_ids

    library = _library(args, readonly=True)
    for pid in resolve_ids(library, args.ids):
        e = library.entry(pid)
        p, t = e.paper, e.triage
        _out(f"{p.id}  {clean_line(p.title)}")
        if p.authors:
            _out(f"  authors: {clean_block('; '.join(p.authors))}")
        for label, value in (
            ("year", p.year),
            ("venue", p.venue),
            ("doi", p.doi),
            ("arXiv", p.arxiv),
            ("url", p.url),
        ):
            if value:
                _out(f"  {label}: {clean_block(str(value))}")
        _out(f"  status: {t.status}{'  starred' if t.starred else ''}")
        if t.tags:
            _out(f"  tags: {clean_block(', '.join(t.tags))}")
        if t.note:
            _out("  note: " + clean_block(t.note).replace("\n", "\n        "))
        for s in t.shared:
            star = ", starred" if s.starred else ""
            _out(
                f"  from {clean_block(s.by)} ({clean_block(s.status) or 'no status'}{star}): "
                f"{clean_line(s.note)}"
            )
        _out("  sources: " + ", ".join(f"{clean_block(s.file)}#{s.index}" for s in p.sources))
        if p.abstract:
            _out("")
            _out("  " + clean_block(p.abstract))
        _out("")
    return EXIT_OK


def _report_change(change) -> int:
    _out(change.description if change.triage_before or change.decision else "nothing changed")
    return EXIT_OK


def cmd_star(args: argparse.Namespace) -> int:
    from papersift import actions

    library = _library(args, texts=False)
    ids = _require_target(args, _selected(args, library))
    return _report_change(actions.set_starred(library, ids, args.command == "star"))


def cmd_status(args: argparse.Namespace) -> int:
    from papersift import actions

    *ids, status = args.args
    if status not in STATUSES:
        raise PapersiftError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    args.ids = ids
    library = _library(args, texts=False)
    targets = _require_target(args, _selected(args, library))
    return _report_change(actions.set_status(library, targets, status))


def cmd_tag(args: argparse.Namespace) -> int:
    from papersift import actions

    library = _library(args, texts=False)
    if args.rename:
        old, new = args.rename
        return _report_change(actions.rename_tag(library, old, new))
    if not (args.add or args.remove):
        if args.ids or args.query:
            return _list_paper_tags(args, library)
        # No paper named and no change asked for: the tags in use in the library.
        for tag, count in library.all_tags().items():
            _out(f"{count:6d}  {clean_block(tag)}")
        return EXIT_OK
    ids = _require_target(args, _selected(args, library))
    adds = [t for text in args.add or [] for t in actions.split_tags(text)]
    removes = [t for text in args.remove or [] for t in actions.split_tags(text)]
    existing = library.all_tags()
    for tag in adds:
        near = actions.similar_tag(tag, existing)
        if near:
            _err(f"note: tag {tag!r} is close to the existing tag {near!r}")
    if removes:
        _report_change(actions.remove_tags(library, ids, removes))
    if adds:
        _report_change(actions.add_tags(library, ids, adds))
    return EXIT_OK


def _list_paper_tags(args: argparse.Namespace, library) -> int:
    """`papersift tag ID`: that paper's tags, one a line (issue #18 item 15: it listed
    every tag in the library). Several papers (ids or --query): "ID  tag, tag" each."""
    entries = _selected(args, library)
    if not entries:
        raise PapersiftError("no paper matches")
    if len(entries) == 1 and not args.query:
        (entry,) = entries
        for tag in entry.triage.tags:
            _out(clean_line(tag))
        if not entry.triage.tags:
            _err(f"papersift: {entry.id} has no tags")
        return EXIT_OK
    for e in entries:
        _out(f"{e.id}  {', '.join(clean_line(tag) for tag in e.triage.tags)}".rstrip())
    return EXIT_OK


def cmd_note(args: argparse.Namespace) -> int:
    from papersift import actions

    library = _library(args, texts=False)
    (pid,) = actions.resolve_ids(library, [args.id])
    current = library.triage_of(pid).note
    if args.set is not None:
        text = args.set
    elif args.edit:
        text = _edit_in_editor(current)
    else:
        _out(clean_block(current))
        return EXIT_OK
    return _report_change(actions.set_note(library, pid, text))


def _edit_in_editor(text: str) -> str:
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as f:
        f.write(text)
        name = f.name
    try:
        result = subprocess.run([*shlex.split(editor), name], check=False)
        if result.returncode != 0:
            raise PapersiftError(
                f"the editor ({editor}) exited with status "
                f"{result.returncode}; the note was not changed"
            )
        return Path(name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PapersiftError(f"cannot run the editor {editor!r}; set $EDITOR") from None
    finally:
        Path(name).unlink(missing_ok=True)


def cmd_dedupe(args: argparse.Namespace) -> int:
    from papersift import actions

    # Titles are all the listing shows; a merge reads the texts before it writes.
    library = _library(args, readonly=not (args.merge or args.keep_apart), texts=False)
    if args.merge:
        return _report_change(actions.merge_papers(library, *args.merge))
    if args.keep_apart:
        return _report_change(actions.keep_apart(library, *args.keep_apart))
    pairs = library.open_possible()
    if args.json:
        _write_json(
            [
                {
                    **pd.to_dict(),
                    "title_a": library.papers[pd.a].title,
                    "title_b": library.papers[pd.b].title,
                }
                for pd in pairs
            ]
        )
        return EXIT_OK
    if not pairs:
        _out("no possible duplicates to review")
    for pd in pairs:
        _out(f"{pd.score:5.1f}  {pd.a}  {one_line(library.papers[pd.a].title, 70)}")
        _out(f"       {pd.b}  {one_line(library.papers[pd.b].title, 70)}")
        if pd.reason:
            _out(f"       ({clean_block(pd.reason)})")
    if pairs:
        _out(f"{len(pairs)} pairs; decide with --merge ID ID or --keep-apart ID ID")
    return EXIT_OK


def _write_output(text: str, output: Path | None, force: bool, count: int) -> None:
    from papersift.fsutil import atomic_write_text

    if output is None:
        sys.stdout.write(text)
        return
    atomic_write_text(output, text, overwrite=force)
    _err(f"wrote {count} entr{'y' if count == 1 else 'ies'} to {output}")


def _export_target(output: str | None, fmt: str, mkdir: bool) -> Path | None:
    """The file `export -o OUTPUT` writes (None: stdout): the format's ending added when
    the name has none, absolute; a missing folder is created with --mkdir, else named
    in the error (issue #18 item 10)."""
    from papersift.exporters import EXPORT_FORMATS, export_path
    from papersift.fsutil import describe_os_error

    if output in (None, "-"):
        return None
    target = export_path(output, fmt)
    if target.is_dir():
        example = target / f"papers{EXPORT_FORMATS[fmt].extension}"
        raise PapersiftError(f"{target} is a folder; give a file name, e.g. {example}")
    folder = target.parent
    if not folder.is_dir():
        if folder.exists() or not mkdir:
            what = "is not a folder" if folder.exists() else "does not exist"
            hint = "" if folder.exists() else " (add --mkdir to create it)"
            raise PapersiftError(f"{folder}: {what}; nothing exported{hint}")
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise PapersiftError(f"{folder}: cannot create: {describe_os_error(exc)}") from exc
    return target


def cmd_export(args: argparse.Namespace) -> int:
    from papersift import auto_export
    from papersift.exporters import ExportSettings, export_entries, format_for_path

    if args.list_auto or args.remove_auto:
        library = _library(args, readonly=not args.remove_auto, texts=False)
        if args.remove_auto:
            gone = auto_export.remove(library, args.remove_auto)
            _err(f"{clean_line(gone.path)} is no longer kept up to date (the file stays)")
            return EXIT_OK
        for export in auto_export.registrations(library):
            _out(clean_line(export.describe()))
        return EXIT_OK
    fmt = args.format or (format_for_path(args.output) if args.output else None) or "bibtex"
    if args.keep_updated and args.output in (None, "-"):
        raise PapersiftError("--keep-updated needs a file: -o FILE")
    library = _library(args)
    missing: list[str] = []
    if args.cited:
        from papersift.cited import cited_keys
        from papersift.citekeys import resolve_keys

        keys = cited_keys(Path(args.cited))
        if not keys:
            raise PapersiftError(f"{args.cited}: cites no key; nothing exported")
        entries, missing = resolve_keys(library, keys)
    else:
        entries = _selected(args, library)
    if not entries and not missing and not args.keep_updated:
        raise PapersiftError("no paper matches; nothing exported")
    target = _export_target(args.output, fmt, args.mkdir)
    settings = ExportSettings(unicode=not args.ascii, include_triage=not args.no_triage)
    text = export_entries(library, entries, fmt, settings)
    if args.clipboard:
        from papersift.clipboard import copy_text

        how = copy_text(text.rstrip("\n") if fmt not in ("bibtex", "ris", "csl-json") else text)
        _err(f"copied {len(entries)} entries to the {how}")
    else:
        _write_output(text, target, args.force or args.keep_updated, len(entries))
    if args.keep_updated:
        saved = auto_export.register(
            library,
            auto_export.AutoExport(
                path=str(target),
                format=fmt,
                ids=tuple(e.id for e in entries) if args.ids else (),
                view=args.view or "all",
                query=args.query or "",
                starred=args.starred,
                tags=tuple(args.tag or ()),
                status=args.status or "",
                sort=args.sort or "",
                reverse=args.reverse,
                cited=str(Path(args.cited).resolve()) if args.cited else "",
                unicode=not args.ascii,
                include_triage=not args.no_triage,
            ),
        )
        _err(f"{clean_line(saved.path)} is kept up to date from now on")
    if missing:
        _err(
            f"papersift: {len(missing)} cited key(s) not in the library: "
            + ", ".join(clean_line(k) for k in missing)
        )
        return EXIT_ERROR
    return EXIT_OK


def cmd_key(args: argparse.Namespace) -> int:
    from papersift.actions import resolve_ids
    from papersift.citekeys import check_key, library_keys

    library = _library(args, texts=False)
    (pid,) = resolve_ids(library, [args.id])
    if args.set is None:
        _out(library_keys(library)[pid])
        return EXIT_OK
    key = check_key(args.set.strip())
    for other, other_key in library_keys(library).items():
        if other != pid and other_key.casefold() == key.casefold():
            raise PapersiftError(f"the key {key!r} is already paper {other}'s; choose another")
    library.set_pinned_key(pid, key)
    _err(f"{pid}: citation key {key} (pinned)")
    return EXIT_OK


def refresh_auto_exports(args: argparse.Namespace) -> None:
    """After a command that changed the library: rewrite the auto-exports it altered.
    A failure is a warning: the user's change is already saved."""
    from papersift import auto_export
    from papersift.store import Library

    try:
        library = Library(args.library, create=False)
        for outcome in auto_export.refresh(library):
            if outcome.result == "failed":
                _err(f"papersift: warning: auto-export {clean_block(outcome.message)}")
            elif outcome.missing:
                _err(
                    f"papersift: warning: {clean_line(outcome.export.path)}: cited key(s) not "
                    "in the library: " + ", ".join(clean_line(k) for k in outcome.missing)
                )
    except PapersiftError as exc:
        _err(f"papersift: warning: auto-exports not refreshed: {clean_block(str(exc))}")


def cmd_share(args: argparse.Namespace) -> int:
    from papersift import share

    if args.share_command == "export":
        library = _library(args, readonly=True)
        entries = _selected(args, library)
        if not entries:
            raise PapersiftError("no paper matches; no list written")
        meta = share.ListMeta(
            name=args.name, description=args.description or "", author=args.author or user_name()
        )
        if args.output == "-":
            sys.stdout.buffer.write(share.dumps_list(share.build_list(entries, meta)))
            return EXIT_OK
        share.write_list(Path(args.output), entries, meta, force=args.force)
        _err(f"wrote {len(entries)} papers to {args.output}")
        return EXIT_OK
    if args.share_command == "merge":
        lists = []
        for name in args.lists:
            path = Path(name)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise PapersiftError(f"{path}: cannot read: {exc.strerror}") from None
            lists.append(share.load_list(text, str(path)))
        merged = lists[0]
        for other in lists[1:]:
            merged = share.merge_lists(merged, other)
        data = share.dumps_list(merged)
        if args.output == "-":
            sys.stdout.buffer.write(data)
        else:
            from papersift.fsutil import atomic_write_bytes

            atomic_write_bytes(Path(args.output), data, overwrite=args.force)
            _err(f"wrote {len(merged['papers'])} papers to {args.output}")
        return EXIT_OK
    raise PapersiftError("use `papersift share export` or `papersift share merge`")


def cmd_doctor(args: argparse.Namespace) -> int:
    from papersift.doctor import run_doctor

    return run_doctor(args.library, restore=args.restore, out=_out)


def cmd_locate(args: argparse.Namespace) -> int:
    from papersift.paths import sample_data_dir, styles_dir

    _out(f"library: {args.library}")
    _out(f"config:  {config_file()}")
    _out(f"user:    {user_name()}  (your name in shared reading lists)")
    _out(f"samples: {sample_data_dir()}")
    _out(f"styles:  {styles_dir()}")
    return EXIT_OK


# ---------------------------------------------------------------------- parser


def _add_filters(p: argparse.ArgumentParser, *, with_status: bool = True) -> None:
    p.add_argument(
        "-q", "--query", metavar="Q", help="papers matching a query (see `papersift help-query`)"
    )
    p.add_argument(
        "--view",
        metavar="V",
        help="papers of one view, as in the app's sidebar: inbox, starred, to-read, reading, "
        "read, discarded, all (the default), new (since the app last closed), tag:NAME, "
        "source:FILE, or a saved view's NAME (`papersift views`; saved:NAME also works, "
        "and built-in views win on a clash)",
    )
    p.add_argument("--starred", action="store_true", help="only starred papers")
    p.add_argument(
        "--tag", action="append", metavar="T", help="only papers with tag T (repeatable)"
    )
    if with_status:
        p.add_argument("--status", choices=STATUSES, help="only papers with this status")


def _add_sort(p: argparse.ArgumentParser) -> None:
    from papersift.views import SORTS

    p.add_argument(
        "--sort",
        choices=list(SORTS),
        default=None,
        help="order: "
        + "; ".join(f"{m.key}: {m.help}" for m in SORTS.values())
        + " (default: library, or a saved view's own sort)",
    )
    p.add_argument("--reverse", action="store_true", help="reverse the order")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    parser = argparse.ArgumentParser(
        prog="papersift",
        description="Triage reading lists of research papers. With no command, opens the "
        "TUI (on first run it imports the bundled sample corpus).",
    )
    parser.add_argument("--version", action="version", version=f"papersift {__version__}")
    parser.add_argument(
        "--library",
        type=Path,
        default=None,
        metavar="DIR",
        help="library directory (default: $PAPERSIFT_LIBRARY or the user data dir: "
        f"{default_library()})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    from papersift.exporters import EXPORT_FORMATS
    from papersift.readers.formats import describe_formats

    p = sub.add_parser("import", help=f"import files: {describe_formats()}")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("list", help="list papers (a table, or JSON with --json)")
    _add_filters(p)
    _add_sort(p)
    p.add_argument("--json", action="store_true", help="a JSON array of papers")
    p.add_argument("--limit", type=int, default=0, help="at most N papers")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show papers in full")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.set_defaults(func=cmd_show)

    for name, helptext in (("star", "star papers"), ("unstar", "unstar papers")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("ids", nargs="*", metavar="ID")
        p.add_argument("-q", "--query", metavar="Q", help="papers matching a query instead")
        p.set_defaults(func=cmd_star)

    p = sub.add_parser(
        "status",
        help=f"set the status: {', '.join(STATUSES)}",
        usage="papersift status [ID ...] STATUS [--query Q]",
    )
    p.add_argument("args", nargs="+", metavar="ID... STATUS")
    p.add_argument("-q", "--query", metavar="Q", help="papers matching a query instead of ids")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "tag",
        help="add/remove tags; rename a tag; list a paper's tags or the library's",
        description="With --add/--remove: change the tags of the papers named (ids or "
        "--query). With ids or --query alone: list those papers' tags (one paper: one tag "
        "a line). With nothing: every tag in the library and how many papers have it.",
    )
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("-q", "--query", metavar="Q", help="papers matching a query instead of ids")
    p.add_argument("--add", action="append", metavar="T", help="add tag(s) T (comma-separated)")
    p.add_argument("--remove", action="append", metavar="T", help="remove tag(s) T")
    p.add_argument(
        "--rename",
        nargs=2,
        metavar=("OLD", "NEW"),
        help="rename a tag library-wide (merges into NEW if it exists)",
    )
    p.set_defaults(func=cmd_tag)

    p = sub.add_parser("note", help="show, set or edit a paper's note")
    p.add_argument("id", metavar="ID")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--set", metavar="TEXT", help="replace the note with TEXT ('' clears it)")
    g.add_argument("--edit", action="store_true", help="edit the note in $EDITOR")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("dedupe", help="list possible duplicates; record merge/keep-apart")
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--merge",
        nargs=2,
        metavar=("KEEP", "OTHER"),
        help="the two are one paper: merge OTHER into KEEP",
    )
    g.add_argument(
        "--keep-apart", nargs=2, metavar=("ID", "ID"), help="the two are different papers"
    )
    p.add_argument("--json", action="store_true", help="pairs as JSON")
    p.set_defaults(func=cmd_dedupe)

    p = sub.add_parser("export", help="export papers as BibTeX (or keys, \\cite, pandoc…)")
    _add_filters(p)
    _add_sort(p)
    p.add_argument("ids", nargs="*", metavar="ID", help="papers to export (default: filters)")
    p.add_argument(
        "--bibtex", dest="format", action="store_const", const="bibtex", help="BibTeX (the default)"
    )
    p.add_argument(
        "--as",
        dest="format",
        choices=list(EXPORT_FORMATS),
        help="output format: "
        + "; ".join(f"{f.name}: {f.label}" for f in EXPORT_FORMATS.values())
        + " (default: bibtex, or what -o FILE's ending says: .ris, .json)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE ('-' for stdout, the default); a name without an ending gets "
        "the format's (.bib, .ris, .json)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    p.add_argument("--mkdir", action="store_true", help="create FILE's folder if it does not exist")
    p.add_argument("--clipboard", action="store_true", help="copy to the clipboard instead")
    p.add_argument(
        "--ascii", action="store_true", help="LaTeX escapes instead of UTF-8 (for classic bibtex)"
    )
    p.add_argument(
        "--no-triage", action="store_true", help="leave out tags, notes, stars and statuses"
    )
    p.add_argument(
        "--cited",
        metavar="DRAFT",
        help="export exactly the papers DRAFT cites (.aux, .tex, or pandoc Markdown); "
        "keys it cites that the library lacks are listed, and the exit status is 1",
    )
    p.add_argument(
        "--keep-updated",
        action="store_true",
        help="keep FILE up to date: rewrite it after every change to what it holds",
    )
    p.add_argument(
        "--list-auto", action="store_true", help="list the files kept up to date, and exit"
    )
    p.add_argument(
        "--remove-auto", metavar="FILE", help="stop keeping FILE up to date (it stays), and exit"
    )
    p.set_defaults(func=cmd_export, format=None)

    p = sub.add_parser("key", help="show a paper's citation key, or set (pin) it")
    p.add_argument("id", metavar="ID")
    p.add_argument("--set", metavar="KEY", help="use KEY from now on (refused if taken)")
    p.set_defaults(func=cmd_key)

    p = sub.add_parser("share", help="shared reading lists: export, merge")
    share_sub = p.add_subparsers(dest="share_command", metavar="SUBCOMMAND")
    pe = share_sub.add_parser("export", help="write a reading-list JSON file")
    _add_filters(pe)
    pe.add_argument("ids", nargs="*", metavar="ID")
    pe.add_argument("--name", default="Reading list", help="the list's name")
    pe.add_argument("--description", help="what the list is about")
    pe.add_argument(
        "--author",
        default=None,
        help="who made it (default: your user name, see `papersift locate`)",
    )
    pe.add_argument("-o", "--output", required=True, metavar="FILE")
    pe.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    pm = share_sub.add_parser("merge", help="merge versions of a list into one")
    pm.add_argument("lists", nargs="+", metavar="LIST.json")
    pm.add_argument("-o", "--output", required=True, metavar="FILE")
    pm.add_argument("--force", action="store_true", help="overwrite an existing FILE")
    p.set_defaults(func=cmd_share)

    p = sub.add_parser("doctor", help="check a library; restore triage from a backup")
    p.add_argument(
        "--restore",
        nargs="?",
        const="latest",
        metavar="BACKUP",
        help="restore triage.json from a backup (default: the newest)",
    )
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("locate", help="print where the library, config and styles are")
    p.set_defaults(func=cmd_locate)

    from papersift.cli_rank import add_rank_parser

    add_rank_parser(sub)

    from papersift.cli_review import add_review_parser

    add_review_parser(sub)

    from papersift.cli_add import add_add_parser

    add_add_parser(sub)

    from papersift.cli_views import add_views_parser

    add_views_parser(sub)

    from papersift.cli_open import add_open_parsers

    add_open_parsers(sub)

    p = sub.add_parser("help-query", help="explain the query language")
    p.set_defaults(
        func=lambda args: (_out(__import__("papersift.query").query.QUERY_HELP), EXIT_OK)[1]
    )
    return parser


#: Commands that may change what an auto-export holds (see `refresh_auto_exports`).
_CHANGING_COMMANDS = frozenset(
    ("import", "star", "unstar", "status", "tag", "note", "dedupe", "key")
)

#: Options whose value often starts with "-" (a negated query term such as -is:read).
_VALUE_OPTIONS = ("-q", "--query", "--set")


def _join_option_values(argv: Sequence[str]) -> list[str]:
    """`--query -is:read` → `--query=-is:read`: argparse would take the value for an option."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        item = items[i]
        if item == "--":
            out.extend(items[i:])
            break
        if item in _VALUE_OPTIONS and i + 1 < len(items) and items[i + 1].startswith("-"):
            out.append(f"{item}={items[i + 1]}")
            i += 2
            continue
        out.append(item)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `papersift` script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(_join_option_values(sys.argv[1:] if argv is None else argv))
    if args.library is None:
        args.library = default_library()
    args.library = Path(args.library).expanduser()
    func = getattr(args, "func", cmd_tui)
    try:
        status = func(args)
        if args.command in _CHANGING_COMMANDS:
            refresh_auto_exports(args)
        return status
    except PapersiftError as exc:
        _err(f"papersift: error: {clean_block(str(exc))}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("papersift: interrupted; the library is as it was after the last completed step")
        return 130
    except BrokenPipeError:
        # `papersift list | head`: the reader went away; not an error worth a traceback.
        sys.stderr.close()
        return EXIT_OK
