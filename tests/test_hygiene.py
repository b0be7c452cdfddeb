"""Architecture rules that are easy to break by accident."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "papersift.models",
    "papersift.normalize",
    "papersift.readers",
    "papersift.readers.formats",
    "papersift.readers.listing",
    "papersift.readers.bibtex",
    "papersift.readers.bibtex_inherit",
    "papersift.readers.reading_list",
    "papersift.readers.review_csv",
    "papersift.readers.ris",
    "papersift.readers.csl_json",
    "papersift.ris_export",
    "papersift.csl_export",
    "papersift.exporters",
    "papersift.cited",
    "papersift.auto_export",
    "papersift.dedupe",
    "papersift.store",
    "papersift.storage",
    "papersift.importer",
    "papersift.actions",
    "papersift.query",
    "papersift.query.terms",
    "papersift.query.dates",
    "papersift.query.language",
    "papersift.query.scoring",
    "papersift.query.postings",
    "papersift.query.cache",
    "papersift.query.index",
    "papersift.query.live",
    "papersift.query.phrase_file",
    "papersift.bibtex_export",
    "papersift.bibtex_triage",
    "papersift.citekeys",
    "papersift.copy_formats",
    "papersift.latex",
    "papersift.latex.decode",
    "papersift.latex.encode",
    "papersift.latex.symbols",
    "papersift.share",
    "papersift.share.build",
    "papersift.share.canonical",
    "papersift.share.merge",
    "papersift.share.validate",
    "papersift.review",
    "papersift.review.agreement",
    "papersift.review.blind",
    "papersift.review.conflicts",
    "papersift.review.definition",
    "papersift.review.prisma",
    "papersift.review.workflow",
    "papersift.cli_review",
    "papersift.saved_views",
    "papersift.cli_views",
    "papersift.cli_add",
    "papersift.lookup",
    "papersift.lookup.arxiv",
    "papersift.lookup.cache",
    "papersift.lookup.config",
    "papersift.lookup.doi",
    "papersift.lookup.fetch",
    "papersift.lookup.identifiers",
    "papersift.lookup.queue",
    "papersift.lookup.service",
    "papersift.cli_open",
    "papersift.links",
    "papersift.opener",
    "papersift.watch",
    "papersift.clipboard",
    "papersift.views",
    "papersift.doctor",
    "papersift.cli",
    "papersift.textsafe",
    "papersift.fsutil",
    "papersift.memory",
    "papersift.foreground",
    "papersift.parallel",
    "papersift.parallel.fork",
    "papersift.parallel.readers",
]


def test_core_never_imports_textual():
    code = (
        "import sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    __import__(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_styles_and_sample_data_are_found():
    from papersift.paths import sample_corpus_files, styles_dir

    assert len(sample_corpus_files()) == 5
    assert (styles_dir() / "app.tcss").is_file()


def test_ruff_clean():
    """The code style is checked, not hoped for: `ruff check` and `ruff format --check`."""
    import shutil
    from pathlib import Path

    import pytest

    if (
        shutil.which("ruff") is None
        and subprocess.run(
            [sys.executable, "-m", "ruff", "--version"], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("ruff is not installed (pip install '.[test]')")
    repo = Path(__file__).resolve().parent.parent
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=repo, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
