"""Show imported text literally and inert.

Titles, abstracts, notes and tags come from files other people wrote. They may hold
Rich/Textual markup (`[bold red]x[/]`, `[link=…]`, `[@click=app.quit]`) or terminal
escape sequences (`ESC [ 31 m`, OSC 52 clipboard writes, BEL, C1 controls). Textual
passes control characters straight to the terminal, and a `str` given to `Static` or
`notify` is parsed as markup, so data must never reach either as a plain string.

Rules for the TUI:

* build widgets' content with `plain()` (a `rich.text.Text`, never parsed as markup);
* for anything else that takes a string (`Input.value`, `TextArea.text`, option ids,
  `notify(..., markup=False)`), pass `clean()`'s result;
* never interpolate data into a markup string.

`clean()` replaces every C0/C1 control character (ESC included) and the bidirectional
override/isolate characters (which can reorder what the terminal shows) with a visible
placeholder: the Unicode "control pictures" for C0 and DEL (ESC shows as `␛`), and `�`
for C1 and bidi controls. Newlines are kept when `multiline=True` (CR LF and lone CR
become LF); otherwise all line breaks and tabs become spaces.
"""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["clean", "has_controls", "plain"]

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Everything that may move the cursor, change modes or reorder text on a terminal.
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\u0085]")
_NEWLINES = re.compile("\r\n|\r|\u2028|\u2029|\u0085")
_LINE_BREAK = re.compile("\r\n|[\r\n\t\u2028\u2029\u0085]")
_REPLACEMENT = "\ufffd"


def _picture(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC is ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def clean(text: str, *, multiline: bool = False) -> str:
    """`text` with control characters made visible and harmless.

    With `multiline=False` (titles, tags, one-line fields) line breaks and tabs become
    single spaces; with `multiline=True` (abstracts, notes) newlines are kept and tabs
    are left to the widget.
    """
    if not text:
        return ""
    if multiline:
        text = _NEWLINES.sub("\n", text)
        return _UNSAFE.sub(_picture, text)
    text = _LINE_BREAK.sub(" ", text)
    return _UNSAFE_ONE_LINE.sub(_picture, text)


def has_controls(text: str) -> bool:
    """True if `clean` would change anything besides line breaks (for tests and warnings)."""
    return bool(_UNSAFE.search(_NEWLINES.sub("\n", text)))


def plain(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """A `Text` that shows `text` exactly, as data: markup and escapes are inert.

    `style` is a Rich style for the whole text (use CSS for colours; this is for the
    rare widget that needs a per-span style it has resolved from a component class).
    """
    return Text(clean(text, multiline=multiline), style=style, end="")
