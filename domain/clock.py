"""Where events take their timestamp (transaction time) from, and why it never goes back.

As-of reads search an aggregate's events by timestamp, so within one aggregate the timestamps
must not decrease. They come from the clock of whichever host saved the event, and hosts' clocks
drift apart (or NTP steps one back): an event is therefore stamped with the clock's time or, if
that is earlier, a microsecond after the aggregate's previous event.

The clock is the caller's to choose (the application sets it for each command from its
settings, so tests and deployments can skew it); without one, the system clock in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

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
