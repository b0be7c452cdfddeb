"""A paper's links: its page, its PDF, and the links written in its abstract and note.

Every URL that leaves this module is an http(s) URL in plain printable ASCII
(`safe_url`): imported text is data, so a link with control characters, escapes or bidi
overrides is refused, non-ASCII is percent-encoded and a host name is written in its
IDNA (punycode) form. Such a URL is inert when printed and means the same to a browser.

The page of a paper is its `url` (unless that is a PDF), else its arXiv abstract page,
else the DOI resolver's page for its DOI, else the PDF. The resolver's base is the
lookups' (`papersift add`): `PAPERSIFT_DOI_URL`, else the config's `[lookup] doi_url`,
else https://doi.org/.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from papersift.models import Entry, Paper

ARXIV_ABS = "https://arxiv.org/abs/"
ARXIV_PDF = "https://arxiv.org/pdf/"

#: What each kind of link is called where links are listed.
LINK_KINDS = {
    "page": "Paper page",
    "pdf": "PDF",
    "abstract": "In the abstract",
    "note": "In your note",
}


@dataclass(frozen=True, slots=True)
class Link:
    """One link of a paper: its kind (a key of `LINK_KINDS`) and a `safe_url` URL."""

    kind: str
    url: str

    @property
    def label(self) -> str:
        return LINK_KINDS[self.kind]


_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Anything a terminal acts on, and any space: none of it belongs in a URL as written.
_NOT_IN_URL = re.compile(f"[\\s\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufeff]")
# Characters kept as they are in each part; everything else is percent-encoded
# (an existing %XX escape is kept, so encoding twice changes nothing).
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def safe_url(text: str) -> str | None:
    """`text` as an http(s) URL in printable ASCII, or None if it is not one.

    Refused: other schemes (javascript:, file:, data:…), no host, user names or
    passwords before the host (`https://trusted.org@evil.example/`), a bad port, and any
    control character, escape, space or bidi control. Kept: what a browser would
    open, with non-ASCII percent-encoded and the host in IDNA form."""
    text = text.strip()
    if not text or _NOT_IN_URL.search(text):
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in ("http", "https") or not host or "@" in parts.netloc:
        return None
    if ":" in host:  # an IPv6 literal
        netloc = f"[{host}]"
    else:
        try:
            netloc = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
        if not re.fullmatch(r"[a-z0-9.-]+", netloc):
            return None
    if port is not None:
        netloc += f":{port}"
    return urlunsplit(
        (
            scheme,
            netloc,
            quote(parts.path, safe=_PATH_SAFE),
            quote(parts.query, safe=_QUERY_SAFE),
            quote(parts.fragment, safe=_QUERY_SAFE),
        )
    )


# A URL in running text ends at a space, a quote, an angle bracket or a brace
# (`\url{…}`), and at anything `safe_url` would refuse anyway.
_URL_IN_TEXT = re.compile(
    f"https?://[^\\s<>\"'`{{}}|\\\\^\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029\ufeff]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?*"
_CLOSING = {")": "(", "]": "["}


def _trim(url: str) -> str:
    """`url` without the punctuation of the sentence around it: a full stop or comma
    after it, a closing bracket it did not open (`(see https://x.org/a_(b))`)."""
    while url:
        last = url[-1]
        unopened = last in _CLOSING and url.count(last) > url.count(_CLOSING[last])
        if last not in _TRAILING and not unopened:
            break
        url = url[:-1]
    return url


def text_links(text: str) -> list[str]:
    """The http(s) links written in `text`, as `safe_url`s, in order, each once."""
    if not text or "://" not in text:
        return []
    found: dict[str, None] = {}
    for match in _URL_IN_TEXT.finditer(text):
        url = safe_url(_trim(match.group()))
        if url is not None:
            found.setdefault(url, None)
    return list(found)


def doi_resolver() -> str:
    """The DOI resolver's base URL, as `papersift add` uses it (`lookup.config`):
    `PAPERSIFT_DOI_URL`, the config's `[lookup] doi_url`, else https://doi.org/."""
    from papersift.lookup.config import load_lookup_config

    return load_lookup_config().doi_url


def doi_url(doi: str, base: str | None = None) -> str | None:
    """The resolver's page of `doi` (escaped as the lookups escape it), or None if
    either is unusable."""
    from papersift.lookup.doi import doi_url as resolver_url

    doi = doi.strip()
    if not doi:
        return None
    return safe_url(resolver_url(base or doi_resolver(), doi))


def _is_pdf(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(".pdf")


#: BibTeX fields that hold a link to the PDF (JabRef, BibDesk, papis, Zotero exports).
PDF_FIELDS = ("pdf", "pdfurl", "pdf_url", "url_pdf", "eprinturl")
_OPENREVIEW = re.compile(r"^https://openreview\.net/forum\?(?:.*&)?id=([\w-]+)", re.IGNORECASE)
_ACL = re.compile(r"^https://aclanthology\.org/([\w.-]+?)/?$", re.IGNORECASE)


def _own_url(paper: Paper) -> str | None:
    return safe_url(paper.url) if paper.url else None


def pdf_url(paper: Paper) -> str | None:
    """The paper's PDF when one is known: a PDF field of its BibTeX, its url if that is
    a PDF, its arXiv PDF, or the PDF of an OpenReview or ACL Anthology page."""
    if paper.bibtex is not None:
        fields = {name.lower(): value for name, value in paper.bibtex.fields}
        for name in PDF_FIELDS:
            if (value := fields.get(name)) and (url := safe_url(value)):
                return url
    own = _own_url(paper)
    if own is not None and _is_pdf(own):
        return own
    if paper.arxiv:
        return safe_url(ARXIV_PDF + paper.arxiv)
    if own is not None:
        if match := _OPENREVIEW.match(own):
            return f"https://openreview.net/pdf?id={match.group(1)}"
        if match := _ACL.match(own):
            return f"https://aclanthology.org/{match.group(1)}.pdf"
    return None


def page_url(paper: Paper) -> str | None:
    """The paper's page: its url (unless that is its PDF), else its arXiv abstract page,
    else its DOI's page at the resolver, else its PDF; None when none is known."""
    own = _own_url(paper)
    if own is not None and not _is_pdf(own):
        return own
    if paper.arxiv and (url := safe_url(ARXIV_ABS + paper.arxiv)):
        return url
    if paper.doi and (url := doi_url(paper.doi)):
        return url
    return pdf_url(paper)


def _unique(links: Iterable[Link]) -> list[Link]:
    first: dict[str, Link] = {}
    for link in links:
        first.setdefault(link.url, link)
    return list(first.values())


def written_links(entry: Entry) -> list[Link]:
    """The links written in the paper's abstract, then in the user's note, each once."""
    return _unique(
        [
            *(Link("abstract", url) for url in text_links(entry.paper.abstract)),
            *(Link("note", url) for url in text_links(entry.triage.note)),
        ]
    )


def entry_links(entry: Entry) -> list[Link]:
    """Every link of a paper: its page, its PDF, then `written_links`, each once."""
    paper = entry.paper
    known = [Link("page", url) for url in (page_url(paper),) if url]
    known += [Link("pdf", url) for url in (pdf_url(paper),) if url]
    return _unique([*known, *written_links(entry)])
