"""Readers turn one file into `Record`s; the format is detected from the content.

Each format has its own module (`listing`, `bibtex`, `reading_list`) with a
`parse(text, file_name) -> ReadResult` function, and one record in the registry
(`readers.formats`), which detects formats and names them in messages. Readers never
touch the library: a file that fails raises `PapersiftError` before anything is imported.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papersift.models import PapersiftError, Record
from papersift.readers.formats import (
    FORMATS,
    Format,
    describe_formats,
    detect_format,
    format_named,
    format_names,
)

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "Format",
    "ReadResult",
    "declared_encoding",
    "decode",
    "decode_text",
    "describe_formats",
    "detect_format",
    "format_named",
    "format_names",
    "parse_text",
    "read_path",
]

#: Files bigger than this are refused before reading: no listing, .bib or reading
#: list a person keeps comes near it, and reading it whole would cost gigabytes.
MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class ReadResult:
    """What a reader found in one file: records in file order, plus warnings (file:line: …)."""

    file: str
    format: str
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Records kept although something about them was doubtful (each has a warning).
    kept_with_warnings: int = 0
    #: `dedupe.features` of `records`, when the process that read the file computed
    #: them (see `parallel.readers`); None otherwise.
    features: list[Any] | None = field(default=None, repr=False)


def decode(data: bytes, file_name: str) -> str:
    """Decode file bytes to text (see `decode_text`, which also says how)."""
    return decode_text(data, file_name)[0]


# Emacs' `-*- coding: latin-9-unix -*-` and JabRef's `% Encoding: ISO8859_1`.
_DECLARED = re.compile(rb"-\*-.*?\bcoding:\s*([\w.:+-]+)|^%\s*Encoding:\s*([\w.:+-]+)", re.I | re.M)
_LATIN_N = {"1": "1", "2": "2", "3": "3", "4": "4", "5": "9", "6": "10", "7": "13",
            "8": "14", "9": "15", "10": "16"}  # fmt: skip


def declared_encoding(head: bytes) -> str | None:
    """The Python codec a file's first lines declare (Emacs or JabRef style), if any."""
    found = _DECLARED.search(head)
    if not found:
        return None
    name = (found.group(1) or found.group(2)).decode("ascii").lower()
    name = re.sub(r"-(?:unix|dos|mac)$", "", name)
    latin = re.fullmatch(r"latin-?(\d+)", name)
    if latin and latin.group(1) in _LATIN_N:
        name = f"iso8859-{_LATIN_N[latin.group(1)]}"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


#: Where charset-normalizer finds several encodings equally clean (it often does on a
#: small file: cp1250 and cp1252 read "café" alike), the Western ones reference managers
#: write by default win.
_PREFERRED = ("cp1252", "iso8859_15", "latin_1")


def _detected(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best reading of `data` (codec name, text), or None."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for name in _PREFERRED:
        for match in matches:
            if match.encoding == name and match.chaos <= best.chaos + 0.01:
                return match.encoding, str(match)
    text = str(best)
    for name in _PREFERRED:
        # It lists one of the codecs that read the file alike (cp1250 for cp1252 when
        # only é and ü occur); name the Western one then.
        try:
            if data.decode(name) == text:
                return name, text
        except UnicodeDecodeError:
            continue
    return best.encoding, text


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """File bytes as text, and a note saying which encoding was used if not UTF-8.

    UTF-8 (BOM allowed) is read as is. UTF-16 with a byte-order mark (what some Windows
    editors save as "Unicode") is decoded too: its NUL bytes would otherwise make it
    look like a binary file. Other text is read in the encoding its first lines
    declare, else in the one charset-normalizer finds (imported only then: it costs
    ~0.1 s). Binary data, and text no encoding reads sensibly, are a clear error.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not data.startswith(
        codecs.BOM_UTF32_LE
    ):
        try:
            return data.decode("utf-16"), ""
        except UnicodeDecodeError as exc:
            raise PapersiftError(
                f"{file_name}: starts like UTF-16 text but is not valid UTF-16 "
                f"(offset {exc.start}); convert the file to UTF-8"
            ) from None
    if b"\x00" in data[:65536]:
        raise PapersiftError(
            f"{file_name}: looks like a binary file (NUL bytes), not {describe_formats()}"
        )
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError as exc:
        bad = exc.start
    declared = declared_encoding(data[:4096])
    if declared and declared != "utf-8":
        try:
            text = data.decode(declared)
        except UnicodeDecodeError:
            pass
        else:
            return text, f"{file_name}: read as {declared} (the encoding the file declares)"
    best = _detected(data)
    if best is not None and best[0] not in ("utf_8", "utf_16", "utf_32"):
        why = "; it declares " + declared + ", which does not fit" if declared else ""
        return best[1], (
            f"{file_name}: not UTF-8; read as {best[0]} (detected{why}): check its accented letters"
        )
    line = data.count(b"\n", 0, bad) + 1
    raise PapersiftError(
        f"{file_name}:{line}: not valid UTF-8 (byte 0x{data[bad]:02x} at offset {bad}) "
        "and no other encoding reads it sensibly; convert the file to UTF-8, e.g. "
        "iconv -f latin1 -t utf-8"
    )


#: No real title comes near this; a longer one is a broken or hostile file, and would
#: make every list view and search of the library slow.
MAX_TITLE_CHARS = 10_000
#: Abstracts and notes are paragraphs; a million characters is a book.
MAX_TEXT_CHARS = 1_000_000


def _check_sizes(result: ReadResult) -> None:
    for n, record in enumerate(result.records):
        where = f"{result.file}:{record.line}" if record.line else f"{result.file}: entry {n + 1}"
        if len(record.title) > MAX_TITLE_CHARS:
            raise PapersiftError(
                f"{where}: a {len(record.title):,}-character title (at most "
                f"{MAX_TITLE_CHARS:,}); nothing was imported"
            )
        if len(record.abstract) > MAX_TEXT_CHARS:
            raise PapersiftError(
                f"{where}: a {len(record.abstract):,}-character abstract (at most "
                f"{MAX_TEXT_CHARS:,}); nothing was imported"
            )
        if record.triage is not None and len(record.triage.note) > MAX_TEXT_CHARS:
            raise PapersiftError(
                f"{where}: a {len(record.triage.note):,}-character note (at most "
                f"{MAX_TEXT_CHARS:,}); nothing was imported"
            )


def parse_text(text: str, file_name: str, fmt: str | None = None) -> ReadResult:
    """Parse already-decoded text; `fmt` forces a format, else it is detected.

    Whatever the reader, records with absurdly long text are refused (file and line).
    """
    fmt = fmt or detect_format(text, file_name)
    result = format_named(fmt).parse(text, file_name)
    _check_sizes(result)
    return result


def _read_regular_file(path: Path) -> bytes:
    """The bytes of `path`, which must be a regular file of at most MAX_FILE_BYTES.

    Opened first, checked after (fstat on the open descriptor), so a file swapped or
    removed meanwhile cannot slip through. O_NONBLOCK: opening a FIFO must not wait
    forever for a writer; a device such as /dev/zero must not be read until memory runs
    out. The read is bounded too, in case the file grows while we read it. A pipe
    (`papersift import <(curl …)`) is read to its end; one with no writer reads as empty.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(handle.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise PapersiftError(f"{path}: is a directory, not a file")
        if stat.S_ISFIFO(st.st_mode):
            os.set_blocking(handle.fileno(), True)
        elif not stat.S_ISREG(st.st_mode):
            raise PapersiftError(
                f"{path}: not a regular file (a socket or device); save it to a file "
                "and import that"
            )
        if st.st_size > MAX_FILE_BYTES:
            raise PapersiftError(
                f"{path}: {st.st_size / 2**20:.0f} MiB is larger than the "
                f"{MAX_FILE_BYTES // 2**20} MiB papersift reads"
            )
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise PapersiftError(
            f"{path}: larger than the {MAX_FILE_BYTES // 2**20} MiB papersift reads"
        )
    return data


def read_path(path: Path, fmt: str | None = None) -> ReadResult:
    """Read and parse one file. Raises `PapersiftError` naming the file on any problem."""
    name = path.name
    try:
        data = _read_regular_file(path)
    except PapersiftError:
        raise
    except FileNotFoundError:
        raise PapersiftError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PapersiftError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise PapersiftError(f"{path}: cannot read: {exc.strerror or exc}") from None
    text, note = decode_text(data, name)
    del data  # the bytes are a second copy of a file that may be 200 MB
    if not text or text.isspace():
        raise PapersiftError(f"{path}: the file is empty")
    result = parse_text(text, name, fmt)
    if note:
        result.warnings.insert(0, note)
    return result
