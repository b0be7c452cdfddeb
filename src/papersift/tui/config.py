"""The TUI's part of the user's config file: key bindings, the theme, the ranking, the
watched folder.

The config is TOML at `paths.config_file()` (or `$PAPERSIFT_CONFIG`)::

    theme = "nord"

    [rank]
    model = "svm"              # or "asreview", "lr", "nb", "ensemble" (`rank status --help`)
    stop_after = 50            # stopping rule: this many irrelevant in a row…
    min_share = 0.1            # …after at least this share of the papers screened
    explore = 0.1              # triage: every 10th pick is a paper the model is unsure of

    [watch]
    folder = "~/Downloads/papers"  # import the files that appear here (palette: stop)
    interval = 2               # seconds between looks at it

    [keys]
    star = "f"                 # a binding id = the key(s) that trigger it
    status-read = "x,4"        # several keys: comma-separated (or a TOML list)

Binding ids are listed on the help screen (`?`) and checked against the bindings by
`tui.bindings.known_binding_ids`. Nothing here imports Textual: the app applies the
result with `App.set_keymap` and `App.theme`. A broken config never stops the app:
what cannot be used is reported in `UiConfig.problems` and ignored.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from papersift.models import positive_number
from papersift.paths import config_file
from papersift.ranking.screening import DEFAULT_EXPLORE, MAX_EXPLORE, valid_explore

# A key as Textual names it: "x", "X", "ctrl+x", "shift+f5", "question_mark", "?", "space".
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:\S)+$")


@dataclass(slots=True)
class UiConfig:
    """What the config file asks of the TUI."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    #: `[rank]`: the ranking model and the stopping rule (see `papersift rank --help`).
    rank_model: str = "svm"
    stop_after: int = 50
    min_share: float = 0.10
    #: `[rank] explore`: the share of triage's picks that are exploration picks (0-0.5).
    explore: float = DEFAULT_EXPLORE
    #: `[watch]`: the folder the app watches from the start (`tui.watching`).
    watch_folder: Path | None = None
    watch_interval: float = 2.0
    problems: list[str] = field(default_factory=list)


def _key_list(value: object) -> str | None:
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        parts = [p.strip() for v in value for p in v.split(",")]
    else:
        return None
    if not parts or any(not p or not _KEY.match(p) for p in parts):
        return None
    return ",".join(parts)


def load_config(path: Path | None = None) -> UiConfig:
    """Read the TUI settings from the config file; a missing file is an empty config."""
    path = Path(path) if path is not None else config_file()
    config = UiConfig(path=path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return config
    except OSError as exc:
        config.problems.append(f"{path}: cannot read the config: {exc.strerror or exc}")
        return config
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        config.problems.append(f"{path}: not UTF-8 text; the config was ignored")
        return config
    except tomllib.TOMLDecodeError as exc:
        config.problems.append(f"{path}: {exc}; the config was ignored")
        return config

    theme = data.get("theme")
    if theme is not None:
        if isinstance(theme, str) and theme.strip():
            config.theme = theme.strip()
        else:
            config.problems.append(f"{path}: theme must be a theme name in quotes")
    _read_rank(data.get("rank", {}), config, path)
    _read_watch(data.get("watch", {}), config, path)
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        config.problems.append(f'{path}: [keys] must be a table of binding-id = "key"')
        keys = {}
    for binding_id, value in keys.items():
        key = _key_list(value)
        if key is None:
            config.problems.append(
                f'{path}: [keys] {binding_id} = {value!r}: expected a key such as "x", '
                '"ctrl+x" or "x,y"'
            )
            continue
        config.keys[str(binding_id)] = key
    return config


def _read_rank(rank: object, config: UiConfig, path: Path) -> None:
    from papersift.models import PapersiftError
    from papersift.ranking.settings import MODELS, model_named

    if not isinstance(rank, dict):
        config.problems.append(
            f"{path}: [rank] must be a table (model, stop_after, min_share, explore)"
        )
        return
    names = [m.name for m in MODELS]
    model = rank.get("model")
    if model is not None:
        try:
            config.rank_model = model_named(str(model)).name
        except PapersiftError:
            config.problems.append(f"{path}: [rank] model = {model!r}: use one of {names}")
    stop_after = rank.get("stop_after")
    if stop_after is not None:
        if isinstance(stop_after, int) and not isinstance(stop_after, bool) and stop_after > 0:
            config.stop_after = stop_after
        else:
            config.problems.append(f"{path}: [rank] stop_after must be a whole number > 0")
    min_share = rank.get("min_share")
    if min_share is not None:
        if isinstance(min_share, int | float) and 0 <= min_share <= 1:
            config.min_share = float(min_share)
        else:
            config.problems.append(f"{path}: [rank] min_share must be between 0 and 1")
    explore = rank.get("explore")
    if explore is not None:
        if (share := valid_explore(explore)) is not None:
            config.explore = share
        else:
            config.problems.append(
                f"{path}: [rank] explore = {explore!r}: the share of exploration picks in "
                f"triage must be a number from 0 to {MAX_EXPLORE} (0.1: every 10th pick)"
            )


def _read_watch(watch: object, config: UiConfig, path: Path) -> None:
    if not isinstance(watch, dict):
        config.problems.append(f"{path}: [watch] must be a table (folder, interval)")
        return
    folder = watch.get("folder")
    if folder is not None:
        if isinstance(folder, str) and folder.strip():
            config.watch_folder = Path(folder.strip()).expanduser()
        else:
            config.problems.append(f"{path}: [watch] folder must be a folder's path in quotes")
    interval = watch.get("interval")
    if interval is not None:
        if (seconds := positive_number(interval)) is not None:
            config.watch_interval = seconds
        else:
            config.problems.append(f"{path}: [watch] interval must be a number of seconds > 0")


def unknown_ids(keys: dict[str, str], known: Iterable[str]) -> list[str]:
    """The binding ids in `keys` that no binding has (probably typos)."""
    known_set = set(known)
    return sorted(k for k in keys if k not in known_set)
