"""Export: copy the papers to the clipboard in one of several forms, or save a .bib file.

"Copy as" takes one key per format (b BibTeX, k bare keys, c \\cite{…}, p pandoc
[@…], m Markdown list, a abstracts), or arrows and enter. The text goes through
`clipboard.copy_text`, which tries the system clipboard and always sends OSC 52 to the
terminal too; the notification says which way it went.

"Save to a file" writes BibTeX, RIS or CSL-JSON (the file formats of
`exporters.EXPORT_FORMATS`): the file name's ending follows the chosen format, and a
typed ending (`refs.ris`) chooses the format, as `papersift export -o` infers it. A
name typed without an ending gets the format's, a relative path is saved and reported
as the full path (`exporters.export_path`, shared with the CLI), and a missing folder
is created after a yes. The file is written atomically; an existing one is replaced
only after a yes in `ConfirmScreen`. Formatting and writing run in a thread worker, so
thousands of entries never freeze the screen (an indeterminate bar shows while it works).

Saved or copied, the text comes from `exporters.export_entries`, which pins the keys it
writes, as `papersift export` does: a key once handed out never changes.

"Keep this file updated" registers the save as an auto-export (`auto_export.register`)
of these papers; the list below shows the library's auto-exports, and delete (or d)
stops updating the highlighted one (its file stays).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    OptionList,
    ProgressBar,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from papersift.copy_formats import COPY_FORMATS
from papersift.exporters import (
    EXPORT_FORMATS,
    ExportSettings,
    export_entries,
    export_path,
    format_for_path,
)
from papersift.exporters import path_with_extension as with_extension
from papersift.fsutil import describe_os_error
from papersift.models import Entry, PapersiftError
from papersift.textsafe import clean_line
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain
from papersift.tui.screens.confirm import ConfirmScreen

if TYPE_CHECKING:
    from papersift.store import Library

DEFAULT_PATH = "~/papersift-export.bib"
#: The formats a file can be saved in: those whose file ending `format_for_path` knows
#: (so a typed ending and the menu always agree), in the core table's order.
FILE_FORMATS: tuple[str, ...] = tuple(
    fmt.name
    for fmt in EXPORT_FORMATS.values()
    if fmt.extension and format_for_path("x" + fmt.extension) == fmt.name
)
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


def clipboard_text(library: Library, entries: list[Entry], fmt: str) -> str:
    """The text "copy as `fmt`" hands out, with the library's citation keys, which it
    pins (`exporters.export_entries`), as `papersift export --clipboard` does."""
    text = export_entries(library, entries, fmt)
    # A snippet (a key, a \cite) is pasted inside a line: no line break comes with it.
    return text if fmt in FILE_FORMATS else text.rstrip("\n")


class ExportFormats(OptionList):
    """The "copy as" menu: enter (or a click) copies in the highlighted format."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"exportformats--key"}


class AutoExportList(OptionList):
    """The library's auto-exports; delete stops updating the highlighted one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete,d", "screen.stop_auto", "Stop updating", id="export.stop-auto", show=False),
    ]


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
        Binding("ctrl+s", "save", "Save", id="export.save"),
        Binding("escape", "close", "Close", id="export.close"),
    ]

    def __init__(self, ids: list[str], *, hidden: int = 0) -> None:
        super().__init__()
        self.paper_ids = list(dict.fromkeys(ids))
        #: How many of `ids` are selected but not shown by the main screen's filter/view.
        self.hidden = hidden
        self.busy = False

    @property
    def papersift(self) -> Any:
        return self.app

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        n = len(self.paper_ids)
        with Vertical(id="export", classes="dialog"):
            title = f"Export {n} paper" + ("" if n == 1 else "s")
            if self.hidden:
                title += f" ({self.hidden} selected but not shown in the list)"
            yield Static(plain(title), classes="dialog-title")
            yield Static("Copy to the clipboard as", classes="section-label")
            yield ExportFormats(id="export-formats")
            # "Save to a file: /full/path.bib" (`show_target`): where it goes, before saving.
            yield Static("Save to a file", id="export-target", classes="section-label")
            with Horizontal(id="export-save-row"):
                yield Select(
                    [(EXPORT_FORMATS[f].label, f) for f in FILE_FORMATS],
                    value=FILE_FORMATS[0],
                    allow_blank=False,
                    id="export-file-format",
                )
                yield Input(DEFAULT_PATH, id="export-path", placeholder="path of the file")
                yield Button("Save", id="export-save", variant="primary")
            yield Checkbox(
                "ASCII only: LaTeX escapes for accents (for classic bibtex)",
                value=False,
                id="export-ascii",
            )
            yield Checkbox(
                "Include my tags, notes, stars and status", value=True, id="export-triage"
            )
            yield Checkbox(
                "Keep this file updated when the library changes", value=False, id="export-keep"
            )
            with Vertical(id="export-autos-box"):
                yield Static("Files kept up to date (delete stops one)", classes="section-label")
                yield AutoExportList(id="export-autos")
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
        self.show_auto_exports()
        self.show_target()
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

    def show_auto_exports(self) -> None:
        """List the library's auto-exports (`auto_export.registrations`)."""
        from papersift.auto_export import registrations

        autos = self.query_one(AutoExportList)
        autos.clear_options()
        found = registrations(self.papersift.library)
        autos.add_options(Option(plain(clean_line(a.describe())), id=a.id) for a in found)
        # Shown only when there is one: a small terminal keeps room for the rest.
        self.query_one("#export-autos-box").display = bool(found)
        if found:
            autos.highlighted = 0

    def action_stop_auto(self) -> None:
        """Stop updating the highlighted auto-export; its file stays as it is."""
        from papersift.auto_export import remove

        autos = self.query_one(AutoExportList)
        if autos.highlighted is None:
            return
        option = autos.get_option_at_index(autos.highlighted)
        try:
            gone = remove(self.papersift.library, option.id or "")
        except PapersiftError as exc:
            self._say(str(exc), "error")
            return
        self.show_auto_exports()
        self._say(f"{gone.path} is no longer kept up to date (the file stays)")

    @property
    def file_format(self) -> str:
        """The format the file is saved in."""
        value = self.query_one("#export-file-format", Select).value
        return value if isinstance(value, str) else FILE_FORMATS[0]

    @on(Select.Changed, "#export-file-format")
    def _file_format_chosen(self, event: Select.Changed) -> None:
        event.stop()
        path_input = self.query_one("#export-path", Input)
        path_input.value = with_extension(path_input.value, self.file_format)
        # Classic bibtex's ASCII escapes mean nothing to RIS and CSL-JSON (always UTF-8).
        self.query_one("#export-ascii", Checkbox).disabled = self.file_format != "bibtex"
        self.show_target()

    @on(Input.Changed, "#export-path")
    def _path_typed(self, event: Input.Changed) -> None:
        event.stop()
        inferred = format_for_path(event.value.strip())
        if inferred is not None and inferred != self.file_format:
            self.query_one("#export-file-format", Select).value = inferred
        self.show_target()

    def show_target(self) -> None:
        """Above the path: the full path a save writes, and what it will ask first."""
        target = self.target_path()
        if target.is_dir():
            note = ": a folder; type a file name"
        elif target.exists():
            note = " (it exists: asks before replacing it)"
        elif not target.parent.is_dir():
            note = f" ({target.parent} does not exist: asks to create it)"
        else:
            note = ""
        self.query_one("#export-target", Static).update(plain(f"Save to a file: {target}{note}"))

    def target_path(self) -> Path:
        """The file a save writes: the typed path with the format's ending, absolute."""
        raw = self.query_one("#export-path", Input).value.strip() or DEFAULT_PATH
        return export_path(raw, self.file_format)

    def export_settings(self) -> ExportSettings:
        """The options ticked (ASCII only counts for BibTeX)."""
        return ExportSettings(
            unicode=self.file_format != "bibtex"
            or not self.query_one("#export-ascii", Checkbox).value,
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

        app = self.app
        try:
            entries = self.entries()
            text = clipboard_text(self.papersift.library, entries, fmt)
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
            example = path / f"papers{EXPORT_FORMATS[self.file_format].extension}"
            self._say(f"{path} is a folder; give a file name, e.g. {example}", "error")
            return
        if self.query_one("#export-keep", Checkbox).value and self.papersift.library.readonly:
            self._say("The library is open read-only: no file can be kept up to date.", "error")
            return
        self._save_to(path)

    def _save_to(self, path: Path) -> None:
        """Save to `path`, asking first to create a missing folder or replace a file."""
        folder = path.parent
        if not folder.is_dir():
            if folder.exists():
                self._say(f"Not saved: {folder} is a file, not a folder.", "error")
            else:
                self._ask_create_folder(path)
            return
        if path.exists():
            self._ask_overwrite(path)
            return
        self._start_save(path, overwrite=False)

    def _ask_create_folder(self, path: Path) -> None:
        def answered(yes: bool | None) -> None:
            if not yes:
                self._say(f"Not saved: there is no folder {path.parent}.")
                return
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                reason = describe_os_error(exc)
                self._say(f"Not saved: cannot create {path.parent}: {reason}", "error")
                return
            self._save_to(path)

        self.app.push_screen(
            ConfirmScreen(
                f"There is no folder {path.parent}.\nCreate it and save {path.name} there?",
                yes="Create",
                no="Cancel",
            ),
            answered,
        )

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
        keep = self.query_one("#export-keep", Checkbox).value
        self._save(path, self.file_format, self.export_settings(), overwrite, keep)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _save(
        self, path: Path, fmt: str, settings: ExportSettings, overwrite: bool, keep: bool
    ) -> None:
        from papersift import auto_export
        from papersift.fsutil import atomic_write_text

        app = self.app
        try:
            entries = self.entries()
        except PapersiftError as exc:
            app.call_from_thread(self._failed, str(exc))
            return
        try:
            text = export_entries(self.papersift.library, entries, fmt, settings)
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
        message = f"Saved {count} to {path}"
        if keep:
            try:
                saved = auto_export.register(
                    self.papersift.library,
                    auto_export.AutoExport(
                        path=str(path),
                        format=fmt,
                        ids=tuple(e.id for e in entries),
                        unicode=settings.unicode,
                        include_triage=settings.include_triage,
                    ),
                )
            except PapersiftError as exc:
                app.call_from_thread(self._failed, f"{message}, but not kept up to date: {exc}")
                return
            message += f"; {saved.path} is kept up to date from now on"
        app.call_from_thread(self._done, message)

    def action_close(self) -> None:
        self.dismiss(None)
