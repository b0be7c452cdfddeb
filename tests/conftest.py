"""Shared fixtures: every test gets its own library and config, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DATA = REPO / "sample_data"
SAMPLE_LISTINGS = sorted(SAMPLE_DATA.glob("*.txt"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Point the default library and config at temp paths so no test touches $HOME."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PAPERSIFT_LIBRARY", str(home / "library"))
    monkeypatch.setenv("PAPERSIFT_CONFIG", str(home / "config.toml"))


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def sample_library(library_path: Path):
    """A real library filled with the bundled sample corpus."""
    from papersift.importer import import_files
    from papersift.store import Library

    library = Library(library_path)
    reports = import_files(library, SAMPLE_LISTINGS)
    assert all(r.ok for r in reports), [r.error for r in reports]
    return library


def make_library(path: Path, ids: list[str]) -> None:
    """A library at `path` holding one minimal paper per id (for store-level tests)."""
    from papersift.models import Paper, Source
    from papersift.store import Library

    papers = {
        pid: Paper(id=pid, title=f"Paper {pid}", sources=(Source("f.txt", i),), added=float(i))
        for i, pid in enumerate(ids)
    }
    library = Library(path)
    with library.locked():
        library.write_corpus(papers, [], {})
    library.close()
