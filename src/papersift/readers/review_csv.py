"""Reader for labelled screening CSVs, as ASReview LAB and Rayyan write them.

One row is one record. Columns are found by name, case and surrounding spaces ignored,
with ASReview's alternative names (`primary_title`, `notes_abstract`, `first_authors`…)
and its order of label columns (`asreview_label` of its own exports first, then
`included`, `label`, `final_included`, `label_included`, …), so a file reads here as it
reads in ASReview. A label is 1 (included), 0 (excluded) or empty (unlabelled); pandas'
`1.0`/`0.0` count too. Rayyan's export has no label column: its decisions are inside
`notes` (`RAYYAN-INCLUSION: {"Alice"=>"Included", "Bob"=>"Excluded"}`); agreed decisions
become labels, a "Maybe" or a disagreement leaves the record unlabelled (with a warning).

The delimiter is the one of `,`, `;` and tab that makes the header line name a title
column (not `csv.Sniffer`, which guesses from the whole text and is easily misled by
abstracts). Errors name the file and the line a row starts on.

`parse_review_csv`/`read_review_csv` give `ReviewRecord`s (the ranking simulation's
input); `parse` is the import-format registry's entry: labels become triage statuses
(1 → to-read, 0 → discarded, none → inbox).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from papersift.models import PapersiftError, Record, Source, Triage
from papersift.normalize import normalize_doi
from papersift.readers import MAX_TEXT_CHARS, ReadResult, decode
from papersift.readers.formats import CSV_TITLE_COLUMNS
from papersift.textsafe import one_line

__all__ = [
    "LABEL_COLUMNS",
    "ReviewRecord",
    "parse",
    "parse_review_csv",
    "read_review_csv",
    "split_authors",
]

#: ASReview's label columns in its order of preference (asreview.data.base, 3.0.8).
LABEL_COLUMNS = (
    "asreview_label",
    "included",
    "label",
    "final_included",
    "label_included",
    "included_label",
    "included_final",
    "included_flag",
    "include",
)
_ABSTRACT_COLUMNS = ("abstract", "notes_abstract", "abstract note")
_AUTHOR_COLUMNS = ("authors", "first_authors", "author names", "author")
#: `key` is Rayyan's record id.
_ID_COLUMNS = ("record_id", "key")
_VENUE_COLUMNS = ("journal", "secondary_title", "journal_name", "venue")
_DELIMITERS = (",", ";", "\t")
_LABEL_VALUES = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "": None}
_STATUS_OF_LABEL = {1: "to-read", 0: "discarded"}

_RAYYAN_INCLUSION = re.compile(r"RAYYAN-INCLUSION:\s*\{(.*?)\}", re.DOTALL)
_RAYYAN_VOTE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*"(\w+)"')
_NEWLINES = re.compile(r"\r\n?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_AND = re.compile(r"\s+(?:and|&)\s+")
# A name's generational suffix, written after a comma ("H. E. Kann, Jr.").
_SUFFIX = re.compile(r"(?:jr|sr|ii|iii|iv|2nd|3rd)\.?", re.IGNORECASE)
# An initial ("J", "J.", "G.T.", "J.-P."): a given name, never a family name.
_INITIAL = re.compile(r"[^\W\d_]|(?:[^\W\d_]\.-?)+")
_PARTICLES = frozenset(
    ("van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "dos")
)
_ET_AL = re.compile(r",?\s*\bet\s+al\b\.?$", re.IGNORECASE)
_NOT_AUTHORS = frozenset(("others", "and others"))


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """One row of a screening CSV."""

    #: As in the file ("1", "42"); without a record_id column, the row number from 0.
    record_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    year: int | None
    doi: str
    #: 1 included, 0 excluded, None unlabelled.
    label: int | None
    #: 1-based line in the file where the row starts.
    line: int


@dataclass(slots=True)
class _Table:
    """What `_read` found: the records, per record the venue and URL (which the import
    keeps but the simulation does not need), and the warnings."""

    records: list[ReviewRecord]
    extras: list[tuple[str, str]]
    warnings: list[str]


def read_review_csv(path: Path | str) -> list[ReviewRecord]:
    """The records of the screening CSV at `path` (UTF-8, a BOM allowed)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PapersiftError(f"{path}: no such file") from None
    except OSError as exc:
        raise PapersiftError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_review_csv(decode(data, path.name), path.name)


def parse_review_csv(text: str, file_name: str) -> list[ReviewRecord]:
    """The records of screening-CSV `text`, in file order; `PapersiftError` (file:line)
    on a file that is not one."""
    return _read(text, file_name).records


def parse(text: str, file_name: str) -> ReadResult:
    """The import-format entry: one `Record` per row with a title or an abstract; a
    label becomes the record's triage status (1 → to-read, 0 → discarded)."""
    table = _read(text, file_name)
    result = ReadResult(file=file_name, format="review-csv", warnings=table.warnings)
    for review, (venue, url) in zip(table.records, table.extras, strict=True):
        title = review.title
        if not title:
            if not review.abstract:
                result.warnings.append(
                    f"{file_name}:{review.line}: record {review.record_id} has neither a "
                    "title nor an abstract: skipped"
                )
                continue
            title = f"untitled (record {review.record_id})"
            result.warnings.append(
                f"{file_name}:{review.line}: record {review.record_id} has no title: kept as "
                f"{title!r}"
            )
        status = _STATUS_OF_LABEL.get(review.label) if review.label is not None else None
        result.records.append(
            Record(
                title=title,
                source=Source(file=file_name, index=len(result.records)),
                line=review.line,
                abstract=review.abstract,
                authors=review.authors,
                year=review.year,
                venue=venue,
                doi=review.doi,
                url=url,
                triage=Triage(status=status) if status else None,
            )
        )
    return result


def split_authors(value: str) -> tuple[str, ...]:
    """The names in an authors cell, as the tools write them.

    ASReview joins names with ";" ("Smith, J.; Doe, A."); Rayyan and the ASReview
    datasets with commas and a final " and " ("D. Pavlinac, R. Langer and L. Deftos");
    BibTeX-minded exports with " and " between "Family, Given" names. A comma
    followed by a suffix stays in the name ("V. H. Bono, Jr.").
    """
    value = _ET_AL.sub("", " ".join(value.split()))
    if not value:
        return ()
    if ";" in value:
        names = value.split(";")
    else:
        parts = _AND.split(value)
        if all(_is_inverted(p) for p in parts):
            names = parts
        else:
            names = [name for part in parts for name in _comma_names(part)]
    names = [n.strip(" ,") for n in names]
    # A "name" without a letter is debris of a mangled export ("J. Cobo and .").
    return tuple(n for n in names if any(c.isalpha() for c in n) and n.lower() not in _NOT_AUTHORS)


def _is_inverted(name: str) -> bool:
    """True for one "Family, Given" name ("Smith, J.", "van der Berg, Jan"): one comma,
    no initial before it (unlike "S. Arrenbrecht, G. Mitchell" or PubMed's "Smith J,
    Doe A"), and not two full names ("John Smith, Jane Doe")."""
    if name.count(",") != 1:
        return False
    family, given = (s.split() for s in name.split(","))
    if not family or not given or _SUFFIX.fullmatch(" ".join(given)):
        return False
    if any(_INITIAL.fullmatch(w) for w in family):
        return False
    core = [w for w in family if w.lower() not in _PARTICLES]
    return not (len(core) >= 2 and len(given) >= 2)


def _comma_names(part: str) -> list[str]:
    names: list[str] = []
    for piece in part.split(","):
        piece = piece.strip()
        if names and _SUFFIX.fullmatch(piece):
            names[-1] = f"{names[-1]}, {piece}"
        elif piece:
            names.append(piece)
    return names


def _rayyan_label(notes: str) -> tuple[int | None, bool]:
    """The label Rayyan's decisions in `notes` agree on, and whether there were
    decisions that did not agree (a "Maybe", or reviewers who differ)."""
    match = _RAYYAN_INCLUSION.search(notes)
    if match is None:
        return None, False
    votes = {vote.casefold() for _, vote in _RAYYAN_VOTE.findall(match.group(1))}
    if votes == {"included"}:
        return 1, False
    if votes == {"excluded"}:
        return 0, False
    return None, bool(votes)


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where each field is in a row (None: the file has no such column)."""

    header: tuple[str, ...]
    line: int
    fields: dict[str, int | None]

    @classmethod
    def of(cls, header: list[str], line: int) -> _Columns:
        index: dict[str, int] = {}
        for n, name in enumerate(header):
            index.setdefault(name.strip().lower(), n)

        def first(names: tuple[str, ...]) -> int | None:
            return next((index[n] for n in names if n in index), None)

        fields = {
            "id": first(_ID_COLUMNS),
            "title": first(CSV_TITLE_COLUMNS),
            "abstract": first(_ABSTRACT_COLUMNS),
            "authors": first(_AUTHOR_COLUMNS),
            "year": first(("year", "publication_year")),
            "doi": first(("doi",)),
            "url": first(("url",)),
            "venue": first(_VENUE_COLUMNS),
            "label": first(LABEL_COLUMNS),
            "notes": first(("notes",)),
        }
        return cls(tuple(header), line, fields)

    def name(self, key: str) -> str:
        """The file's own name for the column of `key`."""
        n = self.fields[key]
        return "" if n is None else self.header[n].strip()

    def cell(self, row: list[str], key: str) -> str:
        n = self.fields[key]
        return "" if n is None else row[n]


def _delimiter(header_line: str) -> str | None:
    """The delimiter that splits `header_line` into the most fields, one of them a
    title column; None when no delimiter does."""
    best: tuple[int, str] | None = None
    for delimiter in _DELIMITERS:
        fields = next(csv.reader([header_line], delimiter=delimiter), [])
        if {f.strip().lower() for f in fields} & set(CSV_TITLE_COLUMNS) and (
            best is None or len(fields) > best[0]
        ):
            best = (len(fields), delimiter)
    return best[1] if best else None


def _quoted(value: str) -> str:
    return repr(one_line(value, 60))


def _rows(text: str, file_name: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows of CSV `text` with the line each starts on."""
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = _delimiter(first)
    if delimiter is None:
        raise PapersiftError(
            f"{file_name}:1: no title column in the header line ({_quoted(first)}); "
            f"a screening CSV needs one named {' or '.join(CSV_TITLE_COLUMNS)}"
        )
    # Abstracts can exceed the csv module's default 128 KiB field limit; the readers'
    # own size check (readers.MAX_TEXT_CHARS) is the limit that applies.
    if csv.field_size_limit() <= MAX_TEXT_CHARS:
        csv.field_size_limit(MAX_TEXT_CHARS + 1)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        line = rows.line_num + 1
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            why = str(exc)
            if why == "unexpected end of data":
                why = "a quoted field that starts here is never closed"
            raise PapersiftError(f"{file_name}:{line}: not valid CSV: {why}") from None
        if row and (len(row) > 1 or row[0].strip()):
            yield line, row


def _read(text: str, file_name: str) -> _Table:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise PapersiftError(f"{file_name}: the file is empty")
    rows = _rows(text, file_name)
    header_line, header = next(rows)
    cols = _Columns.of(header, header_line)
    table = _Table([], [], [])
    seen: dict[str, int] = {}
    undecided: list[int] = []
    for line, row in rows:
        if len(row) != len(cols.header):
            raise PapersiftError(
                f"{file_name}:{line}: {len(row)} field{'s' * (len(row) != 1)}, but the header "
                f"(line {cols.line}) "
                f"has {len(cols.header)}; is a quote or a delimiter missing?"
            )
        if cols.fields["id"] is None:
            record_id = str(len(table.records))
        else:
            record_id = cols.cell(row, "id").strip()
            if not record_id:
                raise PapersiftError(f"{file_name}:{line}: the record has no {cols.name('id')}")
        if record_id in seen:
            raise PapersiftError(
                f"{file_name}:{line}: {cols.name('id') or 'record_id'} {_quoted(record_id)} "
                f"again (first on line {seen[record_id]}); every record needs its own"
            )
        seen[record_id] = line
        if cols.fields["label"] is not None:
            raw_label = cols.cell(row, "label").strip()
            if raw_label not in _LABEL_VALUES:
                raise PapersiftError(
                    f"{file_name}:{line}: {cols.name('label')} is {_quoted(raw_label)}, "
                    "expected 1, 0 or empty"
                )
            label = _LABEL_VALUES[raw_label]
        else:
            label, disagreed = _rayyan_label(cols.cell(row, "notes"))
            if disagreed:
                undecided.append(line)
        year = _YEAR.search(cols.cell(row, "year"))
        table.records.append(
            ReviewRecord(
                record_id=record_id,
                title=" ".join(cols.cell(row, "title").split()),
                abstract=_NEWLINES.sub("\n", cols.cell(row, "abstract")).strip(),
                authors=split_authors(cols.cell(row, "authors")),
                year=int(year.group(1)) if year else None,
                doi=normalize_doi(cols.cell(row, "doi")),
                label=label,
                line=line,
            )
        )
        table.extras.append(
            (" ".join(cols.cell(row, "venue").split()), cols.cell(row, "url").strip())
        )
    if not table.records:
        raise PapersiftError(f"{file_name}: a header line but no records")
    if undecided:
        shown = ", ".join(map(str, undecided[:5])) + (", …" if len(undecided) > 5 else "")
        table.warnings.append(
            f"{file_name}:{undecided[0]}: {len(undecided)} record(s) with a Maybe or "
            f"disagreeing Rayyan decisions were left unlabelled (lines {shown})"
        )
    return table
