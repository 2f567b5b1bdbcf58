"""Timestamps are timezone-aware and stored in UTC; legal dates are Stockholm calendar dates.

`Timestamp` is the one date-time value every entry point reads with. It accepts RFC 3339
date-times (``2026-03-14T10:00:00+01:00``, ``…Z``; ``T`` and ``Z`` in either case; up to nine
decimals of a second, kept to the microsecond) or an aware Python `datetime`, and refuses:

- a date-time without a UTC offset (it names no moment);
- a leap second (``:60``), which this service cannot represent;
- a moment outside 0001-01-02T00:00:00Z .. 9999-12-30T23:59:59.999999Z: inside that range the
  moment has a calendar date in every time zone (offsets reach ±23:59), so converting it to UTC,
  to Stockholm time or to a date never fails. ``9999-12-31T23:59:59-23:59`` and
  ``0001-01-01T00:00:00+14:00`` lie outside it and are refused naming the field, not crashed on.

In a URL query a ``+`` arrives as a space (``?as_of=2026-01-01T10:00:00+01:00`` unencoded), so
`parse(..., plus_as_space=True)` reads a space in the offset's place as ``+``; that is
unambiguous, as nothing else may stand there. A query value refused with a space in it carries
the hint that ``+`` must be URL-encoded as ``%2B``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final
from zoneinfo import ZoneInfo

from domain import clock
from domain.errors import InvalidValue

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A decision may be registered a few minutes "early" because clocks of clients drift.
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)

EARLIEST_MOMENT: Final = datetime(1, 1, 2, tzinfo=UTC)
LATEST_MOMENT: Final = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
DATE_TIME_FORM: Final = "an RFC 3339 date-time with a UTC offset, like 2026-03-14T10:00:00+01:00"
_DATE_TIME_TEXT: Final = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,9}))?"
    r"(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<offset_hours>[0-9]{2}):(?P<offset_minutes>[0-9]{2}))?"
)
# Only the offset's '+' can have become a space: "…T10:00:00 01:00" or "…T10:00:00.5 01:00".
_PLUS_AS_SPACE: Final = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?)"
    r" ([0-9]{2}:[0-9]{2})"
)
PLUS_HINT: Final = "in a URL query, '+' must be URL-encoded as %2B"
_MAX_ECHOED_CHARS: Final = 60


def _echo(value: str) -> str:
    return repr(value if len(value) <= _MAX_ECHOED_CHARS else value[:_MAX_ECHOED_CHARS] + "…")


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A moment in time, held in UTC."""

    moment: datetime

    @classmethod
    def parse(cls, value: object, *, field: str, plus_as_space: bool = False) -> Timestamp:
        if isinstance(value, Timestamp):
            return value
        if isinstance(value, datetime):
            return cls._in_range(value, field=field, shown=None)
        if isinstance(value, date):
            raise InvalidValue(
                f"{field}: give a date-time with its offset ({DATE_TIME_FORM}), not a date",
                field=field,
            )
        if not isinstance(value, str):
            raise InvalidValue(f"{field}: give {DATE_TIME_FORM}, as text", field=field)
        text = value
        if plus_as_space:
            repaired = _PLUS_AS_SPACE.fullmatch(text)
            if repaired is not None:
                text = f"{repaired.group(1)}+{repaired.group(2)}"
        match = _DATE_TIME_TEXT.fullmatch(text)
        if match is None:
            hint = f" ({PLUS_HINT})" if plus_as_space and " " in value else ""
            raise InvalidValue(
                f"{field}: {_echo(value)} is not {DATE_TIME_FORM}{hint}", field=field
            )
        if match["utc"] is None and match["sign"] is None:
            raise InvalidValue(
                f"{field}: {_echo(value)} has no UTC offset; give {DATE_TIME_FORM} or …Z",
                field=field,
            )
        if match["second"] == "60":
            raise InvalidValue(
                f"{field}: a leap second (:60) cannot be recorded; give :59", field=field
            )
        try:
            offset = timedelta(0)
            if match["sign"] is not None:
                hours, minutes = int(match["offset_hours"]), int(match["offset_minutes"])
                if hours > 23 or minutes > 59:
                    raise ValueError("offset")
                offset = timedelta(hours=hours, minutes=minutes)
                if match["sign"] == "-":
                    offset = -offset
            fraction = (match["fraction"] or "").ljust(6, "0")[:6]
            local = datetime(
                int(match["year"]),
                int(match["month"]),
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"]),
                int(fraction),
                tzinfo=timezone(offset),
            )
        except ValueError:
            raise InvalidValue(
                f"{field}: {_echo(value)} is not a moment of the calendar ({DATE_TIME_FORM};"
                " offsets up to ±23:59)",
                field=field,
            ) from None
        return cls._in_range(local, field=field, shown=value)

    @classmethod
    def _in_range(cls, local: datetime, *, field: str, shown: str | None) -> Timestamp:
        offset = local.utcoffset() if local.tzinfo is not None else None
        if offset is None:
            raise InvalidValue(
                f"{field}: needs a UTC offset (RFC 3339), e.g. +01:00 or Z", field=field
            )
        # Compared in local time: converting first is what overflows at the calendar's ends.
        naive_local = local.replace(tzinfo=None)
        too_early = naive_local < EARLIEST_MOMENT.replace(tzinfo=None) + offset
        too_late = naive_local > LATEST_MOMENT.replace(tzinfo=None) + offset
        if too_early or too_late:
            text = shown if shown is not None else local.isoformat()
            raise InvalidValue(
                f"{field}: {_echo(text)} lies outside the moments this service records"
                " (0001-01-02T00:00:00Z to 9999-12-30T23:59:59Z, so that the moment has a"
                " calendar date in every time zone)",
                field=field,
            )
        return cls(local.astimezone(UTC))

    def __str__(self) -> str:
        return self.moment.isoformat()


def parse_timestamp(value: object, *, field: str, plus_as_space: bool = False) -> datetime:
    """The UTC moment of `Timestamp.parse`, as events and state hold it."""
    return Timestamp.parse(value, field=field, plus_as_space=plus_as_space).moment


def aware_utc(value: object, *, field: str) -> datetime:
    return parse_timestamp(value, field=field)


def not_in_future(value: object, *, field: str, now: datetime | None = None) -> datetime:
    moment = aware_utc(value, field=field)
    if moment > (now or utc_now()) + ALLOWED_CLOCK_SKEW:
        raise InvalidValue(
            f"{field}: cannot lie in the future of its recording", field=field,
            rule="dated_in_future",
        )
    return moment


def stockholm_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def utc_now() -> datetime:
    """The recording moment of the injectable clock (domain.clock), not the machine's own."""
    return clock.now()
