"""A small host app for testing the secondary screens on their own.

`HostApp` implements the part of `PapersiftApp`'s contract the screens use (library,
perform in a thread worker, an undo stack, `LibraryChanged` posted to every screen,
view_ids, the ranking and its config, the stylesheets), opens one screen over a plain
base screen and records what it returned.
The library is real: the bundled sample corpus plus a .bib file that the importer's
dedupe flags as three possible duplicates.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from papersift import actions
from papersift.actions import Change
from papersift.importer import import_files
from papersift.models import Paper, PapersiftError, PossibleDuplicate, Source
from papersift.normalize import paper_id
from papersift.paths import sample_corpus_files
from papersift.ranking.live import LiveRanking, RankEvents
from papersift.store import Library
from papersift.tui.config import UiConfig
from papersift.tui.messages import LibraryChanged, RankingReady
from papersift.tui.styles import css_paths

#: Hand-made variants of three sample papers, each recorded as a possible duplicate of
#: it (written directly, so the pairs do not depend on dedupe's thresholds).
VARIANTS: list[tuple[str, dict[str, Any], float, str]] = [
    (
        "Bailong: Bilingual Transfer Learning based on QLoRA and Zip-tie Embedding",
        {
            "title": "Bailong: Bilingual Transfer Learning based on QLoRA and Zip-tie "
            "Embeddings for Traditional Chinese",
            "authors": ("Chen, Lung-Chuan", "Li, Zong-Ru"),
            "year": 2024,
            "venue": "arXiv preprint",
        },
        85.2,
        "title 85, no abstract to compare, but 'chinese' in one title only",
    ),
    (
        "GeDi: Generative Discriminator Guided Sequence Generation",
        {
            "title": "GeDi: Generative Discriminator Guided Sequence Generation",
            "authors": ("Krause, Ben", "Gotmare, Akhilesh Deepak"),
            "year": 2021,
            "venue": "Findings of EMNLP",
            "doi": "10.18653/v1/2021.findings-emnlp.424",
            "abstract": "A workshop summary. We describe a shared task on controllable "
            "generation where participants submitted systems that steer pretrained decoders "
            "towards a target attribute, and we report the results of the human evaluation.",
        },
        69.8,
        "same title, abstract prefix 40",
    ),
    (
        "InfAlign: Inference-aware language model alignment",
        {
            "title": "Inference-Aware Alignment of Language Models",
            "authors": ("Balashankar, Ananth", "Sun, Ziteng"),
            "year": 2024,
            "doi": "10.48550/arXiv.2412.19792",
            "abstract": "Language model alignment has become a critical step in training "
            "modern generative language models. The goal of alignment is to fine-tune a "
            "reference model so that the win rate of a sample from the aligned model over a "
            "sample from the reference model is high.",
        },
        92.3,
        "title 86, abstract prefix 99, but 'infalign' in one title only",
    ),
]

#: Text that must show literally: markup, a link, ANSI colour, OSC 52, BEL, C1 CSI.
NASTY_TITLE = (
    "[bold red]Pwned[/] [link=https://evil.example]click[/link] "
    "\x1b[31mred\x1b]52;c;aGk=\x07 \x9b2J"
)


def build_library(path: Path, *, duplicates: bool = True) -> Path:
    """Import the sample corpus into a new library at `path`, plus `VARIANTS` as papers
    recorded as possible duplicates of the sample papers they vary."""
    library = Library(path)
    try:
        reports = import_files(library, sample_corpus_files())
        problems = [r.error for r in reports if r.error]
        assert not problems, problems
        if duplicates:
            by_title = {p.title: p for p in library.papers.values()}
            with library.locked():
                papers = dict(library.papers)
                possible = list(library.possible)
                last = max(p.added for p in papers.values())
                for i, (original, fields, score, reason) in enumerate(VARIANTS):
                    pid = paper_id(fields["title"], fields.get("doi", ""))
                    papers[pid] = Paper(
                        id=pid,
                        sources=(Source("possible-duplicates.bib", i),),
                        added=last + 1 + i,
                        **fields,
                    )
                    possible.append(PossibleDuplicate(by_title[original].id, pid, score, reason))
                library.write_corpus(papers, possible, library.aliases)
    finally:
        library.close()
    return path


def copy_library(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, ignore=shutil.ignore_patterns(".lock"))
    return dest


def add_paper(path: Path, title: str, **fields: Any) -> str:
    """Add one hand-made paper to the library at `path`; its id."""
    library = Library(path)
    try:
        with library.locked():
            library.reload_corpus_if_changed()
            papers = dict(library.papers)
            pid = paper_id(title, str(fields.get("doi", "")))
            papers[pid] = Paper(
                id=pid,
                title=title,
                sources=(Source("hand-made.txt", 0),),
                added=time.time(),
                **fields,
            )
            library.write_corpus(papers, library.possible, library.aliases)
        return pid
    finally:
        library.close()


class BaseScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Static("host", id="host")


class HostApp(App[None]):
    """Opens `make_screen()` over a plain screen; `results` gets what it returns."""

    # The app's stylesheets, read as PapersiftApp reads them (no screen has its own).
    CSS_PATH = css_paths()

    def __init__(self, library: Library, make_screen: Callable[[HostApp], Screen[Any]]) -> None:
        super().__init__()
        self.library = library
        self.index = None
        self.make_screen = make_screen
        self.results: list[Any] = []
        self.undo_stack: list[Change] = []
        self.performed: list[Change] = []
        self.errors: list[str] = []
        self.view: list[str] = list(library.papers)
        # The ranking part of the contract: a real LiveRanking, refitted after changes.
        self.config = UiConfig(path=Path("/nonexistent/config.toml"))
        self.stop_announced = False
        self.rank = LiveRanking(library, events=RankEvents(ranked=self._ranked))

    def _ranked(self, ranking: Any) -> None:
        for screen in list(self.screen_stack):
            screen.post_message(RankingReady(ranking))

    def request_rank(self) -> None:
        if self.rank.request():
            self.run_worker(self.rank.run, thread=True, group="rank")

    def switch_rank_model(self, name: str) -> None:
        if self.rank.set_model(name):
            self.run_worker(self.rank.run, thread=True, group="rank")

    def get_default_screen(self) -> Screen[Any]:
        return BaseScreen()

    def on_mount(self) -> None:
        self.open()

    def open(self) -> None:
        self.push_screen(self.make_screen(self), self.results.append)

    def view_ids(self) -> list[str]:
        return list(self.view)

    # The same contract as PapersiftApp.perform / action_undo.
    def perform(self, fn: Callable[[], Change]) -> None:
        if not self.is_running:  # quitting: a worker would never finish
            self._done(fn())
            return
        self.run_worker(lambda: self._in_thread(fn), thread=True, group="db")

    def _in_thread(self, fn: Callable[[], Change]) -> None:
        try:
            change = fn()
        except PapersiftError as exc:
            self.call_from_thread(self._failed, str(exc))
            return
        self.call_from_thread(self._done, change)

    def _failed(self, message: str) -> None:
        self.errors.append(message)
        self.notify(message, severity="error", markup=False)

    def _done(self, change: Change) -> None:
        self.performed.append(change)
        self.undo_stack.append(change)
        self.post_library_changed(None)
        self.request_rank()

    def post_library_changed(self, ids: frozenset[str] | None) -> None:
        for screen in list(self.screen_stack):
            screen.post_message(LibraryChanged(ids))

    def action_undo(self) -> None:
        if not self.undo_stack:
            return
        change = self.undo_stack.pop()
        self.run_worker(lambda: self._undo(change), thread=True, group="db")

    def _undo(self, change: Change) -> None:
        actions.undo(self.library, change)
        self.call_from_thread(self.post_library_changed, None)


async def settle(pilot: Pilot, rounds: int = 30) -> None:
    """Wait until no worker runs and the messages they posted are handled."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause(0.02)
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            return
