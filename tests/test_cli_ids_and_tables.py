"""Issue #18's CLI items, end to end in subprocesses: `tag ID` lists that paper's tags
(15), `list` pads nothing when piped and fits the terminal when not (16), and ids of
merged papers resolve to the paper they became, with a note (17)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from rich.cells import cell_len

from .conftest import SAMPLE_LISTINGS
from .test_cli import papers, run


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One imported sample library, for the tests here that change nothing the others read."""
    path = tmp_path_factory.mktemp("lib") / "library"
    run("import", *map(str, SAMPLE_LISTINGS), library=path)
    return path


def on_terminal(library: Path, columns: int, *args: str) -> str:
    """`papersift ARGS` with stdout on a pseudo-terminal `columns` wide; its output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "papersift", "--library", str(library), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            proc.kill()
            raise AssertionError("papersift list did not finish on the terminal")
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(30) == 0, proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


# ---------------------------------------------------------------------- 15: tag ID


def test_tag_with_an_id_lists_that_papers_tags(library_path: Path) -> None:
    run("import", str(SAMPLE_LISTINGS[0]), library=library_path)
    first, second, third = (p["id"] for p in papers(library_path)[:3])
    run("tag", first, "--add", "rlhf,survey", library=library_path)
    run("tag", second, "--add", "dpo", library=library_path)

    assert run("tag", first[:6], library=library_path).stdout == "rlhf\nsurvey\n"
    untagged = run("tag", third, library=library_path)
    assert untagged.stdout == ""
    assert f"{third} has no tags" in untagged.stderr
    several = run("tag", first, second, third, library=library_path).stdout
    assert several.splitlines() == [f"{first}  rlhf, survey", f"{second}  dpo", third]
    by_query = run("tag", "-q", "tag:dpo", library=library_path).stdout
    assert by_query.splitlines() == [f"{second}  dpo"]
    # With no paper named, the library's tags with their counts, as before.
    everything = run("tag", library=library_path).stdout.splitlines()
    assert [line.split() for line in everything] == [["1", "dpo"], ["1", "rlhf"], ["1", "survey"]]
    assert "With nothing: every tag in the library" in " ".join(
        run("tag", "--help", library=library_path).stdout.split()
    )
    bad = run("tag", "ffffffffffff", library=library_path, check=False)
    assert bad.returncode == 1 and "unknown paper id 'ffffffffffff'" in bad.stderr


# ---------------------------------------------------------------------- 16: list


def test_list_piped_pads_and_cuts_nothing(sample: Path) -> None:
    rows = papers(sample)
    lines = run("list", library=sample).stdout.splitlines()
    assert len(lines) == len(rows) == 318
    for line, row in zip(lines, rows, strict=True):
        assert not line.endswith(" ")
        fields = line.split("\t")
        assert fields == [
            row["id"],
            "*" if row["starred"] else "",
            row["status"],
            " ".join(row["title"].split()),
            str(row["year"] or ""),
            ",".join(row["tags"]),
        ]
    # Long titles are whole, not cut to a made-up width.
    assert max(len(line.split("\t")[3]) for line in lines) > 100


def test_list_says_when_no_paper_in_the_library_has_the_field_asked_for(sample: Path) -> None:
    nothing = run("list", "-q", "year:2023", library=sample)
    assert nothing.stdout == ""
    assert "No paper in the library has a year: year: and has:year match nothing." in (
        nothing.stderr
    )
    other = run("list", "-q", "tag:nosuchtag", library=sample)
    assert other.stdout == other.stderr == ""


@pytest.mark.parametrize("columns", [60, 80, 133])
def test_list_on_a_terminal_fits_its_width(sample: Path, columns: int) -> None:
    out = on_terminal(sample, columns, "list", "--limit", "60")
    lines = out.splitlines()
    assert lines[-1] == "60 papers"
    table = lines[:-1]
    assert len(table) == 60
    assert all(cell_len(line) <= columns for line in table)
    assert not any(line.endswith(" ") for line in table)
    # The sample corpus has no years and no tags: the title has their room, so the
    # longest titles run to the edge.
    assert max(cell_len(line) for line in table) == columns
    assert any(line.endswith("…") for line in table)


def test_list_on_a_terminal_aligns_year_and_tags(library_path: Path) -> None:
    bib = library_path.parent / "years.bib"
    bib.write_text(
        "@article{a, title={Attention Is All You Need}, year={2017}}\n"
        "@article{b, title={大規模言語モデルの整合性に関する非常に長い日本語のタイトルの調査研究"
        "についての報告書}, year={2023}}\n"
        "@misc{c, title={No year here}}\n",
        encoding="utf-8",
    )
    run("import", str(bib), library=library_path)
    by_title = {p["title"][:4]: p for p in papers(library_path)}
    run("tag", by_title["Atte"]["id"], "--add", "classic", library=library_path)
    table = on_terminal(library_path, 70, "list").splitlines()[:-1]
    assert len(table) == 3
    assert all(cell_len(line) <= 70 for line in table)
    rows = {line[:12]: line for line in table}
    attention, wide, no_year = (rows[by_title[t]["id"]] for t in ("Atte", "大規模言", "No y"))
    # The year column starts in the same cell on every row, wide characters or not.
    year_cell = cell_len(attention[: attention.index(" 2017")])
    assert cell_len(wide[: wide.index(" 2023")]) == year_cell
    assert "…" in wide
    assert attention.endswith(" 2017 classic")
    assert no_year.endswith("No year here")


# ---------------------------------------------------------------------- 17: merged ids


def test_an_id_of_a_merged_paper_resolves_to_the_paper_it_became(library_path: Path) -> None:
    run("import", str(SAMPLE_LISTINGS[0]), library=library_path)
    rows = papers(library_path)
    keep, gone = rows[0]["id"], rows[1]["id"]
    run("dedupe", "--merge", keep, gone, library=library_path)
    note = f"{gone} was merged into {keep}"

    # A prefix of the merged id (the "unknown paper id '53b4'") and the full id.
    for name in (gone[:4], gone):
        shown = run("show", name, library=library_path)
        assert shown.stdout.startswith(f"{keep}  ")
        assert f"papersift: note: {note}" in shown.stderr
    starred = run("star", gone[:5], library=library_path)
    assert starred.stdout.strip() == "starred 1 paper" and note in starred.stderr
    run("tag", gone, "--add", "merged", library=library_path)
    assert run("tag", gone, library=library_path).stdout == "merged\n"
    run("status", gone[:6], "reading", library=library_path)
    run("note", gone, "--set", "kept", library=library_path)
    (entry,) = [p for p in papers(library_path) if p["id"] == keep]
    assert (entry["starred"], entry["tags"], entry["status"], entry["note"]) == (
        True,
        ["merged"],
        "reading",
        "kept",
    )
    assert note in run("key", gone, library=library_path).stderr
    exported = run("export", gone, library=library_path).stdout
    assert exported.count("@") == 1 and "kept" in exported
    # Merging the two again names the paper they already are; nothing changes.
    corpus = (library_path / "corpus.json").read_bytes()
    again = run("dedupe", "--merge", keep, gone[:4], library=library_path, check=False)
    assert again.returncode == 1
    assert f"are one paper ({keep}); nothing to merge" in again.stderr
    assert (library_path / "corpus.json").read_bytes() == corpus
    # A live paper's id prefix is never shadowed by a merged one, and no note is made.
    other = rows[2]["id"]
    plain = run("show", other[:6], library=library_path)
    assert plain.stdout.startswith(f"{other}  ") and "merged" not in plain.stderr
    # JSON output stays clean: the note goes to stderr.
    listed = run("list", "--json", "-q", f"id:{keep}", library=library_path)
    assert [p["id"] for p in json.loads(listed.stdout)] == [keep]


# ---------------------------------------------------------------------- 10: export -o


def test_export_to_a_relative_name_adds_the_ending_and_names_the_full_path(
    sample: Path, tmp_path: Path
) -> None:
    def export(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "papersift", "--library", str(sample), "export", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )

    ids = [p["id"] for p in papers(sample)[:4]]
    done = export(*ids, "-o", "reading")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reading.bib").read_text("utf-8").count("@") == 4
    assert not (tmp_path / "reading").exists()
    assert done.stderr == f"wrote 4 entries to {tmp_path / 'reading.bib'}\n"
    # The format's ending, and an ending of the user's own kept as it is.
    assert export(ids[0], "--as", "ris", "-o", "refs").returncode == 0
    assert (tmp_path / "refs.ris").read_text("utf-8").startswith("TY  -")
    assert export(ids[0], "-o", "notes.txt").returncode == 0
    assert "@misc{" in (tmp_path / "notes.txt").read_text("utf-8")
    # A missing folder: a clear error naming it, nothing created, unless --mkdir.
    missing = export(ids[0], "-o", "drafts/new/refs")
    assert missing.returncode == 1
    assert f"{tmp_path / 'drafts' / 'new'}: does not exist" in missing.stderr
    assert "--mkdir" in missing.stderr and not (tmp_path / "drafts").exists()
    made = export(ids[0], "-o", "drafts/new/refs", "--mkdir")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "drafts" / "new" / "refs.bib").exists()
    # A folder is no file name, with or without a slash.
    folder = export(ids[0], "-o", "drafts")
    assert folder.returncode == 1 and "is a folder; give a file name" in folder.stderr
    assert not (tmp_path / "drafts.bib").exists()
    # Nothing matching: no folder is made for nothing.
    none = export("-q", "tag:nosuchtag", "-o", "empty/refs", "--mkdir")
    assert none.returncode == 1 and not (tmp_path / "empty").exists()
