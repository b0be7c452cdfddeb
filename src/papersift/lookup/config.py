"""Where lookups go: the `[lookup]` part of the config file, and the environment.

    [lookup]
    arxiv_api = "https://export.arxiv.org/api/query"   # the arXiv query endpoint
    doi_url = "https://doi.org/"                       # the DOI resolver
    timeout = 20                                       # seconds per request

`PAPERSIFT_ARXIV_API` and `PAPERSIFT_DOI_URL` win over the file (tests point both at a
server on 127.0.0.1). A value that cannot be used is reported in `problems` and the
default is kept: a broken config never stops an add.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from papersift.models import positive_number
from papersift.paths import config_file

__all__ = ["DEFAULT_ARXIV_API", "DEFAULT_DOI_URL", "LookupConfig", "load_lookup_config"]

DEFAULT_ARXIV_API = "https://export.arxiv.org/api/query"
DEFAULT_DOI_URL = "https://doi.org/"
#: Seconds a request may take, all of it (connecting, waiting, reading).
DEFAULT_TIMEOUT = 20.0
#: arXiv's terms of use: no more than one request every three seconds.
ARXIV_INTERVAL = 3.0


@dataclass(slots=True)
class LookupConfig:
    """The services' addresses and how long to wait for them."""

    arxiv_api: str = DEFAULT_ARXIV_API
    doi_url: str = DEFAULT_DOI_URL
    timeout: float = DEFAULT_TIMEOUT
    problems: list[str] = field(default_factory=list)


def _url(value: object, where: str, problems: list[str]) -> str | None:
    if isinstance(value, str):
        parts = urlsplit(value.strip())
        if parts.scheme in ("http", "https") and parts.netloc:
            return value.strip()
    problems.append(f"{where}: {value!r} is not an http(s) URL; the default is used")
    return None


def load_lookup_config(
    path: Path | None = None, environ: Mapping[str, str] | None = None
) -> LookupConfig:
    """The lookup settings from the config file and the environment (see the module
    docstring); a missing file is the defaults."""
    path = Path(path) if path is not None else config_file()
    env = os.environ if environ is None else environ
    config = LookupConfig()
    section: object = {}
    try:
        section = tomllib.loads(path.read_bytes().decode("utf-8-sig")).get("lookup", {})
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        config.problems.append(f"{path}: cannot read [lookup]: {exc}")
    if not isinstance(section, dict):
        config.problems.append(f"{path}: [lookup] must be a table")
        section = {}
    for key in ("arxiv_api", "doi_url"):
        where = f"{path}: [lookup] {key}"
        if key in section and (url := _url(section[key], where, config.problems)):
            setattr(config, key, url)
    timeout = section.get("timeout")
    if timeout is not None:
        if (seconds := positive_number(timeout)) is not None:
            config.timeout = seconds
        else:
            config.problems.append(f"{path}: [lookup] timeout must be a positive number")
    for key, name in (("arxiv_api", "PAPERSIFT_ARXIV_API"), ("doi_url", "PAPERSIFT_DOI_URL")):
        if (value := env.get(name)) and (url := _url(value, name, config.problems)):
            setattr(config, key, url)
    if not config.doi_url.endswith("/"):
        config.doi_url += "/"
    return config
