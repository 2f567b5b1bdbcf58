"""Follows the application's notification log and applies it to one projection, exactly once.

Each batch is read and then applied in one transaction that first moves the tracking
row by compare-and-set (expected position -> new position) and then writes the projection's rows.
A crash anywhere rolls the whole batch back, and a second applier finds the position moved and
re-reads it: so every event is applied once, whoever applies it, however often processes die.
A runner following the log keeps a batch with no event of its projection to itself for a moment
(EMPTY_ADVANCE_DELAY_S) and commits that advance with its next rows: a log busy with other
topics does not cost every view a write per batch.

Positions are notification ids. PostgreSQL's can have gaps (a rolled-back insert consumes ids),
so the runner never counts: it asks for "the next events after my position, up to the safe
head", the highest position below which no event can still become visible
(eventstore/log_head.py). It does not rely on how the library inserts events (with or
without its table lock): a save held open below a later, committed one holds the safe head
back until it ends.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification

from eventstore.log import StoredRow, select_stored
from eventstore.log_head import LogHead
from eventstore.sql import Cursor, SqlStore
from projections import tracking
from projections.base import ProjectedEvent, Projection
from projections.db import serialise_ddl, table_exists
from projections.lease import Lease, LeaseLost, acquire, lease_for

log = logging.getLogger(__name__)

# How often a runner looks again while a save in flight holds the safe head back.
PENDING_POLL_MAX_S = 0.05
# How long a following runner may keep to itself that it read past its stored position and
# found nothing of its projection there, so a busy log of other topics costs it one write now
# and then instead of one per batch. Clearly below the time a `?position=` read waits for the
# runner before applying batches itself (service/api/views.RUNNER_GRACE_S, 0.25 s): such a
# read of a view no command touched still finds the runner there first. Views' status and lag
# (/readyz, `projections status`) trail the log by at most this much more.
EMPTY_ADVANCE_DELAY_S = 0.1
# How long a runner following a PostgreSQL log waits after catching up before it looks again.
# There every commit's NOTIFY wakes every runner at once, and each wake costs a view several
# round trips (lease, safe head, batch, tracking row): one wake per save took as much CPU as
# the service answering the requests (the mixed load's maximum rate 452–551 req/s; with this
# wait, 693–1,016). Views trail the log by this much more, far below the time a `?position=`
# read waits for the runner (service/api/views.RUNNER_GRACE_S, 0.25 s). SQLite's runners poll
# instead, and larger batches there hold the single write lock longer: none.
POSTGRES_FOLLOW_INTERVAL_S = 0.02

_ENVELOPE = ("originator_id", "originator_version", "originator_topic")
_DECODED = ("recorded_at", "audit", "data")


class _DecodedOnDemand(ProjectedEvent):
    """A ProjectedEvent whose state (recorded_at, audit, data) is decoded when first read, and
    when read from stored rows (`read_batch`), whose originator id and stored form are made
    when first read too.

    The position, topic, version and the id as text (`aggregate_id`) come with the row, so a
    projection that needs only those for some events (the tenant index moving a version) pays
    neither for decoding them nor for the UUID and the Notification the library makes of
    every row.
    """

    _mapper: Mapper[Any]

    @cached_property
    def aggregate_id(self) -> str:
        # Set at once when the id came as text; a cached_property (not the base's property)
        # so that the value set in the instance is the one read.
        return str(self.originator_id)

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not set yet: the three decoded fields, and for events
        # read as rows the originator id and the stored form.
        if name == "originator_id":
            self.__dict__["originator_id"] = self._as_id(self.__dict__["aggregate_id"])
            return self.__dict__["originator_id"]
        if name == "notification":
            self.__dict__["notification"] = Notification(
                id=self.position,
                originator_id=self.originator_id,
                originator_version=self.originator_version,
                topic=self.topic,
                state=self._state,
            )
            return self.__dict__["notification"]
        if name not in _DECODED:
            raise AttributeError(name)
        event = self._mapper.to_domain_event(self.notification)
        # The mapper builds the event around a fresh dict of its state; taking that dict
        # over (instead of copying it) is safe because the event object is dropped here.
        data = vars(event)
        recorded_at = data.pop("timestamp")
        audit = data.pop("audit", None) or {}
        for key in _ENVELOPE:
            data.pop(key, None)
        self.__dict__.update(recorded_at=recorded_at, audit=audit, data=data)
        return self.__dict__[name]


def decode(mapper: Mapper[Any], notification: Notification) -> ProjectedEvent:
    """A stored event as projections see it (upcast to the current class version when its
    state is first read)."""
    event = object.__new__(_DecodedOnDemand)
    # Frozen dataclass: fields are set the way its generated __init__ sets them.
    event.__dict__.update(
        position=notification.id,
        topic=notification.topic,
        originator_id=notification.originator_id,
        originator_version=notification.originator_version,
        notification=notification,
        _mapper=mapper,
    )
    return event


def _uuid_text(stored: str) -> str:
    """A stored UUID as `str(UUID)` writes it: SQLite keeps `UUID.hex` (32 lowercase hex
    digits), PostgreSQL's cast gives the canonical form already."""
    if len(stored) == 32:
        return f"{stored[:8]}-{stored[8:12]}-{stored[12:16]}-{stored[16:20]}-{stored[20:]}"
    return stored if len(stored) == 36 else str(UUID(stored))


def _text_ids(recorder: ApplicationRecorder) -> tuple[Callable[[str], str], Callable[[str], Any]]:
    """How a stored id becomes the id as text and the originator id, as the library makes it
    (a UUID unless the store keeps text ids)."""
    datastore = getattr(recorder, "datastore", None)
    if getattr(datastore, "originator_id_type", "uuid") == "uuid":
        return _uuid_text, UUID
    return str, str


def decode_rows(mapper: Mapper[Any], recorder: ApplicationRecorder,
                 rows: Sequence[StoredRow]) -> list[ProjectedEvent]:
    as_text, as_id = _text_ids(recorder)
    events: list[ProjectedEvent] = []
    new = object.__new__
    for position, originator_id, version, topic, state in rows:
        event = new(_DecodedOnDemand)
        event.__dict__.update(
            position=position,
            topic=topic,
            aggregate_id=as_text(originator_id),
            originator_version=version,
            _state=state,
            _as_id=as_id,
            _mapper=mapper,
        )
        events.append(event)
    return events


def read_batch(
    app: Application[Any],
    source: SqlStore | Cursor,
    position: int,
    target: int,
    batch_size: int,
    topics: Sequence[str],
) -> tuple[int, list[ProjectedEvent]]:
    """The events after `position` up to `target` (at most `batch_size`, of `topics` if any),
    decoded on demand, and the position they bring a reader to. Read from the store, or on
    the cursor of a transaction being held (`eventstore.log`)."""
    rows = select_stored(source, app.recorder, after=position, upto=target, limit=batch_size,
                         topics=topics)
    # A short read means nothing else up to `target` concerns this reader.
    new = rows[-1][0] if len(rows) == batch_size else target
    return new, decode_rows(app.mapper, app.recorder, rows)


def head_position(recorder: ApplicationRecorder) -> int:
    """The highest visible position (what lags are measured against; not necessarily safe to
    read up to: see `LogHead.safe`)."""
    return recorder.max_notification_id() or 0


def events_table(recorder: ApplicationRecorder) -> str:
    return str(getattr(recorder, "events_table_name"))  # noqa: B009


def ensure_tables(store: SqlStore, projection: Projection, *, suffix: str = "",
                  tracking_name: str | None = None) -> None:
    """Creates the tracking table, the projection's tables and its tracking row if missing."""
    with store.transaction() as cursor:
        serialise_ddl(cursor)
        tracking.ensure_table(cursor)
        projection.create_tables(cursor, suffix)
        tracking.ensure_row(cursor, tracking_name or projection.name + suffix)


@dataclass(frozen=True)
class BatchApplied:
    name: str
    previous: int
    position: int
    events: int
    head: int


class PositionMoved(RuntimeError):
    """Another applier committed first; re-read the position and go on from there."""


class _EmptyAdvance:
    """How far a following runner has read past its stored position without finding an event
    of its projection, and since when: an advance that moves no rows, not committed yet."""

    def __init__(self) -> None:
        self.position: int | None = None
        self.due_at = 0.0

    def extend(self, position: int) -> None:
        if self.position is None:
            self.due_at = time.monotonic() + EMPTY_ADVANCE_DELAY_S
        self.position = position

    def clear(self) -> None:
        self.position = None

    def overdue(self) -> bool:
        return self.position is not None and time.monotonic() >= self.due_at

    def wait_s(self, longest: float) -> float:
        """`longest`, or less if the advance falls due earlier."""
        if self.position is None:
            return longest
        return max(0.0, min(longest, self.due_at - time.monotonic()))


class ProjectionRunner:
    """Applies the log to one projection.

    `suffix` and `tracking_name` let the rebuild fill a second set of tables (`<base><suffix>`)
    under their own tracking row while this projection's live tables keep being followed.
    """

    def __init__(
        self,
        app: Application[Any],
        projection: Projection,
        *,
        store: SqlStore | None = None,
        batch_size: int = 500,
        suffix: str = "",
        tracking_name: str | None = None,
        on_batch: Callable[[BatchApplied], None] | None = None,
        poll_min_s: float = 0.005,
        poll_max_s: float | None = None,
        lease_retry_s: float = 0.5,
        min_batch_interval_s: float | None = None,
    ):
        if not 1 <= batch_size <= 10_000:
            raise ValueError("batch_size: from 1 to 10000")
        self.app = app
        self.projection = projection
        self.recorder: ApplicationRecorder = app.recorder
        # Its commits need not be flushed one by one: a runner re-applies what a power loss
        # undid (see SqlStore).
        self.store = store or SqlStore(self.recorder, flush_each_commit=False)
        self.batch_size = batch_size
        self.suffix = suffix
        self.name = tracking_name or projection.name + suffix
        self.on_batch = on_batch
        self.topics: Sequence[str] = tuple(getattr(projection, "topics", None) or ())
        self.poll_min_s = poll_min_s
        # PostgreSQL wakes the follower by NOTIFY, so its poll is only a safety net.
        self.poll_max_s = poll_max_s or (1.0 if self.store.is_postgres else 0.1)
        self.lease_retry_s = lease_retry_s
        # A projection whose every batch is costly whatever its size (the ledger signs a tree
        # head and commits once per batch) asks to wait this long after catching up, so a busy
        # log reaches it in larger batches instead of one transaction per save.
        self.min_batch_interval_s = (
            min_batch_interval_s
            if min_batch_interval_s is not None
            else max(
                float(getattr(projection, "min_batch_interval_s", 0.0)),
                POSTGRES_FOLLOW_INTERVAL_S if self.store.is_postgres else 0.0,
            )
        )
        self.last_head = 0
        self.log_head = LogHead(self.store, events_table(self.recorder))
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self._ready = False
        self._position: int | None = None  # the stored position, as last read or committed
        self._empty = _EmptyAdvance()  # only while following

    # Reading

    def position(self) -> int:
        """The position this projection's tables reflect (0 before anything was applied)."""
        with self.store.reading() as cursor:
            if not table_exists(cursor, tracking.TRACKING.base):
                return 0
            return tracking.read_position(cursor, self.name) or 0

    # Applying

    def setup(self) -> None:
        if not self._ready:
            ensure_tables(self.store, self.projection, suffix=self.suffix,
                          tracking_name=self.name)
            self._ready = True

    def catch_up(self, max_batches: int | None = None) -> int:
        """Applies what the log holds now (or `max_batches` batches of it), committing every
        batch; the new position."""
        self.setup()
        self.commit_empty_advance()
        return self._read_on(max_batches, defer_empty=False)

    def _read_on(self, max_batches: int | None, *, defer_empty: bool) -> int:
        """Reads and applies batches; the position reached. With `defer_empty`, a batch with
        no event of the projection is not committed but remembered (`_empty`), and the position
        reached may lie past the stored one."""
        target = self.log_head.safe()
        self.last_head = target
        position = self.reached()
        batches = 0
        while position < target and (max_batches is None or batches < max_batches):
            new, events = read_batch(self.app, self.store, position, target, self.batch_size,
                                     self.topics)
            if defer_empty and not events:
                self._empty.extend(new)
            else:
                try:
                    # From the stored position, so another applier's move is still detected.
                    self._commit(self.stored_position(), new, events)
                except PositionMoved:
                    log.info("%s: another applier moved the position; re-reading it", self.name)
                    position = self.reached()
                    continue
            position = new
            batches += 1
        return position

    def stored_position(self) -> int:
        """The position committed for this projection, as last read or committed."""
        if self._position is None:
            with self.store.reading() as cursor:
                self._position = tracking.read_position(cursor, self.name) or 0
        return self._position

    def reached(self) -> int:
        """How far this runner has read: its stored position, or past it as far as the log
        held nothing of its projection (an advance kept back, see `_EmptyAdvance`)."""
        stored = self.stored_position()
        return stored if self._empty.position is None else self._empty.position

    def forget(self) -> None:
        """Drops what this runner remembers of its position (after a failure): the next batch
        re-reads it."""
        self._position = None
        self._empty.clear()

    def _commit(self, expected: int, new: int, events: Sequence[ProjectedEvent]) -> None:
        try:
            with self.store.transaction() as cursor:
                self.apply_within(cursor, expected, new, events)
        except BaseException:
            self.forget()
            raise
        self.applied(expected, new, len(events))

    # Applying within a transaction of someone else's (projections.group): the same steps as
    # `_commit`, the transaction and what follows a failure left to the caller.

    def apply_within(
        self, cursor: Cursor, expected: int, new: int, events: Sequence[ProjectedEvent]
    ) -> None:
        """Moves the tracking row from `expected` to `new` and applies `events`, on `cursor`
        (not committed); PositionMoved if another applier moved it first."""
        if not tracking.advance(cursor, self.name, expected, new, self.holder):
            raise PositionMoved(self.name)
        if events and self.projection.apply(cursor, events, self.suffix) is not False:
            tracking.rows_changed(cursor, self.name, new)

    def applied(self, expected: int, new: int, events: int) -> None:
        """What `apply_within` wrote was committed."""
        self._position = new
        self._empty.clear()
        if self.on_batch is not None:
            self.on_batch(BatchApplied(self.name, expected, new, events, self.last_head))

    def pass_over(self, position: int) -> None:
        """The log up to `position` holds nothing of this projection: an advance kept back
        (see `_EmptyAdvance`) until it falls due or rows come to commit it with."""
        self._empty.extend(position)

    def empty_advance(self) -> int | None:
        """The position of an advance kept back, if one is due now."""
        return self._empty.position if self._empty.overdue() else None

    def empty_advance_wait_s(self, longest: float) -> float:
        return self._empty.wait_s(longest)

    def commit_empty_advance(self) -> None:
        """Commits an advance kept back, due or not."""
        if self._empty.position is None:
            return
        try:
            self._commit(self.stored_position(), self._empty.position, ())
        except PositionMoved:
            log.info("%s: another applier moved the position; re-reading it", self.name)

    # Following

    def lease(self, *, listen: bool = True) -> Lease:
        return lease_for(self.recorder, self.store.schema, self.name, listen=listen)

    def run_forever(self, stop_event: threading.Event) -> None:
        """Follows the log until `stop_event` is set, as the one active runner of this
        projection (others wait as standbys and take over when it dies)."""
        failures = 0
        while not stop_event.is_set():
            lease = self.lease()
            try:
                if not acquire(lease, stop_event, self.lease_retry_s):
                    return
                log.info("%s: following the log as %s", self.name, self.holder)
                self._follow(lease, stop_event)
                failures = 0
            except LeaseLost as exc:
                log.warning("%s: lost the lease (%s); waiting to take it again", self.name, exc)
                self.forget()
            except Exception:
                failures += 1
                log.exception("%s: applying failed; retrying", self.name)
                self.forget()
                stop_event.wait(min(30.0, 0.5 * 2 ** min(failures, 6)))
            finally:
                lease.release()

    def _follow(self, lease: Lease, stop_event: threading.Event) -> None:
        """Applies the log as it grows. Batches with no event of the projection are committed
        together with the next one that has some, or after EMPTY_ADVANCE_DELAY_S, or on
        stopping, whichever comes first."""
        self.setup()
        # Where every commit announces itself (PostgreSQL's NOTIFY), a runner that caught up
        # waits for that news and looks on its own only as a safety net, every poll_max_s;
        # elsewhere it polls, sooner after recent activity. Looking cost a view three reads
        # of the log's head for every save, and the server a pass over its lock table each.
        announced = lease.announces_commits
        pause = self.poll_min_s
        while not stop_event.is_set():
            lease.check()
            if self._empty.overdue():
                self.commit_empty_advance()
            before = self.reached()
            after = self._read_on(max_batches=1, defer_empty=True)
            if after != before:
                pause = self.poll_min_s
                if after < self.last_head:
                    continue  # more to read already
                if self.min_batch_interval_s:
                    stop_event.wait(self._empty.wait_s(self.min_batch_interval_s))
                if not announced:
                    continue
            if self.log_head.pending():
                # A save in flight holds the safe head back: look again soon (it may end
                # by a rollback, which sends no notification).
                stop_event.wait(self._empty.wait_s(pause))
                pause = min(PENDING_POLL_MAX_S, pause * 2)
            elif lease.wait_for_events(self._empty.wait_s(self.poll_max_s if announced else pause)):
                pause = self.poll_min_s
            else:
                pause = min(self.poll_max_s, pause * 2)
        try:
            self.commit_empty_advance()
        except Exception:
            # Best effort: what is lost moved no rows and is read again.
            log.warning("%s: could not commit the last advance on stopping", self.name,
                        exc_info=True)
