"""Cited-only export: the keys a draft cites (.aux, .tex, pandoc Markdown), and
`papersift export --cited` exporting exactly those, listing the missing, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

from papersift.cited import cited_keys, keys_in_aux, keys_in_markdown, keys_in_tex
from papersift.cli import main


def test_aux_files_of_bibtex_and_biber():
    aux = "\\relax\n\\citation{a,b}\n\\citation{c}\n\\abx@aux@cite{0}{d}\n\\abx@aux@cite{e}\n"
    assert keys_in_aux(aux) == ["a", "b", "c", "d", "e"]


def test_tex_commands_options_and_comments():
    tex = (
        "\\cite{a, b} \\citep[p.~3][]{c}\n% \\cite{commented}\n"
        "\\parencite*{d} \\nocite{*} \\textcite{ e } 50\\% done \\Autocite[see][]{f}\n"
    )
    assert keys_in_tex(tex) == ["a", "b", "c", "d", "e", "f"]


def test_markdown_pandoc_syntax_code_and_emails():
    md = (
        "As [see @he2016deep, p. 3; -@vaswani2017] and @chen:2014.\n"
        "Mail me@example.org. `@inline` @{odd key!}\n```\n@fenced\n```\nEnd @last.\n"
    )
    assert keys_in_markdown(md) == ["he2016deep", "vaswani2017", "chen:2014", "odd key!", "last"]


def test_cited_keys_by_suffix_first_cited_order_once(tmp_path: Path):
    (tmp_path / "d.tex").write_text("\\cite{b}\\cite{a,b}", encoding="utf-8")
    (tmp_path / "d.md").write_text("[@b; @a] @b", encoding="utf-8")
    assert cited_keys(tmp_path / "d.tex") == ["b", "a"]
    assert cited_keys(tmp_path / "d.md") == ["b", "a"]


def test_export_cited_lists_missing_keys_and_fails(sample_library, tmp_path, capsys):
    lib = sample_library.path
    ids = [e.id for e in sample_library.entries()[:2]]
    keys = []
    for pid in ids:
        assert main(["--library", str(lib), "key", pid]) == 0
        keys.append(capsys.readouterr().out.strip())
    draft = tmp_path / "draft.md"
    draft.write_text(f"See [@{keys[1]}; @nosuch] and @{keys[0]}.\n", encoding="utf-8")
    out = tmp_path / "refs.json"
    assert main(["--library", str(lib), "export", "--cited", str(draft), "-o", str(out)]) == 1
    assert "1 cited key(s) not in the library: nosuch" in capsys.readouterr().err
    assert [item["id"] for item in json.loads(out.read_text("utf-8"))] == [keys[1], keys[0]]
    draft.write_text(f"Only [@{keys[0]}].\n", encoding="utf-8")
    bib = tmp_path / "refs.bib"
    assert main(["--library", str(lib), "export", "--cited", str(draft), "-o", str(bib)]) == 0
    assert bib.read_text("utf-8").count("\n@") == 1
