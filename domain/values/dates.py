"""Calendar dates (legal dates are Stockholm calendar days): one value for every entry point.

`CalendarDate` accepts RFC 3339's full-date ``YYYY-MM-DD`` (years 0001-9999, ASCII digits, a real
day of the calendar) or a Python `date`. A date-time is refused with a message saying to give the
date alone — as text or as a Python `datetime` (a subclass of `date`, so a plain isinstance check
would let it through and a later comparison with a date would fail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from domain.errors import InvalidValue

DATE_PATTERN: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_DATE_TEXT: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
DATE_FORM: Final = "a date YYYY-MM-DD, like 2026-03-14"
_MAX_ECHOED_CHARS: Final = 40


def _echo(value: str) -> str:
    return repr(value if len(value) <= _MAX_ECHOED_CHARS else value[:_MAX_ECHOED_CHARS] + "…")


@dataclass(frozen=True, slots=True)
class CalendarDate:
    """A day of the (proleptic Gregorian) calendar, without a time or a time zone."""

    day: date

    @classmethod
    def parse(cls, value: object, *, field: str) -> CalendarDate:
        if isinstance(value, CalendarDate):
            return value
        if isinstance(value, datetime):
            raise InvalidValue(
                f"{field}: give the date alone ({DATE_FORM}), not a date-time", field=field
            )
        if isinstance(value, date):
            return cls(value)
        if not isinstance(value, str):
            raise InvalidValue(f"{field}: give {DATE_FORM}, as text", field=field)
        match = _DATE_TEXT.fullmatch(value)
        if match is None:
            if _DATE_TEXT.match(value) is not None:
                raise InvalidValue(
                    f"{field}: give the date alone ({DATE_FORM}), not {_echo(value)}",
                    field=field,
                )
            raise InvalidValue(f"{field}: {_echo(value)} is not {DATE_FORM}", field=field)
        year, month, day = (int(part) for part in match.groups())
        try:
            return cls(date(year, month, day))
        except ValueError:
            raise InvalidValue(
                f"{field}: {value} is not a day of the calendar (years 0001-9999)", field=field
            ) from None

    def __str__(self) -> str:
        return self.day.isoformat()


def parse_date(value: object, *, field: str) -> date:
    """The day of `CalendarDate.parse`, as events and state hold it."""
    return CalendarDate.parse(value, field=field).day
