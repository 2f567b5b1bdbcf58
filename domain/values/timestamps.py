"""Timestamps are timezone-aware and stored in UTC; legal dates are Stockholm calendar dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.errors import InvalidValue

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A decision may be registered a few minutes "early" because clocks of clients drift.
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)


def aware_utc(value: datetime, *, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidValue(f"{field}: must be a date-time", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidValue(f"{field}: needs a UTC offset (RFC 3339)", field=field)
    return value.astimezone(UTC)


def not_in_future(value: datetime, *, field: str, now: datetime | None = None) -> datetime:
    moment = aware_utc(value, field=field)
    if moment > (now or datetime.now(UTC)) + ALLOWED_CLOCK_SKEW:
        raise InvalidValue(f"{field}: cannot lie in the future", field=field)
    return moment


def stockholm_date(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def utc_now() -> datetime:
    return datetime.now(UTC)
