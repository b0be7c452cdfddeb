"""The export screen saves BibTeX, RIS and CSL-JSON, registers and removes
auto-exports, and every copy or save from the app pins the keys it hands out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.widgets import Checkbox, Input, Select, Static

from papersift import auto_export
from papersift.actions import set_starred
from papersift.citekeys import citation_keys, library_keys
from papersift.exporters import EXPORT_FORMATS, format_for_path
from papersift.importer import import_files
from papersift.readers import ris
from papersift.store import Library
from papersift.tui.app import PapersiftApp
from papersift.tui.screens.export import (
    FILE_FORMATS,
    AutoExportList,
    ExportScreen,
    with_extension,
)
from tests.tui.conftest import settle

SIZE = (160, 50)
SCHEMA = json.loads(
    (Path(__file__).parent.parent / "data" / "csl-schema" / "csl-data.json").read_text("utf-8")
)


@pytest.fixture
def no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    """A headless session: the text goes to the terminal (OSC 52), which the app keeps."""
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)


async def _open(pilot, app: PapersiftApp, ids: list[str]) -> ExportScreen:
    await settle(pilot, app)
    screen = ExportScreen(ids)
    app.push_screen(screen)
    await settle(pilot, app)
    return screen


def test_the_file_formats_are_the_core_tables_with_a_known_ending() -> None:
    assert FILE_FORMATS == ("bibtex", "ris", "csl-json")
    assert all(EXPORT_FORMATS[f].extension for f in FILE_FORMATS)


@given(
    stem=st.text(st.characters(codec="utf-8", exclude_characters="/\\\0."), min_size=1),
    ending=st.sampled_from(["", ".bib", ".RIS", ".json", ".txt"]),
    fmt=st.sampled_from(FILE_FORMATS),
)
def test_the_ending_follows_the_format_and_only_a_format_ending_is_replaced(
    stem: str, ending: str, fmt: str
) -> None:
    raw = f"dir/{stem}{ending}"
    out = with_extension(raw, fmt)
    if ending == ".txt" or format_for_path(ending) == fmt:
        assert out == raw  # the user's own ending (and its case) is kept
    else:
        assert out == f"dir/{stem}{EXPORT_FORMATS[fmt].extension}"
    assert with_extension(out, fmt) == out


async def test_a_ris_save_is_read_back_by_the_ris_reader(make_app, tmp_path: Path) -> None:
    app = make_app()
    ids = list(app.library.papers)[:5]
    target = tmp_path / "refs"
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, ids)
        path_input = screen.query_one("#export-path", Input)
        screen.query_one("#export-file-format", Select).value = "ris"
        await settle(pilot, app)
        # The ending follows the format chosen.
        assert path_input.value == "~/papersift-export.ris"
        assert screen.query_one("#export-ascii", Checkbox).disabled
        path_input.value = str(target)
        await settle(pilot, app)
        screen.query_one("#export-file-format", Select).value = "bibtex"
        await settle(pilot, app)
        assert path_input.value == f"{target}.bib"
        screen.query_one("#export-file-format", Select).value = "ris"
        await settle(pilot, app)
        assert path_input.value == f"{target}.ris"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, ExportScreen)
        pinned = app.library.pinned_keys()
        papers = [app.library.papers[i] for i in ids]
    result = ris.parse(Path(f"{target}.ris").read_text("utf-8"), "refs.ris")
    assert result.warnings == []
    assert [r.title for r in result.records] == [p.title for p in papers]
    assert [r.year for r in result.records] == [p.year for p in papers]
    # Exported keys are pinned, the ones the file carries.
    assert set(pinned) == set(ids)
    assert re.findall(r"^ID  - (.+)$", Path(f"{target}.ris").read_text("utf-8"), re.M) == [
        pinned[i] for i in ids
    ]


async def test_a_typed_json_ending_saves_valid_csl_json(make_app, tmp_path: Path) -> None:
    app = make_app()
    ids = list(app.library.papers)[:20]
    target = tmp_path / "refs.json"
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, ids)
        screen.query_one("#export-path", Input).value = str(target)
        await settle(pilot, app)
        # The format follows the typed ending, as `papersift export -o refs.json` infers it.
        assert screen.query_one("#export-file-format", Select).value == "csl-json"
        assert screen.query_one("#export-path", Input).value == str(target)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        keys = library_keys(app.library)
    data = json.loads(target.read_text("utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert [item["id"] for item in data] == [keys[i] for i in ids]


async def test_keep_updated_registers_an_export_a_star_rewrites_and_delete_removes(
    make_app, tmp_path: Path
) -> None:
    app = make_app()
    ids = list(app.library.papers)[:3]
    target = tmp_path / "kept.ris"
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, ids)
        assert not screen.query_one("#export-autos-box").display  # none registered yet
        screen.query_one("#export-path", Input).value = str(target)
        await settle(pilot, app)
        await pilot.click("#export-keep")
        await settle(pilot, app)
        assert screen.query_one("#export-keep", Checkbox).value
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        (saved,) = auto_export.registrations(app.library)
        assert (saved.path, saved.format, saved.ids) == (str(target.resolve()), "ris", tuple(ids))
        before = target.read_text("utf-8")
        assert "papersift:starred" not in before

        app.perform(lambda: set_starred(app.library, [ids[1]], True))
        await settle(pilot, app)
        after = target.read_text("utf-8")
        assert after.count("papersift:starred") == 1
        assert after.count("TY  - ") == 3

        screen = await _open(pilot, app, ids[:1])
        autos = screen.query_one(AutoExportList)
        assert screen.query_one("#export-autos-box").display and autos.option_count == 1
        assert str(target.resolve()) in str(autos.get_option_at_index(0).prompt)
        autos.focus()
        await pilot.press("delete")
        await settle(pilot, app)
        assert auto_export.registrations(app.library) == []
        assert not screen.query_one("#export-autos-box").display
        messages = [n.message for n in app._notifications]
        assert any("is no longer kept up to date (the file stays)" in m for m in messages)
    assert target.read_text("utf-8") == after


async def test_a_key_copied_from_the_main_screen_stays_after_a_colliding_import(
    make_app, tmp_path: Path, no_system_clipboard: None
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        pid = app.main_screen.paper_list.cursor_id
        key = library_keys(app.library)[pid]
        assert app.library.pinned_keys() == {}
        await pilot.press("y")
        await settle(pilot, app)
        assert "\n@" in app.clipboard and "{" + key + "," in app.clipboard
        assert app.library.pinned_keys() == {pid: key}
    # An imported entry claiming the same key would win it, were the key not pinned.
    bib = tmp_path / "colliding.bib"
    bib.write_text(
        f"@article{{{key},\n  title = {{Collisions of citation keys in shared libraries}},\n"
        "  author = {Zed, Zoe},\n  year = {1999},\n}\n",
        encoding="utf-8",
    )
    known = set(app.library.papers)
    (report,) = import_files(app.library, [bib])
    assert report.ok, report.error
    (new,) = set(app.library.papers) - known
    assert citation_keys(app.library.entries())[new] == key
    keys = library_keys(app.library)
    assert keys[pid] == key
    assert keys[new] != key and keys[new].startswith(key)


async def test_export_screen_copy_pins_the_keys(make_app, no_system_clipboard: None) -> None:
    app = make_app()
    ids = list(app.library.papers)[:4]
    async with app.run_test(size=SIZE) as pilot:
        await _open(pilot, app, ids)
        keys = library_keys(app.library)
        await pilot.press("k")
        await settle(pilot, app)
        # No line break after the last key: it is pasted inside a line.
        assert app.clipboard == "\n".join(keys[i] for i in ids)
        assert app.library.pinned_keys() == {i: keys[i] for i in ids}


async def test_a_read_only_library_keeps_nothing_updated(lib_path: Path, tmp_path: Path) -> None:
    library = Library(lib_path, readonly=True)
    app = PapersiftApp(library, poll_seconds=0)  # type: ignore[arg-type]
    target = tmp_path / "kept.bib"
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open(pilot, app, list(library.papers)[:2])
            screen.query_one("#export-path", Input).value = str(target)
            screen.query_one("#export-keep", Checkbox).value = True
            await settle(pilot, app)
            await pilot.press("ctrl+s")
            await settle(pilot, app)
            assert isinstance(app.screen, ExportScreen)
            messages = [n.message for n in app._notifications]
            assert any("read-only" in m for m in messages), messages
    finally:
        library.close()
    assert not target.exists()
    reopened = Library(lib_path, readonly=True)
    try:
        assert auto_export.registrations(reopened) == []
    finally:
        reopened.close()


async def test_a_relative_path_saves_with_its_ending_and_says_the_full_path(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #18 item 10: "reading" was saved as ./reading, reported as "reading"."""
    start = tmp_path / "start"
    start.mkdir()
    monkeypatch.chdir(start)
    app = make_app()
    ids = list(app.library.papers)[:4]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, ids)
        screen.query_one("#export-path", Input).value = "reading"
        await settle(pilot, app)
        # Where it goes is said before saving, in full.
        target = str(screen.query_one("#export-target", Static).render())
        assert target == f"Save to a file: {start / 'reading.bib'}"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, ExportScreen)
        messages = [n.message for n in app._notifications]
    assert (start / "reading.bib").read_text("utf-8").count("@") == 4
    assert not (start / "reading").exists()
    assert f"Saved 4 entries to {start / 'reading.bib'}" in messages


async def test_a_missing_folder_is_created_after_a_yes(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    ids = list(app.library.papers)[:2]
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, ids)
        path_input = screen.query_one("#export-path", Input)
        path_input.value = "drafts/refs"
        screen.query_one("#export-file-format", Select).value = "ris"
        await settle(pilot, app)
        target = str(screen.query_one("#export-target", Static).render())
        assert target == (
            f"Save to a file: {tmp_path / 'drafts' / 'refs.ris'} "
            f"({tmp_path / 'drafts'} does not exist: asks to create it)"
        )
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        # Asked, naming the folder in full; "no" leaves everything as it was.
        question = str(app.screen.query_one("#confirm-question").render())
        assert f"There is no folder {tmp_path / 'drafts'}." in question
        assert "save refs.ris there?" in question
        await pilot.press("n")
        await settle(pilot, app)
        assert app.screen is screen and not (tmp_path / "drafts").exists()
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        assert not isinstance(app.screen, ExportScreen)
        messages = [n.message for n in app._notifications]
    saved = tmp_path / "drafts" / "refs.ris"
    assert saved.read_text("utf-8").count("ER  -") == 2
    assert f"Saved 2 entries to {saved}" in messages
