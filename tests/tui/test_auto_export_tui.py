"""The app rewrites auto-exports in a worker after a change made in it."""

from __future__ import annotations

from pathlib import Path

from papersift import auto_export
from papersift.actions import set_starred
from tests.tui.conftest import settle


async def test_a_star_in_the_app_rewrites_a_starred_export(make_app, tmp_path: Path) -> None:
    app = make_app()
    out = tmp_path / "starred.ris"
    auto_export.register(
        app.library, auto_export.AutoExport(path=str(out), format="ris", view="starred")
    )
    async with app.run_test() as pilot:
        await settle(pilot, app)
        pid = app.main_screen.paper_list.cursor_id
        app.perform(lambda: set_starred(app.library, [pid], True))
        await settle(pilot, app)
        text = out.read_text("utf-8")
        assert text.count("TY  - ") == 1
        assert app.library.papers[pid].title.split()[0] in text
