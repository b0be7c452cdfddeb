"""The TUI's stylesheets: every `*.tcss` file of the top-level `styles/` folder.

`app.tcss` styles the App, the main screen, its widgets and the help; `screens.tcss` what the
other screens share (the dialog frame, titles, hint lines); each other screen has a
file named after its module (`triage.tcss` for `screens/triage.py`). A new screen's
styles are a new file there: nothing lists the files.

They are read once, by the App (`CSS_PATH = css_paths()`), for every screen: no screen
sets its own `CSS_PATH`, and no module holds CSS of its own (`DEFAULT_CSS`, `CSS`). The
test host app reads the same list, so screens tested alone look as they do in the app.
"""

from __future__ import annotations

from pathlib import Path

from papersift.paths import styles_dir


def css_paths() -> list[Path]:
    """Every stylesheet in `styles/`, by file name (`app.tcss`, `screens.tcss`, …): a
    fixed order, so where two equally specific rules disagree the same one always wins
    (the later file's). A new file there is read without being listed."""
    return sorted(styles_dir().glob("*.tcss"), key=lambda path: path.name)
