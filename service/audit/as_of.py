"""Past states: an aggregate as of a version, or as of a moment in transaction time.

"As of T" means what the record showed at T: the state after the last event whose own timestamp
(the moment it was recorded) is at or before T.  That version is found among the aggregate's own
events, read through the (id, version) primary key: the newest `TAIL` of them in one query — for
most aggregates, all of them — searched in memory, and for a moment older than those a binary
search with one point read per step, so the cost never depends on the size of the store.
Snapshots are never consulted for the search: a snapshot's timestamp is when it was *taken*, not
when its state was recorded, so searching them would answer with a state the record did not yet
show.  Snapshots are used only afterwards, to build the version found, where they are exact.

The search and the build share one `SqlStore.reading()`: on a networked database each read
costs round trips of its own (taking and checking a connection) besides its queries, which
dominated when every step had its own.  The version found is built from the rows the search
already read.  All these rows are immutable once written, so nothing is lost when the
statements do not share one database snapshot.

The search relies on one aggregate's event timestamps not decreasing with its version; each event
is created after its predecessor was loaded, so they only could if hosts' clocks disagreed.

An answer is immutable — it may carry a strong ETag and ``Cache-Control: immutable`` — once its
moment is safely in the past: an event is stamped before its transaction commits, so a moment
closer to now than `SETTLE_TIME` could still gain an event.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.values.timestamps import aware_utc
from eventstore.eventlog import EventLog, PositionedEvent
from eventstore.repository import replay
from eventstore.sql import Cursor, SqlStore
from service.audit.access import load_current, require_auditor
from service.audit.state import state_document
from service.errors import NotFound
from service.principal import Principal
from service.redaction import Redaction, redaction_for

SETTLE_TIME = timedelta(minutes=5)
IMMUTABLE_CACHE_CONTROL = "private, max-age=31536000, immutable"
MUTABLE_CACHE_CONTROL = "private, no-cache"
# Events read in the search's first query: aggregates have tens of events, so this is usually
# all of them, and the rest of an as-of needs no further query.
TAIL = 64


class NotYetExisting(NotFound):
    """The aggregate was created after the asked moment."""

    rule = "not_yet_existing"


@dataclass(frozen=True)
class PastState:
    aggregate: Any
    version: int
    recorded_at: datetime  # when this version was recorded
    as_of: datetime | None  # the moment asked for, if any
    immutable: bool
    redaction: Redaction  # what of it the caller may not see (judged on the current state)

    @property
    def etag(self) -> str:
        """Strong: the same (aggregate, version, redaction) always has the same bytes."""
        kind = type(self.aggregate).__name__.lower()
        tag = self.redaction.tag
        variant = f"-{tag}" if tag else ""
        return f'"{kind}-{self.aggregate.id}-v{self.version}{variant}"'

    @property
    def cache_control(self) -> str:
        return IMMUTABLE_CACHE_CONTROL if self.immutable else MUTABLE_CACHE_CONTROL

    def document(self) -> dict[str, Any]:
        body = state_document(self.aggregate)
        body["state"] = self.redaction.state(body["state"])
        body["as_of"] = None if self.as_of is None else self.as_of.isoformat()
        return body


class _Reader:
    """One aggregate's events and snapshots, read through one cursor for the whole search and
    build, instead of a read of the store per step.  Rows already read are kept, so the build
    replays the events the search fetched; events are decoded only when looked at."""

    def __init__(self, app: Any, log: EventLog, cursor: Cursor, aggregate_id: UUID):
        self.app = app
        self.log = log
        self.cursor = cursor
        self.aggregate_id = aggregate_id
        self.rows: dict[int, PositionedEvent] = {}
        self.events: dict[int, Any] = {}

    def fetch(
        self, *, gt: int | None = None, lte: int | None = None, limit: int | None = None
    ) -> list[int]:
        """Versions read (newest first when limited), through the (id, version) primary key."""
        found = self.log.events_of(
            self.aggregate_id,
            gt=gt,
            lte=lte,
            desc=limit is not None,
            limit=limit,
            cursor=self.cursor,
        )
        for row in found:
            self.rows[row.originator_version] = row
        return [row.originator_version for row in found]

    def event(self, version: int) -> Any:
        event = self.events.get(version)
        if event is None:
            row = self.rows.get(version)
            if row is None:
                self.fetch(gt=version - 1, lte=version)
                row = self.rows.get(version)
            if row is None:  # the versions of an aggregate are contiguous: a broken store
                raise NotFound(
                    f"version {version} of {self.aggregate_id} is missing from the store"
                )
            event = self.app.mapper.to_domain_event(row.stored())
            self.events[version] = event
        return event

    def timestamp(self, version: int) -> datetime:
        stamp: datetime = self.event(version).timestamp
        return stamp

    def version_at(self, moment: datetime, upto: int | None = None) -> int | None:
        """The last version (at most `upto`) recorded at or before `moment`, or None.

        The newest `TAIL` events come in one query, which for most aggregates is all of them;
        a moment older than those is binary-searched with one point read per step."""
        tail = self.fetch(lte=upto, limit=TAIL)
        if not tail:
            return None
        high, oldest = tail[0], tail[-1]
        if self.timestamp(high) <= moment:
            return high
        if self.timestamp(oldest) <= moment:
            low = oldest
        elif oldest == 1 or self.timestamp(1) > moment:
            return None
        else:
            low, high = 1, oldest
        # invariant: timestamp(low) <= moment < timestamp(high)
        while high - low > 1:
            middle = (low + high) // 2
            if self.timestamp(middle) <= moment:
                low = middle
            else:
                high = middle
        return low

    def aggregate_at(self, version: int, interval: int | None) -> Any:
        """The aggregate at `version`, as the repository would build it, from the rows in hand
        where they suffice.  Below the snapshot interval no snapshot is looked for: none is
        taken there, and a replay from version 1 is exact whatever the snapshot store holds."""
        snapshot = None
        if interval is not None and version >= interval:
            snapshot = self._snapshot_at(version)
        first = 1 if snapshot is None else snapshot.originator_version + 1
        missing = [v for v in range(first, version + 1) if v not in self.rows]
        if missing:
            self.fetch(gt=missing[0] - 1, lte=missing[-1])
        aggregate = replay(
            None if snapshot is None else snapshot.mutate(None),
            (self.event(v) for v in range(first, version + 1)),
        )
        if aggregate is None or aggregate.version != version:
            raise NotFound(f"version {version} of {self.aggregate_id} is missing from the store")
        return aggregate

    def _snapshot_at(self, version: int) -> Any:
        """The newest snapshot at or before `version`: exact for it, whenever it was taken."""
        snapshots = self.app.snapshots
        if snapshots is None:
            return None
        stored = self.log.snapshot_at(
            self.cursor, snapshots.recorder, self.aggregate_id, version
        )
        return None if stored is None else snapshots.mapper.to_domain_event(stored)


@contextmanager
def _reading(app: Any, aggregate_id: UUID) -> Iterator[_Reader]:
    log = EventLog(app.recorder, SqlStore(app.recorder))
    with log.store.reading() as cursor:
        yield _Reader(app, log, cursor, aggregate_id)


def version_as_of(app: Any, aggregate_id: UUID, as_of: datetime) -> int | None:
    """The last version recorded at or before `as_of`; None if the aggregate did not exist yet."""
    moment = aware_utc(as_of, field="as_of")
    with _reading(app, aggregate_id) as reader:
        return reader.version_at(moment)


def _interval(app: Any, aggregate: Any) -> int | None:
    intervals = getattr(app, "snapshotting_intervals", None) or {}
    interval = intervals.get(type(aggregate))
    return interval if isinstance(interval, int) and interval > 0 else None


def _past(principal: Principal, current: Any, aggregate: Any, as_of: datetime | None) -> PastState:
    now = datetime.now(UTC)
    settled = as_of is None or as_of <= now - SETTLE_TIME
    return PastState(
        aggregate=aggregate,
        version=aggregate.version,
        recorded_at=aggregate.modified_on,
        as_of=as_of,
        immutable=settled,
        redaction=redaction_for(principal, current),
    )


def state_at_version(
    app: Any, principal: Principal, kind: str, object_id: str, version: int
) -> PastState:
    """A need, procurement or municipality (by slug) as it was at `version`."""
    require_auditor(principal)
    current = load_current(app, principal, kind, object_id)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise NotFound(f"{object_id} has no version {version}")
    if version > current.version:
        raise NotFound(f"{object_id} has no version {version} (yet)")
    if version == current.version:
        return _past(principal, current, current, None)
    with _reading(app, current.id) as reader:
        aggregate = reader.aggregate_at(version, _interval(app, current))
    return _past(principal, current, aggregate, None)


def state_as_of(
    app: Any, principal: Principal, kind: str, object_id: str, as_of: datetime
) -> PastState:
    """A need, procurement or municipality as the record showed it at `as_of`."""
    require_auditor(principal)
    moment = aware_utc(as_of, field="as_of")
    current = load_current(app, principal, kind, object_id)
    # The current aggregate, just read from the store, already bounds the answer: its creation
    # and last change are the timestamps of its first and last events.  An event recorded
    # since it was read could only move an unsettled moment's answer, which is not immutable.
    if moment < current.created_on:
        raise NotYetExisting(f"{object_id} did not exist yet at {moment.isoformat()}")
    if moment >= current.modified_on:
        return _past(principal, current, current, moment)
    with _reading(app, current.id) as reader:
        version = reader.version_at(moment, upto=current.version - 1)
        if version is None:  # only if the store disagrees with the aggregate just loaded
            raise NotYetExisting(f"{object_id} did not exist yet at {moment.isoformat()}")
        aggregate = reader.aggregate_at(version, _interval(app, current))
    return _past(principal, current, aggregate, moment)
