"""The papersift Textual app: owns the library, the search index, the undo stack.

Every change to the library goes through `PapersiftApp.perform`, which runs it in a
thread worker (disk never blocks the UI), keeps the search index current, pushes the
`Change` on the undo stack and tells every screen (`LibraryChanged`). Another process
(the CLI) may write the library too: it is polled every `POLL_SECONDS`.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from papersift import actions
from papersift.actions import Change
from papersift.models import PapersiftError
from papersift.query.live import IndexEvents, LiveIndex
from papersift.ranking.live import LiveRanking, RankEvents
from papersift.store import CLOSED_AT, Library
from papersift.textsafe import clean_line
from papersift.tui.bindings import (
    binding_classes,
    followed_keymap,
    keymap_clashes,
    known_binding_ids,
)
from papersift.tui.commands import PapersiftCommands
from papersift.tui.config import UiConfig, load_config, unknown_ids
from papersift.tui.messages import (
    IndexProgress,
    IndexReady,
    LibraryChanged,
    RankingReady,
    RankProgress,
    TextsLoaded,
    WatchedFile,
)
from papersift.tui.screens.add_ids import LookupRunner
from papersift.tui.screens.main import MainScreen
from papersift.tui.styles import css_paths
from papersift.tui.watching import FolderWatch
from papersift.tui.widgets.paper_list import PaperList

if TYPE_CHECKING:
    pass

#: How often to look for changes made by another process.
POLL_SECONDS = 2.0
#: Levels of undo kept.
UNDO_LEVELS = 200


def touched_ids(change: Change) -> frozenset[str]:
    """The papers a change (or its undo) touches."""
    ids = set(change.triage_before)
    if change.papers_before:
        ids.update(change.papers_before)
    if change.decision:
        ids.update(change.decision)
    return frozenset(ids)


def _known_model(remembered: object, configured: str) -> str:
    """The model the user last switched to, else the configured one."""
    from papersift.ranking.settings import MODELS

    if isinstance(remembered, str) and remembered in {m.name for m in MODELS}:
        return remembered
    return configured


class PapersiftApp(App[None]):
    """Triage reading lists of research papers from the keyboard."""

    TITLE = "papersift"
    CSS_PATH: ClassVar[list[str | Path]] = list(css_paths())
    COMMANDS = App.COMMANDS | {PapersiftCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark", "help", "Help", id="help", tooltip="All keys, and the filter language"
        ),
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo the last change (several levels)"),
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit (everything is already saved)"),
    ]

    def __init__(
        self,
        library: Library,
        *,
        config: UiConfig | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.library = library
        self.config = config if config is not None else load_config()
        self.poll_seconds = poll_seconds
        self.ui_state: dict[str, Any] = library.load_ui_state()
        #: When the last session ended: "New since last session" holds what came after.
        self.session_since = library.last_closed()
        #: The search index: built in a worker (`start_index_build`), its events
        #: turned into messages here.
        self.live = LiveIndex(
            library,
            events=IndexEvents(
                texts_loaded=self._texts_loaded,
                texts_failed=self._texts_failed,
                progress=lambda done, total: self._post_to_main(IndexProgress(done, total)),
                ready=lambda: self._post_to_main(IndexReady()),
            ),
        )
        #: The inbox's ranking, refitted in a worker after decisions (`request_rank`).
        self.rank = LiveRanking(
            library,
            events=RankEvents(
                progress=lambda done, total: self._post_to_main(RankProgress(done, total)),
                ranked=self._ranked,
            ),
            model=_known_model(self.ui_state.get("rank_model"), self.config.rank_model),
        )
        #: The stopping rule was announced this session (it is said once).
        self.stop_announced = False
        self._undo: list[Change] = []
        self.main_screen: MainScreen | None = None
        #: Papers added by arXiv id or DOI: the waiting count and retries (`+`).
        self.lookups = LookupRunner(self)
        self._theme_ready = False
        #: The watched folder (`[watch] folder`; the palette starts and stops it).
        self.folder_watch = FolderWatch(self)

    # ------------------------------------------------------------------ start / stop

    def get_default_screen(self) -> Screen[Any]:
        self.main_screen = MainScreen()
        return self.main_screen

    def on_mount(self) -> None:
        for problem in self.config.problems:
            self.say(problem, severity="warning", timeout=10)
        self._apply_keymap()
        self._apply_theme()
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.poll_seconds > 0:
            self.set_interval(self.poll_seconds, self._poll)
        self.folder_watch.start_configured()
        self.lookups.start()

    def _apply_keymap(self) -> None:
        keys = self.config.keys
        if not keys:
            return
        unknown = unknown_ids(keys, known_binding_ids(PapersiftApp))
        if unknown:
            self.say(
                f"{self.config.path}: [keys] has unknown binding ids: {', '.join(unknown)} "
                "(press ? to see the ids)",
                severity="warning",
                timeout=10,
            )
        known = {k: v for k, v in keys.items() if k not in unknown}
        # Every screen takes the keymap (Textual applies it by binding id); the keys
        # another screen shares with the main screen follow its remapping.
        self.set_keymap(followed_keymap(known, binding_classes()))
        from papersift.tui.screens.duplicates import DuplicatesScreen
        from papersift.tui.screens.review_triage import ReviewTriageScreen
        from papersift.tui.screens.triage import TriageScreen

        problems = keymap_clashes(self._keymap, (PaperList, MainScreen, PapersiftApp))
        for screen in (TriageScreen, ReviewTriageScreen, DuplicatesScreen):
            problems += keymap_clashes(self._keymap, (screen, PapersiftApp))
        for problem in dict.fromkeys(problems):
            self.say(f"{self.config.path}: {problem}", severity="warning", timeout=10)

    def _apply_theme(self) -> None:
        """The config's theme, unless the user picked another (ctrl+p) since it was set."""
        configured = self.config.theme
        remembered = self.ui_state.get("theme")
        if remembered and self.ui_state.get("theme_config") == configured:
            wanted = remembered
        else:
            wanted = configured or remembered
        if wanted:
            if wanted in self.available_themes:
                self.theme = wanted
            else:
                self.say(
                    f"unknown theme {wanted!r}; available: "
                    + ", ".join(sorted(self.available_themes)),
                    severity="warning",
                    timeout=10,
                )
        self._theme_ready = True

    def _theme_changed(self, theme: Any) -> None:
        if self._theme_ready:
            self.save_ui_state_soon()

    async def action_quit(self) -> None:
        self.save_ui_state()
        self.exit()

    def on_watched_file(self, message: WatchedFile) -> None:
        self.folder_watch.show(message)

    def on_unmount(self) -> None:
        self.folder_watch.stop(quiet=True)
        self.save_ui_state()

    # ------------------------------------------------------------------ ui state

    def current_ui_state(self) -> dict[str, Any]:
        state = dict(self.ui_state)
        if self.main_screen is not None and self.main_screen.is_mounted:
            state.update(self.main_screen.ui_state())
        state["theme"] = self.theme
        state["theme_config"] = self.config.theme
        return state

    def save_ui_state(self) -> None:
        """Remember view, query, sort, cursor and theme, and that the session ends now
        (`Library.last_closed`; called as the app closes), on this thread."""
        with contextlib.suppress(Exception):
            self.ui_state = self.current_ui_state()
        self.ui_state[CLOSED_AT] = time.time()
        self.library.save_ui_state(self.ui_state)

    def save_ui_state_soon(self) -> None:
        """Remember the state from a worker (a view change should not wait for the disk)."""
        self.ui_state = self.current_ui_state()
        state = dict(self.ui_state)
        self.run_worker(
            lambda: self.library.save_ui_state(state),
            thread=True,
            group="ui-state",
            exclusive=True,
            exit_on_error=False,
        )

    # ------------------------------------------------------------------ search index
    # The index's life cycle is `LiveIndex`'s (`self.live`: screens search and rebuild
    # through it); the app runs its build in a worker and turns its events into messages.

    def start_index_build(self) -> None:
        """Read the texts a lazy open left unread, then build the word index, in a
        thread worker (the main screen asks once its first rows are painted: both hold
        the GIL most of the time, and started at mount they slowed the first paint)."""
        if not self.live.complete:
            self.run_worker(self._build_index, thread=True, group="index", exit_on_error=False)

    def _build_index(self) -> None:
        self.live.build()

    def _texts_loaded(self) -> None:
        # post_message, not call_from_thread: the UI thread may be waiting on `index`.
        for screen in list(self.screen_stack):
            screen.post_message(TextsLoaded())

    def _texts_failed(self, exc: PapersiftError) -> None:
        # call_from_thread is safe here (LiveIndex holds no lock when it says this).
        self.call_from_thread(self.say, str(exc), severity="error")

    def _post_to_main(self, message: Message) -> None:
        # post_message: never call_from_thread here, the UI thread may be waiting on
        # `index` (which holds the build lock).
        screen = self.main_screen
        if screen is not None:
            screen.post_message(message)

    # ------------------------------------------------------------------ ranking
    # `LiveRanking` (`self.rank`) fits and scores; the app runs it in a worker and tells
    # every screen when a new ranking is ready.

    def request_rank(self) -> None:
        """Refit the ranking on the current decisions, in a worker (coalesced)."""
        if self.rank.request():
            self.run_worker(self.rank.run, thread=True, group="rank", exit_on_error=False)

    def switch_rank_model(self, name: str) -> None:
        """Rank with another model from now on (remembered for the next start)."""
        self.ui_state["rank_model"] = name
        if self.rank.set_model(name):
            self.run_worker(self.rank.run, thread=True, group="rank", exit_on_error=False)

    def _ranked(self, ranking: Any) -> None:
        for screen in list(self.screen_stack):
            screen.post_message(RankingReady(ranking))

    # ------------------------------------------------------------------ changes

    def say(
        self, message: str, *, severity: str = "information", timeout: float | None = None
    ) -> None:
        """Notify with text that may hold data (never read as markup)."""
        self.notify(
            clean_line(message),
            severity=severity,  # type: ignore[arg-type]
            timeout=timeout if timeout is not None else (8 if severity == "error" else 3),
            markup=False,
        )

    def perform(self, fn: Callable[[], Change]) -> None:
        """Run a library action in a thread worker; on success it can be undone."""
        if not self.is_running:
            # Quitting (e.g. the note editor hands back its text while unmounting): there
            # may be no worker left to run it, and the user's text must still reach disk.
            try:
                fn()
            except PapersiftError as exc:
                self.log.error("change lost while quitting", exc)
            return
        self.run_worker(
            lambda: self._perform_in_thread(fn),
            thread=True,
            group="db",
            exit_on_error=False,
            description="library change",
        )

    def _perform_in_thread(self, fn: Callable[[], Change]) -> None:
        try:
            change = fn()
        except PapersiftError as exc:
            self.call_from_thread(self.say, str(exc), severity="error")
            return
        except Exception as exc:  # a bug must not take the user's session down
            self.log.error("action failed", exc)
            self.call_from_thread(
                self.say, f"Could not do that: {type(exc).__name__}: {exc}", severity="error"
            )
            return
        ids = touched_ids(change)
        self.live.update(ids)
        self.call_from_thread(self._change_done, change, ids)

    def _change_done(self, change: Change, ids: frozenset[str]) -> None:
        if ids:
            self.remember_change(change)
            self.post_library_changed(ids)
            self.request_rank()
        text = change.description[:1].upper() + change.description[1:]
        self.report(text if ids else f"{text} (no change)")

    def remember_change(self, change: Change) -> None:
        """Put a change on the undo stack (`perform` does; a saved view's change too)."""
        self._undo.append(change)
        del self._undo[:-UNDO_LEVELS]

    def report(self, text: str) -> None:
        """Say what a change or an undo did: on the screen's own status line where it
        has one (`show_report`: triage mode, where a stack of toasts would cover the
        paper being read), else as a toast."""
        show = getattr(self.screen, "show_report", None)
        if callable(show):
            show(clean_line(text))
        else:
            self.say(text)

    def post_library_changed(self, ids: frozenset[str] | None) -> None:
        """Tell every screen on the stack that these papers changed."""
        for screen in list(self.screen_stack):
            screen.post_message(LibraryChanged(ids))
        self.refresh_auto_exports()

    def refresh_auto_exports(self) -> None:
        """Rewrite the auto-exports a change altered (`auto_export.refresh`), in a thread
        worker: no keystroke waits for it, and a newer change supersedes a running one."""
        self.run_worker(
            self._refresh_auto_exports,
            thread=True,
            group="auto-export",
            exclusive=True,
            exit_on_error=False,
            description="auto-export",
        )

    def _refresh_auto_exports(self) -> None:
        from papersift.auto_export import refresh

        try:
            outcomes = refresh(self.library)
        except PapersiftError as exc:
            self.call_from_thread(self.say, f"Auto-export: {exc}", severity="error")
            return
        for outcome in outcomes:
            if outcome.result == "failed":
                self.call_from_thread(self.say, f"Auto-export {outcome.message}", severity="error")

    def action_undo(self) -> None:
        """Revert the last change (several levels)."""
        if not self._undo:
            self.report("Nothing to undo.")
            return
        change = self._undo.pop()
        self.run_worker(
            lambda: self._undo_in_thread(change),
            thread=True,
            group="db",
            exit_on_error=False,
            description="undo",
        )

    def _undo_in_thread(self, change: Change) -> None:
        try:
            actions.undo(self.library, change)
        except PapersiftError as exc:
            self.call_from_thread(self._undo_failed, change, str(exc))
            return
        except Exception as exc:
            self.log.error("undo failed", exc)
            self.call_from_thread(self._undo_failed, change, f"{type(exc).__name__}: {exc}")
            return
        ids = touched_ids(change)
        self.live.update(ids)
        self.call_from_thread(self._undo_done, change, ids)

    def _undo_failed(self, change: Change, message: str) -> None:
        self._undo.append(change)
        self.say(f"Undo failed: {message}", severity="error")

    def _undo_done(self, change: Change, ids: frozenset[str]) -> None:
        # A saved view put back changes the sidebar, not papers: everything is redrawn.
        self.post_library_changed(None if change.views_before is not None else ids)
        self.request_rank()
        self.report(f"Undone: {change.undo_description}")

    @property
    def undo_depth(self) -> int:
        return len(self._undo)

    def view_ids(self) -> list[str]:
        """Paper ids of the current view/filter, in display order."""
        if self.main_screen is None or not self.main_screen.is_mounted:
            return []
        return self.main_screen.paper_list.ids

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed is a bug: say so instead of failing silently."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self.log.error("worker failed", event.worker, error)
            self.say(
                f"Something went wrong ({event.worker.group}): {type(error).__name__}: {error}",
                severity="error",
            )

    # ------------------------------------------------------------------ other processes

    def _poll(self) -> None:
        if self.main_screen is not None and self.main_screen.importing:
            return
        self.run_worker(
            self._poll_in_thread, thread=True, group="poll", exclusive=True, exit_on_error=False
        )

    def _poll_in_thread(self) -> None:
        try:
            changed = self.library.refresh_if_changed()
        except PapersiftError as exc:
            self.call_from_thread(self.say, str(exc), severity="error")
            return
        if not changed or get_current_worker().is_cancelled:
            return
        self.live.rebuild()
        self.call_from_thread(self.post_library_changed, None)
        self.call_from_thread(self.request_rank)

    # ------------------------------------------------------------------ screens

    def action_help(self) -> None:
        from papersift.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))


def run(library_path: Path) -> None:
    """Open the library at `library_path` (created if missing) and run the TUI."""
    # Abstracts and BibTeX origins are most of corpus.json and not needed to show the
    # list: they are read after the first paint (`start_index_build`).
    library = Library(Path(library_path), lazy_texts=True)
    # The loaded corpus is hundreds of thousands of long-lived objects: keep the
    # collector from walking them again on every full pass (pauses of 0.1-0.4 s).
    gc.freeze()
    try:
        app = PapersiftApp(library)
        app.live.freeze_gc = True
        app.rank.freeze_gc = True
        app.run()
    finally:
        library.close()
