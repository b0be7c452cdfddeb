"""A paper's links (page, PDF, links in its abstract and note) and opening them.

The browser is replaced only at the `webbrowser` boundary (`webbrowser.get`); the
clipboard is the real `clipboard.copy_text` with pyperclip finding no mechanism, as on
a headless box, so the OSC 52 path runs.
"""

from __future__ import annotations

import re
import webbrowser

import pyperclip
import pytest
from hypothesis import given
from hypothesis import strategies as st

from papersift.links import (
    Link,
    doi_resolver,
    entry_links,
    page_url,
    pdf_url,
    safe_url,
    text_links,
    written_links,
)
from papersift.models import BibtexOrigin, Entry, Paper, PapersiftError, Triage
from papersift.opener import open_url, over_ssh

from .conftest import SAMPLE_LISTINGS

# ---------------------------------------------------------------------- links in text


def test_links_in_running_text_lose_the_sentence_punctuation():
    text = (
        "Code at https://github.com/zjukg/UMAEA. Data (https://github.com/abumafrim/"
        "Cohere-Align). See ~https://huggingface.co/IDEA-CCNL/Ziya-BLIP2-14B-Visual-v1. "
        "and \\url{https://github.com/baselmousi/multilingual-latent-concepts}, "
        "https://github.com/Wizardcoast/Linear_Alignment.git. "
        "https://en.wikipedia.org/wiki/Foo_(bar), <https://aka.ms/valler>; "
        '[demo](https://mismatch-quest.github.io/) "https://quoted.org/x"!'
    )
    assert text_links(text) == [
        "https://github.com/zjukg/UMAEA",
        "https://github.com/abumafrim/Cohere-Align",
        "https://huggingface.co/IDEA-CCNL/Ziya-BLIP2-14B-Visual-v1",
        "https://github.com/baselmousi/multilingual-latent-concepts",
        "https://github.com/Wizardcoast/Linear_Alignment.git",
        "https://en.wikipedia.org/wiki/Foo_(bar)",
        "https://aka.ms/valler",
        "https://mismatch-quest.github.io/",
        "https://quoted.org/x",
    ]


def test_links_are_deduplicated_in_order():
    text = "https://b.org/x, https://a.org/y and again https://b.org/x. HTTPS://b.org/x"
    assert text_links(text) == ["https://b.org/x", "https://a.org/y"]


def test_only_http_links_are_found():
    text = "ftp://x.org/a javascript:alert(1) file:///etc/passwd mailto:a@b.org www.x.org"
    assert text_links(text) == []


def test_every_link_of_the_sample_corpus_is_plain_ascii_and_github_links_are_found():
    found = [url for path in SAMPLE_LISTINGS for url in text_links(path.read_text("utf-8"))]
    assert len([u for u in found if u.startswith("https://github.com/")]) >= 40
    assert "https://github.com/cisnlp/Mexa" in found
    for url in found:
        assert re.fullmatch(r"https?://[!-~]+", url), url
        assert not url.endswith((".", ",", ")", ";"))


# ---------------------------------------------------------------------- hostile URLs

HOSTILE = [
    "https://evil.example/\x1b]52;c;aGk=\x07",
    "https://evil.example/\x1b[2J",
    "https://evil.example/\u202egnp.exe",
    "https://evil.example/a\u0085b",
    "https://evil.example/a\nb",
    "https://evil.example/\x9b31m",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/html,<script>",
    "https://trusted.org@evil.example/",
    "https://user:pw@evil.example/",
    "https:///no-host",
    "https://evil.example:99999/",
    "https://ev il.example/",
    "",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_refused(url: str):
    assert safe_url(url) is None


def test_a_link_with_an_escape_in_text_never_carries_it():
    text = "see https://evil.example/a\x1b]52;c;aGk=\x07 and https://b.org/\u202eabc"
    for url in text_links(text):
        assert re.fullmatch(r"[!-~]+", url), repr(url)
    assert text_links(text) == ["https://evil.example/a", "https://b.org/"]


def test_non_ascii_is_percent_encoded_and_hosts_are_punycode():
    assert safe_url("https://ex.org/Müller?q=ä#ü") == "https://ex.org/M%C3%BCller?q=%C3%A4#%C3%BC"
    assert safe_url("https://例え.jp/パス") == "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9"
    assert safe_url("HTTP://Ex.ORG:8080/a%20b") == "http://ex.org:8080/a%20b"
    assert safe_url("https://[::1]:8000/x") == "https://[::1]:8000/x"


@given(st.text())
def test_safe_url_is_printable_ascii_or_none(text: str):
    url = safe_url("https://example.org/" + text)
    assert url is None or re.fullmatch(r"https://example\.org/[!-~]*", url)
    if url is not None:
        assert safe_url(url) == url  # encoding twice changes nothing


@given(st.text())
def test_text_links_are_always_safe(text: str):
    for url in text_links("x https://a.org/" + text):
        assert safe_url(url) == url


# ---------------------------------------------------------------------- page and PDF


def test_page_is_the_url_then_arxiv_then_the_doi_resolver(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PAPERSIFT_DOI_URL", raising=False)
    both = Paper(id="a", title="t", url="https://x.org/p", arxiv="2405.21046", doi="10.1/x")
    assert page_url(both) == "https://x.org/p"
    arxiv = Paper(id="b", title="t", arxiv="2405.21046", doi="10.1145/3366423.3380130")
    assert page_url(arxiv) == "https://arxiv.org/abs/2405.21046"
    assert pdf_url(arxiv) == "https://arxiv.org/pdf/2405.21046"
    old = Paper(id="c", title="t", arxiv="hep-th/9901001")
    assert page_url(old) == "https://arxiv.org/abs/hep-th/9901001"
    doi = Paper(id="d", title="t", doi="10.1000/a#b?c d<>")
    assert page_url(doi) == "https://doi.org/10.1000/a%23b%3Fc%20d%3C%3E"
    assert pdf_url(doi) is None
    assert page_url(Paper(id="e", title="t")) is None
    assert page_url(Paper(id="f", title="t", url="javascript:alert(1)")) is None


def test_the_doi_resolver_is_the_configured_one(monkeypatch: pytest.MonkeyPatch, tmp_path):
    paper = Paper(id="d", title="t", doi="10.1/x")
    config = tmp_path / "config.toml"
    config.write_text('[lookup]\ndoi_url = "https://resolver.example/doi"\n')
    monkeypatch.setenv("PAPERSIFT_CONFIG", str(config))
    monkeypatch.delenv("PAPERSIFT_DOI_URL", raising=False)
    assert doi_resolver() == "https://resolver.example/doi/"
    assert page_url(paper) == "https://resolver.example/doi/10.1/x"
    monkeypatch.setenv("PAPERSIFT_DOI_URL", "http://127.0.0.1:8123/")
    assert page_url(paper) == "http://127.0.0.1:8123/10.1/x"


def test_a_pdf_url_is_the_pdf_and_not_the_page():
    paper = Paper(id="a", title="t", url="https://x.org/paper.PDF", doi="10.1/x")
    assert pdf_url(paper) == "https://x.org/paper.PDF"
    assert page_url(paper) == "https://doi.org/10.1/x"
    alone = Paper(id="b", title="t", url="https://x.org/paper.pdf")
    assert page_url(alone) == pdf_url(alone) == "https://x.org/paper.pdf"


def test_pdf_from_bibtex_fields_openreview_and_acl():
    origin = BibtexOrigin("misc", "k", (("title", "t"), ("PDF", "https://files.org/k.pdf")))
    assert pdf_url(Paper(id="a", title="t", bibtex=origin)) == "https://files.org/k.pdf"
    bad = BibtexOrigin("misc", "k", (("pdf", "/home/me/k.pdf"),))
    assert pdf_url(Paper(id="a", title="t", bibtex=bad)) is None
    openreview = Paper(id="o", title="t", url="https://openreview.net/forum?id=AbC_1-x")
    assert pdf_url(openreview) == "https://openreview.net/pdf?id=AbC_1-x"
    acl = Paper(id="l", title="t", url="https://aclanthology.org/2023.acl-long.1/")
    assert pdf_url(acl) == "https://aclanthology.org/2023.acl-long.1.pdf"


def test_entry_links_page_pdf_then_abstract_then_note_each_once():
    paper = Paper(
        id="a",
        title="t",
        arxiv="2405.21046",
        abstract="Code: https://github.com/a/b. Paper: https://arxiv.org/abs/2405.21046",
    )
    entry = Entry(paper, Triage(note="mine: https://github.com/a/b and https://blog.org/x"))
    assert entry_links(entry) == [
        Link("page", "https://arxiv.org/abs/2405.21046"),
        Link("pdf", "https://arxiv.org/pdf/2405.21046"),
        Link("abstract", "https://github.com/a/b"),
        Link("note", "https://blog.org/x"),
    ]
    assert [link.url for link in written_links(entry)] == [
        "https://github.com/a/b",
        "https://arxiv.org/abs/2405.21046",
        "https://blog.org/x",
    ]
    assert entry_links(entry)[0].label == "Paper page"


# ---------------------------------------------------------------------- opening


class FakeBrowser(webbrowser.BaseBrowser):
    """A graphical browser, as `webbrowser.get` would return one."""

    def __init__(self, result: bool = True) -> None:
        super().__init__("fake")
        self.opened: list[str] = []
        self.result = result

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append(url)
        return self.result


@pytest.fixture
def headless_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(text: str) -> None:
        raise pyperclip.PyperclipException("Pyperclip could not find a copy/paste mechanism")

    monkeypatch.setattr(pyperclip, "copy", fail)


@pytest.fixture
def no_ssh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.delenv("SSH_TTY", raising=False)


def test_open_hands_the_url_to_the_browser(monkeypatch: pytest.MonkeyPatch, no_ssh: None):
    browser = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    opened = open_url("https://arxiv.org/abs/2405.21046")
    assert opened.in_browser and browser.opened == ["https://arxiv.org/abs/2405.21046"]
    assert opened.message() == "Opened in the browser: https://arxiv.org/abs/2405.21046"


def test_over_ssh_the_browser_is_not_asked_the_url_is_copied(
    monkeypatch: pytest.MonkeyPatch, headless_clipboard: None
):
    browser = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    copied: list[str] = []
    opened = open_url("https://x.org/a", osc52=copied.append)
    assert browser.opened == [] and copied == ["https://x.org/a"]
    assert opened.how == "printed/copied" and opened.copied
    assert opened.message() == (
        "Over SSH, not starting a browser; copied to the terminal clipboard (OSC 52): "
        "https://x.org/a"
    )
    assert over_ssh({"SSH_TTY": "/dev/pts/3"}) and not over_ssh({})


def test_no_browser_or_a_text_browser_or_a_failing_one_falls_back(
    monkeypatch: pytest.MonkeyPatch, headless_clipboard: None, no_ssh: None
):
    def none(using=None):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", none)
    copied: list[str] = []
    opened = open_url("https://x.org/a", osc52=copied.append)
    assert opened.reason == "no browser found" and copied == ["https://x.org/a"]

    lynx = webbrowser.GenericBrowser("lynx")
    monkeypatch.setattr(webbrowser, "get", lambda using=None: lynx)
    monkeypatch.setattr(lynx, "open", lambda *a, **k: pytest.fail("lynx must not run"))
    opened = open_url("https://x.org/b", osc52=copied.append)
    assert "text browser" in opened.reason and copied[-1] == "https://x.org/b"

    failing = FakeBrowser(result=False)
    monkeypatch.setattr(webbrowser, "get", lambda using=None: failing)
    opened = open_url("https://x.org/c", osc52=copied.append)
    assert failing.opened == ["https://x.org/c"] and opened.reason == "the browser did not start"
    assert copied[-1] == "https://x.org/c"


def test_without_any_clipboard_the_url_is_still_handed_back(
    monkeypatch: pytest.MonkeyPatch, headless_clipboard: None
):
    from papersift import clipboard

    monkeypatch.setenv("SSH_TTY", "/dev/pts/1")

    def no_tty():
        raise OSError("No such device or address: '/dev/tty'")

    # As test_clipboard does: no controlling terminal (pytest's stdout is no terminal).
    monkeypatch.setattr(clipboard, "_open_tty", no_tty)
    opened = open_url("https://x.org/a")
    assert not opened.copied and opened.url == "https://x.org/a"
    assert opened.message().endswith("no clipboard to copy it to: https://x.org/a")


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_never_opened(monkeypatch: pytest.MonkeyPatch, url: str):
    browser = FakeBrowser()
    monkeypatch.setattr(webbrowser, "get", lambda using=None: browser)
    with pytest.raises(PapersiftError, match="not an http"):
        open_url(url)
    assert browser.opened == []
