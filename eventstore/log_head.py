"""How far a follower of the event log may safely read: the safe head.

A follower (a projection runner, the ledger, the audit event stream, an export) reads "the
events after my position" and moves its position to the last one it read. That is right only
if no event with a lower position can become visible later.

SQLite has one writer at a time and assigns positions (rowids) inside it, so every committed
position is final: the safe head is the highest position.

PostgreSQL assigns positions from a sequence when a row is inserted, and transactions commit
in any order: a save that took position 41 may commit after the save that took 42. The
library's default insert hides this by locking the events table for the whole transaction, but
that is a property of one code path of the library (its insert function, which the environment
could switch on, takes no lock) and not something a follower should stake the audit trail on.
So the safe head is established independently of how events are inserted:

* every transaction that inserts into the events table holds a ROW EXCLUSIVE lock on it from
  before it draws a position from the sequence until it ends (PostgreSQL takes the lock when
  the INSERT is planned; the sequence is drawn while it executes);
* one statement reads the highest visible position M and, after its snapshot, the transactions
  holding that lock (`pg_locks`, by virtual transaction id). Any position below M that is not
  visible yet belongs to one of them: it was drawn before M was, so its transaction held the
  lock before M committed, and had not committed when the snapshot was taken;
* so M is safe once none of those transactions is left. A later observation settles it; with
  no writer in flight, M is safe at once.

This waits only for transactions that write events, never for long readers, rebuilds or our
own tables' writers, and it has no timeout that could let an event slip past.

Threads of a process share one `LogHead` per events table (`log_head`), and their observations
can come back in any order: a writer missing from an observation has ended only if that
observation was asked after the one that saw the writer was answered.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, replace
from typing import Any

from eventstore.sql import Cursor, SqlStore

# Observations kept while waiting for their writers; older ones settle first, so a bound only
# delays a head, never makes one unsafe.
MAX_PENDING = 64
POLL_S = 0.002


@dataclass(frozen=True)
class _Mark:
    head: int
    writers: frozenset[str]
    asked_at: float = 0.0  # time.monotonic() before the statement was sent
    answered_at: float = 0.0  # and after its answer came


class LogHead:
    """The safe head of one events table (see the module docstring). Thread-safe; one
    instance remembers its pending observations between calls."""

    def __init__(self, store: SqlStore, events_table: str):
        if not events_table.replace("_", "").isalnum():
            raise ValueError(f"not a plain table name: {events_table!r}")
        self.store = store
        self.events_table = events_table
        self.id_column = "notification_id" if store.is_postgres else "rowid"
        self._qualified = (
            f'"{store.schema}"."{events_table}"' if store.is_postgres else events_table
        )
        self._lock = threading.Lock()
        self._settled = 0
        self._pending: list[_Mark] = []

    # Observing

    def highest_expression(self) -> str:
        """SQL for the highest visible position, also to read in a statement of one's own."""
        return f"SELECT MAX({self.id_column}) AS head FROM {self._qualified}"

    def highest(self, cursor: Cursor | None = None) -> int:
        """The highest visible position (not necessarily safe to read up to)."""
        sql = self.highest_expression()
        if cursor is not None:
            row = cursor.execute(sql).fetchone()
        else:
            with self.store.reading() as reading:
                row = reading.execute(sql).fetchone()
        return int(row["head"] or 0) if row else 0

    def _observe(self, cursor: Cursor) -> _Mark:
        if not self.store.is_postgres:
            return _Mark(self.highest(cursor), frozenset())
        row = cursor.execute(
            f"SELECT (SELECT MAX(notification_id) FROM {self._qualified}) AS head,"
            " ARRAY(SELECT DISTINCT virtualtransaction FROM pg_catalog.pg_locks"
            "       WHERE locktype = 'relation' AND relation = to_regclass(?)"
            "       AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()) AS writers",
            (self._qualified,),
        ).fetchone()
        assert row is not None
        return _Mark(int(row["head"] or 0), frozenset(row["writers"] or ()))

    def _settle(self, now: _Mark) -> int:
        with self._lock:
            if not now.writers:
                self._settled = max(self._settled, now.head)
                self._pending = [m for m in self._pending if m.head > now.head]
            still: list[_Mark] = []
            for mark in self._pending:
                # Only a snapshot taken after the mark's tells that its writers have ended; an
                # observation asked before the mark was answered may have been taken earlier.
                if mark.answered_at <= now.asked_at and not mark.writers & now.writers:
                    self._settled = max(self._settled, mark.head)
                else:
                    still.append(mark)
            if now.writers and now.head > self._settled and (
                not still or still[-1].head < now.head
            ):
                still.append(now)
            self._pending = [m for m in still if m.head > self._settled][-MAX_PENDING:]
            return self._settled

    # Answering

    def safe(self, cursor: Cursor | None = None, *, wait_s: float = 0.0) -> int:
        """The highest position below which every event is visible or never will be.

        With `wait_s`, waits up to that long for the writers in flight now to end, so the
        answer reaches the highest position visible now; without, answers at once (a follower
        that polls gets the rest on its next call).
        """
        deadline = time.monotonic() + wait_s
        first = self._read(cursor)
        safe = self._settle(first)
        while safe < first.head and time.monotonic() < deadline:
            time.sleep(POLL_S)
            safe = self._settle(self._read(cursor))
        return safe

    def pending(self) -> bool:
        """True while a visible position is not yet known to be safe."""
        with self._lock:
            return bool(self._pending)

    def _read(self, cursor: Cursor | None) -> _Mark:
        asked = time.monotonic()
        if cursor is not None:
            mark = self._observe(cursor)
        else:
            with self.store.reading() as reading:
                mark = self._observe(reading)
        return replace(mark, asked_at=asked, answered_at=time.monotonic())


_SHARED: weakref.WeakKeyDictionary[Any, LogHead] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def log_head(recorder: Any, store: SqlStore | None = None) -> LogHead:
    """The safe head of an application recorder's events table, one per recorder and process
    (its pending observations serve every caller)."""
    with _SHARED_LOCK:
        head = _SHARED.get(recorder)
        if head is None:
            table = getattr(recorder, "events_table_name", None)
            if not isinstance(table, str):
                raise RuntimeError("the event recorder names no plain SQL events table")
            head = _SHARED[recorder] = LogHead(store or SqlStore(recorder), table)
        return head
