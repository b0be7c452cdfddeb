"""Clipboard: pyperclip when it has a mechanism, OSC 52 to the terminal otherwise."""

from __future__ import annotations

import base64
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pyperclip
import pytest

from papersift import clipboard
from papersift.clipboard import copy_text, osc52_sequence
from papersift.models import PapersiftError

TEXT = "Attention Is All You Need — ü ✓ \\cite{x}\nsecond line"


def _decode_osc52(data: bytes) -> str:
    match = re.search(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", data)
    assert match, data
    return base64.b64decode(match.group(1)).decode("utf-8")


@pytest.fixture
def no_pyperclip(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyperclip as on a headless box: every copy raises PyperclipException."""

    def fail(text: str) -> None:
        raise pyperclip.PyperclipException("Pyperclip could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", fail)


class FakeTTY(io.BytesIO):
    def __init__(self, sink: list[bytes]) -> None:
        super().__init__()
        self.sink = sink

    def close(self) -> None:
        self.sink.append(self.getvalue())
        super().close()


def test_osc52_sequence_bytes() -> None:
    assert osc52_sequence("hi") == b"\x1b]52;c;aGk=\x07"
    assert _decode_osc52(osc52_sequence(TEXT)) == TEXT


def test_pyperclip_first(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[str] = []

    def copy_xclip(text: str) -> None:
        copied.append(text)

    monkeypatch.setattr(pyperclip, "copy", copy_xclip)
    called: list[str] = []
    assert copy_text(TEXT, osc52=called.append) == "system clipboard (pyperclip: xclip)"
    assert copied == [TEXT]
    assert called == []


def test_fallback_to_the_callback(no_pyperclip: None) -> None:
    called: list[str] = []
    assert copy_text(TEXT, osc52=called.append) == "terminal clipboard (OSC 52)"
    assert called == [TEXT]


def test_broken_copy_tool_also_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise FileNotFoundError("xclip")

    monkeypatch.setattr(pyperclip, "copy", broken)
    called: list[str] = []
    assert copy_text("x", osc52=called.append) == "terminal clipboard (OSC 52)"
    assert called == ["x"]


def test_fallback_writes_osc52_to_the_tty(
    no_pyperclip: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[bytes] = []
    monkeypatch.setattr(clipboard, "_open_tty", lambda: FakeTTY(written))
    assert copy_text(TEXT) == "terminal clipboard (OSC 52)"
    assert written == [osc52_sequence(TEXT)]
    assert _decode_osc52(written[0]) == TEXT


class FakeStdout:
    def __init__(self, tty: bool) -> None:
        self.buffer = io.BytesIO()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def flush(self) -> None:
        pass


def _no_tty() -> io.BytesIO:
    raise OSError(6, "No such device or address: '/dev/tty'")


def test_fallback_to_stdout_when_it_is_a_terminal(
    no_pyperclip: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clipboard, "_open_tty", _no_tty)
    stdout = FakeStdout(tty=True)
    monkeypatch.setattr(sys, "stdout", stdout)
    assert copy_text(TEXT) == "terminal clipboard (OSC 52)"
    assert stdout.buffer.getvalue() == osc52_sequence(TEXT)


def test_nothing_works(no_pyperclip: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clipboard, "_open_tty", _no_tty)
    stdout = FakeStdout(tty=False)
    monkeypatch.setattr(sys, "stdout", stdout)
    with pytest.raises(PapersiftError, match="cannot copy: pyperclip found no system clipboard"):
        copy_text(TEXT)
    assert stdout.buffer.getvalue() == b""  # a redirected stdout never gets escapes


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs a POSIX pty")
def test_headless_session_really_uses_osc52_on_the_terminal() -> None:
    """No DISPLAY, no Wayland: real pyperclip fails and the real /dev/tty gets OSC 52."""
    import pty

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    code = (
        "import sys\n"
        "from papersift.clipboard import copy_text\n"
        f"how = copy_text({TEXT!r})\n"
        "print('\\nHOW=' + how, flush=True)\n"
    )
    pid, master = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.execve(sys.executable, [sys.executable, "-c", code], env)
    output = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(master)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert b"HOW=terminal clipboard (OSC 52)" in output, output
    assert _decode_osc52(output) == TEXT


def test_module_has_no_textual_import() -> None:
    source = Path(clipboard.__file__).read_text(encoding="utf-8")
    assert "textual" not in re.sub(r'""".*?"""', "", source, flags=re.S).lower()
    out = subprocess.run(
        [sys.executable, "-c", "import papersift.clipboard, sys; print('textual' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"
