"""Shared reading lists: round trip, git-friendly output, merge laws, hostile input."""

from __future__ import annotations

import difflib
import functools
import json
import random
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from papersift import share
from papersift.models import STATUSES, Entry, Paper, PapersiftError, SharedView, Triage
from papersift.normalize import paper_id
from papersift.readers import detect_format, parse_text, read_path
from papersift.readers.reading_list import parse
from papersift.share import validate as share_validate

from .conftest import REPO, SAMPLE_DATA, SAMPLE_LISTINGS

SCHEMA_FILE = REPO / "src" / "papersift" / "schemas" / "reading-list-v2.schema.json"
SCHEMA_V1_FILE = REPO / "src" / "papersift" / "schemas" / "reading-list-v1.schema.json"
SAMPLE_LIST = SAMPLE_DATA / "reading-list-alignment.json"
TAG_POOL = ("rlhf", "dpo", "survey", "data", "naïve-π", "to discuss", "long-context")
NOTE_POOL = (
    "",
    "Start here.",
    'Section 3 has the "real" result; skip the appendix.',
    "Zwei Zeilen:\nmit Umlauten äöü und einem Emoji 📄",
    "tab\tand backslash \\ and a </script>",
)
BASE_TIME = datetime(2024, 3, 13, 9, 0, tzinfo=UTC).timestamp()


@functools.cache
def schema_validator(version: int = share.FORMAT_VERSION) -> Draft202012Validator:
    # Straight from the source file, not through share.schema(): the test checks the
    # file that ships, independently of how the module loads it.
    path = SCHEMA_V1_FILE if version == 1 else SCHEMA_FILE
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def valid_in_some_version(value: object) -> bool:
    """What jsonschema accepts with one of the shipped schemas (each pins its version)."""
    return schema_validator(1).is_valid(value) or schema_validator(2).is_valid(value)


def corpus_papers() -> list[Paper]:
    seen: dict[str, Paper] = {}
    for path in SAMPLE_LISTINGS:
        for record in read_path(path).records:
            pid = paper_id(record.title)
            seen.setdefault(
                pid, Paper(id=pid, title=record.title, abstract=record.abstract, added=BASE_TIME)
            )
    return list(seen.values())


def corpus_entries(seed: int = 7, count: int | None = None) -> list[Entry]:
    rng = random.Random(seed)
    papers = corpus_papers()
    rng.shuffle(papers)
    entries = []
    for paper in papers[:count]:
        triage = Triage(
            starred=rng.random() < 0.3,
            status=rng.choice(STATUSES),
            tags=tuple(rng.sample(TAG_POOL, rng.randint(0, 3))),
            note=rng.choice(NOTE_POOL),
            changed=BASE_TIME + rng.randint(1, 10**6),
        )
        entries.append(Entry(paper, triage))
    return entries


META = share.ListMeta(name="Alignment", description="worth reading", author="alice")


def loads(data: bytes) -> dict:
    return orjson.loads(data)


# ----------------------------------------------------------------------- round trip


def test_round_trip_through_file_reader_keeps_titles_tags_notes_stars(tmp_path: Path):
    entries = corpus_entries()
    assert len(entries) > 300
    path = tmp_path / "alignment.json"
    share.write_list(path, entries, META)

    text = path.read_text(encoding="utf-8")
    assert detect_format(text, path.name) == "reading-list"
    result = read_path(path)
    assert result.format == "reading-list"
    assert result.warnings == []
    assert len(result.records) == len(entries)

    by_id = {e.id: e for e in entries}
    lines = text.splitlines()
    for index, record in enumerate(result.records):
        entry = by_id[record.given_id]
        assert record.title == entry.paper.title
        assert record.abstract == entry.paper.abstract
        assert record.source.file == "alignment.json"
        assert record.source.index == index
        assert record.shared_by == "alice"
        assert record.triage is not None
        assert record.triage.note == entry.triage.note
        assert record.triage.starred == entry.triage.starred
        assert record.triage.status == entry.triage.status
        assert set(record.triage.tags) == set(entry.triage.tags)
        assert record.triage.changed == int(entry.triage.changed)
        assert record.triage.shared == ()
        # The record's line is the line of that paper's "id" key in the file.
        assert lines[record.line - 1].strip() == f'"id": "{record.given_id}",'


def test_load_list_equals_build_list(tmp_path: Path):
    entries = corpus_entries(count=40)
    built = share.build_list(entries, META)
    loaded = share.load_list(share.dumps_list(built).decode(), "x.json")
    assert loaded == built


def test_received_views_travel_on_with_attribution():
    paper = corpus_papers()[0]
    bob = SharedView(
        by="bob",
        note="bob's take",
        starred=True,
        status="read",
        tags=("rlhf",),
        at="2024-03-01T10:00:00Z",
    )
    entry = Entry(
        paper,
        Triage(
            note="alice's take",
            status="reading",
            tags=("rlhf", "dpo"),
            changed=BASE_TIME,
            shared=(bob,),
        ),
    )
    data = share.build_list([entry], META)
    item = data["papers"][0]
    assert (item["changed_by"], item["note"]) == ("alice", "alice's take")
    assert item["others"] == [bob.to_dict()]

    record = parse(share.dumps_list(data).decode(), "l.json").records[0]
    assert record.shared_by == "alice"
    assert record.triage.note == "alice's take"
    assert record.triage.tags == ("dpo", "rlhf")
    assert record.triage.shared == (bob,)


def test_reader_gives_the_senders_view_even_when_someone_elses_is_newer():
    paper = corpus_papers()[0]
    newer = SharedView(by="bob", note="newer note", at="2024-06-01T00:00:00Z")
    entry = Entry(paper, Triage(note="mine", changed=BASE_TIME, shared=(newer,)))
    data = share.build_list([entry], META)
    # The file shows the newest view on top...
    assert data["papers"][0]["changed_by"] == "bob"
    # ...but an importer gets the sender's (the list author's) view, bob's beside it.
    record = parse(share.dumps_list(data).decode(), "l.json").records[0]
    assert (record.shared_by, record.triage.note) == ("alice", "mine")
    assert [v.by for v in record.triage.shared] == ["bob"]


def test_own_view_that_only_echoes_received_tags_is_left_out():
    paper = corpus_papers()[0]
    bob = SharedView(by="bob", note="read it", tags=("rlhf",), at="2024-03-01T10:00:00Z")
    # What the importer leaves behind: bob's tags unioned into the user's, nothing changed.
    entry = Entry(paper, Triage(tags=("rlhf",), shared=(bob,)))
    data = share.build_list([entry], META)
    item = data["papers"][0]
    assert item["changed_by"] == "bob"
    assert item["others"] == []
    record = parse(share.dumps_list(data).decode(), "l.json").records[0]
    assert record.shared_by == "bob"


def test_paper_without_any_triage_has_no_triage_record():
    entry = Entry(corpus_papers()[0])
    data = share.build_list([entry], META)
    item = data["papers"][0]
    assert (item["changed_by"], item["changed_at"], item["others"]) == ("", "", [])
    record = parse(share.dumps_list(data).decode(), "l.json").records[0]
    assert record.triage is None
    assert record.shared_by == "alice"


def test_hand_written_minimal_list_reads():
    text = (
        '{"format": "papersift-reading-list", "version": 1, "name": "x", "papers": ['
        '{"id": "abc", "title": "T", "tags": ["b", "a", "b"], "note": "n"}]}'
    )
    result = parse(text, "hand.json")
    (record,) = result.records
    assert record.line == 1
    assert record.triage.tags == ("a", "b")
    assert record.shared_by == "hand.json"  # no author, no changed_by: name the file
    data = share.load_list(text, "hand.json")
    assert schema_validator().is_valid(data)


def test_line_numbers_fall_back_to_zero_when_the_file_is_odd():
    # orjson keeps the last of two "id" keys; the line scan sees two and gives up.
    text = (
        '{"format": "papersift-reading-list", "version": 1, "name": "x", "papers": [\n'
        '{"id": "x", "id": "y", "title": "T"}]}'
    )
    (record,) = parse(text, "odd.json").records
    assert (record.given_id, record.line) == ("y", 0)


def test_a_bad_paper_is_named_by_its_id_too():
    entries = corpus_entries(count=3)
    entries[1] = Entry(entries[1].paper, replace(entries[1].triage, status="done"))
    with pytest.raises(PapersiftError, match=f"paper {entries[1].id}"):
        share.build_list(entries, META)


def test_empty_list_reads_with_a_warning():
    text = '{"format": "papersift-reading-list", "version": 1, "name": "x", "papers": []}'
    result = parse(text, "e.json")
    assert result.records == []
    assert result.warnings == ["e.json: the reading list has no papers"]


def test_times_are_normalized_to_utc_seconds():
    text = json.dumps(
        {
            "format": "papersift-reading-list",
            "version": 1,
            "name": "x",
            "papers": [
                {
                    "id": "a",
                    "title": "T",
                    "note": "n",
                    "changed_at": "2024-03-13T11:30:00.123456789+02:00",
                }
            ],
        }
    )
    paper = share.load_list(text, "t.json")["papers"][0]
    assert paper["changed_at"] == "2024-03-13T09:30:00Z"


# ----------------------------------------------------------------------- git friendliness


def test_reexport_is_byte_identical_and_canonical(tmp_path: Path):
    entries = corpus_entries(count=60)
    path = tmp_path / "l.json"
    share.write_list(path, entries, META)
    first = path.read_bytes()
    share.write_list(path, list(reversed(entries)), META, force=True)
    assert path.read_bytes() == first
    assert share.dumps_list(share.load_list(first.decode(), "l.json")) == first
    assert first.endswith(b"}\n")
    assert "naïve-π".encode() in first or "äöü".encode() in first  # UTF-8, not \u escapes
    assert b"\\u00" not in first


def test_overwriting_keeps_created(tmp_path: Path):
    path = tmp_path / "l.json"
    entries = corpus_entries(count=5)
    share.write_list(path, entries, replace(META, created="2020-01-01T00:00:00Z"))
    share.write_list(path, entries, META, force=True)
    assert loads(path.read_bytes())["created"] == "2020-01-01T00:00:00Z"


def test_updated_follows_content_not_the_clock():
    entries = corpus_entries(count=10)
    data = share.build_list(entries, META)
    newest = max(e.triage.changed for e in entries)
    assert data["updated"] == share.time_from_unix(newest)
    # The oldest time in the list: every paper was added at BASE_TIME.
    assert data["created"] == share.time_from_unix(BASE_TIME)


def test_write_refuses_to_overwrite_without_force(tmp_path: Path):
    path = tmp_path / "l.json"
    path.write_text("precious")
    with pytest.raises(PapersiftError, match="already exists"):
        share.write_list(path, corpus_entries(count=3), META)
    assert path.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["l.json"]  # no temp file left


def test_every_written_file_validates_against_the_shipped_schema(tmp_path: Path):
    validator = schema_validator()
    for seed in range(3):
        path = tmp_path / f"l{seed}.json"
        share.write_list(path, corpus_entries(seed=seed), META)
        errors = list(validator.iter_errors(loads(path.read_bytes())))
        assert errors == [], errors[:1]


def _changed_lines(old: bytes, new: bytes) -> int:
    diff = difflib.unified_diff(old.decode().splitlines(), new.decode().splitlines(), n=0)
    return sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))


def test_a_one_paper_change_is_a_small_diff():
    entries = corpus_entries(count=100)
    before = share.dumps_list(share.build_list(entries, META))
    assert before.count(b"\n") > 2000

    i = next(n for n, e in enumerate(entries) if e.triage.tags and n > 10)
    e = entries[i]
    # A new note (kept older than the newest change, so `updated` stays).
    entries[i] = Entry(e.paper, replace(e.triage, note="a new thought", changed=BASE_TIME + 5))
    after = share.dumps_list(share.build_list(entries, META))
    assert _changed_lines(before, after) == 4  # note and changed_at, old and new

    # One more tag, as the newest edit of all: `updated` moves too, nothing else.
    e = entries[i]
    tags = (*e.triage.tags, "zzz-last")
    entries[i] = Entry(e.paper, replace(e.triage, tags=tags, changed=BASE_TIME + 10**7))
    again = share.dumps_list(share.build_list(entries, META))
    # the new tag line, a comma on the previous last tag, changed_at and updated
    assert _changed_lines(after, again) == 1 + 2 + 2 + 2


def test_papers_sorted_by_id_and_keys_sorted():
    data = loads(share.dumps_list(share.build_list(corpus_entries(count=30), META)))
    ids = [p["id"] for p in data["papers"]]
    assert ids == sorted(ids)
    text = share.dumps_list(data).decode()
    assert text.index('"author"') < text.index('"format"') < text.index('"papers"')


# ----------------------------------------------------------------------- the shipped files


def test_shipped_schema_is_valid_and_matches_the_module():
    doc = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(doc)
    assert share.schema() == doc  # loaded through importlib.resources
    assert doc["properties"]["format"]["const"] == share.FORMAT_NAME
    assert doc["properties"]["version"]["const"] == share.FORMAT_VERSION
    assert doc["properties"]["papers"]["maxItems"] == share.MAX_PAPERS
    assert doc["$defs"]["text"]["maxLength"] == share.MAX_STRING
    assert doc["$defs"]["status"]["enum"] == list(STATUSES)


def test_sample_list_is_valid_canonical_and_from_the_corpus():
    raw = SAMPLE_LIST.read_bytes()
    data = share.load_list(raw.decode(), SAMPLE_LIST.name)
    # A version 1 file: read back as version 2 with every other byte the same.
    assert b'"version": 1\n' in raw
    assert share.dumps_list(data) == raw.replace(b'"version": 1\n', b'"version": 2\n')
    assert schema_validator(1).is_valid(loads(raw))
    assert schema_validator(2).is_valid(data)
    assert 8 <= len(data["papers"]) <= 15
    assert data["author"] == "papersift example"
    corpus = {p.id: p for p in corpus_papers()}
    for paper in data["papers"]:
        assert corpus[paper["id"]].title == paper["title"]
    assert any(p["note"] for p in data["papers"])
    assert any(p["starred"] for p in data["papers"])
    assert any(p["others"] for p in data["papers"])
    assert read_path(SAMPLE_LIST).format == "reading-list"


# ----------------------------------------------------------------------- merging


PERSONS = ("alice", "bob", "")
TIMES = ("", "2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", "2024-03-03T12:00:00Z")


@st.composite
def views(draw) -> dict:
    return {
        "by": draw(st.sampled_from(PERSONS)),
        "note": draw(st.sampled_from(("", "n1", "n2", "Ünïcode"))),
        "starred": draw(st.booleans()),
        "status": draw(st.sampled_from(STATUSES)),
        "tags": draw(st.lists(st.sampled_from(("a", "b", "c")), max_size=3)),
        "at": draw(st.sampled_from(TIMES)),
    }


@st.composite
def papers(draw, pid: str) -> dict:
    top = draw(views())
    others = draw(st.lists(views(), max_size=3))
    return {
        "id": pid,
        "title": draw(st.sampled_from(("Title", "Title, longer", "Other"))),
        "abstract": draw(st.sampled_from(("", "abs", "abstract two"))),
        "authors": draw(st.sampled_from(([], ["A"], ["A", "B"]))),
        "year": draw(st.sampled_from((None, 2023, 2024))),
        "doi": draw(st.sampled_from(("", "10.1/x"))),
        "tags": top["tags"],
        "note": top["note"],
        "starred": top["starred"],
        "status": top["status"],
        "changed_by": top["by"],
        "changed_at": top["at"],
        "others": others,
    }


@st.composite
def lists(draw) -> dict:
    ids = draw(st.lists(st.sampled_from(("p1", "p2", "p3", "p4")), unique=True, max_size=4))
    raw = {
        "format": share.FORMAT_NAME,
        "version": 1,
        "name": draw(st.sampled_from(("L", "List two"))),
        "description": draw(st.sampled_from(("", "d"))),
        "author": draw(st.sampled_from(PERSONS)),
        "created": draw(st.sampled_from(TIMES)),
        "updated": draw(st.sampled_from(TIMES)),
        "papers": [draw(papers(pid)) for pid in ids],
    }
    # Through the loader, as merge inputs always are: canonical form.
    return share.load_list(json.dumps(raw), "gen.json")


MERGE_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@MERGE_SETTINGS
@given(lists(), lists())
def test_merge_is_commutative(a, b):
    assert share.merge_lists(a, b) == share.merge_lists(b, a)


@MERGE_SETTINGS
@given(lists())
def test_merge_is_idempotent(a):
    assert share.merge_lists(a, a) == a


@MERGE_SETTINGS
@given(lists(), lists())
def test_merging_the_same_version_again_changes_nothing(a, b):
    ab = share.merge_lists(a, b)
    assert share.merge_lists(ab, b) == ab
    assert share.merge_lists(a, ab) == ab


@MERGE_SETTINGS
@given(lists(), lists(), lists())
def test_merge_is_associative(a, b, c):
    left = share.merge_lists(share.merge_lists(a, b), c)
    right = share.merge_lists(a, share.merge_lists(b, c))
    assert left == right


def _views_by_person(paper: dict) -> dict[str, share.PaperView]:
    return share.paper_views(paper)


@MERGE_SETTINGS
@given(lists(), lists())
def test_merge_loses_nothing_but_a_persons_superseded_views(a, b):
    merged = share.merge_lists(a, b)
    assert schema_validator().is_valid(merged)
    assert share.load_list(share.dumps_list(merged).decode(), "m.json") == merged
    out = {p["id"]: p for p in merged["papers"]}
    assert set(out) == {p["id"] for p in a["papers"]} | {p["id"] for p in b["papers"]}
    for source in (a, b):
        for paper in source["papers"]:
            kept = _views_by_person(out[paper["id"]])
            for by, view in _views_by_person(paper).items():
                assert by in kept
                assert kept[by].content_key() >= view.content_key()
                assert set(view.tags) <= set(kept[by].tags)
            # The top-level view is the newest one.
            top = out[paper["id"]]
            assert all(top["changed_at"] >= v.at for v in kept.values())
    newer = max(a, b, key=lambda d: d["updated"])
    assert merged["updated"] == newer["updated"]


def _one_paper_list(author: str, note: str, at: str, tags: list[str], **extra) -> dict:
    return share.load_list(
        json.dumps(
            {
                "format": share.FORMAT_NAME,
                "version": 1,
                "name": f"{author}'s copy",
                "author": author,
                "updated": at,
                "papers": [
                    {
                        "id": "0a1b2c3d4e5f",
                        "title": "XPO",
                        "note": note,
                        "tags": tags,
                        "changed_by": author,
                        "changed_at": at,
                        **extra,
                    }
                ],
            }
        ),
        f"{author}.json",
    )


def test_two_versions_keep_both_notes():
    alice = _one_paper_list(
        "alice", "read section 3", "2024-03-13T09:00:00Z", ["rlhf"], starred=True
    )
    bob = _one_paper_list(
        "bob", "proofs are heavy", "2024-03-14T09:00:00Z", ["theory"], status="reading"
    )
    merged = share.merge_lists(alice, bob)
    (paper,) = merged["papers"]
    assert (paper["changed_by"], paper["note"], paper["status"]) == (
        "bob",
        "proofs are heavy",
        "reading",
    )
    assert paper["others"] == [
        {
            "by": "alice",
            "note": "read section 3",
            "starred": True,
            "status": "inbox",
            "tags": ["rlhf"],
            "at": "2024-03-13T09:00:00Z",
        }
    ]
    assert merged["name"] == "bob's copy"  # the newer version names the list
    # The merged file, read back, offers both notes to the importer.
    record = parse(share.dumps_list(merged).decode(), "m.json").records[0]
    assert record.shared_by == "bob"
    assert record.triage.note == "proofs are heavy"
    assert [(v.by, v.note) for v in record.triage.shared] == [("alice", "read section 3")]


def test_same_person_two_versions_newest_note_wins_tags_union():
    old = _one_paper_list("alice", "first thought", "2024-03-13T09:00:00Z", ["a", "b"])
    new = _one_paper_list("alice", "second thought", "2024-03-14T09:00:00Z", ["b", "c"])
    (paper,) = share.merge_lists(old, new)["papers"]
    assert (paper["note"], paper["tags"], paper["others"]) == (
        "second thought",
        ["a", "b", "c"],
        [],
    )


def test_merge_unions_papers_and_fills_bibliographic_gaps():
    a = _one_paper_list("alice", "n", "2024-03-13T09:00:00Z", [], doi="10.1/xpo")
    b = share.load_list(
        json.dumps(
            {
                "format": share.FORMAT_NAME,
                "version": 1,
                "name": "b",
                "papers": [
                    {"id": "0a1b2c3d4e5f", "title": "XPO", "year": 2024, "authors": ["T. Xie"]},
                    {"id": "ffffffffffff", "title": "Another"},
                ],
            }
        ),
        "b.json",
    )
    merged = share.merge_lists(a, b)
    assert [p["id"] for p in merged["papers"]] == ["0a1b2c3d4e5f", "ffffffffffff"]
    first = merged["papers"][0]
    assert (first["doi"], first["year"], first["authors"]) == ("10.1/xpo", 2024, ["T. Xie"])


# ----------------------------------------------------------------------- bad input


def valid_raw() -> dict:
    return loads(share.dumps_list(share.build_list(corpus_entries(count=5), META)))


def load_error(data: dict | str, name: str = "their-list.json") -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    with pytest.raises(PapersiftError) as info:
        share.load_list(text, name)
    message = str(info.value)
    assert message.startswith(name), message
    # The reader raises the same error for the same text.
    with pytest.raises(PapersiftError, match="^" + re.escape(name)):
        parse(text, name)
    return message


def test_not_json_names_line_and_column():
    message = load_error('{\n  "format": "papersift-reading-list",\n  "version": ,\n}')
    assert message.startswith("their-list.json:3:14: not valid JSON")


def test_wrong_type_names_the_json_path():
    raw = valid_raw()
    raw["papers"][3]["tags"] = [5]
    message = load_error(raw)
    assert "$.papers[3].tags[0]: expected a string, got a number" in message


def test_missing_field_names_the_json_path():
    raw = valid_raw()
    del raw["papers"][1]["title"]
    assert "$.papers[1].title: required field is missing" in load_error(raw)
    raw = valid_raw()
    del raw["name"]
    assert "$.name: required field is missing" in load_error(raw)


def test_unknown_field_is_caught_as_a_likely_typo():
    raw = valid_raw()
    raw["papers"][2]["tag"] = ["x"]
    assert "$.papers[2].tag: unknown field" in load_error(raw)


def test_newer_version_says_upgrade():
    raw = valid_raw()
    raw["version"] = 3
    raw["papers"][0]["new_v3_field"] = True  # not reported: the version is the problem
    message = load_error(raw)
    assert "$.version" in message
    assert "newer papersift" in message and "upgrade" in message


@pytest.mark.parametrize("fmt", ["something-else", None, 5])
def test_wrong_format_is_not_a_reading_list(fmt):
    raw = valid_raw()
    if fmt is None:
        del raw["format"]
    else:
        raw["format"] = fmt
    assert "$.format: not a papersift reading list" in load_error(raw)


@pytest.mark.parametrize("value", [[], "x", 3, None, True])
def test_top_level_must_be_an_object(value):
    assert "$: expected an object" in load_error(json.dumps(value))


def test_deep_nesting_is_refused_before_parsing():
    deep = "[" * 10_000 + "]" * 10_000
    text = (
        '{"format": "papersift-reading-list", "version": 1, "name": "x",\n "papers": ' + deep + "}"
    )
    message = load_error(text)
    assert "nested more than 16 levels" in message
    assert message.startswith("their-list.json:2:")


def test_depth_limit_is_exact_and_ignores_brackets_in_strings():
    share_validate._check_depth("[" * 16 + "]" * 16, "f")
    with pytest.raises(PapersiftError, match="nested"):
        share_validate._check_depth("{" + "[" * 16 + "]" * 16 + "}", "f")
    raw = valid_raw()
    raw["papers"][0]["note"] = "[" * 10_000 + '\\"{'
    assert share.load_list(json.dumps(raw), "f")["papers"]


def test_oversized_string_is_refused():
    raw = valid_raw()
    raw["papers"][4]["note"] = "x" * (share.MAX_STRING + 1)
    message = load_error(raw)
    assert "$.papers[4].note: 1,000,001 characters is more than the 1,000,000 allowed" in message


def test_oversized_text_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(share_validate, "MAX_LIST_CHARS", 1000)
    assert "more than" in load_error("{" + " " * 2000 + "}")


def test_too_many_papers_is_refused():
    papers = ",".join('{"id":"a","title":""}' for _ in range(share.MAX_PAPERS + 1))
    text = '{"format":"papersift-reading-list","version":1,"name":"x","papers":[' + papers + "]}"
    with pytest.raises(PapersiftError, match=r"^big\.json: \$\.papers: 1,000,001 papers"):
        share.load_list(text, "big.json")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("status", "done", '$.papers[0].status: expected one of "inbox"'),
        ("starred", "yes", "$.papers[0].starred: expected true or false, got a string"),
        ("year", 2024.5, "$.papers[0].year: expected an integer or null, got a number"),
        ("year", 99999, "$.papers[0].year: 99999 is out of range"),
        ("changed_at", "yesterday", '$.papers[0].changed_at: "yesterday" is not an ISO-8601'),
        ("changed_at", "2024-13-45T00:00:00Z", '$.papers[0].changed_at: "2024-13-45T00:00:00Z"'),
        ("id", "../../etc/passwd", '$.papers[0].id: "../../etc/passwd" is not a paper id'),
        ("id", "abc\n", "$.papers[0].id:"),
        ("tags", [""], "$.papers[0].tags[0]: must not be empty"),
        ("others", [{"note": "x"}], "$.papers[0].others[0].by: required field is missing"),
    ],
)
def test_bad_values_name_their_path(field, value, expected):
    raw = valid_raw()
    raw["papers"][0][field] = value
    assert expected in load_error(raw)


def test_duplicate_ids_are_refused():
    raw = valid_raw()
    raw["papers"][3]["id"] = raw["papers"][1]["id"]
    assert "$.papers[3].id: id" in load_error(raw)
    assert "$.papers[1]" in load_error(raw)


def test_reading_a_bad_file_names_the_file(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "papersift-reading-list", "version": 3}')
    with pytest.raises(PapersiftError, match=r"^broken\.json: \$\.version: .*upgrade"):
        read_path(path)


def test_parse_text_dispatches_to_the_reading_list_reader():
    result = parse_text(
        share.dumps_list(share.build_list(corpus_entries(count=3), META)).decode(), "l.json"
    )
    assert result.format == "reading-list"
    assert len(result.records) == 3


# ----------------------------------------------------------------------- fuzzing

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8)
            | st.sampled_from(
                sorted(
                    {
                        "id",
                        "title",
                        "tags",
                        "note",
                        "by",
                        "at",
                        "others",
                        "status",
                        "starred",
                        "year",
                        "papers",
                        "name",
                        "format",
                        "version",
                    }
                )
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _mutate(draw, value):
    """Replace one node somewhere inside `value` with an arbitrary JSON value."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        return {**value, key: _mutate(draw, value[key])}
    if isinstance(value, list) and value and draw(st.booleans()):
        i = draw(st.integers(0, len(value) - 1))
        return [*value[:i], _mutate(draw, value[i]), *value[i + 1 :]]
    if isinstance(value, dict) and value and draw(st.booleans()):
        gone = draw(st.sampled_from(sorted(value)))
        return {k: v for k, v in value.items() if k != gone}
    return draw(json_values)


@st.composite
def mutated_lists(draw) -> dict:
    base = draw(lists())
    return _mutate(draw, base)


def _load_only_papersift_errors(text: str) -> dict | None:
    try:
        data = share.load_list(text, "fuzz.json")
    except PapersiftError as exc:
        assert str(exc).startswith("fuzz.json")
        return None
    assert schema_validator().is_valid(data)
    assert share.load_list(share.dumps_list(data).decode(), "again.json") == data
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values | mutated_lists())
def test_fuzz_json_values_raise_only_papersift_error(value):
    _load_only_papersift_errors(json.dumps(value))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_text_raises_only_papersift_error(text):
    _load_only_papersift_errors(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]":,0123456789abc\\ \n', max_size=300))
def test_fuzz_json_like_text_raises_only_papersift_error(text):
    _load_only_papersift_errors(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values | mutated_lists())
def test_fast_check_agrees_with_jsonschema(value):
    # The loader decides validity with code generated from the schema (jsonschema is too
    # slow for big lists); it must accept exactly what jsonschema accepts.
    assert share.matches_schema(value) == valid_in_some_version(value)


@pytest.mark.parametrize("field", ["id", "changed_at"])
def test_fast_check_agrees_on_a_final_newline(field):
    # `$` in a pattern: before a final newline it matches in Python's regexes (jsonschema)
    # and not in ECMA-262's (fastjsonschema, as written); the loader must not disagree.
    paper = {"id": "a1", "title": "t", "changed_at": "2024-03-13T09:30:00Z"}
    paper[field] += "\n"
    data = {"format": share.FORMAT_NAME, "version": 1, "name": "n", "papers": [paper]}
    assert share.matches_schema(data) == schema_validator(1).is_valid(data) is True
    with pytest.raises(PapersiftError, match=r"\$\.papers\[0\]\." + field):
        share.load_list(json.dumps(data), "list.json")
