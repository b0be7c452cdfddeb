"""Answers already fetched, kept in the library (`lookup-cache/`), one small file each.

Adding a paper again, or a list that repeats ids, costs no request. A versioned arXiv
id (`2405.21046v1`) names text that never changes and is kept for good; an unversioned
one may gain a version, so it is asked again after a day; a DOI's record after a week.
A cache file that cannot be read is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from papersift.fsutil import atomic_write_bytes
from papersift.lookup.identifiers import Identifier
from papersift.models import PapersiftError, Record, Source

__all__ = ["DIR_NAME", "ResponseCache"]

DIR_NAME = "lookup-cache"
DAY = 86400.0
_FIELDS = ("title", "abstract", "authors", "year", "venue", "doi", "arxiv", "url")


def _max_age(ident: Identifier) -> float | None:
    if ident.kind == "arxiv":
        return None if ident.version else DAY
    return 7 * DAY


class ResponseCache:
    """The cache of one library directory."""

    def __init__(self, library_dir: Path, clock: Callable[[], float] = time.time) -> None:
        self.dir = Path(library_dir) / DIR_NAME
        self.clock = clock

    def _path(self, ident: Identifier) -> Path:
        digest = hashlib.blake2b(ident.key.encode(), digest_size=10).hexdigest()
        return self.dir / f"{digest}.json"

    def get(self, ident: Identifier) -> Record | None:
        """The record kept for `ident`, if there is one young enough. Its source is the
        service and, for arXiv, the version (see `service.source_of`)."""
        try:
            data: Any = orjson.loads(self._path(ident).read_bytes())
            if data["key"] != ident.key:
                return None
            age = self.clock() - float(data["fetched"])
            limit = _max_age(ident)
            if limit is not None and not 0 <= age < limit:
                return None
            fields = data["record"]
            record = Record(
                title=str(fields["title"]),
                source=Source(str(data["source"]), int(data["index"])),
                abstract=str(fields["abstract"]),
                authors=tuple(map(str, fields["authors"])),
                year=None if fields["year"] is None else int(fields["year"]),
                venue=str(fields["venue"]),
                doi=str(fields["doi"]),
                arxiv=str(fields["arxiv"]),
                url=str(fields["url"]),
            )
            return record
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, ident: Identifier, record: Record) -> None:
        """Keep `record` as the answer for `ident` (a failed write only loses the cache)."""
        data = {
            "key": ident.key,
            "fetched": self.clock(),
            "source": record.source.file,
            "index": record.source.index,
            "record": {name: getattr(record, name) for name in _FIELDS},
        }
        with contextlib.suppress(OSError, PapersiftError):
            self.dir.mkdir(exist_ok=True)
            atomic_write_bytes(self._path(ident), orjson.dumps(data))
