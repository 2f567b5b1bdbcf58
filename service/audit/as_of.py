"""Past states: an aggregate as of a version, or as of a moment in transaction time.

"As of T" means what the record showed at T: the state after the last event whose own timestamp
(the moment it was recorded) is at or before T.  That version is found with a binary search over
the aggregate's own events, reading one event per step through the (id, version) primary key —
O(log n) point reads, whatever the size of the store.  Snapshots are never consulted for the
search: a snapshot's timestamp is when it was *taken*, not when its state was recorded, so
searching them would answer with a state the record did not yet show.  Snapshots are used only
afterwards, to load the version found, where they are exact.

The search relies on one aggregate's event timestamps not decreasing with its version; each event
is created after its predecessor was loaded, so they only could if hosts' clocks disagreed.

An answer is immutable — it may carry a strong ETag and ``Cache-Control: immutable`` — once its
moment is safely in the past: an event is stamped before its transaction commits, so a moment
closer to now than `SETTLE_TIME` could still gain an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.values.timestamps import aware_utc
from service.audit.access import hides_bids, load_current, redact_state, require_auditor
from service.audit.state import state_document
from service.errors import NotFound
from service.ledger.eventlog import EventLog
from service.principal import Principal
from service.storage.sql import SqlStore

SETTLE_TIME = timedelta(minutes=5)
IMMUTABLE_CACHE_CONTROL = "private, max-age=31536000, immutable"
MUTABLE_CACHE_CONTROL = "private, no-cache"


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
    bids_hidden: bool

    @property
    def etag(self) -> str:
        """Strong: the same (aggregate, version, redaction) always has the same bytes."""
        kind = type(self.aggregate).__name__.lower()
        variant = "-r" if self.bids_hidden else ""
        return f'"{kind}-{self.aggregate.id}-v{self.version}{variant}"'

    @property
    def cache_control(self) -> str:
        return IMMUTABLE_CACHE_CONTROL if self.immutable else MUTABLE_CACHE_CONTROL

    def document(self) -> dict[str, Any]:
        body = state_document(self.aggregate)
        if self.bids_hidden:
            body["state"] = redact_state(body["state"])
        body["as_of"] = None if self.as_of is None else self.as_of.isoformat()
        return body


def _timestamp_of(app: Any, log: EventLog, aggregate_id: UUID, version: int) -> datetime:
    event = log.event_at(aggregate_id, version)
    if event is None:  # the versions of an aggregate are contiguous, so this is a broken store
        raise NotFound(f"version {version} of {aggregate_id} is missing from the store")
    return app.mapper.to_domain_event(event.stored()).timestamp


def version_as_of(app: Any, aggregate_id: UUID, as_of: datetime) -> int | None:
    """The last version recorded at or before `as_of`; None if the aggregate did not exist yet."""
    moment = aware_utc(as_of, field="as_of")
    log = EventLog(app.recorder, SqlStore(app.recorder))
    latest = log.events_of(aggregate_id, desc=True, limit=1)
    if not latest:
        return None
    high = latest[0].originator_version
    if app.mapper.to_domain_event(latest[0].stored()).timestamp <= moment:
        return high
    if _timestamp_of(app, log, aggregate_id, 1) > moment:
        return None
    low = 1  # invariant: timestamp(low) <= moment < timestamp(high)
    while high - low > 1:
        middle = (low + high) // 2
        if _timestamp_of(app, log, aggregate_id, middle) <= moment:
            low = middle
        else:
            high = middle
    return low


def _past(
    app: Any, principal: Principal, current: Any, version: int, as_of: datetime | None
) -> PastState:
    aggregate = app.repository.get(current.id, version=version)
    now = datetime.now(UTC)
    settled = as_of is None or as_of <= now - SETTLE_TIME
    return PastState(
        aggregate=aggregate,
        version=aggregate.version,
        recorded_at=aggregate.modified_on,
        as_of=as_of,
        immutable=settled,
        bids_hidden=hides_bids(principal, current),
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
    return _past(app, principal, current, version, None)


def state_as_of(
    app: Any, principal: Principal, kind: str, object_id: str, as_of: datetime
) -> PastState:
    """A need, procurement or municipality as the record showed it at `as_of`."""
    require_auditor(principal)
    moment = aware_utc(as_of, field="as_of")
    current = load_current(app, principal, kind, object_id)
    version = version_as_of(app, current.id, moment)
    if version is None:
        raise NotYetExisting(f"{object_id} did not exist yet at {moment.isoformat()}")
    return _past(app, principal, current, version, moment)
