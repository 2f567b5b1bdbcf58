"""Browser sessions of the web app, kept in the store so that they can be ended at once.

The session cookie names a session by a random id (256 bits); the store keeps only its hash,
who it belongs to, when it began and when it was last used. A session ends at sign-out, after
a spell of inactivity, at a fixed time after sign-in, and whenever the member's access is
revoked (a role, their tokens, or all their sessions by an admin): every worker and host reads
the same table, so a session ended anywhere is refused on the next request everywhere, and a
copy of the cookie is worth nothing once its session has ended.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventstore.schema import ensure_tables
from eventstore.sql import SqlStore

TABLE = "web_sessions"
TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        session_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        municipality TEXT NOT NULL,
        via TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        ended_at BIGINT,
        ended_reason TEXT
    )""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_by_member ON {TABLE} (municipality, user_id)",
]
# Last use is written at most this often: an idle timeout counted in minutes does not need a
# write on every page.
TOUCH_EVERY = timedelta(seconds=60)
# Ended and expired sessions are forgotten after this long (they hold no history of record).
KEEP_ENDED = timedelta(days=30)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def session_digest(session_id: str) -> str:
    """What the store keeps of a session id (never the id itself)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class BrowserSession:
    user_id: str
    municipality: str
    via: str
    started_at: int  # ms since the epoch
    last_seen: int
    ended_at: int | None
    ended_reason: str | None


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    lifetime: timedelta


class BrowserSessions:
    def __init__(self, store: SqlStore):
        self._store = store

    def create_tables(self) -> None:
        ensure_tables(self._store, TABLES)

    def start(
        self, *, user_id: str, municipality: str, via: str, now: datetime | None = None
    ) -> str:
        """A new session; its id, for the cookie (the store keeps only its hash)."""
        moment = _ms(now or datetime.now(UTC))
        session_id = secrets.token_urlsafe(32)
        with self._store.transaction() as cursor:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE last_seen < ?",
                (moment - _ms(datetime.fromtimestamp(0, UTC) + KEEP_ENDED),),
            )
            cursor.execute(
                f"INSERT INTO {TABLE} (session_hash, user_id, municipality, via, started_at,"
                " last_seen, ended_at, ended_reason) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
                (session_digest(session_id), user_id, municipality, via, moment, moment),
            )
        return session_id

    def get(self, session_id: str) -> BrowserSession | None:
        with self._store.reading() as cursor:
            row = cursor.execute(
                f"SELECT user_id, municipality, via, started_at, last_seen, ended_at,"
                f" ended_reason FROM {TABLE} WHERE session_hash = ?",
                (session_digest(session_id),),
            ).fetchone()
        return None if row is None else BrowserSession(**row)

    def check(
        self, session_id: str, limits: SessionLimits, *, now: datetime | None = None
    ) -> tuple[BrowserSession | None, str | None]:
        """The live session and None; or None and why it is not (unknown, or the reason it
        ended). A session found idle or too old is ended here, for every worker alike."""
        moment = _ms(now or datetime.now(UTC))
        found = self.get(session_id)
        if found is None:
            return None, "unknown"
        if found.ended_at is not None:
            return None, found.ended_reason or "ended"
        if moment - found.last_seen > limits.idle.total_seconds() * 1000:
            self.end(session_id, "idle", now=now)
            return None, "idle"
        if moment - found.started_at > limits.lifetime.total_seconds() * 1000:
            self.end(session_id, "expired", now=now)
            return None, "expired"
        if moment - found.last_seen >= TOUCH_EVERY.total_seconds() * 1000:
            with self._store.transaction() as cursor:
                cursor.execute(
                    f"UPDATE {TABLE} SET last_seen = ? WHERE session_hash = ? AND ended_at IS NULL",
                    (moment, session_digest(session_id)),
                )
        return found, None

    def end(self, session_id: str, reason: str, *, now: datetime | None = None) -> bool:
        with self._store.transaction() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET ended_at = ?, ended_reason = ?"
                " WHERE session_hash = ? AND ended_at IS NULL",
                (_ms(now or datetime.now(UTC)), reason, session_digest(session_id)),
            )
            return cursor.rowcount == 1

    def end_all_of(
        self, *, user_id: str, municipality: str, reason: str, now: datetime | None = None
    ) -> int:
        """Ends every open session of a member in one municipality; how many there were."""
        with self._store.transaction() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET ended_at = ?, ended_reason = ?"
                " WHERE municipality = ? AND user_id = ? AND ended_at IS NULL",
                (_ms(now or datetime.now(UTC)), reason, municipality, user_id),
            )
            return int(cursor.rowcount)

    def open_count_of(self, *, user_id: str, municipality: str) -> int:
        with self._store.reading() as cursor:
            row = cursor.execute(
                f"SELECT COUNT(*) AS n FROM {TABLE}"
                " WHERE municipality = ? AND user_id = ? AND ended_at IS NULL",
                (municipality, user_id),
            ).fetchone()
        return int(row["n"]) if row else 0
