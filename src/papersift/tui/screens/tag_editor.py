"""Tag editor: add and remove tags on one or several papers, with completion.

Adding and removing are equally short: type `rlhf, safety` and enter to add, type
`-safety` (or pick the tag in the list above and press delete, or click it) to remove.
Every change is saved at once (the help screen promises it): enter on typed tags saves
them and the editor stays open for more; enter on an empty line, or escape, closes it.
Suggestions come from the library's tags, fuzzy-matched as you type; tab takes the
first (or the one picked with up/down). A new tag that is a near miss of an existing
one (`rlhf` vs `RLHF`, `aligment` vs `alignment`) is questioned before it is added:
enter/y uses the existing spelling, n keeps the new one.

The screen hands each step to its `save` callback as a `TagEdit` (what changed since
the last step); the caller applies it (`screens.editing.edit_tags`), so it goes through
the app's worker and undo stack like every other change. What is typed but not entered
is not lost either: it is entered when another screen opens over the editor, when the
app quits and when the terminal closes (`editing.TypedTextGuard`); escape alone drops it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rapidfuzz import fuzz, process, utils
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from papersift import actions
from papersift.models import PapersiftError
from papersift.textsafe import clean_line
from papersift.tui.bindings import key_of
from papersift.tui.safe_text import plain
from papersift.tui.screens.editing import TypedTextGuard

#: How many titles the header lists before it says "and N more".
MAX_TITLES = 3
MAX_SUGGESTIONS = 8


@dataclass
class TagEdit:
    """What the user asked for: tags to add and tags to remove (in the order given)."""

    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.add and not self.remove


def suggest_tags(
    fragment: str, tags: Sequence[str], exclude: Sequence[str] = (), limit: int = MAX_SUGGESTIONS
) -> list[str]:
    """Tags to offer for what is being typed: prefix matches, then fuzzy ones.

    `tags` is in preference order (most used first); with an empty fragment the first
    `limit` of them are offered. Tags in `exclude` (case-insensitive) are never offered.
    """
    excluded = {t.casefold() for t in exclude}
    candidates = [t for t in tags if t.casefold() not in excluded]
    query = fragment.strip().casefold()
    if not query:
        return candidates[:limit]
    prefix = [t for t in candidates if t.casefold().startswith(query)]
    words = [t for t in candidates if any(w.startswith(query) for w in t.casefold().split())]
    fuzzy = process.extract(
        query,
        candidates,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=limit * 2,
        score_cutoff=70,
    )
    ranked = [choice for choice, _score, _i in sorted(fuzzy, key=lambda hit: (-hit[1], hit[2]))]
    return list(dict.fromkeys([*prefix, *words, *ranked]))[:limit]


_SEPARATORS = re.compile(r"[,;]")


class TagChips(OptionList):
    """The tags on the paper(s): select (enter, click) or delete toggles removal."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tagchips--added",
        "tagchips--removed",
        "tagchips--mark",
    }


class TagSuggestions(OptionList, can_focus=False):
    """Completions for the tag being typed; clicking one takes it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"tagsuggestions--count"}


class NearMissPrompt(Static, can_focus=True):
    """Holds focus while a near-miss question is open, so y/n reach the screen."""

    def on_focus(self) -> None:
        # Only now do y/n show as active bindings (the input consumed them before).
        screen = self.screen
        if isinstance(screen, TagEditor):
            screen.write_prompt()


class TagEditor(TypedTextGuard, ModalScreen[TagEdit | None]):
    """Edit the tags of the given papers; each step goes to `save` at once.

    Dismissed with the whole session's `TagEdit` (all steps together), or None when
    nothing changed."""

    AUTO_FOCUS = "#tag-input"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "use_existing", "Use existing", id="tags.use-existing"),
        Binding("n", "keep_new", "Keep new spelling", id="tags.keep-new"),
        Binding("escape", "skip_tag", "Skip this tag", id="tags.skip-near-miss"),
        Binding("ctrl+s", "confirm", "Done", id="tags.confirm"),
        # (The id predates saving at once; kept, users' [keys] name it.)
        Binding("escape", "cancel", "Close", id="tags.cancel"),
        Binding("tab", "accept_suggestion", "Take suggestion", id="tags.accept"),
        Binding("down", "suggestion(1)", "Next suggestion", show=False, id="tags.next"),
        Binding("up", "suggestion(-1)", "Previous suggestion", show=False, id="tags.previous"),
        Binding("delete,backspace,x", "toggle_chip", "Remove/restore tag", id="tags.remove"),
    ]

    def __init__(
        self,
        titles: list[str],
        current: list[str],
        all_tags: Mapping[str, int],
        save: Callable[[TagEdit], None] | None = None,
        similar_tags: Callable[[], list[str]] | None = None,
    ) -> None:
        """`save(step)` applies one step (tags added and removed since the last one).
        `similar_tags()` (run in a worker) gives the tags of the papers this one most
        resembles: offered first while nothing is typed."""
        super().__init__()
        self._similar_tags = similar_tags
        #: Tags of similar papers, once `similar_tags` has answered.
        self.similar: list[str] = []
        self.save = save
        self.titles = list(titles)
        self.current = list(dict.fromkeys(current))
        self.all_tags = dict(all_tags)
        self.added: list[str] = []
        self.removed: list[str] = []
        self._pending: list[tuple[str, str]] = []  # (typed, existing) near misses
        self._confirm_after_pending = False
        self._navigated = False
        #: The tags as last saved (what `save` has been told so far).
        self._saved = list(self.current)
        #: The input's text, kept here too: on unmount the widget may be gone.
        self._typed = ""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Vertical(id="tag-editor", classes="dialog"):
            yield Static(self._heading(), id="tag-editor-title", classes="dialog-title")
            yield Static(self._title_list(), id="tag-editor-papers")
            yield Static(
                "On this paper" if len(self.titles) == 1 else "On these papers",
                classes="section-label",
            )
            yield TagChips(id="tag-chips")
            yield Static("No tags yet", id="tag-chips-empty", classes="empty-hint")
            yield Input(placeholder="add: tag, other tag   remove: -tag", id="tag-input")
            yield NearMissPrompt(id="tag-nearmiss")
            yield TagSuggestions(id="tag-suggestions")
            yield Static(id="tag-hint", classes="hint")
        yield Footer()

    def _heading(self) -> Text:
        n = len(self.titles)
        return plain("Tags" if n == 1 else f"Tags · {n} papers")

    def _title_list(self) -> Text:
        lines = [f"• {clean_line(t)}" for t in self.titles[:MAX_TITLES]]
        if len(self.titles) > MAX_TITLES:
            lines.append(f"  … and {len(self.titles) - MAX_TITLES} more")
        return Text("\n".join(lines), end="", no_wrap=True, overflow="ellipsis")

    def on_mount(self) -> None:
        self._refresh_chips()
        self._refresh_suggestions()
        if self._similar_tags is not None:
            self._find_similar()

    @work(thread=True, exit_on_error=False, group="similar-tags")
    def _find_similar(self) -> None:
        assert self._similar_tags is not None
        found = self._similar_tags()
        self.app.call_from_thread(self._similar_found, found)

    def _similar_found(self, tags: list[str]) -> None:
        if self.is_attached:
            self.similar = tags
            self._refresh_suggestions()
        self.query_one("#tag-hint", Static).update(plain(self.hint()))

    def hint(self) -> str:
        """How to use the editor, naming the keys as bound now."""
        return (
            f"enter saves, -tag removes · {key_of(self, 'accept_suggestion')} takes the "
            f"suggestion · enter on an empty line or {key_of(self, 'cancel')} closes "
            "(each step is saved at once)"
        )

    # ------------------------------------------------------------------ state

    def shown_tags(self) -> list[str]:
        """Tags as they will be after the edit (current minus removed, plus added)."""
        gone = {t.casefold() for t in self.removed}
        return [t for t in self.current if t.casefold() not in gone] + self.added

    def _known_tags(self) -> list[str]:
        return list(dict.fromkeys([*self.all_tags, *self.current, *self.added]))

    def _find(self, tags: Sequence[str], tag: str) -> str | None:
        folded = tag.casefold()
        return next((t for t in tags if t.casefold() == folded), None)

    def _add(self, tag: str) -> None:
        # Exact spelling: "rlhf" beside "RLHF" is the user's explicit choice.
        if tag in self.removed:
            self.removed.remove(tag)
        elif tag not in self.current and tag not in self.added:
            self.added.append(tag)

    def _remove(self, tag: str) -> bool:
        if (added := self._find(self.added, tag)) is not None:
            self.added.remove(added)
            return True
        if (existing := self._find(self.current, tag)) is not None:
            if self._find(self.removed, existing) is None:
                self.removed.append(existing)
            return True
        return False

    def _toggle(self, tag: str) -> None:
        if tag in self.removed:
            self._add(tag)
        else:
            self._remove(tag)

    # ------------------------------------------------------------------ rendering

    def _refresh_chips(self, highlight: int | None = None) -> None:
        chips = self.query_one(TagChips)
        added_style = chips.get_component_rich_style("tagchips--added", partial=True)
        removed_style = chips.get_component_rich_style("tagchips--removed", partial=True)
        mark_style = chips.get_component_rich_style("tagchips--mark", partial=True)
        removed = {t.casefold() for t in self.removed}
        options = []
        for tag in [*self.current, *self.added]:
            text = Text(end="")
            if tag.casefold() in removed:
                text.append("− ", mark_style)
                text.append(clean_line(tag), removed_style)
                text.append("  (will be removed)", mark_style)
            elif tag in self.added:
                text.append("+ ", mark_style)
                text.append(clean_line(tag), added_style)
                text.append("  (new)" if tag not in self.all_tags else "  (added)", mark_style)
            else:
                text.append("• ", mark_style)
                text.append(clean_line(tag))
            options.append(Option(text))
        old = chips.highlighted
        chips.clear_options()
        chips.add_options(options)
        chips.display = bool(options)
        self.query_one("#tag-chips-empty").display = not options
        if options:
            target = highlight if highlight is not None else old
            chips.highlighted = min(target or 0, len(options) - 1)

    def _fragment(self) -> str:
        return _SEPARATORS.split(self.query_one(Input).value)[-1]

    def _suggestions_for(self, fragment: str) -> list[str]:
        stripped = fragment.strip()
        if stripped.startswith("-"):
            return suggest_tags(stripped[1:], self.shown_tags())
        if not stripped and self.similar:
            # Nothing typed: the tags of similar papers first, then the most used.
            ordered = list(dict.fromkeys([*self.similar, *self.all_tags]))
            return suggest_tags("", ordered, exclude=self.shown_tags())
        return suggest_tags(stripped, list(self.all_tags), exclude=self.shown_tags())

    def _refresh_suggestions(self) -> None:
        box = self.query_one(TagSuggestions)
        count_style = box.get_component_rich_style("tagsuggestions--count", partial=True)
        fragment = self._fragment()
        removing = fragment.strip().startswith("-")
        box.clear_options()
        for tag in self._suggestions_for(fragment):
            text = Text(end="")
            text.append(("remove " if removing else "") + clean_line(tag))
            if not removing and tag in self.all_tags:
                text.append(f"  {self.all_tags[tag]}", count_style)
            if not removing and not fragment.strip() and tag in self.similar:
                text.append("  like similar papers", count_style)
            box.add_option(Option(text, id=tag))
        box.display = box.option_count > 0 and not self._pending
        box.highlighted = None
        self._navigated = False

    def _show_pending(self) -> None:
        prompt = self.query_one(NearMissPrompt)
        if not self._pending:
            prompt.display = False
            self.query_one(Input).focus()
            self.refresh_bindings()
            if self._confirm_after_pending:
                self._confirm_after_pending = False
                self.action_confirm()
            return
        prompt.display = True
        prompt.focus()
        self.query_one(TagSuggestions).display = False
        self.refresh_bindings()
        self.write_prompt()  # again when the prompt gets focus, with the keys named

    def write_prompt(self) -> None:
        """The near-miss question, naming the keys as bound now."""
        if not self._pending:
            return
        typed, existing = self._pending[0]
        use = key_of(self, "use_existing", every=True)
        keep = key_of(self, "keep_new", every=True)
        skip = key_of(self, "skip_tag", every=True)
        text = Text(end="")
        typed, existing = clean_line(typed), clean_line(existing)
        text.append(f"'{typed}' looks like the existing tag '{existing}'.\n")
        text.append(f"{use}: use '{existing}'   {keep}: keep '{typed}'   ")
        text.append(f"{skip}: skip it")
        self.query_one(NearMissPrompt).update(text)

    # ------------------------------------------------------------------ committing input

    def _commit(self, text: str, chosen: str | None = None) -> bool:
        """Apply the comma-separated tags in `text`; `chosen` replaces the last fragment.

        Returns False (and leaves the input as it is) if a tag is invalid.
        """
        fragments = _SEPARATORS.split(text)
        removing = False
        if chosen is not None:
            removing = fragments[-1].strip().startswith("-")
            fragments[-1] = ""
        plan: list[tuple[str, str, bool]] = []  # (op, tag, exact)
        try:
            for fragment in fragments:
                raw = fragment.strip()
                if not raw:
                    continue
                if raw.startswith("-") and len(raw) > 1:
                    plan.append(("remove", actions.clean_tag(raw[1:]), False))
                else:
                    plan.append(("add", actions.clean_tag(raw), False))
        except PapersiftError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return False
        if chosen is not None:
            plan.append(("remove" if removing else "add", chosen, True))
        for op, tag, exact in plan:
            if op == "remove":
                if not self._remove(tag):
                    self.notify(f"No tag '{clean_line(tag)}' on this to remove", markup=False)
                continue
            if exact or tag in self._known_tags():
                self._add(tag)
                continue
            near = actions.similar_tag(tag, self._known_tags())
            if near is not None:
                self._pending.append((tag, near))
            else:
                self._add(tag)
        self.query_one(Input).value = ""
        self._typed = ""
        self._refresh_chips()
        self._refresh_suggestions()
        self._save_step()
        if self._pending:
            self._show_pending()
        return True

    def _save_step(self) -> None:
        """Tell `save` what changed since it was last told (nothing if nothing did)."""
        shown = self.shown_tags()
        step = TagEdit(
            add=[t for t in shown if t not in self._saved],
            remove=[t for t in self._saved if t not in shown],
        )
        if step.is_empty:
            return
        self._saved = shown
        if self.save is not None:
            self.save(step)

    def session_edit(self) -> TagEdit | None:
        """Everything this editor changed, as one `TagEdit` (None: nothing)."""
        current = {t.casefold() for t in self.current}
        edit = TagEdit(
            add=[t for t in self.added if t.casefold() not in current],
            remove=list(self.removed),
        )
        return None if edit.is_empty else edit

    @on(Input.Changed, "#tag-input")
    def _input_changed(self, event: Input.Changed) -> None:
        self._typed = event.value
        self._refresh_suggestions()

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        chosen = self._highlighted_suggestion() if self._navigated else None
        if not event.value.strip() and chosen is None:
            self.action_confirm()
            return
        self._commit(event.value, chosen)

    @on(OptionList.OptionSelected, "#tag-suggestions")
    def _suggestion_clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._commit(self.query_one(Input).value, event.option.id)
            self.query_one(Input).focus()

    @on(OptionList.OptionSelected, "#tag-chips")
    def _chip_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._toggle_chip(event.option_index)

    def _highlighted_suggestion(self) -> str | None:
        box = self.query_one(TagSuggestions)
        if box.highlighted is None:
            return None
        return box.get_option_at_index(box.highlighted).id

    def _toggle_chip(self, index: int) -> None:
        tags = [*self.current, *self.added]
        if 0 <= index < len(tags):
            self._toggle(tags[index])
            self._refresh_chips(highlight=index)
            self._refresh_suggestions()
            self._save_step()

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        pending = bool(self._pending)
        if action in ("use_existing", "keep_new", "skip_tag"):
            return pending
        if action == "cancel":
            return not pending
        if action == "toggle_chip":
            return isinstance(self.focused, TagChips)
        if action in ("accept_suggestion", "suggestion"):
            return not pending and isinstance(self.focused, Input)
        return True

    def action_use_existing(self) -> None:
        _typed, existing = self._pending.pop(0)
        self._add(existing)
        self._after_pending()

    def action_keep_new(self) -> None:
        typed, _existing = self._pending.pop(0)
        self._add(typed)
        self._after_pending()

    def action_skip_tag(self) -> None:
        self._pending.pop(0)
        self._confirm_after_pending = False
        self._after_pending()

    def _after_pending(self) -> None:
        self._refresh_chips()
        self._refresh_suggestions()
        self._save_step()
        self._show_pending()

    def action_accept_suggestion(self) -> None:
        chosen = self._highlighted_suggestion()
        if chosen is None:
            box = self.query_one(TagSuggestions)
            if box.option_count and self._fragment().strip():
                chosen = box.get_option_at_index(0).id
        if chosen is None:
            self.focus_next()
            return
        self._commit(self.query_one(Input).value, chosen)

    def action_suggestion(self, step: int) -> None:
        """down walks the suggestions (below the input); up walks back, and from the
        input itself goes to the tag list (above it), where delete removes a tag."""
        box = self.query_one(TagSuggestions)
        if box.highlighted is None or not box.option_count:
            if step > 0 and box.option_count:
                box.highlighted = 0
                self._navigated = True
            elif step < 0 and self.query_one(TagChips).option_count:
                self.query_one(TagChips).focus()
            return
        if step < 0 and box.highlighted == 0:
            box.highlighted = None
            self._navigated = False
            return
        box.highlighted = min(box.highlighted + step, box.option_count - 1)
        self._navigated = True

    def action_toggle_chip(self) -> None:
        chips = self.query_one(TagChips)
        if chips.highlighted is not None:
            self._toggle_chip(chips.highlighted)

    def action_confirm(self) -> None:
        text = self.query_one(Input).value
        if text.strip():
            if not self._commit(text):
                return
            if self._pending:
                self._confirm_after_pending = True
                return
        self.close_editor(self.session_edit())

    def action_cancel(self) -> None:
        """Close: what was entered is saved already; text not entered is dropped."""
        self.close_editor(self.session_edit())

    # ------------------------------------------------------------------ typed text

    def keep_typed(self, *, interactive: bool) -> None:
        """Enter what is typed but not entered yet (another screen opened, or the app
        is quitting). `interactive`: the screen is alive, so a near miss is asked as
        usual; else (quitting) every tag is kept as typed, since no one can answer."""
        text = self._typed
        if interactive:
            if text.strip():
                self._commit(text)
            return
        self._typed = ""
        for fragment in _SEPARATORS.split(text):
            raw = fragment.strip()
            try:
                if raw.startswith("-") and len(raw) > 1:
                    self._remove(actions.clean_tag(raw[1:]))
                elif raw:
                    self._add(actions.clean_tag(raw))
            except PapersiftError:
                continue  # an invalid tag was refused when typed; nothing to keep
        for typed, _existing in self._pending:
            self._add(typed)
        self._pending.clear()
        self._save_step()
