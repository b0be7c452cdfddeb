"""Open a URL in the user's browser, or print and copy it where no browser can be used.

`webbrowser` is the one way out to a browser. It is not asked at all over SSH
(`SSH_CONNECTION` or `SSH_TTY` set): a browser started on the remote machine would open
far from the user, or not at all. Where it finds no browser, or only a text browser
(lynx, w3m, `www-browser`) that would take over the terminal the TUI is drawn on, or
the browser fails to start, the URL is handed back to be printed and is put on a
clipboard (`clipboard.copy_text`: the system one, else OSC 52, which reaches the
terminal on the user's desk through SSH). Opening never fails for want of a browser.

No Textual here: the TUI passes `App.copy_to_clipboard` as `osc52`.
"""

from __future__ import annotations

import os
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from papersift.clipboard import copy_text
from papersift.links import safe_url
from papersift.models import PapersiftError


@dataclass(frozen=True, slots=True)
class Opened:
    """What `open_url` did with a URL."""

    url: str
    #: "browser" (handed to the browser) or "printed/copied" (the caller shows `url`).
    how: str
    #: Why no browser was used ("" when one was).
    reason: str = ""
    #: Which clipboard has the URL (`copy_text`'s answer), or why copying failed.
    clipboard: str = ""
    copied: bool = False

    @property
    def in_browser(self) -> bool:
        return self.how == "browser"

    def message(self) -> str:
        """One line for the user: what happened to the URL."""
        if self.in_browser:
            return f"Opened in the browser: {self.url}"
        where = f"copied to the {self.clipboard}" if self.copied else self.clipboard
        return f"{self.reason[:1].upper()}{self.reason[1:]}; {where}: {self.url}"


def over_ssh(env: Mapping[str, str] | None = None) -> bool:
    """True when this process runs in an SSH session."""
    env = os.environ if env is None else env
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY"))


def _is_text_browser(browser: webbrowser.BaseBrowser) -> bool:
    # webbrowser runs text browsers (and $BROWSER commands) as a GenericBrowser in the
    # foreground; graphical ones are BackgroundBrowsers or platform classes.
    return isinstance(browser, webbrowser.GenericBrowser) and not isinstance(
        browser, webbrowser.BackgroundBrowser
    )


def _browser_reason(console_ok: bool) -> tuple[webbrowser.BaseBrowser | None, str]:
    """The browser to use, or None and why there is none."""
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return None, "no browser found"
    if not console_ok and _is_text_browser(browser):
        return None, "only a text browser found, which would take over this terminal"
    return browser, ""


def open_url(
    url: str,
    *,
    osc52: Callable[[str], None] | None = None,
    console_ok: bool = False,
    env: Mapping[str, str] | None = None,
) -> Opened:
    """Open `url` in the browser; where that cannot be done, copy it and say why.

    `url` must be an http(s) URL (`links.safe_url`), else `PapersiftError`. Over SSH or
    without a usable browser the result's `how` is "printed/copied": the caller prints
    `url`, and it is on a clipboard if `copied`. `console_ok`: a text browser may be
    used (the CLI, whose terminal it may take; not the TUI's). `osc52` as for
    `clipboard.copy_text`.
    """
    safe = safe_url(url)
    if safe is None:
        raise PapersiftError("not an http(s) link that can be opened safely; nothing was opened")
    if over_ssh(env):
        reason = "over SSH, not starting a browser"
    else:
        browser, reason = _browser_reason(console_ok)
        if browser is not None:
            try:
                if browser.open(safe):
                    return Opened(safe, "browser")
                reason = "the browser did not start"
            except Exception as exc:  # a browser command failing in its own way
                reason = f"the browser did not start ({type(exc).__name__})"
    try:
        return Opened(safe, "printed/copied", reason, copy_text(safe, osc52), copied=True)
    except PapersiftError:
        return Opened(safe, "printed/copied", reason, "no clipboard to copy it to")
