"""Views and sorts: which papers a view holds, how many, and in what order they are shown.

A view is named by a key, the same in the TUI's sidebar, its saved state and the CLI's
`--view`:

    status:inbox  starred  status:to-read  status:reading  status:read
    status:discarded  all  tag:<tag>  source:<file name>  duplicates
    new  saved:<name>

("duplicates" is the possible-duplicates review: the TUI opens a screen for it, the CLI
lists the pairs with `papersift dedupe`; it has no paper list of its own. "new" holds
the papers added since the TUI last closed the library; "saved:<name>" is a saved view,
`papersift.saved_views`. Both need the library's `UserViews`, passed as `user=`.)

A sort mode is one row of `SORTS`; `order` puts ids in that order. Everything here works
on plain mappings (the corpus dict and a snapshot of the triage dict) so a worker thread
can filter while another writes, and so the TUI and the CLI share one definition:
`filter_view` is what the main screen's filter worker runs and `select` is what the
CLI's `--view/--query/--sort` options run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from papersift.models import STATUS_LABELS, STATUSES, Entry, Paper, PapersiftError, Triage
from papersift.saved_views import SAVED_PREFIX, UserViews
from papersift.textsafe import one_line

if TYPE_CHECKING:
    from papersift.query import Query
    from papersift.store import Library

__all__ = [
    "DEFAULT_SORT",
    "DEFAULT_VIEW",
    "DUPLICATES",
    "NEW",
    "SORTS",
    "SortMode",
    "UserViews",
    "ViewCounts",
    "ViewResult",
    "ViewSorts",
    "count_sources",
    "count_tags",
    "effective_sort",
    "filter_view",
    "is_known_view",
    "order",
    "parse_view",
    "select",
    "sort_mode",
    "view_as_query",
    "view_members",
    "view_size",
    "view_title",
]

DEFAULT_VIEW = "status:inbox"
DUPLICATES = "duplicates"
#: The papers that arrived since the TUI last closed the library.
NEW = "new"
_NO_USER = UserViews()


# ---------------------------------------------------------------------- views


def view_title(key: str) -> str:
    """A view's name for people ("Inbox", "Tag: rlhf", "Source: mar-13.txt"), on one
    line and inert (tag and file names are data)."""
    if key.startswith("status:"):
        label = STATUS_LABELS.get(key[7:])
        return label.title if label is not None else one_line(key[7:])
    if key == "starred":
        return "Starred"
    if key == "all":
        return "All papers"
    if key.startswith("tag:"):
        return f"Tag: {one_line(key[4:])}"
    if key.startswith("source:"):
        return f"Source: {one_line(key[7:])}"
    if key == DUPLICATES:
        return "Possible duplicates"
    if key == NEW:
        return "New since last session"
    if key.startswith(SAVED_PREFIX):
        return f"Saved: {one_line(key[len(SAVED_PREFIX) :])}"
    return one_line(key)


def is_known_view(
    key: str, counts: Mapping[str, int] | None = None, user: UserViews | None = None
) -> bool:
    """True for a key naming a view with a paper list (tags and sources must exist in
    `counts` when it is given, saved views in `user` when it is given)."""
    if key in ("starred", "all", NEW) or key in (f"status:{s}" for s in STATUSES):
        return True
    if key.startswith(("tag:", "source:")) and len(key.split(":", 1)[1]) > 0:
        return counts is None or key in counts
    if key.startswith(SAVED_PREFIX) and len(key) > len(SAVED_PREFIX):
        return user is None or any(v.key == key for v in user.saved)
    return False


def parse_view(text: str, user: UserViews | None = None) -> str:
    """The view key a user typed (`--view`): a key as above, the short forms "inbox",
    "to-read", … for statuses, or the name of a saved view in `user` (without regard
    to case). Built-in views win over saved names (which `saved_views.check_name` keeps
    apart anyway); `saved:NAME` always means the saved view. Raises `PapersiftError`
    naming the choices."""
    text = text.strip()
    if text in STATUSES:
        text = f"status:{text}"
    if is_known_view(text) and not text.startswith(SAVED_PREFIX):
        return text
    saved = (user or _NO_USER).saved_view(text)
    if saved is not None:
        return saved.key
    choices = ", ".join(
        ["inbox", "starred", *STATUSES[1:], "all", NEW, "tag:NAME", "source:FILE", "saved:NAME"]
    )
    names = ", ".join(repr(v.name) for v in (user or _NO_USER).saved)
    more = f"; saved views: {names}" if names else ""
    raise PapersiftError(f"unknown view {text!r}; use one of: {choices}{more}")


def view_members(
    key: str,
    papers: Mapping[str, Paper],
    triage: Mapping[str, Triage],
    user: UserViews | None = None,
) -> list[str]:
    """The ids a view holds, in library order.

    Only the few triaged papers are looked at for status/star/tag views, so a view of a
    100k library costs one pass of set lookups. `triage` should be a snapshot
    (`dict(library.triage)`) when another thread may write meanwhile. A saved view
    needs its query answered: `filter_view` lists it.
    """
    if key == NEW:
        since = (user or _NO_USER).since
        return [pid for pid, p in papers.items() if p.added > since]
    if key.startswith("status:"):
        status = key[7:]
        if status == "inbox":
            elsewhere = {pid for pid, t in triage.items() if t.status != "inbox"}
            return [pid for pid in papers if pid not in elsewhere]
        members = {pid for pid, t in triage.items() if t.status == status}
    elif key == "starred":
        members = {pid for pid, t in triage.items() if t.starred}
    elif key.startswith("tag:"):
        tag = key[4:].casefold()
        members = {pid for pid, t in triage.items() if any(x.casefold() == tag for x in t.tags)}
    elif key.startswith("source:"):
        name = key[7:]
        return [pid for pid, p in papers.items() if any(s.file == name for s in p.sources)]
    elif key == "all":
        return list(papers)
    else:
        raise PapersiftError(f"unknown view {key!r}")
    if not members:
        return []
    return [pid for pid in papers if pid in members]


def view_as_query(key: str) -> str | None:
    """A status or starred view as query text the search index evaluates (ANDed with the
    user's query, far cheaper than restricting a search to a list of ids); "" for "all";
    None for views matched by membership (tags and sources keep their exact rules)."""
    if key == "all":
        return ""
    if key == "starred":
        return "is:starred"
    if key.startswith("status:") and key[7:] in STATUSES:
        return f"is:{key[7:]}"
    return None


def view_size(
    key: str,
    papers: Mapping[str, Paper],
    triage: Mapping[str, Triage],
    user: UserViews | None = None,
) -> int:
    """How many papers `view_members` would list, without listing them where cheap
    (status, starred and all views look only at the triaged papers)."""
    if key == NEW:
        since = (user or _NO_USER).since
        return sum(1 for p in papers.values() if p.added > since)
    if key == "all":
        return len(papers)
    if key == "starred":
        return sum(1 for pid, t in triage.items() if t.starred and pid in papers)
    if key.startswith("status:"):
        status = key[7:]
        if status == "inbox":
            return len(papers) - sum(
                1 for pid, t in triage.items() if t.status != "inbox" and pid in papers
            )
        return sum(1 for pid, t in triage.items() if t.status == status and pid in papers)
    return len(view_members(key, papers, triage, user))


def count_tags(papers: Mapping[str, Paper], triage: Mapping[str, Triage]) -> dict[str, int]:
    """Every tag in use with its number of papers, most used first."""
    tags: dict[str, int] = {}
    for pid, t in triage.items():
        if t.tags and pid in papers:
            for tag in t.tags:
                tags[tag] = tags.get(tag, 0) + 1
    return dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0].casefold())))


def count_sources(papers: Mapping[str, Paper]) -> dict[str, int]:
    """Every source file name with the number of papers that came from it, by name."""
    counts: dict[str, int] = {}
    for paper in papers.values():
        for name in {s.file for s in paper.sources}:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


@dataclass(frozen=True, slots=True)
class ViewCounts:
    """How many papers each view holds, and the views that exist (tags and sources come
    and go), in sidebar order."""

    counts: dict[str, int]
    tags: dict[str, int]
    sources: dict[str, int]
    duplicates: int
    #: The saved views' keys, in sidebar order, with their counts (None: not known yet,
    #: their query needs the word index, which is being built).
    saved: dict[str, int | None] = field(default_factory=dict)
    #: Saved views that cannot be shown, and why (a query that no longer parses).
    saved_errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def compute(
        cls,
        papers: Mapping[str, Paper],
        triage: Mapping[str, Triage],
        duplicates: int,
        sources: dict[str, int] | None = None,
        *,
        user: UserViews | None = None,
        search: Search | None = None,
    ) -> ViewCounts:
        """Counts from the triaged papers only (the rest are untouched inbox papers).

        `sources` (file -> papers) can be passed when the corpus did not change since it
        was last computed: it is the one count that needs a pass over every paper.
        `duplicates` is the number of open possible-duplicate pairs. The saved views of
        `user` are counted by `search` (as the list would show them, but unsorted);
        without one, or while it cannot answer yet, their counts are None.
        """
        counts = {f"status:{s}": 0 for s in STATUSES}
        starred = 0
        for pid, t in triage.items():
            if pid not in papers:
                continue
            if t.status != "inbox":
                key = f"status:{t.status}"
                counts[key] = counts.get(key, 0) + 1
            if t.starred:
                starred += 1
        total = len(papers)
        counts["status:inbox"] = total - sum(v for k, v in counts.items() if k != "status:inbox")
        counts["starred"] = starred
        counts["all"] = total
        tags = count_tags(papers, triage)
        if sources is None:
            sources = count_sources(papers)
        for tag, n in tags.items():
            counts[f"tag:{tag}"] = n
        for name, n in sources.items():
            counts[f"source:{name}"] = n
        counts[DUPLICATES] = duplicates
        user = user or _NO_USER
        counts[NEW] = view_size(NEW, papers, triage, user)
        saved: dict[str, int | None] = {}
        errors: dict[str, str] = {}
        for view in user.saved:
            saved[view.key] = None
            if search is None:
                continue
            result = filter_view(view.key, "", "library", False, papers, triage, search, user=user)
            if result.view_error is not None:
                errors[view.key] = result.view_error
            elif not result.indexing:
                saved[view.key] = counts[view.key] = len(result.ids)
        return cls(counts, tags, sources, duplicates, saved, errors)

    @classmethod
    def of_library(
        cls,
        library: Library,
        sources: dict[str, int] | None = None,
        *,
        user: UserViews | None = None,
        search: Search | None = None,
    ) -> ViewCounts:
        """`compute` over `library` as it is now (one snapshot of its triage: writers may
        update it meanwhile)."""
        return cls.compute(
            library.papers,
            dict(library.triage),
            len(library.open_possible()),
            sources,
            user=user,
            search=search,
        )

    def sections(self) -> list[tuple[str | None, list[str]]]:
        """The views in sidebar order, grouped under section titles (None: no title).
        Tags and sources are listed only when there are some."""
        out: list[tuple[str | None, list[str]]] = [(None, ["status:inbox", "starred", NEW])]
        if self.saved:
            out.append(("Saved views", list(self.saved)))
        out.append(("Status", [*(f"status:{s}" for s in STATUSES if s != "inbox"), "all"]))
        if self.tags:
            out.append(("Tags", [f"tag:{t}" for t in self.tags]))
        if self.sources:
            out.append(("Sources", [f"source:{f}" for f in self.sources]))
        out.append(("Review", [DUPLICATES]))
        return out

    def view_keys(self) -> list[str]:
        """Every view in sidebar order."""
        return [key for _, keys in self.sections() for key in keys]


# ---------------------------------------------------------------------- sorts


@dataclass(frozen=True, slots=True)
class SortContext:
    """What a sort may look at: the corpus, a triage snapshot, and per-paper scores."""

    papers: Mapping[str, Paper]
    triage: Mapping[str, Triage]
    #: Query match scores (0..100) when there is a query; None otherwise.
    query_scores: Mapping[str, float] | None = None
    #: Other scores by name (e.g. a ranking model's "predicted" relevance), for sort
    #: modes whose `scores` names them.
    scores: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


_UNTOUCHED = Triage()


def _by_title(ids: list[str], ctx: SortContext) -> None:
    papers = ctx.papers
    ids.sort(key=lambda pid: papers[pid].title.casefold())


def _by_year(ids: list[str], ctx: SortContext) -> None:
    papers = ctx.papers
    ids.sort(key=lambda pid: -(papers[pid].year or -10_000))


def _by_changed(ids: list[str], ctx: SortContext) -> None:
    triage = ctx.triage
    ids.sort(key=lambda pid: -triage.get(pid, _UNTOUCHED).changed)


def _by_query_score(ids: list[str], ctx: SortContext) -> None:
    scores = ctx.query_scores
    if scores is not None:
        ids.sort(key=lambda pid: -scores.get(pid, 0.0))


def _by_rank(ids: list[str], ctx: SortContext) -> None:
    # Papers the model has not scored (none yet, or added since it last ran) go last.
    scores = ctx.scores.get(RANK_SCORES)
    if scores:
        low = float("-inf")
        ids.sort(key=lambda pid: -scores.get(pid, low))


def _library_order(ids: list[str], ctx: SortContext) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SortMode:
    """One way to order a list of papers.

    `sort(ids, ctx)` sorts the list in place; it must be stable, so ties keep the
    incoming (library) order. `column` is the list column that shows the sort arrow
    (None: no column), `descending` whether the arrow points down. `cycle`: whether `o`
    in the TUI cycles through it. `ranks_query`: the mode wants the search index to rank
    query hits (relevance), instead of sorting them afterwards.
    """

    key: str
    label: str
    sort: Callable[[list[str], SortContext], None]
    column: str | None = None
    descending: bool = False
    #: The label when there is no query (relevance has nothing to rank by then).
    label_without_query: str | None = None
    cycle: bool = True
    ranks_query: bool = False
    help: str = ""


#: Every sort mode, in the order `o` cycles through those with `cycle`. A new mode (the
#: ranking model's "predicted relevance") is one more row whose `sort` reads its scores
#: from `SortContext.scores`.
SORTS: dict[str, SortMode] = {
    mode.key: mode
    for mode in (
        SortMode(
            "relevance",
            "relevance",
            _by_query_score,
            descending=True,
            label_without_query="library order",
            ranks_query=True,
            help="best query match first (library order without a query)",
        ),
        SortMode("title", "title", _by_title, column="title", help="by title, A to Z"),
        SortMode(
            "year", "year", _by_year, column="year", descending=True, help="newest year first"
        ),
        SortMode(
            "changed",
            "recently changed",
            _by_changed,
            column="status",
            descending=True,
            help="last triaged first, untouched papers last",
        ),
        SortMode(
            "rank",
            "predicted relevance",
            _by_rank,
            column="score",
            descending=True,
            help="most likely relevant first, learnt from your stars and discards",
        ),
        SortMode(
            "library",
            "library order",
            _library_order,
            cycle=False,
            help="the order papers entered the library",
        ),
    )
}
DEFAULT_SORT = "relevance"
#: The `SortContext.scores` entry the "rank" sort reads: the ranking model's scores.
RANK_SCORES = "rank"
#: Names earlier versions saved ("score" was relevance's key until views had a home).
_SORT_ALIASES = {"score": "relevance"}


def sort_mode(key: str) -> SortMode:
    """The sort mode named `key` (or an old name for it); `PapersiftError` names the
    choices for an unknown one."""
    mode = SORTS.get(_SORT_ALIASES.get(key, key))
    if mode is None:
        raise PapersiftError(f"unknown sort {key!r}; use one of: {', '.join(SORTS)}")
    return mode


def cycle_sorts() -> list[str]:
    """The sort keys `o` cycles through, in order."""
    return [key for key, mode in SORTS.items() if mode.cycle]


def order(
    ids: Iterable[str],
    ctx: SortContext,
    sort: str,
    reverse: bool = False,
) -> list[str]:
    """The ids in the order sort mode `sort` asks for; ties keep the incoming order, and
    `reverse` flips the whole order."""
    ids = list(ids)
    sort_mode(sort).sort(ids, ctx)
    if reverse:
        ids.reverse()
    return ids


# ---------------------------------------------------------------------- a view, filtered


#: Answers a parsed query: the matching ids (best first when `ranked`), or None while the
#: word index is not ready for it. `papersift.query.live.LiveIndex.search` is one.
Search = Callable[..., "list[str] | None"]


@dataclass(slots=True)
class ViewResult:
    """A view filtered by a query and sorted: what the list shows."""

    ids: list[str]
    #: Papers in the view before the query.
    total: int
    #: The query has terms (and was answered: not `indexing`).
    has_query: bool
    #: The query could not be parsed: the reason, and its 0-based position.
    error: str | None = None
    position: int | None = None
    #: The query needs the word index, which is not ready: `ids` is the view unfiltered.
    indexing: bool = False
    #: The view itself cannot be shown (a saved view deleted elsewhere, or whose query
    #: no longer parses): why. `ids` is empty.
    view_error: str | None = None


def _saved_part(view: str, user: UserViews) -> tuple[str, Query | None, str | None]:
    """A view key's base view and the saved query it adds (None for none), or why the
    saved view cannot be shown."""
    if not view.startswith(SAVED_PREFIX):
        return view, None, None
    saved = user.saved_view(view)
    if saved is None:
        name = one_line(view[len(SAVED_PREFIX) :])
        return view, None, f"There is no saved view named {name!r} any more."
    if not saved.query.strip():
        return saved.base, None, None
    from papersift.query import QueryError, parse

    try:
        return saved.base, parse(saved.query), None
    except QueryError as exc:
        return (
            saved.base,
            None,
            f"The saved view {saved.name!r} has a query that no longer parses: {exc} "
            f"in {one_line(saved.query)!r}. Save it again (S) with a query that does.",
        )


def filter_view(
    view: str,
    text: str,
    sort: str,
    reverse: bool,
    papers: Mapping[str, Paper],
    triage: Mapping[str, Triage],
    search: Search,
    *,
    scores: Mapping[str, Mapping[str, float]] | None = None,
    user: UserViews | None = None,
) -> ViewResult:
    """The papers of `view` matching query `text`, in sort order.

    `search(query, ranked=…)` answers the query (see `Search`). Status and starred views
    are ANDed to the query as index terms; tag and source views keep their own rules,
    applied to the hits. A saved view (of `user`) is its base view with its query ANDed
    to `text`; `total` is then what the saved view holds. A malformed query gives a
    result with `error` set and no ids; a saved view that cannot be shown one with
    `view_error` set.
    """
    mode = sort_mode(sort)
    ctx = SortContext(papers, triage, scores=scores or {})
    user = user or _NO_USER
    base, saved, view_error = _saved_part(view, user)
    if view_error is not None:
        return ViewResult([], 0, bool(text.strip()), view_error=view_error)
    if not text.strip() and saved is None:
        ids = order(view_members(base, papers, triage, user), ctx, mode.key, reverse)
        return ViewResult(ids, len(ids), False)
    # Imported here: a view without a query (most CLI calls) never pays for numpy.
    from papersift.query import Query, QueryError, parse

    typed = Query()
    if text.strip():
        try:
            typed = parse(text)
        except QueryError as exc:
            return ViewResult(
                [], view_size(base, papers, triage, user), True, exc.reason, exc.position
            )
    as_terms = view_as_query(base)
    members: set[str] | None = None
    view_terms = saved.terms if saved is not None else ()
    if as_terms is None:
        in_view = view_members(base, papers, triage, user)
        total = len(in_view)
        members = set(in_view)
    else:
        total = view_size(base, papers, triage, user)
        view_terms = parse(as_terms).terms + view_terms
    hits = search(Query(view_terms + typed.terms), ranked=mode.ranks_query)
    if saved is not None and hits is not None:
        if typed.terms:
            held = search(Query(view_terms), ranked=False)
            total = len(_present(held, papers, members)) if held is not None else total
        else:
            total = len(_present(hits, papers, members))
    if hits is None:
        if saved is not None:  # the saved query needs the word index: nothing to show yet
            return ViewResult([], 0, bool(text.strip()), indexing=True)
        ids = order(view_members(base, papers, triage, user), ctx, mode.key, reverse)
        return ViewResult(ids, len(ids), False, indexing=True)
    ids = _present(hits, papers, members)
    if not mode.ranks_query:  # else ranked by the index: best first, ties in library order
        mode.sort(ids, ctx)
    if reverse:
        ids.reverse()
    return ViewResult(ids, total, bool(text.strip()))


def _present(hits: list[str], papers: Mapping[str, Paper], members: set[str] | None) -> list[str]:
    # A paper another process just removed may linger in the index.
    ids = list(filter(papers.__contains__, hits))
    if members is not None:
        ids = list(filter(members.__contains__, ids))
    return ids


def select(
    library: Library,
    *,
    view: str = "all",
    query: str | None = None,
    starred: bool = False,
    tags: Iterable[str] = (),
    status: str | None = None,
    sort: str | None = None,
    reverse: bool = False,
    search: Search | None = None,
    scores: Mapping[str, Mapping[str, float]] | None = None,
) -> list[Entry]:
    """The entries the CLI's `--view/--query/--starred/--tag/--status/--sort` options
    describe: `filter_view`'s papers, narrowed by the other filters (all must match).

    `view` may name a saved view (`parse_view`); `sort` None is the saved view's sort,
    else library order. `search` answers the query (default: a one-shot `LiveIndex` of
    `library`); `scores` feeds sorts that read them (the "rank" sort: `RANK_SCORES`). A
    malformed query raises its `QueryError`; an unknown view, sort or status, or a
    saved view that cannot be shown, a `PapersiftError` naming the choices or why.
    """
    if status is not None and status not in STATUSES:
        raise PapersiftError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    user = UserViews.of_library(library)
    view = parse_view(view, user)
    sort, reverse = effective_sort(view, sort, reverse, user)
    papers = library.papers
    triage = dict(library.triage)
    if search is None:
        search = one_shot_search(library)
    result = filter_view(
        view, query or "", sort, reverse, papers, triage, search, scores=scores, user=user
    )
    if result.view_error is not None:
        raise PapersiftError(result.view_error)
    if result.error is not None:
        from papersift.query import QueryError

        raise QueryError(result.error, result.position or 0)
    ids = result.ids
    wanted = [t.casefold() for t in tags]
    if starred or wanted or status is not None:

        def keep(pid: str) -> bool:
            t = triage.get(pid, _UNTOUCHED)
            if starred and not t.starred:
                return False
            if status is not None and t.status != status:
                return False
            have = {x.casefold() for x in t.tags}
            return all(w in have for w in wanted)

        ids = [pid for pid in ids if keep(pid)]
    return [library.entry(pid) for pid in ids]


def effective_sort(
    view: str, sort: str | None, reverse: bool, user: UserViews | None = None
) -> tuple[str, bool]:
    """The sort a command asked for, else the saved view's own (`reverse` flips it),
    else library order. `PapersiftError` for an unknown sort."""
    if sort is None:
        saved = (user or _NO_USER).saved_view(view) if view.startswith(SAVED_PREFIX) else None
        if saved is None:
            return "library", reverse
        with contextlib.suppress(PapersiftError):
            return sort_mode(saved.sort).key, saved.reverse != reverse
        return "library", reverse
    return sort_mode(sort).key, reverse


@dataclass
class ViewSorts:
    """The sort of each view (#18 item 6): sorting To read by title leaves the inbox as
    it was. `chosen` holds what the user picked, per view key; a view never sorted by
    hand has its saved sort (saved views), predicted relevance (the inbox, once there is
    a ranking: issue #12) or `DEFAULT_SORT`."""

    chosen: dict[str, tuple[str, bool]] = field(default_factory=dict)

    def sort_of(
        self, view: str, *, ranked: bool = False, user: UserViews | None = None
    ) -> tuple[str, bool]:
        """(sort key, reversed) for `view`."""
        if view in self.chosen:
            return self.chosen[view]
        saved = (user or _NO_USER).saved_view(view) if view.startswith(SAVED_PREFIX) else None
        if saved is not None and saved.sort in SORTS:
            return saved.sort, saved.reverse
        if view == DEFAULT_VIEW and ranked:
            return "rank", False
        return DEFAULT_SORT, False

    def choose(self, view: str, sort: str, reverse: bool) -> None:
        """The user sorted `view` so."""
        self.chosen[view] = (sort_mode(sort).key, reverse)

    def renamed(self, old: str, new: str) -> None:
        """A view's key changed (a saved view renamed): its sort follows."""
        if old in self.chosen:
            self.chosen[new] = self.chosen.pop(old)

    def forget(self, view: str) -> None:
        """Drop the sort of a view that is gone."""
        self.chosen.pop(view, None)

    def to_state(self) -> dict[str, list[Any]]:
        """The sorts as JSON for the TUI's saved state."""
        return {view: [sort, reverse] for view, (sort, reverse) in self.chosen.items()}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ViewSorts:
        """The sorts from the TUI's saved state (`to_state` under "sorts"); a state from
        before sorts were per view gives its one sort to the view it was on, unless that
        was the default (which left the inbox free to follow the ranking). Anything
        unreadable is left out."""
        chosen: dict[str, tuple[str, bool]] = {}
        sorts = state.get("sorts")
        if isinstance(sorts, dict):
            for view, value in sorts.items():
                if isinstance(view, str) and isinstance(value, list) and len(value) == 2:
                    with contextlib.suppress(PapersiftError, TypeError):
                        chosen[view] = (sort_mode(value[0]).key, bool(value[1]))
        elif isinstance(state.get("sort"), str) and isinstance(state.get("view"), str):
            reverse = bool(state.get("sort_reverse", False))
            with contextlib.suppress(PapersiftError):
                sort = sort_mode(state["sort"]).key
                if sort != DEFAULT_SORT or reverse:
                    chosen[state["view"]] = (sort, reverse)
        return cls(chosen)


def one_shot_search(library: Library) -> Search:
    """A `Search` over `library` for one command: reads the texts and builds the word
    index only if the query needs them (from the index cache when it fits), and leaves
    the cache as it was (a one-shot command should not pay for writing it)."""
    live = None

    def search(query: Query, *, ranked: bool = False) -> list[str]:
        nonlocal live
        if live is None:
            from papersift.query.live import LiveIndex

            live = LiveIndex(library, save_cache=False)
        return live.search(query, ranked=ranked, wait=True) or []

    return search
