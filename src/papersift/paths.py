"""Where papersift keeps things: the library directory, the config file, bundled data.

The library defaults to platformdirs' user data dir and is overridden by
`--library DIR` or `PAPERSIFT_LIBRARY`; the config by `PAPERSIFT_CONFIG`.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP_NAME = "papersift"


def default_library() -> Path:
    """The library directory to use when none is given on the command line."""
    if env := os.environ.get("PAPERSIFT_LIBRARY"):
        return Path(env).expanduser()
    return user_data_path(APP_NAME) / "library"


def config_file() -> Path:
    """The user's TOML config file (key bindings, theme)."""
    if env := os.environ.get("PAPERSIFT_CONFIG"):
        return Path(env).expanduser()
    return user_config_path(APP_NAME) / "config.toml"


def _bundled(name: str) -> Path:
    """A top-level folder shipped with papersift, from a wheel or from a source checkout.

    In a wheel, hatchling's force-include puts `styles/` and `sample_data/` inside the
    package; an editable install does not, so fall back to the checkout's top level.
    """
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir / name, package_dir.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"papersift's bundled {name}/ folder is missing from {package_dir}")


def sample_data_dir() -> Path:
    """The bundled sample corpus (the embedded default corpus)."""
    return _bundled("sample_data")


def sample_corpus_files() -> list[Path]:
    """The listing files a fresh library is filled with."""
    return sorted(sample_data_dir().glob("*.txt"))


def styles_dir() -> Path:
    """The Textual CSS files."""
    return _bundled("styles")


def user_name() -> str:
    """Who the user is in shared reading lists: `PAPERSIFT_USER`, the config's
    `[user] name`, or the login name."""
    if env := os.environ.get("PAPERSIFT_USER"):
        return env.strip()
    try:
        import tomllib

        with config_file().open("rb") as handle:
            name = tomllib.load(handle).get("user", {}).get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    except (OSError, ValueError, AttributeError):
        pass
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "me"
