"""DOIs by content negotiation: `GET https://doi.org/<doi>` asking for CSL-JSON.

doi.org sends the request on to the DOI's registration agency (Crossref, DataCite,
mEDRA, …), each of which answers CSL-JSON: one resolver serves every agency, where a
Crossref-only API would miss DataCite's DOIs. The item is read by the CSL-JSON import
reader (`readers.csl_json`), so a DOI added by hand and one imported from a Zotero
export become the same record.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from papersift.lookup.fetch import Permanent
from papersift.models import PapersiftError, Record
from papersift.readers import csl_json

__all__ = ["ACCEPT", "doi_url", "record_from_csl"]

ACCEPT = "application/vnd.citationstyles.csl+json"
# Crossref abstracts are JATS XML (<jats:p>…</jats:p>); the text is what is kept.
_JATS = re.compile(r"</?jats:[^>]*>")


def doi_url(base: str, doi: str) -> str:
    """The resolver URL of `doi` (its suffix escaped, its slashes kept)."""
    return base + quote(doi, safe="/:;()[]-._~")


def record_from_csl(data: bytes, doi: str) -> Record:
    """The record of one CSL-JSON item answered for `doi`; `Permanent` if it is none.

    User state the item might carry (keywords read as tags, a papersift star or status)
    is dropped: a lookup brings bibliographic data only.
    """
    try:
        item = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Permanent(f"the answer is not CSL-JSON: {exc}") from None
    except RecursionError:
        raise Permanent("the answer is not CSL-JSON: nested too deeply") from None
    if not isinstance(item, dict):
        raise Permanent(f"the answer is a JSON {type(item).__name__}, not a CSL-JSON item")
    try:
        result = csl_json.parse(json.dumps([item]), f"doi:{doi}")
    except PapersiftError as exc:
        raise Permanent(str(exc).removeprefix(f"doi:{doi}:1: ")) from None
    if not result.records:
        raise Permanent("the record has no title")
    record = result.records[0]
    record.triage = None
    record.line = 0
    if "<jats:" in record.abstract:
        record.abstract = " ".join(_JATS.sub(" ", record.abstract).split())
    if not record.doi:
        record.doi = doi
    return record
