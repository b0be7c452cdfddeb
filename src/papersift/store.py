"""The library on disk: a directory of TinyDB files, written atomically, shared safely.

Layout of a library directory::

    corpus.json    papers (bibliographic data), possible duplicates, id aliases
    triage.json    the user's state: stars, statuses, tags, notes; duplicate decisions; saved views
    ui.json        where the TUI was (view, query, cursor, theme)
    .lock          serialises writers across processes (filelock)
    backups/       rotating copies of triage.json, the file that holds months of work

The big corpus is rewritten only by imports and merges; the small triage file by every
keystroke that changes something. Keeping them apart is what lets a star in a 100k
library cost milliseconds instead of rewriting 150 MB.

Every write goes through `AtomicJSONStorage` (temp file, fsync, rename): a crash leaves
the previous good file. Writers take `.lock`, and the storage re-reads a file that another
process changed (by stat), so two processes never lose each other's writes.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

from papersift.fsutil import atomic_write_bytes, describe_os_error
from papersift.memory import paused_gc
from papersift.models import (
    Entry,
    Paper,
    PapersiftError,
    PossibleDuplicate,
    Triage,
    positive_number,
)
from papersift.storage import (
    FORMAT_NAME,
    AtomicJSONStorage,
    CorpusTexts,
    KeyedTable,
    LibraryDb,
    corpus_chunks,
    file_stamp,
    open_db,
)

#: The newest format this papersift reads (a newer file is refused, never misread).
FORMAT_VERSION = 3
#: Written to triage.json (its format never changed).
TRIAGE_VERSION = 1
#: From this many papers on, the loaded corpus is moved out of the collector's sight.
FREEZE_FROM = 5_000
#: How long a writer waits for another process holding the library before giving up.
LOCK_TIMEOUT = 30.0
#: After this many seconds of waiting for the lock the writer's `on_wait` is told once,
#: so a user is not left staring at a silent command for up to LOCK_TIMEOUT.
WAIT_NOTICE_AFTER = 1.0
#: Generations of triage.json kept in backups/.
BACKUP_GENERATIONS = 5
#: The key of ui.json that holds when the TUI last closed the library (`last_closed`).
CLOSED_AT = "closed_at"
#: Minimum seconds between two backups, so a burst of keystrokes is one generation.
BACKUP_INTERVAL = 300.0


class LibraryBusy(PapersiftError):
    """Another process holds the library's write lock for too long."""


def _pair_key(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


@dataclass(frozen=True, slots=True)
class Decision:
    """A user's verdict on a possible-duplicate pair."""

    a: str
    b: str
    verdict: str  # "merge" or "apart"
    at: float


def _freeze_if_big(papers: Mapping[str, Paper]) -> None:
    """Move a big loaded corpus out of the collector's sight; call with the GC paused.

    The corpus lives as long as the library and holds no cycles: keep the collector
    from walking its million objects on every full collection (a TUI keystroke that
    allocates would otherwise pay up to a second for it). Before the GC is enabled
    again, or its first pass would be that full collection (0.1 s at 100k papers).
    """
    if len(papers) >= FREEZE_FROM:
        gc.freeze()


def _malformed(path: Path, exc: BaseException) -> PapersiftError:
    return PapersiftError(f"{path}: a record is malformed ({exc!r}); the file was left as it is")


def _apply_texts(papers: Mapping[str, Paper], texts: Mapping[str, Any]) -> None:
    """Give papers their texts (`Paper.load_texts`); KeyError for a paper not there."""
    for pid, data in texts.items():
        papers[pid].load_texts(data)


def _read_texts(texts: CorpusTexts, papers: Mapping[str, Paper]) -> None:
    """Read a "texts" table into `papers`; PapersiftError if it is damaged."""
    for batch in texts.batches():
        try:
            _apply_texts(papers, batch)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _malformed(texts.path, exc) from None


class Library:
    """One library directory, loaded into memory; every change is written through at once.

    Reads come from memory (`papers`, `triage_of`, `entries`). Writes take the lock,
    apply the change to the freshest state on disk and persist it before returning.

    With `lazy_texts` the abstracts and BibTeX origins are not read at open (they are
    most of corpus.json): papers have an empty abstract and no `bibtex` until
    `ensure_texts()` reads them into the same `Paper` objects. Every method here that
    writes the corpus or re-reads it does that first; a caller that reads abstracts or
    BibTeX (search index, export, share) must too. The TUI opens this way, shows the
    list, then loads the texts in a worker.
    """

    def __init__(
        self,
        path: Path,
        *,
        readonly: bool = False,
        create: bool = True,
        lazy_texts: bool = False,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        try:
            exists = self.path.exists()
            is_dir = self.path.is_dir()
        except OSError as exc:
            # Path.exists() raises (not False) when a parent directory denies access.
            raise PapersiftError(
                f"{self.path}: cannot open the library: {describe_os_error(exc)}"
            ) from exc
        if not exists:
            if readonly or not create:
                raise PapersiftError(f"{self.path}: no library here")
            try:
                self.path.mkdir(parents=True)
            except OSError as exc:
                raise PapersiftError(
                    f"{self.path}: cannot create the library: {describe_os_error(exc)}"
                ) from exc
        elif not is_dir:
            raise PapersiftError(f"{self.path}: is a file, not a library directory")
        self._mem_lock = threading.RLock()
        #: Held while the texts are read (`ensure_texts`). Taken after `_mem_lock` when
        #: both are held, never before it: a text load never waits for a writer.
        self._texts_lock = threading.Lock()
        #: The unread texts of the loaded corpus, and the papers they belong to.
        self._pending_texts: tuple[CorpusTexts, dict[str, Paper]] | None = None
        #: Why the texts could not be read: every later `ensure_texts` raises it too.
        self._texts_error: str | None = None
        self._file_lock = FileLock(self.path / ".lock", timeout=LOCK_TIMEOUT)
        #: Called with a message when a write has to wait for another process's lock.
        self.on_wait: Callable[[str], None] | None = None
        #: Called with a note for the user that is no error (an id that named a paper
        #: since merged into another: `actions.resolve_ids`).
        self.on_note: Callable[[str], None] | None = None
        self._corpus_db = open_db(self.path / "corpus.json", readonly)
        self._triage_db = open_db(self.path / "triage.json", readonly)
        self.papers: dict[str, Paper] = {}
        self.aliases: dict[str, str] = {}
        self.possible: list[PossibleDuplicate] = []
        self._triage: dict[str, Triage] = {}
        self.decisions: dict[str, Decision] = {}
        self._last_backup = 0.0
        self._swept = False
        # entries() is asked for on every filter keystroke; rebuilding 100k Entry objects
        # each time cost 60 ms, and 400 ms whenever the allocations set off a full GC
        # pass over the loaded corpus. Kept built, patched on triage writes, and dropped
        # (generation bumped) whenever papers or triage are replaced wholesale.
        self._entries: list[Entry] | None = None
        self._entry_pos: dict[str, int] | None = None
        self._entries_gen = 0
        with self._mem_lock:
            self._load_corpus(lazy_texts=lazy_texts)
            self._load_triage()

    # ------------------------------------------------------------------ loading

    def _check_meta(self, meta: Any, name: str) -> None:
        """Refuse a file that is not ours or that a newer papersift wrote."""
        if meta is None:
            return
        if meta.get("format") != FORMAT_NAME:
            raise PapersiftError(f"{self.path / name}: not a papersift library file")
        version = meta.get("version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise PapersiftError(
                f"{self.path / name}: written by a newer papersift (format version {version}); "
                "upgrade papersift to open it. The file was left as it is."
            )

    def reload(self) -> None:
        """(Re)load corpus and triage from disk."""
        with self._mem_lock:
            self._load_corpus()
            self._load_triage()

    def _load_corpus(self, *, lazy_texts: bool = False) -> None:
        # The corpus is read straight from its file, bypassing TinyDB (only imports and
        # merges write it, in one piece): no Document copies, and the parsed JSON is
        # dropped once the papers are built instead of staying cached beside them.
        storage: AtomicJSONStorage = self._corpus_db.storage  # type: ignore[assignment]
        self._drop_pending_texts()
        texts: CorpusTexts | None = None
        # Nothing loaded here is cyclic, but a million new objects would set off
        # repeated full collections: most of the load time at 100k papers.
        try:
            with paused_gc():
                data, texts = storage.read_corpus()
                data = data or {}
                self._check_meta(data.get("meta", {}).get("library"), "corpus.json")
                try:
                    from_dict = Paper.from_dict
                    papers = [from_dict(d) for d in data.get("papers", {}).values()]
                    possible = [
                        PossibleDuplicate.from_dict(d) for d in data.get("possible", {}).values()
                    ]
                    aliases = {k: str(v["to"]) for k, v in data.get("aliases", {}).items()}
                    papers.sort(key=lambda p: (p.added, p.id))  # O(n) when written in order
                    by_id = {p.id: p for p in papers}
                    # A "texts" table parsed with the rest (a file not in our layout).
                    _apply_texts(by_id, data.get("texts", {}))
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise _malformed(self.path / "corpus.json", exc) from None
                del data, papers
                if texts is not None and not lazy_texts:
                    _read_texts(texts, by_id)
                _freeze_if_big(by_id)
        except BaseException:
            if texts is not None:
                texts.close()
            raise
        self.papers = by_id
        self.possible = possible
        self.aliases = aliases
        self._forget_entries()
        if texts is not None and lazy_texts:
            with self._texts_lock:
                self._pending_texts = (texts, by_id)
        elif texts is not None:
            texts.close()

    def _drop_pending_texts(self) -> None:
        """Forget unread texts (the corpus they belong to is being replaced)."""
        with self._texts_lock:
            pending, self._pending_texts = self._pending_texts, None
            self._texts_error = None
        if pending is not None:
            pending[0].close()

    @property
    def texts_loaded(self) -> bool:
        """False while the abstracts and BibTeX origins of a lazy open are unread (or
        could not be read): `ensure_texts()` reads them."""
        return self._pending_texts is None and self._texts_error is None

    def ensure_texts(self) -> None:
        """Read the abstracts and BibTeX origins left unread by `lazy_texts`, into the
        loaded `Paper` objects; a no-op once done. Thread-safe: a second caller waits
        for the first one's read. Raises PapersiftError (again on every call) when that
        part of corpus.json is damaged, so nothing is ever written without the texts.

        The texts come from the same file as the rest even if another process replaced
        it meanwhile: the loaded corpus stays that file's, `corpus_stamp()` still
        says so, and `reload_corpus_if_changed()` / `refresh_if_changed()` load the new
        one as for any change.
        """
        if self._pending_texts is None and self._texts_error is None:
            return
        with self._texts_lock:
            if self._texts_error is not None:
                raise PapersiftError(self._texts_error)
            pending = self._pending_texts
            if pending is None:
                return
            texts, papers = pending
            try:
                with paused_gc():
                    _read_texts(texts, papers)
                    _freeze_if_big(papers)  # the BibTeX origins are long-lived too
            except PapersiftError as exc:
                self._texts_error = str(exc)
                raise
            finally:
                texts.close()
                self._pending_texts = None

    def _load_triage(self) -> None:
        db = self._triage_db
        self._check_meta(db.table("meta").get(doc_id="library"), "triage.json")
        try:
            self._triage = {k: Triage.from_dict(v) for k, v in db.table("triage").raw().items()}
            self._forget_entries()
            self.decisions = {
                k: Decision(a=v["a"], b=v["b"], verdict=v["verdict"], at=float(v["at"]))
                for k, v in db.table("decisions").raw().items()
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PapersiftError(
                f"{self.path / 'triage.json'}: a record is malformed ({exc!r}); "
                "the file was left as it is"
            ) from None

    def refresh_if_changed(self) -> bool:
        """Reload what another process changed since we last looked; True if anything did."""
        changed = False
        with self._mem_lock:
            for db, loader in (
                (self._corpus_db, self._load_corpus),
                (self._triage_db, self._load_triage),
            ):
                storage: AtomicJSONStorage = db.storage  # type: ignore[assignment]
                path_stamp = file_stamp(storage.path)
                if path_stamp != storage.stamp:
                    loader()
                    changed = True
        return changed

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self.papers)

    def is_empty(self) -> bool:
        """True for a library that has never been filled."""
        return not self.papers

    def triage_of(self, paper_id: str) -> Triage:
        """The user's triage of a paper (defaults when never touched)."""
        return self._triage.get(paper_id) or Triage()

    @property
    def triage(self) -> Mapping[str, Triage]:
        """Every stored triage row (including rows of papers merged away or not yet imported)."""
        return self._triage

    def entry(self, paper_id: str) -> Entry:
        """The paper with its triage."""
        return Entry(self.papers[paper_id], self.triage_of(paper_id))

    def entries(self) -> list[Entry]:
        """All papers with their triage, in corpus order (import order).

        A new list each call (callers may sort or filter it in place); the `Entry`
        objects are shared and immutable.
        """
        cached = self._entries
        if cached is None:
            # Built without the lock so a filter never waits for a write; a write that
            # lands meanwhile bumps the generation and the stale list is not kept.
            gen = self._entries_gen
            triage = self._triage
            default = Triage()
            cached = [Entry(p, triage.get(pid) or default) for pid, p in self.papers.items()]
            with self._mem_lock:
                if gen == self._entries_gen:
                    self._entries, self._entry_pos = cached, None
        return list(cached)

    def _forget_entries(self) -> None:
        with self._mem_lock:
            self._entries = self._entry_pos = None
            self._entries_gen += 1

    def _patch_entries(self, paper_ids: Iterable[str]) -> None:
        """Refresh the cached entries of papers whose triage just changed."""
        with self._mem_lock:
            self._entries_gen += 1
            entries = self._entries
            if entries is None:
                return
            if self._entry_pos is None:
                self._entry_pos = {e.id: n for n, e in enumerate(entries)}
            for pid in paper_ids:
                n = self._entry_pos.get(pid)
                if n is not None:
                    entries[n] = Entry(self.papers[pid], self.triage_of(pid))

    def canonical_id(self, paper_id: str) -> str:
        """Follow merge aliases: the id a paper has now."""
        seen = set()
        while paper_id in self.aliases and paper_id not in seen:
            seen.add(paper_id)
            paper_id = self.aliases[paper_id]
        return paper_id

    def open_possible(self) -> list[PossibleDuplicate]:
        """Possible duplicates still waiting for a decision, best score first."""
        out = []
        for pd in self.possible:
            if (
                pd.a in self.papers
                and pd.b in self.papers
                and _pair_key(pd.a, pd.b) not in (self.decisions)
            ):
                out.append(pd)
        out.sort(key=lambda pd: (-pd.score, pd.a, pd.b))
        return out

    def all_tags(self) -> dict[str, int]:
        """Every tag in use with its number of papers, most used first."""
        counts: dict[str, int] = {}
        # A copy: "db" worker threads may be writing the dict while the UI thread reads.
        for pid, t in list(self._triage.items()):
            if pid in self.papers:
                for tag in t.tags:
                    counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold())))

    # ------------------------------------------------------------------ writing

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the cross-process write lock (and the in-process one)."""
        if self.readonly:
            raise PapersiftError(f"{self.path}: the library is open read-only")
        with self._mem_lock:
            timeout = LOCK_TIMEOUT  # read now, not at open: tests and callers may tune it
            try:
                try:
                    self._file_lock.acquire(timeout=min(WAIT_NOTICE_AFTER, timeout))
                except Timeout:
                    if timeout <= WAIT_NOTICE_AFTER:
                        raise
                    if self.on_wait is not None:
                        self.on_wait(
                            f"{self.path}: waiting for another papersift process that is "
                            f"writing this library (up to {timeout:g} s)…"
                        )
                    self._file_lock.acquire(timeout=timeout - WAIT_NOTICE_AFTER)
            except Timeout:
                raise LibraryBusy(
                    f"{self.path}: another papersift process has been writing this library for "
                    f"over {timeout:g} s; try again when it has finished"
                ) from None
            except OSError as exc:
                raise PapersiftError(
                    f"{self.path}: cannot lock the library: {describe_os_error(exc)}"
                ) from exc
            try:
                if not self._swept:
                    self._swept = True
                    remove_orphaned_temp_files(self.path)
                yield
            finally:
                self._file_lock.release()

    def _write_meta(self, db: LibraryDb) -> None:
        table = db.table("meta")
        if table.get(doc_id="library") is None:
            table.put_many({"library": {"format": FORMAT_NAME, "version": TRIAGE_VERSION}})

    def modify_triage(
        self, paper_ids: Iterable[str], change: Callable[[Triage], Triage]
    ) -> dict[str, tuple[Triage, Triage]]:
        """Apply `change` to the triage of each paper and persist it in one write.

        The change is applied to the state on disk (re-read if another process wrote it),
        so concurrent writers never lose each other's updates. Returns {id: (before, after)}
        for the papers whose triage actually changed.
        """
        ids = list(dict.fromkeys(paper_ids))
        with self.locked():
            self._load_triage_if_changed()
            result: dict[str, tuple[Triage, Triage]] = {}
            for pid in ids:
                before = self.triage_of(pid)
                after = change(before)
                if after != before:
                    result[pid] = (before, after)
            if result:
                self.write_triage({pid: after for pid, (_, after) in result.items()})
        return result

    def set_triage(self, states: Mapping[str, Triage]) -> None:
        """Write these exact triage states (used by undo and imports)."""
        with self.locked():
            self._load_triage_if_changed()
            self.write_triage(dict(states))

    def _load_triage_if_changed(self) -> None:
        storage: AtomicJSONStorage = self._triage_db.storage  # type: ignore[assignment]
        if file_stamp(storage.path) != storage.stamp:
            self._load_triage()

    def write_triage(self, states: Mapping[str, Triage]) -> None:
        """Write these triage states as they are, in one write. Call inside `locked()`.

        Unlike `set_triage`, the triage on disk is not re-read first: for a caller that
        already holds the lock and computed `states` from what it read under it (an
        import, a merge).
        """
        self._backup_triage()
        self._write_meta(self._triage_db)
        table: KeyedTable = self._triage_db.table("triage")  # type: ignore[assignment]
        table.put_many({pid: t.to_dict() for pid, t in states.items()})
        self._triage.update(states)
        self._patch_entries(states)

    def _backup_triage(self) -> None:
        """Keep a few generations of triage.json: a last line of defence against mistakes."""
        now = time.time()
        source = self.path / "triage.json"
        if now - self._last_backup < BACKUP_INTERVAL or not source.exists():
            return
        self._last_backup = now
        backups = self.path / "backups"
        try:
            # Ask the disk, not this process: a script of many short CLI commands must not
            # rotate every generation away within seconds.
            newest = max(backups.glob("triage-*.json"), default=None)
            if newest is not None and now - newest.stat().st_mtime < BACKUP_INTERVAL:
                return
            backups.mkdir(exist_ok=True)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
            target = backups / f"triage-{stamp}.json"
            # Oldest out first, new one in after: a process killed in between leaves one
            # generation fewer, never one more than BACKUP_GENERATIONS.
            existing = sorted(backups.glob("triage-*.json"))
            for path in existing[: max(0, len(existing) - (BACKUP_GENERATIONS - 1))]:
                path.unlink(missing_ok=True)
            atomic_write_bytes(target, source.read_bytes())
        except (OSError, PapersiftError):
            # A backup that cannot be written must not block the user's change.
            pass

    def record_decision(self, a: str, b: str, verdict: str) -> None:
        """Remember the user's verdict ("merge" or "apart") on a possible-duplicate pair."""
        if verdict not in ("merge", "apart"):
            raise PapersiftError(f"unknown decision {verdict!r}: use merge or apart")
        key = _pair_key(a, b)
        decision = Decision(a=min(a, b), b=max(a, b), verdict=verdict, at=time.time())
        with self.locked():
            self._load_triage_if_changed()
            self._write_meta(self._triage_db)
            table: KeyedTable = self._triage_db.table("decisions")  # type: ignore[assignment]
            table.put_many(
                {key: {"a": decision.a, "b": decision.b, "verdict": verdict, "at": decision.at}}
            )
            self.decisions[key] = decision

    def forget_decision(self, a: str, b: str) -> None:
        """Drop a verdict (undo)."""
        key = _pair_key(a, b)
        with self.locked():
            table: KeyedTable = self._triage_db.table("decisions")  # type: ignore[assignment]
            table.delete_many([key])
            self.decisions.pop(key, None)

    def decision(self, a: str, b: str) -> str | None:
        """The recorded verdict on a pair, if any."""
        d = self.decisions.get(_pair_key(a, b))
        return d.verdict if d else None

    # Screening reviews (`papersift.review`) live in triage.json beside the user's other
    # decisions, so its backups cover them; each is one row, the review's list section.

    def review_rows(self) -> dict[str, dict[str, Any]]:
        """Every stored review, by name, as written (another process's writes included)."""
        table: KeyedTable = self._triage_db.table("reviews")  # type: ignore[assignment]
        return table.raw()

    def update_review(
        self, name: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Replace review `name` by `change(its row or None)` under the lock, computed
        from the row on disk now (None deletes it); returns the new row."""
        with self.locked():
            self._backup_triage()
            self._write_meta(self._triage_db)
            table: KeyedTable = self._triage_db.table("reviews")  # type: ignore[assignment]
            row = change(table.raw().get(name))
            if row is None:
                table.delete_many([name])
            else:
                table.put_many({name: row})
            return row

    # ------------------------------------------------------------------ citation keys
    # Pinned keys live in triage.json (table "citekeys", {id: {"key": K}}): they are the
    # user's, like tags, and go into its backups. See `citekeys` for what pinning means.

    def pinned_keys(self) -> dict[str, str]:
        """Paper id -> its pinned citation key, as on disk now."""
        table: KeyedTable = self._triage_db.table("citekeys")  # type: ignore[assignment]
        return {pid: str(doc["key"]) for pid, doc in table.raw().items() if doc.get("key")}

    def pin_keys(self, keys: Mapping[str, str]) -> dict[str, str]:
        """Pin these keys to their papers where a paper has none pinned yet; returns the
        ones newly pinned. A key already pinned to another paper (any case) is skipped:
        `citekeys.library_keys` never hands one out, so that only happens when another
        process pinned it meanwhile."""
        if not keys or self.readonly:
            return {}
        current = self.pinned_keys()
        taken = {k.casefold() for k in current.values()}
        new = {
            pid: key
            for pid, key in keys.items()
            if pid not in current and key.casefold() not in taken
        }
        if not new:
            return {}
        with self.locked():
            current = self.pinned_keys()
            taken = {k.casefold() for k in current.values()}
            fresh: dict[str, str] = {}
            for pid, key in new.items():
                if pid not in current and key.casefold() not in taken:
                    fresh[pid] = key
                    taken.add(key.casefold())
            if fresh:
                self._write_meta(self._triage_db)
                table: KeyedTable = self._triage_db.table("citekeys")  # type: ignore[assignment]
                table.put_many({pid: {"key": key} for pid, key in fresh.items()})
        return fresh

    def set_pinned_key(self, paper_id: str, key: str) -> None:
        """Pin `key` to one paper, replacing its pinned key; `PapersiftError` if another
        paper has it pinned (compared case-insensitively, as bibtex and biber do)."""
        with self.locked():
            for pid, other in self.pinned_keys().items():
                if pid != paper_id and other.casefold() == key.casefold():
                    raise PapersiftError(
                        f"the key {key!r} is already pinned to paper {pid}; choose another"
                    )
            self._write_meta(self._triage_db)
            table: KeyedTable = self._triage_db.table("citekeys")  # type: ignore[assignment]
            table.put_many({paper_id: {"key": key}})

    # ------------------------------------------------------------------ auto-exports
    # Registered in triage.json (table "auto_exports", {id: registration dict}); the
    # registration's meaning is `auto_export`'s.

    def auto_exports(self) -> dict[str, dict[str, Any]]:
        """Registration id -> registration, as on disk now."""
        table: KeyedTable = self._triage_db.table("auto_exports")  # type: ignore[assignment]
        return {k: dict(v) for k, v in table.raw().items()}

    def put_auto_export(self, reg_id: str, registration: dict[str, Any]) -> None:
        """Add or replace one auto-export registration."""
        with self.locked():
            self._write_meta(self._triage_db)
            table: KeyedTable = self._triage_db.table("auto_exports")  # type: ignore[assignment]
            table.put_many({reg_id: registration})

    def remove_auto_export(self, reg_id: str) -> None:
        """Forget one auto-export registration (the file it wrote stays)."""
        with self.locked():
            table: KeyedTable = self._triage_db.table("auto_exports")  # type: ignore[assignment]
            table.delete_many([reg_id])

    # ------------------------------------------------------------------ saved views
    # Kept in triage.json (table "views", {view id: row}): the user's, like tags, so its
    # backups cover them; the rows' meaning is `saved_views`'s.

    def saved_view_rows(self) -> dict[str, dict[str, Any]]:
        """View id -> saved view row, as on disk now (another process's writes included)."""
        table: KeyedTable = self._triage_db.table("views")  # type: ignore[assignment]
        return {k: dict(v) for k, v in table.raw().items()}

    def update_saved_views(
        self,
        change: Callable[[dict[str, dict[str, Any]]], Mapping[str, dict[str, Any] | None]],
    ) -> dict[str, dict[str, Any]]:
        """Apply `change(rows on disk now)` under the lock: it returns {id: new row, or
        None to delete}; each row it returns is one write, so a rename is never half done.
        Returns every row afterwards. `change` may raise to write nothing."""
        with self.locked():
            rows = self.saved_view_rows()
            updates = dict(change(rows))
            put = {k: v for k, v in updates.items() if v is not None}
            gone = [k for k, v in updates.items() if v is None and k in rows]
            if put or gone:
                self._backup_triage()
                self._write_meta(self._triage_db)
                table: KeyedTable = self._triage_db.table("views")  # type: ignore[assignment]
                table.put_many(put)
                table.delete_many(gone)
            rows.update(put)
            for key in gone:
                rows.pop(key, None)
            return rows

    def write_corpus(
        self,
        papers: Mapping[str, Paper],
        possible: Iterable[PossibleDuplicate],
        aliases: Mapping[str, str],
        *,
        expected_stamp: tuple[int, int, int] | bool | None = False,
    ) -> None:
        """Replace the corpus in one atomic write. Call inside `locked()`.

        `expected_stamp` (from `corpus_stamp()` when the caller read the corpus) guards
        against overwriting another process's import: a mismatch raises instead. Unread
        texts are read first (into the papers this library loaded, which `papers`
        usually holds), so a lazy open never writes a paper without its abstract.
        """
        self.ensure_texts()
        storage: AtomicJSONStorage = self._corpus_db.storage  # type: ignore[assignment]
        if expected_stamp is not False and file_stamp(storage.path) != expected_stamp:
            raise PapersiftError(
                f"{self.path}: another papersift process changed the library meanwhile; "
                "nothing was written, please try again"
            )
        possible_rows = {_pair_key(pd.a, pd.b): pd.to_dict() for pd in possible}
        storage.write_chunks(corpus_chunks(papers, possible_rows, aliases))
        self._drop_pending_texts()  # (none: read above; a write replaces them anyway)
        self.papers = dict(papers)
        self.possible = [PossibleDuplicate.from_dict(d) for d in possible_rows.values()]
        self.aliases = dict(aliases)
        self._forget_entries()

    @property
    def index_cache(self) -> Path:
        """Where the search index keeps its word index between runs (`query.SearchIndex`
        cache): derived data, safe to delete, checked against the texts before use."""
        return self.path / "search-index.npz"

    @property
    def rank_cache(self) -> Path:
        """Where the ranking keeps its feature rows between runs (`ranking.Ranker`):
        derived data, safe to delete, checked paper by paper against the texts."""
        return self.path / "rank-features.npz"

    def corpus_stamp(self) -> tuple[int, int, int] | None:
        """The on-disk state of corpus.json that the in-memory corpus reflects."""
        storage: AtomicJSONStorage = self._corpus_db.storage  # type: ignore[assignment]
        return storage.stamp

    def reload_corpus_if_changed(self) -> None:
        """Inside `locked()`: make sure the in-memory corpus is the one on disk, texts
        included (callers go on to read papers and write them back)."""
        storage: AtomicJSONStorage = self._corpus_db.storage  # type: ignore[assignment]
        if file_stamp(storage.path) != storage.stamp:
            self._load_corpus()
        else:
            self.ensure_texts()

    # ------------------------------------------------------------------ ui state

    def load_ui_state(self) -> dict[str, Any]:
        """Where the TUI was when it last closed ({} if unknown or unreadable)."""
        try:
            data = orjson.loads((self.path / "ui.json").read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}

    def last_closed(self) -> float:
        """When the TUI last closed this library (seconds since the epoch; 0.0 if it never
        ran here). It records that in ui.json (`CLOSED_AT`); a ui.json from before it did
        was last written as the TUI closed, so its modification time stands in."""
        if (closed := positive_number(self.load_ui_state().get(CLOSED_AT))) is not None:
            return closed
        try:
            return (self.path / "ui.json").stat().st_mtime
        except OSError:
            return 0.0

    def save_ui_state(self, state: dict[str, Any]) -> None:
        """Remember the TUI's place; failures are ignored (it is a convenience)."""
        if self.readonly:
            return
        with contextlib.suppress(PapersiftError, OSError, TypeError):
            atomic_write_bytes(self.path / "ui.json", orjson.dumps(state))

    def close(self) -> None:
        """Release file handles (nothing is buffered: every write is already on disk)."""
        self._drop_pending_texts()
        self._corpus_db.close()
        self._triage_db.close()


#: Temp files of the writes done under the lock (see `fsutil.atomic_write_bytes`).
_TEMP_PATTERNS = (".corpus.json.*.tmp", ".triage.json.*.tmp", "backups/.triage-*.json.*.tmp")


def remove_orphaned_temp_files(path: Path) -> int:
    """Delete temp files left by writers that were killed mid-write; call holding the lock.

    Every write of these files happens under the library lock, so a temp file seen
    while holding it belongs to a dead process. Without this, each crash during an
    import would leave a corpus-sized file behind for good.
    """
    removed = 0
    for pattern in _TEMP_PATTERNS:
        for tmp in Path(path).glob(pattern):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed += 1
    return removed


def backups(path: Path) -> list[Path]:
    """The triage backups of a library, newest first."""
    return sorted((Path(path) / "backups").glob("triage-*.json"), reverse=True)


def restore_backup(library: Path, backup: Path) -> None:
    """Replace triage.json with a backup; the current file is kept beside it."""
    library = Path(library)
    current = library / "triage.json"
    lock = FileLock(library / ".lock", timeout=LOCK_TIMEOUT)
    try:
        with lock:
            remove_orphaned_temp_files(library)
            if current.exists():
                shutil.copy2(current, library / "triage.json.before-restore")
            atomic_write_bytes(current, Path(backup).read_bytes())
    except Timeout:
        raise LibraryBusy(f"{library}: another papersift process is using the library") from None
    except OSError as exc:
        raise PapersiftError(f"{library}: cannot restore: {describe_os_error(exc)}") from exc


def environment_summary(path: Path) -> dict[str, Any]:
    """Sizes of the library's files, for `papersift doctor` and benchmarks."""
    out: dict[str, Any] = {}
    for name in ("corpus.json", "triage.json", "ui.json"):
        file = Path(path) / name
        out[name] = file.stat().st_size if file.exists() else None
    out["backups"] = len(backups(path))
    out["pid"] = os.getpid()
    return out
