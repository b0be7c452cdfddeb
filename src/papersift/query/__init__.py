"""The filter query language and the search index (issue #3), one module per concept.

- `terms`: `Term`, `Query`, `QueryError` and `TERM_KINDS`, the table of term kinds
  (field names, help line, value parsing, evaluation, cost) that everything reads;
- `language`: `parse` (query text to a `Query`; the syntax is in its docstring) and
  `QUERY_HELP`, rendered from the table;
- `scoring`: folding, tokens, how well a word matches a token, the `Vocabulary`;
- `postings`: token -> slots lists and their bulk build;
- `cache`: the word index kept on disk between runs;
- `index`: `SearchIndex`, which evaluates parsed queries, and `filter_entries`.

The names below are the public API; `from papersift.query import …` is how the rest of
papersift uses it.
"""

from papersift.query.index import SearchIndex, filter_entries
from papersift.query.language import QUERY_HELP, parse
from papersift.query.scoring import fast_fold, text_tokens, tokens, word_quality
from papersift.query.terms import FIELDS, HAS_VALUES, IS_VALUES, Query, QueryError, Term

__all__ = [
    "FIELDS",
    "HAS_VALUES",
    "IS_VALUES",
    "QUERY_HELP",
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
