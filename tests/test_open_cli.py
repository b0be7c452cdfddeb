"""`papersift open` and `papersift links` on a real library imported from a real .bib.

The browser is replaced only at `webbrowser.get` (in-process runs of `cli.main`); the
SSH fallback runs the command in a subprocess on a real pseudo-terminal and reads the
OSC 52 sequence it sends there.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
import webbrowser
from pathlib import Path

import pytest

from papersift.cli import main

BIB = r"""@article{vaswani2017,
  title = {Attention Is All You Need},
  author = {Vaswani, Ashish},
  year = {2017},
  eprint = {1706.03762},
  archivePrefix = {arXiv},
  abstract = {Code at https://github.com/tensorflow/tensor2tensor. See also
              (https://github.com/harvardnlp/annotated-transformer).}
}
@article{doi_only,
  title = {A Paper Known Only by Its DOI},
  year = {2020},
  doi = {10.1145/3366423.3380130}
}
@misc{hostile,
  title = {Hostile Links},
  url = {https://evil.example/^^[]52;c;aGk=^^G},
  abstract = {Try https://evil.example/^^[[2J and https://fine.example/ok.}
}
"""


class FakeBrowser(webbrowser.BaseBrowser):
    def __init__(self) -> None:
        super().__init__("fake")
        self.opened: list[str] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        return True


@pytest.fixture
def library(tmp_path: Path, library_path: Path) -> Path:
    # ^^[ and ^^G stand for ESC and BEL (written raw into the file below).
    text = BIB.replace("^^[", "\x1b").replace("^^G", "\x07")
    bib = tmp_path / "refs.bib"
    bib.write_text(text, encoding="utf-8")
    assert main(["--library", str(library_path), "import", str(bib)]) == 0
    return library_path


def ids(library: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    capsys.readouterr()
    assert main(["--library", str(library), "list", "--json"]) == 0
    return {p["title"]: p["id"] for p in json.loads(capsys.readouterr().out)}


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> FakeBrowser:
    fake = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: fake)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)
    return fake


def test_open_page_and_pdf_in_the_browser(library: Path, browser: FakeBrowser, capsys):
    paper = ids(library, capsys)
    assert main(["--library", str(library), "open", paper["Attention Is All You Need"]]) == 0
    assert (
        main(["--library", str(library), "open", "--pdf", paper["Attention Is All You Need"]]) == 0
    )
    assert browser.opened == [
        "https://arxiv.org/abs/1706.03762",
        "https://arxiv.org/pdf/1706.03762",
    ]
    assert "opened https://arxiv.org/pdf/1706.03762" in capsys.readouterr().err


def test_open_print_only_prints(library: Path, browser: FakeBrowser, capsys, monkeypatch):
    monkeypatch.delenv("PAPERSIFT_DOI_URL", raising=False)
    paper = ids(library, capsys)
    assert (
        main(["--library", str(library), "open", "--print", paper["A Paper Known Only by Its DOI"]])
        == 0
    )
    assert capsys.readouterr().out == "https://doi.org/10.1145/3366423.3380130\n"
    assert browser.opened == []


def test_no_pdf_known_is_an_error_that_says_so(library: Path, browser: FakeBrowser, capsys):
    paper = ids(library, capsys)
    assert (
        main(["--library", str(library), "open", "--pdf", paper["A Paper Known Only by Its DOI"]])
        == 1
    )
    assert "no PDF known for this paper" in capsys.readouterr().err
    assert browser.opened == []


def test_links_lists_page_pdf_and_abstract_links(library: Path, capsys):
    paper = ids(library, capsys)
    assert main(["--library", str(library), "links", paper["Attention Is All You Need"]]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "page      https://arxiv.org/abs/1706.03762",
        "pdf       https://arxiv.org/pdf/1706.03762",
        "abstract  https://github.com/tensorflow/tensor2tensor",
        "abstract  https://github.com/harvardnlp/annotated-transformer",
    ]
    assert (
        main(["--library", str(library), "links", "--json", paper["Attention Is All You Need"]])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data[0] == {
        "kind": "page",
        "label": "Paper page",
        "url": "https://arxiv.org/abs/1706.03762",
    }


def test_hostile_links_never_reach_the_terminal_raw(library: Path, browser: FakeBrowser, capsys):
    paper = ids(library, capsys)
    hostile = paper["Hostile Links"]
    assert main(["--library", str(library), "links", hostile]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines() == [
        "abstract  https://evil.example/",
        "abstract  https://fine.example/ok",
    ]
    # Its url field is refused outright: there is no page to open.
    assert main(["--library", str(library), "open", hostile]) == 1
    captured = capsys.readouterr()
    assert "no page" in captured.err and "\x1b" not in captured.err + captured.out
    assert browser.opened == []


def test_over_ssh_the_url_is_printed_and_sent_to_the_terminal_clipboard(library: Path, capsys):
    paper = ids(library, capsys)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SSH_CONNECTION"] = "10.0.0.2 50000 10.0.0.1 22"
    primary, secondary = pty.openpty()
    try:
        command = [sys.executable, "-m", "papersift", "--library", str(library), "open"]
        proc = subprocess.Popen(
            [*command, paper["Attention Is All You Need"]],
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            env=env,
            start_new_session=True,  # the pty becomes its /dev/tty
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
        os.close(secondary)
        seen = b""
        while True:
            ready, _, _ = select.select([primary], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(timeout=60) == 0, seen
    finally:
        os.close(primary)
    match = re.search(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", seen)
    assert match, seen
    assert base64.b64decode(match.group(1)) == b"https://arxiv.org/abs/1706.03762"
    text = seen.replace(match.group(), b"").decode()
    assert "https://arxiv.org/abs/1706.03762\r\n" in text
    assert "Over SSH, not starting a browser; copied to the terminal clipboard (OSC 52)" in text
