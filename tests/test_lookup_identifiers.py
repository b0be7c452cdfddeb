"""Identifier parsing for `papersift add`: every usual spelling, lists, and junk named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from papersift.lookup.identifiers import Identifier, parse_identifier, parse_list
from papersift.normalize import normalize_arxiv, normalize_doi


@pytest.mark.parametrize(
    ("token", "key"),
    [
        ("2405.21046", "arxiv:2405.21046"),
        ("arXiv:2310.12345v2", "arxiv:2310.12345v2"),
        ("ARXIV: 2310.12345", "arxiv:2310.12345"),
        ("0704.0001", "arxiv:0704.0001"),
        ("hep-th/9901001", "arxiv:hep-th/9901001"),
        ("hep-th/9711200v3", "arxiv:hep-th/9711200v3"),
        ("math.GT/0309136", "arxiv:math/0309136"),
        ("cond-mat.mes-hall/0601001v2", "arxiv:cond-mat/0601001v2"),
        ("arXiv:physics.acc-ph/0312001", "arxiv:physics/0312001"),
        ("cond-mat/0501234v1", "arxiv:cond-mat/0501234v1"),
        ("https://arxiv.org/abs/2405.21046", "arxiv:2405.21046"),
        ("http://arxiv.org/abs/2405.21046v3", "arxiv:2405.21046v3"),
        ("https://arxiv.org/pdf/2405.21046v1", "arxiv:2405.21046v1"),
        ("https://arxiv.org/pdf/2405.21046.pdf", "arxiv:2405.21046"),
        ("https://export.arxiv.org/abs/hep-th/9711200", "arxiv:hep-th/9711200"),
        ("arxiv.org/abs/2405.21046?context=cs", "arxiv:2405.21046"),
        ("10.1145/3366423.3380130", "doi:10.1145/3366423.3380130"),
        ("doi:10.1038/NATURE14539", "doi:10.1038/nature14539"),
        ("DOI: 10.1038/nature14539.", "doi:10.1038/nature14539"),
        ("https://doi.org/10.1038/nature14539", "doi:10.1038/nature14539"),
        ("https://dx.doi.org/10.1000%2F182", "doi:10.1000/182"),
        ("10.48550/arXiv.2405.21046", "arxiv:2405.21046"),
        ("https://doi.org/10.48550/ARXIV.1706.03762", "arxiv:1706.03762"),
        ("<10.1038/nature14539>", "doi:10.1038/nature14539"),
        ("(arXiv:2405.21046)", "arxiv:2405.21046"),
    ],
)
def test_spellings(token: str, key: str):
    ident = parse_identifier(token)
    assert ident is not None, token
    assert ident.key == key
    assert Identifier.from_key(key) == ident


@pytest.mark.parametrize(
    "token",
    [
        "hello",
        "2405.2104",  # 1501 on: five digits
        "0901.12345",  # before 1501: four digits
        "2413.12345",  # month 13
        "0612.1234",  # new-style ids start in April 2007
        "10.1/x",  # a DOI prefix has 4-9 digits
        "hep-th/99010",  # old-style numbers have 7 digits
        "https://example.org/abs/2405.21046",
        "doi:",
        "arXiv:10.1038/nature14539",
        "10.48550/arXiv.2405.21046v2",  # arXiv DOIs have no version
    ],
)
def test_not_identifiers(token: str):
    assert parse_identifier(token) is None


def test_a_pasted_list_keeps_order_drops_repeats_and_names_junk():
    text = (
        "2405.21046, arXiv:2310.12345v2\n"
        "https://arxiv.org/abs/2405.21046  not-an-id\t10.1145/3366423.3380130;\n"
        "2403.04652,1706.03762,,hep-th/9711200 what?"
    )
    parsed = parse_list(text)
    assert [i.key for i in parsed.identifiers] == [
        "arxiv:2405.21046",
        "arxiv:2310.12345v2",
        "doi:10.1145/3366423.3380130",
        "arxiv:2403.04652",
        "arxiv:1706.03762",
        "arxiv:hep-th/9711200",
    ]
    assert parsed.unrecognised == ["not-an-id", "what?"]
    assert parsed.typed["arxiv:2405.21046"] == "2405.21046"


def test_a_doi_with_a_comma_stays_whole():
    # SICI-style DOIs may hold commas: split only when every part is an identifier.
    parsed = parse_list("10.1002/(SICI)1097-4636(199812)43:4<398::AID-JBM7>3.0.CO;2-,H")
    assert [i.kind for i in parsed.identifiers] == ["doi"]
    assert parsed.unrecognised == []
    mixed = parse_list("2405.21046,junk")
    assert [i.key for i in mixed.identifiers] == ["arxiv:2405.21046"]
    assert mixed.unrecognised == ["junk"]


# ---------------------------------------------------------------------- properties

_new_ids = st.builds(
    lambda y, m, n, five: f"{y:02d}{m:02d}.{n:05d}" if five else f"{y:02d}{m:02d}.{n % 10000:04d}",
    st.integers(15, 99),
    st.integers(1, 12),
    st.integers(0, 99999),
    st.just(True),
) | st.builds(
    lambda m, n: f"{2007 + (m // 12) - 2000:02d}{m % 12 + 1:02d}.{n:04d}",
    st.integers(3, 12 * 8 - 1),
    st.integers(0, 9999),
)
_old_ids = st.builds(
    lambda a, y, m, n: f"{a}/{y:02d}{m:02d}{n:03d}",
    st.sampled_from(
        ["hep-th", "hep-ph", "astro-ph", "cond-mat", "math", "math.GT", "cond-mat.str-el", "q-bio"]
    ),
    st.integers(0, 99),
    st.integers(1, 12),
    st.integers(0, 999),
)
_versions = st.integers(0, 30)


@st.composite
def arxiv_spellings(draw) -> tuple[str, str]:
    bare = draw(_new_ids | _old_ids)
    version = draw(_versions)
    written = bare + (f"v{version}" if version else "")
    form = draw(st.sampled_from(["bare", "prefix", "abs", "pdf", "doi"]))
    if form == "doi" and version:
        form = "bare"
    token = {
        "bare": written,
        "prefix": f"{draw(st.sampled_from(['arXiv:', 'arxiv:', 'ARXIV: ']))}{written}",
        "abs": f"https://arxiv.org/abs/{written}",
        "pdf": f"http://arxiv.org/pdf/{written}" + draw(st.sampled_from(["", ".pdf"])),
        "doi": f"https://doi.org/10.48550/arXiv.{written}",
    }[form]
    # An old id's subject class (math.GT) is not part of the id.
    archive, number = bare.split("/") if "/" in bare else ("", bare)
    canonical = f"{archive.split('.')[0]}/{number}" if archive else bare
    key = f"arxiv:{canonical.lower()}" + (f"v{version}" if version else "")
    return token, key


_doi_suffix = st.text(
    st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="-._;()/:<>"),
    min_size=1,
    max_size=30,
).filter(lambda s: s[-1] not in ".;:<>()" and s[0] not in "<>()")


@st.composite
def doi_spellings(draw) -> tuple[str, str]:
    prefix = f"10.{draw(st.integers(1000, 99999))}"
    if prefix == "10.48550":
        prefix = "10.1000"
    doi = f"{prefix}/{draw(_doi_suffix)}"
    form = draw(st.sampled_from(["", "doi:", "https://doi.org/", "https://dx.doi.org/"]))
    return form + doi, f"doi:{doi.casefold()}"


@given(arxiv_spellings() | doi_spellings())
def test_every_spelling_reads_as_its_identifier(case: tuple[str, str]):
    token, key = case
    ident = parse_identifier(token)
    assert ident is not None and ident.key == key
    # The rest of papersift (dedupe, paper ids) sees the same paper.
    if ident.kind == "arxiv":
        assert normalize_arxiv(token) == ident.value
    else:
        assert normalize_doi(token) == ident.value


@given(
    st.lists(arxiv_spellings() | doi_spellings(), max_size=12),
    st.lists(st.sampled_from([" ", "\n", ", ", ",", "\t", " ,\n"]), min_size=12, max_size=12),
)
def test_lists_read_every_identifier_in_order(cases, separators):
    # Commas inside a DOI could merge two tokens only if a DOI ended in a comma.
    text = "".join(token + sep for (token, _), sep in zip(cases, separators, strict=False))
    parsed = parse_list(text)
    assert [i.key for i in parsed.identifiers] == list(dict.fromkeys(key for _, key in cases))
    assert parsed.unrecognised == []


@given(st.text(max_size=200))
def test_any_text_is_read_without_error_and_nothing_is_lost(text: str):
    parsed = parse_list(text)
    tokens = [t for t in text.replace(",", " ").split() if t]
    # Every token is an identifier (possibly a repeat) or reported by name.
    assert len(parsed.identifiers) + len(parsed.unrecognised) <= len(tokens) + text.count(",")
    for token in parsed.unrecognised:
        assert token in text


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("math.GT/0309136", "math/0309136"),
        ("see arXiv:cond-mat.mes-hall/0601001v2, section 2", "cond-mat/0601001"),
        ("q-bio.BM/0401001", "q-bio/0401001"),
        ("https://doi.org/10.48550/arXiv.hep-th/0001000", "hep-th/0001000"),
        ("10.48550/arXiv.math.GT/0309136", "math/0309136"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("file_hep-th/9901001", ""),  # not an id: glued to a word
    ],
)
def test_an_old_ids_subject_class_is_not_part_of_it(text: str, bare: str):
    # arXiv files math.GT/0309136 as math/0309136: both spellings must dedupe as one paper.
    assert normalize_arxiv(text) == bare
