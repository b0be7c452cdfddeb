"""A keystroke in the filter box holds background work off until its rows are painted
(`papersift.foreground`, issue #13: the ranking refitting behind must not slow it)."""

from __future__ import annotations

import time

from papersift import foreground
from papersift.tui.widgets import filter_bar as filter_bar_module
from papersift.tui.widgets.paper_list import PaperList

from .conftest import settle


async def test_typing_marks_the_foreground_busy_until_the_rows_are_painted(
    make_app, monkeypatch
) -> None:
    fg = foreground.Foreground()
    monkeypatch.setattr(filter_bar_module, "FOREGROUND", fg)
    log: list[tuple[str, float]] = []
    busy, idle = fg.busy, fg.idle
    monkeypatch.setattr(fg, "busy", lambda *a: (log.append(("busy", time.monotonic())), busy(*a)))
    monkeypatch.setattr(fg, "idle", lambda: (log.append(("idle", time.monotonic())), idle()))
    render_line = PaperList.render_line

    def painted(self, y):  # type: ignore[no-untyped-def]
        if y >= 1 and len(self):
            log.append(("paint", time.monotonic()))
        return render_line(self, y)

    monkeypatch.setattr(PaperList, "render_line", painted)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        await pilot.press("slash")
        await settle(pilot, app)
        log.clear()
        await pilot.press("l")
        await settle(pilot, app)
        kinds = [kind for kind, _ in log]
        assert kinds[0] == "busy", kinds
        assert "idle" in kinds, "the mark is cleared once the filter answered"
        # Cleared after the new rows were painted, not before.
        first_paint = kinds.index("paint")
        assert first_paint < kinds.index("idle")
        assert not fg.is_busy
        assert main.filter_bar.text == "l"
