"""Reader for scraped "daily papers" listing pages (the format of `sample_data/`).

The page text is header noise ("new", "Subscribe", "Daily Papers", a date such as
"Mar 13", …) followed by title line / abstract line pairs, with or without blank lines
between them. "Subscribe" may be glued to the front of the first title.

Which line is a title and which an abstract is decided for the whole file at once
(`_labels`): each line's looks (length, sentence count, a closing stop) are weighed
with its position (listings alternate title and abstract), so a title ending with a
full stop is still a title when an abstract follows it. No pair is dropped: where the
looks and the position disagree the record is kept with a warning (counted in
`ReadResult.kept_with_warnings`); only a paragraph with no title before it is skipped.
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


_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]*\s+[\"'(\[]?[A-Z]")
_TERMINAL = (".", "!", "?", "…", "...")

#: What a break in the title/abstract alternation costs, in the units of `_title_cost`
#: and `_abstract_cost`. A title without an abstract happens (a scrape cut short); an
#: abstract without a title is rarer, and reading one means dropping text.
_TITLE_AFTER_TITLE = 4.0
_ABSTRACT_WITHOUT_TITLE = 6.0


def _title_cost(line: str, words: int, sentences: int) -> float:
    """How unlike a title `line` is: titles are short, one sentence, often without a stop."""
    if len(line) > _TITLE_MAX:
        return 1000.0
    cost = 0.3 * max(0, words - 20) + 3.0 * min(sentences, 5)
    if line.endswith(_TERMINAL):
        cost += 1.5
    return cost


def _abstract_cost(line: str, words: int, sentences: int) -> float:
    """How unlike an abstract `line` is: abstracts are paragraphs ending with a stop."""
    cost = 0.25 * max(0, 25 - words) - 0.5 * min(sentences, 3)
    if not line.endswith(_TERMINAL):
        cost += 1.5
    return cost


def _labels(lines: list[str]) -> tuple[list[bool], list[float]]:
    """Which lines are titles (True) and how much the choice cost against the line's looks.

    Listings alternate title and abstract, so the line's own evidence (length, sentence
    count, a closing stop) is weighed together with its position: the labelling of the
    whole file that costs least is found by dynamic programming over two states. The
    second list is, per line, the cost of its label minus the cost of the other one: > 0
    where the line alone looked like the other kind (the reader was unsure).
    """
    n = len(lines)
    cost_t: list[float] = []
    cost_a: list[float] = []
    for line in lines:
        words = line.count(" ") + 1
        sentences = len(_SENTENCE_BREAK.findall(line)) if words > 3 else 0
        cost_t.append(_title_cost(line, words, sentences))
        cost_a.append(_abstract_cost(line, words, sentences))
    # best[i][s]: least cost of lines[:i+1] with line i labelled s (0 title, 1 abstract).
    back_t: list[int] = [0] * n  # previous state when line i is a title
    back_a: list[int] = [0] * n
    best_t, best_a = cost_t[0], cost_a[0] + _ABSTRACT_WITHOUT_TITLE
    for i in range(1, n):
        # Title after title: the first has no abstract. Title after abstract: a new pair.
        from_t = best_t + _TITLE_AFTER_TITLE
        if best_a <= from_t:
            new_t, back_t[i] = best_a + cost_t[i], 1
        else:
            new_t, back_t[i] = from_t + cost_t[i], 0
        from_a = best_a + _ABSTRACT_WITHOUT_TITLE
        if best_t <= from_a:
            new_a, back_a[i] = best_t + cost_a[i], 0
        else:
            new_a, back_a[i] = from_a + cost_a[i], 1
        best_t, best_a = new_t, new_a
    state = 0 if best_t <= best_a else 1
    is_title = [False] * n
    for i in range(n - 1, -1, -1):
        is_title[i] = state == 0
        state = back_t[i] if state == 0 else back_a[i]
    margin = [(cost_t[i] - cost_a[i]) if is_title[i] else (cost_a[i] - cost_t[i]) for i in range(n)]
    return is_title, margin


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

    if not lines:
        raise PapersiftError(f"{file_name}: no papers found (expected title/abstract line pairs)")
    is_title, margin = _labels([line for _, line in lines])

    def emit(title_at: int, abstract_at: int | None) -> None:
        number, title = lines[title_at]
        abstract = lines[abstract_at][1] if abstract_at is not None else ""
        source = Source(file=file_name, index=len(result.records))
        result.records.append(Record(title=title, abstract=abstract, source=source, line=number))
        doubts = []
        if abstract_at is None:
            doubts.append(f"{file_name}:{number}: title without an abstract: kept")
        if margin[title_at] > 0:
            doubts.append(
                f"{file_name}:{number}: this line reads like an abstract but was taken as a "
                "title (an abstract follows it): kept; check the record"
            )
        if abstract_at is not None and margin[abstract_at] > 0:
            doubts.append(
                f"{file_name}:{lines[abstract_at][0]}: this line reads like a title but was "
                f"taken as the abstract of the title on line {number}: kept; check the record"
            )
        if doubts:
            result.warnings.extend(doubts)
            result.kept_with_warnings += 1

    pending: int | None = None  # the index of a title waiting for its abstract
    for i, (number, _line) in enumerate(lines):
        if is_title[i]:
            if pending is not None:
                emit(pending, None)
            pending = i
        elif pending is not None:
            emit(pending, i)
            pending = None
        else:
            result.warnings.append(
                f"{file_name}:{number}: a paragraph with no title line before it was skipped"
            )
    if pending is not None:
        emit(pending, None)
    if not result.records:
        raise PapersiftError(f"{file_name}: no papers found (expected title/abstract line pairs)")
    return result
