r"""The "copy as" formats: one table (`COPY_FORMATS`) and `copy_as`, which writes them.

What the TUI's copy menu and `papersift export --as` offer: BibTeX entries, citation
keys, `\cite{…}`, pandoc `[@key]`, a Markdown list, titles with abstracts. A new format
is one row of the table and one branch of `copy_as`; menus and argparse choices derive
from the table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from papersift.models import Entry, Paper

__all__ = ["COPY_FORMATS", "copy_as"]

#: Formats of `copy_as`: id -> label for menus.
COPY_FORMATS: dict[str, str] = {
    "bibtex": "BibTeX entries",
    "keys": "Citation keys",
    "cite": "LaTeX \\cite{...}",
    "pandoc": "Pandoc citation [@key]",
    "markdown": "Markdown list (title, year, link)",
    "abstract": "Title and abstract (plain text)",
}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def _markdown_text(text: str) -> str:
    from papersift.latex import clean_text

    text = _MD_SPECIAL.sub(r"\\\1", clean_text(text, False))
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # "1. Title" is no nested list


def _link(paper: Paper) -> str:
    if paper.url and re.match(r"https?://", paper.url):
        url = paper.url
    elif paper.doi:
        url = "https://doi.org/" + paper.doi
    elif paper.arxiv:
        url = "https://arxiv.org/abs/" + paper.arxiv
    else:
        return ""
    return quote(url, safe="%/:?#[]@!$&'*+,;=-._~")


def copy_as(entries: Sequence[Entry], fmt: str, keys: Mapping[str, str] | None = None) -> str:
    """The entries in one of `COPY_FORMATS`, without a final newline.

    `keys` (paper id -> key) overrides `citation_keys(entries)`, so that a copied
    citation can use the keys of a larger export.
    """
    # Imported here, not at the top: the table above is read by every CLI command (its
    # argparse choices), which should not pay for loading the LaTeX tables.
    from papersift.citekeys import citation_keys
    from papersift.latex import clean_text

    first: dict[str, Entry] = {}
    for entry in entries:
        first.setdefault(entry.id, entry)  # a paper listed twice is copied once
    entries = list(first.values())
    if fmt not in COPY_FORMATS:
        raise ValueError(f"unknown copy format {fmt!r}; one of {', '.join(COPY_FORMATS)}")
    if fmt == "bibtex":
        # Imported here: only this format needs the BibTeX writer (and bibtexparser).
        from papersift.bibtex_export import export_bibtex

        return export_bibtex(entries, keys=keys)
    if fmt in ("keys", "cite", "pandoc"):
        key_of = dict(citation_keys(entries))
        key_of.update(keys or {})
        cited = [key_of[e.id] for e in entries]
        if fmt == "keys":
            return "\n".join(cited)
        if fmt == "cite":
            return "\\cite{" + ",".join(cited) + "}"
        return "[" + "; ".join("@" + k for k in cited) + "]"
    if fmt == "markdown":
        lines = []
        for e in entries:
            title = _markdown_text(e.paper.title)
            link = _link(e.paper)
            item = f"[{title}]({link})" if link else title
            if e.paper.year is not None:
                item += f" ({e.paper.year})"
            lines.append("- " + item)
        return "\n".join(lines)
    blocks = []
    for e in entries:
        title = clean_text(e.paper.title, False)
        abstract = clean_text(e.paper.abstract, False)
        blocks.append(f"{title}\n{abstract}" if abstract else title)
    return "\n\n".join(blocks)
