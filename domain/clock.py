"""Where events take their timestamp (transaction time) from, and why it never goes back.

As-of reads search an aggregate's events by timestamp, so within one aggregate the timestamps
must not decrease. They come from the clock of whichever host saved the event, and hosts' clocks
drift apart (or NTP steps one back): an event is therefore stamped with the clock's time or, if
that is earlier, a microsecond after the aggregate's previous event.

The clock is the caller's to choose (the application sets it for each command from its
settings, so tests and deployments can skew it); without one, the system clock in UTC. The same
clock is the moment of recording the valid-time rules compare with: nothing is dated after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]
STOCKHOLM = ZoneInfo("Europe/Stockholm")

# Keeps the versions of one aggregate in a strict order of time.
TICK = timedelta(microseconds=1)


def system_clock() -> datetime:
    return datetime.now(UTC)


_clock: ContextVar[Clock] = ContextVar("innoledger_event_clock", default=system_clock)


@contextmanager
def clock_in_use(clock: Clock) -> Iterator[None]:
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def now() -> datetime:
    """The current time of the clock in use, in UTC."""
    return _clock.get()().astimezone(UTC)


def next_timestamp(previous: datetime | None) -> datetime:
    """The timestamp of an aggregate's next event: now, but never before `previous` (the
    aggregate's last event's timestamp) plus one tick."""
    moment = now()
    if previous is not None and moment <= previous:
        return previous + TICK
    return moment


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (tests put the record at any moment they need)."""
    if moment.tzinfo is None:
        raise ValueError("a clock needs a timezone-aware moment")
    return lambda: moment


def today() -> date:
    """Today's calendar date in Europe/Stockholm, where legal dates are counted: nothing may
    be dated after it (valid time never runs ahead of its recording)."""
    return now().astimezone(STOCKHOLM).date()
