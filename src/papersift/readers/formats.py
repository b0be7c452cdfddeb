"""The import formats: one record per format, and detection from a file's content.

`FORMATS` is the registry, in detection order. `detect_format` asks each format's
content sniffer in that order; when none recognises the text, the file name decides
(`extensions`); else the text is the last format's, the one without a sniffer (a
listing, which accepts any text). Messages and argparse choices derive from the
registry (`describe_formats`, `format_names`), so no other module lists the formats.

A reader is loaded only when a file of its format is read, so reading a listing never
pays for bibtexparser's import. Sniffers therefore live here, not in the readers: each
is a cheap look at the text.

Adding a format (RIS, CSV…) is one reader module `readers/NAME.py` with a
`parse(text, file_name) -> ReadResult` function, one `Format(...)` line below (before
the listing, which takes anything), and its tests.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from papersift.models import PapersiftError

if TYPE_CHECKING:
    from papersift.readers import ReadResult

__all__ = [
    "CSV_TITLE_COLUMNS",
    "FORMATS",
    "Format",
    "describe_formats",
    "detect_format",
    "file_endings",
    "format_named",
    "format_names",
]


@dataclass(frozen=True)
class Format:
    """One import format."""

    #: The format's id: `ReadResult.format`, `parse_text(fmt=...)`, import reports.
    name: str
    #: What a user calls a file of this format, for messages ("a .bib file").
    description: str
    #: Reader module (`papersift.readers.NAME`) with `parse(text, file_name)`.
    module: str
    #: True if the text is surely of this format; None: any text (the last format only).
    sniff: Callable[[str], bool] | None
    #: File name endings that decide when no sniffer recognises the text.
    extensions: tuple[str, ...] = ()
    #: Parse time per byte relative to a listing, for sharing files between processes.
    cost_per_byte: float = 1.0
    #: How files of this format are usually named (besides `extensions`): which files a
    #: watched folder imports (`file_endings`). Detection never reads these.
    endings: tuple[str, ...] = ()

    def parse(self, text: str, file_name: str) -> ReadResult:
        """Parse `text` with this format's reader (imported on first use)."""
        reader: Callable[[str, str], ReadResult] = importlib.import_module(self.module).parse
        return reader(text, file_name)


_JSON_ARRAY = re.compile(r'\s*\[\s*(?:[\[{"\]\d-]|$)')
_BIBTEX_ENTRY = re.compile(r"^\s*@\s*[A-Za-z]+\s*[{(]", re.MULTILINE)


def _is_json(text: str) -> bool:
    head = text.lstrip()[:1]
    # A reading list is an object; a JSON array gets the reader's clear error. A listing
    # whose first title starts with "[" ("[Re] …") is not JSON.
    return head == "{" or (head == "[" and _JSON_ARRAY.match(text) is not None)


def _has_bibtex_entry(text: str) -> bool:
    return _BIBTEX_ENTRY.search(text[:200_000]) is not None


#: The names a screening CSV's title column goes by (ASReview's), for the sniffer below
#: and `readers.review_csv`.
CSV_TITLE_COLUMNS = ("title", "primary_title")
# Columns every ASReview or Rayyan file has one of besides the title. A CSV with none of
# them is still read as one when its name ends in .csv.
_CSV_OTHER_COLUMNS = frozenset(
    {"abstract", "authors", "record_id", "key", "year", "doi", "url", "notes", "keywords"}
    | {"journal", "included", "label_included", "asreview_label"}
)
_CSV_COLUMN_NAME = re.compile(r'\s*"?[A-Za-z][\w .()/-]{0,59}"?\s*|\s*')


def _is_review_csv(text: str) -> bool:
    # The first line is a header of short column names, a title column and another
    # known one among them; a listing's first line ("new", a title) or a .bib file's
    # never is.
    line = text[:8192].lstrip("\ufeff\r\n").partition("\n")[0].rstrip("\r")
    for delimiter in (",", ";", "\t"):
        fields = line.split(delimiter)
        if len(fields) < 2 or not all(_CSV_COLUMN_NAME.fullmatch(f) for f in fields):
            continue
        names = {f.strip(' "').lower() for f in fields}
        if names & set(CSV_TITLE_COLUMNS) and names & _CSV_OTHER_COLUMNS:
            return True
    return False


# A JSON array of objects (or an empty one): CSL-JSON. A reading list is an object.
_JSON_OBJECTS = re.compile(r"\ufeff?\s*\[\s*[{\]]")


def _is_csl_json(text: str) -> bool:
    return _JSON_OBJECTS.match(text) is not None


# An RIS record's first line, at the top or after a preamble ("Provider: …", Scopus).
_RIS_START = re.compile(r"^\ufeff?TY {1,2}- ", re.MULTILINE)


def _has_ris_record(text: str) -> bool:
    return _RIS_START.search(text[:4096]) is not None


FORMATS: tuple[Format, ...] = (
    # Content alone decides: a .json file that is not JSON is read as a listing.
    Format(
        "csl-json",
        "a CSL-JSON file",
        "papersift.readers.csl_json",
        _is_csl_json,
        endings=(".json",),
    ),
    Format(
        "reading-list",
        "a reading list",
        "papersift.readers.reading_list",
        _is_json,
        endings=(".json",),
    ),
    # Before BibTeX: an abstract in a CSV may hold a line that starts like an entry.
    Format(
        "review-csv",
        "a screening .csv file",
        "papersift.readers.review_csv",
        _is_review_csv,
        extensions=(".csv",),
        cost_per_byte=3.0,  # measured on Nagtegaal_2019.csv against the sample listings
    ),
    # Before BibTeX: an RIS abstract may hold "@article{" at a line start, not the reverse.
    Format(
        "ris",
        "an RIS file",
        "papersift.readers.ris",
        _has_ris_record,
        extensions=(".ris",),
        cost_per_byte=2.0,
    ),
    Format(
        "bibtex",
        "a .bib file",
        "papersift.readers.bibtex",
        _has_bibtex_entry,
        extensions=(".bib", ".bibtex"),
        cost_per_byte=5.0,  # dedupe's features included
    ),
    Format("listing", "a saved listing page", "papersift.readers.listing", None, endings=(".txt",)),
)


def format_named(name: str) -> Format:
    """The registered format called `name`; `PapersiftError` if there is none."""
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise PapersiftError(f"unknown format {name!r}")


def format_names() -> list[str]:
    """The formats' names in detection order (argparse choices, menus)."""
    return [f.name for f in FORMATS]


def describe_formats(conjunction: str = "or") -> str:
    """The formats in words: "a reading list, a .bib file or a saved listing page"."""
    words = [f.description for f in FORMATS]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def file_endings() -> tuple[str, ...]:
    """The name endings (lower case) of the files some format reads: `extensions` and
    `endings` of every row, for choosing the files of a watched folder."""
    return tuple(dict.fromkeys(e.lower() for f in FORMATS for e in (*f.extensions, *f.endings)))


def detect_format(text: str, file_name: str = "") -> str:
    """The name of the format of `text`: the first format whose sniffer recognises it,
    else one whose extension `file_name` has, else the catch-all (a listing)."""
    for fmt in FORMATS:
        if fmt.sniff is not None and fmt.sniff(text):
            return fmt.name
    lower = file_name.lower()
    for fmt in FORMATS:
        if fmt.extensions and lower.endswith(fmt.extensions):
            return fmt.name
    return next(f.name for f in FORMATS if f.sniff is None)
