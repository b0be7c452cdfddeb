"""Editing tags and notes, the same from every screen (the main list and triage mode).

Each function opens its editor over the current screen and applies what the user
decided as ONE undoable change through the app's `perform` (a thread worker and the
undo stack), or through the screen's own `perform` when it must note something first
(triage mode remembers where a change was made, so undo can go back there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from papersift import actions
from papersift.actions import Change
from papersift.models import Entry

#: How a change is run: `PapersiftApp.perform`'s signature.
Perform = Callable[[Callable[[], Change]], None]


def edit_tags(app: Any, entries: Sequence[Entry], *, perform: Perform | None = None) -> None:
    """Open the tag editor for `entries` (the tags any of them has are shown as
    theirs); what the user adds and removes is one change over all of them."""
    from papersift.tui.screens.tag_editor import TagEdit, TagEditor

    library = app.library
    run = perform if perform is not None else app.perform
    ids = [entry.id for entry in entries]
    titles = [entry.paper.title for entry in entries]
    current = list(dict.fromkeys(tag for entry in entries for tag in entry.triage.tags))

    def apply(edit: TagEdit | None) -> None:
        if edit is not None and not edit.is_empty:
            run(lambda: actions.edit_tags(library, ids, add=edit.add, remove=edit.remove))

    app.push_screen(TagEditor(titles, current, library.all_tags()), apply)


def edit_note(app: Any, entry: Entry, *, perform: Perform | None = None) -> None:
    """Open the note editor on `entry`'s note; a changed note is saved as one change
    (closing without a change, or back to the same text, writes nothing)."""
    from papersift.tui.screens.note_editor import NoteEditor

    library = app.library
    run = perform if perform is not None else app.perform
    pid = entry.id

    def apply(note: str | None) -> None:
        if note is not None and note != entry.triage.note:
            run(lambda: actions.set_note(library, pid, note))

    app.push_screen(NoteEditor(entry.paper.title, entry.triage.note), apply)
