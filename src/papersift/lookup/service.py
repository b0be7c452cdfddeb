"""Adding papers by identifier: look them up, import them like any file, queue the rest.

`Lookup.add(library, text)` reads the identifiers in `text`, answers what it can from
the cache, asks arXiv for the rest in batched requests (one request per `MAX_BATCH`
ids, one request every 3 s at most) and doi.org for each DOI, then imports every record
through the importer's dedupe (`importer.import_results`): an id already in the library
merges into its paper, and a newer arXiv version than the one added before replaces the
paper's data. What could not be looked up now (offline, timeout, 503) waits in the
queue (`lookup.queue`); what cannot work (404, a malformed answer) is reported by id and
changes nothing. `Lookup.retry(library)` runs the queue.

A paper added this way has the service as its source: `arXiv` with the arXiv version as
the index (so the next add knows which version the library holds), or `doi.org`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from papersift.importer import FileReport, import_results
from papersift.lookup import arxiv, doi
from papersift.lookup.cache import ResponseCache
from papersift.lookup.config import ARXIV_INTERVAL, LookupConfig, load_lookup_config
from papersift.lookup.fetch import (
    Permanent,
    RateLimiter,
    Transient,
    Unreachable,
    get,
    shared_stamp,
)
from papersift.lookup.identifiers import Identifier, parse_list
from papersift.lookup.queue import Failed, QueueState, Waiting, read_queue, write_queue
from papersift.models import Paper, Record, Source
from papersift.readers import ReadResult
from papersift.store import Library
from papersift.textsafe import clean_line, one_line

__all__ = [
    "ARXIV_SOURCE",
    "DOI_SOURCE",
    "AddReport",
    "Lookup",
    "Outcome",
    "Progress",
    "outcome_line",
]

ARXIV_SOURCE = "arXiv"
DOI_SOURCE = "doi.org"
#: progress(done, total): identifiers looked up so far, out of those not in the cache.
Progress = Callable[[int, int], None]
_COMPARED = ("title", "abstract", "authors", "year", "venue", "doi", "arxiv", "url")
_FIELD_NAMES = {"doi": "DOI", "arxiv": "arXiv id", "url": "URL"}


@dataclass(slots=True)
class Outcome:
    """What became of one identifier. `result` is one of added, merged, updated
    (a newer arXiv version replaced the paper's data), queued or failed; `detail` says
    why or what changed."""

    typed: str
    key: str
    result: str
    detail: str = ""
    paper_id: str = ""
    title: str = ""


def outcome_line(outcome: Outcome) -> str:
    """One identifier's line, as `papersift add` prints it and the app shows it: the
    text as given, then added/merged/updated with the paper, or queued/failed with why
    (data made inert, `textsafe`)."""
    typed = one_line(outcome.typed, 80)
    if outcome.result in ("queued", "failed"):
        return f"{typed}: {outcome.result}: {clean_line(outcome.detail)}"
    title = one_line(outcome.title, 70)
    detail = f" ({clean_line(outcome.detail)})" if outcome.detail else ""
    into = " into" if outcome.result == "merged" else ""
    return f"{typed}: {outcome.result}{into} {outcome.paper_id} “{title}”{detail}"


@dataclass(slots=True)
class AddReport:
    """One add or retry: an outcome per identifier (in the order given), the lookups
    still waiting afterwards, and the HTTP requests it made."""

    outcomes: list[Outcome] = field(default_factory=list)
    waiting: int = 0
    requests: int = 0

    @property
    def failed(self) -> bool:
        return any(o.result == "failed" for o in self.outcomes)


@dataclass(slots=True)
class _Miss:
    reason: str
    transient: bool


def _arxiv_version(paper: Paper) -> int:
    """The newest arXiv version the library added this paper from (0: none)."""
    return max((s.index for s in paper.sources if s.file == ARXIV_SOURCE), default=0)


def _is_newer(paper: Paper, record: Record) -> bool:
    if record.source.file != ARXIV_SOURCE:
        return False
    known = _arxiv_version(paper)
    return 0 < known < record.source.index


def _record_of(entry: arxiv.ArxivEntry) -> Record:
    return Record(
        title=entry.title,
        source=Source(ARXIV_SOURCE, entry.version),
        abstract=entry.abstract,
        authors=entry.authors,
        year=entry.year,
        venue=entry.journal_ref or "arXiv",
        doi=entry.doi,
        arxiv=entry.arxiv,
        url=f"https://arxiv.org/abs/{entry.arxiv}",
    )


def _changes(before: Paper, after: Paper) -> str:
    """ "+abstract, +authors" for fields gained, "title" for fields that changed."""
    names = []
    for name in _COMPARED:
        old, new = getattr(before, name), getattr(after, name)
        if old != new:
            label = _FIELD_NAMES.get(name, name)
            names.append(label if old not in ("", (), None) else f"+{label}")
    return ", ".join(names) or "nothing new"


class Lookup:
    """The services for one library: config, arXiv's rate limit, the response cache.

    One instance per process keeps the rate limit across adds and retries (the app
    holds one); lookups through one instance run one at a time.
    """

    def __init__(
        self,
        library_dir: Path,
        config: LookupConfig | None = None,
        *,
        limiter: RateLimiter | None = None,
        fetch: Callable[..., bytes] = get,
    ) -> None:
        self.library_dir = Path(library_dir)
        self.config = config if config is not None else load_lookup_config()
        if limiter is None:
            # arXiv's terms bind every papersift of the user; a local server or mirror
            # (tests, `[lookup] arxiv_api`) is not arXiv and keeps its own pace.
            host = urlsplit(self.config.arxiv_api).hostname or ""
            shared = shared_stamp() if host == "arxiv.org" or host.endswith(".arxiv.org") else None
            limiter = RateLimiter(ARXIV_INTERVAL, shared=shared)
        self.limiter = limiter
        self.cache = ResponseCache(self.library_dir)
        self.fetch = fetch
        self._busy = threading.Lock()
        #: Services that gave no answer at all in this round: their other ids wait too.
        self._unreachable: dict[str, str] = {}

    # ------------------------------------------------------------------ public

    def add(
        self,
        library: Library,
        text: str,
        *,
        progress: Progress | None = None,
        use_cache: bool = True,
    ) -> AddReport:
        """Add the papers `text` names (see `identifiers.parse_list`)."""
        parsed = parse_list(text)
        report = AddReport()
        with self._busy:
            found, misses = self._resolve(parsed.identifiers, use_cache, progress, report)
            outcomes = self._store(library, parsed.identifiers, parsed.typed, found, misses, report)
        why = "not an arXiv id or a DOI"
        unknown = [Outcome(token, "", "failed", why) for token in parsed.unrecognised]
        report.outcomes = unknown + outcomes
        return report

    def retry(self, library: Library, *, progress: Progress | None = None) -> AddReport:
        """Try every waiting lookup again (the cache is not asked: they are not in it)."""
        report = AddReport()
        with self._busy:
            state = read_queue(self.library_dir)
            idents: list[Identifier] = []
            typed: dict[str, str] = {}
            for waiting in state.waiting:
                try:
                    ident = Identifier.from_key(waiting.key)
                except ValueError:
                    continue
                idents.append(ident)
                typed[ident.key] = waiting.typed
            found, misses = self._resolve(idents, True, progress, report)
            report.outcomes = self._store(library, idents, typed, found, misses, report)
        report.waiting = len(read_queue(self.library_dir).waiting)
        return report

    def clear_failed(self, library: Library) -> int:
        """Forget the lookups that failed for good; how many there were."""
        with library.locked():
            state = read_queue(self.library_dir)
            count = len(state.failed)
            if count:
                state.failed = []
                write_queue(self.library_dir, state)
        return count

    # ------------------------------------------------------------------ looking up

    def _resolve(
        self,
        idents: Sequence[Identifier],
        use_cache: bool,
        progress: Progress | None,
        report: AddReport,
    ) -> tuple[dict[Identifier, Record], dict[Identifier, _Miss]]:
        found: dict[Identifier, Record] = {}
        misses: dict[Identifier, _Miss] = {}
        todo: list[Identifier] = []
        for ident in idents:
            cached = self.cache.get(ident) if use_cache else None
            if cached is not None:
                found[ident] = cached
            else:
                todo.append(ident)
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, len(todo))

        if progress and todo:
            progress(0, len(todo))
        papers = [i for i in todo if i.kind == "arxiv"]
        for start in range(0, len(papers), arxiv.MAX_BATCH):
            batch = papers[start : start + arxiv.MAX_BATCH]
            if down := self._unreachable.get("arxiv"):
                for ident in batch:
                    misses[ident] = _Miss(down, True)
            else:
                self._arxiv_batch(batch, found, misses, report)
            advance(len(batch))
        for ident in todo:
            if ident.kind == "doi":
                if down := self._unreachable.get("doi"):
                    misses[ident] = _Miss(down, True)
                else:
                    self._doi(ident, found, misses, report)
                advance(1)
        self._unreachable.clear()
        for ident in todo:
            if ident in found:
                self.cache.put(ident, found[ident])
        return found, misses

    def _arxiv_batch(
        self,
        batch: list[Identifier],
        found: dict[Identifier, Record],
        misses: dict[Identifier, _Miss],
        report: AddReport,
    ) -> None:
        asked = batch
        while asked:
            self.limiter.wait()
            report.requests += 1
            try:
                data = self.fetch(
                    arxiv.query_url(self.config.arxiv_api, asked),
                    accept="application/atom+xml",
                    timeout=self.config.timeout,
                )
                feed = arxiv.parse_feed(data)
            except Transient as exc:
                for ident in asked:
                    misses[ident] = _Miss(f"arXiv: {exc}", True)
                if isinstance(exc, Unreachable):
                    self._unreachable["arxiv"] = f"arXiv: {exc} (not asked again this time)"
                return
            except Permanent as exc:
                for ident in asked:
                    misses[ident] = _Miss(f"arXiv: {exc}", False)
                return
            matched = arxiv.match_entries(asked, feed)
            for ident, entry in matched.items():
                found[ident] = _record_of(entry)
            refused = {str(i): i for i in asked if i not in matched}
            for bad, why in feed.errors.items():
                for name, ident in list(refused.items()):
                    if bad.lower() in (name.lower().removeprefix("arxiv:"), ident.value):
                        misses[ident] = _Miss(f"arXiv: {why}", False)
                        del refused[name]
            rest = [i for i in refused.values()]
            if feed.errors and rest and len(rest) < len(asked):
                # arXiv answers an id it calls malformed with an error in place of the
                # whole feed: ask again for the others.
                asked = rest
                continue
            for ident in rest:
                what = f"version {ident.version} of " if ident.version else ""
                misses[ident] = _Miss(f"arXiv has no {what}paper with this id", False)
            return

    def _doi(
        self,
        ident: Identifier,
        found: dict[Identifier, Record],
        misses: dict[Identifier, _Miss],
        report: AddReport,
    ) -> None:
        report.requests += 1
        try:
            data = self.fetch(
                doi.doi_url(self.config.doi_url, ident.value),
                accept=doi.ACCEPT,
                timeout=self.config.timeout,
            )
            record = doi.record_from_csl(data, ident.value)
        except Transient as exc:
            misses[ident] = _Miss(f"doi.org: {exc}", True)
            if isinstance(exc, Unreachable):
                # A dead network: the other DOIs would wait out the timeout one by one.
                self._unreachable["doi"] = f"doi.org: {exc} (not asked again this time)"
            return
        except Permanent as exc:
            text = str(exc)
            if text.startswith("HTTP 404"):
                text = f"no such DOI ({text})"
            misses[ident] = _Miss(f"doi.org: {text}", False)
            return
        record.source = Source(DOI_SOURCE, 0)
        found[ident] = record

    # ------------------------------------------------------------------ storing

    def _store(
        self,
        library: Library,
        idents: Sequence[Identifier],
        typed: Mapping[str, str],
        found: Mapping[Identifier, Record],
        misses: Mapping[Identifier, _Miss],
        report: AddReport,
    ) -> list[Outcome]:
        """Import what was found and update the queue, under the library lock; nothing
        is written (not even the queue) when there is nothing to write."""
        outcomes = {
            i: Outcome(typed.get(i.key, str(i)), i.key, "failed", m.reason)
            for i, m in misses.items()
            if not m.transient
        }
        for ident, miss in misses.items():
            if miss.transient:
                outcomes[ident] = Outcome(
                    typed.get(ident.key, str(ident)), ident.key, "queued", miss.reason
                )
        queued_now = {w.key for w in read_queue(self.library_dir).waiting}
        if not found and not any(m.transient or i.key in queued_now for i, m in misses.items()):
            report.waiting = len(queued_now)
            return [outcomes[i] for i in idents if i in outcomes]
        with library.locked():
            if found:
                self._import(library, typed, found, outcomes)
            state = read_queue(self.library_dir)
            if self._requeue(state, typed, found, misses):
                write_queue(self.library_dir, state)
            report.waiting = len(state.waiting)
        return [outcomes[i] for i in idents if i in outcomes]

    def _import(
        self,
        library: Library,
        typed: Mapping[str, str],
        found: Mapping[Identifier, Record],
        outcomes: dict[Identifier, Outcome],
    ) -> None:
        library.ensure_texts()
        before = dict(library.papers)
        idents = list(found)
        results = [ReadResult(str(i), i.kind, records=[found[i]]) for i in idents]
        reports = [FileReport(file=str(i), format=i.kind, read=1) for i in idents]
        paper_ids = import_results(library, results, reports, newer=_is_newer)
        for ident, file_report, pid in zip(idents, reports, paper_ids, strict=True):
            paper = library.papers.get(pid)
            title = paper.title if paper is not None else found[ident].title
            outcome = Outcome(typed.get(ident.key, str(ident)), ident.key, "", "", pid, title)
            old = before.get(pid)
            if file_report.new or old is None or paper is None:
                outcome.result = "added"
                if file_report.possible:
                    outcome.detail = "a possible duplicate to review"
            else:
                outcome.result = "updated" if file_report.updated else "merged"
                outcome.detail = _changes(old, paper)
                if file_report.updated:
                    outcome.detail = f"to v{found[ident].source.index}: {outcome.detail}"
            outcomes[ident] = outcome

    @staticmethod
    def _requeue(
        state: QueueState,
        typed: Mapping[str, str],
        found: Mapping[Identifier, Record],
        misses: Mapping[Identifier, _Miss],
    ) -> bool:
        """Apply one round of answers to the queue; True if it changed."""
        now = time.time()
        waiting = {w.key: w for w in state.waiting}
        changed = False
        for ident in found:
            if waiting.pop(ident.key, None) is not None:
                changed = True
        done = {i.key for i in found}
        if any(f.key in done for f in state.failed):
            # Added after all (the DOI was registered meanwhile): no longer a failure.
            state.failed = [f for f in state.failed if f.key not in done]
            changed = True
        for ident, miss in misses.items():
            entry = waiting.get(ident.key)
            if miss.transient:
                if entry is None:
                    waiting[ident.key] = Waiting(
                        ident.key, typed.get(ident.key, str(ident)), now, 1, miss.reason, now
                    )
                else:
                    entry.attempts += 1
                    entry.error, entry.last_try = miss.reason, now
                changed = True
            elif entry is not None:
                del waiting[ident.key]
                state.failed.append(Failed(ident.key, entry.typed, miss.reason, now))
                changed = True
        state.waiting = list(waiting.values())
        return changed
