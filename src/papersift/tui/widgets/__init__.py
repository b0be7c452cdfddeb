"""Widgets of the main screen, and the text helpers they share.

Everything shown from the library is data: it goes through `papersift.textsafe`
(control characters become visible placeholders) and into `Text`/`Content` objects or
plain segments, never into markup strings.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual.widget import Widget

from papersift.textsafe import one_line


def fit(text: str, width: int) -> str:
    """`text` padded or cut (with an ellipsis) to exactly `width` terminal cells."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, width - 1) + "…"


def fit_right(text: str, width: int) -> str:
    """`text` right-aligned in `width` cells (cut on the left if too long)."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return " " * (width - length) + text
    return "…" + text[-(width - 1) :] if width > 1 else "…"


def line_of(text: str) -> str:
    """Imported text made safe for one line of the screen."""
    return one_line(text)


def component_style(widget: Widget, name: str, *, background: bool = False) -> Style:
    """A component class's Rich style, with theme colours resolved.

    Partial styles keep only what the CSS sets, but drop the alpha of translucent
    colours ($text-muted, `$accent 25%`), which then show at full strength; full
    styles blend them with the background but also carry the widget's background.
    So: text styles are the partial style with the blended colour, and
    `background=True` gives the full style for rows that paint their own background.
    """
    full = widget.get_component_rich_style(name)
    if background:
        return full
    partial = widget.get_component_rich_style(name, partial=True)
    if partial.color is not None:
        partial = partial + Style(color=full.color)
    return partial
