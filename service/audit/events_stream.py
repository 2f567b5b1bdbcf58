"""The raw event stream for auditors: stored events after a log position, in log order.

Platform auditors read the whole log; a tenant auditor reads the events of its own municipality —
those whose audit `tenant` (owner) or `actor_municipality` (who acted) is that municipality.

Unfiltered pages come straight from the log.  Filtered pages use the `audit_index` projection
(table ``audit_municipality_events``: one row per municipality concerned and position), so a page
is one index range scan however large the store; events the projection has not reached yet are
found by decoding the unindexed tail, at most `TAIL_SCAN` of them per page, so a lagging (or not
yet deployed) projection makes pages slower, never incomplete.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from domain.errors import InvalidValue
from eventstore.eventlog import EventLog, PositionedEvent
from eventstore.schema import SCHEMA_LOCK_KEY
from eventstore.sql import Cursor, SqlStore
from service.audit.access import Redactions
from service.audit.state import json_safe
from service.errors import Forbidden
from service.ledger.ledger import Ledger
from service.ledger.tables import table_exists
from service.principal import Principal

if TYPE_CHECKING:
    from projections.base import ProjectedEvent

INDEX = "audit_municipality_events"
MAX_LIMIT = 1000
TAIL_SCAN = 5000
# Tools catching the index up wait for saves in flight; a page waits only briefly, and a save
# still open then shows on a later page.
SAFE_HEAD_WAIT_S = 5.0
PAGE_SAFE_HEAD_WAIT_S = 0.5
_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic", "audit")


def index_ddl(suffix: str = "") -> list[str]:
    table = INDEX + suffix
    return [
        f"""CREATE TABLE IF NOT EXISTS {table} (
            municipality TEXT NOT NULL,
            position BIGINT NOT NULL,
            PRIMARY KEY (municipality, position)
        )""",
        f"CREATE INDEX IF NOT EXISTS {table}_by_position ON {table} (position)",
    ]


def create_index_tables(cursor: Cursor, suffix: str = "") -> None:
    """Creates the table with its index, or nothing: after a rebuild swap the table keeps the
    index it was built with, which must not be created a second time under the base name."""
    # Cursor has no public accessor for its dialect yet (projections.db reads it the same way).
    store = getattr(cursor, "_store", None)
    postgres = bool(getattr(store, "is_postgres", False))
    if not table_exists(cursor, INDEX + suffix, postgres=postgres):
        for statement in index_ddl(suffix):
            cursor.execute(statement)


def municipalities_concerned(audit: dict[str, Any] | None) -> list[str]:
    """The municipalities an event belongs to for auditing; "" if none (kept so that the
    index's highest position always tells how far it has read)."""
    audit = audit or {}
    found = [m for m in (audit.get("tenant"), audit.get("actor_municipality")) if m]
    return sorted(set(found)) or [""]


class AuditIndexProjection:
    """Which municipality each event concerns, by position (see the module docstring)."""

    name = "audit_index"

    def table_names(self) -> Sequence[str]:
        return (INDEX,)

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        create_index_tables(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.insert(cursor, [(event.position, event.audit) for event in events], suffix)

    @staticmethod
    def insert(
        cursor: Cursor, items: Sequence[tuple[int, dict[str, Any] | None]], suffix: str = ""
    ) -> None:
        rows = [(m, position) for position, audit in items for m in municipalities_concerned(audit)]
        if rows:
            cursor.executemany(
                f"INSERT INTO {INDEX}{suffix} (municipality, position) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                rows,
            )


@dataclass(frozen=True)
class StreamEvent:
    position: int
    leaf_index: int | None
    originator_id: str
    originator_version: int
    topic: str
    recorded_at: str
    audit: dict[str, Any]
    data: dict[str, Any]
    state: str | None  # the stored bytes, base64: what the ledger leaf hashes (None if redacted)
    redacted: bool = False

    def to_json(self) -> dict[str, Any]:
        body = dict(vars(self))
        body["type"] = self.topic.rsplit(".", 1)[-1]
        return body


@dataclass(frozen=True)
class EventPage:
    events: list[StreamEvent]
    next_after: int  # pass as `after` for the next page
    reflects_position: int  # the log position this page has looked up to
    more: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "events": [e.to_json() for e in self.events],
            "next_after": self.next_after,
            "reflects_position": self.reflects_position,
            "more": self.more,
        }


_STREAMS: WeakKeyDictionary[Any, EventStream] = WeakKeyDictionary()


class EventStream:
    def __init__(self, app: Any, *, ledger: Ledger | None = None):
        self.app = app
        self.store = SqlStore(app.recorder)
        self.log = EventLog(app.recorder, self.store)
        self.ledger = ledger or Ledger.of(app)
        self._ready = False

    @classmethod
    def of(cls, app: Any) -> EventStream:
        """One per application, so the index table is checked once, not on every request."""
        stream = _STREAMS.get(app)
        if stream is None:
            stream = _STREAMS[app] = cls(app)
        return stream

    def ensure_tables(self) -> None:
        if not self._ready:
            with self.store.transaction() as cursor:
                if self.store.is_postgres:
                    cursor.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK_KEY,))
                create_index_tables(cursor)
            self._ready = True

    def catch_up(self, *, batch_size: int = 1000) -> int:
        """Indexes the events the projection has not reached (for tools and tests; the
        projection runner normally does this).  Idempotent."""
        self.ensure_tables()
        done = 0
        upto = self.log.safe_position(wait_s=SAFE_HEAD_WAIT_S)
        while True:
            after = self.indexed_upto()
            batch = self.log.notifications(after, batch_size, upto=upto)
            if not batch:
                return done
            items = [
                (n.id, getattr(self.app.mapper.to_domain_event(n), "audit", None)) for n in batch
            ]
            with self.store.transaction() as cursor:
                AuditIndexProjection.insert(cursor, items)
            done += len(batch)

    def _safe(self) -> int:
        """A page never reaches past the safe head: its `next_after` would step over a save
        still in flight, and the client would never see that event."""
        return self.log.safe_position(wait_s=PAGE_SAFE_HEAD_WAIT_S)

    def indexed_upto(self) -> int:
        self.ensure_tables()
        with self.store.reading() as cursor:
            row = cursor.execute(f"SELECT MAX(position) AS p FROM {INDEX}").fetchone()
        return int(row["p"]) if row and row["p"] is not None else 0

    def page(
        self,
        principal: Principal,
        *,
        after: int = 0,
        limit: int = 100,
        municipality: str | None = None,
    ) -> EventPage:
        if not principal.has_role("auditor"):
            raise Forbidden("the event stream is for auditors")
        if principal.municipality is not None:
            if municipality not in (None, principal.municipality):
                raise Forbidden("a municipality's auditor reads its own municipality's events")
            municipality = principal.municipality
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise InvalidValue("after: a log position from 0", field="after")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidValue(f"limit: from 1 to {MAX_LIMIT}", field="limit")
        if municipality is None:
            batch = self.log.notifications(after, limit + 1, upto=self._safe())
            events = [PositionedEvent.of(n) for n in batch[:limit]]
            upto = events[-1].position if events else after
            return self._page(principal, events, upto, more=len(batch) > limit, after=after)
        return self._filtered(principal, municipality, after, limit)

    def _filtered(
        self, principal: Principal, municipality: str, after: int, limit: int
    ) -> EventPage:
        indexed = self.indexed_upto()
        positions: list[int] = []
        if after < indexed:
            with self.store.reading() as cursor:
                rows = cursor.execute(
                    f"SELECT position FROM {INDEX} WHERE municipality = ? AND position > ?"
                    " AND position <= ? ORDER BY position LIMIT ?",
                    (municipality, after, indexed, limit + 1),
                ).fetchall()
            positions = [int(r["position"]) for r in rows]
        if len(positions) > limit:
            events = self.log.by_positions(positions[:limit])
            return self._page(principal, events, positions[limit - 1], more=True, after=after)
        events = self.log.by_positions(positions)
        upto = max(after, indexed)
        more = False
        scanned = 0
        safe = self._safe()
        while len(events) < limit and scanned < TAIL_SCAN:
            batch = self.log.notifications(upto, min(1000, TAIL_SCAN - scanned), upto=safe)
            if not batch:
                break
            for n in batch:
                scanned += 1
                upto = n.id
                audit = getattr(self.app.mapper.to_domain_event(n), "audit", None)
                if municipality in municipalities_concerned(audit):
                    events.append(PositionedEvent.of(n))
                    if len(events) == limit:
                        break
        if len(events) == limit or scanned >= TAIL_SCAN:
            more = upto < self.log.max_position()
        return self._page(principal, events, upto, more=more, after=after)

    def _page(
        self,
        principal: Principal,
        events: Sequence[PositionedEvent],
        upto: int,
        *,
        more: bool,
        after: int,
    ) -> EventPage:
        leaves = self.ledger.leaf_indexes_of([e.position for e in events])
        redactions = Redactions(self.app, principal)
        out = []
        for stored in events:
            event = self.app.mapper.to_domain_event(stored.stored())
            audit = getattr(event, "audit", None) or {}
            redaction = redactions.of_topic(
                stored.topic, str(stored.originator_id), audit.get("tenant")
            )
            data, redacted = redaction.event_data(
                stored.topic.rsplit(".", 1)[-1],
                {k: json_safe(v) for k, v in vars(event).items() if k not in _ENVELOPE},
            )
            if redaction.hides_actor_of(stored.topic.rsplit(".", 1)[-1]):
                audit = {k: audit.get(k) for k in ("tenant", "actor_municipality")}
            out.append(
                StreamEvent(
                    position=stored.position,
                    leaf_index=leaves.get(stored.position),
                    originator_id=str(stored.originator_id),
                    originator_version=stored.originator_version,
                    topic=stored.topic,
                    recorded_at=event.timestamp.isoformat(),
                    audit=json_safe(audit),
                    data=data,
                    # The stored bytes say everything: withheld with any part of the event.
                    state=None if redacted else base64.b64encode(stored.state).decode("ascii"),
                    redacted=redacted,
                )
            )
        return EventPage(
            out, next_after=max(upto, after), reflects_position=max(upto, after), more=more
        )


def events_after(
    app: Any,
    principal: Principal,
    *,
    after: int = 0,
    limit: int = 100,
    municipality: str | None = None,
) -> EventPage:
    """A page of stored events after log position `after` (see the module docstring)."""
    return EventStream.of(app).page(principal, after=after, limit=limit, municipality=municipality)
