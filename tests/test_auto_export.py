"""Auto-exports: registered with --keep-updated, rewritten after changes from the CLI
(and the TUI's worker) only when their bytes change, listed and removed."""

from __future__ import annotations

import os
from pathlib import Path

from papersift import auto_export
from papersift.cli import main
from papersift.store import Library


def _stamp(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def test_keep_updated_rewrites_only_when_the_bytes_change(sample_library, tmp_path, capsys):
    lib = str(sample_library.path)
    entries = sample_library.entries()
    inside, outside = entries[0].id, entries[-1].id
    main(["--library", lib, "tag", inside, "--add", "cite-me"])
    out = tmp_path / "refs.bib"
    args = ["--library", lib, "export", "--tag", "cite-me", "-o", str(out), "--keep-updated"]
    assert main(args) == 0
    assert "kept up to date" in capsys.readouterr().err
    first = _stamp(out)
    os.utime(out, ns=(first[0] - 10**9, first[0] - 10**9))  # so a rewrite would show
    before = _stamp(out)
    # A change to a paper the export does not hold leaves the file alone, bytes and time.
    assert main(["--library", lib, "star", outside]) == 0
    assert _stamp(out) == before
    # A change to what it holds rewrites it; a paper joining the query too.
    assert main(["--library", lib, "note", inside, "--set", "Read the appendix"]) == 0
    assert "Read the appendix" in out.read_text("utf-8")
    assert main(["--library", lib, "tag", outside, "--add", "cite-me"]) == 0
    assert out.read_text("utf-8").count("\n@") == 2
    # Refreshing with nothing changed is byte-stable.
    stable = _stamp(out)
    outcomes = auto_export.refresh(Library(sample_library.path))
    assert [o.result for o in outcomes] == ["unchanged"]
    assert _stamp(out) == stable


def test_list_and_remove(sample_library, tmp_path, capsys):
    lib = str(sample_library.path)
    ris = tmp_path / "screened.ris"
    assert main(["--library", lib, "export", "--view", "starred", "-o", str(ris),
                 "--keep-updated"]) in (0, 1)  # fmt: skip
    capsys.readouterr()
    pid = sample_library.entries()[0].id
    main(["--library", lib, "star", pid])
    assert "TY  - " in ris.read_text("utf-8")  # the format came from the file name
    capsys.readouterr()
    assert main(["--library", lib, "export", "--list-auto"]) == 0
    assert capsys.readouterr().out.strip() == f"{ris.resolve()} (ris): view starred"
    assert main(["--library", lib, "export", "--remove-auto", str(ris)]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "export", "--list-auto"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--library", lib, "export", "--remove-auto", str(ris)]) == 1


def test_a_failing_export_does_not_fail_the_users_change(sample_library, tmp_path, capsys):
    lib = str(sample_library.path)
    folder = tmp_path / "gone"
    folder.mkdir()
    pid = sample_library.entries()[0].id
    assert main(["--library", lib, "export", pid, "-o", str(folder / "r.bib"),
                 "--keep-updated"]) == 0  # fmt: skip
    (folder / "r.bib").unlink()
    folder.rmdir()
    capsys.readouterr()
    assert main(["--library", lib, "note", pid, "--set", "kept"]) == 0
    assert "warning: auto-export" in capsys.readouterr().err
    assert Library(sample_library.path).triage_of(pid).note == "kept"


def test_an_export_of_a_saved_view_keeps_the_views_order(sample_library, tmp_path, capsys):
    lib = str(sample_library.path)
    assert main(["--library", lib, "views", "save", "Evals", "-q", "benchmark",
                 "--sort", "title"]) == 0  # fmt: skip
    out = tmp_path / "evals.bib"
    assert main(["--library", lib, "export", "--view", "Evals", "-o", str(out),
                 "--keep-updated"]) == 0  # fmt: skip

    def titles() -> list[str]:
        from papersift.readers import read_path

        return [r.title.casefold() for r in read_path(out).records]

    assert len(titles()) >= 3 and titles() == sorted(titles())
    # Re-sorting the saved view re-sorts the file at its next refresh.
    assert main(["--library", lib, "views", "save", "Evals", "-q", "benchmark",
                 "--sort", "title", "--reverse", "--replace"]) == 0  # fmt: skip
    auto_export.refresh(Library(sample_library.path))
    assert titles() == sorted(titles(), reverse=True)
