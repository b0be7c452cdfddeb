"""Hostile text stays inert: in the terminal, in the TUI, in BibTeX/LaTeX, on disk.

Titles, abstracts, authors, tags and notes from strangers' files carry Rich markup,
ANSI/OSC escapes (incl. OSC 52, which writes the clipboard), 8-bit CSI, bidi overrides
and control characters; the exported .bib is run through real bibtex+pdflatex and
biber+biblatex with payloads that would leave traces if any LaTeX command ran.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from papersift.models import Paper, PossibleDuplicate, SharedView, Source, Triage
from papersift.store import Library

#: The export module is written by others right now; its tests wait for it.
NEEDS_EXPORT = pytest.mark.skipif(
    importlib.util.find_spec("papersift.bibtex_export") is None,
    reason="papersift.bibtex_export not written yet",
)
NEEDS_QUERY = pytest.mark.skipif(
    importlib.util.find_spec("papersift.query") is None, reason="papersift.query not written yet"
)

#: One of each: what each would do if it reached a terminal or a markup renderer.
MARKUP = "[bold red]RED[/bold red] [link=https://evil.example]click me[/link]"
ESCAPES = {
    "clear screen": "\x1b[2J\x1b[H",
    "window title (OSC 0)": "\x1b]0;pwned title\x07",
    "clipboard write (OSC 52)": "\x1b]52;c;cm0gLXJmIH4K\x07",
    "8-bit CSI": "\x9b31m",
    "hyperlink (OSC 8)": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "bidi override": "\u202egnp.exe\u202c",
    "isolates": "\u2066x\u2069",
    "controls": "\x00\x07\x08\x7f\r",
}
HOSTILE = MARKUP + " " + " ".join(ESCAPES.values())
#: Characters that must never reach a terminal from papersift's output.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_inert(text: str, where: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in FORBIDDEN.findall(text)})
    assert not found, f"{where}: raw control characters reach the terminal: {found}"


def papersift(library: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "papersift", "--library", str(library), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def hostile_library(path: Path) -> Library:
    """Two near-identical hostile papers (so dedupe lists them) with hostile triage."""
    papers = {}
    for i, pid in enumerate(("aaaa1111", "bbbb2222")):
        papers[pid] = Paper(
            id=pid,
            title=f"Evil {HOSTILE} title",
            abstract=f"Abstract {HOSTILE}\nsecond line {MARKUP}",
            authors=(f"Mallory {ESCAPES['bidi override']}", "Eve [i]x[/i]"),
            year=2024,
            venue=f"Venue {ESCAPES['clear screen']}",
            url="https://example.org/\x1b]8;;x\x07",
            sources=(Source(f"file{ESCAPES['8-bit CSI']}.txt", i),),
            added=float(i),
        )
    library = Library(path)
    with library.locked():
        library.write_corpus(
            papers, [PossibleDuplicate("aaaa1111", "bbbb2222", 97.0, f"reason {HOSTILE}")], {}
        )
    library.set_triage(
        {
            "aaaa1111": Triage(
                starred=True,
                tags=(f"tag {MARKUP}", f"esc{ESCAPES['window title (OSC 0)']}"),
                note=f"Note {HOSTILE}\n{ESCAPES['clipboard write (OSC 52)']}",
                shared=(SharedView(by=f"bob{ESCAPES['clear screen']}", note=f"theirs {HOSTILE}"),),
            )
        }
    )
    return library


# ---------------------------------------------------------------------- CLI


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "library"
    hostile_library(path).close()
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("list", "--starred"),
        ("show", "aaaa1111", "bbbb2222"),
        ("dedupe",),
        ("tag",),
        ("note", "aaaa1111"),
        pytest.param(("export", "--as", "markdown", "aaaa1111"), marks=[NEEDS_EXPORT]),
        pytest.param(("export", "--as", "abstract", "aaaa1111"), marks=[NEEDS_EXPORT]),
        pytest.param(("export", "--as", "keys", "aaaa1111"), marks=NEEDS_EXPORT),
        pytest.param(("export", "--as", "cite", "aaaa1111"), marks=NEEDS_EXPORT),
    ],
    ids=lambda a: " ".join(a),
)
def test_cli_output_is_inert(library: Path, args: tuple[str, ...]):
    done = papersift(library, *args)
    assert done.returncode == 0, done.stderr
    assert_inert(done.stdout, f"stdout of {args}")
    assert_inert(done.stderr, f"stderr of {args}")
    if args[0] in ("list", "show", "dedupe"):
        # Markup is shown as the literal text it is, not applied and not swallowed.
        assert "[bold red]RED[/bold red]" in done.stdout
    if args[0] == "show":
        assert "[link=https://evil.example]click me[/link]" in done.stdout
        assert "␛]52;c;cm0gLXJmIH4K" in done.stdout  # visible, harmless placeholder


@NEEDS_QUERY
def test_cli_errors_are_inert(library: Path, tmp_path: Path):
    bad_id = papersift(library, "show", f"nope{ESCAPES['clear screen']}{ESCAPES['8-bit CSI']}")
    assert bad_id.returncode == 1
    assert_inert(bad_id.stderr, "unknown id error")
    bad_query = papersift(library, "list", "--query", f"tag:{ESCAPES['window title (OSC 0)']}(")
    assert_inert(bad_query.stdout + bad_query.stderr, "query error")
    bad_tag = papersift(library, "tag", "aaaa1111", "--add", f"x{ESCAPES['clear screen']}")
    assert bad_tag.returncode == 1
    assert_inert(bad_tag.stderr, "bad tag error")


def test_hostile_file_names_and_contents_on_import(tmp_path: Path):
    """A file from an archive can be named anything; its name is echoed in the report."""
    name = f"list{ESCAPES['clear screen']}{ESCAPES['window title (OSC 0)']}\u202e.bib"
    bib = tmp_path / name
    bib.write_text(
        "@article{k1,\n  title = {Good " + ESCAPES["clipboard write (OSC 52)"] + "},\n}\n"
        "@article{,\n  title = {No key}\n}\n",  # an error: the name is echoed in it
        encoding="utf-8",
    )
    good = tmp_path / f"ok{ESCAPES['8-bit CSI']}.txt"
    good.write_text(
        f"Title {ESCAPES['clear screen']} here\n"
        "An abstract that is long enough to count as one, with a full stop at the end.\n",
        encoding="utf-8",
    )
    done = papersift(tmp_path / "lib", "import", str(bib), str(good))
    assert done.returncode == 1
    assert_inert(done.stdout, "import report")
    assert_inert(done.stderr, "import errors")


def test_shared_list_with_hostile_text_imports_inert(tmp_path: Path):
    lst = {
        "format": "papersift-reading-list",
        "version": 1,
        "name": f"List {HOSTILE}",
        "author": f"mallory{ESCAPES['clear screen']}",
        "created": "2024-03-13T09:30:00Z",
        "papers": [
            {
                "id": "abc123",
                "title": f"Shared {HOSTILE}",
                "abstract": f"Abstract {HOSTILE}",
                "tags": [f"t{ESCAPES['clear screen']}", "[b]x[/b]"],
                "note": f"note {HOSTILE}",
                "starred": True,
                "status": "read",
            }
        ],
    }
    path = tmp_path / "list.json"
    path.write_text(json.dumps(lst), encoding="utf-8")
    library = tmp_path / "lib"
    done = papersift(library, "import", str(path))
    if done.returncode != 0:
        # Refusing control characters outright is fine too, as long as it says so inertly.
        assert_inert(done.stderr, "reading-list refusal")
        return
    pid = Library(library, readonly=True).entries()[0].id
    for args in (("list",), ("show", pid), ("tag",)):
        out = papersift(library, *args)
        assert out.returncode == 0
        assert_inert(out.stdout + out.stderr, f"{args} after a shared list")


# ---------------------------------------------------------------------- shared lists: paths


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_shared_list_cannot_write_outside_the_library(tmp_path: Path):
    """Ids, sources and names that look like paths are data, never file names."""
    work = tmp_path / "work"
    work.mkdir()
    evil = {
        "format": "papersift-reading-list",
        "version": 1,
        "name": "../../../../tmp/evil-name",
        "author": "/etc/passwd",
        "created": "2024-03-13T09:30:00Z",
        "papers": [
            {"id": "..", "title": "/etc/passwd"},
            {"id": "a:b", "title": "../../escape", "url": "file:///etc/shadow"},
            {"id": "x-1", "title": "C:\\Windows\\system32", "note": "/root/.ssh/id_rsa"},
        ],
    }
    listing = work / "list.json"
    listing.write_text(json.dumps(evil), encoding="utf-8")
    library = work / "lib"
    before = tree(tmp_path)
    done = papersift(library, "import", str(listing), cwd=work)
    after = tree(tmp_path)
    created = {p for p in after - before if not p.startswith("work/lib")}
    assert not created, f"files created outside the library: {created}"
    # search-text.bin: the folded texts the import writes for phrase search (issue #13).
    allowed = re.compile(
        r"work/lib(/(corpus\.json|triage\.json|search-text\.bin|\.lock|backups(/.*)?))?$"
    )
    assert all(allowed.match(p) for p in after - before), after - before
    if done.returncode == 0:
        out = tmp_path / "out"
        out.mkdir()
        exp = papersift(library, "share", "export", "-o", str(out / "l.json"), cwd=out)
        assert exp.returncode == 0, exp.stderr
        assert tree(out) == {"l.json"}, tree(out)


def test_shared_list_ids_with_nul_and_traversal_are_refused(tmp_path: Path):
    for bad_id in ("../../etc/x", "/abs/path", "a\x00b", "a/b", ""):
        data = {
            "format": "papersift-reading-list",
            "version": 1,
            "name": "n",
            "papers": [{"id": bad_id, "title": "t"}],
        }
        path = tmp_path / "l.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        done = papersift(tmp_path / "lib", "import", str(path))
        assert done.returncode == 1 and "$.papers[0].id" in done.stderr, (bad_id, done.stderr)
        assert_inert(done.stderr, f"id {bad_id!r}")


# ---------------------------------------------------------------------- BibTeX + LaTeX

#: Payloads that leave a trace if LaTeX ever runs them: a file, a log line, a PDF string.
LATEX_PAYLOADS = [
    r"\input{/etc/passwd}",
    r"\immediate\write18{touch pwned-write18}",
    r"\write18{touch pwned-write18b}",
    r"\immediate\openout9=pwned-openout.tex\immediate\write9{x}\immediate\closeout9",
    r"\catcode`\^=7 ^^5cinput{/etc/passwd}",
    r"^^5cinput{/etc/passwd}",
    r"\papersiftcanary",
    r"\csname papersiftcanary\endcsname",
    "}, note = {injected-field",
    '}, note = "injected-field2',
    "} @misc{injected-entry, title={x}",
    "\\",
    "{{{ unbalanced",
    "unbalanced }}}",
    "% comment eats the rest",
    "#{} & $ _ ~ ^ < > | ` @",
]
HOSTILE_LATEX = " ".join(LATEX_PAYLOADS)
TEX_AVAILABLE = all(shutil.which(t) for t in ("pdflatex", "bibtex", "biber"))
PASSWD_MARK = "root:x:0:0"
CANARY_DEF = (
    r"\def\papersiftcanary{\immediate\write-1{CANARY-EXECUTED}"
    r"\immediate\openout8=pwned-canary.tex\immediate\closeout8}"
)


def latex_library(path: Path) -> Library:
    """Papers whose every text field is the payload, with triage also the payload."""
    papers = {
        "cccc3333": Paper(
            id="cccc3333",
            title=f"Title {HOSTILE_LATEX}",
            abstract=f"Abstract {HOSTILE_LATEX}\n{HOSTILE}",
            authors=(f"Mallory {HOSTILE_LATEX}", "Eve"),
            year=2024,
            venue=f"Venue {HOSTILE_LATEX}",
            url="https://example.org/a}b{c\\d e",
            doi="10.1/x}y",
            sources=(Source("x.txt", 0),),
        ),
        "dddd4444": Paper(id="dddd4444", title=HOSTILE_LATEX, sources=(Source("x.txt", 1),)),
    }
    library = Library(path)
    with library.locked():
        library.write_corpus(papers, [], {})
    library.set_triage(
        {
            pid: Triage(
                starred=True,
                status="reading",
                tags=(f"tag {HOSTILE_LATEX}"[:60], "t,}{"[:60]),
                note=f"Note {HOSTILE_LATEX}\n@misc{{x, title={{y}}}}\n{HOSTILE}",
            )
            for pid in papers
        }
    )
    return library


MAIN_BIBTEX = r"""\documentclass{article}
\pdfcompresslevel=0 \pdfobjcompresslevel=0
%(canary)s
\begin{document}
Test.\nocite{*}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
"""
MAIN_BIBER = r"""\documentclass{article}
\pdfcompresslevel=0 \pdfobjcompresslevel=0
%(canary)s
\usepackage[backend=biber,style=numeric]{biblatex}
\addbibresource{refs.bib}
\AtEveryBibitem{\printfield{abstract}\printfield{annotation}\printfield{keywords}}
\begin{document}
Test.\nocite{*}
\printbibliography
\end{document}
"""


def run_tex(cmd: list[str], cwd: Path) -> str:
    done = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        env={**os.environ, "openout_any": "p"},
    )
    return done.stdout + done.stderr


def assert_no_latex_ran(work: Path, logs: str) -> None:
    made = sorted(p.name for p in work.iterdir() if p.name.startswith("pwned"))
    assert not made, f"a LaTeX payload created files: {made}"
    assert not Path("/tmp/pwned").exists()
    everything = logs + "".join(
        p.read_text(errors="replace") for p in work.iterdir() if p.suffix in (".log", ".blg")
    )
    assert "CANARY-EXECUTED" not in everything, "a macro from the data was expanded"
    assert "runsystem" not in everything, "a \\write18 from the data was attempted"
    assert PASSWD_MARK not in everything
    pdf = work / "main.pdf"
    assert pdf.exists(), logs[-3000:]
    assert PASSWD_MARK.encode() not in pdf.read_bytes(), "/etc/passwd was typeset"


def exported_bib(tmp_path: Path, *extra: str) -> tuple[Path, str]:
    library = tmp_path / "library"
    latex_library(library).close()
    work = tmp_path / "tex"
    work.mkdir()
    done = papersift(library, "export", "-o", str(work / "refs.bib"), *extra)
    assert done.returncode == 0, done.stderr
    return work, (work / "refs.bib").read_text(encoding="utf-8")


def reparsed_fields(bib_text: str) -> dict[str, dict[str, str]]:
    """Entries as an independent parser (pybtex) sees them: key -> {field: value}."""
    from pybtex.database import parse_string

    data = parse_string(bib_text, "bibtex")
    out = {}
    for key, entry in data.entries.items():
        fields = {k.lower(): v for k, v in entry.fields.items()}
        for role, people in entry.persons.items():
            fields[role.lower()] = " and ".join(str(p) for p in people)
        out[key] = fields
    return out


def written_fields(bib_text: str) -> dict[str, list[str]]:
    """Field names per entry as papersift wrote them, read with bibtexparser."""
    import bibtexparser

    lib = bibtexparser.parse_string(bib_text)
    assert not lib.failed_blocks, [b.error for b in lib.failed_blocks]
    return {e.key: [f.key.lower() for f in e.fields] for e in lib.entries}


@NEEDS_EXPORT
@pytest.mark.skipif(not TEX_AVAILABLE, reason="needs pdflatex, bibtex and biber")
@pytest.mark.parametrize("ascii_only", [True, False], ids=["ascii", "utf8"])
def test_bibtex_export_runs_no_latex_with_bibtex_and_pdflatex(tmp_path: Path, ascii_only: bool):
    work, bib = exported_bib(tmp_path, *(["--ascii"] if ascii_only else []))
    written = written_fields(bib)
    assert len(written) == 2
    # Two independent parsers agree on the entries and their fields: nothing was added.
    reparsed = reparsed_fields(bib)
    assert set(reparsed) == set(written)
    for key, names in written.items():
        assert sorted(reparsed[key]) == sorted(names), key
        assert "injected-entry" not in reparsed
        assert not any("injected" in v for k, v in reparsed[key].items() if k == "note")
    (work / "main.tex").write_text(MAIN_BIBTEX % {"canary": CANARY_DEF}, encoding="utf-8")
    logs = run_tex(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "main"], work)
    logs += run_tex(["bibtex", "main"], work)
    blg = (work / "main.blg").read_text(errors="replace")
    assert "error message" not in blg, blg
    for _ in range(2):
        logs += run_tex(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "main"], work)
    assert_no_latex_ran(work, logs)
    bbl = (work / "main.bbl").read_text(errors="replace")
    assert "Title" in bbl and "Mallory" in bbl


@NEEDS_EXPORT
@pytest.mark.skipif(not TEX_AVAILABLE, reason="needs pdflatex, bibtex and biber")
def test_bibtex_export_runs_no_latex_with_biber_and_biblatex(tmp_path: Path):
    work, bib = exported_bib(tmp_path)
    written = written_fields(bib)
    (work / "main.tex").write_text(MAIN_BIBER % {"canary": CANARY_DEF}, encoding="utf-8")
    logs = run_tex(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "main"], work)
    biber = run_tex(["biber", "--validate-datamodel", "main"], work)
    assert "ERROR" not in biber, biber
    logs += biber
    for _ in range(2):
        logs += run_tex(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "main"], work)
    assert_no_latex_ran(work, logs)
    # biber's own reading of the file: the same entries, no injected ones.
    bbl = (work / "main.bbl").read_text(errors="replace")
    entries = re.findall(r"\\entry\{([^}]*)\}", bbl)
    assert sorted(entries) == sorted(written)
    assert "injected" not in "".join(re.findall(r"\\field\{note\}\{[^}]*\}", bbl))


@NEEDS_EXPORT
@pytest.mark.skipif(not TEX_AVAILABLE, reason="needs pdflatex, bibtex and biber")
def test_bibtex_export_round_trips_the_hostile_text(tmp_path: Path):
    """Escaped, not mangled: re-importing the export gives the same text back."""
    from papersift.readers import parse_text

    _, bib = exported_bib(tmp_path)
    records = {r.title: r for r in parse_text(bib, "refs.bib", "bibtex").records}
    assert HOSTILE_LATEX in records
    again = records[HOSTILE_LATEX]
    assert again.triage is not None
    assert f"tag {HOSTILE_LATEX}"[:60].strip() in again.triage.tags


@NEEDS_EXPORT
def test_stranger_bib_payload_survives_export_raw(tmp_path: Path):
    """A .bib off the web keeps its raw LaTeX on export (papersift round-trips entries as
    they were read). A payload there must still not run when the user builds a PDF."""
    if not TEX_AVAILABLE:
        pytest.skip("needs pdflatex and bibtex")
    stranger = tmp_path / "from-the-web.bib"
    stranger.write_text(
        "@article{web1,\n"
        "  title = {Looks harmless \\papersiftcanary{} \\input{/etc/passwd}},\n"
        "  author = {Mallory, M. \\immediate\\write18{touch pwned-web}},\n"
        "  journal = {J \\immediate\\openout7=pwned-web-openout.tex\\immediate\\closeout7},\n"
        "  year = 2024\n}\n",
        encoding="utf-8",
    )
    library = tmp_path / "lib"
    assert papersift(library, "import", str(stranger)).returncode == 0
    work = tmp_path / "tex"
    work.mkdir()
    assert papersift(library, "export", "-o", str(work / "refs.bib")).returncode == 0
    (work / "main.tex").write_text(MAIN_BIBTEX % {"canary": CANARY_DEF}, encoding="utf-8")
    logs = run_tex(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "main"], work)
    logs += run_tex(["bibtex", "main"], work)
    for _ in range(2):
        logs += run_tex(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "main"], work)
    assert_no_latex_ran(work, logs)


# ---------------------------------------------------------------------- TUI


def rendered_segments(app) -> list:
    """Every segment of every visible widget on the current screen, as drawn."""
    from textual.geometry import Region

    segments = []
    for widget in app.screen.walk_children(with_self=True):
        if not widget.display or widget.size.area == 0:
            continue
        for strip in widget.render_lines(Region(0, 0, widget.size.width, widget.size.height)):
            segments.extend(strip)
    return segments


async def test_every_tui_screen_shows_hostile_text_inert(tmp_path: Path):
    pytest.importorskip("papersift.tui.app")
    from papersift.tui.app import PapersiftApp

    library = hostile_library(tmp_path / "library")
    app = PapersiftApp(library, poll_seconds=0)
    seen = {}
    async with app.run_test(size=(160, 50)) as pilot:
        for key in (None, "D", "escape", "n", "escape", "t", "escape", "question_mark", "escape"):
            if key is not None:
                await pilot.press(key)
            for _ in range(8):
                await pilot.pause(0.03)
                await app.workers.wait_for_complete()
            segments = rendered_segments(app)
            text = "".join(s.text for s in segments)
            name = type(app.screen).__name__
            seen[name] = len(text)
            assert_inert(text, f"TUI {name}")
            links = {s.style.link for s in segments if s.style is not None and s.style.link}
            assert not any("evil" in link for link in links), (name, links)
            if name != "HelpScreen":
                # The markup shows as the literal text it is.
                assert "[bold red]RED" in text or "[bold red]" in text, name
        svg = app.export_screenshot()
        assert "\x1b" not in svg
    library.close()
    assert {"MainScreen", "DuplicatesScreen", "NoteEditor", "TagEditor"} <= set(seen), seen
