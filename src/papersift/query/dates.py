"""Spans of time in query values (`added:<7d`, `added:2026-11`, `added:a..b`).

A value is parsed into a `Span` of plain integers, so the terms made of it compare
equal whenever they are written alike, and is resolved against a clock only when it
is evaluated (`within`): `added:<7d` typed on Monday and run again on Friday means
"the last 7 days" both times, and a test passes its own "now". Dates are local
calendar days; a month or a year is every day in it.

    <7d  <=7d  >30d  >=30d   less (more) than that long ago: a number and a unit,
                             h (hours), d (days), w (weeks), m (months of 30 days),
                             y (years of 365 days); ages count whole seconds
    today                    since local midnight
    2026  2026-11  2026-11-03           that year, month or day
    >=2026-11-01  >2026-11  <2026  <=…  after / before it (> and < exclude it)
    2026-11-01..2026-11-15  2026-11..  ..2026-10    inclusive ranges, open at one end
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

__all__ = ["AGO", "DATE", "DAYS", "Span", "comparison_bounds", "parse_span", "within"]

#: What a span's bounds count: whole seconds before now,
AGO = "ago"
#: local calendar days (`date.toordinal()`),
DATE = "date"
#: or calendar days before today (0 = today).
DAYS = "days"

_UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_UNITS = "h (hours), d (days), w (weeks), m (months of 30 days) or y (years of 365 days)"
_COMPARE = re.compile(r"(<=|>=|<|>|=)?(.*)", re.S)
_DURATION = re.compile(r"([0-9]{1,9})([a-z]*)")
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")
_MAX_ORDINAL = date.max.toordinal()


@dataclass(frozen=True, slots=True)
class Span:
    """An inclusive range of `unit`s (`AGO`, `DATE` or `DAYS`); None = open."""

    unit: str
    lo: int | None
    hi: int | None


def parse_span(text: str, name: str = "added") -> Span:
    """The span a `name:` value describes (syntax in the module docstring).

    Raises ValueError with a message for the user, naming what is accepted."""
    value = text.strip().casefold()
    if value == "today":
        return Span(DAYS, 0, 0)
    if ".." in value:
        first, _, last = value.partition("..")
        lo = _day_range(first, text, name)[0] if first else None
        hi = _day_range(last, text, name)[1] if last else None
        if lo is None and hi is None:
            raise ValueError(_not_a_time(text, name))
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"empty range {name}:{text}: the first date is after the last")
        return Span(DATE, lo, hi)
    match = _COMPARE.fullmatch(value)
    assert match is not None  # (the pattern matches anything)
    op, rest = match.group(1) or "", match.group(2)
    # A year first: "2026" is a date, not a number missing its unit.
    if _DATE.fullmatch(rest):
        return Span(DATE, *comparison_bounds(op, *_day_range(rest, text, name)))
    if duration := _DURATION.fullmatch(rest):
        number, unit = int(duration.group(1)), duration.group(2)
        if unit not in _UNIT_SECONDS:
            what = f'unknown unit "{unit}"' if unit else "a unit is missing"
            raise ValueError(f'"{name}:{text}": {what}: use {_UNITS}')
        if op in ("", "="):
            raise ValueError(
                f'"{name}:{text}" needs < or >: {name}:<{rest} is less than {rest} ago, '
                f"{name}:>{rest} more"
            )
        seconds = number * _UNIT_SECONDS[unit]
        return Span(AGO, *comparison_bounds(op, seconds, seconds))
    raise ValueError(_not_a_time(text, name))


def comparison_bounds(op: str, first: int, last: int) -> tuple[int | None, int | None]:
    """The inclusive bounds (None = open) of the integers that compare with the span
    first..last as `op` says ("" or "=": within it; ">" after it; ">=" from its
    start; "<" before it; "<=" up to its end)."""
    return {
        "": (first, last),
        "=": (first, last),
        ">=": (first, None),
        ">": (last + 1, None),
        "<=": (None, last),
        "<": (None, first - 1),
    }[op]


def _not_a_time(text: str, name: str) -> str:
    return (
        f'"{name}:{text}" is not a time: use e.g. {name}:<7d (less than 7 days ago), '
        f"{name}:>30d, {name}:today, {name}:2026-11, {name}:>=2026-11-03 or "
        f"{name}:2026-11-01..2026-11-15"
    )


def _day_range(part: str, text: str, name: str) -> tuple[int, int]:
    """The first and last day (ordinals) of a year, month or day written `part`."""
    match = _DATE.fullmatch(part)
    if match is None:
        raise ValueError(_not_a_time(text, name))
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else None
    day = int(match.group(3)) if match.group(3) else None
    try:
        if month is None:
            return date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
        if day is None:
            last = monthrange(year, month)[1]
            return date(year, month, 1).toordinal(), date(year, month, last).toordinal()
        ordinal = date(year, month, day).toordinal()
    except ValueError:
        raise ValueError(f'"{name}:{text}": there is no date {part}') from None
    return ordinal, ordinal


def within(span: Span, times: np.ndarray, now: float) -> np.ndarray:
    """Which `times` (epoch seconds; NaN = unknown, never within) fall in `span`, as
    seen at `now`."""
    if span.unit == AGO:
        age = np.floor(now - times)
        mask = ~np.isnan(age)
        if span.lo is not None:
            mask &= age >= span.lo
        if span.hi is not None:
            mask &= age <= span.hi
        return mask
    lo, hi = span.lo, span.hi
    if span.unit == DAYS:
        today = date.fromtimestamp(now).toordinal()
        lo, hi = (None if hi is None else today - hi), (None if lo is None else today - lo)
    start = -np.inf if lo is None else _midnight(lo)
    end = np.inf if hi is None else _midnight(hi + 1)
    return (times >= start) & (times < end)


def _midnight(ordinal: int) -> float:
    """The epoch time of local midnight starting day `ordinal` (clamped to what dates
    and the platform's clock can say)."""
    if ordinal < 1:
        return -np.inf
    if ordinal > _MAX_ORDINAL:
        return np.inf
    try:
        return datetime.fromordinal(ordinal).timestamp()
    except (OverflowError, OSError, ValueError):
        return -np.inf if ordinal < date(1970, 1, 1).toordinal() else np.inf
