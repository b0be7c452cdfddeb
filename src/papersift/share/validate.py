"""Reading untrusted lists: from text to a schema-valid list, or a clear error.

Reading untrusted lists
-----------------------
A list is input from someone else. `load_list` refuses, with a `PapersiftError` that names
the file and a line/column or JSON path (`alignment.json: $.papers[3].tags[0]: expected a
string, got a number`): text over `MAX_LIST_CHARS`; nesting deeper than `MAX_DEPTH` (checked
by a cheap scan *before* parsing); anything that is not JSON; another format or a newer
version; anything the schema rejects (types, missing fields, unknown fields, a string over
`MAX_STRING` characters, more than `MAX_PAPERS` papers, ...); impossible times; two papers
with the same id.

"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from importlib import resources
from itertools import islice
from typing import Any

import orjson

from papersift.models import PapersiftError
from papersift.share.canonical import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_DEPTH,
    MAX_LIST_CHARS,
    MAX_PAPERS,
    READ_VERSIONS,
    SCHEMA_RESOURCES,
    canonical_time,
)
from papersift.share.merge import normalize_list

_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


# --------------------------------------------------------------------------- loading


@functools.cache
def schema(version: int = FORMAT_VERSION) -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12) of a version of the format (the newest
    by default; version 1 files are checked against their own)."""
    resource = SCHEMA_RESOURCES[version]
    text = resources.files("papersift").joinpath(resource).read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator(version: int) -> Any:
    # Imported lazily: jsonschema costs ~100 ms at import and only lists need it.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(version))


def _version_of(data: Any) -> int:
    version = data.get("version") if isinstance(data, dict) else None
    if (
        isinstance(version, int | float)
        and not isinstance(version, bool)
        and version in READ_VERSIONS
    ):
        return int(version)
    return FORMAT_VERSION


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A valid list of any version read, as the version written (`FORMAT_VERSION`).

    Version 1 -> 2 adds only the optional `review` section, so a version 1 list is a
    version 2 list without one: everything else it says is kept exactly."""
    if data.get("version") == 1:
        return {**data, "version": FORMAT_VERSION}
    return data


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
        if path and (path[-1] in ("id", "paper") or path[-2:-1] == ["papers"]):
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


def validate_list(data: Any, where: str) -> None:
    """Raise `PapersiftError` for the first (in document order) schema error in `data`.

    jsonschema takes ~0.5 ms a paper, minutes for a hostile million-paper file, so code
    generated from the same schema (`matches_schema`) decides whether the data is valid;
    jsonschema then describes the error from the one bad paper (or the list without its
    papers).
    """
    version = _version_of(data)
    check, check_paper = _schema_checks(version)
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
    errors = list(islice(_validator(version).iter_errors(probe), 50))
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
    return _schema_checks(_version_of(data))[0](data)


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
def _schema_checks(version: int) -> tuple[Check, Check]:
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

    doc = _python_dollars(schema(version))
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
    known = " or ".join(map(str, READ_VERSIONS))
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise PapersiftError(
            f"{file_name}: $.version: version {version} was made by a newer papersift; "
            f"upgrade papersift to read it (this one reads version {known})"
        )
    if version not in READ_VERSIONS or isinstance(version, bool):
        raise PapersiftError(
            f"{file_name}: $.version: expected {known}, got {_clip(json.dumps(version))}"
        )


def _check_values(data: dict[str, Any], file_name: str) -> None:
    """What the schema cannot say: real dates, unique ids, ids without a trailing newline
    (JSON Schema's `$` lets one through)."""

    def fail(parts: list[str | int], message: str) -> None:
        raise PapersiftError(f"{file_name}: {json_path(parts)}: {message}")

    def check_time(parts: list[str | int], value: str) -> None:
        try:
            canonical_time(value)
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
    review = data.get("review")
    if review is not None:
        _check_review(review, seen, fail, check_time)


def _check_review(
    review: dict[str, Any],
    paper_ids: dict[str, int],
    fail: Callable[[list[str | int], str], None],
    check_time: Callable[[list[str | int], str], None],
) -> None:
    """A review section's papers are papers of the list, its decisions about its papers,
    final decisions include or exclude, and its times real."""
    for key in ("created", "defined_at", "unblinded_at"):
        check_time(["review", key], review.get(key, ""))
    members = set()
    for i, pid in enumerate(review.get("papers", ())):
        if pid not in paper_ids:
            fail(["review", "papers", i], f"paper {pid} is not one of the list's papers")
        members.add(pid)
    for i, decision in enumerate(review.get("decisions", ())):
        where = ["review", "decisions", i]
        if decision["paper"] not in members:
            fail([*where, "paper"], f"paper {decision['paper']} is not one of the review's papers")
        if decision.get("final") and decision["decision"] == "maybe":
            fail([*where, "decision"], '"maybe" cannot be a final decision')
        check_time([*where, "at"], decision.get("at", ""))


def load_raw(text: str, file_name: str) -> dict[str, Any]:
    """Parse and validate a list, in file order and as written (the reader needs both)."""
    data = _parse_json(text, file_name)
    _check_header(data, file_name)
    validate_list(data, file_name)
    _check_values(data, file_name)
    return migrate(data)


def load_list(text: str, file_name: str) -> dict:
    """Parse and validate a reading list; return it in canonical form (as `build_list`).

    Any problem raises `PapersiftError` naming `file_name` and a line:column (not JSON,
    too deep) or a JSON path (`$.papers[3].title: required field is missing`).
    """
    return normalize_list(load_raw(text, file_name))
