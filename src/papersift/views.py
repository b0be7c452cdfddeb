"""Views and sorts: which papers a view holds, how many, and in what order they are shown.

A view is named by a key, the same in the TUI's sidebar, its saved state and the CLI's
`--view`:

    status:inbox  starred  status:to-read  status:reading  status:read
    status:discarded  all  tag:<tag>  source:<file name>  duplicates

("duplicates" is the possible-duplicates review: the TUI opens a screen for it, the CLI
lists the pairs with `papersift dedupe`; it has no paper list of its own.)

A sort mode is one row of `SORTS`; `order` puts ids in that order. Everything here works
on plain mappings (the corpus dict and a snapshot of the triage dict) so a worker thread
can filter while another writes, and so the TUI and the CLI share one definition:
`filter_view` is what the main screen's filter worker runs and `select` is what the
CLI's `--view/--query/--sort` options run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from papersift.models import STATUS_LABELS, STATUSES, Entry, Paper, PapersiftError, Triage
from papersift.textsafe import one_line

if TYPE_CHECKING:
    from papersift.query import Query
    from papersift.store import Library

__all__ = [
    "DEFAULT_SORT",
    "DEFAULT_VIEW",
    "DUPLICATES",
    "SORTS",
    "SortMode",
    "ViewCounts",
    "ViewResult",
    "count_sources",
    "count_tags",
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
    return one_line(key)


def is_known_view(key: str, counts: Mapping[str, int] | None = None) -> bool:
    """True for a key naming a view with a paper list (tags and sources must exist in
    `counts` when it is given)."""
    if key in ("starred", "all") or key in (f"status:{s}" for s in STATUSES):
        return True
    if key.startswith(("tag:", "source:")) and len(key.split(":", 1)[1]) > 0:
        return counts is None or key in counts
    return False


def parse_view(text: str) -> str:
    """The view key a user typed (`--view`): a key as above, or the short forms
    "inbox", "to-read", … for statuses. Raises `PapersiftError` naming the choices."""
    text = text.strip()
    if text in STATUSES:
        text = f"status:{text}"
    if is_known_view(text):
        return text
    choices = ", ".join(["inbox", "starred", *STATUSES[1:], "all", "tag:NAME", "source:FILE"])
    raise PapersiftError(f"unknown view {text!r}; use one of: {choices}")


def view_members(key: str, papers: Mapping[str, Paper], triage: Mapping[str, Triage]) -> list[str]:
    """The ids a view holds, in library order.

    Only the few triaged papers are looked at for status/star/tag views, so a view of a
    100k library costs one pass of set lookups. `triage` should be a snapshot
    (`dict(library.triage)`) when another thread may write meanwhile.
    """
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


def view_size(key: str, papers: Mapping[str, Paper], triage: Mapping[str, Triage]) -> int:
    """How many papers `view_members` would list, without listing them where cheap
    (status, starred and all views look only at the triaged papers)."""
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
    return len(view_members(key, papers, triage))


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

    @classmethod
    def compute(
        cls,
        papers: Mapping[str, Paper],
        triage: Mapping[str, Triage],
        duplicates: int,
        sources: dict[str, int] | None = None,
    ) -> ViewCounts:
        """Counts from the triaged papers only (the rest are untouched inbox papers).

        `sources` (file -> papers) can be passed when the corpus did not change since it
        was last computed: it is the one count that needs a pass over every paper.
        `duplicates` is the number of open possible-duplicate pairs.
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
        return cls(counts=counts, tags=tags, sources=sources, duplicates=duplicates)

    @classmethod
    def of_library(cls, library: Library, sources: dict[str, int] | None = None) -> ViewCounts:
        """`compute` over `library` as it is now (one snapshot of its triage: writers may
        update it meanwhile)."""
        return cls.compute(
            library.papers, dict(library.triage), len(library.open_possible()), sources
        )

    def sections(self) -> list[tuple[str | None, list[str]]]:
        """The views in sidebar order, grouped under section titles (None: no title).
        Tags and sources are listed only when there are some."""
        out: list[tuple[str | None, list[str]]] = [
            (None, ["status:inbox", "starred"]),
            ("Status", [*(f"status:{s}" for s in STATUSES if s != "inbox"), "all"]),
        ]
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
) -> ViewResult:
    """The papers of `view` matching query `text`, in sort order.

    `search(query, ranked=…)` answers the query (see `Search`). Status and starred views
    are ANDed to the query as index terms; tag and source views keep their own rules,
    applied to the hits. A malformed query gives a result with `error` set and no ids.
    """
    mode = sort_mode(sort)
    ctx = SortContext(papers, triage, scores=scores or {})
    if not text.strip():
        ids = order(view_members(view, papers, triage), ctx, mode.key, reverse)
        return ViewResult(ids, len(ids), False)
    # Imported here: a view without a query (most CLI calls) never pays for numpy.
    from papersift.query import Query, QueryError, parse

    try:
        query = parse(text)
    except QueryError as exc:
        return ViewResult([], view_size(view, papers, triage), True, exc.reason, exc.position)
    as_terms = view_as_query(view)
    members: set[str] | None = None
    if as_terms is None:
        in_view = view_members(view, papers, triage)
        total = len(in_view)
        members = set(in_view)
    else:
        total = view_size(view, papers, triage)
        query = Query(parse(as_terms).terms + query.terms)
    hits = search(query, ranked=mode.ranks_query)
    if hits is None:
        ids = order(view_members(view, papers, triage), ctx, mode.key, reverse)
        return ViewResult(ids, len(ids), False, indexing=True)
    # A paper another process just removed may linger in the index.
    ids = list(filter(papers.__contains__, hits))
    if members is not None:
        ids = list(filter(members.__contains__, ids))
    if not mode.ranks_query:  # else ranked by the index: best first, ties in library order
        mode.sort(ids, ctx)
    if reverse:
        ids.reverse()
    return ViewResult(ids, total, True)


def select(
    library: Library,
    *,
    view: str = "all",
    query: str | None = None,
    starred: bool = False,
    tags: Iterable[str] = (),
    status: str | None = None,
    sort: str = "library",
    reverse: bool = False,
    search: Search | None = None,
    scores: Mapping[str, Mapping[str, float]] | None = None,
) -> list[Entry]:
    """The entries the CLI's `--view/--query/--starred/--tag/--status/--sort` options
    describe: `filter_view`'s papers, narrowed by the other filters (all must match).

    `search` answers the query (default: a one-shot `LiveIndex` of `library`);
    `scores` feeds sorts that read them (the "rank" sort: `RANK_SCORES`). A
    malformed query raises its `QueryError`; an unknown view, sort or status a
    `PapersiftError` naming the choices.
    """
    if status is not None and status not in STATUSES:
        raise PapersiftError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    view = parse_view(view)
    sort_mode(sort)
    papers = library.papers
    triage = dict(library.triage)
    if search is None:
        search = _one_shot_search(library)
    result = filter_view(view, query or "", sort, reverse, papers, triage, search, scores=scores)
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


def _one_shot_search(library: Library) -> Search:
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
