"""fork_map: the same results as a plain map, from forked children where that is safe."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from papersift.parallel import fork


def run_fresh(code: str) -> None:
    """Run `code` in a fresh interpreter: one thread, as the CLI (pytest-xdist adds some)."""
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, timeout=120)


@pytest.mark.skipif(sys.platform != "linux" or fork.cpus() < 2, reason="forks on Linux only")
def test_items_after_the_first_run_in_children_with_the_same_results() -> None:
    run_fresh(
        """
        import os
        from papersift.parallel.fork import can_fork, fork_map
        assert can_fork()
        me = os.getpid()
        out = fork_map(lambda x: (x * x, os.getpid()), [1, 2, 3])
        assert [v for v, _ in out] == [1, 4, 9]
        assert out[0][1] == me and out[1][1] != me and out[2][1] not in (me, out[1][1])
        """
    )


@pytest.mark.skipif(sys.platform != "linux" or fork.cpus() < 2, reason="forks on Linux only")
def test_a_failing_or_dying_child_means_doing_its_work_here() -> None:
    run_fresh(
        """
        import os
        from papersift.parallel.fork import fork_map
        me = os.getpid()

        def raises_in_child(x):
            if os.getpid() != me:
                raise RuntimeError("child only")
            return x + 1

        def dies_in_child(x):
            if os.getpid() != me:
                os._exit(3)
            return x + 1

        def unpicklable_in_child(x):
            return (lambda: None) if os.getpid() != me else x + 1

        for func in (raises_in_child, dies_in_child, unpicklable_in_child):
            assert fork_map(func, [1, 2, 3]) == [2, 3, 4], func
        """
    )


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not fork.can_fork()
        me = os.getpid()
        assert fork.fork_map(lambda x: os.getpid(), [1, 2]) == [me, me]
    finally:
        stop.set()
        thread.join()


def test_single_item_and_empty() -> None:
    assert fork.fork_map(lambda x: x * 2, [21]) == [42]
    assert fork.fork_map(lambda x: x, []) == []
