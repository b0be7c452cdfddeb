"""The TUI's one home for bindings, styles and status labels: screens are found by
walking their packages, every binding id is known to the keymap check, the
stylesheets are read once (by the App, and the test host reads the same), and the
status keys' names come from `models.STATUS_LABELS`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

import papersift.tui
import papersift.tui.screens
from papersift.models import STATUS_LABELS, STATUSES
from papersift.tui import bindings, styles
from papersift.tui.app import PapersiftApp
from papersift.tui.bindings import STATUS_KEYS, binding_classes, keymap_clashes, known_binding_ids
from papersift.tui.screens.main import MainScreen
from papersift.tui.screens.triage import DECISION_IDS, TriageScreen
from papersift.tui.widgets.paper_list import PaperList

from .screens_host import HostApp

THROWAWAY = """
from textual.binding import Binding
from textual.screen import Screen


class ThrowawayScreen(Screen[None]):
    BINDINGS = [Binding("z", "nothing", "Nothing", id="throwaway.nothing")]
"""


def tui_classes() -> list[type]:
    """Every DOM class written anywhere in papersift.tui (every module imported)."""
    classes = []
    for info in pkgutil.walk_packages(papersift.tui.__path__, "papersift.tui."):
        module = importlib.import_module(info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if value.__module__ == module.__name__ and issubclass(value, DOMNode):
                classes.append(value)
    return classes


def test_a_screen_module_dropped_in_the_package_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "throwaway.nothing" not in known_binding_ids(PapersiftApp)
    (tmp_path / "throwaway_screen.py").write_text(THROWAWAY)
    package = papersift.tui.screens
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    try:
        found = {cls.__name__ for cls in binding_classes()}
        assert "ThrowawayScreen" in found
        assert "throwaway.nothing" in known_binding_ids(PapersiftApp)
    finally:
        sys.modules.pop("papersift.tui.screens.throwaway_screen", None)


def test_every_binding_id_of_every_tui_class_is_known() -> None:
    known = known_binding_ids(PapersiftApp)
    declared = {
        binding.id
        for cls in tui_classes()
        for binding in cls.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }
    # A few of each screen's, so an empty walk cannot pass.
    assert {"rename.cancel", "import.close", "confirm.yes", "triage.discard", "undo"} <= known
    assert declared - known == set()


def test_imported_textual_classes_are_not_collected() -> None:
    # tag_editor imports Input and OptionList: their bindings are Textual's, not ours.
    assert all(cls.__module__.startswith("papersift.") for cls in binding_classes())


def test_keymap_clashes_checks_the_classes_given_together() -> None:
    classes = (PaperList, MainScreen, PapersiftApp)
    assert keymap_clashes({}, classes) == []
    # "s" is the main screen's star key; giving it to undo (the app's) clashes.
    problems = keymap_clashes({"undo": "s"}, classes)
    assert problems == ["[keys] gives 's' to both star and undo; it does star"]
    # Checked alone, the app has no other binding on "s".
    assert keymap_clashes({"undo": "s"}, (PapersiftApp,)) == []


# ---------------------------------------------------------------------- styles


def test_styles_are_read_once_by_the_app_and_the_host_reads_the_same() -> None:
    paths = styles.css_paths()
    assert [p.name for p in paths] == sorted(p.name for p in paths)
    assert {"app.tcss", "screens.tcss"} <= {p.name for p in paths}
    assert [Path(p) for p in PapersiftApp.CSS_PATH] == paths
    assert paths == HostApp.CSS_PATH
    for cls in tui_classes():
        if issubclass(cls, App):
            continue
        for name in ("CSS_PATH", "CSS", "DEFAULT_CSS"):
            assert name not in cls.__dict__, f"{cls.__name__}.{name}: styles live in styles/"


def test_a_new_stylesheet_is_read_without_being_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("screens.tcss", "app.tcss", "triage.tcss"):
        (tmp_path / name).write_text("")
    monkeypatch.setattr(styles, "styles_dir", lambda: tmp_path)
    assert [p.name for p in styles.css_paths()] == ["app.tcss", "screens.tcss", "triage.tcss"]


def test_each_screens_stylesheet_is_named_after_its_module() -> None:
    modules = {info.name for info in pkgutil.iter_modules(papersift.tui.screens.__path__)}
    own = [p.stem for p in styles.css_paths() if p.name not in ("app.tcss", "screens.tcss")]
    assert own, "the screens' rules are split per screen"
    assert set(own) <= modules


# ---------------------------------------------------------------------- status labels


def test_statuses_come_from_the_one_table() -> None:
    assert STATUSES == ("inbox", "to-read", "reading", "read", "discarded")
    assert set(STATUS_KEYS) == set(STATUSES) == set(DECISION_IDS)
    assert all(STATUS_LABELS[s].name == s for s in STATUSES)


def test_triage_keys_are_named_from_the_table() -> None:
    decisions = {
        b.action: b
        for b in TriageScreen.BINDINGS
        if isinstance(b, Binding) and b.action.startswith("decide")
    }
    for status, label in STATUS_LABELS.items():
        binding = decisions[f"decide({status!r})"]
        assert (binding.key, binding.description) == (STATUS_KEYS[status], label.action)
    # The ids users' configs name are kept ("discard", as before).
    assert decisions["decide('discarded')"].id == "triage.discard"


def test_bindings_module_holds_no_screen() -> None:
    # Screens import `bindings`; it must not import them back (or the App).
    source = Path(bindings.__file__).read_text()
    assert "papersift.tui.screens." not in source.replace('"papersift.tui.screens"', "")
    assert "papersift.tui.app" not in source


# ---------------------------------------------------------------------- copy formats


def test_export_keys_follow_the_core_table_of_copy_formats() -> None:
    from papersift.copy_formats import COPY_FORMATS
    from papersift.tui.screens.export import COPY_KEYS, ExportScreen

    assert set(COPY_KEYS) == set(COPY_FORMATS), "every copy format needs a key"
    copies = [
        b for b in ExportScreen.BINDINGS if isinstance(b, Binding) and b.action.startswith("copy(")
    ]
    assert [b.action for b in copies] == [f"copy({fmt!r})" for fmt in COPY_FORMATS]
    assert [b.id for b in copies] == [f"export.{fmt}" for fmt in COPY_FORMATS]
    assert len({b.key for b in copies}) == len(copies)
