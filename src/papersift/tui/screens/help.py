"""The help screen: every key in force, generated from the bindings (so keys moved in
the config show where they are now), with each binding's id for the `[keys]` table;
then the keys of every other screen, the keys that mean something else elsewhere, and
the query language help. Sections are named as the user knows the screens ("Main list",
"Triage"), never by class name."""

from __future__ import annotations

import re
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
from textual.widget import Widget
from textual.widgets import Static

from papersift.tui.bindings import binding_classes, class_bindings, key_labels, own_bindings

if TYPE_CHECKING:
    from papersift.tui.app import PapersiftApp

#: What the help calls each class that has keys: the screens as the user knows them.
#: A class missing here is named from its class name ("ReviewStatsScreen" → "Review
#: stats"), so a new screen never shows up as a class name.
SECTION_TITLES = {
    "MainScreen": "Main list",
    "PaperList": "Main list: moving and selecting",
    "FilterBar": "Filter box",
    "QueryInput": "Filter box",
    "Sidebar": "Views sidebar",
    "TriageScreen": "Triage",
    "ReviewTriageScreen": "Review screening",
    "ReasonPicker": "Review screening: exclusion reason",
    "TagEditor": "Tag editor",
    "NoteEditor": "Note editor",
    "RenameTagScreen": "Rename a tag",
    "DuplicatesScreen": "Duplicates review",
    "ExportScreen": "Export",
    "AutoExportList": "Export: files kept up to date",
    "ImportScreen": "Import",
    "ConfirmScreen": "Yes/no questions",
    "ScreeningScreen": "Screening progress",
    "ReviewScreen": "Team review",
    "ReviewStartScreen": "Team review: start",
    "PathPrompt": "Team review: file name",
    "ReviewConflictsScreen": "Review conflicts",
    "ReviewStatsScreen": "Review agreement",
    "ReviewPrismaScreen": "PRISMA diagram",
    "HelpScreen": "This help",
    "PapersiftApp": "Everywhere",
}


def section_title(cls: type) -> str:
    """The help's name for the screen or widget `cls` (see `SECTION_TITLES`)."""
    name = cls.__name__
    if name in SECTION_TITLES:
        return SECTION_TITLES[name]
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", name.removesuffix("Screen"))
    text = " ".join(words).lower() or name
    return text[:1].upper() + text[1:]


Row = tuple[str, str, str]


def class_rows(app: Any, cls: type) -> list[Row]:
    """(keys, description, id) for each binding papersift's class `cls` declares."""
    rows = []
    for binding in class_bindings(cls):
        description = binding.tooltip or binding.description or binding.action
        rows.append((" ".join(key_labels(app, binding)), description, binding.id or ""))
    return collapse_numbered(rows)


_NUMBERED = re.compile(r"(.*\D)(\d)")


def collapse_numbered(rows: list[Row]) -> list[Row]:
    """Runs of bindings numbered by their own key ("1" "Saved view 1" … "9" "Saved view
    9") as one row ("1–9", "Saved view 1–9"): nine rows would say it nine times. A key
    moved in the config breaks the run, so where it went still shows."""
    out: list[Row] = []
    run: list[Row] = []

    def flush() -> None:
        if len(run) >= 3:
            first, last = run[0], run[-1]
            base = _NUMBERED.fullmatch(first[1])
            assert base is not None
            ids = f"{first[2]} … {last[2]}" if first[2] else ""
            out.append((f"{first[0]}–{last[0]}", f"{base.group(1)}{first[0]}–{last[0]}", ids))
        else:
            out.extend(run)
        run.clear()

    for row in rows:
        keys, description, binding_id = row
        m = _NUMBERED.fullmatch(description)
        numbered = m is not None and keys == m.group(2) and binding_id.endswith(keys)
        if numbered and run:
            previous = _NUMBERED.fullmatch(run[-1][1])
            assert previous is not None and m is not None
            if previous.group(1) != m.group(1) or int(keys) != int(run[-1][0]) + 1:
                flush()
        elif not numbered:
            flush()
        if numbered:
            run.append(row)
        else:
            out.append(row)
    flush()
    return out


def binding_rows(app: Any, node: DOMNode) -> list[Row]:
    """(keys, description, id) for each binding of a node."""
    return class_rows(app, type(node))


def help_sections(app: Any, screen: Screen[Any]) -> Iterator[tuple[str, list[Row]]]:
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
            yield section_title(type(node)), rows


def other_sections(
    app: Any, shown: set[type], classes: list[type] | None = None
) -> list[tuple[str, list[Row]]]:
    """The keys of the screens not in front (`shown`: the classes already listed), one
    section each, under the screen's name; the help itself is left out."""
    classes = binding_classes() if classes is None else classes
    order = list(SECTION_TITLES)
    # The everyday screens first, in the table's order; screens it does not name last.
    classes = sorted(
        classes, key=lambda c: order.index(c.__name__) if c.__name__ in order else len(order)
    )
    sections = []
    for cls in classes:
        if cls in shown or cls is HelpScreen:
            continue
        rows = class_rows(app, cls)
        if rows:
            sections.append((section_title(cls), rows))
    return sections


def screen_keys(app: Any, classes: list[type]) -> dict[str, str]:
    """{key: what it does} on a screen whose bindings are those of `classes`, the one
    that wins a key first (keymap applied; descriptions as the footer shows them)."""
    keys: dict[str, str] = {}
    for cls in classes:
        for binding in class_bindings(cls):
            for key in key_labels(app, binding):
                keys.setdefault(key, binding.description or binding.action)
    return keys


def differing_keys(app: Any, here: list[type], screens: list[type] | None = None) -> list[Row]:
    """The keys in force here (`here`: the classes whose bindings are, first wins) that
    do something else on another full screen: (key, "what here; what elsewhere", ""),
    e.g. q: "Quit here; Back in Triage, Duplicates review". The App's keys count on every
    full screen that does not bind the key itself (dialogs take no App keys)."""
    mine = screen_keys(app, here)
    screens = binding_classes() if screens is None else screens
    elsewhere: dict[str, dict[str, list[str]]] = {}
    for cls in screens:
        if cls in here or not issubclass(cls, Screen) or issubclass(cls, ModalScreen):
            continue
        title = section_title(cls)
        for key, description in screen_keys(app, [cls, type(app)]).items():
            if key in mine and description != mine[key]:
                titles = elsewhere.setdefault(key, {}).setdefault(description, [])
                if title not in titles:
                    titles.append(title)
    rows = []
    for key, meanings in elsewhere.items():
        there = "; ".join(f"{d} in {', '.join(t)}" for d, t in meanings.items())
        rows.append((key, f"{mine[key]} here; {there}", ""))
    return rows


def _table(
    rows: list[tuple[str, str, str]], key_style: Style, text_style: Style, id_style: Style
) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, width=10, style=key_style)
    table.add_column(ratio=1, overflow="fold", style=text_style)
    with_ids = any(binding_id for _keys, _description, binding_id in rows)
    if with_ids:  # the id column is for the `[keys]` table; some tables have none
        table.add_column(no_wrap=True, width=18, style=id_style)
    for keys, description, binding_id in rows:
        cells = [Text(keys), Text(description)] + ([Text(binding_id)] if with_ids else [])
        table.add_row(*cells)
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
        #: (section title, [(keys, description, binding id)]) of the keys in force.
        self.sections: list[tuple[str, list[Row]]] = []
        #: The same for the other screens, and the keys that differ between screens.
        self.other_sections: list[tuple[str, list[Row]]] = []
        self.differing: list[Row] = []

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
            shown = {type(self.target), type(self.app)}
            shown |= {type(w) for w in self.target.walk_children()}
            self.other_sections = other_sections(self.app, shown)
            # The classes whose keys are in force, as Textual looks them up: from the
            # widget in focus up to the screen, then the App (not under a dialog).
            focused = self.target.focused
            chain = focused.ancestors_with_self if focused is not None else [self.target]
            here = [type(n) for n in chain if isinstance(n, Widget) and own_bindings(n)]
            if not isinstance(self.target, ModalScreen):
                here.append(type(self.app))
            self.differing = differing_keys(self.app, here)
            for title, _rows in self.tables():
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
        for widget, (_title, rows) in zip(self.query(".help-keys"), self.tables(), strict=True):
            cast(Static, widget).update(_table(rows, *styles))
        body = self.query_one("#help-body")
        # In the frame, so it shows however far the help is scrolled.
        body.border_subtitle = self.how_to_use()
        body.focus()

    def tables(self) -> list[tuple[str, list[Row]]]:
        """Every table the help shows, in order, under its title (classes that share a
        title, the filter bar and its box, share one table)."""
        tables: dict[str, list[Row]] = {}
        for title, rows in self.sections:
            tables.setdefault(title, []).extend(rows)
        if self.differing:
            tables["Keys that do something else on another screen"] = self.differing
        for title, rows in self.other_sections:
            tables.setdefault(f"Other screens: {title}", []).extend(rows)
        return list(tables.items())

    def how_to_use(self) -> str:
        """How to scroll and close the help, with the keys bound now."""
        keys = {b.action: " ".join(key_labels(self.app, b)) for b in own_bindings(self)}
        down, up, close = keys["scroll(1)"], keys["scroll(-1)"], keys["dismiss"]
        return f" {down} / {up} pgdn pgup scroll · {close} close "

    def action_scroll(self, direction: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + direction, animate=False)
