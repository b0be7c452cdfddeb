"""Reader for scraped "daily papers" listing pages (the format of `sample_data/`).

The page text is header noise ("new", "Subscribe", "Daily Papers", a date such as
"Mar 13", …) followed by title line / abstract line pairs, with or without blank lines
between them. "Subscribe" may be glued to the front of the first title.
"""

from __future__ import annotations

import re

from papersift.models import PapersiftError, Record, Source
from papersift.readers import ReadResult

NOISE_LINES = frozenset(
    s.casefold()
    for s in (
        "new",
        "Subscribe",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "byAK and the research community",
        "Daily Papers",
        "Trending Papers",
    )
)
_DATE_LINE = re.compile(
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(,? \d{4})?",
    re.IGNORECASE,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")
#: A line longer than this cannot be a title or an abstract of a listing.
MAX_LINE = 100_000
#: Titles seen in real listings are under 200 characters; abstracts are paragraphs.
_TITLE_MAX = 300


def _is_noise(line: str) -> bool:
    return line.casefold() in NOISE_LINES or bool(_DATE_LINE.fullmatch(line))


def _looks_like_abstract(line: str) -> bool:
    """An abstract is a paragraph; a title is a short line without a closing full stop."""
    if len(line) > _TITLE_MAX:
        return True
    return line.endswith((".", "…", "...")) and len(line.split()) >= 12


def parse(text: str, file_name: str) -> ReadResult:
    """Parse listing text into records (title + abstract), warning about odd lines."""
    result = ReadResult(file=file_name, format="listing")
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if len(line) > MAX_LINE:
            raise PapersiftError(
                f"{file_name}:{number}: a {len(line):,}-character line is neither a title nor "
                "an abstract; is this really a paper listing?"
            )
        if not line or _is_noise(line):
            continue
        line = _GLUED_SUBSCRIBE.sub("", line).strip()
        if line:
            lines.append((number, line))

    pending: tuple[int, str] | None = None  # a title waiting for its abstract

    def emit(title_line: int, title: str, abstract: str) -> None:
        source = Source(file=file_name, index=len(result.records))
        result.records.append(
            Record(title=title, abstract=abstract, source=source, line=title_line)
        )

    for i, (number, line) in enumerate(lines):
        if pending is None:
            if _looks_like_abstract(line):
                result.warnings.append(
                    f"{file_name}:{number}: a paragraph with no title line before it was skipped"
                )
            else:
                pending = (number, line)
            continue
        next_is_abstract = i + 1 < len(lines) and _looks_like_abstract(lines[i + 1][1])
        if not _looks_like_abstract(line) and next_is_abstract:
            # `line` is the next paper's title: the pending title has no abstract.
            result.warnings.append(f"{file_name}:{pending[0]}: title without an abstract: kept")
            emit(pending[0], pending[1], "")
            pending = (number, line)
            continue
        emit(pending[0], pending[1], line)
        pending = None
    if pending is not None:
        result.warnings.append(f"{file_name}:{pending[0]}: title without an abstract: kept")
        emit(pending[0], pending[1], "")
    if not result.records:
        raise PapersiftError(f"{file_name}: no papers found (expected title/abstract line pairs)")
    return result
