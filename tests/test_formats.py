"""The import format registry: detection order, lazy readers, messages derived from it."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from papersift import readers
from papersift.models import PapersiftError, Record, Source
from papersift.readers import (
    FORMATS,
    Format,
    ReadResult,
    describe_formats,
    detect_format,
    format_named,
    format_names,
    parse_text,
    read_path,
)
from papersift.readers import formats as registry


def test_every_format_has_a_reader_and_one_catch_all():
    assert format_names() == [
        "csl-json",
        "reading-list",
        "review-csv",
        "ris",
        "bibtex",
        "listing",
    ]
    for fmt in FORMATS:
        assert callable(importlib.import_module(fmt.module).parse)
        assert fmt.description.startswith(("a ", "an "))
    catch_all = [f for f in FORMATS if f.sniff is None]
    assert catch_all == [FORMATS[-1]], "only the last format may take any text"


def test_messages_list_the_registered_formats():
    listed = "a CSL-JSON file, a reading list, a screening .csv file, an RIS file, a .bib file"
    assert describe_formats() == f"{listed} or a saved listing page"
    assert describe_formats("and") == f"{listed} and a saved listing page"
    with pytest.raises(PapersiftError, match="unknown format 'enw'"):
        format_named("enw")
    with pytest.raises(PapersiftError, match="unknown format"):
        parse_text("x", "x.txt", fmt="enw")


def test_binary_file_message_names_the_formats(tmp_path: Path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x00\x01PK")
    with pytest.raises(PapersiftError) as info:
        read_path(path)
    assert str(info.value) == (
        f"x.bin: looks like a binary file (NUL bytes), not {describe_formats()}"
    )


def test_content_first_then_the_name_then_the_catch_all():
    bib = "@misc{a, title={T}}"
    assert detect_format('{"format": 1}', "refs.bib") == "reading-list"
    assert detect_format(bib, "page.txt") == "bibtex"
    assert detect_format("A title\nAn abstract.", "refs.BIB") == "bibtex"
    assert detect_format("A title\nAn abstract.", "refs.bibtex") == "bibtex"
    # A reading list is recognised by its content alone.
    assert detect_format("A title\nAn abstract.", "list.json") == "listing"
    assert detect_format("A title\nAn abstract.", "") == "listing"
    # Only the first 200,000 characters are searched for an entry.
    assert detect_format("x" * 200_001 + "\n@misc{a, title={T}}") == "listing"


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(["", "a.bib", "a.txt", "a.json", "a.bibtex"]))
def test_detection_always_names_a_registered_format(text: str, name: str):
    assert detect_format(text, name) in format_names()


def _fake_enw_module() -> types.ModuleType:
    module = types.ModuleType("fake_enw_reader")

    def parse(text: str, file_name: str) -> ReadResult:
        result = ReadResult(file=file_name, format="enw")
        for n, block in enumerate(text.split("%0 ")[1:]):
            for line in block.splitlines():
                if line.startswith("%T "):
                    source = Source(file=file_name, index=n)
                    result.records.append(Record(title=line[3:], source=source))
        return result

    module.parse = parse  # type: ignore[attr-defined]
    return module


def test_a_new_format_is_one_registry_line(monkeypatch: pytest.MonkeyPatch):
    """What the recipe promises: a reader module plus one `Format` line, and detection,
    parsing and every message pick it up."""
    monkeypatch.setitem(sys.modules, "fake_enw_reader", _fake_enw_module())
    enw = Format(
        "enw", "an EndNote file", "fake_enw_reader", lambda t: t.startswith("%0 "), (".enw",)
    )
    monkeypatch.setattr(registry, "FORMATS", (*registry.FORMATS[:-1], enw, registry.FORMATS[-1]))
    text = "%0 Journal Article\n%T A Title\n"
    assert detect_format(text, "x.txt") == "enw"
    assert detect_format("A title\nAn abstract.", "x.enw") == "enw"
    assert [r.title for r in parse_text(text, "x.txt").records] == ["A Title"]
    assert format_names()[-2:] == ["enw", "listing"]
    assert describe_formats().endswith("a .bib file, an EndNote file or a saved listing page")
    assert readers.format_named("enw") is enw


def test_reading_a_listing_never_imports_bibtexparser(tmp_path: Path):
    path = tmp_path / "page.txt"
    path.write_text("A Title\n" + "An abstract of the paper, long enough to be one. " * 3)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from papersift.readers import read_path\n"
        f"assert read_path(Path({str(path)!r})).records\n"
        "print('bibtexparser' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
