"""The TUI's watched folder: `watch.FolderWatcher.run` in a thread worker.

The folder is the config's `[watch] folder` (watched from the start, every `[watch]
interval` seconds); the palette starts and stops it. Files are imported into the app's
own library, so each import is followed here as the import screen's are: the search
index is rebuilt and every screen hears `LibraryChanged` (the list, the counts, the
ranking and auto-exports follow). One line per file is shown as a toast, worded like
the import screen's; files already imported before are not announced again.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from textual.worker import get_current_worker

from papersift.models import PapersiftError
from papersift.tui.messages import WatchChanged, WatchedFile
from papersift.tui.screens.import_files import report_line
from papersift.watch import FolderWatcher, WatchEvent


class FolderWatch:
    """Starts, stops and reports the app's folder watch."""

    def __init__(self, app: Any) -> None:
        self.app = app
        #: The folder being watched now, or None.
        self.folder: Path | None = None
        self._stop: threading.Event | None = None

    @property
    def configured(self) -> Path | None:
        """The config's `[watch] folder`, if there is one."""
        return self.app.config.watch_folder

    @property
    def running(self) -> bool:
        return self._stop is not None and not self._stop.is_set()

    def start_configured(self) -> None:
        """Watch the configured folder (at start-up), if there is one."""
        if self.configured is not None and not self.app.library.readonly:
            self.start(self.configured)

    def start(self, folder: Path) -> None:
        """Watch `folder` from now on (a running watch of another folder stops)."""
        self.stop(quiet=True)
        try:
            watcher = FolderWatcher(self.app.library, folder)
        except PapersiftError as exc:
            self.app.say(f"Cannot watch the folder: {exc}", severity="error", timeout=10)
            return
        stop = threading.Event()
        self._stop, self.folder = stop, watcher.folder
        interval = self.app.config.watch_interval
        self.app.run_worker(
            lambda: self._run(watcher, stop, interval),
            thread=True,
            group="watch",
            exit_on_error=False,
            description=f"watching {watcher.folder}",
        )
        self._changed()
        self.app.say(f"Watching {watcher.folder}: files that appear there are imported")

    def stop(self, *, quiet: bool = False) -> None:
        """Stop watching (the file being imported, if any, is finished first)."""
        if self._stop is None:
            return
        self._stop.set()
        self._stop = None
        self._changed()
        if not quiet and self.folder is not None:
            self.app.say(f"Stopped watching {self.folder}")

    def toggle(self) -> None:
        """The palette's command: stop if watching, else watch the configured folder."""
        if self.running:
            self.stop()
        elif self.configured is not None:
            self.start(self.configured)
        else:
            self.app.say(
                f'No folder to watch: set it in {self.app.config.path} as [watch] folder = "…"',
                severity="warning",
                timeout=10,
            )

    def title_part(self) -> str:
        """ "watching papers/" for the list's title while watching, else ""."""
        return f"watching {self.folder.name}/" if self.running and self.folder else ""

    def _changed(self) -> None:
        for screen in list(self.app.screen_stack):
            screen.post_message(WatchChanged())

    def _run(self, watcher: FolderWatcher, stop: threading.Event, interval: float) -> None:
        worker = get_current_worker()
        try:
            # One look at a time: the worker is also cancelled when the app exits, which
            # does not wait for on_unmount to set `stop`.
            while not stop.is_set() and not worker.is_cancelled:
                watcher.run(self._event, polls=1, stop=stop)
                stop.wait(interval)
        except PapersiftError as exc:
            stop.set()
            self.app.post_message(WatchedFile(f"Stopped watching: {exc}", "error"))

    def _event(self, event: WatchEvent) -> None:
        """One file handled (on the worker's thread).

        Posts a message rather than calling into the UI thread and waiting: the app may
        be closing, and then nobody would answer."""
        if event.status == "seen":
            return  # imported (or refused) before: said then
        if event.report is None:  # the library was busy: tried again at the next look
            self.app.post_message(WatchedFile(event.line(), "warning"))
            return
        changed = bool(event.report.ok and (event.report.new or event.report.merged))
        if changed:
            self.app.live.rebuild()  # here, as the import screen does: it takes a while
        severity = "information" if event.report.ok else "error"
        line = f"Watched folder: {report_line(event.report)}"
        self.app.post_message(WatchedFile(line, severity, changed))

    def show(self, message: WatchedFile) -> None:
        """Tell the user about a watched file and refresh the screens (UI thread)."""
        self.app.say(message.line, severity=message.severity, timeout=8)
        if not self.running:  # the watch stopped itself on an error
            self._changed()
        if message.changed:
            self.app.post_library_changed(None)
            self.app.request_rank()


def palette_commands(app: Any) -> list[tuple[str, Any, str]]:
    """The palette's command to start or stop watching the folder."""
    watch: FolderWatch | None = getattr(app, "folder_watch", None)
    if watch is None:
        return []
    if watch.running:
        return [("Stop watching the folder", watch.toggle, str(watch.folder))]
    folder = watch.configured
    hint = str(folder) if folder is not None else "set [watch] folder in the config"
    return [("Watch the folder (import files that appear there)", watch.toggle, hint)]
