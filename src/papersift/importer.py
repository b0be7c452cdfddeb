"""Import: files → records → dedupe against the library → one atomic corpus write.

A file that fails to read imports nothing (its error names file and line); the other
files still import. Re-importing a file changes nothing: its records match the papers
they created, and merging a record into the paper it came from is a no-op.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from papersift.memory import paused_gc, release_memory
from papersift.models import (
    STATUSES,
    BibtexOrigin,
    Paper,
    PapersiftError,
    PossibleDuplicate,
    Record,
    SharedView,
    Source,
    Triage,
)
from papersift.normalize import normalize_arxiv, normalize_doi, normalize_title, paper_id
from papersift.parallel import readers as parallel_readers
from papersift.paths import user_name
from papersift.readers import ReadResult, read_path
from papersift.store import Library

#: progress(stage, done, total): stage is "read", "dedupe" or "write".
Progress = Callable[[str, int, int], None]


@dataclass(slots=True)
class FileReport:
    """What importing one file did."""

    file: str
    format: str = ""
    read: int = 0
    new: int = 0
    merged: int = 0
    #: Records that were a newer version of a paper and replaced its data (`newer`).
    updated: int = 0
    unchanged: int = 0
    possible: int = 0
    #: Records kept although a warning names something doubtful about them.
    kept_with_warnings: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def _is_truncated(text: str) -> bool:
    return text.rstrip().endswith(("…", "..."))


def _better_abstract(a: str, b: str) -> str:
    """The richer abstract: a complete one over a truncated one, else the longer."""
    if not a or not b:
        return a or b
    if _is_truncated(a) != _is_truncated(b):
        return b if _is_truncated(a) else a
    return b if len(b) > len(a) else a


def _better_title(a: str, b: str) -> str:
    # An all-capitals title is a shouted variant; prefer the one in normal case.
    if a.isupper() and not b.isupper():
        return b
    return a


def merge_paper_fields(paper: Paper, other: Paper | Record) -> Paper:
    """`paper` enriched with what `other` adds; equal to `paper` when it adds nothing.

    The id, the time it was added and the order of sources of `paper` are kept.
    """
    other_sources = other.sources if isinstance(other, Paper) else (other.source,)
    sources = tuple(dict.fromkeys((*paper.sources, *other_sources)))
    return replace(
        paper,
        title=_better_title(paper.title, other.title),
        abstract=_better_abstract(paper.abstract, other.abstract),
        authors=paper.authors if len(paper.authors) >= len(other.authors) else other.authors,
        year=paper.year if paper.year is not None else other.year,
        venue=paper.venue or other.venue,
        doi=paper.doi or other.doi,
        arxiv=paper.arxiv or other.arxiv,
        url=paper.url or other.url,
        bibtex=paper.bibtex or other.bibtex,
        sources=sources,
    )


def update_paper_fields(paper: Paper, newer: Record) -> Paper:
    """`paper` as a newer version of it describes it: its title, abstract, authors,
    year, venue and DOI where it gives them; the id, added time, URL, BibTeX origin and
    sources (plus the new one) of `paper` are kept."""
    return replace(
        paper,
        title=newer.title or paper.title,
        abstract=newer.abstract or paper.abstract,
        authors=newer.authors or paper.authors,
        year=newer.year if newer.year is not None else paper.year,
        venue=newer.venue or paper.venue,
        doi=normalize_doi(newer.doi) or paper.doi,
        arxiv=paper.arxiv or normalize_arxiv(newer.arxiv),
        url=paper.url or newer.url,
        sources=tuple(dict.fromkeys((*paper.sources, newer.source))),
    )


def _paper_from_record(record: Record, pid: str, added: float) -> Paper:
    return Paper(
        id=pid,
        title=record.title,
        abstract=record.abstract,
        authors=record.authors,
        year=record.year,
        venue=record.venue,
        doi=normalize_doi(record.doi) if record.doi else "",
        arxiv=normalize_arxiv(record.arxiv) if record.arxiv else "",
        url=record.url,
        bibtex=record.bibtex,
        sources=(record.source,),
        added=added,
    )


def _keyed_apart(a: Paper | Record, b: Paper | Record) -> bool:
    """Whether `a` and `b` are entries of one BibTeX file under different keys that
    disagree on what both say: the year, the first author, the venue, the volume,
    number, pages, edition, chapter or ISBN.

    A paper entered twice in one file copies its metadata (merge it); two entries that
    share a title but not their author or year are two works the file keeps apart.
    """
    if a.bibtex is None or b.bibtex is None or a.bibtex.key == b.bibtex.key:
        return False
    files_a = {s.file for s in a.sources} if isinstance(a, Paper) else {a.source.file}
    files_b = {s.file for s in b.sources} if isinstance(b, Paper) else {b.source.file}
    if files_a.isdisjoint(files_b):
        return False
    if a.year is not None and b.year is not None and a.year != b.year:
        return True
    first_a, first_b = _family_name(a.authors), _family_name(b.authors)
    if first_a and first_b and first_a != first_b:
        return True
    venue_a, venue_b = normalize_title(a.venue), normalize_title(b.venue)
    if venue_a and venue_b and venue_a != venue_b:
        return True
    place_a, place_b = _place_fields(a.bibtex), _place_fields(b.bibtex)
    return any(place_a[f] != place_b[f] for f in place_a.keys() & place_b.keys())


#: Fields where two entries of one work agree (an article and its reprint do not).
_PLACE_FIELDS = frozenset({"volume", "number", "pages", "edition", "chapter", "isbn"})


def _place_fields(origin: BibtexOrigin) -> dict[str, str]:
    return {
        low: normalize_title(value)
        for name, value in origin.fields
        if (low := name.lower()) in _PLACE_FIELDS and value.strip()
    }


def _family_name(authors: tuple[str, ...]) -> str:
    """The first author's family name, folded ("Knuth, D. E." and "Donald E. Knuth")."""
    if not authors:
        return ""
    name = authors[0]
    family = name.partition(",")[0] if "," in name else (name.split() or [""])[-1]
    return normalize_title(family)


def _new_id(record: Record, taken: set[str]) -> str:
    """The record's stable id; a deterministic variant when that id is already taken
    by a different paper (two distinct papers titled "Introduction")."""
    base = paper_id(record.title, record.doi, record.arxiv)
    pid, n = base, 1
    while pid in taken:
        n += 1
        pid = paper_id(f"{record.title}\x00{n}", "", "")
    return pid


def _apply_record_triage(current: Triage, record: Record, me: str) -> Triage:
    """Triage carried by a record, folded into the user's own without overriding it.

    From a shared list (`shared_by` set): the sender's tags are unioned into the user's;
    the sender's note, star and status, and every other person's view the list carries,
    are kept as `SharedView`s beside the user's state, one per person, the newer view of
    a person replacing the older. A view that is the user's own (`me`), like a papersift
    BibTeX export of the user's (no `shared_by`), restores note, star and status only
    where the user has none, so a round trip loses nothing and overrides nothing.
    """
    theirs = record.triage
    if theirs is None:
        return current
    own: Triage | None = None
    views: list[SharedView] = []
    if record.shared_by and record.shared_by != me:
        views.append(
            SharedView(
                by=record.shared_by,
                note=theirs.note,
                starred=theirs.starred,
                status=theirs.status if theirs.status in STATUSES else "",
                tags=theirs.tags,
                at=_iso(theirs.changed),
            )
        )
    else:
        own = theirs
    for view in theirs.shared:
        if view.by == me:
            own = own or Triage(
                starred=view.starred, status=view.status or "inbox", tags=view.tags, note=view.note
            )
        else:
            views.append(view)
    tags = tuple(dict.fromkeys((*current.tags, *theirs.tags)))
    others = {s.by: s for s in current.shared}
    for view in views:
        if view.by not in others or view.at >= others[view.by].at:
            others[view.by] = view
    updated = replace(current, tags=tags, shared=tuple(others[k] for k in sorted(others)))
    if own is not None:
        updated = replace(
            updated,
            starred=current.starred or own.starred,
            status=current.status if current.status != "inbox" else own.status,
            note=current.note or own.note,
        )
    return updated


def _iso(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix)) if unix else ""


def read_files(
    paths: Sequence[Path], progress: Progress | None = None
) -> tuple[list[ReadResult], list[FileReport]]:
    """Read every file; a file that fails gets a report with its error and no records.

    Results and reports are in the order of `paths`. A big import shares its files
    between this process and worker processes (see `parallel.readers.plan`); whatever the
    workers do not read (one failed to start or died) is read here too.
    """
    outcomes: dict[int, ReadResult | PapersiftError] = {}

    def finish(n: int, outcome: ReadResult | PapersiftError) -> None:
        outcomes[n] = outcome
        if progress:
            progress("read", len(outcomes), len(paths))

    def read_here(indexes: Sequence[int], with_features: bool) -> None:
        for n in indexes:
            try:
                result = read_path(Path(paths[n]))
            except PapersiftError as exc:
                finish(n, exc)
                continue
            if with_features:
                # As the workers do for theirs: else dedupe computes them after the last
                # file, on one CPU.
                from papersift import dedupe

                result.features = dedupe.features(result.records)
            finish(n, result)
            release_memory()

    order = parallel_readers.plan(paths)
    if order:
        theirs = set(order)
        local = [n for n in range(len(paths)) if n not in theirs]
        parallel_readers.read_in_workers(paths, order, finish, lambda: read_here(local, True))
    read_here([n for n in range(len(paths)) if n not in outcomes], False)

    results: list[ReadResult] = []
    reports: list[FileReport] = []
    for n, path in enumerate(paths):
        report = FileReport(file=str(path))
        outcome = outcomes[n]
        if isinstance(outcome, PapersiftError):
            report.error = str(outcome)
        else:
            report.format = outcome.format
            report.read = len(outcome.records)
            report.warnings = list(outcome.warnings)
            report.kept_with_warnings = outcome.kept_with_warnings
            results.append(outcome)
        reports.append(report)
    return results, reports


def import_files(
    library: Library, paths: Sequence[Path], progress: Progress | None = None
) -> list[FileReport]:
    """Import files into the library: one report per file, in the order given."""
    with paused_gc():
        results, reports = read_files(paths, progress)
        if results:
            import_results(library, results, [r for r in reports if r.ok], progress)
    return reports


def import_results(
    library: Library,
    results: Sequence[ReadResult],
    reports: Sequence[FileReport],
    progress: Progress | None = None,
    *,
    newer: Callable[[Paper, Record], bool] | None = None,
) -> list[str]:
    """Dedupe the records of already-read files against the library and store them.

    Returns the id of the paper each record became or joined, in record order. A record
    joining a paper it is a newer version of (`newer(paper, record)`, e.g. a later arXiv
    version) replaces the paper's data (`update_paper_fields`) instead of only filling
    gaps (`merge_paper_fields`).
    """
    from papersift.dedupe import match  # rapidfuzz import only when importing

    with library.locked():
        library.reload_corpus_if_changed()
        stamp = library.corpus_stamp()
        papers = dict(library.papers)
        existing_ids = list(papers)
        records: list[Record] = [r for res in results for r in res.records]
        owner: list[int] = [n for n, res in enumerate(results) for _ in res.records]
        # Features the worker processes computed (None for the files read here).
        known = [None] * len(papers)
        for res in results:
            known.extend(res.features or [None] * len(res.records))
            res.features = None  # freed with `known`, after dedupe

        # Papers and records have every attribute a dedupe Candidate has: no copies.
        candidates: list[Paper | Record] = [*papers.values(), *records]
        first_new = len(existing_ids)

        def dedupe_progress(done: int, total: int) -> None:
            if progress:
                progress("dedupe", done, total)

        result = match(candidates, first_new=first_new, progress=dedupe_progress, features=known)
        # Two entries of one .bib file under different keys are two papers to the person
        # who wrote it, however alike (Knuth's and Bentley's "Literate Programming"): the
        # user decides, as for any possible duplicate.
        sure = []
        for m in result.sure:
            if _keyed_apart(candidates[m.i], candidates[m.j]):
                result.possible.append(m)
            else:
                sure.append(m)
        result.sure = sure
        del candidates, known

        # Group new records: union-find over sure new-new pairs; each group joins at most
        # one existing paper (its best sure match), so an import never silently merges
        # two papers the library already keeps apart.
        parent = list(range(len(records)))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        # record index -> (score, -library index): the best-scoring, then oldest, paper.
        best_existing: dict[int, tuple[float, int]] = {}
        for m in result.sure:
            i, j = m.i, m.j
            if i >= first_new and j >= first_new:
                parent[find(i - first_new)] = find(j - first_new)
            else:
                old, new = (i, j) if i < first_new else (j, i)
                rec = new - first_new
                score = (m.score, -old)
                if rec not in best_existing or score > best_existing[rec]:
                    best_existing[rec] = score
        # Records that name a library paper by id (shared lists) belong to it for sure.
        given: dict[int, str] = {}
        for rec, record in enumerate(records):
            if record.given_id:
                cid = library.canonical_id(record.given_id)
                if cid in papers:
                    given[rec] = cid

        group_target: dict[int, str] = {}
        for rec in range(len(records)):
            root = find(rec)
            if rec in given:
                group_target.setdefault(root, given[rec])
        for rec, (_, neg_old) in sorted(best_existing.items()):
            group_target.setdefault(find(rec), existing_ids[-neg_old])

        now = time.time()
        taken = set(papers) | set(library.aliases)
        aliases = dict(library.aliases)
        record_paper: list[str] = [""] * len(records)
        for rec, record in enumerate(records):
            root = find(rec)
            report = reports[owner[rec]]
            target = group_target.get(root)
            if target is None:
                pid = _new_id(record, taken)
                taken.add(pid)
                papers[pid] = _paper_from_record(record, pid, now + rec * 1e-6)
                group_target[root] = pid
                report.new += 1
            else:
                current = papers[target]
                update = newer is not None and newer(current, record)
                merged = (update_paper_fields if update else merge_paper_fields)(current, record)
                if merged == current:
                    report.unchanged += 1
                else:
                    papers[target] = merged
                    if update:
                        report.updated += 1
                    else:
                        report.merged += 1
                pid = target
            record_paper[rec] = pid
            # A shared list's id for a paper known here under another id (its entry had
            # a DOI ours lacks, say) becomes an alias: the next version of that list,
            # and `papersift tag ID` with the sender's id, find the paper.
            if record.given_id and record.given_id not in taken:
                aliases[record.given_id] = pid
                taken.add(record.given_id)

        # Possible duplicates, named by paper id; pairs already decided are dropped.
        index_to_id = existing_ids + record_paper
        possible = {pd.pair: pd for pd in library.possible}
        for m in result.possible:
            a, b = index_to_id[m.i], index_to_id[m.j]
            if a == b or library.decision(a, b) is not None:
                continue
            pair = frozenset((a, b))
            if pair not in possible:
                possible[pair] = PossibleDuplicate(
                    a=min(a, b), b=max(a, b), score=m.score, reason=m.reason
                )
                for idx in (m.i, m.j):
                    if idx >= first_new:
                        reports[owner[idx - first_new]].possible += 1
                        break

        if progress:
            progress("write", 0, 1)
        changed = (
            papers != library.papers
            or set(possible) != {pd.pair for pd in library.possible}
            or aliases != library.aliases
        )
        if changed:
            library.write_corpus(papers, possible.values(), aliases, expected_stamp=stamp)
            # The texts are in memory now: fold them once for exact phrases, so a TUI
            # opening this library answers a quoted title before it has read them.
            from papersift.query.phrase_file import FILE_NAME, write_phrase_text

            write_phrase_text(library.path / FILE_NAME, papers.values(), library.corpus_stamp())

        # Triage carried by the records (shared lists, papersift's own BibTeX exports).
        triage_updates: dict[str, Triage] = {}
        me = user_name()
        for rec, record in enumerate(records):
            if record.triage is None:
                continue
            pid = record_paper[rec]
            current = triage_updates.get(pid) or library.triage_of(pid)
            updated = _apply_record_triage(current, record, me)
            if updated != current:
                triage_updates[pid] = updated
        if triage_updates:
            library.write_triage(triage_updates)
        if progress:
            progress("write", 1, 1)
    return record_paper


def import_sample_corpus(library: Library, progress: Progress | None = None) -> list[FileReport]:
    """Fill a library with the bundled sample corpus (a new user's first run)."""
    from papersift.paths import sample_corpus_files

    return import_files(library, sample_corpus_files(), progress)


def sources_of(library: Library) -> dict[str, int]:
    """Every source file name with the number of papers that came from it."""
    counts: dict[str, int] = {}
    for paper in library.papers.values():
        for name in {s.file for s in paper.sources}:
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


__all__ = [
    "FileReport",
    "Source",
    "import_files",
    "import_results",
    "import_sample_corpus",
    "merge_paper_fields",
    "read_files",
    "sources_of",
    "update_paper_fields",
]
