"""Show imported text literally and inert, as Rich `Text`.

Titles, abstracts, notes and tags come from files other people wrote. They may hold
Rich/Textual markup (`[bold red]x[/]`, `[link=…]`, `[@click=app.quit]`) or terminal
escape sequences (`ESC [ 31 m`, OSC 52 clipboard writes, BEL, C1 controls). Textual
passes control characters straight to the terminal, and a `str` given to `Static` or
`notify` is parsed as markup, so data must never reach either as a plain string.

Rules for the TUI:

* build widgets' content with `plain()` (a `rich.text.Text`, never parsed as markup);
* for anything else that takes a string (`Input.value`, `TextArea.text`, option ids,
  `notify(..., markup=False)`), pass `textsafe.clean_line()`'s result (one line) or
  `textsafe.clean_block()`'s (newlines kept);
* never interpolate data into a markup string.

The cleaning itself is `papersift.textsafe`'s (the CLI's too); this module only adds
what needs Rich.
"""

from __future__ import annotations

from rich.text import Text

from papersift.textsafe import clean_block, clean_line

__all__ = ["plain"]


def plain(text: str, style: str = "", *, multiline: bool = False) -> Text:
    """A `Text` that shows `text` exactly, as data: markup and escapes are inert.

    On one line (`clean_line`), or with its newlines kept for `multiline=True`
    (`clean_block`). `style` is a Rich style for the whole text (use CSS for colours;
    this is for the rare widget that needs a per-span style it has resolved from a
    component class).
    """
    return Text(clean_block(text) if multiline else clean_line(text), style=style, end="")
