"""Key bindings: which exist, how their keys are shown, and checks of a user's keymap.

Every papersift binding has an id, so `[keys]` in the config (`tui.config`) can move
it. The ids a keymap may name are those of the App and of every class in the
`papersift.tui.screens` and `papersift.tui.widgets` packages: the packages are walked
(`binding_classes`), so a new screen's ids are known without being listed anywhere.

Nothing here holds a screen: the App's class and the classes checked together for
clashes are arguments, so this module imports no screen and no screen imports the App.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

#: The packages whose classes may carry bindings a keymap can target.
BINDING_PACKAGES = ("papersift.tui.screens", "papersift.tui.widgets")

#: The default key of each triage status, on the main screen and in triage mode
#: (the names and descriptions are `models.STATUS_LABELS`).
STATUS_KEYS = {"inbox": "i", "to-read": "r", "reading": "w", "read": "x", "discarded": "d"}


def _papersift_classes(cls: type) -> Iterable[type]:
    """`cls` and its bases written in papersift (Textual's built-ins left out)."""
    return (klass for klass in cls.__mro__ if klass.__module__.startswith("papersift."))


def class_bindings(cls: type) -> list[Binding]:
    """The bindings papersift's own classes declare (not Textual's built-ins), one per
    action, the subclass's first."""
    out: list[Binding] = []
    seen: set[str] = set()
    for klass in _papersift_classes(cls):
        for binding in klass.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.action not in seen:
                seen.add(binding.action)
                out.append(binding)
    return out


def own_bindings(node: DOMNode) -> list[Binding]:
    """The bindings papersift's own classes declare for `node`."""
    return class_bindings(type(node))


def key_labels(app: Any, binding: Binding) -> list[str]:
    """How the keys bound now (keymap applied) are shown, e.g. ["↑", "k"]."""
    keymap: dict[str, str] = getattr(app, "_keymap", {}) or {}
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    labels = []
    for key in keys.split(","):
        key = key.strip()
        if key:
            labels.append(app.get_key_display(binding.with_key(key, key_display=None)))
    return labels


def key_of(screen: Screen[Any], action: str, *, every: bool = False) -> str:
    """The key bound to `action` on `screen` as the footer shows it (after the user's
    keymap), so hint lines never name a key that was remapped; `every`: all its keys,
    joined by "/"."""
    keys = [
        screen.app.get_key_display(active.binding)
        for active in screen.active_bindings.values()
        if active.node is screen and active.binding.action == action
    ]
    if not keys:
        return "?"
    return "/".join(dict.fromkeys(keys)) if every else keys[0]


def binding_classes(packages: Iterable[str] = BINDING_PACKAGES) -> list[type]:
    """Every class defined in a module of `packages` that has papersift bindings, found by
    importing each module of each package (a module that fails to import is skipped,
    as the hand-kept list this replaces did)."""
    found: list[type] = []
    for package_name in packages:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__, f"{package_name}."):
            try:
                module = importlib.import_module(info.name)
            except ImportError:
                continue
            for _name, value in inspect.getmembers(module, inspect.isclass):
                # Imported classes are found in their own module (or are Textual's).
                if value.__module__ == module.__name__ and class_bindings(value):
                    found.append(value)
    return found


def binding_ids(cls: type) -> set[str]:
    """The ids of every binding papersift's classes declare for `cls` (its own and
    those of its papersift bases)."""
    return {
        binding.id
        for klass in _papersift_classes(cls)
        for binding in klass.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }


def known_binding_ids(app_cls: type, packages: Iterable[str] = BINDING_PACKAGES) -> set[str]:
    """Every binding id a keymap may name: the App's (`app_cls`) and those of every
    class in the screen and widget packages."""
    ids = binding_ids(app_cls)
    for cls in binding_classes(packages):
        ids |= binding_ids(cls)
    return ids


def followed_keymap(keymap: Mapping[str, str], classes: Iterable[type]) -> dict[str, str]:
    """`keymap` with the bindings that follow another given its keys.

    A class lists in `KEYMAP_FOLLOWS` (its binding id → the id it follows) the bindings
    that do on its screen what another does elsewhere: triage's `triage.star` follows
    the main screen's `star`, so `star = "f"` moves both. A binding the keymap names
    itself keeps what it was given (`triage.star = "g"` moves only triage's)."""
    out = dict(keymap)
    for cls in classes:
        for own, followed in getattr(cls, "KEYMAP_FOLLOWS", {}).items():
            if followed in keymap and own not in keymap:
                out[own] = keymap[followed]
    return out


def keymap_clashes(keymap: Mapping[str, str], classes: Iterable[type]) -> list[str]:
    """Keys that a remapping gave to two bindings active at once.

    `classes` are the classes whose bindings are in force together, the one that wins
    a key first (for the main screen: the paper list, the screen, the App). Textual
    only reports clashes within one widget's bindings, so these are checked here.
    """
    owner: dict[str, Binding] = {}
    problems = []
    for cls in classes:
        for binding in class_bindings(cls):
            remapped = binding.id in keymap
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            for key in (k.strip() for k in keys.split(",")):
                first = owner.setdefault(key, binding)
                if first.id == binding.id or first.action == binding.action:
                    continue
                if remapped or (first.id in keymap):
                    problems.append(
                        f"[keys] gives {key!r} to both {first.id} and {binding.id}; "
                        f"it does {first.id}"
                    )
    return problems
