"""Copy text to the clipboard: the system clipboard if there is one, else OSC 52.

pyperclip reaches the desktop clipboard (xclip/xsel/wl-copy, pbcopy, Windows) and
says whether it worked. Over SSH or on a headless box it has no mechanism; then the
terminal's clipboard is set with the OSC 52 escape sequence, which travels through
SSH to the terminal on the user's desk. OSC 52 is fire-and-forget: terminals that do
not support it (macOS Terminal.app, tmux without `set -g set-clipboard on`, screen)
ignore it silently, and some cap its size, which is why the caller is told which
mechanism was used.

No Textual here: the TUI passes `App.copy_to_clipboard` as `osc52`, the CLI lets this
module write the sequence to the terminal itself.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable
from typing import BinaryIO

from papersift.models import PapersiftError

OSC52_PREFIX = b"\x1b]52;c;"
OSC52_SUFFIX = b"\x07"


def osc52_sequence(text: str) -> bytes:
    """The OSC 52 escape sequence that puts `text` (UTF-8) on the terminal clipboard."""
    return OSC52_PREFIX + base64.b64encode(text.encode("utf-8")) + OSC52_SUFFIX


def _pyperclip_copy(text: str) -> str | None:
    """Copy with pyperclip; the mechanism's name, or None if it has none that works."""
    try:
        import pyperclip  # imported here: finding a mechanism may spawn processes
    except ImportError:
        return None
    try:
        pyperclip.copy(text)
    except Exception:  # PyperclipException, or xclip & co. failing in their own ways
        return None
    name = getattr(pyperclip.copy, "__name__", "") or type(pyperclip.copy).__name__
    return name.removeprefix("copy_") or "unknown"


def _open_tty() -> BinaryIO:
    # The controlling terminal, even when stdout is redirected to a file or a pipe.
    return open("/dev/tty", "wb", buffering=0)


def _write_osc52(text: str) -> bool:
    """Write the OSC 52 sequence to the terminal; False if there is no terminal."""
    data = osc52_sequence(text)
    try:
        with _open_tty() as tty:
            tty.write(data)
        return True
    except OSError:
        pass
    stdout = sys.stdout
    if stdout is not None and stdout.isatty():
        try:
            stdout.flush()
            stdout.buffer.write(data)
            stdout.buffer.flush()
            return True
        except (OSError, AttributeError, ValueError):
            return False
    return False


def copy_text(text: str, osc52: Callable[[str], None] | None = None) -> str:
    """Put `text` on a clipboard and say which one.

    Returns "system clipboard (pyperclip: <mechanism>)" or "terminal clipboard
    (OSC 52)". pyperclip is tried first; without a mechanism, `osc52(text)` is called
    if given (the TUI passes `App.copy_to_clipboard`), else the OSC 52 sequence is
    written to /dev/tty or to stdout if that is a terminal. Raises `PapersiftError`
    when neither is possible.
    """
    mechanism = _pyperclip_copy(text)
    if mechanism is not None:
        return f"system clipboard (pyperclip: {mechanism})"
    if osc52 is not None:
        osc52(text)
        return "terminal clipboard (OSC 52)"
    if _write_osc52(text):
        return "terminal clipboard (OSC 52)"
    raise PapersiftError(
        "cannot copy: pyperclip found no system clipboard and there is no terminal to "
        "send OSC 52 to; install xclip, xsel or wl-clipboard, or write to a file instead"
    )
