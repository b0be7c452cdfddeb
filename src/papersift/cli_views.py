"""`papersift views`: list, save, rename and delete saved views (issue #15 part 4).

The views are the app's (`S` saves one, the sidebar lists them); `papersift list --view
NAME` and `export --view NAME` use one by name. The work is `papersift.saved_views`'s.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from papersift.models import PapersiftError
from papersift.textsafe import clean_line, json_safe

__all__ = ["add_views_parser"]


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _library(args: argparse.Namespace, *, readonly: bool):
    from papersift.store import Library

    if not (Path(args.library) / "corpus.json").exists():
        raise PapersiftError(f"no library at {args.library}; import some papers first")
    return Library(args.library, readonly=readonly, lazy_texts=True)


def cmd_views_list(args: argparse.Namespace) -> int:
    """Each saved view: its number key, name, count, base view, query and sort."""
    from papersift.saved_views import UserViews
    from papersift.views import ViewCounts, one_shot_search, sort_mode, view_title

    library = _library(args, readonly=True)
    user = UserViews.of_library(library)
    counts = ViewCounts.of_library(library, user=user, search=one_shot_search(library))
    rows = []
    for n, view in enumerate(user.saved, 1):
        error = counts.saved_errors.get(view.key)
        rows.append(
            {
                "key": str(n) if n <= 9 else "",
                "name": view.name,
                "count": counts.saved.get(view.key),
                "view": view.base,
                "query": view.query,
                "sort": view.sort,
                "reverse": view.reverse,
                "error": error,
            }
        )
    if args.json:
        import orjson

        text = orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode("utf-8")
        sys.stdout.buffer.write(json_safe(text).encode("utf-8") + b"\n")
        return 0
    if not rows:
        _out("no saved views (save one in the app with S, or with `papersift views save`)")
        return 0
    for row in rows:
        order = sort_mode(str(row["sort"])).label + (" reversed" if row["reverse"] else "")
        count = "?" if row["count"] is None else f"{row['count']:,}"
        where = view_title(str(row["view"]))
        query = f" matching {clean_line(str(row['query']))}" if row["query"] else ""
        _out(
            f"{row['key']:>1}  {clean_line(str(row['name']))}: {count} papers "
            f"({where}{query}; sorted by {order})"
        )
        if row["error"]:
            _out(f"   error: {clean_line(str(row['error']))}")
    return 0


def cmd_views_save(args: argparse.Namespace) -> int:
    """Save (or with --replace, overwrite) a view."""
    from papersift.saved_views import UserViews, save_view
    from papersift.views import parse_view

    library = _library(args, readonly=False)
    base = parse_view(args.view or "all", UserViews.of_library(library))
    if base.startswith("saved:"):
        raise PapersiftError("--view: a saved view narrows a built-in view, not another saved one")
    view = save_view(
        library,
        args.name,
        args.query or "",
        base=base,
        sort=args.sort,
        reverse=args.reverse,
        replace=args.replace,
    )
    _out(f"saved the view {clean_line(view.name)!r}")
    return 0


def cmd_views_rename(args: argparse.Namespace) -> int:
    """Rename a saved view."""
    from papersift.saved_views import rename_view

    view = rename_view(_library(args, readonly=False), args.old, args.new)
    _out(f"renamed the view {clean_line(args.old)!r} to {clean_line(view.name)!r}")
    return 0


def cmd_views_delete(args: argparse.Namespace) -> int:
    """Delete a saved view (its papers stay)."""
    from papersift.saved_views import delete_view

    view = delete_view(_library(args, readonly=False), args.name)
    _out(f"deleted the view {clean_line(view.name)!r}")
    return 0


def add_views_parser(sub) -> None:
    """The `views` command group, on the main parser's subparsers."""
    from papersift.views import SORTS

    p = sub.add_parser("views", help="saved views: list (the default), save, rename, delete")
    p.add_argument("--json", action="store_true", help="list as JSON")
    p.set_defaults(func=cmd_views_list)
    vs = p.add_subparsers(dest="views_command", metavar="SUBCOMMAND")

    s = vs.add_parser("list", help="the saved views with their counts, in sidebar order")
    s.add_argument("--json", action="store_true", help="as JSON")
    s.set_defaults(func=cmd_views_list)

    s = vs.add_parser("save", help="save a query (and sort) as a named view")
    s.add_argument("name", metavar="NAME")
    s.add_argument("-q", "--query", metavar="Q", help="the query (see `papersift help-query`)")
    s.add_argument("--view", metavar="V", help="the view it narrows (default: all)")
    s.add_argument("--sort", choices=list(SORTS), default="relevance", help="its order")
    s.add_argument("--reverse", action="store_true", help="reverse the order")
    s.add_argument("--replace", action="store_true", help="overwrite a view of that name")
    s.set_defaults(func=cmd_views_save)

    s = vs.add_parser("rename", help="rename a saved view")
    s.add_argument("old", metavar="NAME")
    s.add_argument("new", metavar="NEW_NAME")
    s.set_defaults(func=cmd_views_rename)

    s = vs.add_parser("delete", help="delete a saved view (its papers stay in the library)")
    s.add_argument("name", metavar="NAME")
    s.set_defaults(func=cmd_views_delete)
