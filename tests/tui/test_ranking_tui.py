"""The ranking in the app, driven with Pilot: the inbox's sort, the rank column, the
detail pane's "why", triage mode following the ranking, the progress panel."""

from __future__ import annotations

from textual.widgets import Static

from papersift import actions
from papersift.store import Library
from papersift.tui.app import PapersiftApp
from papersift.tui.screens.main import MainScreen
from papersift.tui.screens.screening import ScreeningScreen
from papersift.tui.screens.triage import TriageScreen
from papersift.tui.widgets.paper_list import PaperList

from .conftest import decided_library, settle

WIDE = (160, 45)


def _from(library: Library, file: str) -> list[str]:
    return [pid for pid, p in library.papers.items() if {s.file for s in p.sources} == {file}]


def _main(app: PapersiftApp) -> MainScreen:
    assert app.main_screen is not None
    return app.main_screen


async def test_first_star_and_discard_rank_the_inbox(make_app, lib_path) -> None:
    library = Library(lib_path)
    wanted = _from(library, "trending-papers-cross-lingual-nlp.txt")
    unwanted = _from(library, "daily-papers-mar-11-controllable-generation.txt")
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        main = _main(app)
        papers = main.query_one(PaperList)
        assert main.view == "status:inbox" and papers.sort != "rank"
        assert papers.percentiles is None  # nothing to learn from: no rank column
        title = str(main.query_one("#list-title", Static).render())
        assert "star or discard to rank" in title
        # Star one cross-lingual paper, discard one controllable-generation paper.
        papers.move_cursor_to(wanted[0])
        await pilot.press("s")
        await settle(pilot, app)
        assert app.rank.current is None  # one relevant is not enough
        papers.move_cursor_to(unwanted[0])
        await pilot.press("d")
        await settle(pilot, app)
        assert app.rank.current is not None
        assert papers.sort == "rank"  # the inbox takes the predicted order by itself
        title = str(main.query_one("#list-title", Static).render())
        assert "sorted by predicted relevance" in title
        undecided = [p for p in papers.ids if p != wanted[0]]
        assert undecided[:10] == app.rank.current.undecided[:10]
        assert "rank" in papers.render_line(0).text  # the column's header
        assert papers.percentiles is not None and papers.percentiles[undecided[0]] == 100
        # The detail pane says why the top paper is there.
        papers.move_cursor_to(undecided[0])
        await settle(pilot, app)
        detail = main.detail.text.plain
        assert "Why here" in detail and "#1 of the inbox" in detail and "most like:" in detail


async def test_triage_follows_the_ranking_and_opens_the_progress_panel(make_app, lib_path):
    library = Library(lib_path)
    wanted = _from(library, "trending-papers-cross-lingual-nlp.txt")
    unwanted = _from(library, "daily-papers-mar-11-controllable-generation.txt")
    actions.set_starred(library, wanted[:2], True)
    actions.set_status(library, unwanted[:2], "discarded")
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = _main(app).query_one(PaperList)
        assert papers.sort == "rank"
        papers.move_cursor_to(app.rank.current.undecided[0])
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.ranked
        assert "4 decided" in str(screen.query_one("#triage-screening", Static).render())
        assert "Why here" in str(screen.query_one("#triage-why", Static).render())
        for _ in range(3):
            first = screen.current_id()
            await pilot.press("d")
            await settle(pilot, app)
            # After each decision the papers after the one shown are in the newest
            # ranking's order (the one shown may have been swapped for the new best,
            # if the ranking came quickly enough: either way, not decided yet).
            ranking = app.rank.current
            shown = screen.current_id()
            assert shown in ranking.undecided
            ahead = [
                p
                for p in screen.paper_ids[screen.position + 1 :]
                if app.library.triage_of(p).status == "inbox"
                and not app.library.triage_of(p).starred
            ]
            assert ahead[:5] == [p for p in ranking.undecided if p != shown][:5]
            assert first not in ranking.undecided
        assert len(app.rank.timings) >= 3
        await pilot.press("P")  # P: progress (p opens the PDF, as on the main screen)
        await settle(pilot, app)
        assert isinstance(app.screen, ScreeningScreen)
        figures = str(app.screen.query_one("#screening-figures", Static).render())
        assert "7 decisions: 2 relevant, 5 irrelevant" in figures
        assert "5 irrelevant in a row" in figures
        await pilot.press("m")  # a second opinion: the next, different model
        await settle(pilot, app)
        assert app.rank.model != "svm" and app.rank.current.spec.name == app.rank.model


async def test_stopping_rule_is_announced_once(make_app, lib_path, config_path) -> None:
    config_path.write_text("[rank]\nstop_after = 2\nmin_share = 0\n")
    library = Library(lib_path)
    ids = list(library.papers)
    actions.set_starred(library, ids[:1], True)
    actions.set_status(library, ids[1:3], "discarded")
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        from papersift.tui.screens.confirm import ConfirmScreen

        assert isinstance(app.screen, ConfirmScreen)  # 2 irrelevant in a row: met
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, TriageScreen)  # said once, not after every key


async def test_tag_editor_offers_the_tags_of_similar_papers(make_app, lib_path) -> None:
    from papersift.tui.screens.tag_editor import TagEditor, TagSuggestions

    library = Library(lib_path)
    cross = _from(library, "trending-papers-cross-lingual-nlp.txt")
    control = _from(library, "daily-papers-mar-11-controllable-generation.txt")
    actions.add_tags(library, cross[:8], ["xlingual"])
    # The most used tag: without the similarity it would be offered first.
    actions.add_tags(library, control[:12], ["steering"])
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        _main(app).query_one(PaperList).move_cursor_to(cross[30])
        await pilot.press("t")
        await settle(pilot, app)
        editor = app.screen
        assert isinstance(editor, TagEditor)
        assert editor.similar[:1] == ["xlingual"]
        box = editor.query_one(TagSuggestions)
        first = box.get_option_at_index(0)
        assert first.id == "xlingual" and "like similar papers" in str(first.prompt)


async def test_triage_opened_before_any_decision_follows_the_ranking_once_it_starts(
    make_app, lib_path
) -> None:
    library = Library(lib_path)
    wanted = _from(library, "trending-papers-cross-lingual-nlp.txt")
    library.close()
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = _main(app).query_one(PaperList)
        papers.move_cursor_to(wanted[0])
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.ranked
        before = list(screen.paper_ids)
        await pilot.press("d", "s")  # an irrelevant, then a relevant decision (stays)
        await settle(pilot, app)
        ranking = app.rank.current
        assert ranking is not None
        shown = screen.current_id()
        ahead = screen.paper_ids[screen.position + 1 :]
        assert ahead[:5] == [p for p in ranking.undecided if p != shown][:5]
        assert screen.paper_ids != before


async def test_ranked_triage_opened_down_the_list_shows_that_paper_then_the_best(
    make_app, lib_path
) -> None:
    decided_library(lib_path)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot, app)
        papers = _main(app).query_one(PaperList)
        best = app.rank.current.undecided
        papers.move_cursor_to(best[5])  # as when the cursor comes back from last time
        await pilot.press("enter")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.ranked
        assert screen.current_id() == best[5]
        await pilot.press("j")  # next, no decision: the best paper, not the 7th
        await settle(pilot, app)
        assert screen.current_id() == best[0]
        # The five papers above the start are all still ahead, none left behind it.
        assert set(best[:5]) <= set(screen.paper_ids[screen.position :])
