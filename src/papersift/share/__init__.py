"""Shared reading lists: one JSON file a team can open, diff, keep in git and import.

"Here are the 40 alignment papers worth reading, with my notes": papersift writes such a
list with `write_list`, reads it back with `load_list` (the `reading_list` reader turns it
into records for the importer) and joins two versions of it with `merge_lists`.

Format (version 2)
------------------
A UTF-8 JSON object; the JSON Schema (draft 2020-12) ships with papersift as
`papersift/schemas/reading-list-v2.schema.json` (and version 1's, which it still reads,
as `reading-list-v1.schema.json`)::

    {
      "author": "alice",
      "created": "2024-03-13T09:30:00Z",
      "description": "What to read before the reading group",
      "format": "papersift-reading-list",
      "name": "Alignment",
      "papers": [
        {
          "abstract": "…",
          "arxiv": "2405.21046",
          "authors": ["T. Xie", "D. Foster"],
          "changed_at": "2024-03-14T08:00:00Z",
          "changed_by": "alice",
          "doi": "",
          "id": "0a1b2c3d4e5f",
          "note": "XPO = DPO + an exploration bonus; read section 3",
          "others": [
            {"at": "2024-03-13T17:02:11Z", "by": "bob", "note": "proofs are heavy",
             "starred": false, "status": "reading", "tags": ["rlhf"]}
          ],
          "starred": true,
          "status": "to-read",
          "tags": ["dpo", "rlhf"],
          "title": "Exploratory Preference Optimization: …",
          "url": "",
          "venue": "",
          "year": 2024
        }
      ],
      "updated": "2024-03-14T08:00:00Z",
      "version": 2
    }

Top level: `format` (always "papersift-reading-list"), `version` (2), `name`, `description`,
`author` (who wrote this version; papersift writes the user's name, `paths.user_name`),
`created`, `updated`, `papers`, and optionally `review`.

Each paper: `id` (the papersift id, 12 hex digits; only ever used as a key, never as a file
name), bibliographic data (`title`, `abstract`, `authors`, `year` (or null), `venue`, `doi`,
`arxiv`, `url`; "" when unknown), then one *view* of it on the top level (`tags`, `note`,
`starred`, `status`, set by `changed_by` at `changed_at`) and the other people's views in
`others` (`by`, `note`, `starred`, `status`, `tags`, `at`). A *view* is one person's triage
of the paper; a list holds at most one view per person per paper. The top-level view is the
most recently changed one; `others` holds the rest, sorted by `by`. Times are ISO-8601 UTC
to the second (`2024-03-13T09:30:00Z`), "" when unknown. Status is one of
`models.STATUSES`.

`review` (new in version 2) is one screening review of the list's papers (see
`papersift.review`)::

    "review": {
      "name": "alignment-sr", "criteria": "Include: …", "query": "year:>=2023",
      "reasons": ["wrong task", "not empirical"], "reviewers": ["alice", "bob"],
      "papers": ["0a1b2c3d4e5f", …], "created": "…", "created_by": "alice",
      "defined_at": "…", "unblinded_at": "", "unblinded_by": "",
      "identified": [{"file": "search.bib", "records": 120}], "duplicates": 8,
      "not_matching": 30,
      "decisions": [{"paper": "0a1b2c3d4e5f", "by": "bob", "decision": "exclude",
                     "reason": "wrong task", "at": "…", "final": false}, …]
    }

One decision per paper, person and kind (`final`: the decision that settles a conflict),
sorted by (paper, by, final); `merge` joins them so none is lost or misattributed.

Only `format`, `version`, `name`, `papers` and each paper's `id` and `title` are required (a
hand-written list may leave the rest out); unknown fields are an error, so a typo such as
`"tag"` is caught rather than silently dropped. Anything a newer papersift adds gets a new
`version`; this papersift refuses a version it does not know and says to upgrade. Version
1 files (papersift before reviews) are read against their own schema and `migrate`d: a
version 1 list is a version 2 list without `review`, so it imports exactly as before.

Written files are deterministic so they diff well: keys sorted, 2-space indent, one value
per line, UTF-8 (not \\u-escaped), trailing newline, papers sorted by id, tags sorted and
unique. Nothing depends on the clock: unless the caller gives them, `updated` is the newest
and `created` the oldest time in the list (a paper added, a view changed), and overwriting
a list keeps its `created`. Re-exporting an unchanged list is therefore
byte-identical, and changing one paper changes only that paper's lines (and `updated`).

The package: `canonical` (the format in memory, times, views, bytes), `validate`
(untrusted text -> a valid list), `merge` (joining versions), `build` (a list from
library entries, written to a file). The names below are its public API.
"""

from papersift.share.build import build_list, write_list
from papersift.share.canonical import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DEPTH,
    MAX_LIST_CHARS,
    MAX_PAPERS,
    MAX_STRING,
    READ_VERSIONS,
    ListMeta,
    PaperView,
    canonical_review,
    dumps_list,
    paper_views,
    time_from_unix,
    time_to_unix,
)
from papersift.share.merge import merge_lists, merge_review, normalize_list
from papersift.share.validate import (
    json_path,
    load_list,
    load_raw,
    matches_schema,
    migrate,
    schema,
)

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DEPTH",
    "MAX_LIST_CHARS",
    "MAX_PAPERS",
    "MAX_STRING",
    "READ_VERSIONS",
    "ListMeta",
    "PaperView",
    "build_list",
    "canonical_review",
    "dumps_list",
    "json_path",
    "load_list",
    "load_raw",
    "matches_schema",
    "merge_lists",
    "merge_review",
    "migrate",
    "normalize_list",
    "paper_views",
    "schema",
    "time_from_unix",
    "time_to_unix",
    "write_list",
]
