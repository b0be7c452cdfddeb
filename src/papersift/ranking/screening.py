"""Screening with the model: which paper next, how far along, and when to stop.

The TUI's triage mode, `papersift rank simulate` and the benchmark all pick the next
paper with `pick_next` and judge progress with `progress`, so a simulation measures
exactly what a user gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from papersift.ranking.settings import DEFAULT_STOP, StopRule

if TYPE_CHECKING:
    import numpy as np

# numpy is imported in the functions: the CLI's parser and the TUI's config read the
# tables here at start, before anything needs numpy.

__all__ = [
    "DEFAULT_EXPLORE",
    "DEFAULT_EXPLORE_KIND",
    "DEFAULT_STOP",
    "EXPLORE_KINDS",
    "EXPLORE_ON",
    "EXPLORE_STATE",
    "MAX_EXPLORE",
    "ExploreKind",
    "Progress",
    "StopRule",
    "explore_every",
    "explore_kind",
    "explore_pick",
    "explore_setting",
    "explore_words",
    "is_explore_turn",
    "pick_next",
    "progress",
    "valid_explore",
]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a screening stands."""

    screened: int
    relevant: int
    irrelevant: int
    #: Irrelevant decisions since the last relevant one (in decision order).
    in_a_row: int
    total: int
    #: Relevant papers the model expects among the unscreened (sum of probabilities).
    expected_left: float | None
    #: Relevant found after each decision, in order: the curve of the chart.
    curve: tuple[int, ...]
    stop_met: bool

    @property
    def share(self) -> float:
        """Share of the papers screened."""
        return self.screened / self.total if self.total else 0.0


def progress(
    decisions: Sequence[int],
    total: int,
    *,
    probabilities_left: Sequence[float] | np.ndarray | None = None,
    expected_left: float | None = None,
    rule: StopRule = DEFAULT_STOP,
) -> Progress:
    """Progress of a screening from its decisions in order (1 relevant, 0 not).

    `total` counts every paper being screened, decided or not; `probabilities_left` are
    the model's probabilities for the undecided ones (or `expected_left` their sum).
    """
    import numpy as np

    curve: list[int] = []
    found = 0
    in_a_row = 0
    for label in decisions:
        if label:
            found += 1
            in_a_row = 0
        else:
            in_a_row += 1
        curve.append(found)
    expected = expected_left
    if probabilities_left is not None:
        expected = float(np.sum(np.asarray(probabilities_left, dtype=np.float64)))
    screened = len(decisions)
    return Progress(
        screened=screened,
        relevant=found,
        irrelevant=screened - found,
        in_a_row=in_a_row,
        total=total,
        expected_left=expected,
        curve=tuple(curve),
        stop_met=rule.met(screened, total, in_a_row),
    )


@dataclass(frozen=True, slots=True)
class ExploreKind:
    """One kind of exploration pick: which paper is shown instead of the top one."""

    name: str
    help: str
    #: Why the pick is shown, as triage mode says it ("shown because …").
    reason: str


#: The kinds of exploration pick, measured side by side (README, "Exploring").
EXPLORE_KINDS: tuple[ExploreKind, ...] = (
    ExploreKind(
        "unsure",
        "the paper the model is least sure about (score nearest its decision boundary)",
        "the ranking is unsure about it",
    ),
    ExploreKind(
        "random",
        "a paper drawn at random from the undecided",
        "it was drawn at random from the inbox",
    ),
    ExploreKind(
        "unreached",
        "a paper drawn at random from the lower half of the ranking",
        "the ranking would show it late",
    ),
)
DEFAULT_EXPLORE_KIND = "unsure"
#: The largest share of exploration picks the settings accept.
MAX_EXPLORE = 0.5
#: Triage mode's share of exploration picks when the config does not set one.
DEFAULT_EXPLORE = 0.0
#: The share the palette's "explore" switches on when the config's share is 0.
EXPLORE_ON = 0.1


#: ui.json's key for the TUI's palette switch of exploration (the share it set, 0: off).
EXPLORE_STATE = "rank_explore"


def explore_setting(ui_state: Mapping[str, object], configured: float) -> float:
    """The share of exploration picks in effect: the one the TUI remembered from its
    palette switch (`EXPLORE_STATE` in ui.json's `ui_state`), else the config's
    `[rank] explore`."""
    share = valid_explore(ui_state.get(EXPLORE_STATE))
    return configured if share is None else share


def valid_explore(value: object) -> float | None:
    """`value` as a share of exploration picks, or None when it is not a number from 0
    to `MAX_EXPLORE` (the config's and ui.json's values are checked alike)."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= MAX_EXPLORE:
        return float(value)
    return None


def explore_words(share: float, kind: str = DEFAULT_EXPLORE_KIND) -> str:
    """The setting in words: "every 10th pick: the paper the model is least sure
    about" or "off"."""
    every = explore_every(share)
    if not every:
        return "off"
    return f"every {_ordinal(every)} pick: {explore_kind(kind).help}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def explore_kind(name: str) -> ExploreKind:
    """The `EXPLORE_KINDS` row called `name`."""
    for kind in EXPLORE_KINDS:
        if kind.name == name:
            return kind
    raise ValueError(f"unknown exploration kind {name!r}")


def explore_every(share: float) -> int:
    """Every how many ranked picks one is an exploration pick (0: never)."""
    if share <= 0:
        return 0
    return max(2, round(1 / min(share, MAX_EXPLORE)))


def is_explore_turn(turn: int, share: float) -> bool:
    """Whether the `turn`-th ranked pick (counted from 1) is an exploration pick.

    Exploration picks are spaced evenly (every `explore_every(share)`-th pick) rather
    than drawn with that probability, so a reader never meets a burst of them and the
    k-th pick is known in advance."""
    every = explore_every(share)
    return every > 0 and turn > 0 and turn % every == 0


def explore_pick(
    scores: np.ndarray,
    candidates: np.ndarray,
    kind: str = DEFAULT_EXPLORE_KIND,
    *,
    rng: np.random.Generator | None = None,
    turn: int = 0,
) -> int:
    """The exploration pick of `kind` among `candidates` (row numbers).

    `unsure` is the candidate whose score is nearest 0 (the linear model's boundary;
    ties to the lower row) and needs no randomness. The random kinds draw with `rng`,
    or, without one, with a generator seeded by `turn`: the same turn of the same
    screening gives the same paper."""
    if len(candidates) == 0:
        raise ValueError("no candidates left")
    import numpy as np

    explore_kind(kind)
    values = scores[candidates]
    if kind == "unsure":
        margin = np.abs(values)
        return int(candidates[np.flatnonzero(margin == margin.min())[0]])
    gen = rng if rng is not None else np.random.default_rng(turn)
    if kind == "random":
        return int(candidates[gen.integers(len(candidates))])
    # The lower half of the ranking: what a screening that stops early never reaches.
    order = np.lexsort((candidates, -values))
    low = candidates[order[len(order) // 2 :]]
    return int(low[gen.integers(len(low))])


def pick_next(
    scores: np.ndarray,
    candidates: np.ndarray,
    *,
    explore: float = 0.0,
    turn: int = 0,
    kind: str = DEFAULT_EXPLORE_KIND,
    rng: np.random.Generator | None = None,
) -> int:
    """The row to screen next among `candidates` (row numbers): the top-scored one.

    With `explore` > 0, the `turn`-th ranked pick (from 1) is an exploration pick of
    `kind` when `is_explore_turn` says so, so papers unlike the ones marked so far
    get seen too (against the filter bubble). Ties go to the lower row: picks are
    deterministic for a seed."""
    if len(candidates) == 0:
        raise ValueError("no candidates left")
    if is_explore_turn(turn, explore):
        return explore_pick(scores, candidates, kind, rng=rng, turn=turn)
    import numpy as np

    values = scores[candidates]
    best = np.flatnonzero(values == values.max())
    return int(candidates[best[0]])
