"""Direct, read-mostly SQL on the event store's own table, where the recorder's API falls short.

The recorder answers "events of one aggregate" and "notifications in log order", but not "the
log position of each event of one aggregate" or "does this (aggregate, version) exist", which the
ledger, verify and history need in one indexed query each.  Both dialects keep the events in one
table: SQLite's ``stored_events`` with the rowid as notification id, PostgreSQL's
``<application>_events`` (``innoledger_events``) with a ``notification_id`` column.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent

from eventstore.log_head import log_head
from eventstore.sql import Cursor, SqlStore


@dataclass(frozen=True)
class PositionedEvent:
    """A stored event with its position (notification id) in the application log."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes

    @classmethod
    def of(cls, notification: Notification) -> PositionedEvent:
        originator_id = notification.originator_id
        return cls(
            position=notification.id,
            originator_id=originator_id
            if isinstance(originator_id, UUID)
            else UUID(str(originator_id)),
            originator_version=notification.originator_version,
            topic=notification.topic,
            state=notification.state,
        )

    def stored(self) -> StoredEvent:
        return StoredEvent(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            topic=self.topic,
            state=self.state,
        )


class EventLog:
    """The events table of one application, addressed the way its dialect stores it."""

    def __init__(self, recorder: ApplicationRecorder, store: SqlStore | None = None):
        self.recorder = recorder
        self.store = store or SqlStore(recorder)
        table = getattr(recorder, "events_table_name", None)
        if not isinstance(table, str) or not table.replace("_", "").isalnum():
            raise RuntimeError("the event recorder names no plain SQL events table")
        self.table = table
        self.id_column = "notification_id" if self.store.is_postgres else "rowid"

    def id_param(self, originator_id: UUID | str) -> Any:
        """SQLite stores UUIDs as 32 hex digits; PostgreSQL as its uuid type."""
        value = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        return value if self.store.is_postgres else value.hex

    @staticmethod
    def _uuid(value: Any) -> UUID:
        return value if isinstance(value, UUID) else UUID(str(value))

    def _row(self, row: dict[str, Any]) -> PositionedEvent:
        return PositionedEvent(
            position=int(row["position"]),
            originator_id=self._uuid(row["originator_id"]),
            originator_version=int(row["originator_version"]),
            topic=row["topic"],
            state=bytes(row["state"]),
        )

    def events_of(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
        cursor: Cursor | None = None,
    ) -> list[PositionedEvent]:
        """One aggregate's events with their positions, through the (id, version) primary key,
        so the cost depends on the aggregate, not on the size of the store."""
        sql = (
            f"SELECT {self.id_column} AS position, originator_id, originator_version, topic, state"
            f" FROM {self.table} WHERE originator_id = ?"
        )
        params: list[Any] = [self.id_param(originator_id)]
        if gt is not None:
            sql += " AND originator_version > ?"
            params.append(gt)
        if lte is not None:
            sql += " AND originator_version <= ?"
            params.append(lte)
        sql += " ORDER BY originator_version" + (" DESC" if desc else "")
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        if cursor is not None:
            return [self._row(r) for r in cursor.execute(sql, params).fetchall()]
        with self.store.reading() as c:
            return [self._row(r) for r in c.execute(sql, params).fetchall()]

    def event_at(self, originator_id: UUID | str, version: int) -> PositionedEvent | None:
        found = self.events_of(originator_id, gt=version - 1, lte=version)
        return found[0] if found else None

    def exists(self, cursor: Cursor, originator_id: UUID | str, version: int) -> bool:
        row = cursor.execute(
            f"SELECT 1 AS found FROM {self.table}"
            " WHERE originator_id = ? AND originator_version = ?",
            (self.id_param(originator_id), version),
        ).fetchone()
        return row is not None

    def by_positions(self, positions: Sequence[int]) -> list[PositionedEvent]:
        if not positions:
            return []
        marks = ",".join("?" * len(positions))
        sql = (
            f"SELECT {self.id_column} AS position, originator_id, originator_version, topic, state"
            f" FROM {self.table} WHERE {self.id_column} IN ({marks}) ORDER BY {self.id_column}"
        )
        with self.store.reading() as c:
            return [self._row(r) for r in c.execute(sql, list(positions)).fetchall()]

    def count_between(self, cursor: Cursor, after: int, upto: int) -> int:
        """How many events lie at positions in (after, upto]: an indexed range count."""
        row = cursor.execute(
            f"SELECT COUNT(*) AS n FROM {self.table}"
            f" WHERE {self.id_column} > ? AND {self.id_column} <= ?",
            (after, upto),
        ).fetchone()
        return int(row["n"]) if row else 0

    def count_upto(self, upto: int) -> int:
        """How many events lie at positions up to `upto`."""
        with self.store.reading() as c:
            return self.count_between(c, 0, upto)

    def is_empty(self, cursor: Cursor) -> bool:
        return cursor.execute(f"SELECT 1 AS found FROM {self.table} LIMIT 1").fetchone() is None

    def lock_for_import(self, cursor: Cursor) -> None:
        """PostgreSQL: keeps every other writer out until `cursor`'s transaction ends, so the
        positions the sequence hands out to `insert_verbatim` follow the order given."""
        if self.store.is_postgres:
            cursor.execute(f"LOCK TABLE {self.table} IN EXCLUSIVE MODE")

    def insert_verbatim(
        self, cursor: Cursor, rows: Sequence[tuple[UUID | str, int, str, bytes]]
    ) -> None:
        """Stores events exactly as given (an import), in the caller's transaction."""
        cursor.executemany(
            f"INSERT INTO {self.table} (originator_id, originator_version, topic, state)"
            " VALUES (?, ?, ?, ?)",
            [(self.id_param(i), version, topic, state) for i, version, topic, state in rows],
        )

    def snapshot_at(
        self, cursor: Cursor, snapshots_recorder: Any, originator_id: UUID, version: int
    ) -> StoredEvent | None:
        """The newest stored snapshot of an aggregate at or before `version`, if the snapshot
        store is a plain SQL table (else None: a replay from version 1 is exact, only slower)."""
        table = getattr(snapshots_recorder, "events_table_name", None)
        if not isinstance(table, str) or not table.replace("_", "").isalnum():
            return None
        row = cursor.execute(
            f"SELECT originator_version, topic, state FROM {table}"
            " WHERE originator_id = ? AND originator_version <= ?"
            " ORDER BY originator_version DESC LIMIT 1",
            (self.id_param(originator_id), version),
        ).fetchone()
        if row is None:
            return None
        return StoredEvent(
            originator_id=originator_id,
            originator_version=int(row["originator_version"]),
            topic=row["topic"],
            state=bytes(row["state"]),
        )

    def count(self) -> int:
        with self.store.reading() as c:
            row = c.execute(f"SELECT COUNT(*) AS n FROM {self.table}").fetchone()
        return int(row["n"]) if row else 0

    def max_position(self) -> int:
        return int(self.recorder.max_notification_id() or 0)

    def safe_position(self, *, wait_s: float = 0.0) -> int:
        """The highest position below which no event can still become visible (a save in
        flight holds it back): followers read up to it, never past (storage/log_head.py)."""
        return log_head(self.recorder, self.store).safe(wait_s=wait_s)

    def notifications(
        self, after: int, limit: int, *, upto: int | None = None
    ) -> Sequence[Notification]:
        """The next `limit` events after position `after` (up to `upto`), in log order (the
        recorder's API)."""
        return self.recorder.select_notifications(after + 1, limit, stop=upto)

    def iterate(
        self, *, after: int = 0, upto: int | None = None, batch_size: int = 2000
    ) -> Iterator[Sequence[Notification]]:
        """The log after `after` (up to `upto`), batch by batch, in constant memory."""
        while True:
            batch = self.notifications(after, batch_size, upto=upto)
            if not batch:
                return
            yield batch
            after = batch[-1].id
