"""Editing tags and notes, the same from every screen (the main list and triage mode).

Each function opens its editor over the current screen and applies what the user
decided as ONE undoable change through the app's `perform` (a thread worker and the
undo stack), or through the screen's own `perform` when it must note something first
(triage mode remembers where a change was made, so undo can go back there).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from papersift import actions
from papersift.actions import Change
from papersift.models import Entry

if TYPE_CHECKING:
    from papersift.store import Library
    from papersift.tui.screens.tag_editor import TagEdit

#: How a change is run: `PapersiftApp.perform`'s signature.
Perform = Callable[[Callable[[], Change]], None]


class TypedTextGuard:
    """What an editor screen (tags, note, rename) does so that typed text is never lost.

    The editor closes through `close_editor`. Until then, whenever it stops being the
    screen in front without having been closed (another screen opened over it), it is
    told `keep_typed(interactive=True)`; when it is unmounted unclosed (the app is
    quitting, or the terminal closed: a hangup or SIGTERM quits the app as `q` does
    while an editor is open), `keep_typed(interactive=False)`, with the app's message
    loop ending, so saving must not wait for a worker (`PapersiftApp.perform` runs the
    change at once then). Each editor decides what keeping means: the tag editor enters
    the typed tags, the note editor saves the note, the rename dialog keeps a draft.
    """

    _editor_closed = False

    def keep_typed(self, *, interactive: bool) -> None:
        """Save (or keep) what is typed; see the class docstring."""
        raise NotImplementedError

    def close_editor(self, result: Any) -> None:
        """Close the editor with `result` (nothing more is kept after this)."""
        if self._editor_closed:
            return
        self._editor_closed = True
        self.dismiss(result)  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        _quit_on_hangup(self.app)  # type: ignore[attr-defined]

    def on_screen_suspend(self) -> None:
        if not self._editor_closed and self.app.is_running:  # type: ignore[attr-defined]
            self.keep_typed(interactive=True)

    def on_unmount(self) -> None:
        if not self._editor_closed:
            self._editor_closed = True
            self.keep_typed(interactive=False)


_HANGUP_WATCHED: weakref.WeakSet[Any] = weakref.WeakSet()


def _quit_on_hangup(app: Any) -> None:
    """Make a hangup (the terminal closed) or SIGTERM quit `app` as `q` does, so open
    editors are unmounted and save, instead of the process dying mid-edit."""
    if app in _HANGUP_WATCHED:
        return
    _HANGUP_WATCHED.add(app)
    with contextlib.suppress(RuntimeError, NotImplementedError, ValueError, AttributeError):
        # Only the main thread's running loop can take signals (not so under some
        # test runners, nor on Windows, where there is no SIGHUP).
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(signum, app.exit)


def tag_step_change(
    library: Library,
    ids: Sequence[str],
    step: TagEdit,
    holders: Mapping[str, Sequence[str]],
) -> Change:
    """One step of a tag editor session over `ids` as one undoable change.

    A tag some of the papers had when the editor opened (`holders[tag]`: which ones) and
    that comes back after being removed goes back to those papers only; other added tags
    go to every paper."""
    restored = {tag: holders[tag] for tag in step.add if tag in holders}
    added = [tag for tag in step.add if tag not in holders]
    if added or step.remove:
        change = actions.edit_tags(library, ids, add=added, remove=step.remove)
    else:
        count = "1 paper" if len(ids) == 1 else f"{len(ids)} papers"
        change = Change(
            description=f"tags of {count}: {', '.join(restored)}",
            undone=f"tags of {count} as before",
        )
    for tag, who in restored.items():
        for pid, before in actions.add_tags(library, who, [tag]).triage_before.items():
            change.triage_before.setdefault(pid, before)
    return change


def edit_tags(app: Any, entries: Sequence[Entry], *, perform: Perform | None = None) -> None:
    """Open the tag editor for `entries` (the tags any of them has are shown as
    theirs). Each step the user takes (enter on typed tags, a tag removed or restored)
    is saved at once, as one undoable change over all of them."""
    from papersift.tui.screens.tag_editor import TagEditor

    library = app.library
    run = perform if perform is not None else app.perform
    ids = [entry.id for entry in entries]
    titles = [entry.paper.title for entry in entries]
    holders: dict[str, list[str]] = {}
    for entry in entries:
        for tag in entry.triage.tags:
            holders.setdefault(tag, []).append(entry.id)

    def save(step: TagEdit) -> None:
        run(lambda: tag_step_change(library, ids, step, holders))

    similar = None
    if len(entries) == 1:
        paper = entries[0].paper

        def similar() -> list[str]:
            return similar_tags(app, paper)

    app.push_screen(
        TagEditor(titles, list(holders), library.all_tags(), save=save, similar_tags=similar)
    )


def similar_tags(app: Any, paper: Any) -> list[str]:
    """The tags of the papers `paper` most resembles; [] when no paper is tagged yet.

    Runs in a worker, beside the ranking's: it builds its own small feature space of
    the tagged papers rather than read one the ranking may be extending."""
    from papersift.ranking.ranker import paper_text
    from papersift.ranking.tags import suggest_tags, tagged_texts

    library = app.library
    tags = {pid: state.tags for pid, state in dict(library.triage).items() if state.tags}
    found = suggest_tags(paper_text(paper), tagged_texts(library.papers, tags))
    return [s.tag for s in found]


def edit_note(app: Any, entry: Entry, *, perform: Perform | None = None, panel: str = "") -> None:
    """Open the note editor on `entry`'s note; a changed note is saved as one change
    (closing without a change, or back to the same text, writes nothing). If another
    screen opens over the editor, the note so far is saved then (and again on close if
    it changed after). `panel` places it (`note_editor.PANELS`: triage mode's "side"
    or "bottom" keep the paper in view)."""
    from papersift.tui.screens.note_editor import NoteEditor

    library = app.library
    run = perform if perform is not None else app.perform
    pid = entry.id
    saved = [entry.triage.note]

    def save(note: str | None) -> None:
        if note is not None and note != saved[0]:
            saved[0] = note
            run(lambda: actions.set_note(library, pid, note))

    app.push_screen(NoteEditor(entry.paper.title, entry.triage.note, save=save, panel=panel), save)
