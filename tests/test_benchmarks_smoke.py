"""The benchmark harness runs end to end on a tiny corpus and reports every metric.

Nothing here is timed: a benchmark that fails a test because the machine was busy
would teach people to ignore the tests. This only proves `benchmarks/run.py` still
works against the current code, so it can be trusted when a performance issue needs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "benchmarks" / "run.py"
sys.path.insert(0, str(REPO / "benchmarks"))


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    cache = out / "cache"
    proc = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--sizes",
            "200",
            "--quick",
            "--cache-dir",
            str(cache),
            "--json",
            str(out / "report.json"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / "report.json").read_text(encoding="utf-8")), proc.stdout


def test_every_metric_has_a_value(report: tuple[dict, str]) -> None:
    from run import METRIC_KEYS

    data, _ = report
    metrics = data["sizes"]["200"]["metrics"]
    assert set(METRIC_KEYS) <= set(metrics)
    missing = {k: v for k, v in metrics.items() if k in METRIC_KEYS and v.get("value") is None}
    # At 200 records the 10k export cannot run; everything else must have produced a figure.
    assert set(missing) == {"export_10k_s"}, missing


def test_table_lists_every_metric_with_targets(report: tuple[dict, str]) -> None:
    from run import METRICS

    data, stdout = report
    assert data["table"] in stdout
    for metric in METRICS:
        assert metric.label in stdout
    assert "target (100k)" in stdout
    assert "✓" in stdout or "✗" in stdout


def test_corpus_is_deterministic_and_has_near_duplicates(tmp_path: Path) -> None:
    from generate import generate

    a = generate(300, 5, tmp_path / "a")
    generate(300, 5, tmp_path / "b")
    for name in a["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert a["listing_records"] and a["bibtex_records"]
    assert 0 < a["near_duplicates"] < 300 * 0.2
    assert a["distinct_papers"] + a["near_duplicates"] == 300


def test_generated_files_import_cleanly(tmp_path: Path) -> None:
    from generate import generate
    from papersift.importer import import_files
    from papersift.store import Library

    manifest = generate(300, 2, tmp_path / "corpus")
    library = Library(tmp_path / "library")
    reports = import_files(library, [tmp_path / "corpus" / f for f in manifest["files"]])
    assert all(r.ok for r in reports), [r.error for r in reports]
    assert not [w for r in reports for w in r.warnings]
    assert sum(r.read for r in reports) == 300
    assert any(p.authors and p.year for p in library.papers.values())
