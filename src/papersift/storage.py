"""The files of a library on disk: TinyDB storage written atomically, and corpus.json's layout.

`AtomicJSONStorage` is the TinyDB storage of every library file (temp file, fsync,
rename; reads cached until the file changes, by stat). corpus.json is written one paper a
line, the light part of every paper first and their texts last (`corpus_chunks`), so a
reader can parse the list (`parse_corpus_head`) and leave the texts, most of the bytes,
for later (`CorpusTexts`). `store.Library` is built on these; nothing else needs them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from papersift.fsutil import atomic_write_bytes, atomic_write_chunks, describe_os_error
from papersift.models import Paper, PapersiftError

__all__ = [
    "CORPUS_VERSION",
    "FORMAT_NAME",
    "AtomicJSONStorage",
    "CorpusTexts",
    "KeyedTable",
    "LibraryDb",
    "corpus_chunks",
    "file_stamp",
    "member_lines",
    "open_db",
    "parse_corpus_head",
]

FORMAT_NAME = "papersift-library"
#: Written to corpus.json. Version 3 keeps the abstracts and BibTeX origins of all papers
#: in a "texts" table after the rest (see `storage.corpus_chunks`), so a list can be shown before
#: they are read. Version 2 may store a BibTeX field as `[name]` without its raw value
#: when the paper's own data gives it back (see `models.Paper.texts_dict`); version 1
#: files (every raw value written out) and version 2 files load as they are.
CORPUS_VERSION = 3


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        # EACCES on the directory, EIO, ELOOP…: the documented error, not a traceback.
        raise PapersiftError(f"{path}: cannot read: {describe_os_error(exc)}") from exc
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class AtomicJSONStorage(Storage):
    """A TinyDB storage that writes atomically and caches reads until the file changes.

    TinyDB's own JSONStorage rewrites the file in place (a crash truncates it) and
    re-parses the whole file on every read. This one parses once, serves reads from
    memory while the file's inode/size/mtime are unchanged, and re-reads when another
    process replaced it.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.readonly = readonly
        self._cache: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None

    def read(self) -> dict[str, Any] | None:
        stamp = file_stamp(self.path)
        if stamp is None:
            self._cache, self._stamp = None, None
            return None
        if self._cache is not None and stamp == self._stamp:
            return self._cache
        data = self._parse()
        self._cache, self._stamp = data, stamp
        return data

    def read_corpus(self) -> tuple[dict[str, Any] | None, CorpusTexts | None]:
        """The corpus file parsed and checked, without keeping it (None: no file).

        For the corpus, whose parsed form (200+ MB at 100k papers) would otherwise stay
        alive beside the `Paper` objects built from it. The stamp is recorded as by
        `read()`, so `stamp` still tells whether another process replaced the file.

        A version 3 file in the layout `corpus_chunks` writes comes back without its
        "texts" table, which is left unread behind the returned `CorpusTexts` (the caller
        reads it now or later, and closes it). Any other file comes back whole.
        """
        self._cache = None
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 (may stay open for the texts)
        except FileNotFoundError:
            self._stamp = None
            return None, None
        except OSError as exc:
            raise PapersiftError(f"{self.path}: cannot read: {describe_os_error(exc)}") from exc
        try:
            # The stamp of the file actually read, not of the path a moment before: the
            # texts read later come from this very file (the handle stays open).
            st = os.fstat(handle.fileno())
            data, has_texts = parse_corpus_head(handle)
        except BaseException:
            handle.close()
            raise
        if not has_texts:
            handle.close()
        if data is None:
            data = self._parse()
        self._stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        return data, (CorpusTexts(handle, self.path) if has_texts else None)

    def _parse(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise PapersiftError(f"{self.path}: cannot read: {describe_os_error(exc)}") from exc
        if not raw.strip():
            data: Any = {}
        else:
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise PapersiftError(
                    f"{self.path}: the library file is damaged ({exc}); it was left as it is. "
                    "Run `papersift doctor` to restore the last good backup."
                ) from None
        del raw
        if not isinstance(data, dict):
            raise PapersiftError(
                f"{self.path}: not a papersift library file (top level is not "
                "an object); it was left as it is"
            )
        # TinyDB assumes {table: {id: document}}; anything else would surface later as
        # an AttributeError deep inside it, so say here which part is malformed.
        for name, table in data.items():
            if not isinstance(table, dict) or not all(type(d) is dict for d in table.values()):
                raise PapersiftError(
                    f"{self.path}: the library file is damaged ($.{name} is not an object "
                    "of records); it was left as it is. Run `papersift doctor`."
                )
        return data

    def write(self, data: dict[str, Any]) -> None:
        if self.readonly:
            raise PapersiftError(f"{self.path}: the library is open read-only")
        try:
            atomic_write_bytes(self.path, orjson.dumps(data))
        except BaseException:
            # TinyDB mutated the cached dict before calling write(): it no longer
            # matches the disk, so forget it and re-read next time.
            self._cache, self._stamp = None, None
            raise
        self._cache, self._stamp = data, file_stamp(self.path)

    def write_chunks(self, chunks: Iterable[bytes]) -> None:
        """Write the file from pieces of JSON, atomically, without caching a parsed form.

        The whole document never exists in memory at once, neither as objects nor as
        bytes: at 100k papers that was 400 MB of the import's peak.
        """
        if self.readonly:
            raise PapersiftError(f"{self.path}: the library is open read-only")
        self._cache, self._stamp = None, None
        atomic_write_chunks(self.path, chunks)
        self._stamp = file_stamp(self.path)

    @property
    def stamp(self) -> tuple[int, int, int] | None:
        """The file state the cache reflects (None before the first read)."""
        return self._stamp


#: Lines of a corpus parsed per `orjson.loads` call: nearly the speed of one call for
#: the whole table, without the whole table's bytes and their copy in memory at once.
LINES_PER_PARSE = 2048


def _object_members(lines: list[bytes], *, last: bool) -> dict[str, Any]:
    """Members of a JSON object written one per line (`"key":value,`), parsed at once.

    Every line ends with a comma except the object's last: a batch that is not the
    last must end with one, the last must not (else the file is not JSON)."""
    chunk = b"".join(lines).rstrip()
    if last == chunk.endswith(b","):
        raise ValueError("a comma is missing or left over between records")
    if not last:
        chunk = chunk[:-1]
    data = orjson.loads(b"{" + chunk + b"}")
    if not all(type(d) is dict for d in data.values()):
        raise ValueError("a record is not an object")
    return data


def parse_corpus_head(handle: BinaryIO) -> tuple[dict[str, Any] | None, bool]:
    """A corpus in the layout `corpus_chunks` writes (or version 2's), read up to its
    "texts" table: (data, True) with `handle` at the table's first line, (data, False)
    for a version 2 file (read to its end), or (None, False) for any other layout or
    any doubt (then `_parse` reads it, and reports it if damaged)."""
    papers: dict[str, Any] = {}
    batch: list[bytes] = []
    try:
        head = handle.readline()
        if not (head.startswith(b'{"meta":') and head.endswith(_PAPERS_OPEN)):
            return None, False
        for line in handle:
            if line.startswith(_PAPERS_CLOSE):
                break
            if len(batch) >= LINES_PER_PARSE:
                papers.update(_object_members(batch, last=False))
                batch.clear()
            batch.append(line)
        else:
            return None, False
        papers.update(_object_members(batch, last=True))
        data = orjson.loads(head[: -len(_PAPERS_OPEN)] + b"}")
        rest = line[len(b"},") :]  # '"possible":…'
        has_texts = rest.endswith(_TEXTS_OPEN)
        if has_texts:
            rest = rest[: -len(_TEXTS_OPEN)] + b"}"
        else:
            rest += handle.read()  # version 2: the aliases and the closing brace
        rest = orjson.loads(b"{" + rest)
    except (OSError, ValueError):  # orjson.JSONDecodeError is a ValueError
        return None, False
    if (
        not isinstance(data, dict)
        or not isinstance(rest, dict)
        or rest.keys() & {"papers", "texts"}
    ):
        return None, False
    data["papers"] = papers
    data.update(rest)
    for table in data.values():
        if not isinstance(table, dict) or not all(type(d) is dict for d in table.values()):
            return None, False
    return data, has_texts


class CorpusTexts:
    """The "texts" table of a version 3 corpus file, not read yet: an open handle at the
    table's first line, so what is read later comes from the file the rest came from,
    whatever another process has written since."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self._handle = handle
        self.path = path

    def batches(self) -> Iterator[dict[str, Any]]:
        """The table in pieces of {paper id: texts}; PapersiftError if it is damaged."""
        batch: list[bytes] = []
        try:
            for line in self._handle:
                if line.startswith(b"}"):
                    if line.rstrip() != b"}}" or self._handle.read().strip():
                        raise ValueError("unexpected data after the texts")
                    yield _object_members(batch, last=True)
                    return
                if len(batch) >= LINES_PER_PARSE:
                    yield _object_members(batch, last=False)
                    batch.clear()
                batch.append(line)
            raise ValueError("the file ends inside the texts")
        except (OSError, ValueError) as exc:
            raise PapersiftError(
                f"{self.path}: the library file is damaged ($.texts: {exc}); it was left as "
                "it is. Run `papersift doctor`."
            ) from None

    def close(self) -> None:
        """Release the file (a no-op when already closed)."""
        self._handle.close()


class KeyedTable(Table):
    """A TinyDB table whose document ids are papersift's string ids, not counters."""

    document_id_class = str  # type: ignore[assignment]

    def put_many(self, docs: Mapping[str, dict[str, Any]]) -> None:
        """Insert or replace many documents in one file write (TinyDB has no bulk upsert)."""
        if docs:
            self._update_table(lambda table: table.update(docs))

    def delete_many(self, doc_ids: Iterable[str]) -> None:
        """Remove documents by id in one write; missing ids are ignored."""
        ids = list(doc_ids)
        if ids:
            self._update_table(lambda table: [table.pop(i, None) for i in ids])

    def raw(self) -> dict[str, Any]:
        """The table's documents as stored (no copies: do not mutate)."""
        return dict(self._read_table())


class LibraryDb(TinyDB):
    table_class = KeyedTable


def open_db(path: Path, readonly: bool) -> LibraryDb:
    return LibraryDb(path, storage=AtomicJSONStorage, readonly=readonly)


#: corpus.json as written here has one paper per line (JSON whitespace, so still plain
#: TinyDB JSON), the light part of every paper first and their texts last::
#:
#:     {"meta":{…},"papers":{
#:     "id1":{"id":"id1","title":…},
#:     "id2":{…}
#:     },"possible":{…},"aliases":{…},"texts":{
#:     "id1":{"abstract":…,"bibtex":{…}},
#:     "id2":{…}
#:     }}
#:
#: JSON strings hold no raw newline, so a line starting with `},"possible":` can only be
#: that line: a reader parses the papers in batches of lines (`parse_corpus_head`) and can stop
#: there, leaving the texts, most of the bytes, for later (`CorpusTexts`).
_PAPERS_OPEN = b',"papers":{\n'
_PAPERS_CLOSE = b'},"possible":'
_TEXTS_OPEN = b',"texts":{\n'


def corpus_chunks(
    papers: Mapping[str, Paper],
    possible: Mapping[str, dict[str, Any]],
    aliases: Mapping[str, str],
) -> Iterator[bytes]:
    """corpus.json as pieces, in the layout above, one paper serialized at a time."""
    dumps = orjson.dumps
    meta = {"library": {"format": FORMAT_NAME, "version": CORPUS_VERSION}}
    yield b'{"meta":' + dumps(meta) + _PAPERS_OPEN
    yield from member_lines((pid, paper.light_dict()) for pid, paper in papers.items())
    yield b'\n},"possible":' + dumps(possible)
    yield b',"aliases":' + dumps({old: {"to": new} for old, new in aliases.items()})
    yield _TEXTS_OPEN
    texts = ((pid, paper.texts_dict()) for pid, paper in papers.items())
    yield from member_lines((pid, t) for pid, t in texts if t)
    yield b"\n}}"


def member_lines(members: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[bytes]:
    """`"key":value` one per line, comma-separated (no newline after the last)."""
    dumps = orjson.dumps
    first = True
    batch: list[bytes] = []
    for key, value in members:
        if not first:
            batch.append(b",\n")
        first = False
        batch.append(dumps(key))
        batch.append(b":")
        batch.append(dumps(value))
        if len(batch) >= 4096:
            yield b"".join(batch)
            batch.clear()
    yield b"".join(batch)
