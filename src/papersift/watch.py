"""Watch a folder: import each file of a known format that appears in it, once.

`FolderWatcher.poll` looks at the folder (not its subfolders) with `os.scandir`; a file
is imported once its size, modification time and inode were the same at two looks in a
row, so a file still being downloaded or written is left until it has stopped growing.
Which files: those whose name ends as a registered import format's files do
(`readers.formats.file_endings`), hidden files (editors' and papersift's own temp
files start with ".") and partial downloads (`.part`, `.crdownload`, …) left out; the
format itself is detected from the content, as `papersift import` does.

Each file is imported once by content: the SHA-256 of every file handled is kept in
the library (`watched.json`, written atomically under the library's lock, so two
watchers never import one file twice). A file rewritten with new content is imported
again; one with the same content (touched, copied under another name) is not. A file
that fails to import is remembered with its error and not tried again until it changes.

Polling with the standard library rather than watchdog (inotify/FSEvents): the one
thing a watch here must know is when a file has *stopped* changing, which an event
does not say (a download emits a stream of modify events and then nothing), so a watch
built on events would still poll sizes; a look at one folder every 2 seconds costs
well under a millisecond (`papersift watch --help` says how to change the interval),
and it also works on network and FUSE folders where inotify sees nothing.

No Textual here: `papersift watch` prints each `WatchEvent`, the TUI runs `run` in a
thread worker and shows them.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from papersift.fsutil import atomic_write_bytes, describe_os_error
from papersift.importer import FileReport, import_files
from papersift.models import PapersiftError
from papersift.readers.formats import file_endings
from papersift.store import Library, LibraryBusy

STATE_FILE = "watched.json"
STATE_VERSION = 1
#: Seconds between two looks at the folder.
DEFAULT_INTERVAL = 2.0
#: Endings of files still being downloaded or written by another program.
PARTIAL_ENDINGS = (".part", ".partial", ".crdownload", ".download", ".tmp", ".temp", "~")

#: (size, mtime in ns, inode): a file is complete when this did not change between looks.
Stat = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """What a poll did with one file.

    `status`: "imported", "failed" (the report says why), "seen" (this content was
    handled before: `previous` is when, `error` why it failed then, if it did), or
    "busy" (the library was locked by another process for too long; tried again at
    the next look)."""

    path: Path
    status: str
    report: FileReport | None = None
    previous: float = 0.0
    error: str = ""

    def line(self) -> str:
        """The line `papersift watch` prints for a file that was not imported now."""
        name = self.path.name
        if self.status == "busy":
            return f"{name}: {self.error}; trying again at the next look"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.previous))
        if self.error:
            return f"{name}: failed on {when} and has not changed since; not retried"
        return f"{name}: this content was imported on {when}; skipped"


def is_candidate(name: str, endings: tuple[str, ...] | None = None) -> bool:
    """True if a file of this name is one a watched folder imports."""
    lower = name.lower()
    if name.startswith(".") or lower.endswith(PARTIAL_ENDINGS):
        return False
    return lower.endswith(endings if endings is not None else file_endings())


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class WatchState:
    """The digests of the files a library's watchers handled (`watched.json`)."""

    def __init__(self, library: Library) -> None:
        self.path = library.path / STATE_FILE

    def load(self) -> dict[str, dict[str, object]]:
        """digest → {"file", "at", "error"}; {} when nothing was watched yet."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise PapersiftError(f"{self.path}: cannot read: {describe_os_error(exc)}") from exc
        except orjson.JSONDecodeError as exc:
            raise PapersiftError(
                f"{self.path}: not valid JSON ({exc}); delete it to forget which files "
                "were imported (importing them again changes nothing)"
            ) from None
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict) or data.get("version", 0) > STATE_VERSION:
            raise PapersiftError(
                f"{self.path}: not a watch record this papersift can read; delete it to "
                "forget which files were imported (importing them again changes nothing)"
            )
        return files

    def save(self, files: dict[str, dict[str, object]]) -> None:
        atomic_write_bytes(
            self.path,
            orjson.dumps({"version": STATE_VERSION, "files": files}, option=orjson.OPT_INDENT_2),
        )


def _stat_of(entry: os.DirEntry[str]) -> Stat | None:
    try:
        st = entry.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class FolderWatcher:
    """Imports the files that appear in `folder` into `library` (see the module's doc)."""

    def __init__(self, library: Library, folder: Path) -> None:
        self.library = library
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise PapersiftError(f"{self.folder}: not a folder")
        self.state = WatchState(library)
        self.state.load()  # a broken record is reported before the first look
        self._endings = file_endings()
        #: Each candidate file's stat at the last look.
        self._last: dict[Path, Stat] = {}
        #: The stat at which a file was handled (imported, skipped or failed).
        self._handled: dict[Path, Stat] = {}

    def _scan(self) -> dict[Path, Stat]:
        found: dict[Path, Stat] = {}
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    if not is_candidate(entry.name, self._endings):
                        continue
                    try:
                        if not entry.is_file():
                            continue
                    except OSError:
                        continue
                    if (stat := _stat_of(entry)) is not None:
                        found[Path(entry.path)] = stat
        except OSError as exc:
            raise PapersiftError(
                f"{self.folder}: cannot read the folder: {describe_os_error(exc)}"
            ) from exc
        return found

    def poll(self) -> list[WatchEvent]:
        """One look at the folder: handle every file unchanged since the last look and
        not handled in that state yet. Returns what was done, file by file."""
        now = self._scan()
        ready = sorted(
            path
            for path, stat in now.items()
            if self._last.get(path) == stat and self._handled.get(path) != stat
        )
        self._last = now
        for gone in set(self._handled) - set(now):
            del self._handled[gone]
        events = []
        for path in ready:
            event = self._handle(path, now[path])
            if event is not None:
                events.append(event)
        return events

    def _handle(self, path: Path, stat: Stat) -> WatchEvent | None:
        try:
            digest = file_digest(path)
            still = os.stat(path)
        except OSError:
            return None  # gone (renamed, deleted) since the look: nothing to do
        if (still.st_size, still.st_mtime_ns, still.st_ino) != stat:
            return None  # written to again while hashed: wait for it to settle
        try:
            with self.library.locked():
                files = self.state.load()
                known = files.get(digest)
                if known is not None:
                    self._handled[path] = stat
                    return WatchEvent(
                        path,
                        "seen",
                        previous=float(known.get("at", 0) or 0),  # type: ignore[arg-type]
                        error=str(known.get("error", "")),
                    )
                (report,) = import_files(self.library, [path])
                files[digest] = {"file": path.name, "at": time.time(), "error": report.error}
                self.state.save(files)
        except LibraryBusy as exc:
            return WatchEvent(path, "busy", error=str(exc))
        self._handled[path] = stat
        return WatchEvent(path, "failed" if report.error else "imported", report)

    def run(
        self,
        on_event: Callable[[WatchEvent], None],
        *,
        interval: float = DEFAULT_INTERVAL,
        polls: int | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """Look at the folder every `interval` seconds until `stop` is set (or after
        `polls` looks), calling `on_event` for each file handled. The first look only
        notes the files: each is imported at the second look that finds it unchanged.
        Returns the number of looks."""
        stop = stop if stop is not None else threading.Event()
        done = 0
        while not stop.is_set():
            for event in self.poll():
                on_event(event)
                if stop.is_set():
                    break
            done += 1
            if (polls is not None and done >= polls) or stop.wait(interval):
                break
        return done
