"""Who a browser session's member is, kept in memory per process and confirmed by the page's
own read: the pages' counterpart of `service.auth.principal_cache`.

A page request must know that its session is still open (not signed out, ended by an admin or
a revocation, idle too long or too old) and the member's live roles. Checked in full, that is
the session's row and the municipality's events since this process last read them: two round
trips before the page reads anything of its own. A process keeps what a full check found, and
a page request (GET, HEAD) sends the values that would say it changed with its first read
(`eventstore.companion`): the session's `last_seen` while it is open, and the municipality's
version (the record of every role granted or revoked). The page goes out only after they
confirmed what was remembered; otherwise the request is answered again with the session
checked in full, which also ends a session found idle or too old, and records its use.

A form (POST) is always checked in full; so is a page once the session's last use is due to be
written again (`TOUCH_EVERY`), so idle time is counted as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventstore.companion import CompanionCheck, send_with_next_read
from eventstore.eventlog import EventLog
from eventstore.sql import SqlStore
from service.auth.principal_cache import PrincipalChanged
from service.auth.remembered import MunicipalityVersion
from service.auth.sessions import TABLE, TOUCH_EVERY, SessionLimits, session_digest
from service.bounded_memory import BoundedMemory

# Enough for every session in use on a large deployment; beyond it the oldest half goes.
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class KnownSession:
    user_id: str
    municipality: str
    started_at: int  # ms since the epoch
    roles: tuple[str, ...]
    municipality_version: int


class SessionCache:
    def __init__(self, store: SqlStore, events: EventLog, *, max_entries: int = MAX_ENTRIES):
        self._store = store
        self._entries: BoundedMemory[KnownSession] = BoundedMemory(max_entries)
        self._version = MunicipalityVersion(events)
        self._columns: tuple[tuple[str, str], ...] = (
            (
                "last_seen",
                f"(SELECT last_seen FROM {TABLE} WHERE session_hash = ? AND ended_at IS NULL)",
            ),
            self._version.column,
        )

    def remembered(
        self, session_id: str, *, user_id: str, municipality: str
    ) -> KnownSession | None:
        """The session's member as this process knows them, not yet confirmed by the
        database; only for the member the cookie names."""
        entry = self._entries.get(session_digest(session_id))
        if entry is None or (entry.user_id, entry.municipality) != (user_id, municipality):
            return None
        return entry

    def confirm_with_next_read(
        self,
        session_id: str,
        entry: KnownSession,
        limits: SessionLimits,
        *,
        now: datetime | None = None,
    ) -> CompanionCheck:
        """A check that `entry` is still current, sent with the request's next read of the
        store. When the database says otherwise (or the clock says the session is due to be
        ended or its use written) the entry is forgotten and the read raises
        `PrincipalChanged`; whoever sent the check settles it before the answer goes out."""
        digest = session_digest(session_id)
        moment = int((now or datetime.now(UTC)).timestamp() * 1000)
        idle_ms = min(limits.idle, TOUCH_EVERY).total_seconds() * 1000
        lifetime_ms = limits.lifetime.total_seconds() * 1000

        def receive(values: dict[str, Any]) -> None:
            last_seen = values.get("last_seen")
            if (
                last_seen is None
                or moment - int(last_seen) >= idle_ms
                or moment - entry.started_at > lifetime_ms
                or int(values.get("version") or 0) != entry.municipality_version
            ):
                self.forget(session_id)
                raise PrincipalChanged("the session or its member changed since it was remembered")

        params = (digest, self._version.param(entry.municipality))
        check = CompanionCheck(self._store, self._columns, params, receive)
        send_with_next_read(check)
        return check

    def remember(self, session_id: str, entry: KnownSession) -> None:
        self._entries.put(session_digest(session_id), entry)

    def forget(self, session_id: str) -> None:
        self._entries.forget(session_digest(session_id))
