r"""The citation keys a draft cites: LaTeX `.aux` and `.tex` files, pandoc Markdown.

- `.aux`: `\citation{a,b}` (bibtex) and `\abx@aux@cite{0}{a}` / `\abx@aux@cite{a}`
  (biblatex with biber). The most reliable source: LaTeX has already expanded macros.
- `.tex`: every citation command of LaTeX, natbib and biblatex (`\cite`, `\citep`,
  `\citet*`, `\parencite`, `\textcite`, `\autocite`, `\footcite`, `\nocite`, `\Cite`…)
  with its optional `[…]` arguments; `%` comments are skipped; `\nocite{*}` is ignored
  (it cites the whole .bib, not a key).
- Markdown (`.md`, `.markdown`, `.qmd`, `.rmd`): pandoc's `[@key]`, `[see @key, p. 3;
  -@other]` and bare `@key`, where a key starts with a letter, digit or `_` and may hold
  `:.#$%&-+?<>~/` inside, and `@{key}` for keys with other characters. Code (fenced
  blocks and `inline code`) is skipped, and so are e-mail addresses (`me@example.org`).

Keys come back in first-cited order, each once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from papersift.models import PapersiftError

__all__ = ["cited_keys", "keys_in_aux", "keys_in_markdown", "keys_in_tex"]

_AUX = re.compile(r"\\citation\{([^}]*)\}|\\abx@aux@cite(?:\{[^}]*\})?\{([^}]*)\}")
_TEX_CITE = re.compile(
    r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|nocite)\*?"  # \cite, \citep, \parencite, \Textcite*, ...
    r"(?:\s*\[[^\]]*\]){0,2}\s*\{([^}]*)\}"
)
_TEX_COMMENT = re.compile(r"(?<!\\)%.*")
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+).+?\1", re.DOTALL)
# pandoc: a key is letters, digits, _ then internal punctuation :.#$%&-+?<>~/ before
# another letter or digit; {…} for anything else.
_MD_KEY = re.compile(r"(?<![\w.@])-?@(?:\{([^}]+)\}|([\w](?:[\w]|[:.#$%&\-+?<>~/](?=[\w]))*))")


def _split(keys: Iterable[str]) -> list[str]:
    return [k.strip() for group in keys for k in group.split(",") if k.strip()]


def keys_in_aux(text: str) -> list[str]:
    """The keys of `\\citation{…}` and biblatex's `\\abx@aux@cite{…}` lines."""
    return _split(a or b for a, b in _AUX.findall(text))


def keys_in_tex(text: str) -> list[str]:
    """The keys of every `\\…cite…{…}` command outside comments."""
    text = "\n".join(_TEX_COMMENT.sub("", line) for line in text.splitlines())
    return [k for k in _split(_TEX_CITE.findall(text)) if k != "*"]


def keys_in_markdown(text: str) -> list[str]:
    """pandoc's citation keys outside code."""
    text = _INLINE_CODE.sub(" ", _FENCE.sub(" ", text))
    return [a or b for a, b in _MD_KEY.findall(text)]


def cited_keys(path: Path) -> list[str]:
    """The keys `path` cites, by its kind (`.aux`, `.tex`/`.ltx`, else Markdown), in
    first-cited order, each once. `PapersiftError` if it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise PapersiftError(f"{path}: cannot read the draft: {exc.strerror or exc}") from None
    suffix = Path(path).suffix.lower()
    if suffix == ".aux":
        keys = keys_in_aux(text)
    elif suffix in (".tex", ".ltx", ".latex"):
        keys = keys_in_tex(text)
    else:
        keys = keys_in_markdown(text)
    return list(dict.fromkeys(keys))
