"""Periods of a log: `2026-01-01..2026-01-28` (both days included).

Without `--period` the audit looks at the last 28 days of the log (or its second half
when it is shorter than 56 days); without `--baseline-period`, at as many days just
before. Four weeks each, so both periods hold every weekday equally often. A period
is clipped to the days the log covers, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from workbench.errors import InputError

DEFAULT_DAYS = 28


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "days": self.days}


def parse_period(text: str, flag: str = "--period") -> Period:
    """"A..B" (ISO dates, both included) or one date for a single day."""
    raw = text.strip()
    first, sep, second = raw.partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(second.strip()) if sep else start
    except ValueError:
        raise InputError(f"{flag}: expected START..END as dates (2026-01-01..2026-01-28), "
                         f"got {text!r}") from None
    if end < start:
        raise InputError(f"{flag}: the period ends ({end}) before it starts ({start})")
    return Period(start, end)


def clip(period: Period, first: date, last: date, flag: str, notes: list[str]) -> Period:
    """The period within the log's days; InputError when they do not meet."""
    if period.end < first or period.start > last:
        raise InputError(f"{flag} {period}: the log covers {first}..{last} only")
    clipped = Period(max(period.start, first), min(period.end, last))
    if clipped != period:
        notes.append(f"{flag} {period} clipped to the days the log covers: {clipped}")
    return clipped


def default_periods(first: date, last: date, baseline: Period | None,
                    period: Period | None) -> tuple[Period | None, Period | None]:
    """(baseline, period) as the module docstring says; None when the log is a single
    day (nothing to compare)."""
    span = (last - first).days + 1
    if period is None:
        length = DEFAULT_DAYS if span >= 2 * DEFAULT_DAYS else max(1, span // 2)
        period = Period(last - timedelta(days=length - 1), last)
    if baseline is None:
        length = period.days
        end = period.start - timedelta(days=1)
        if end < first:
            return None, period
        baseline = Period(max(first, end - timedelta(days=length - 1)), end)
    return baseline, period
