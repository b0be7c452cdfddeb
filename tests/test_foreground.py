"""`papersift.foreground`: background work steps aside while the user waits (issue #13),
and the ranking's block loop is such background work."""

from __future__ import annotations

import threading
import time

import numpy as np
from scipy.sparse import random as sparse_random

from papersift import foreground as foreground_module
from papersift.foreground import Foreground
from papersift.ranking import rows as rows_module
from papersift.ranking.rows import PackedRows


def test_idle_foreground_never_waits() -> None:
    fg = Foreground()
    assert not fg.is_busy
    assert fg.wait() == 0.0
    fg.busy()
    fg.idle()
    assert not fg.is_busy and fg.wait() == 0.0


def test_busy_waits_until_idle_is_said() -> None:
    fg = Foreground()
    fg.busy(5.0)
    assert fg.is_busy
    waited: list[float] = []
    worker = threading.Thread(target=lambda: waited.append(fg.wait()))
    worker.start()
    time.sleep(0.1)
    assert worker.is_alive(), "background work held off while the user waits"
    fg.idle()
    worker.join(2.0)
    assert not worker.is_alive()
    assert 0.05 <= waited[0] < 2.0


def test_a_mark_nobody_clears_expires() -> None:
    fg = Foreground()
    fg.busy(0.15)
    start = time.monotonic()
    waited = fg.wait()
    assert waited >= 0.1 and time.monotonic() - start < 1.0
    assert not fg.is_busy
    assert fg.wait() == 0.0  # expired: no more waiting


def test_packed_products_pause_between_blocks_while_busy(monkeypatch) -> None:
    fg = Foreground()
    monkeypatch.setattr(rows_module, "FOREGROUND", fg)
    monkeypatch.setattr(rows_module, "KEEP_PLAIN_BELOW", 0)
    monkeypatch.setattr(rows_module, "BLOCK_ENTRIES", 50)
    rng = np.random.default_rng(3)
    matrix = sparse_random(400, 5000, density=0.02, format="csr", dtype=np.float32, rng=rng)
    packed = PackedRows.pack(matrix.copy())
    vector = rng.random(5000).astype(np.float32)
    expected = matrix @ vector
    fg.busy(5.0)
    out: list[np.ndarray] = []
    worker = threading.Thread(target=lambda: out.append(packed @ vector))
    worker.start()
    time.sleep(0.15)
    assert worker.is_alive() and not out, "the product waits for the foreground"
    fg.idle()
    worker.join(5.0)
    assert out and np.allclose(out[0], expected, rtol=1e-2, atol=1e-3)


def test_the_ranking_waits_on_the_process_foreground() -> None:
    # The TUI marks `foreground.FOREGROUND`; the ranking's loop must wait on that one.
    assert rows_module.FOREGROUND is foreground_module.FOREGROUND


def test_the_live_feature_build_steps_aside_and_reports_every_2_percent(
    sample_library, monkeypatch
) -> None:
    from papersift import actions
    from papersift.ranking import live as live_module
    from papersift.ranking import ranker as ranker_module
    from papersift.ranking.live import LiveRanking, RankEvents

    fg = Foreground()
    monkeypatch.setattr(live_module, "FOREGROUND", fg)
    # Batches of 3: the sample's few hundred papers are ~100 batches, 50 steps of 2 %.
    monkeypatch.setattr(ranker_module, "BUILD_BATCH", 3)
    ids = sorted(sample_library.papers)
    actions.set_starred(sample_library, ids[:2], True)
    actions.set_status(sample_library, ids[2:4], "discarded")
    reports: list[tuple[int, int]] = []
    waits: list[float] = []
    wait = fg.wait

    def stepping_aside() -> float:
        if not waits:  # the user stops waiting 0.15 s into the build
            threading.Timer(0.15, fg.idle).start()
        waits.append(wait())
        return waits[-1]

    monkeypatch.setattr(fg, "wait", stepping_aside)
    events = RankEvents(progress=lambda d, t: reports.append((d, t)))
    live = LiveRanking(sample_library, events=events)
    fg.busy(5.0)
    assert live.request()
    live.run()
    assert live.current is not None
    total = len(sample_library.papers)
    assert len(waits) == -(-total // 3), "one step aside per batch"
    assert max(waits) >= 0.1, "a busy foreground held the build"
    assert reports[-1] == (total, total)
    assert len(reports) <= 51
    steps = [d * 50 // t for d, t in reports]
    assert steps == sorted(set(steps)), "each report is a new 2 % step"
