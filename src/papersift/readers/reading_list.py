"""Reader for papersift shared reading lists (JSON; the format is in `papersift.share`).

One record per paper, in file order. Each record carries the *sender's* view as its
triage (the view of the list's `author`, else the paper's newest view), `shared_by` says
whose view that is, and the other people's views ride along in `triage.shared`, so the
importer can keep all of them beside the user's own triage without overwriting it.
Ids from the file are only used as `given_id` (a key), never as paths.
"""

from __future__ import annotations

import re

from papersift import share
from papersift.models import Record, SharedView, Source, Triage
from papersift.readers import ReadResult

# Only paper objects may have an "id" key (the schema closes every object), and inside a
# JSON string the quotes would be escaped, so these matches are the papers in file order.
_ID_KEY = re.compile(r'"id"\s*:')


def _paper_lines(text: str, count: int) -> list[int]:
    """1-based line of each paper's "id" key, or zeros if the file is not that simple
    (e.g. a repeated "id" key inside one paper object)."""
    lines: list[int] = []
    line, last = 1, 0
    for match in _ID_KEY.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        lines.append(line)
    return lines if len(lines) == count else [0] * count


def parse(text: str, file_name: str) -> ReadResult:
    """Parse a reading list into records; `PapersiftError` (file + JSON path) if invalid."""
    raw = share.load_raw(text, file_name)
    data = share.normalize_list(raw)
    result = ReadResult(file=file_name, format="reading-list")
    author = data["author"]
    by_id = {paper["id"]: paper for paper in data["papers"]}
    raw_papers = raw["papers"]
    lines = _paper_lines(text, len(raw_papers))
    for index, raw_paper in enumerate(raw_papers):
        paper = by_id[raw_paper["id"]]
        views = share.paper_views(paper)
        if author in views:
            sender = views[author]
        elif views:
            sender = max(views.values(), key=share.PaperView.head_key)
        else:
            sender = None
        triage = None
        if sender is not None:
            triage = Triage(
                starred=sender.starred,
                status=sender.status,
                tags=sender.tags,
                note=sender.note,
                changed=share.time_to_unix(sender.at),
                shared=tuple(
                    SharedView(
                        by=view.by,
                        note=view.note,
                        starred=view.starred,
                        status=view.status,
                        tags=view.tags,
                        at=view.at,
                    )
                    for by, view in sorted(views.items())
                    if by != sender.by
                ),
            )
        result.records.append(
            Record(
                title=paper["title"],
                source=Source(file=file_name, index=index),
                line=lines[index],
                abstract=paper["abstract"],
                authors=tuple(paper["authors"]),
                year=paper["year"],
                venue=paper["venue"],
                doi=paper["doi"],
                arxiv=paper["arxiv"],
                url=paper["url"],
                triage=triage,
                # Never empty: the importer reads an empty shared_by as "the user's own".
                shared_by=(sender.by if sender else "") or author or file_name,
                given_id=paper["id"],
            )
        )
    if not result.records:
        result.warnings.append(f"{file_name}: the reading list has no papers")
    return result
