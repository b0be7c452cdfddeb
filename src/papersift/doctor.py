"""`papersift doctor`: check a library's files and restore triage from a backup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson

from papersift.models import PapersiftError
from papersift.store import Library, backups, restore_backup


def check(path: Path) -> list[str]:
    """Problems found in the library at `path` (empty when healthy)."""
    problems: list[str] = []
    if not path.is_dir():
        return [f"{path}: no library here"]
    for name in ("corpus.json", "triage.json"):
        file = path / name
        if not file.exists():
            continue
        try:
            data = orjson.loads(file.read_bytes() or b"{}")
        except orjson.JSONDecodeError as exc:
            problems.append(f"{file}: damaged JSON ({exc})")
            continue
        except OSError as exc:
            problems.append(f"{file}: cannot read ({exc.strerror})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{file}: top level is not an object")
    if problems:
        return problems
    try:
        library = Library(path, readonly=True)
    except PapersiftError as exc:
        return [str(exc)]
    orphans = [
        pid
        for pid in library.triage
        if pid not in library.papers and library.canonical_id(pid) not in library.papers
    ]
    if orphans:
        # Not an error: triage is kept for papers that may be imported again.
        problems.append(
            f"note: {len(orphans)} triage rows belong to papers not in the corpus "
            "(kept in case those papers are imported again)"
        )
    return problems


def run_doctor(path: Path, *, restore: str | None, out: Callable[[str], None]) -> int:
    """Report on the library; with `restore`, replace triage.json by a backup."""
    path = Path(path)
    if restore:
        generations = backups(path)
        if not generations:
            raise PapersiftError(f"{path}: no backups to restore from")
        if restore == "latest":
            chosen = generations[0]
        else:
            chosen = Path(restore)
            if not chosen.is_file():
                chosen = path / "backups" / restore
            if not chosen.is_file():
                raise PapersiftError(
                    f"{restore}: no such backup; available: "
                    + ", ".join(p.name for p in generations)
                )
        try:
            orjson.loads(chosen.read_bytes())
        except (orjson.JSONDecodeError, OSError) as exc:
            raise PapersiftError(f"{chosen}: this backup is damaged too ({exc})") from None
        restore_backup(path, chosen)
        out(f"restored triage from {chosen}; the previous file is triage.json.before-restore")
    problems = check(path)
    errors = [p for p in problems if not p.startswith("note:")]
    for p in problems:
        out(p)
    generations = backups(path)
    out(f"{len(generations)} backups in {path / 'backups'}")
    if errors:
        corpus_damaged = any(str(path / "corpus.json") in e for e in errors)
        triage_damaged = any(str(path / "triage.json") in e for e in errors)
        if corpus_damaged:
            # Backups hold triage only; suggesting --restore here would fix nothing.
            out(
                f"{path / 'corpus.json'} holds only imported data and has no backups: move it "
                "aside and import your files again (paper ids are stable, so your stars, "
                "tags and notes in triage.json find their papers again)"
            )
        if generations and (triage_damaged or not corpus_damaged):
            out("to restore the newest backup: papersift doctor --restore")
        return 1
    if path.is_dir():
        library = Library(path, readonly=True)
        out(
            f"ok: {len(library.papers)} papers, {len(library.triage)} triage rows, "
            f"{len(library.open_possible())} possible duplicates to review"
        )
    return 0
