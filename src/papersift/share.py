"""Shared reading lists: one JSON file a team can open, diff, keep in git and import.

"Here are the 40 alignment papers worth reading, with my notes": papersift writes such a
list with `write_list`, reads it back with `load_list` (the `reading_list` reader turns it
into records for the importer) and joins two versions of it with `merge_lists`.

Format (version 1)
------------------
A UTF-8 JSON object; the JSON Schema (draft 2020-12) ships with papersift as
`papersift/schemas/reading-list-v1.schema.json`::

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
      "version": 1
    }

Top level: `format` (always "papersift-reading-list"), `version` (1), `name`, `description`,
`author` (who wrote this version), `created`, `updated`, `papers`.

Each paper: `id` (the papersift id, 12 hex digits; only ever used as a key, never as a file
name), bibliographic data (`title`, `abstract`, `authors`, `year` (or null), `venue`, `doi`,
`arxiv`, `url`; "" when unknown), then one *view* of it on the top level (`tags`, `note`,
`starred`, `status`, set by `changed_by` at `changed_at`) and the other people's views in
`others` (`by`, `note`, `starred`, `status`, `tags`, `at`). A *view* is one person's triage
of the paper; a list holds at most one view per person per paper. The top-level view is the
most recently changed one; `others` holds the rest, sorted by `by`. Times are ISO-8601 UTC
to the second (`2024-03-13T09:30:00Z`), "" when unknown. Status is one of
`models.STATUSES`.

Only `format`, `version`, `name`, `papers` and each paper's `id` and `title` are required (a
hand-written list may leave the rest out); unknown fields are an error, so a typo such as
`"tag"` is caught rather than silently dropped. Anything a newer papersift adds gets a new
`version`; this papersift refuses a version it does not know and says to upgrade.

Written files are deterministic so they diff well: keys sorted, 2-space indent, one value
per line, UTF-8 (not \\u-escaped), trailing newline, papers sorted by id, tags sorted and
unique. Nothing depends on the clock: unless the caller gives them, `updated` is the newest
and `created` the oldest time in the list (a paper added, a view changed), and overwriting
a list keeps its `created`. Re-exporting an unchanged list is therefore
byte-identical, and changing one paper changes only that paper's lines (and `updated`).

Reading untrusted lists
-----------------------
A list is input from someone else. `load_list` refuses, with a `PapersiftError` that names
the file and a line/column or JSON path (`alignment.json: $.papers[3].tags[0]: expected a
string, got a number`): text over `MAX_LIST_CHARS`; nesting deeper than `MAX_DEPTH` (checked
by a cheap scan *before* parsing); anything that is not JSON; another format or a newer
version; anything the schema rejects (types, missing fields, unknown fields, a string over
`MAX_STRING` characters, more than `MAX_PAPERS` papers, ...); impossible times; two papers
with the same id.

Merging two versions (`merge_lists`)
------------------------------------
Two versions of a list (yours and theirs after a git conflict, or two people's copies)
become one, with no input order mattering: merging is commutative, associative and
idempotent, so merging a version in twice changes nothing. Papers are matched by id:

* papers in either version are kept (union);
* views are joined per person: for each `by`, that person's newest note, star and status
  win (by time; exact ties broken by comparing the values, so both sides agree), and their
  tags are the union of their tags in both versions. So two people's different notes are
  both kept (the newer on the top level, the other in `others`), and a person's own newer
  note replaces their older one exactly as it did in their library;
* the newest view overall becomes the top-level one (`note`, `starred`, `status`, `tags`,
  `changed_by`, `changed_at`);
* a tag removed in one version comes back from the other (union); remove it again after
  merging if that was meant;
* bibliographic fields: a known value beats an empty one; two different values resolve
  the same way on every machine (the longer one, then the greater);
* list `name`, `description` and `author` come from the version with the newer `updated`;
  `created` is the earlier one, `updated` the later one.

Importing (what the library importer does with a list)
------------------------------------------------------
The `reading_list` reader gives one record per paper, carrying the *sender's* view: the view
of the list's `author` (the newest view when the author has none), `shared_by` set to whose
view it is, and the other views in `record.triage.shared`. The importer applies it so that
nothing of the user's own is lost and re-importing the same list changes nothing:

* the sender's tags are unioned into the user's tags;
* the sender's note, star and status are kept as a `SharedView(by=shared_by, ...)` beside
  the user's own triage, never over it; a newer import from the same person replaces that
  person's view (views are keyed by `by`);
* the other views in `record.triage.shared` are kept the same way, one per person.

When the user exports again, their own triage becomes their view and the views they
received go to `others`, so the notes travel on with attribution.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from papersift.fsutil import atomic_write_bytes
from papersift.models import DEFAULT_STATUS, Entry, PapersiftError

FORMAT_NAME = "papersift-reading-list"
FORMAT_VERSION = 1

#: A reading list is a few hundred KB; 64 Mi characters is far beyond any real one and
#: keeps a hostile file from costing gigabytes once parsed.
MAX_LIST_CHARS = 64 * 2**20
#: The format itself nests 6 levels deep (list > papers > paper > others > view > tags).
MAX_DEPTH = 16
#: Per string field (notes and abstracts included); mirrored in the schema.
MAX_STRING = 1_000_000
MAX_PAPERS = 1_000_000

SCHEMA_RESOURCE = "schemas/reading-list-v1.schema.json"

_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})")
_BIB_TEXT = ("title", "abstract", "venue", "doi", "arxiv", "url")


@dataclass
class ListMeta:
    """A list's name and description, who wrote it and when (times ISO-8601, "" = derive)."""

    name: str
    description: str = ""
    author: str = ""
    created: str = ""
    updated: str = ""


# --------------------------------------------------------------------------- times


def _canonical_time(value: str) -> str:
    """`value` as UTC to the second ("2024-03-13T09:30:00Z"); "" stays ""; ValueError if bad."""
    if value == "":
        return ""
    if not _TIME.fullmatch(value):
        raise ValueError(value)
    # fromisoformat takes at most 6 fractional digits; they are dropped anyway.
    value = re.sub(r"(\.\d+)", lambda m: m.group(1)[:7], value)
    try:
        moment = datetime.fromisoformat(value).astimezone(UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(value) from exc
    return _format_time(moment)


def _format_time(moment: datetime) -> str:
    # Not strftime: %Y is not zero-padded for years before 1000 on every platform.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def _time_from_unix(seconds: float) -> str:
    """Unix time -> canonical ISO; 0 (never changed) or an impossible value -> ""."""
    if not seconds or seconds <= 0:
        return ""
    try:
        return _format_time(datetime.fromtimestamp(int(seconds), UTC))
    except (OverflowError, OSError, ValueError):
        return ""


def time_to_unix(value: str) -> float:
    """A canonical list time as Unix seconds (0.0 for "")."""
    if not value:
        return 0.0
    return datetime.fromisoformat(_canonical_time(value)).timestamp()


def _lenient_time(value: str) -> str:
    """A time from the library; one papersift cannot read counts as unknown."""
    try:
        return _canonical_time(str(value))
    except ValueError:
        return ""


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class PaperView:
    """One person's triage of one paper."""

    by: str
    at: str = ""
    note: str = ""
    starred: bool = False
    status: str = DEFAULT_STATUS
    tags: tuple[str, ...] = ()

    @property
    def has_content(self) -> bool:
        return bool(self.note or self.starred or self.status != DEFAULT_STATUS)

    @property
    def is_empty(self) -> bool:
        """Says nothing at all: dropping it loses nothing (it is the join's identity)."""
        return not (self.at or self.tags or self.has_content)

    def content_key(self) -> tuple[Any, ...]:
        # A view with something in it beats an empty one of the same time, so that an
        # empty view is the identity of `_join_same_person` (dropping it is harmless).
        return (self.at, self.has_content, self.note, self.status, self.starred)

    def head_key(self) -> tuple[Any, ...]:
        return (self.at, self.has_content, self.by, self.note, self.status, self.starred, self.tags)


def _join_same_person(a: PaperView, b: PaperView) -> PaperView:
    """Newest note/star/status of one person; tags of both (a semilattice join)."""
    base = a if a.content_key() >= b.content_key() else b
    return replace(base, tags=tuple(sorted(set(a.tags) | set(b.tags))))


def _join_views(views: Iterable[PaperView]) -> dict[str, PaperView]:
    """One view per person, each the join of that person's views; empty ones dropped."""
    joined: dict[str, PaperView] = {}
    for view in views:
        view = replace(view, tags=tuple(sorted(set(view.tags))))
        if view.is_empty:
            continue
        joined[view.by] = _join_same_person(joined[view.by], view) if view.by in joined else view
    return joined


def _view_dict(view: PaperView, top: bool) -> dict[str, Any]:
    if top:
        return {
            "tags": list(view.tags),
            "note": view.note,
            "starred": view.starred,
            "status": view.status,
            "changed_by": view.by,
            "changed_at": view.at,
        }
    return {
        "by": view.by,
        "note": view.note,
        "starred": view.starred,
        "status": view.status,
        "tags": list(view.tags),
        "at": view.at,
    }


def _views_of(paper: dict[str, Any]) -> list[PaperView]:
    """Every view in a (schema-valid) paper object: the top-level one and `others`."""
    views = [
        PaperView(
            by=paper.get("changed_by", ""),
            at=_canonical_time(paper.get("changed_at", "")),
            note=paper.get("note", ""),
            starred=paper.get("starred", False),
            status=paper.get("status", DEFAULT_STATUS),
            tags=tuple(paper.get("tags", ())),
        )
    ]
    for other in paper.get("others", ()):
        views.append(
            PaperView(
                by=other["by"],
                at=_canonical_time(other.get("at", "")),
                note=other.get("note", ""),
                starred=other.get("starred", False),
                status=other.get("status", DEFAULT_STATUS),
                tags=tuple(other.get("tags", ())),
            )
        )
    return views


def paper_views(paper: dict[str, Any]) -> dict[str, PaperView]:
    """A paper object's views keyed by person (`by`): the top-level one and `others`."""
    return _join_views(_views_of(paper))


# --------------------------------------------------------------------------- papers


def _bib_of(paper: dict[str, Any]) -> dict[str, Any]:
    year = paper.get("year")
    bib: dict[str, Any] = {name: paper.get(name, "") for name in _BIB_TEXT}
    bib["id"] = paper["id"]
    bib["authors"] = tuple(paper.get("authors", ()))
    # JSON Schema counts 2024.0 as an integer; the list stores an int.
    bib["year"] = int(year) if year is not None else None
    return bib


def _join_bib(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Field by field: known beats empty, else the longer, else the greater (a total order,
    so the result is the same whichever side is `a`)."""
    out: dict[str, Any] = {"id": a["id"]}
    for name in (*_BIB_TEXT, "authors"):
        out[name] = max(a[name], b[name], key=lambda v: (len(v), v))
    years = [y for y in (a["year"], b["year"]) if y is not None]
    out["year"] = max(years) if years else None
    return out


def _paper_dict(bib: dict[str, Any], views: dict[str, PaperView]) -> dict[str, Any]:
    """The canonical paper object: every field present, views split into top and others."""
    paper: dict[str, Any] = {name: bib[name] for name in _BIB_TEXT}
    paper["id"] = bib["id"]
    paper["authors"] = list(bib["authors"])
    paper["year"] = bib["year"]
    if views:
        head = max(views.values(), key=PaperView.head_key)
        paper.update(_view_dict(head, top=True))
        paper["others"] = [
            _view_dict(views[by], top=False) for by in sorted(views) if by != head.by
        ]
    else:
        paper.update(_view_dict(PaperView(by=""), top=True))
        paper["others"] = []
    return paper


def _normalize_paper(paper: dict[str, Any]) -> dict[str, Any]:
    return _paper_dict(_bib_of(paper), _join_views(_views_of(paper)))


def _merge_paper(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    views = _join_views([*_views_of(a), *_views_of(b)])
    return _paper_dict(_join_bib(_bib_of(a), _bib_of(b)), views)


def _list_dict(meta: ListMeta, papers: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": meta.name,
        "description": meta.description,
        "author": meta.author,
        "created": meta.created,
        "updated": meta.updated,
        "papers": sorted(papers, key=lambda p: p["id"]),
    }


def normalize_list(data: dict[str, Any]) -> dict[str, Any]:
    """The canonical form of a schema-valid list (what papersift writes); idempotent."""
    by_id: dict[str, dict[str, Any]] = {}
    for paper in data["papers"]:
        pid = paper["id"]
        by_id[pid] = _merge_paper(by_id[pid], paper) if pid in by_id else _normalize_paper(paper)
    meta = ListMeta(
        name=data["name"],
        description=data.get("description", ""),
        author=data.get("author", ""),
        created=_canonical_time(data.get("created", "")),
        updated=_canonical_time(data.get("updated", "")),
    )
    return _list_dict(meta, by_id.values())


# --------------------------------------------------------------------------- building


def build_list(entries: Sequence[Entry], meta: ListMeta) -> dict:
    """The reading-list object for `entries`, as `meta.author`'s list (canonical form).

    The user's triage becomes `meta.author`'s view; the views they received (`shared`)
    travel along. A user's view that only repeats tags received from others (never
    changed by the user) is left out, so passing a list on does not echo it back.
    Raises `PapersiftError` if the result could not be read back (e.g. a tag too long).
    """
    by_id: dict[str, dict[str, Any]] = {}
    times: set[str] = set()
    for entry in entries:
        paper, triage = entry.paper, entry.triage
        received = [
            PaperView(
                by=view.by,
                at=_lenient_time(view.at),
                note=view.note,
                starred=view.starred,
                status=view.status or DEFAULT_STATUS,
                tags=tuple(view.tags),
            )
            for view in triage.shared
        ]
        own = PaperView(
            by=meta.author,
            at=_time_from_unix(triage.changed),
            note=triage.note,
            starred=triage.starred,
            status=triage.status or DEFAULT_STATUS,
            tags=tuple(triage.tags),
        )
        received_tags = {t for view in received for t in view.tags}
        echo_only = not own.at and not own.has_content and set(own.tags) <= received_tags
        views = received if echo_only else [own, *received]
        bib = {
            "id": paper.id,
            "title": paper.title,
            "abstract": paper.abstract,
            "authors": tuple(paper.authors),
            "year": paper.year,
            "venue": paper.venue,
            "doi": paper.doi,
            "arxiv": paper.arxiv,
            "url": paper.url,
        }
        item = _paper_dict(bib, _join_views(views))
        by_id[paper.id] = _merge_paper(by_id[paper.id], item) if paper.id in by_id else item
        times.update((_time_from_unix(paper.added), item["changed_at"]))
        times.update(o["at"] for o in item["others"])
    times.discard("")
    try:
        # From the content, not the clock, so that building twice gives the same bytes.
        created = _canonical_time(meta.created) or min(times, default="")
        updated = _canonical_time(meta.updated) or max(times, default="")
    except ValueError as exc:
        raise PapersiftError(f"list times must be ISO-8601 (got {str(exc)[:40]!r})") from None
    updated = max(updated, created)
    meta = replace(meta, created=created, updated=updated)
    data = _list_dict(meta, by_id.values())
    _validate(data, f"reading list {meta.name!r}")
    return data


def dumps_list(data: dict) -> bytes:
    """Deterministic UTF-8 bytes for a list from `build_list`, `load_list` or `merge_lists`:
    sorted keys, 2-space indent, trailing newline, non-ASCII as itself."""
    return orjson.dumps(
        data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    )


def write_list(
    path: Path, entries: Sequence[Entry], meta: ListMeta, *, force: bool = False
) -> None:
    """Write `entries` as a reading list to `path` atomically.

    Refuses to replace an existing file unless `force` (`PapersiftError`). When replacing
    a list, its `created` is kept (unless `meta` gives one), so re-exporting an unchanged
    list rewrites the same bytes.
    """
    path = Path(path)
    if force and not meta.created:
        meta = replace(meta, created=_existing_created(path))
    atomic_write_bytes(path, dumps_list(build_list(entries, meta)), overwrite=force)


def _existing_created(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > MAX_LIST_CHARS * 4:
            return ""
        return load_list(path.read_text(encoding="utf-8-sig"), path.name)["created"]
    except (OSError, UnicodeDecodeError, PapersiftError):
        # Whatever is there is replaced anyway; it just has no `created` worth keeping.
        return ""


# --------------------------------------------------------------------------- loading


@functools.cache
def schema() -> dict[str, Any]:
    """The shipped JSON Schema of the format (draft 2020-12)."""
    text = resources.files("papersift").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator() -> Any:
    # Imported lazily: jsonschema costs ~100 ms at import and only lists need it.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def json_path(parts: Iterable[str | int]) -> str:
    """`$.papers[3].tags[0]` from ("papers", 3, "tags", 0)."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            out += f".{part}"
        else:
            out += "[" + json.dumps(_clip(part)) + "]"
    return out


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


def _describe(error: Any) -> tuple[list[str | int], str]:
    """A JSON path and a short human message for one jsonschema error."""
    path: list[str | int] = list(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [k for k in value if k not in instance]
        return [*path, missing[0]], "required field is missing"
    if kind == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known)
        return [*path, extra[0]], f"unknown field (known: {', '.join(known)})"
    if kind == "type":
        wanted = [value] if isinstance(value, str) else list(value)
        names = " or ".join(_TYPE_NAMES.get(w, w) for w in wanted)
        return path, f"expected {names}, got {_json_type(instance)}"
    if kind == "enum":
        allowed = ", ".join(json.dumps(v) for v in value)
        return path, f"expected one of {allowed}, got {_clip(json.dumps(instance))}"
    if kind == "const":
        return path, f"expected {json.dumps(value)}, got {_clip(json.dumps(instance))}"
    if kind == "maxLength":
        return path, f"{len(instance):,} characters is more than the {value:,} allowed"
    if kind == "minLength":
        return path, "must not be empty"
    if kind == "maxItems":
        return path, f"{len(instance):,} items is more than the {value:,} allowed"
    if kind in ("minimum", "maximum"):
        return path, f"{instance} is out of range (a year is 1 to 9999)"
    if kind == "pattern":
        if path and path[-1] == "id":
            return path, (
                f"{_clip(json.dumps(instance))} is not a paper id (1-64 letters, "
                "digits, '.', '_', ':' or '-')"
            )
        return (
            path,
            f"{_clip(json.dumps(instance))} is not an ISO-8601 time such as 2024-03-13T09:30:00Z",
        )
    return path, _clip(error.message, 200)


def _path_sort_key(parts: Sequence[str | int]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in parts)


def _validate(data: Any, where: str) -> None:
    """Raise `PapersiftError` for the first (in document order) schema error in `data`.

    jsonschema takes ~0.5 ms a paper, minutes for a hostile million-paper file, so code
    generated from the same schema (`matches_schema`) decides whether the data is valid;
    jsonschema then describes the error from the one bad paper (or the list without its
    papers).
    """
    check, check_paper = _schema_checks()
    if check(data):
        return
    papers = data.get("papers") if isinstance(data, dict) else None
    offset = 0
    probe = data
    if isinstance(papers, list):
        if len(papers) > MAX_PAPERS:
            raise PapersiftError(
                f"{where}: $.papers: {len(papers):,} papers is more than the {MAX_PAPERS:,} "
                "a reading list may have"
            )
        bad = next((i for i, p in enumerate(papers) if not check_paper(p)), None)
        offset = bad or 0
        probe = {**data, "papers": [] if bad is None else [papers[bad]]}
    # Bounded: a file with a million bad papers need not produce a million errors.
    errors = list(islice(_validator().iter_errors(probe), 50))
    if not errors:  # the two checks disagree: a bug, but never accept invalid data
        raise PapersiftError(f"{where}: does not match the reading-list schema")
    described = []
    for error in errors:
        parts, message = _describe(error)
        if len(parts) >= 2 and parts[0] == "papers" and isinstance(parts[1], int):
            parts = ["papers", parts[1] + offset, *parts[2:]]
        described.append((parts, message))
    parts, message = min(described, key=lambda d: _path_sort_key(d[0]))
    if len(parts) >= 2 and parts[0] == "papers" and isinstance(papers, list):
        paper = papers[parts[1]] if isinstance(parts[1], int) else None
        if isinstance(paper, dict) and isinstance(paper.get("id"), str) and parts[2:] != ["id"]:
            message += f" (paper {_clip(paper['id'], 64)})"
    raise PapersiftError(f"{where}: {json_path(parts)}: {message}")


def matches_schema(data: Any) -> bool:
    """Whether `data` matches the reading-list schema: exactly what jsonschema's
    Draft202012Validator accepts, ~35x faster (code generated from the schema)."""
    return _schema_checks()[0](data)


def _python_dollars(node: Any) -> Any:
    """The schema with each pattern's `$` matching before a final newline too.

    fastjsonschema reads `$` as the end of the string (as JSON Schema's ECMA-262 regexes
    do); jsonschema, which describes the errors, uses Python's, where `$` also matches
    before a final newline. `\\n?$` makes both accept the same documents (the ids and
    times with such a newline are refused by `_check_values` either way).
    """
    if isinstance(node, dict):
        return {
            k: re.sub(r"(?<!\\)\$", r"\\n?$", v) if k == "pattern" else _python_dollars(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_python_dollars(v) for v in node]
    return node


Check = Callable[[Any], bool]


@functools.cache
def _schema_checks() -> tuple[Check, Check]:
    """Validators for a whole list and for one paper, generated from the shipped schema.

    fastjsonschema rather than jsonschema: ~0.5 ms a paper is minutes for a hostile
    million-paper file. Imported lazily (as jsonschema): only lists need it.
    """
    import fastjsonschema

    def passes(node: dict[str, Any]) -> Check:
        validate = fastjsonschema.compile(node)

        def check(value: Any) -> bool:
            try:
                validate(value)
            except fastjsonschema.JsonSchemaValueException:
                return False
            return True

        return check

    doc = _python_dollars(schema())
    return passes(doc), passes({**doc["$defs"]["paper"], "$defs": doc["$defs"]})


_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_EMPTY_PAIR = re.compile(r"\{\}|\[\]")


def _check_depth(text: str, file_name: str) -> None:
    """Refuse JSON nested deeper than MAX_DEPTH before parsing it.

    Cheap: strings and everything but brackets are removed with regexes, then each pass
    deletes the innermost `{}`/`[]` pairs; a well-nested skeleton is empty after
    MAX_DEPTH passes. Only a suspicious file pays for finding the line.
    """
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(MAX_DEPTH):
        if not skeleton:
            return
        skeleton, removed = _EMPTY_PAIR.subn("", skeleton)
        if not removed:
            return  # unbalanced, not deep: the parser says where
    if not skeleton:
        return
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                pos = match.start()
                line = text.count("\n", 0, pos) + 1
                column = pos - (text.rfind("\n", 0, pos) + 1) + 1
                raise PapersiftError(
                    f"{file_name}:{line}:{column}: JSON nested more than {MAX_DEPTH} levels "
                    "deep; a reading list never is"
                )
        elif char in "]}":
            depth -= 1


def _parse_json(text: str, file_name: str) -> Any:
    if len(text) > MAX_LIST_CHARS:
        raise PapersiftError(
            f"{file_name}: {len(text) / 2**20:.0f} Mi characters is more than the "
            f"{MAX_LIST_CHARS // 2**20} Mi a reading list may have"
        )
    text = text.removeprefix("\ufeff")
    _check_depth(text, file_name)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise PapersiftError(
            f"{file_name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from None


def _check_header(data: Any, file_name: str) -> None:
    """Format and version first: a newer list should say "upgrade", not list schema errors."""
    if not isinstance(data, dict):
        raise PapersiftError(
            f"{file_name}: $: expected an object (a papersift reading list), got {_json_type(data)}"
        )
    fmt = data.get("format")
    if fmt != FORMAT_NAME:
        got = "no format" if fmt is None else f"format {_clip(json.dumps(fmt))}"
        raise PapersiftError(
            f'{file_name}: $.format: not a papersift reading list ({got}; expected "{FORMAT_NAME}")'
        )
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise PapersiftError(
            f"{file_name}: $.version: version {version} was made by a newer papersift; "
            f"upgrade papersift to read it (this one reads version {FORMAT_VERSION})"
        )
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise PapersiftError(
            f"{file_name}: $.version: expected {FORMAT_VERSION}, got {_clip(json.dumps(version))}"
        )


def _check_values(data: dict[str, Any], file_name: str) -> None:
    """What the schema cannot say: real dates, unique ids, ids without a trailing newline
    (JSON Schema's `$` lets one through)."""

    def fail(parts: list[str | int], message: str) -> None:
        raise PapersiftError(f"{file_name}: {json_path(parts)}: {message}")

    def check_time(parts: list[str | int], value: str) -> None:
        try:
            _canonical_time(value)
        except ValueError:
            fail(parts, f"{_clip(json.dumps(value))} is not a real ISO-8601 time")

    for key in ("created", "updated"):
        check_time([key], data.get(key, ""))
    seen: dict[str, int] = {}
    for i, paper in enumerate(data["papers"]):
        pid = paper["id"]
        if not _ID.fullmatch(pid):
            fail(["papers", i, "id"], f"{_clip(json.dumps(pid))} is not a paper id")
        if pid in seen:
            fail(["papers", i, "id"], f"id {pid} is also the id of $.papers[{seen[pid]}]")
        seen[pid] = i
        check_time(["papers", i, "changed_at"], paper.get("changed_at", ""))
        for j, other in enumerate(paper.get("others", ())):
            check_time(["papers", i, "others", j, "at"], other.get("at", ""))


def load_raw(text: str, file_name: str) -> dict[str, Any]:
    """Parse and validate a list, in file order and as written (the reader needs both)."""
    data = _parse_json(text, file_name)
    _check_header(data, file_name)
    _validate(data, file_name)
    _check_values(data, file_name)
    return data


def load_list(text: str, file_name: str) -> dict:
    """Parse and validate a reading list; return it in canonical form (as `build_list`).

    Any problem raises `PapersiftError` naming `file_name` and a line:column (not JSON,
    too deep) or a JSON path (`$.papers[3].title: required field is missing`).
    """
    return normalize_list(load_raw(text, file_name))


# --------------------------------------------------------------------------- merging


def merge_lists(a: dict, b: dict) -> dict:
    """Merge two versions of a list (from `load_list` / `build_list`) into one.

    Commutative, associative and idempotent; the rules are in the module docstring.
    """
    a, b = normalize_list(a), normalize_list(b)
    papers = {p["id"]: p for p in a["papers"]}
    for paper in b["papers"]:
        pid = paper["id"]
        papers[pid] = _merge_paper(papers[pid], paper) if pid in papers else paper

    # The newer version names the list; the whole tuple decides ties the same way on
    # both sides, so merge(a, b) == merge(b, a).
    def key(d: dict[str, Any]) -> tuple[str, ...]:
        return (d["updated"], d["name"], d["description"], d["author"])

    newer = max(a, b, key=key)
    created = min((c for c in (a["created"], b["created"]) if c), default="")
    meta = ListMeta(
        name=newer["name"],
        description=newer["description"],
        author=newer["author"],
        created=created,
        updated=max(a["updated"], b["updated"]),
    )
    return _list_dict(meta, papers.values())
