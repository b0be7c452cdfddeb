"""The help screen: every key in force, generated from the bindings (so keys moved in
the config show where they are now), with each binding's id for the `[keys]` table,
and the query language help."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from papersift.tui.bindings import key_labels, own_bindings

if TYPE_CHECKING:
    from papersift.tui.app import PapersiftApp

#: Section titles for papersift's classes (others use their class name).
SECTION_TITLES = {
    "MainScreen": "Papers",
    "PaperList": "Moving and selecting",
    "FilterBar": "Filter box",
    "Sidebar": "Views sidebar",
    "PapersiftApp": "Everywhere",
}


def binding_rows(app: Any, node: DOMNode) -> list[tuple[str, str, str]]:
    """(keys, description, id) for each binding of a node."""
    rows = []
    for binding in own_bindings(node):
        description = binding.tooltip or binding.description or binding.action
        rows.append((" ".join(key_labels(app, binding)), description, binding.id or ""))
    return rows


def help_sections(
    app: Any, screen: Screen[Any]
) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    """Sections of the help: the screen, its papersift widgets, then the app."""
    nodes: list[DOMNode] = [screen]
    nodes += [w for w in screen.walk_children() if type(w).__module__.startswith("papersift.")]
    order = list(SECTION_TITLES)
    nodes.sort(key=lambda n: order.index(type(n).__name__) if type(n).__name__ in order else 50)
    nodes.append(app)
    seen_types: set[type] = set()
    for node in nodes:
        if type(node) in seen_types:
            continue
        seen_types.add(type(node))
        rows = binding_rows(app, node)
        if node is app:
            rows.append(("^p", "Command palette: every action, views, sorts, themes", ""))
        if rows:
            yield SECTION_TITLES.get(type(node).__name__, type(node).__name__), rows


def _table(
    rows: list[tuple[str, str, str]], key_style: Style, text_style: Style, id_style: Style
) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, width=10, style=key_style)
    table.add_column(ratio=1, overflow="fold", style=text_style)
    table.add_column(no_wrap=True, width=18, style=id_style)
    for keys, description, binding_id in rows:
        table.add_row(Text(keys), Text(description), Text(binding_id))
    return table


class HelpScreen(ModalScreen[None]):
    """All keys in force on the screen below, plus the query language."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"help--key", "help--description", "help--id"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="close-help"),
        Binding("j,down", "scroll(1)", "Scroll down", show=False, id="help-down"),
        Binding("k,up", "scroll(-1)", "Scroll up", show=False, id="help-up"),
    ]

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__(id="help")
        self.target = screen
        #: (section title, [(keys, description, binding id)]) as shown.
        self.sections: list[tuple[str, list[tuple[str, str, str]]]] = []

    @property
    def papersift(self) -> PapersiftApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        from papersift.query import QUERY_HELP

        with VerticalScroll(id="help-body"):
            yield Static(Content("papersift — keys"), classes="help-title")
            yield Static(
                Content(
                    "Actions apply to the selected papers if any, else to the paper under "
                    "the cursor. Every change is saved at once; u undoes."
                ),
                classes="help-intro",
            )
            self.sections = list(help_sections(self.app, self.target))
            for title, _rows in self.sections:
                yield Static(Content(title), classes="help-section")
                yield Static(classes="help-keys")  # filled on mount, styled from CSS
            yield Static(Content("Filter language"), classes="help-section")
            yield Static(Text(QUERY_HELP.strip()), classes="help-query")
            yield Static(Content("Changing keys and theme"), classes="help-section")
            config = getattr(self.app, "config", None)
            path = str(config.path) if config is not None else "config.toml"
            yield Static(
                Text(
                    f"In {path}:\n"
                    '  theme = "nord"\n'
                    "  [keys]\n"
                    '  star = "f"            # binding id (right-hand column) = key(s)\n'
                    '  status-read = "x,4"\n'
                    "The theme picked in the command palette is remembered."
                ),
                classes="help-config",
            )

    def on_mount(self) -> None:
        # Full (not partial) styles: translucent theme colours such as $text-muted are
        # blended with the background only in the full style.
        styles = [
            self.get_component_rich_style(name)
            for name in ("help--key", "help--description", "help--id")
        ]
        for widget, (_title, rows) in zip(self.query(".help-keys"), self.sections, strict=True):
            cast(Static, widget).update(_table(rows, *styles))
        self.query_one("#help-body").focus()

    def action_scroll(self, direction: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + direction, animate=False)
