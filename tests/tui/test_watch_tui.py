"""The watched folder in the TUI: `[watch] folder` in the config, the palette's start and
stop, and new papers showing up live, whether the app imported them or a
`papersift watch` in another process did. A real folder, files written in chunks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from papersift.tui.watching import palette_commands

from .conftest import settle

BIB = """@article{vaswani2017,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish},
  year = {2017},
  eprint = {1706.03762},
  archivePrefix = {arXiv}
}
@article{new2024,
  title = {A Paper That Arrived in the Watched Folder},
  year = {2024}
}
"""


def list_title(app) -> str:
    return str(app.main_screen.query_one("#list-title", Static).render())


async def wait_for(pilot, app, condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    await settle(pilot, app)
    assert condition()


async def test_the_configured_folder_is_watched_and_new_papers_show_up(
    make_app, config_path: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    config_path.write_text(f'[watch]\nfolder = "{inbox}"\ninterval = 0.1\n')
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        plist = app.main_screen.paper_list
        before = len(plist)
        assert app.folder_watch.running and app.folder_watch.folder == inbox
        assert "watching inbox/" in list_title(app)
        data = BIB.encode()
        with (inbox / "refs.bib").open("wb") as handle:  # written in two goes
            handle.write(data[: len(data) // 2])
            handle.flush()
            await pilot.pause(0.05)
            handle.write(data[len(data) // 2 :])
        await wait_for(pilot, app, lambda: len(plist) == before + 2)
        titles = {app.library.papers[pid].title for pid in plist.ids}
        assert "A Paper That Arrived in the Watched Folder" in titles
        notes = [n.message for n in app._notifications]
        assert any(
            m.startswith("Watched folder: ✓ refs.bib: read 2 (bibtex), new 2") for m in notes
        )

        # The palette stops the watch; a file arriving then is left alone.
        (name, stop, hint), *_ = palette_commands(app)
        assert name == "Stop watching the folder" and hint == str(inbox)
        stop()
        await settle(pilot, app)
        assert not app.folder_watch.running
        assert "watching" not in list_title(app)
        later = BIB.replace("vaswani2017", "later1").replace("new2024", "later2")
        later = later.replace("Attention Is All You Need", "Arrived While Not Watching")
        later = later.replace("1706.03762", "2401.00001").replace("the Watched", "a Quiet")
        (inbox / "later.bib").write_text(later)
        await pilot.pause(0.5)
        assert len(plist) == before + 2
        (name, start, _), *_ = palette_commands(app)
        assert name.startswith("Watch the folder")
        start()
        await wait_for(pilot, app, lambda: len(plist) == before + 4)
        titles = {app.library.papers[pid].title for pid in plist.ids}
        assert {"Arrived While Not Watching", "A Paper That Arrived in a Quiet Folder"} <= titles


async def test_no_folder_configured_the_palette_says_how(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        assert not app.folder_watch.running
        (_, toggle, hint), *_ = palette_commands(app)
        assert hint == "set [watch] folder in the config"
        toggle()
        await settle(pilot, app)
        assert "[watch] folder" in [n.message for n in app._notifications][-1]


async def test_a_bad_watch_config_is_reported(make_app, config_path: Path) -> None:
    config_path.write_text('[watch]\nfolder = 3\ninterval = "soon"\n')
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        notes = " | ".join(n.message for n in app._notifications)
        assert "[watch] folder must be" in notes and "[watch] interval must be" in notes
        assert not app.folder_watch.running


async def test_a_running_app_picks_up_what_papersift_watch_imports(
    make_app, lib_path: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "refs.bib").write_text(BIB)
    app = make_app(poll_seconds=0.2)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        plist = app.main_screen.paper_list
        before = len(plist)
        command = [sys.executable, "-m", "papersift", "--library", str(lib_path), "watch"]
        proc = subprocess.run(
            [*command, str(inbox), "--once", "--interval", "0.1"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        assert "new 2" in proc.stdout
        await wait_for(pilot, app, lambda: len(plist) == before + 2)
