"""A running TUI shows the papers `papersift watch` (another process) imports, live."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


async def wait_for(pilot, app, condition, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    await settle(pilot, app)
    assert condition()


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
