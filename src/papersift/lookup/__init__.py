"""Adding papers by arXiv id or DOI (issue #15): identifiers, the arXiv and DOI clients,
the response cache and the queue of lookups waiting for the network.

Core code: no Textual. The CLI (`papersift add`) and the TUI (`+`) both go through
`Lookup`.
"""

from papersift.lookup.config import LookupConfig, load_lookup_config
from papersift.lookup.identifiers import Identifier, parse_identifier, parse_list
from papersift.lookup.queue import read_queue, waiting_count
from papersift.lookup.service import AddReport, Lookup, Outcome, outcome_line

__all__ = [
    "AddReport",
    "Identifier",
    "Lookup",
    "LookupConfig",
    "Outcome",
    "load_lookup_config",
    "outcome_line",
    "parse_identifier",
    "parse_list",
    "read_queue",
    "waiting_count",
]
