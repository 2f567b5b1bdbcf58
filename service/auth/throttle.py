"""Throttling of failed authentication, counted in the database every worker and host shares.

A failure is a secret that is not a genuine token: unknown, tampered with, malformed. (A genuine
token that is expired or revoked is refused without counting: its holder is no guesser.) Each
failure counts against the token id it names and against the client's address; once either has
`limit` failures within `window`, further failures against it answer 429 with `Retry-After`
until `window` has passed since the block began.

A genuine secret is never refused by the throttle, so guessing at someone's token id cannot lock
its holder out, and callers at other addresses are never slowed. The counts live in one small
table of the store (SQLite or PostgreSQL), not in a process's memory: gunicorn workers and
hosts share them. (Rate-limit libraries keep counts in memory, Redis or Memcached, none of
which every host here reaches.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eventstore.schema import ensure_tables
from eventstore.sql import SqlStore

TABLE = "auth_failures"
TABLES = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        key TEXT PRIMARY KEY,
        window_start BIGINT NOT NULL,
        failures BIGINT NOT NULL,
        blocked_until BIGINT NOT NULL
    )""",
]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class ThrottleLimits:
    per_token: int = 10  # failures naming one token id
    per_address: int = 50  # failures from one client address
    window: timedelta = timedelta(minutes=5)


class FailedAuthThrottle:
    def __init__(self, store: SqlStore, limits: ThrottleLimits | None = None):
        self._store = store
        self.limits = limits or ThrottleLimits()

    def create_tables(self) -> None:
        ensure_tables(self._store, TABLES)

    @staticmethod
    def keys(*, address: str | None, token_id: str | None) -> list[tuple[str, int]]:
        """The counters a failure counts against, each with its own limit (filled in later)."""
        found: list[tuple[str, int]] = []
        if token_id:
            found.append((f"token:{token_id[:64]}", 0))
        if address:
            found.append((f"address:{address[:64]}", 1))
        return found

    def failed(
        self, *, address: str | None, token_id: str | None, now: datetime | None = None
    ) -> int | None:
        """Counts one failure; seconds to wait if the caller is now throttled, else None."""
        moment = now or datetime.now(UTC)
        now_ms = _ms(moment)
        window_ms = int(self.limits.window.total_seconds() * 1000)
        limits = (self.limits.per_token, self.limits.per_address)
        blocked_until = 0
        with self._store.transaction() as cursor:
            # Counters idle for two windows are forgotten, so the table stays small.
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE window_start < ? AND blocked_until < ?",
                (now_ms - 2 * window_ms, now_ms),
            )
            for key, kind in self.keys(address=address, token_id=token_id):
                cursor.execute(
                    f"INSERT INTO {TABLE} (key, window_start, failures, blocked_until)"
                    " VALUES (?, ?, 1, 0) ON CONFLICT (key) DO UPDATE SET"
                    f" failures = CASE WHEN {TABLE}.window_start <= ? THEN 1"
                    f" ELSE {TABLE}.failures + 1 END,"
                    f" window_start = CASE WHEN {TABLE}.window_start <= ? THEN ?"
                    f" ELSE {TABLE}.window_start END",
                    (key, now_ms, now_ms - window_ms, now_ms - window_ms, now_ms),
                )
                cursor.execute(
                    f"UPDATE {TABLE} SET blocked_until = ?"
                    " WHERE key = ? AND failures > ? AND blocked_until <= ?",
                    (now_ms + window_ms, key, limits[kind], now_ms),
                )
                row = cursor.execute(
                    f"SELECT blocked_until FROM {TABLE} WHERE key = ?", (key,)
                ).fetchone()
                if row is not None:
                    blocked_until = max(blocked_until, int(row["blocked_until"]))
        if blocked_until <= now_ms:
            return None
        return max(1, math.ceil((blocked_until - now_ms) / 1000))
