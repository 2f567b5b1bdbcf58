"""History of one aggregate: every event in order, who caused it, the decision, what changed.

Read straight from the aggregate's own stored events (primary key: originator id, version), so a
page costs the same in a store of ten thousand events as in one of a million, and needs no
projection to have caught up.  What changed is an RFC 6902 JSON Patch from the public state
(service.audit.state) before the event to the state after it; the state before a page is loaded
at the page's first version minus one, which the snapshot store makes cheap for long histories.
What a page computes of each event is kept by the process (service.audit.history_memory), so a
page read again is answered without replaying its events.

Actors are shown by user id and by the people directory's current display name — "erased" once
the person has been erased; the events themselves never change.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import InvalidValue
from domain.values.timestamps import aware_utc
from eventstore.eventlog import EventLog
from eventstore.sql import SqlStore
from service.audit.access import load_current, require_auditor
from service.audit.history_memory import ComputedEntry, HistoryMemory
from service.audit.people import PeopleDirectory
from service.audit.state import json_safe, public_state
from service.audit.state_changes import EMPTY, StateTexts, changes
from service.ledger.ledger import Ledger
from service.principal import Principal
from service.redaction import Redaction, redaction_for

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# With a decided_at filter most events may not match; a page stops scanning after this many so
# one request stays cheap, and answers a cursor to go on from.
MAX_SCAN = 2000
_ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic", "audit")
_CURSOR_PREFIX = "h1:"


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    position: int  # notification id in the application log
    leaf_index: int | None  # None until the ledger has appended the event
    recorded_at: datetime  # transaction time
    topic: str
    event_type: str
    actor: dict[str, Any]
    decision: dict[str, Any] | None
    data: dict[str, Any]
    changes: list[dict[str, Any]]
    redacted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "position": self.position,
            "leaf_index": self.leaf_index,
            "recorded_at": self.recorded_at.isoformat(),
            "type": self.event_type,
            "topic": self.topic,
            "actor": self.actor,
            "decision": self.decision,
            "data": self.data,
            "changes": self.changes,
            "redacted": self.redacted,
        }


@dataclass(frozen=True)
class HistoryPage:
    aggregate_id: str
    aggregate_type: str
    current_version: int
    entries: list[HistoryEntry]
    next_cursor: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "aggregate_id": self.aggregate_id,
            "aggregate_type": self.aggregate_type,
            "current_version": self.current_version,
            "entries": [entry.to_json() for entry in self.entries],
            "next_cursor": self.next_cursor,
        }


def encode_cursor(version: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{version}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The version a page continues after; 0 for the first page."""
    if cursor is None or cursor == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        version = int(text[len(_CURSOR_PREFIX) :])
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidValue("cursor: not a cursor this history gave out", field="cursor") from None
    if version < 0:
        raise InvalidValue("cursor: not a cursor this history gave out", field="cursor")
    return version


def _decided_at(event: Any) -> datetime | None:
    decision = getattr(event, "decision", None)
    if isinstance(decision, dict) and isinstance(decision.get("decided_at"), datetime):
        return decision["decided_at"]
    return None


def _payload(event: Any) -> dict[str, Any]:
    return {
        k: json_safe(v) for k, v in vars(event).items() if k not in _ENVELOPE and k != "decision"
    }


def _name_key(audit: dict[str, Any]) -> str:
    """The people directory's key of an actor: the entry of the municipality they acted for."""
    return f"{audit.get('actor_municipality') or ''}/{audit.get('actor')}"


class HistoryReader:
    """History pages of one application's aggregates."""

    def __init__(
        self,
        app: Any,
        *,
        people: PeopleDirectory | None = None,
        ledger: Ledger | None = None,
        remember: bool = True,
    ):
        """`remember=False` computes every page anew (what a page costs the first time)."""
        self.app = app
        self.log = EventLog(app.recorder, SqlStore(app.recorder))
        self.people = people or PeopleDirectory.of(app)
        self.ledger = ledger or Ledger.of(app)
        self.memory = HistoryMemory.of(app) if remember else None

    def page(
        self,
        principal: Principal,
        kind: str,
        object_id: str,
        *,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
        decided_from: datetime | None = None,
        decided_to: datetime | None = None,
    ) -> HistoryPage:
        """One page of history, oldest first.

        `decided_from` / `decided_to` (inclusive) keep only decisions taken in that valid-time
        range; without them every event is listed.
        """
        current = load_current(self.app, principal, kind, object_id)  # 404 before any 403
        require_auditor(principal)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidValue(f"limit: from 1 to {MAX_LIMIT}", field="limit")
        low = None if decided_from is None else aware_utc(decided_from, field="decided_from")
        high = None if decided_to is None else aware_utc(decided_to, field="decided_to")
        filtering = low is not None or high is not None
        after = decode_cursor(cursor)
        # What changed is computed between the states this caller may see, so a withheld field
        # (bids, members) never shows up in a patch.
        redaction = redaction_for(principal, current)
        known = None
        if not filtering and self.memory is not None:
            known = self.memory.recall(
                current.id,
                range(after + 1, min(after + limit, current.version) + 1),
                redaction.tag,
            )
        if known:
            picked, last = known, known[-1].version
            more = last < self._latest_version(current.id, current.version)
        else:
            picked, last, exhausted = self._computed(current, after, limit, redaction, low, high)
            more = not exhausted and last < self._latest_version(current.id, current.version)
        return HistoryPage(
            aggregate_id=str(current.id),
            aggregate_type=type(current).__name__,
            current_version=current.version,
            entries=self._entries(current.id, picked, redaction),
            next_cursor=encode_cursor(last) if more else None,
        )

    def _computed(
        self,
        current: Any,
        after: int,
        limit: int,
        redaction: Redaction,
        low: datetime | None,
        high: datetime | None,
    ) -> tuple[list[ComputedEntry], int, bool]:
        """The page's entries from the events after version `after` (replayed from the state
        at `after`), the last version read, and whether the events ran out."""
        filtering = low is not None or high is not None
        aggregate: Any = None if after == 0 else self.app.repository.get(current.id, version=after)
        before = (
            EMPTY if aggregate is None else StateTexts(redaction.state(public_state(aggregate)))
        )
        picked: list[ComputedEntry] = []
        scanned = 0
        last = after
        exhausted = False
        while len(picked) < limit and scanned < MAX_SCAN:
            chunk = self.log.events_of(
                current.id, gt=last, limit=min(MAX_SCAN - scanned, max(limit, 100))
            )
            if not chunk:
                exhausted = True
                break
            for stored in chunk:
                event = self.app.mapper.to_domain_event(stored.stored())
                aggregate = event.mutate(aggregate)
                after_state = StateTexts(redaction.state(public_state(aggregate)))
                scanned += 1
                last = stored.originator_version
                decided = _decided_at(event)
                if not filtering or (
                    decided is not None
                    and (low is None or decided >= low)
                    and (high is None or decided <= high)
                ):
                    decision = getattr(event, "decision", None)
                    entry = ComputedEntry(
                        version=stored.originator_version,
                        position=stored.position,
                        topic=stored.topic,
                        recorded_at=event.timestamp,
                        audit=getattr(event, "audit", None) or {},
                        decision=None if decision is None else json_safe(decision),
                        payload=_payload(event),
                        changes=changes(before, after_state),
                    )
                    picked.append(entry)
                before = after_state
                if len(picked) >= limit:
                    break
        if self.memory is not None:
            # Each entry diffs the states just before and after its event, wherever the
            # replay began and whichever events the filter kept: the same for any later page.
            self.memory.keep(current.id, picked, redaction.tag)
        return picked, last, exhausted

    def _latest_version(self, aggregate_id: Any, known: int) -> int:
        latest = self.log.events_of(aggregate_id, desc=True, limit=1)
        return max(known, latest[0].originator_version if latest else 0)

    def _entries(
        self, aggregate_id: Any, picked: Sequence[ComputedEntry], redaction: Redaction
    ) -> list[HistoryEntry]:
        if not picked:
            return []
        leaves = self.ledger.leaves_of(aggregate_id, picked[0].version, picked[-1].version)
        names = self.people.display_names(
            {
                (e.audit.get("actor_municipality"), str(e.audit["actor"]))
                for e in picked
                if e.audit.get("actor")
            }
        )
        entries = []
        for computed in picked:
            audit = computed.audit
            event_type = computed.topic.rsplit(".", 1)[-1]
            data, redacted = redaction.event_data(event_type, computed.payload)
            # An event that is withheld as a whole (a bid, a role grant) does not name who
            # recorded it either: only that the acting municipality did something then.
            anonymous = redaction.hides_actor_of(event_type)
            leaf = leaves.get(computed.version)
            entries.append(
                HistoryEntry(
                    version=computed.version,
                    position=computed.position,
                    leaf_index=None if leaf is None else leaf.leaf_index,
                    recorded_at=computed.recorded_at,
                    topic=computed.topic,
                    event_type=event_type,
                    actor={
                        "user_id": None if anonymous else audit.get("actor"),
                        "display_name": None if anonymous else names.get(_name_key(audit)),
                        "municipality": audit.get("actor_municipality"),
                        "roles": [] if anonymous else list(audit.get("actor_roles") or []),
                        "request_id": None if anonymous else audit.get("request_id"),
                        "tenant": audit.get("tenant"),
                    },
                    decision=(
                        None if computed.decision is None else redaction.decision(computed.decision)
                    ),
                    data=data,
                    changes=computed.changes,
                    redacted=redacted,
                )
            )
        return entries


def history(
    app: Any,
    principal: Principal,
    kind: str,
    object_id: str,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    decided_from: datetime | None = None,
    decided_to: datetime | None = None,
) -> HistoryPage:
    """One page of the history of a need, procurement or municipality (by slug)."""
    return HistoryReader(app).page(
        principal,
        kind,
        object_id,
        cursor=cursor,
        limit=limit,
        decided_from=decided_from,
        decided_to=decided_to,
    )
