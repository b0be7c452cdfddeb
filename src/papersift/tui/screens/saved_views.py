"""Saving, renaming and deleting saved views from the TUI (issue #15 part 4).

`S` on the main screen (and the palette's "Save view") saves what the list shows: the
current view's papers matching the filter box, in the current sort. In a saved view that
is its own query with the typed filter ANDed, so saving again under its name updates
it. `R` and `delete` on a saved view's sidebar row rename it or (after asking) delete it.
The library work is `papersift.saved_views`'s, run in a thread worker; the main screen
then shows the saved view and recounts the sidebar.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from papersift.actions import Change
from papersift.models import PapersiftError
from papersift.saved_views import (
    NAME_MAX,
    SAVED_PREFIX,
    SavedView,
    check_name,
    delete_view,
    rename_view,
    save_view,
    with_undo,
)
from papersift.textsafe import clean_line
from papersift.tui.safe_text import plain
from papersift.views import DEFAULT_VIEW, DUPLICATES, sort_mode, view_title

if TYPE_CHECKING:
    from papersift.tui.app import PapersiftApp
    from papersift.tui.screens.main import MainScreen


class ViewNameScreen(ModalScreen[str | None]):
    """Ask for a saved view's name; dismiss with it (checked) or None.

    A name another saved view has is refused, unless `replaceable` (saving): then the
    first enter says it will be replaced and a second one does it. `current`, the name
    of the view being re-saved or renamed, is never "another".
    """

    AUTO_FOCUS = "#view-name"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="view-name.cancel"),
    ]

    def __init__(
        self,
        title: str,
        description: str,
        taken: Iterable[str],
        *,
        current: str = "",
        replaceable: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.description = description
        self.taken = [t for t in taken if t.casefold() != current.casefold()]
        self.current = current
        self.replaceable = replaceable
        self._confirmed: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="view-name-dialog", classes="dialog"):
            yield Static(plain(self.title_text), classes="dialog-title")
            yield Static(plain(self.description, multiline=True), id="view-name-what")
            yield Input(
                value=clean_line(self.current),
                placeholder="name of the view",
                max_length=NAME_MAX,
                id="view-name",
            )
            yield Static(plain(""), id="view-name-message", classes="hint")
            yield Static(plain("enter: save · esc: cancel"), classes="hint")

    def _say(self, text: str) -> None:
        self.query_one("#view-name-message", Static).update(plain(text, multiline=True))

    @on(Input.Changed, "#view-name")
    def _typed(self) -> None:
        self._confirmed = None
        self._say("")

    @on(Input.Submitted, "#view-name")
    def _submit(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        clash = next((t for t in self.taken if t.casefold() == name.casefold()), None)
        try:
            if clash is not None and self.replaceable:
                check_name(name)
                if self._confirmed != clash:
                    self._confirmed = clash
                    self._say(f"A saved view is named {clash!r}: enter again to replace it.")
                    return
            else:
                name = check_name(name, self.taken)
        except PapersiftError as exc:
            self._say(str(exc)[:1].upper() + str(exc)[1:] + ".")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _in_worker(
    app: PapersiftApp,
    work: Callable[[], SavedView],
    done: Callable[[SavedView], None],
    undone: str,
) -> None:
    """Run a saved-view change off the UI thread, then `done` on it (errors are said);
    `u` undoes it, and says `undone` ("the view 'Evals' back")."""

    def run() -> None:
        try:
            view, before = with_undo(app.library, work)
        except PapersiftError as exc:
            app.call_from_thread(app.say, str(exc), severity="error")
            return
        change = Change(f"saved view {view.name!r}", views_before=before, undone=undone)
        app.call_from_thread(app.remember_change, change)
        app.call_from_thread(done, view)

    app.run_worker(run, thread=True, group="db", exit_on_error=False, description="saved view")


def _describe(base: str, query: str, sort: str, reverse: bool) -> str:
    what = view_title(base) if base != "all" else "All papers"
    matching = f" matching {query}" if query else ""
    order = sort_mode(sort).label + (" reversed" if reverse else "")
    return f"{what}{matching}, sorted by {order}."


def save_current_view(main: MainScreen) -> None:
    """Ask for a name and save what the main screen's list shows as a saved view."""
    app = main.papersift
    user = main.user_views()
    view, typed = main.view, main.filter_bar.text.strip()
    saved = user.saved_view(view) if view.startswith(SAVED_PREFIX) else None
    if saved is not None:
        base, query = saved.base, " ".join(q for q in (saved.query, typed) if q)
    else:
        base, query = view, typed
    if base == DUPLICATES:
        app.say("The duplicates review cannot be saved as a view.", severity="warning")
        return
    if app.library.readonly:
        app.say("The library is open read-only: views cannot be saved.", severity="warning")
        return
    plist = main.paper_list
    sort, reverse = plist.sort, plist.sort_reverse

    def chosen(name: str | None) -> None:
        if name is None:
            return
        library = app.library

        def done(view: SavedView) -> None:
            main.sorts.forget(view.key)  # the saved sort is the view's now
            main.filter_bar.set_text("")  # the typed filter is in the saved query now
            if main.view == view.key:
                plist.sort, plist.sort_reverse = view.sort, view.reverse
                main.refilter()
            main.refresh_counts()
            main.set_view(view.key)
            keys = [v.key for v in main.user_views().saved]
            n = keys.index(view.key) + 1 if view.key in keys else 0
            where = f": press {n} to come back to it" if 0 < n <= 9 else ""
            app.say(f"Saved the view {view.name!r}{where}")

        replaced = user.saved_view(name) is not None
        _in_worker(
            app,
            lambda: save_view(
                library, name, query, base=base, sort=sort, reverse=reverse, replace=True
            ),
            done,
            f"the view {name!r} as it was" if replaced else f"the view {name!r} not saved",
        )

    app.push_screen(
        ViewNameScreen(
            "Save this view",
            _describe(base, query, sort, reverse),
            [v.name for v in user.saved],
            current=saved.name if saved is not None else "",
            replaceable=True,
        ),
        chosen,
    )


def rename_saved_view(app: Any, key: str) -> None:
    """Ask for a new name for the saved view `key`, then rename it."""
    main: MainScreen | None = getattr(app, "main_screen", None)
    if main is None:
        return
    user = main.user_views()
    saved = user.saved_view(key)
    if saved is None:
        return

    def chosen(name: str | None) -> None:
        if name is None or name == saved.name:
            return

        def done(view: SavedView) -> None:
            main.sorts.renamed(key, view.key)
            main.refresh_counts()
            if main.view == key:
                main.set_view(view.key)
            app.say(f"Renamed the view {saved.name!r} to {view.name!r}")

        _in_worker(
            app,
            lambda: rename_view(app.library, saved.name, name),
            done,
            f"the view's name {saved.name!r} back",
        )

    app.push_screen(
        ViewNameScreen(
            "Rename the saved view",
            _describe(saved.base, saved.query, saved.sort, saved.reverse),
            [v.name for v in user.saved],
            current=saved.name,
        ),
        chosen,
    )


def delete_saved_view(app: Any, key: str) -> None:
    """Ask, then delete the saved view `key` (its papers stay in the library)."""
    from papersift.tui.screens.confirm import ConfirmScreen

    main: MainScreen | None = getattr(app, "main_screen", None)
    if main is None:
        return
    saved = main.user_views().saved_view(key)
    if saved is None:
        return

    def answered(yes: bool | None) -> None:
        if not yes:
            return

        def done(view: SavedView) -> None:
            main.sorts.forget(key)
            if main.view == key:
                main.set_view(DEFAULT_VIEW)
            main.refresh_counts()
            app.say(f"Deleted the saved view {view.name!r}")

        _in_worker(
            app,
            lambda: delete_view(app.library, saved.name),
            done,
            f"the saved view {saved.name!r} back",
        )

    app.push_screen(
        ConfirmScreen(
            f"Delete the saved view {saved.name!r}? Its papers stay in the library.",
            yes="Delete",
            no="Keep",
        ),
        answered,
    )
