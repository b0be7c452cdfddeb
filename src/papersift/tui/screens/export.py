"""Export: copy the papers to the clipboard in one of several forms, or save a .bib file.

"Copy as" takes one key per format (b BibTeX, k bare keys, c \\cite{…}, p pandoc
[@…], m Markdown list, a abstracts), or arrows and enter. The text goes through
`clipboard.copy_text`, which tries the system clipboard and always sends OSC 52 to the
terminal too; the notification says which way it went.

"Save BibTeX to file" writes atomically; an existing file is replaced only after a yes
in `ConfirmScreen`. Formatting and writing run in a thread worker, so thousands of
entries never freeze the screen (an indeterminate bar shows while it works).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from papersift.copy_formats import COPY_FORMATS
from papersift.models import Entry, PapersiftError
from papersift.textsafe import clean_line
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain
from papersift.tui.screens.confirm import ConfirmScreen

DEFAULT_PATH = "~/papersift-export.bib"
#: From this many papers on, the save shows a progress bar while it works.
BUSY_THRESHOLD = 500

#: The key that copies in each format at once, and its short name in the footer and
#: help, by format id. The formats, their order and their menu labels are the core's
#: `copy_formats.COPY_FORMATS`; a format added there needs a key here (a test checks).
COPY_KEYS: dict[str, tuple[str, str]] = {
    "bibtex": ("b", "BibTeX"),
    "keys": ("k", "Keys"),
    "cite": ("c", "\\cite"),
    "pandoc": ("p", "Pandoc"),
    "markdown": ("m", "Markdown"),
    "abstract": ("a", "Abstracts"),
}


class ExportFormats(OptionList):
    """The "copy as" menu: enter (or a click) copies in the highlighted format."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"exportformats--key"}


class ExportScreen(ModalScreen[None]):
    """Copy or save the papers `ids` (in that order)."""

    AUTO_FOCUS = "#export-formats"

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                COPY_KEYS[fmt][0],
                f"copy({fmt!r})",
                COPY_KEYS[fmt][1],
                id=f"export.{fmt}",
                show=False,
            )
            for fmt in COPY_FORMATS
            if fmt in COPY_KEYS
        ),
        Binding("s", "focus_save", "Save to file…", id="export.focus-save"),
        Binding("ctrl+s", "save", "Save .bib", id="export.save"),
        Binding("escape", "close", "Close", id="export.close"),
    ]

    def __init__(self, ids: list[str]) -> None:
        super().__init__()
        self.paper_ids = list(dict.fromkeys(ids))
        self.busy = False

    @property
    def papersift(self) -> Any:
        return self.app

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        n = len(self.paper_ids)
        with Vertical(id="export", classes="dialog"):
            yield Static(
                plain(f"Export {n} paper" + ("" if n == 1 else "s")), classes="dialog-title"
            )
            yield Static("Copy to the clipboard as", classes="section-label")
            yield ExportFormats(id="export-formats")
            yield Static("Save BibTeX to a file", classes="section-label")
            with Horizontal(id="export-save-row"):
                yield Input(DEFAULT_PATH, id="export-path", placeholder="path of the .bib file")
                yield Button("Save", id="export-save", variant="primary")
            yield Checkbox(
                "ASCII only: LaTeX escapes for accents (for classic bibtex)",
                value=False,
                id="export-ascii",
            )
            yield Checkbox(
                "Include my tags, notes, stars and status", value=True, id="export-triage"
            )
            with Vertical(id="export-progress"):
                yield Static(id="export-progress-text")
                yield ProgressBar(id="export-bar", show_eta=False, show_percentage=False)
            yield Static(id="export-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        menu = self.query_one(ExportFormats)
        key_style = menu.get_component_rich_style("exportformats--key", partial=True)
        for fmt, label in COPY_FORMATS.items():
            text = Text(end="")
            text.append(f"{key_of(self, f'copy({fmt!r})'):>3}  ", key_style)
            text.append(label)
            menu.add_option(Option(text, id=fmt))
        menu.highlighted = 0
        self.query_one("#export-hint", Static).update(
            plain(
                f"A format's key copies at once · {key_of(self, 'save')} saves the file · "
                f"{key_of(self, 'close')} closes"
            )
        )

    # ------------------------------------------------------------------ data

    def entries(self) -> list[Entry]:
        """The papers to export, as they are now (merged-away ids follow their alias),
        abstracts and raw BibTeX read first (PapersiftError if they cannot be)."""
        library = self.papersift.library
        library.ensure_texts()
        out = []
        for pid in self.paper_ids:
            pid = library.canonical_id(pid)
            if pid in library.papers:
                out.append(library.entry(pid))
        return out

    def target_path(self) -> Path:
        raw = self.query_one("#export-path", Input).value.strip() or DEFAULT_PATH
        return Path(raw).expanduser()

    def export_options(self) -> Any:
        from papersift.bibtex_export import ExportOptions

        return ExportOptions(
            unicode=not self.query_one("#export-ascii", Checkbox).value,
            include_triage=self.query_one("#export-triage", Checkbox).value,
        )

    def _set_busy(self, busy: bool, message: str = "") -> None:
        self.busy = busy
        self.set_class(busy, "-busy")
        self.query_one("#export-progress-text", Static).update(plain(message))
        self.query_one(ProgressBar).update(total=None)
        self.refresh_bindings()

    def _say(self, message: str, severity: str = "information") -> None:
        self.notify(
            clean_line(message),
            severity=severity,  # type: ignore[arg-type]
            timeout=8 if severity == "error" else 4,
            markup=False,
        )

    # ------------------------------------------------------------------ copy

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("copy", "save") and self.busy:
            return None
        return True

    def action_copy(self, fmt: str) -> None:
        if self.busy:
            return
        self._set_busy(len(self.paper_ids) >= BUSY_THRESHOLD, "Copying…")
        self._copy(fmt)

    @on(OptionList.OptionSelected, "#export-formats")
    def _format_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.action_copy(event.option.id)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _copy(self, fmt: str) -> None:
        from papersift.clipboard import copy_text
        from papersift.copy_formats import copy_as

        app = self.app
        try:
            entries = self.entries()
            text = copy_as(entries, fmt)
            how = copy_text(text, osc52=lambda t: app.call_from_thread(app.copy_to_clipboard, t))
        except PapersiftError as exc:
            app.call_from_thread(self._failed, str(exc))
            return
        count = f"{len(entries)} paper" + ("" if len(entries) == 1 else "s")
        label = COPY_FORMATS.get(fmt, fmt)
        message = f"Copied {count} as {label} to the {how}"
        if "OSC 52" in how:
            message += (
                "; if nothing pastes, the terminal ignores OSC 52 (install xclip or wl-clipboard)"
            )
        app.call_from_thread(self._done, message)

    def _done(self, message: str) -> None:
        self._set_busy(False)
        self._say(message)
        self.dismiss(None)

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        self._say(message, "error")

    # ------------------------------------------------------------------ save

    def action_focus_save(self) -> None:
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-save")
    def _save_requested(self, event: Any) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        if self.busy:
            return
        path = self.target_path()
        if path.is_dir():
            self._say(f"{path} is a folder; give a file name, e.g. {path / 'papers.bib'}", "error")
            return
        if path.exists():
            self._ask_overwrite(path)
            return
        self._start_save(path, overwrite=False)

    def _ask_overwrite(self, path: Path) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._start_save(path, overwrite=True)
            else:
                self._say(f"Not saved: {path} was left as it is.")

        self.app.push_screen(
            ConfirmScreen(f"{path} already exists.\nReplace it?", yes="Replace", no="Keep it"),
            answered,
        )

    def _start_save(self, path: Path, *, overwrite: bool) -> None:
        n = len(self.paper_ids)
        self._set_busy(n >= BUSY_THRESHOLD, f"Writing {n} entries to {path}…")
        self._save(path, self.export_options(), overwrite)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _save(self, path: Path, options: Any, overwrite: bool) -> None:
        from papersift.bibtex_export import export_bibtex
        from papersift.fsutil import atomic_write_text

        app = self.app
        try:
            entries = self.entries()
        except PapersiftError as exc:
            app.call_from_thread(self._failed, str(exc))
            return
        try:
            text = export_bibtex(entries, options)
            atomic_write_text(path, text, overwrite=overwrite)
        except PapersiftError as exc:
            if not overwrite and path.exists():
                # Created by someone else since we looked: ask, as for any existing file.
                app.call_from_thread(self._set_busy, False)
                app.call_from_thread(self._ask_overwrite, path)
                return
            app.call_from_thread(self._failed, str(exc))
            return
        count = f"{len(entries)} entr" + ("y" if len(entries) == 1 else "ies")
        app.call_from_thread(self._done, f"Saved {count} to {path}")

    def action_close(self) -> None:
        self.dismiss(None)
