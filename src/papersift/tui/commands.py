"""The command palette (ctrl+p): every action of the screen below, plus views, sorts and
copy formats. Textual's own commands (themes, keys, quit, screenshot) stay alongside.

Names can contain data (tag names, file names), so hits are built as plain `Content`
with the matched letters styled, never through markup.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import FuzzySearch
from textual.style import Style

from papersift.textsafe import one_line

Command = tuple[str, Callable[[], Any], str]

#: The prefix of the palette's navigation entries ("View: To read").
VIEW_PREFIX = "View: "
#: Added to a view entry's score when the typed text matches the view's name as well
#: as it matches an action's: typing "to read" means the view "To read" more often
#: than the status action of the same name (and Enter must not change the paper).
NAVIGATION_BONUS = 0.5


def _highlight(
    fuzzy: FuzzySearch, query: str, candidate: str, style: Style | None
) -> tuple[float, Content]:
    """Score and display of a candidate: plain text (never markup), matches styled with
    the palette's own highlight style (from CSS).

    A view entry ("View: To read") is also scored on the view's name alone; where that
    matches it scores `NAVIGATION_BONUS` above an action of the same name."""
    score, offsets = fuzzy.match(query, candidate)
    if candidate.startswith(VIEW_PREFIX):
        name_score, name_offsets = fuzzy.match(query, candidate[len(VIEW_PREFIX) :])
        if name_score > 0 and name_score + NAVIGATION_BONUS > score:
            score = name_score + NAVIGATION_BONUS
            offsets = tuple(len(VIEW_PREFIX) + o for o in name_offsets)
    content = Content(candidate)
    if style is not None:
        for offset in offsets:
            if not candidate[offset].isspace():
                content = content.stylize(style, offset, offset + 1)
    return score, content


def rename_tag(app: Any, main: Any) -> None:
    """Ask for a tag and its new name, then rename it library-wide (one undoable change)."""
    from papersift import actions
    from papersift.tui.screens.rename_tag import RenameTagScreen

    view = getattr(main, "view", "")
    current = view[4:] if isinstance(view, str) and view.startswith("tag:") else ""

    def apply(result: tuple[str, str] | None) -> None:
        if result is not None:
            old, new = result
            app.perform(lambda: actions.rename_tag(app.library, old, new))

    app.push_screen(RenameTagScreen(app.library.all_tags(), current), apply)


def import_files(app: Any) -> None:
    """Open the import dialog."""
    from papersift.tui.screens.import_files import ImportScreen

    app.push_screen(ImportScreen())


class PapersiftCommands(Provider):
    """Commands for what the user can do on the current screen."""

    def _commands(self) -> list[Command]:
        from papersift.tui.bindings import key_labels, own_bindings

        app: Any = self.app
        screen = self.screen
        commands: list[Command] = []
        seen: set[str] = set()

        def run(node: Any, action: str) -> None:
            app.call_later(node.run_action, action)

        nodes: list[Any] = [screen]
        nodes += [w for w in screen.walk_children() if type(w).__module__.startswith("papersift.")]
        nodes.append(app)
        for node in nodes:
            for binding in own_bindings(node):
                if binding.action in seen or not binding.description:
                    continue
                seen.add(binding.action)
                keys = " ".join(key_labels(app, binding))
                commands.append((binding.description, partial(run, node, binding.action), keys))

        main = getattr(app, "main_screen", None)
        if main is not None and screen is main:
            from papersift.copy_formats import COPY_FORMATS
            from papersift.readers.formats import format_names
            from papersift.views import SORTS, view_title

            sidebar = main.sidebar
            for key in sidebar.view_keys():
                count = sidebar.count_of(key)
                title = f"{VIEW_PREFIX}{view_title(key)}"
                commands.append(
                    (title, partial(main.set_view, key), "" if count is None else f"{count:,}")
                )
            for mode in SORTS.values():
                hint = "o cycles" if mode.cycle else mode.help
                commands.append((f"Sort by {mode.label}", partial(main.set_sort, mode.key), hint))
            commands.append(
                ("Rename or merge a tag…", partial(rename_tag, app, main), "in every paper")
            )
            hint = ", ".join(format_names())
            commands.append(("Import files…", partial(import_files, app), hint))
            commands.append(
                ("Add papers by arXiv id or DOI…", main.action_add_ids, "ids, URLs, a pasted list")
            )
            from papersift.tui.screens.review import palette_commands

            commands += palette_commands(app, main)
            from papersift.tui.watching import palette_commands as watch_commands

            commands += watch_commands(app)
            for fmt, label in COPY_FORMATS.items():
                commands.append(
                    (
                        f"Copy as {one_line(label)}",
                        partial(main.copy_as, fmt),
                        "selection or cursor",
                    )
                )
        from papersift.tui.screens.triage import explore_commands

        commands += explore_commands(app)
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=help_text or None)

    async def search(self, query: str) -> Hits:
        fuzzy = FuzzySearch()
        for name, callback, help_text in self._commands():
            score, display = _highlight(fuzzy, query, name, self.match_style)
            if score > 0:
                yield Hit(score, display, callback, text=name, help=help_text or None)
