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

from rich.text import Text

from papersift import textsafe

__all__ = ["clean", "has_controls", "plain"]


def clean(text: str, *, multiline: bool = False) -> str:
    """`text` with control characters made visible and harmless (see `papersift.textsafe`).

    With `multiline=False` (titles, tags, one-line fields) line breaks and tabs become
    single spaces; with `multiline=True` (abstracts, notes) newlines are kept.
    """
    return textsafe.clean(text, keep_newlines=multiline)


has_controls = textsafe.has_controls


def plain(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """A `Text` that shows `text` exactly, as data: markup and escapes are inert.

    `style` is a Rich style for the whole text (use CSS for colours; this is for the
    rare widget that needs a per-span style it has resolved from a component class).
    """
    return Text(clean(text, multiline=multiline), style=style, end="")
