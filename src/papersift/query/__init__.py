"""The filter query language and the search index (issue #3), one module per concept.

- `terms`: `Term`, `Query`, `QueryError` and `TERM_KINDS`, the table of term kinds
  (field names, help line, value parsing, evaluation, cost) that everything reads;
- `language`: `parse` (query text to a `Query`; the syntax is in its docstring) and
  `QUERY_HELP`, rendered from the table;
- `scoring`: folding, tokens, how well a word matches a token, the `Vocabulary`;
- `postings`: token -> slots lists and their bulk build;
- `cache`: the word index kept on disk between runs;
- `index`: `SearchIndex`, which evaluates parsed queries, and `filter_entries`;
- `live`: `LiveIndex`, a library's index over its life (build, cache, updates).

The names below are the public API; `from papersift.query import …` is how the rest of
papersift uses it. They are loaded on first use: numpy and the index take ~0.2 s to
import, which the TUI's first paint (and `papersift --help`) should not wait for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from papersift.query.index import SearchIndex, filter_entries
    from papersift.query.language import QUERY_HELP, parse
    from papersift.query.live import IndexEvents, LiveIndex
    from papersift.query.scoring import fast_fold, text_tokens, tokens, word_quality
    from papersift.query.terms import FIELDS, HAS_VALUES, IS_VALUES, Query, QueryError, Term

#: Each public name's module (every name of `__all__`).
_HOME = {
    "FIELDS": "terms",
    "HAS_VALUES": "terms",
    "IS_VALUES": "terms",
    "IndexEvents": "live",
    "LiveIndex": "live",
    "QUERY_HELP": "language",
    "Query": "terms",
    "QueryError": "terms",
    "SearchIndex": "index",
    "Term": "terms",
    "fast_fold": "scoring",
    "filter_entries": "index",
    "parse": "language",
    "text_tokens": "scoring",
    "tokens": "scoring",
    "word_quality": "scoring",
}

__all__ = [
    "FIELDS",
    "HAS_VALUES",
    "IS_VALUES",
    "QUERY_HELP",
    "IndexEvents",
    "LiveIndex",
    "Query",
    "QueryError",
    "SearchIndex",
    "Term",
    "fast_fold",
    "filter_entries",
    "parse",
    "text_tokens",
    "tokens",
    "word_quality",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # found directly next time
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})
