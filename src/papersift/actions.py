"""The user's actions on a library: star, status, tags, notes, duplicate decisions, undo.

The TUI's keys and the CLI's subcommands call these same functions, so anything the
TUI does can be scripted. Each action returns a `Change` that `undo` reverts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz, process

from papersift.models import STATUS_LABELS, STATUSES, Paper, PapersiftError, Triage
from papersift.saved_views import SavedView, restore_views
from papersift.store import Library

_WS = re.compile(r"\s+")
#: Tags are short labels; longer text belongs in the note.
MAX_TAG_LENGTH = 64


@dataclass(slots=True)
class Change:
    """What an action did, with enough of the previous state to revert it."""

    description: str
    triage_before: dict[str, Triage] = field(default_factory=dict)
    #: For merges: the corpus as it was (papers, aliases) and the decision made.
    papers_before: dict[str, Paper] | None = None
    aliases_before: dict[str, str] | None = None
    decision: tuple[str, str] | None = None
    #: For saved-view changes: the views as they were, by id (None: did not exist).
    views_before: dict[str, SavedView | None] | None = None
    #: What undoing it brings back, in the user's words ("1 paper back to inbox").
    undone: str = ""

    @property
    def undo_description(self) -> str:
        """What `undo` of this change restores, for "Undone: …" (issue #18 item 14:
        "Undone: 1 paper → discarded" read as if it had just been discarded)."""
        return self.undone or f"{self.description} (reverted)"

    @property
    def count(self) -> int:
        """How many papers the change touched."""
        return len(self.triage_before) or (len(self.papers_before or {}) or 0)


# ---------------------------------------------------------------------- ids


def resolve_ids(library: Library, ids: Iterable[str]) -> list[str]:
    """Full paper ids for ids or unique id prefixes.

    An id (or prefix) of a paper merged into another resolves to the paper it became,
    and `library.on_note` is told ("53b4… was merged into 9f2c…"). Raises
    `PapersiftError` listing every id that is unknown or ambiguous, so a command with one
    bad id changes nothing.
    """
    resolved: list[str] = []
    problems: list[str] = []
    all_ids: list[str] | None = None
    merged_ids: list[str] | None = None
    for raw in ids:
        pid = raw.strip().lower()
        if not pid:
            continue
        if pid in library.papers:
            resolved.append(pid)
            continue
        if pid in library.aliases and library.canonical_id(pid) in library.papers:
            resolved.append(_followed(library, pid))
            continue
        if all_ids is None:
            all_ids = sorted(library.papers)
            merged_ids = sorted(library.aliases)
        assert merged_ids is not None
        matches = [p for p in all_ids if p.startswith(pid)]
        if not matches:
            # Only when no paper has the prefix: a merged id must not shadow a live one.
            aliased = [a for a in merged_ids if a.startswith(pid)]
            targets = {library.canonical_id(a) for a in aliased} & library.papers.keys()
            if len(targets) == 1:
                resolved.append(_followed(library, aliased[0]))
                continue
            matches = sorted(targets)
        if len(matches) == 1:
            resolved.append(matches[0])
        elif not matches:
            problems.append(f"unknown paper id {raw!r}")
        else:
            problems.append(f"id prefix {raw!r} is ambiguous ({len(matches)} papers)")
    if problems:
        raise PapersiftError("; ".join(problems) + "; nothing was changed")
    return list(dict.fromkeys(resolved))


def _followed(library: Library, merged_id: str) -> str:
    """The paper `merged_id` became, telling `library.on_note` so (issue #18 item 17)."""
    target = library.canonical_id(merged_id)
    if library.on_note is not None:
        library.on_note(f"{merged_id} was merged into {target}")
    return target


# ---------------------------------------------------------------------- tags


def clean_tag(tag: str) -> str:
    """A tag as stored: whitespace collapsed and trimmed; commas are separators, not text."""
    tag = _WS.sub(" ", tag).strip()
    if not tag:
        raise PapersiftError("a tag cannot be empty")
    if "," in tag or ";" in tag:
        raise PapersiftError(
            f"tag {tag!r}: commas and semicolons separate tags; add them one by one"
        )
    if len(tag) > MAX_TAG_LENGTH:
        raise PapersiftError(f"tag {tag[:20]!r}…: longer than {MAX_TAG_LENGTH} characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in tag):
        raise PapersiftError(f"tag {tag!r}: control characters are not allowed")
    return tag


def split_tags(text: str) -> list[str]:
    """Tags typed as one string: separated by commas or semicolons."""
    return [clean_tag(t) for t in re.split(r"[,;]", text) if t.strip()]


def similar_tag(tag: str, existing: Iterable[str]) -> str | None:
    """An existing tag that `tag` is a near miss of ("RLHF" for "rlhf", "wrong age" for
    "Wrong age", "alignment" for "aligment"), or None if it is new or already exact."""
    existing = list(existing)
    if tag in existing:
        return None
    folded = tag.casefold()
    for other in existing:
        if other.casefold() == folded or other.casefold().replace("-", " ") == folded.replace(
            "-", " "
        ):
            return other
    best = process.extractOne(
        folded, [e.casefold() for e in existing], scorer=fuzz.ratio, score_cutoff=88
    )
    if best and len(tag) >= 4:
        return existing[best[2]]
    return None


# ---------------------------------------------------------------------- triage changes


def _apply(
    library: Library, ids: Sequence[str], description: str, fn, undone: Callable | None = None
) -> Change:
    """`fn` applied to each paper's triage; `undone(before)` words what undo restores."""

    def change(t: Triage) -> Triage:
        new = fn(t)
        return t if new == t else new.touched() if new.changed == t.changed else new

    result = library.modify_triage(ids, change)
    before = {pid: old for pid, (old, _) in result.items()}
    return Change(
        description=description,
        triage_before=before,
        undone=undone(before) if undone is not None and before else "",
    )


def _back_to_status(before: dict[str, Triage]) -> str:
    """ "1 paper back to inbox", or "3 papers back to inbox (2), to read (1)"."""
    counts = Counter(t.status for t in before.values())
    names = {s: STATUS_LABELS[s].title.lower() for s in counts}
    if len(counts) == 1:
        return f"{_count(before)} back to {names[next(iter(counts))]}"
    parts = ", ".join(f"{names[s]} ({n})" for s, n in counts.most_common())
    return f"{_count(before)} back to {parts}"


def set_starred(library: Library, ids: Sequence[str], starred: bool | None = None) -> Change:
    """Star (True), unstar (False) or toggle (None: star all unless all are starred)."""
    if starred is None:
        starred = not all(library.triage_of(pid).starred for pid in ids)
    verb = "starred" if starred else "unstarred"
    again = "unstarred" if starred else "starred"
    return _apply(
        library,
        ids,
        f"{verb} {_count(ids)}",
        lambda t: replace(t, starred=starred),
        lambda before: f"{_count(before)} {again} again",
    )


def set_status(library: Library, ids: Sequence[str], status: str) -> Change:
    """Set the triage status (one of `STATUSES`)."""
    if status not in STATUSES:
        raise PapersiftError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
    return _apply(
        library,
        ids,
        f"{_count(ids)} → {status}",
        lambda t: replace(t, status=status),
        _back_to_status,
    )


def add_tags(library: Library, ids: Sequence[str], tags: Iterable[str]) -> Change:
    """Add tags (kept in the order given, no duplicates, case preserved)."""
    new = [clean_tag(t) for t in tags]

    def fn(t: Triage) -> Triage:
        return replace(t, tags=tuple(dict.fromkeys((*t.tags, *new))))

    return _apply(library, ids, f"tagged {_count(ids)} {', '.join(new)}", fn, _tags_as_before)


def remove_tags(library: Library, ids: Sequence[str], tags: Iterable[str]) -> Change:
    """Remove tags (case-insensitive match)."""
    gone = {clean_tag(t).casefold() for t in tags}

    def fn(t: Triage) -> Triage:
        return replace(t, tags=tuple(x for x in t.tags if x.casefold() not in gone))

    return _apply(library, ids, f"untagged {_count(ids)}", fn, _tags_as_before)


def _tags_as_before(before: dict[str, Triage]) -> str:
    return f"tags of {_count(before)} as before"


def edit_tags(
    library: Library, ids: Sequence[str], *, add: Sequence[str] = (), remove: Sequence[str] = ()
) -> Change:
    """Remove then add tags on `ids` as ONE undoable change (what the tag editor asks
    for at once, in the main list and in triage mode alike)."""
    before: dict[str, Triage] = {}
    parts = []
    if remove:
        change = remove_tags(library, ids, remove)
        before.update(change.triage_before)
        parts.append("-" + ", -".join(remove))
    if add:
        change = add_tags(library, ids, add)
        for pid, triage in change.triage_before.items():
            before.setdefault(pid, triage)
        parts.append(", ".join(add))
    return Change(
        description=f"tags of {_count(ids)}: {'; '.join(parts)}",
        triage_before=before,
        undone=_tags_as_before(before) if before else "",
    )


def set_note(library: Library, paper_id: str, note: str) -> Change:
    """Replace the note of one paper (trailing whitespace trimmed)."""
    note = note.rstrip()
    return _apply(
        library,
        [paper_id],
        "note saved",
        lambda t: replace(t, note=note),
        lambda before: "the note as it was",
    )


def rename_tag(library: Library, old: str, new: str) -> Change:
    """Rename a tag library-wide; renaming onto an existing tag merges the two."""
    old_c, new = clean_tag(old), clean_tag(new)
    ids = [
        pid
        for pid, t in library.triage.items()
        if any(x.casefold() == old_c.casefold() for x in t.tags)
    ]
    if not ids:
        raise PapersiftError(f"no paper has the tag {old!r}")

    def fn(t: Triage) -> Triage:
        tags = [new if x.casefold() == old_c.casefold() else x for x in t.tags]
        return replace(t, tags=tuple(dict.fromkeys(tags)))

    return _apply(
        library,
        ids,
        f"renamed tag {old_c} → {new} on {_count(ids)}",
        fn,
        lambda before: f"tag {old_c} back on {_count(before)}",
    )


def _count(ids: Sized) -> str:
    return "1 paper" if len(ids) == 1 else f"{len(ids)} papers"


# ---------------------------------------------------------------------- duplicates


def merge_triage(a: Triage, b: Triage) -> Triage:
    """Triage of two records of one paper: starred if either is, the status that was
    decided (the newer one if both were), tags unioned, both notes kept."""
    if a.status == "inbox" or (b.status != "inbox" and b.changed > a.changed):
        status = b.status if b.status != "inbox" else a.status
    else:
        status = a.status
    note = a.note
    if b.note and b.note not in a.note:
        note = f"{a.note}\n\n{b.note}" if a.note else b.note
    shared = {s.by: s for s in (*b.shared, *a.shared)}
    return Triage(
        starred=a.starred or b.starred,
        status=status,
        tags=tuple(dict.fromkeys((*a.tags, *b.tags))),
        note=note,
        changed=max(a.changed, b.changed),
        shared=tuple(shared[k] for k in sorted(shared)),
    )


def merge_papers(library: Library, keep: str, other: str) -> Change:
    """Merge paper `other` into `keep` (the user confirmed they are the same paper).

    `keep` takes the richer fields and the union of sources; `other`'s id becomes an
    alias so it still resolves. Triage is merged. Recorded as a "merge" decision.
    """
    from papersift.importer import merge_paper_fields  # import cycle: importer uses actions

    named = (keep, other)
    resolved = resolve_ids(library, named)
    if len(resolved) == 1:
        # Both name one paper, perhaps through an earlier merge: say which.
        raise PapersiftError(
            f"{' and '.join(named)} are one paper ({resolved[0]}); nothing to merge"
        )
    keep, other = resolved
    with library.locked():
        library.reload_corpus_if_changed()
        papers_before = {keep: library.papers[keep], other: library.papers[other]}
        aliases_before = dict(library.aliases)
        merged = merge_paper_fields(library.papers[keep], library.papers[other])
        papers = dict(library.papers)
        papers[keep] = merged
        del papers[other]
        aliases = dict(library.aliases)
        aliases[other] = keep
        for old, new in aliases.items():
            if new == other:
                aliases[old] = keep
        triage_before = {keep: library.triage_of(keep), other: library.triage_of(other)}
        # Triage first: if we crash before the corpus write, nothing is lost.
        library.write_triage({keep: merge_triage(triage_before[keep], triage_before[other])})
        library.write_corpus(papers, library.possible, aliases)
    library.record_decision(keep, other, "merge")
    return Change(
        description="merged 2 papers",
        undone="2 papers apart again (not merged)",
        triage_before={keep: triage_before[keep]},
        papers_before=papers_before,
        aliases_before=aliases_before,
        decision=(keep, other),
    )


def keep_apart(library: Library, a: str, b: str) -> Change:
    """Record that two possible duplicates are different papers."""
    a, b = resolve_ids(library, [a, b])
    library.record_decision(a, b, "apart")
    return Change(
        description="kept 2 papers apart",
        decision=(a, b),
        undone="2 papers back among the possible duplicates",
    )


# ---------------------------------------------------------------------- undo


def undo(library: Library, change: Change) -> None:
    """Revert a change made by one of the functions above."""
    if change.papers_before is not None:
        with library.locked():
            library.reload_corpus_if_changed()
            papers = dict(library.papers)
            papers.update(change.papers_before)
            # Keep corpus order stable: restored papers keep their original `added` time.
            papers = dict(sorted(papers.items(), key=lambda kv: (kv[1].added, kv[0])))
            library.write_corpus(papers, library.possible, change.aliases_before or {})
    if change.triage_before:
        stamped = {pid: t for pid, t in change.triage_before.items()}
        library.set_triage(stamped)
    if change.decision is not None:
        library.forget_decision(*change.decision)
    if change.views_before is not None:
        restore_views(library, change.views_before)
