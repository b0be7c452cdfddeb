"""Make imported text inert for display: no terminal escapes, no control characters.

Imported titles, abstracts, tags and notes are data. Printed raw, an ESC sequence could
recolour the terminal, move the cursor, set the window title or write the clipboard
(OSC 52); bidi overrides can make text read differently from what it is. The CLI prints
everything through `clean_line`/`clean_block`/`one_line`; the TUI uses the same functions,
and `tui.safe_text.plain` builds Text objects of them so nothing is ever parsed as markup.

Every C0/C1 control (ESC included) and every bidi override/isolate is replaced by a
visible placeholder: the Unicode "control pictures" for C0 and DEL (ESC shows as `␛`),
and `�` for C1 and bidi controls.
"""

from __future__ import annotations

import re

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Everything that may move the cursor, change modes or reorder text on a terminal.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\u0085]")
_NEWLINES = re.compile("\r\n|\r|\u2028|\u2029|\u0085")
_LINE_BREAK = re.compile("\r\n|[\r\n\t\u2028\u2029\u0085]")
_REPLACEMENT = "\ufffd"


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC is ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def clean_block(text: str) -> str:
    """`text` with control characters made visible and harmless, line breaks (as LF)
    and tabs kept: for abstracts, notes, messages of several lines."""
    if not text:
        return ""
    return _UNSAFE.sub(_picture, _NEWLINES.sub("\n", text))


def clean_line(text: str) -> str:
    """`text` with control characters made visible and harmless, on one line: every
    line break and tab becomes a single space (titles, tags, table cells)."""
    if not text:
        return ""
    return _UNSAFE_ONE_LINE.sub(_picture, _LINE_BREAK.sub(" ", text))


def has_controls(text: str) -> bool:
    """True if `clean_block` would change anything besides line breaks."""
    return bool(_UNSAFE.search(_NEWLINES.sub("\n", text)))


def one_line(text: str, width: int | None = None) -> str:
    """`clean_line` text without its outer spaces, cut to `width` characters with an
    ellipsis."""
    text = clean_line(text).strip()
    if width is not None and len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text


_JSON_UNSAFE = re.compile(f"[\x7f-\x9f{_BIDI}\u2028\u2029]")


def json_safe(text: str) -> str:
    """JSON text with the characters JSON allows raw but terminals act on (C1, DEL, bidi,
    line separators) written as \\uXXXX escapes: the same data, inert when printed."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
