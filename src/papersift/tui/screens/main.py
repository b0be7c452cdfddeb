"""The main screen: filter box, sidebar of views, paper list, detail pane, footer.

Keys (every binding has an id, so `[keys]` in the config can move it):

=========  ==========================================================
s          star / unstar (toggle)
i r w x d  status: i inbox, r to-read ("read later"), w reading ("working
           through it"), x read (checked off), d discarded
t  n       tags (TagEditor), note (NoteEditor)
y  e       copy as BibTeX to the clipboard, export (ExportScreen)
enter      triage mode over the current view, from the cursor
D          review possible duplicates
o  O       cycle the sort (relevance, title, year, recently changed, predicted
           relevance), reverse it
/          filter box; v views sidebar; [ ] previous/next view; J K scroll details
=========  ==========================================================

Actions apply to the selected papers if any (space, a), else to the paper under the
cursor. Filtering and counting run in thread workers; changes go through `app.perform`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label, ProgressBar, Static
from textual.worker import Worker, get_current_worker

from papersift import actions
from papersift.models import (
    DEFAULT_STATUS,
    STATUS_LABELS,
    STATUSES,
    Entry,
    Paper,
    PapersiftError,
)
from papersift.ranking.ranker import explain_for
from papersift.ranking.settings import START_HINT as RANK_HINT
from papersift.readers.formats import describe_formats
from papersift.saved_views import SAVED_PREFIX, SavedView
from papersift.tui.bindings import STATUS_KEYS, key_labels, own_bindings
from papersift.tui.messages import (
    IndexProgress,
    IndexReady,
    LibraryChanged,
    LookupsChanged,
    RankingReady,
    RankProgress,
    TextsLoaded,
    WatchChanged,
)
from papersift.tui.safe_text import plain
from papersift.tui.screens.add_ids import AddIdsScreen, waiting_text
from papersift.tui.screens.confirm import confirm_bulk
from papersift.tui.screens.editing import edit_note, edit_tags
from papersift.tui.screens.links import LinkActions
from papersift.tui.widgets.detail import PaperDetail
from papersift.tui.widgets.filter_bar import FilterBar
from papersift.tui.widgets.footer import FittedFooter
from papersift.tui.widgets.paper_list import PaperList
from papersift.tui.widgets.sidebar import Sidebar
from papersift.views import (
    DEFAULT_SORT,
    DEFAULT_VIEW,
    DUPLICATES,
    RANK_SCORES,
    UserViews,
    ViewCounts,
    ViewSorts,
    count_tags,
    cycle_sorts,
    filter_view,
    is_known_view,
    sort_mode,
    view_title,
)

if TYPE_CHECKING:
    from papersift.ranking.ranker import Ranking
    from papersift.tui.app import PapersiftApp

#: Terminal widths below which the layout changes (see styles/app.tcss).
NARROW_WIDTH = 100
WIDE_WIDTH = 140
#: Seconds to wait after a change before recounting the sidebar (changes come in bursts).
COUNT_DELAY = 0.2
#: Seconds a notice (the first run's) holds the list's title line.
NOTICE_SECONDS = 12.0
#: The tags column never gets wider than this.
TAGS_MAX = 28

#: The footer's keys, the most important first: on a narrow terminal the footer drops
#: the others (and then these, from the end) rather than cut one; `?` lists them all.
FOOTER_PRIORITY = (
    "clear-selection",
    "clear-filter",
    *(f"status-{status}" for status in STATUSES),
    "star",
    "filter",
    "views",
    "help",
    "quit",
    "triage",
    "tags",
    "undo",
    "note",
)

#: The five status keys share one footer entry ("i r w x d status"): one key each
#: did not fit beside the others at 120 columns. `?` lists them one by one.
_STATUS_GROUP = Binding.Group("status")


class MainScreen(LinkActions, Screen[None]):
    """The list of papers and everything around it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "star", "Star", id="star", tooltip="Star or unstar (toggle)"),
        *(
            Binding(
                STATUS_KEYS[status],
                f"status('{status}')",
                STATUS_LABELS[status].action,
                id=f"status-{status}",
                tooltip=STATUS_LABELS[status].tooltip,
                group=_STATUS_GROUP,
            )
            for status in STATUSES
        ),
        Binding("t", "tags", "Tags", id="tags", tooltip="Add or remove tags"),
        Binding(
            "n", "note", "Note", id="note", tooltip="Write a note on the paper under the cursor"
        ),
        Binding(
            "question_mark",
            "app.help",
            "Help",
            id="help",
            tooltip="All keys, and the filter language",
        ),
        Binding(
            "y",
            "copy_bibtex",
            "Copy",
            show=False,
            id="copy-bibtex",
            tooltip="Copy as BibTeX to the clipboard",
        ),
        Binding(
            "e",
            "export",
            "Export",
            show=False,
            id="export",
            tooltip="Export the selection (or the whole view)",
        ),
        Binding(
            "enter",
            "triage",
            "Triage",
            id="triage",
            tooltip="Triage mode: one paper at a time, from the cursor",
        ),
        # A priority binding: the App runs it as it reads `/`, before it hands the keys
        # after it to the widget in focus, so a paste or fast typing right after `/`
        # reaches the filter box (see `action_focus_filter`).
        Binding(
            "slash",
            "focus_filter",
            "Filter",
            id="filter",
            tooltip="Type a filter (escape returns to the list)",
            priority=True,
        ),
        Binding(
            "o",
            "cycle_sort",
            "Sort",
            show=False,
            id="sort",
            tooltip="Sort by relevance, title, year, recently changed",
        ),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="sort-reverse"),
        Binding(
            "P",
            "screening",
            "Screening progress",
            show=False,
            id="screening-progress",
            tooltip="Relevant found, irrelevant in a row, the stopping rule, a chart",
        ),
        Binding(
            "D",
            "duplicates",
            "Duplicates",
            show=False,
            id="duplicates",
            tooltip="Review possible duplicates",
        ),
        Binding("v", "focus_views", "Views", id="views", tooltip="Go to the views sidebar"),
        # In the footer while a filter is set (`check_action`); the filter box has the
        # same key (`QueryInput`).
        Binding(
            "ctrl+u",
            "clear_filter",
            "Clear filter",
            id="clear-filter",
            tooltip="Clear the filter (escape in the filter box keeps it)",
        ),
        Binding(
            "left_square_bracket", "next_view(-1)", "Previous view", show=False, id="previous-view"
        ),
        Binding("right_square_bracket", "next_view(1)", "Next view", show=False, id="next-view"),
        Binding(
            "A",
            "search_all",
            "Search all papers",
            show=False,
            id="search-all",
            tooltip="The same filter over all papers (the All papers view)",
        ),
        Binding(
            "S",
            "save_view",
            "Save view",
            show=False,
            id="save-view",
            tooltip="Save the filter and sort of this view as a named view (sidebar, 1-9)",
        ),
        *(
            Binding(str(n), f"saved_view({n})", f"Saved view {n}", show=False, id=f"saved-view-{n}")
            for n in range(1, 10)
        ),
        Binding("J", "scroll_detail(1)", "Scroll details down", show=False, id="detail-down"),
        Binding("K", "scroll_detail(-1)", "Scroll details up", show=False, id="detail-up"),
        Binding(
            "plus",
            "add_ids",
            "Add by id",
            show=False,
            id="add-ids",
            tooltip="Add papers by arXiv id or DOI (queued when offline)",
        ),
        # Opening the paper (tui/screens/links.py has the actions).
        Binding(
            "b",
            "open_page",
            "Open page",
            show=False,
            id="open-page",
            tooltip="Open the paper's page in the browser (url, arXiv or DOI)",
        ),
        Binding("p", "open_pdf", "Open PDF", show=False, id="open-pdf", tooltip="Open the PDF"),
        Binding(
            "L",
            "links",
            "Links",
            show=False,
            id="links",
            tooltip="The paper's links (page, PDF, in the abstract): open or copy",
        ),
    ]

    @dataclass
    class FilterDone(Message):
        """A filter worker finished (results for generation `generation`)."""

        generation: int
        ids: list[str]
        total: int
        has_query: bool
        error: str | None = None
        position: int | None = None
        keep: str | None = None
        fallback_index: int | None = None
        tags_width: int = 0
        #: Some paper of `ids` has a year (else the list leaves out the year column).
        years: bool = True
        #: The query has words and the word index is still being built: `ids` is the
        #: view unfiltered.
        indexing: bool = False
        #: Nothing in the view matched but papers elsewhere do: how many per status.
        elsewhere: dict[str, int] | None = None
        #: The view cannot be shown (a saved view gone or broken): why.
        view_error: str | None = None
        #: Nothing matched because no paper in the library has a field the query
        #: needs (`query.language.absent_message`), or "".
        absent: str = ""

    @dataclass
    class CountsDone(Message):
        counts: ViewCounts

    @dataclass
    class ImportProgress(Message):
        stage: str
        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, MainScreen.ImportProgress)

    @dataclass
    class ImportDone(Message):
        papers: int
        error: str | None = None

    def __init__(self) -> None:
        super().__init__(id="main")
        self.view = DEFAULT_VIEW
        self._generation = 0
        self._restore_cursor: str | None = None
        self._count_timer: Timer | None = None
        self._counts: ViewCounts | None = None
        #: Papers per source file, for the corpus state it was computed from.
        self._sources_cache: tuple[object, dict[str, int]] | None = None
        self._filtered_once = False
        self._first_paint_seen = False
        #: A filter worker is running; edits meanwhile only queue one more run.
        self._filter_busy = False
        self._filter_queued: tuple[str | None, int | None] | None = None
        #: The list shows a word query unfiltered until the word index is ready.
        self._waiting_for_index = False
        self.importing = False
        #: The inbox's ranking, as the app last announced it (None: not ranked yet).
        self.ranking: Ranking | None = None
        #: The filter box holds a query (the footer offers to clear it).
        self._had_query = False
        #: A notice shown in place of the list's title (`show_notice`).
        self.notice: str | None = None
        #: The saved view shown, to follow it when renamed (`_follow_saved_view`).
        self._saved_shown: SavedView | None = None
        self._rank_status = ""
        #: The sort of each view (`views.ViewSorts`), restored at mount. Once the user
        #: sorts the inbox, the ranking no longer takes it over.
        self.sorts = ViewSorts()

    @property
    def papersift(self) -> PapersiftApp:
        return cast("PapersiftApp", self.app)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter-bar")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Container(id="center"):
                with Vertical(id="list-pane"):
                    yield Static(id="list-title")
                    yield PaperList(self._entry_of, id="papers")
                    with Vertical(id="import-progress"):
                        yield Label("Preparing your library…", id="import-label")
                        yield ProgressBar(id="import-bar", show_eta=False)
                yield PaperDetail(id="detail")
        # Only the everyday keys (copy, export, sort and the palette are left to `?`,
        # which lists every key); what does not fit is dropped (`FOOTER_PRIORITY`).
        yield FittedFooter(priority=FOOTER_PRIORITY, compact=True, show_command_palette=False)

    @property
    def paper_list(self) -> PaperList:
        return self.query_one("#papers", PaperList)

    @property
    def filter_bar(self) -> FilterBar:
        return self.query_one("#filter-bar", FilterBar)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one("#sidebar", Sidebar)

    @property
    def detail(self) -> PaperDetail:
        return self.query_one("#detail", PaperDetail)

    def _entry_of(self, paper_id: str) -> Entry:
        library = self.papersift.library
        try:
            return library.entry(paper_id)
        except KeyError:
            return Entry(Paper(id=paper_id, title="(no longer in the library)"))

    def _all_tags(self) -> dict[str, int]:
        library = self.papersift.library
        return count_tags(library.papers, dict(library.triage))

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < NARROW_WIDTH, "-narrow")
        self.set_class(NARROW_WIDTH <= width < WIDE_WIDTH, "-medium")
        self.set_class(width >= WIDE_WIDTH, "-wide")

    # ------------------------------------------------------------------ start

    def on_mount(self) -> None:
        self._apply_width(self.app.size.width)
        state = self.papersift.ui_state
        library = self.papersift.library
        view = state.get("view")
        if (
            isinstance(view, str)
            and is_known_view(view)
            and (not view.startswith("tag:") or view[4:] in self._all_tags())
        ):
            self.view = view
        if self.view.startswith("saved:") and not is_known_view(view, user=self.user_views()):
            self.view = DEFAULT_VIEW  # deleted since (by another process)
        if self.view.startswith(SAVED_PREFIX):
            self._saved_shown = self.user_views().saved_view(self.view)
        self.sorts = ViewSorts.from_state(state)
        self.paper_list.sort, self.paper_list.sort_reverse = self._sort_of(self.view)
        query = state.get("query")
        if isinstance(query, str):
            self.filter_bar.set_text(query)
            self._note_query(query)
        cursor = state.get("cursor")
        self._restore_cursor = cursor if isinstance(cursor, str) else None
        self.detail.show(None)
        self.paper_list.focus()
        if library.is_empty() and not library.readonly:
            self._start_import()
        else:
            self.refilter()  # the counts follow the first paint (`_after_first_paint`)

    # ------------------------------------------------------------------ first run import

    def _start_import(self) -> None:
        self.importing = True
        self.add_class("-importing")
        self.query_one("#import-label", Label).update(
            "Your library is empty: importing the bundled sample papers…"
        )
        self._import_worker()

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def _import_worker(self) -> None:
        from papersift.importer import import_sample_corpus

        library = self.papersift.library
        try:
            reports = import_sample_corpus(
                library,
                lambda stage, done, total: self.post_message(
                    self.ImportProgress(stage, done, total)
                ),
            )
        except PapersiftError as exc:
            self.post_message(self.ImportDone(0, str(exc)))
            return
        problems = [r.error for r in reports if r.error]
        self.papersift.live.rebuild()
        self.post_message(self.ImportDone(len(library), "; ".join(problems) or None))

    def on_main_screen_import_progress(self, message: ImportProgress) -> None:
        stage = {"read": "Reading", "dedupe": "Finding duplicates", "write": "Saving"}.get(
            message.stage, message.stage
        )
        self.query_one("#import-label", Label).update(
            f"Your library is empty: importing the bundled sample papers… {stage}"
        )
        self.query_one("#import-bar", ProgressBar).update(
            total=max(message.total, 1), progress=message.done
        )

    def on_main_screen_import_done(self, message: ImportDone) -> None:
        self.importing = False
        self.remove_class("-importing")
        if message.error:
            self.papersift.say(f"Sample import: {message.error}", severity="error")
        if message.papers:
            # In the list's title line, not a toast: at 80x24 a toast covered most of
            # the abstract of the first paper the user reads.
            self.show_notice(
                f"Imported {message.papers} sample papers · add yours: papersift import FILE…"
            )
        self.refilter()
        self.refresh_counts()

    # ------------------------------------------------------------------ filtering

    def refilter(self, *, keep: str | None = None, fallback_index: int | None = None) -> None:
        """Recompute the list for the current view, query and sort (in a worker).

        Runs at once when no filter is running; otherwise one more run is queued for
        when it ends (calls meanwhile are coalesced, the last `keep` winning), so fast
        typing never stacks up filters nor waits out a fixed debounce.
        """
        self._generation += 1
        if self._filter_busy:
            self._filter_queued = (keep, fallback_index)
            return
        self._start_filter(keep, fallback_index)

    def _start_filter(self, keep: str | None, fallback_index: int | None) -> None:
        self._filter_busy = True
        plist = self.paper_list
        self._filter_worker(
            self._generation,
            self.view,
            self.filter_bar.text,
            plist.sort,
            plist.sort_reverse,
            keep,
            fallback_index,
        )

    def _filter_finished(self) -> None:
        self._filter_busy = False
        queued, self._filter_queued = self._filter_queued, None
        if queued is not None and self.is_attached:
            self._start_filter(*queued)

    @work(thread=True, group="filter", exit_on_error=False)
    def _filter_worker(
        self,
        generation: int,
        view: str,
        text: str,
        sort: str,
        reverse: bool,
        keep: str | None,
        fallback_index: int | None,
    ) -> None:
        try:
            done = self._filter(generation, view, text, sort, reverse)
        except BaseException:
            # Always answer, or no filter would ever run again; the worker's error is
            # still reported (on_worker_state_changed).
            self.post_message(self.FilterDone(generation, [], 0, False, error=""))
            raise
        done.keep, done.fallback_index = keep, fallback_index
        self.post_message(done)

    def _filter(
        self, generation: int, view: str, text: str, sort: str, reverse: bool
    ) -> FilterDone:
        library = self.papersift.library
        papers = library.papers  # replaced, never changed in place, by corpus writes
        triage = dict(library.triage)  # a snapshot: writers update it in place
        ranking = self.ranking
        scores = {RANK_SCORES: ranking.by_id} if ranking is not None else None
        search = self.papersift.live.search
        user = self.user_views()
        result = filter_view(
            view, text, sort, reverse, papers, triage, search, scores=scores, user=user
        )
        if result.view_error is not None:
            return self.FilterDone(generation, [], 0, False, view_error=result.view_error)
        if result.error is not None:
            return self.FilterDone(
                generation, [], result.total, True, result.error, result.position
            )
        ids = result.ids
        elsewhere = None
        if not ids and result.has_query and not result.indexing and view != "all":
            # Say where the matches are instead of only that there are none here.
            everywhere = filter_view("all", text, sort, reverse, papers, triage, search)
            if everywhere.ids and everywhere.error is None:
                elsewhere = {}
                for pid in everywhere.ids:
                    status = triage[pid].status if pid in triage else DEFAULT_STATUS
                    elsewhere[status] = elsewhere.get(status, 0) + 1
        absent = ""
        if not ids and result.has_query and not result.indexing:
            # "No year anywhere" says more than "nothing here" (issue #18 item 7).
            from papersift.query.language import absent_fields, absent_message, parse

            absent = absent_message(absent_fields(parse(text), papers.values()))
        tags_width = 0
        shown = set(ids) if len(ids) < len(papers) else None
        for pid, t in triage.items():
            if t.tags and (shown is None or pid in shown) and pid in papers:
                tags_width = max(tags_width, sum(len(x) + 2 for x in t.tags) - 2)
                if tags_width >= TAGS_MAX:
                    break
        return self.FilterDone(
            generation,
            ids,
            result.total,
            result.has_query,
            tags_width=tags_width,
            years=any(papers[pid].year is not None for pid in ids if pid in papers),
            indexing=result.indexing,
            elsewhere=elsewhere,
            absent=absent,
        )

    def on_main_screen_filter_done(self, message: FilterDone) -> None:
        self._filter_finished()
        if message.generation != self._generation:
            return  # a newer filter is on its way
        bar = self.filter_bar
        # The edit that asked for this held the screen's frames back (see
        # `FilterBar._hold_frames`): let them go once the list has asked for its
        # repaint (`call_next` runs after the list's idle handler posts it), so the
        # echo and the rows are painted together.
        self.paper_list.call_next(bar.release_frames)
        if not self._first_paint_seen:
            self._first_paint_seen = True
            # Work that competes for the GIL waits until the first rows are on screen.
            self.call_after_refresh(self._after_first_paint)
        if message.error is not None:
            if message.error:  # "": the worker failed (and says so)
                bar.show_error(message.error, message.position, delay=True)
            return
        bar.show_error(None)
        self._waiting_for_index = message.indexing
        plist = self.paper_list
        if self.papersift.library.is_empty():
            plist.empty_message = (
                "The library is empty: add papers with `papersift import FILE…` "
                f"({describe_formats()})."
            )
        elif message.view_error:
            plist.empty_message = message.view_error
        elif message.absent:
            plist.empty_message = message.absent
        elif message.elsewhere:
            plist.empty_message = self._elsewhere_message(message.elsewhere)
        elif message.has_query:
            plist.empty_message = "No paper in this view matches the filter."
        elif self.view == "status:inbox":
            plist.empty_message = "Inbox zero: every paper here has been triaged."
        else:
            plist.empty_message = "No papers in this view."
        keep, fallback = message.keep, message.fallback_index
        restore = self._restore_cursor
        if not message.indexing:  # else kept for the real results
            self._restore_cursor = None
        if restore is not None:
            keep, fallback = restore, 0
        plist.has_query = message.has_query
        plist.set_rows(
            message.ids,
            keep=keep,
            fallback_index=fallback,
            tags_width=message.tags_width,
            years=message.years,
        )
        if restore is not None and plist.cursor_id == restore:
            plist.move_cursor_to(restore, center=True)
        if message.indexing:
            self._show_indexing()
        else:
            bar.show_count(len(message.ids), message.total, message.has_query)
        self._filtered_once = True
        self._update_title()
        self._show_detail()

    def _elsewhere_message(self, elsewhere: dict[str, int]) -> str:
        """ "None here, N elsewhere (where), key: search all papers"."""
        total = sum(elsewhere.values())
        where = ", ".join(
            f"{n} {STATUS_LABELS[s].title.lower() if s != DEFAULT_STATUS else 'in the inbox'}"
            for s, n in sorted(elsewhere.items(), key=lambda item: STATUSES.index(item[0]))
        )
        papers = "1 paper" if total == 1 else f"{total} papers"
        return (
            f"No paper in this view matches the filter; {papers} in other views do "
            f"({where}). {self._search_all_key()}: search all papers"
        )

    def _search_all_key(self) -> str:
        # Not `key_of`: while the filter box has the focus, printable keys are not
        # among the screen's active bindings.
        binding = next(b for b in own_bindings(self) if b.action == "search_all")
        return key_labels(self.app, binding)[0]

    def action_search_all(self) -> None:
        """The same filter over all papers (offered when nothing here matches)."""
        if self.view != "all":
            self.set_view("all")

    def _after_first_paint(self) -> None:
        self.papersift.start_index_build()
        self.refresh_counts()
        self.papersift.request_rank()

    # ------------------------------------------------------------------ ranking

    def on_rank_progress(self, message: RankProgress) -> None:
        percent = min(99, message.done * 100 // max(1, message.total))
        self._rank_status = f"learning from your decisions… {percent}%"
        self._update_title()

    def on_ranking_ready(self, message: RankingReady) -> None:
        first = self.ranking is None and message.ranking is not None
        self.ranking = message.ranking
        self._rank_status = ""
        plist = self.paper_list
        plist.percentiles = message.ranking.percentiles if message.ranking else None
        if first and self.view == DEFAULT_VIEW:
            # Predicted relevance is the inbox's order as soon as there is one (unless the
            # user sorted the inbox otherwise: `ViewSorts`).
            plist.sort, plist.sort_reverse = self._sort_of(self.view)
        if plist.sort == "rank":
            self.refilter(keep=plist.cursor_id, fallback_index=plist.cursor)
        plist.invalidate()
        self._update_title()
        self._show_detail()

    def _show_indexing(self, done: int = 0, total: int = 0) -> None:
        if total:
            percent = min(99, done * 100 // total)
            self.filter_bar.show_status(f"indexing words… {percent}%")
        else:
            self.filter_bar.show_status("indexing words…")

    def on_index_progress(self, message: IndexProgress) -> None:
        if self._waiting_for_index:
            self._show_indexing(message.done, message.total)

    def on_index_ready(self, message: IndexReady) -> None:
        if self._waiting_for_index:
            self._waiting_for_index = False
            plist = self.paper_list
            self.refilter(keep=plist.cursor_id, fallback_index=plist.cursor)
        if self._counts is not None and None in self._counts.saved.values():
            self._schedule_counts()  # saved views whose queries needed the word index

    @on(FilterBar.Changed)
    def _query_changed(self, event: FilterBar.Changed) -> None:
        self.end_notice()
        self.refilter()
        self._note_query(event.text)

    def _note_query(self, text: str) -> None:
        if bool(text) != self._had_query:
            self._had_query = bool(text)
            self.refresh_bindings()  # "^u Clear filter" comes or goes

    def action_clear_filter(self) -> None:
        self.filter_bar.action_clear()

    @on(FilterBar.Left)
    def _filter_left(self, event: FilterBar.Left) -> None:
        self.paper_list.focus()

    # ------------------------------------------------------------------ counts and titles

    def refresh_counts(self) -> None:
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = None
        self._count_worker()

    def _schedule_counts(self) -> None:
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(COUNT_DELAY, self.refresh_counts)

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def _count_worker(self) -> None:
        library = self.papersift.library
        stamp = library.corpus_stamp()
        cached = self._sources_cache
        sources = cached[1] if cached is not None and cached[0] == stamp else None
        search = self.papersift.live.search
        counts = ViewCounts.of_library(library, sources, user=self.user_views(), search=search)
        self._sources_cache = (stamp, counts.sources)
        if not get_current_worker().is_cancelled:
            self.post_message(self.CountsDone(counts))

    def on_main_screen_counts_done(self, message: CountsDone) -> None:
        self._counts = message.counts
        self.sidebar.show_counts(message.counts, self.view)
        self._update_title()

    def show_notice(self, text: str) -> None:
        """Show `text` in place of the list's title for `NOTICE_SECONDS`."""
        self.notice = text
        self._update_title()

        def end() -> None:
            if self.notice == text:
                self.end_notice()

        self.set_timer(NOTICE_SECONDS, end)

    def end_notice(self) -> None:
        """The user is at work: the list's title is theirs again."""
        if self.notice is not None:
            self.notice = None
            self._update_title()

    def on_key(self, event: events.Key) -> None:
        self.end_notice()

    def _update_title(self) -> None:
        if self.notice is not None:
            self.query_one("#list-title", Static).update(plain(self.notice), layout=False)
            return
        plist = self.paper_list
        parts = [view_title(self.view)]
        if self._filtered_once:
            shown = len(plist)
            parts.append(f"{shown:,} paper" + ("" if shown == 1 else "s"))
        selected = plist.selected_count
        if selected:
            hidden = plist.hidden_selected_count
            shown = f", {selected - hidden:,} shown" if hidden else ""
            parts.append(f"{selected:,} selected{shown}")
        if waiting := self.papersift.lookups.waiting:
            # Early in the line: the title is cut at the list's width.
            parts.append(waiting_text(waiting))
        if watching := self.papersift.folder_watch.title_part():
            parts.append(watching)
        direction = " reversed" if plist.sort_reverse else ""
        mode = sort_mode(plist.sort)
        label = mode.label
        if mode.label_without_query and not plist.has_query:
            label = mode.label_without_query
        if mode.key == "rank" and self.ranking is None:
            label += f" (not yet: {RANK_HINT})"
        parts.append(f"sorted by {label}{direction}")
        if self._rank_status:
            parts.append(self._rank_status)
        elif self.ranking is None and self.view == "status:inbox" and mode.key != "rank":
            # How to start the ranking, until it can run (short: the title is one line).
            parts.append("star or discard to rank")
        self.query_one("#list-title", Static).update(Content("  ·  ".join(parts)), layout=False)

    # ------------------------------------------------------------------ list events

    @on(PaperList.CursorMoved)
    def _cursor_moved(self, event: PaperList.CursorMoved) -> None:
        self._show_detail()

    @on(PaperList.SelectionChanged)
    def _selection_changed(self, event: PaperList.SelectionChanged) -> None:
        self._update_title()

    @on(PaperList.SortClicked)
    def _sort_clicked(self, event: PaperList.SortClicked) -> None:
        plist = self.paper_list
        if plist.sort == event.sort:
            plist.sort_reverse = not plist.sort_reverse
        else:
            plist.sort, plist.sort_reverse = event.sort, False
        self._sort_changed()

    @on(PaperList.Activated)
    def _activated(self, event: PaperList.Activated) -> None:
        self.action_triage()

    def _show_detail(self) -> None:
        pid = self.paper_list.cursor_id
        if pid is None:
            self.detail.show(None, placeholder=self.paper_list.empty_message)
        else:
            loading = not self.papersift.library.texts_loaded
            entry = self._entry_of(pid)
            why, similar = explain_for(self.ranking, entry, self.papersift.library.papers)
            self.detail.show(entry, texts_loading=loading, why=why, similar_title=similar)

    def on_texts_loaded(self, message: TextsLoaded) -> None:
        self._show_detail()

    def on_library_changed(self, message: LibraryChanged) -> None:
        plist = self.paper_list
        plist.invalidate(message.ids)
        library = self.papersift.library

        def current_id(pid: str) -> str | None:
            new = library.canonical_id(pid)  # merged papers stay selected as what they became
            return new if new in library.papers else None

        plist.prune_selection(current_id)
        pid = plist.cursor_id
        if message.ids is None or (pid is not None and pid in message.ids):
            self._show_detail()
        if message.ids is None and self.view.startswith(SAVED_PREFIX):
            self._follow_saved_view()
        self.refilter(keep=pid, fallback_index=plist.cursor)
        self._schedule_counts()

    def _follow_saved_view(self) -> None:
        """The saved view shown was renamed or deleted (an undo, another process): show
        it under its new name, or, gone, the papers it showed: its base view with its
        query in the filter box."""
        shown = self._saved_shown
        user = self.user_views()
        now = user.saved_view(self.view)
        if now is not None and (shown is None or now.id == shown.id):
            self._saved_shown = now
            return
        if shown is None:
            return
        renamed = next((v for v in user.saved if v.id == shown.id), None)
        if renamed is not None:
            self.sorts.renamed(self.view, renamed.key)
            self.set_view(renamed.key)
            return
        self._saved_shown = None
        self.set_view(shown.base)
        self.filter_bar.set_text(shown.query)

    # ------------------------------------------------------------------ views

    @on(Sidebar.ViewSelected)
    def _view_selected(self, event: Sidebar.ViewSelected) -> None:
        self.set_view(event.key)
        self._hide_overlay_sidebar()

    @on(Sidebar.Left)
    def _sidebar_left(self, event: Sidebar.Left) -> None:
        self._hide_overlay_sidebar()

    def _hide_overlay_sidebar(self) -> None:
        self.remove_class("-show-sidebar")
        self.paper_list.focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not isinstance(event.widget, Sidebar):
            self.remove_class("-show-sidebar")

    def set_view(self, key: str) -> None:
        """Show a view (the duplicates "view" opens the review screen instead)."""
        if key == DUPLICATES:
            self.action_duplicates()
            return
        if key == self.view:
            self.paper_list.focus()
            return
        self.view = key
        saved = key.startswith(SAVED_PREFIX)
        self._saved_shown = self.user_views().saved_view(key) if saved else None
        plist = self.paper_list
        plist.sort, plist.sort_reverse = self._sort_of(key)
        if self._counts is not None:
            self.sidebar.show_counts(self._counts, key)
        self.refilter()
        self._update_title()
        self.papersift.save_ui_state_soon()

    # ------------------------------------------------------------------ saved views

    def user_views(self) -> UserViews:
        """The saved views on disk now, and the start of the "new" view."""
        return UserViews.of_library(self.papersift.library, since=self.papersift.session_since)

    def _sort_of(self, view: str) -> tuple[str, bool]:
        user = self.user_views() if view.startswith("saved:") else None
        return self.sorts.sort_of(view, ranked=self.ranking is not None, user=user)

    def action_save_view(self) -> None:
        """Save this view's filter and sort under a name (`S`)."""
        from papersift.tui.screens.saved_views import save_current_view

        save_current_view(self)

    def action_saved_view(self, number: int) -> None:
        """Show the saved view `number` (1-9, in sidebar order)."""
        keys = self.sidebar.saved_keys()
        if number > len(keys):
            have = f"there are {len(keys)}" if keys else "there are none yet"
            self.papersift.say(
                f"No saved view {number} ({have}): S saves this view's filter and sort.",
                severity="warning",
            )
            return
        self.set_view(keys[number - 1])

    def action_focus_views(self) -> None:
        self.add_class("-show-sidebar")
        self.sidebar.highlight_view(self.view)
        self.sidebar.focus()

    def action_next_view(self, step: int) -> None:
        keys = [k for k in self.sidebar.view_keys() if k != DUPLICATES]
        if not keys:
            return
        index = keys.index(self.view) if self.view in keys else -step
        self.set_view(keys[(index + step) % len(keys)])

    def action_focus_filter(self) -> None:
        # At once, not `focus()` (which waits for the message queue): the keys typed
        # after `/` are already queued and go wherever the focus is when they are read.
        self.set_focus(self.filter_bar.input)

    def action_scroll_detail(self, direction: int) -> None:
        detail = self.detail
        step = max(1, detail.scrollable_content_region.height // 2)
        detail.scroll_to(y=detail.scroll_y + direction * step, animate=False)

    # ------------------------------------------------------------------ sort

    def action_cycle_sort(self) -> None:
        plist = self.paper_list
        keys = cycle_sorts()
        plist.sort = (
            keys[(keys.index(plist.sort) + 1) % len(keys)] if plist.sort in keys else keys[0]
        )
        plist.sort_reverse = False
        self._sort_changed()

    def action_reverse_sort(self) -> None:
        self.paper_list.sort_reverse = not self.paper_list.sort_reverse
        self._sort_changed()

    def set_sort(self, sort: str) -> None:
        self.paper_list.sort, self.paper_list.sort_reverse = sort, False
        self._sort_changed()

    def _sort_changed(self) -> None:
        plist = self.paper_list
        self.sorts.choose(self.view, plist.sort, plist.sort_reverse)
        plist.invalidate()
        self.refilter(keep=plist.cursor_id)
        self._update_title()

    # ------------------------------------------------------------------ actions

    def _targets(self) -> list[str]:
        ids = self.paper_list.targets()
        if not ids:
            self.papersift.say("No paper here to act on.", severity="warning")
        return ids

    def _bulk(self, what: str, ids: list[str], apply: Callable[[], None]) -> None:
        """Apply a change to `ids`, asking first when they are many or not all shown."""
        plist = self.paper_list
        hidden = plist.hidden_selected_count if plist.selected_count else 0
        confirm_bulk(self.papersift, what, len(ids), apply, hidden=hidden)

    def action_star(self) -> None:
        if ids := self._targets():
            app = self.papersift
            library = app.library
            # As `set_starred` toggles: star them all unless they all are starred.
            star = not all(library.triage_of(pid).starred for pid in ids)
            what = "Star {papers}" if star else "Unstar {papers}"
            self._bulk(
                what, ids, lambda: app.perform(lambda: actions.set_starred(library, ids, star))
            )

    def action_status(self, status: str) -> None:
        if ids := self._targets():
            app = self.papersift
            library = app.library
            what = f"Move {{papers}} to {STATUS_LABELS[status].title}"
            self._bulk(
                what, ids, lambda: app.perform(lambda: actions.set_status(library, ids, status))
            )

    def action_tags(self) -> None:
        if ids := self._targets():
            entries = [self._entry_of(pid) for pid in ids]
            self._bulk("Edit the tags of {papers}", ids, lambda: edit_tags(self.papersift, entries))

    def action_note(self) -> None:
        pid = self.paper_list.cursor_id
        if pid is None:
            self.papersift.say("No paper here to write a note on.", severity="warning")
            return
        edit_note(self.papersift, self._entry_of(pid))

    def link_entry(self) -> Entry | None:
        """The paper b, p and L open: the one under the cursor."""
        pid = self.paper_list.cursor_id
        return None if pid is None else self._entry_of(pid)

    def action_export(self) -> None:
        plist = self.paper_list
        ids = plist.selected or plist.ids
        if not ids:
            self.papersift.say("Nothing to export in this view.", severity="warning")
            return
        from papersift.tui.screens.export import ExportScreen

        hidden = plist.hidden_selected_count if plist.selected_count else 0
        self.app.push_screen(ExportScreen(ids, hidden=hidden))

    def action_copy_bibtex(self) -> None:
        if ids := self._targets():
            self._copy_worker(ids, None)

    def copy_as(self, fmt: str) -> None:
        """Copy the selection (or the paper under the cursor) in one of COPY_FORMATS."""
        if ids := self._targets():
            self._copy_worker(ids, fmt)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_worker(self, ids: list[str], fmt: str | None) -> None:
        from papersift.clipboard import copy_text
        from papersift.tui.screens.export import clipboard_text

        app = self.papersift
        library = app.library
        try:
            library.ensure_texts()  # abstracts and raw BibTeX are exported
            entries = [library.entry(pid) for pid in ids if pid in library.papers]
            # The keys handed out are pinned, as `papersift export` pins them.
            text = clipboard_text(library, entries, fmt or "bibtex")
            how = copy_text(text, osc52=lambda t: app.call_from_thread(app.copy_to_clipboard, t))
        except PapersiftError as exc:
            app.call_from_thread(app.say, str(exc), severity="error")
            return
        what = "BibTeX" if fmt is None else fmt
        count = f"{len(entries)} paper" + ("" if len(entries) == 1 else "s")
        app.call_from_thread(app.say, f"Copied {count} as {what} to the {how}")

    def action_triage(self) -> None:
        plist = self.paper_list
        if not len(plist):
            self.papersift.say("No papers in this view to triage.", severity="warning")
            return
        from papersift.tui.screens.triage import TriageScreen

        # The inbox follows the ranking in triage when it is (or will be, once there is a
        # relevant and an irrelevant decision) in ranked order: not under another sort.
        ranked = (
            self.view == "status:inbox"
            and plist.sort in ("rank", DEFAULT_SORT)
            and not plist.sort_reverse
        )
        name = view_title(self.view) + (" (filtered)" if plist.has_query else "")
        self.app.push_screen(
            TriageScreen(plist.ids, start=plist.cursor, ranked=ranked, list_name=name)
        )

    def action_screening(self) -> None:
        from papersift.tui.screens.screening import ScreeningScreen

        self.app.push_screen(ScreeningScreen())

    def action_duplicates(self) -> None:
        from papersift.tui.screens.duplicates import DuplicatesScreen

        self.app.push_screen(DuplicatesScreen())

    def action_add_ids(self) -> None:
        """Add papers by arXiv id or DOI."""
        self.app.push_screen(AddIdsScreen())

    def on_lookups_changed(self, message: LookupsChanged) -> None:
        self._update_title()

    def on_watch_changed(self, message: WatchChanged) -> None:
        self._update_title()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_filter" and getattr(self.focused, "id", None) == "filter-input":
            return False  # `/` typed in the filter box is part of the query
        if action == "clear_filter" and not self._had_query:
            return False
        if self.importing and action in {
            "star",
            "status",
            "tags",
            "note",
            "copy_bibtex",
            "export",
            "triage",
            "duplicates",
        }:
            return None  # shown greyed out until the first-run import is done
        return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.papersift.on_worker_state_changed(event)

    # ------------------------------------------------------------------ state

    def ui_state(self) -> dict[str, Any]:
        """Where the user is, for the next start."""
        plist = self.paper_list
        return {
            "view": self.view,
            "query": self.filter_bar.text,
            "sort": plist.sort,
            "sort_reverse": plist.sort_reverse,
            "sorts": self.sorts.to_state(),
            "cursor": plist.cursor_id,
        }
