"""Pinned citation keys and key formulas: a key once exported never changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from papersift.citekeys import library_keys, load_formula, parse_formula, resolve_keys
from papersift.cli import main
from papersift.exporters import export_entries
from papersift.importer import import_files
from papersift.models import Paper, PapersiftError
from papersift.store import Library


def _listing(path: Path, *titles: str) -> Path:
    path.write_text(
        "".join(f"{t}\nAn abstract about {t.lower()}, long enough.\n\n" for t in titles)
    )
    return path


def _collide(library: Library, title: str) -> Paper:
    """A new paper wanting the same key as the one already there, whose id sorts first
    (so, unpinned, the key would go to it)."""
    newcomer = Paper(id="0" * 12, title=title, doi="10.1234/other")
    with library.locked():
        library.write_corpus({**library.papers, newcomer.id: newcomer}, [], {})
    return newcomer


def test_a_pinned_key_survives_a_paper_that_collides(tmp_path: Path):
    library = Library(tmp_path / "lib")
    import_files(library, [_listing(tmp_path / "a.txt", "Zebra learning")])
    (first,) = library.entries()
    key = library_keys(library)[first.id]
    assert key == "zebraLearning"
    export_entries(library, [first], "bibtex")  # exporting pins the key
    assert library.pinned_keys() == {first.id: key}
    newcomer = _collide(library, "Zebra learning")
    keys = library_keys(Library(tmp_path / "lib"))  # as a later process sees it
    assert keys[first.id] == key
    assert keys[newcomer.id] == key + "a"


def test_without_pinning_the_old_paper_would_lose_its_key(tmp_path: Path):
    """The control: the same collision with nothing pinned renames the old paper."""
    library = Library(tmp_path / "lib")
    import_files(library, [_listing(tmp_path / "a.txt", "Zebra learning")])
    (first,) = library.entries()
    newcomer = _collide(library, "Zebra learning")
    keys = library_keys(library)
    assert keys[newcomer.id] == "zebraLearning"
    assert keys[first.id] == "zebraLearninga"


def test_a_formula_change_keeps_pinned_keys_and_keys_resolve_ignoring_case(tmp_path: Path):
    library = Library(tmp_path / "lib")
    import_files(library, [_listing(tmp_path / "a.txt", "Zebra learning", "Okapi studies")])
    zebra, okapi = sorted(library.entries(), key=lambda e: e.paper.title, reverse=True)
    export_entries(library, [zebra, okapi], "ris")
    keys = library_keys(library, parse_formula("year | 'x' + veryshorttitle"))
    assert (keys[zebra.id], keys[okapi.id]) == ("zebraLearning", "okapiStudies")
    entries, missing = resolve_keys(library, ["ZEBRALEARNING", "okapiStudies", "gone"])
    assert [e.id for e in entries] == [zebra.id, okapi.id] and missing == ["gone"]


def test_key_set_by_hand_and_duplicates_refused(sample_library, capsys):
    lib = str(sample_library.path)
    a, b = (e.id for e in sample_library.entries()[:2])
    assert main(["--library", lib, "key", a, "--set", "mine2026"]) == 0
    assert main(["--library", lib, "key", b, "--set", "MINE2026"]) == 1
    assert "already" in capsys.readouterr().err
    assert main(["--library", lib, "key", b, "--set", "bad key"]) == 1
    capsys.readouterr()
    assert main(["--library", lib, "key", a]) == 0
    assert capsys.readouterr().out.strip() == "mine2026"
    entries, missing = resolve_keys(Library(sample_library.path), ["mine2026", "nope"])
    assert [e.id for e in entries] == [a] and missing == ["nope"]


def test_formulas():
    paper = Paper(
        id="abcdef123456",
        title="The Deep Residual Learning of Images",
        authors=("Kaiming He", "Zhang, Xiangyu", "Ren, Shaoqing"),
        year=2016,
    )
    cases = {
        "auth.lower + year + veryshorttitle.lower": "he2016deep",
        "auth + shortyear + shorttitle(3,3)": "He16DeepResidualLearning",
        "authEtAl + year": "HeEtAl2016",
        "authors(2) + year": "HeZhangEtAl2016",
        "auth(3,2).upper + '_' + year": "ZHA_2016",
        "title.substring(1,10) + year.prefix('-')": "DeepResidu-2016",
        "veryshorttitle(2,1).lower | year": "deepresidual",
        "year | auth": "He",  # a key needs a letter: "2016" falls through
    }
    for formula, key in cases.items():
        assert parse_formula(formula).key(paper) == key, formula
    assert parse_formula("year").key(paper) == "paperabcdef12"
    for bad in ("auth +", "nosuch", "auth.nosuch", "auth(1", "year(1)"):
        with pytest.raises(ValueError):
            parse_formula(bad)


def test_formula_from_the_config_file(tmp_path: Path):
    config = tmp_path / "config.toml"
    assert load_formula(config) is None
    config.write_text('[citekeys]\nformula = "auth + year"\n', encoding="utf-8")
    assert load_formula(config).key(Paper(id="x", title="T", authors=("A B",), year=1)) == "B1"
    config.write_text('[citekeys]\nformula = "auth +"\n', encoding="utf-8")
    with pytest.raises(PapersiftError, match=r"config\.toml: \[citekeys\] formula"):
        load_formula(config)
