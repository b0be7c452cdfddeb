"""Every export format in one table (`EXPORT_FORMATS`), and `export_entries`, which
writes one with the library's citation keys.

`papersift export --as`, the TUI's export screen and auto-exports read the table: a new
format is one row here (and its writer module). The file formats (BibTeX, RIS,
CSL-JSON) come first; the "copy as" formats of `copy_formats` follow.

Keys come from `citekeys.library_keys`; `export_entries` pins the keys it writes
(`Library.pin_keys`), so a key once exported or copied never changes (see `citekeys`).
Writers are imported when used, so reading the table costs the CLI nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from papersift.copy_formats import COPY_FORMATS
from papersift.models import Entry, Paper, PapersiftError

if TYPE_CHECKING:
    from papersift.store import Library

__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "ExportSettings",
    "export_entries",
    "export_path",
    "format_for_path",
    "paper_kind",
    "path_with_extension",
    "render",
]


@dataclass(frozen=True)
class ExportSettings:
    """How to write an export (the options `papersift export` and the TUI offer)."""

    #: False: BibTeX in pure ASCII with LaTeX escapes (classic bibtex); other formats
    #: are always UTF-8.
    unicode: bool = True
    #: Tags, notes, star and status (each format's own way of carrying them).
    include_triage: bool = True


@dataclass(frozen=True)
class ExportFormat:
    """One export format."""

    #: Its id: `--as NAME`, auto-export registrations.
    name: str
    #: For menus and messages.
    label: str
    #: A file of this format's usual ending ("" for the copy-only snippets).
    extension: str
    #: (entries, keys, settings) -> the text.
    write: Callable[[Sequence[Entry], Mapping[str, str], ExportSettings], str]


#: BibTeX entry types by what they are; other types count as "misc".
_KINDS = {
    "article": "article",
    "inproceedings": "inproceedings",
    "conference": "inproceedings",
    "proceedings": "proceedings",
    "book": "book",
    "inbook": "inbook",
    "incollection": "inbook",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "unpublished": "unpublished",
    "online": "online",
}
_CONFERENCE = re.compile(
    r"\b(?:conference|proceedings|proc\.|workshop|symposium|congress|meeting)\b", re.IGNORECASE
)


def paper_kind(paper: Paper) -> str:
    """What a paper is, as one of `_KINDS`' values or "misc": its BibTeX type when it
    came from a .bib file, else "inproceedings" or "article" by its venue, else "misc".
    RIS and CSL-JSON map it to their own types."""
    if paper.bibtex is not None:
        return _KINDS.get(paper.bibtex.entry_type.lower(), "misc")
    if paper.venue:
        return "inproceedings" if _CONFERENCE.search(paper.venue) else "article"
    return "misc"


def _bibtex(entries: Sequence[Entry], keys: Mapping[str, str], s: ExportSettings) -> str:
    from papersift.bibtex_export import ExportOptions, export_bibtex

    options = ExportOptions(unicode=s.unicode, include_triage=s.include_triage)
    return export_bibtex(entries, options, keys=keys)


def _ris(entries: Sequence[Entry], keys: Mapping[str, str], s: ExportSettings) -> str:
    from papersift.ris_export import export_ris

    return export_ris(entries, keys, include_triage=s.include_triage)


def _csl(entries: Sequence[Entry], keys: Mapping[str, str], s: ExportSettings) -> str:
    from papersift.csl_export import export_csl_json

    return export_csl_json(entries, keys, include_triage=s.include_triage)


def _copy(fmt: str) -> Callable[[Sequence[Entry], Mapping[str, str], ExportSettings], str]:
    def write(entries: Sequence[Entry], keys: Mapping[str, str], s: ExportSettings) -> str:
        from papersift.copy_formats import copy_as

        return copy_as(entries, fmt, keys=keys) + "\n"

    return write


EXPORT_FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("bibtex", COPY_FORMATS["bibtex"], ".bib", _bibtex),
        ExportFormat("ris", "RIS (Zotero, EndNote, Rayyan, ASReview)", ".ris", _ris),
        ExportFormat("csl-json", "CSL-JSON (pandoc, Zotero)", ".json", _csl),
        *(
            ExportFormat(name, label, ".md" if name == "markdown" else "", _copy(name))
            for name, label in COPY_FORMATS.items()
            if name != "bibtex"
        ),
    )
}


def format_for_path(path: str) -> str | None:
    """The file format a file name's ending suggests (`refs.ris` -> "ris"), or None."""
    lower = path.lower()
    for fmt in EXPORT_FORMATS.values():
        if fmt.extension in (".bib", ".ris", ".json") and lower.endswith(fmt.extension):
            return fmt.name
    return None


def path_with_extension(raw: str, fmt: str) -> str:
    """The path typed as `raw`, its ending changed to `fmt`'s when it has another file
    format's ending (or none); any other ending is the user's and stays."""
    extension = EXPORT_FORMATS[fmt].extension
    current = format_for_path(raw)
    if current == fmt:
        return raw
    if current is not None:
        return raw[: -len(EXPORT_FORMATS[current].extension)] + extension
    # A folder ("~", "papers/") is left for the save to name the missing file.
    if raw not in ("", "~") and not raw.endswith("/") and not Path(raw).suffix:
        return raw + extension
    return raw


def export_path(raw: str, fmt: str) -> Path:
    """Where saving `fmt` to the path typed as `raw` writes: `~` expanded, the format's
    ending added when the name has none, and made absolute against the working
    directory, so what is reported is where the file is (issue #18 item 10: "reading"
    was saved as ./reading and reported as "reading")."""
    typed = Path(raw).expanduser()
    if typed.is_dir():
        return typed.absolute()  # a folder is no file name: the caller says so
    return Path(path_with_extension(raw, fmt)).expanduser().absolute()


def render(
    entries: Sequence[Entry],
    fmt: str,
    keys: Mapping[str, str],
    settings: ExportSettings = ExportSettings(),
) -> str:
    """The entries in format `fmt` with these citation keys (a paper listed twice is
    written once). Unknown formats raise `PapersiftError`."""
    found = EXPORT_FORMATS.get(fmt)
    if found is None:
        raise PapersiftError(f"unknown export format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}")
    return found.write(list({e.id: e for e in entries}.values()), keys, settings)


def export_entries(
    library: Library,
    entries: Sequence[Entry],
    fmt: str,
    settings: ExportSettings = ExportSettings(),
    *,
    pin: bool = True,
) -> str:
    """The entries in format `fmt`, with the library's citation keys.

    With `pin` (the default; a read-only library cannot) the keys written are pinned:
    no later import or formula change alters them.
    """
    from papersift.citekeys import library_keys

    keys = library_keys(library)
    text = render(entries, fmt, keys, settings)
    if pin and not library.readonly:
        library.pin_keys({e.id: keys[e.id] for e in entries if e.id in keys})
    return text
