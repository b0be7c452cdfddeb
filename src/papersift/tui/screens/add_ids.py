"""Add papers by arXiv id or DOI from inside the app (`+`, and the palette).

The screen takes a pasted list (ids, URLs, DOIs: one per line, or separated by spaces or
commas), looks it up in a thread worker with progress (`lookup.Lookup.add`, the same as
`papersift add`) and keeps a line per id on screen: added, merged, updated, queued or
failed, with why. `LookupRunner` is the app's side: one `Lookup` for the session (so
arXiv's rate limit holds across adds and retries), the number of lookups waiting (the
main screen shows it), and the queue retried in a worker at start and every
`RETRY_SECONDS` while any wait.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, ProgressBar, Static, TextArea

from papersift.lookup import AddReport, Lookup, outcome_line, read_queue, waiting_count
from papersift.lookup.queue import FILE_NAME
from papersift.models import PapersiftError
from papersift.tui.bindings import key_of
from papersift.tui.messages import LookupsChanged
from papersift.tui.safe_text import plain

#: How often the app tries the waiting lookups again.
RETRY_SECONDS = 300.0
#: How often the app looks whether another process changed the queue (a stat).
QUEUE_CHECK_SECONDS = 5.0


def waiting_text(count: int) -> str:
    """ "3 lookups waiting" (empty for none)."""
    if not count:
        return ""
    return f"{count} lookup{'' if count == 1 else 's'} waiting"


class LookupRunner:
    """The app's lookups: one `Lookup` per session, the waiting count, the retries."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lookup = Lookup(app.library.path)
        self.waiting = waiting_count(app.library.path)
        self._queue_stamp = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.app.library.path / FILE_NAME)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def start(self) -> None:
        """Retry now if lookups wait, then every `RETRY_SECONDS`; follow other
        processes' changes to the queue."""
        for problem in self.lookup.config.problems:
            self.app.say(problem, severity="warning", timeout=10)
        if self.app.library.readonly:
            return
        try:
            read_queue(self.app.library.path)
        except PapersiftError as exc:  # waiting_count said 0; the user must hear why
            self.app.say(str(exc), severity="error", timeout=10)
        if self.waiting:
            self.retry()
        self.app.set_interval(RETRY_SECONDS, self._retry_if_waiting)
        self.app.set_interval(QUEUE_CHECK_SECONDS, self.check_queue)

    def _retry_if_waiting(self) -> None:
        if self.waiting:
            self.retry()

    def check_queue(self) -> None:
        """Follow a change another process made to the queue (a stat; read if changed)."""
        stamp = self._stamp()
        if stamp != self._queue_stamp:
            self._queue_stamp = stamp
            self._set_waiting(waiting_count(self.app.library.path))

    def _set_waiting(self, count: int) -> None:
        if count != self.waiting:
            self.waiting = count
            for screen in list(self.app.screen_stack):
                screen.post_message(LookupsChanged(count))

    def retry(self) -> None:
        """Run the queue in a thread worker (never more than one at a time)."""
        self.app.run_worker(
            self._retry_in_thread,
            thread=True,
            group="lookup-retry",
            exclusive=True,
            exit_on_error=False,
            description="lookup retry",
        )

    def _retry_in_thread(self) -> None:
        try:
            report = self.lookup.retry(self.app.library)
        except PapersiftError as exc:
            self.app.call_from_thread(self.app.say, f"Lookups: {exc}", severity="error")
            return
        self.app.call_from_thread(self._after, report, True)

    def add(self, text: str, progress: Any = None) -> AddReport:
        """Look up and add the papers `text` names (call from a thread worker)."""
        report = self.lookup.add(self.app.library, text, progress=progress)
        self.app.call_from_thread(self._after, report, False)
        return report

    def _after(self, report: AddReport, retried: bool) -> None:
        """On the UI thread: new papers to the screens, the count, what a retry did."""
        changed = [o for o in report.outcomes if o.result in ("added", "merged", "updated")]
        self._queue_stamp = self._stamp()
        self._set_waiting(report.waiting)
        if changed:
            self.app.run_worker(
                self._rebuild, thread=True, group="lookup-index", exit_on_error=False
            )
        if retried and report.outcomes:
            done = len(changed)
            failed = [o for o in report.outcomes if o.result == "failed"]
            parts = [f"{done} waiting lookup{'' if done == 1 else 's'} done"] if done else []
            parts += [outcome_line(o) for o in failed]
            if parts:
                self.app.say("; ".join(parts), severity="error" if failed else "information")

    def _rebuild(self) -> None:
        self.app.live.rebuild()
        self.app.call_from_thread(self.app.post_library_changed, None)


class AddIdsScreen(ModalScreen[None]):
    """Paste ids, look them up with progress, see what became of each."""

    AUTO_FOCUS = "#add-ids-text"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "look_up", "Look up", id="add-ids.run"),
        Binding("escape", "close", "Close", id="add-ids.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="add-ids", classes="dialog"):
            yield Static(plain("Add papers by arXiv id or DOI"), classes="dialog-title")
            yield TextArea(
                id="add-ids-text",
                soft_wrap=True,
                tab_behavior="focus",
                show_line_numbers=False,
                highlight_cursor_line=False,
                placeholder="2405.21046  arXiv:2310.12345v2  10.1145/3366423.3380130\n"
                "https://arxiv.org/abs/…  https://doi.org/…  (one per line, or a pasted list)",
            )
            yield Static(id="add-ids-hint", classes="hint")
            yield ProgressBar(id="add-ids-bar", show_eta=False)
            with VerticalScroll(id="add-ids-report"):
                yield Static(plain(""), id="add-ids-lines")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#add-ids-bar", ProgressBar).display = False
        self._hint(
            f"{key_of(self, 'look_up')} looks them up (arXiv, doi.org); offline, they wait "
            "and are retried"
        )

    def _hint(self, text: str) -> None:
        self.query_one("#add-ids-hint", Static).update(plain(text))

    def _say(self, text: str) -> None:
        self.query_one("#add-ids-lines", Static).update(plain(text, multiline=True))

    @property
    def text(self) -> str:
        return self.query_one("#add-ids-text", TextArea).text

    def action_look_up(self) -> None:
        if self.running:
            return
        if not self.text.strip():
            self._say("Paste or type arXiv ids or DOIs first.")
            return
        self.running = True
        bar = self.query_one("#add-ids-bar", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._hint("Looking up…")
        self._say("")
        text = self.text
        self.run_worker(
            lambda: self._look_up(text),
            thread=True,
            exclusive=True,
            group="add-ids",
            exit_on_error=False,
        )

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#add-ids-bar", ProgressBar).update(total=max(total, 1), progress=done)
        self._hint(f"Looking up… {done} of {total}")

    def _look_up(self, text: str) -> None:
        app: Any = self.app
        try:
            report = app.lookups.add(
                text, lambda done, total: app.call_from_thread(self._progress, done, total)
            )
        except PapersiftError as exc:
            app.call_from_thread(self._finished, None, str(exc))
            return
        except Exception as exc:  # a bug must not leave the dialog stuck "looking up"
            app.log.error("lookup failed", exc)
            app.call_from_thread(self._finished, None, f"{type(exc).__name__}: {exc}")
            return
        app.call_from_thread(self._finished, report, "")

    def _finished(self, report: AddReport | None, error: str) -> None:
        self.running = False
        self.query_one("#add-ids-bar", ProgressBar).display = False
        lines = [outcome_line(o) for o in report.outcomes] if report is not None else []
        if error:
            lines.append(f"✗ {error}")
        if report is not None and report.waiting:
            lines.append(
                f"{waiting_text(report.waiting)}: retried while the app runs "
                "(and by `papersift add --retry`)."
            )
        self._say("\n".join(lines))
        self._hint(f"Done. {key_of(self, 'close')} closes; edit the list to add more.")

    def action_close(self) -> None:
        if not self.running:
            self.dismiss(None)
