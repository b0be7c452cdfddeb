"""Make imported text inert for display: no terminal escapes, no control characters.

Imported titles, abstracts, tags and notes are data. Printed raw, an ESC sequence could
recolour the terminal, move the cursor or set the window title (OSC); a Rich/Textual
view could read `[bold]` as markup. Views build Text objects (never markup strings)
and pass every string through `clean` first.
"""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, C1 controls (0x80-0x9f, incl. the 8-bit CSI),
# and the Unicode bidi overrides that can make text display differently from what it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _placeholder(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ … ␟
    return "\ufffd"


def clean(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with control characters replaced by visible placeholders (ESC → ␛)."""
    text = _CONTROL.sub(_placeholder, text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not keep_newlines:
        text = " ".join(text.split())
    return text


def one_line(text: str, width: int | None = None) -> str:
    """`clean` text on one line, cut to `width` characters with an ellipsis."""
    text = clean(text, keep_newlines=False)
    if width is not None and len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text
