"""The ranking benchmark's own logic (benchmarks/ranking.py), without running ASReview.

The prior choice is checked against what `asreview simulate --n-prior-included 1
--n-prior-excluded 1 --prior-seed 3` really chose on Nagtegaal_2019 (rows 1946 and 33,
read from its project file once, by hand). That set is from the ASReview project's
systematic-review-datasets collection: CC0; Nagtegaal et al. 2019, J. Behav. Public Adm.,
doi:10.30636/jbpa.22.71.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from papersift.readers.review_csv import ReviewRecord, parse_review_csv, read_review_csv

from .conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

import ranking

SCREENING = REPO.parent / "shared" / "screening"


def _records(labels: list[int | None]) -> list[ReviewRecord]:
    text = "record_id,title,label_included\n" + "".join(
        f"{10 + n},Paper {n},{'' if label is None else label}\n" for n, label in enumerate(labels)
    )
    return parse_review_csv(text, "tiny.csv")


def test_priors_are_one_included_and_one_excluded_and_depend_on_the_seed():
    records = _records([0, 1, 0, 0, 1, 0, None, 1, 0, 0])
    picks = {ranking.choose_priors(records, seed) for seed in range(30)}
    for p in picks:
        assert records[p.included_row].label == 1 and records[p.excluded_row].label == 0
        assert p.ids == (records[p.included_row].record_id, records[p.excluded_row].record_id)
    assert len({p.included_row for p in picks}) == 3  # every included row gets drawn
    assert ranking.choose_priors(records, 7) == ranking.choose_priors(records, 7)
    with pytest.raises(ValueError, match="at least one included"):
        ranking.choose_priors(_records([0, 0, None]), 0)


@pytest.mark.skipif(not SCREENING.is_dir(), reason="no ../shared/screening")
def test_priors_match_what_asreview_simulate_chose():
    records = read_review_csv(SCREENING / "Nagtegaal_2019.csv")
    assert ranking.choose_priors(records, 3).rows == (1946, 33)


def _fake_project(path: Path, rows: list[tuple[int, str]]) -> None:
    """An .asreview zip whose results.db has ASReview 3's two tables, with record_ids
    that are not the rows (as in a project with several datasets)."""
    db_path = path.with_suffix(".db")
    db_path.unlink(missing_ok=True)
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE record (dataset_row INTEGER, title VARCHAR, record_id INTEGER)")
    db.execute("CREATE TABLE results (record_id INTEGER UNIQUE, label INTEGER, time FLOAT)")
    for row, title in rows:
        db.execute("INSERT INTO record VALUES (?, ?, ?)", (row, title, 100 + row))
    # Labelled in the listed order; the time column is equal for the priors.
    for row, _ in rows:
        db.execute("INSERT INTO results VALUES (?, 0, 1.0)", (100 + row,))
    db.commit()
    db.close()
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(db_path, "results.db")
        archive.writestr("project.json", "{}")


def test_asreview_order_is_read_from_the_project_file(tmp_path: Path):
    project = tmp_path / "sim.asreview"
    _fake_project(project, [(4, "E"), (0, "A"), (2, "C"), (1, "B")])
    assert ranking.asreview_order(project) == [(4, "E"), (0, "A"), (2, "C"), (1, "B")]


def test_run_asreview_maps_rows_to_record_ids_and_checks_titles(tmp_path: Path, monkeypatch):
    records = _records([1, 0, 0, 1, 0])
    priors = ranking.Priors(0, 1, "10", "11")

    def fake_run(cmd, cwd, log, timeout):
        assert cmd[cmd.index("--prior-idx") + 1 : cmd.index("--prior-idx") + 3] == ["0", "1"]
        _fake_project(Path(cmd[cmd.index("-o") + 1]), rows)
        return 1.5, 1.0

    monkeypatch.setattr(ranking, "_run", fake_run)
    rows = [(0, "Paper 0"), (1, "Paper 1"), (3, "Paper 3"), (2, "Paper 2")]
    order, wall, _ = ranking.run_asreview(Path("py"), tmp_path, records, priors, 0, tmp_path, 9)
    assert order == ["10", "11", "13", "12"] and wall == 1.5
    rows = [(0, "Paper 0"), (1, "Another title")]
    with pytest.raises(RuntimeError, match="asreview row 1 is 'Another title'"):
        ranking.run_asreview(Path("py"), tmp_path, records, priors, 0, tmp_path, 9)


def test_complete_order_drops_priors_and_appends_what_was_not_screened():
    records = _records([1, 0, 0, 1, 0, 0])
    priors = ranking.Priors(0, 1, "10", "11")
    labels, screened = ranking.complete_order(["10", "11", "13", "12"], records, priors)
    assert (labels, screened) == ([1, 0, 0, 0], 2)
    with pytest.raises(ValueError, match="1 relevant left"):
        ranking.complete_order(["12"], records, priors)
    with pytest.raises(ValueError, match="twice"):
        ranking.complete_order(["13", "13"], records, priors)
    with pytest.raises(ValueError, match="unknown"):
        ranking.complete_order(["13", "99"], records, priors)


def test_scores_come_from_the_metrics_module():
    from papersift.ranking.metrics import recall_at, wss_at

    labels = [1, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert ranking.score(labels) == {
        "wss@95": wss_at(labels, 0.95),
        "recall@10": recall_at(labels, 0.10),
        "recall@25": recall_at(labels, 0.25),
    }


def test_table_has_mean_and_sd_per_set_and_tool_and_a_mean_of_sets():
    runs = [
        {"set": s, "tool": t, "seed": n, "wss@95": w, "recall@10": 0.5, "recall@25": 0.9}
        | {"wall_s": 10.0, "cpu_s": 8.0}
        for s in ("A", "B")
        for t, w in (("papersift default", 0.6), ("asreview elas_u4", 0.4))
        for n in range(2)
    ]
    runs.append({"set": "A", "tool": "papersift default", "seed": 2, "error": "boom"})
    runs[0]["wss@95"] = 0.8  # A, papersift: 0.8 and 0.6
    summary = ranking.summarize(runs)
    assert summary[("A", "papersift default")]["n"] == 2
    assert summary[("A", "papersift default")]["wss@95"]["mean"] == pytest.approx(0.7)
    lines = ranking.render_table(summary, ["A", "B"]).splitlines()
    table = [re.split(r"\s{2,}", line.strip()) for line in lines]
    header = ["set", "tool", "runs", "WSS@95", "recall@10%", "recall@25%", "s/run", "CPU s/run"]
    assert table[0] == header
    assert [row[:3] for row in table[2:]] == [
        ["A", "asreview elas_u4", "2"],
        ["A", "papersift default", "2"],
        ["B", "asreview elas_u4", "2"],
        ["B", "papersift default", "2"],
        ["mean of sets", "asreview elas_u4", "4"],
        ["mean of sets", "papersift default", "4"],
    ]
    assert table[3][3:] == ["0.700 ± 0.141", "0.500 ± 0.000", "0.900 ± 0.000", "10.0", "8.0"]
    assert table[-1][3:] == ["0.650", "0.500", "0.900", "10.0", "8.0"]


def test_the_command_runs_papersift_end_to_end_on_a_tiny_set(tmp_path: Path):
    if not ranking.papersift_has_simulate():
        pytest.skip("no `papersift rank simulate` in this checkout yet")
    sets = tmp_path / "sets"
    sets.mkdir()
    words = ["nudge", "alert", "default", "soil", "rain", "winter", "river", "stone"]
    rows = [
        f"{n},{words[n % 3]} {words[(n + 1) % 3]} study {n},"
        f"{'hospital nudge reminder' if n % 4 == 0 else words[3 + n % 5] + ' field data'},"
        f"{1 if n % 4 == 0 else 0}\n"
        for n in range(1, 25)
    ]
    (sets / "Tiny.csv").write_text("record_id,title,abstract,label_included\n" + "".join(rows))
    out = tmp_path / "r.json"
    args = ["--seeds", "2", "--tools", "papersift", "--screening", str(sets), "--json", str(out)]
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "ranking.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (row,) = [line.split() for line in proc.stdout.splitlines() if line.startswith("Tiny ")]
    assert row[:4] == ["Tiny", "papersift", "default", "2"]
    assert "Nagtegaal_2019: CC0" in proc.stdout
    report = json.loads(out.read_text())
    assert [r["seed"] for r in report["runs"]] == [0, 1]
    assert all(0 <= r["recall@10"] <= 1 and r["ordered"] <= 22 for r in report["runs"])
