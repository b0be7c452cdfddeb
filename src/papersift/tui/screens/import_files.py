"""Import files from inside the app (the palette's "Import files…").

The same `importer.import_files` as `papersift import`, run in a thread worker with a
progress bar; the per-file report (read / new / merged / possible duplicates, or the
error with file and line) stays on screen until the user closes the dialog.
"""

from __future__ import annotations

import glob
import shlex
from pathlib import Path
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, ProgressBar, Static

from papersift.importer import FileReport, import_files
from papersift.models import PapersiftError
from papersift.readers.formats import describe_formats
from papersift.tui.safe_text import plain

_STAGES = {"read": "Reading files", "dedupe": "Finding duplicates", "write": "Saving"}


def expand_paths(text: str) -> list[Path]:
    """Paths typed as in a shell: quoted, `~` expanded, globs (`~/Downloads/*.bib`) matched."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise PapersiftError(f"cannot read the file names: {exc}") from None
    paths: list[Path] = []
    for word in words:
        word = str(Path(word).expanduser())
        matches = sorted(glob.glob(word)) if glob.has_magic(word) else [word]
        if not matches:
            raise PapersiftError(f"no file matches {word}")
        paths.extend(Path(m) for m in matches)
    if not paths:
        raise PapersiftError("type one or more file names")
    return paths


def report_line(report: FileReport) -> str:
    """One line per file, worded like `papersift import`."""
    if report.error:
        return f"✗ {report.error} — nothing imported"
    return (
        f"✓ {Path(report.file).name}: read {report.read} ({report.format}), new {report.new}, "
        f"merged {report.merged}, unchanged {report.unchanged}, "
        f"possible duplicates {report.possible}"
    )


class ImportScreen(ModalScreen[None]):
    """Ask for files, import them with progress, show what happened."""

    AUTO_FOCUS = "#import-paths"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="import.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="import", classes="dialog"):
            yield Static(plain(f"Import files: {describe_formats()}"), id="import-title")
            yield Input(placeholder="~/Downloads/refs.bib  ~/papers/*.txt", id="import-paths")
            yield Static(plain(""), id="import-stage")
            yield ProgressBar(id="import-files-bar", show_eta=False)
            with VerticalScroll(id="import-report"):
                yield Static(plain(""), id="import-lines")

    def _say(self, text: str) -> None:
        self.query_one("#import-lines", Static).update(plain(text, multiline=True))

    @on(Input.Submitted, "#import-paths")
    def _start(self, event: Input.Submitted) -> None:
        if self.running:
            return
        try:
            paths = expand_paths(event.value)
        except PapersiftError as exc:
            self._say(str(exc))
            return
        self.running = True
        self._say("")
        self._import(paths)

    def _progress(self, stage: str, done: int, total: int) -> None:
        self.query_one("#import-stage", Static).update(plain(_STAGES.get(stage, stage)))
        self.query_one("#import-files-bar", ProgressBar).update(total=max(total, 1), progress=done)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import(self, paths: list[Path]) -> None:
        app: Any = self.app
        try:
            reports = import_files(
                app.library,
                paths,
                lambda stage, done, total: self.app.call_from_thread(
                    self._progress, stage, done, total
                ),
            )
        except PapersiftError as exc:
            self.app.call_from_thread(self._finished, [], str(exc))
            return
        app.live.rebuild()
        self.app.call_from_thread(self._finished, reports, "")

    def _finished(self, reports: list[FileReport], error: str) -> None:
        app: Any = self.app
        self.running = False
        lines = [report_line(r) for r in reports]
        if error:
            lines.append(f"✗ {error}")
        library = app.library
        lines.append(
            f"Library: {len(library):,} papers, {len(library.open_possible())} possible "
            "duplicates to review. Press escape to close."
        )
        self._say("\n".join(lines))
        self.query_one("#import-stage", Static).update(plain("Done"))
        app.post_library_changed(None)

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)
