"""Rebuilding views from position 0 while the old tables keep answering, then swapping.

1. New tables `<base>__rb<random>` of every view being rebuilt, each view under its own tracking
   row, are filled from the start of the log in one pass: each batch is read and decoded once
   and fed to every view (the events of the topics it reads), and all the views' rows and
   tracking rows are committed together, a few batches (BATCHES_HELD_S) to a transaction,
   each batch read on that transaction's cursor. A rebuild killed midway leaves
   only the new tables behind, and the next rebuild of each view drops them. The new tables get
   their secondary indexes once filled; what the log gained meanwhile is applied after that.
2. Each view's swap is one transaction of its own: it locks the view's live tracking row
   (holding back the live runner), applies what the log gained since the last batch to the new
   tables, drops the old tables, renames the new ones to the base names and sets the live
   tracking row to the new position. Both databases rename tables transactionally, so readers
   see either the old view at its position or the new one at its position, never a mix.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application

from eventstore.log_head import LogHead
from eventstore.sql import Cursor, SqlStore
from projections import tracking
from projections.base import ProjectedEvent, Projection
from projections.batch_heap import collected_per_batches
from projections.db import POSTGRES, dialect, serialise_ddl, table_exists
from projections.lease import Lease, lease_for
from projections.runner import PositionMoved, events_table, head_position, read_batch

# How long a rebuild waits for saves in flight before it reads up to the log's head; what they
# hold back is applied by the next pass or by the runner after the swap.
SAFE_HEAD_WAIT_S = 5.0
# How long one of the pass's transactions goes on taking batches before it commits. Each batch
# committed alone wrote the pages it changed into the log again at every commit (on SQLite a
# fifth of a rebuild of 1 M events; a tenth less time in all with ten batches a commit). On
# SQLite it is also about how long writers wait for the rebuild at most (plus one batch).
BATCHES_HELD_S = 0.1


class RebuildInProgress(RuntimeError):
    """Another process is rebuilding this view right now."""


@dataclass(frozen=True)
class RebuildProgress:
    name: str
    phase: str  # "cleaning", "building", "swapping", "done"
    position: int
    head: int
    events: int  # events applied to the new tables so far
    seconds: float


@dataclass(frozen=True)
class RebuildResult:
    name: str
    position: int
    events: int
    seconds: float


def rebuild(
    app: Application[Any],
    projection: Projection,
    *,
    store: SqlStore | None = None,
    batch_size: int = 1000,
    batches_held_s: float = BATCHES_HELD_S,
    progress: Callable[[RebuildProgress], None] | None = None,
    before_swap: Callable[[], None] | None = None,
) -> RebuildResult:
    """Rebuilds `projection` into new tables and swaps them in; see the module docstring.

    `before_swap` runs just before the swap transaction (tests use it to write events that
    the swap must pick up).
    """
    (result,) = rebuild_many(app, [projection], store=store, batch_size=batch_size,
                             batches_held_s=batches_held_s, progress=progress,
                             before_swap=before_swap)
    return result


def rebuild_many(
    app: Application[Any],
    projections: Iterable[Projection],
    *,
    store: SqlStore | None = None,
    batch_size: int = 1000,
    batches_held_s: float = BATCHES_HELD_S,
    progress: Callable[[RebuildProgress], None] | None = None,
    before_swap: Callable[[], None] | None = None,
) -> list[RebuildResult]:
    """Rebuilds every one of `projections` in one pass over the log, then swaps each in; see
    the module docstring. Results come in the order of `projections`.

    `before_swap` runs once, just before the first swap. `batches_held_s`: how long one
    transaction of the pass goes on taking batches (0: a transaction per batch); progress is
    reported after each commit, outside the transaction.
    """
    if not 1 <= batch_size <= 10_000:
        raise ValueError("batch_size: from 1 to 10000")
    chosen = list(projections)
    names = [projection.name for projection in chosen]
    if len(set(names)) != len(names):
        raise ValueError(f"a view named more than once: {', '.join(names)}")
    if not chosen:
        return []
    store = store or SqlStore(app.recorder)
    started = time.monotonic()
    suffix = f"{tracking.REBUILD_MARK}{secrets.token_hex(4)}"
    builds = [_Build(projection, suffix) for projection in chosen]

    def report(build: _Build, phase: str, position: int, head: int) -> None:
        if progress is not None:
            progress(RebuildProgress(build.projection.name, phase, position, head,
                                     build.applied, time.monotonic() - started))

    leases = _acquire_leases(app, store, names)
    try:
        head = head_position(app.recorder)
        for build in builds:
            report(build, "cleaning", 0, head)
            _drop_abandoned(store, build.projection)

        def built(position: int, head: int) -> None:
            for build in builds:
                report(build, "building", position, head)

        one_pass = _OnePass(app, store, builds, suffix, batch_size, batches_held_s, built)
        with collected_per_batches():
            position = one_pass.catch_up()
            one_pass.create_indexes()
            # More passes while they close the gap, so the swaps (which hold back the views'
            # appliers, and on SQLite every writer) have few events left to apply. A pass
            # that does not close it means writes outpace the rebuild: chasing would never end.
            gap = head_position(app.recorder) - position
            while gap > batch_size:
                position = one_pass.catch_up()
                gap, previous = head_position(app.recorder) - position, gap
                if gap >= previous:
                    break
        if before_swap is not None:
            before_swap()
        results = []
        for build in builds:
            report(build, "swapping", position, head_position(app.recorder))
            swapped, late = _swap(app, store, build.projection, suffix, build.tracking_name,
                                  batch_size)
            build.applied += late
            report(build, "done", swapped, swapped)
            results.append(RebuildResult(build.projection.name, swapped, build.applied,
                                         time.monotonic() - started))
        return results
    finally:
        for lease in leases:
            lease.release()


def _acquire_leases(app: Application[Any], store: SqlStore, names: Sequence[str]) -> list[Lease]:
    """All the views' rebuild leases, or none (RebuildInProgress naming the first one taken)."""
    held: list[Lease] = []
    try:
        for name in names:
            lease = lease_for(app.recorder, store.schema, f"rebuild:{name}")
            if not lease.try_acquire():
                lease.release()
                raise RebuildInProgress(f"{name} is being rebuilt by another process")
            held.append(lease)
    except BaseException:
        for lease in held:
            lease.release()
        raise
    return held


class _Build:
    """One view's share of the pass: its new tables, its tracking row and what it reads."""

    def __init__(self, projection: Projection, suffix: str):
        self.projection = projection
        self.tracking_name = projection.name + suffix
        topics = tuple(getattr(projection, "topics", None) or ())
        # None: a projection that names no topics is fed every event, as its runner does.
        self.topics: frozenset[str] | None = frozenset(topics) if topics else None
        self.applied = 0

    def select(self, events: list[ProjectedEvent]) -> list[ProjectedEvent]:
        if self.topics is None:
            return events
        topics = self.topics
        return [event for event in events if event.topic in topics]


class _OnePass:
    """Applies the log to several views' new tables, a batch read and decoded once for all."""

    def __init__(
        self,
        app: Application[Any],
        store: SqlStore,
        builds: Sequence[_Build],
        suffix: str,
        batch_size: int,
        batches_held_s: float,
        on_batch: Callable[[int, int], None],
    ):
        self.app = app
        self.store = store
        self.builds = builds
        self.batch_size = batch_size
        self.batches_held_s = batches_held_s
        self.on_batch = on_batch
        self.suffix = suffix
        # One view reads only its topics, as its runner does. Several views read nearly the
        # whole log between them (all six: all but a few events per municipality), so the
        # pass reads all of it: a filter on the union would skip next to nothing, and on
        # PostgreSQL reading with it took up to 3 times as long as without. Each view is
        # still fed only its own topics.
        self.topics = tuple(sorted(builds[0].topics or ())) if len(builds) == 1 else ()
        self.holder = f"rebuild@{socket.gethostname()}:{os.getpid()}"
        self.position = 0
        self.log_head = LogHead(store, events_table(app.recorder))
        # The batches' commits need not reach the disk one by one (on SQLite each was flushed,
        # a tenth of a large rebuild's time): a rebuild cut short is dropped by the next one,
        # and the swap, which makes the new tables the views, commits as always.
        self.batches = SqlStore(app.recorder, flush_each_commit=False)
        with store.transaction() as cursor:
            serialise_ddl(cursor)
            tracking.ensure_table(cursor)
            for build in builds:
                build.projection.create_tables(cursor, self.suffix)
                tracking.ensure_row(cursor, build.tracking_name)
                # Keeping the secondary indexes up to date row by row costs more than building
                # each once from the filled table (a sort); the views look their own rows up
                # by primary key while applying, so they do not miss them meanwhile.
                for index, _, _ in _secondary_indexes(build.projection, self.suffix):
                    cursor.execute(f"DROP INDEX IF EXISTS {index}")

    def create_indexes(self) -> None:
        """Builds the secondary indexes dropped at the start, under their names of before."""
        for build in self.builds:
            for index, table, columns in _secondary_indexes(build.projection, self.suffix):
                # One transaction each: on SQLite every writer waits while one is built.
                with self.store.transaction() as cursor:
                    cursor.execute(f"CREATE INDEX {index} ON {table} ({columns})")

    def catch_up(self) -> int:
        """Applies what the log holds now to every view; the new position."""
        position = self.position
        target = self.log_head.safe(wait_s=SAFE_HEAD_WAIT_S)
        while position < target:
            applied = dict.fromkeys(self.builds, 0)
            with self.batches.transaction() as cursor:
                held_until = time.monotonic() + self.batches_held_s
                new = position
                while new < target:
                    new = self._apply_batch(cursor, new, target, applied)
                    if time.monotonic() >= held_until:
                        break
            for build, count in applied.items():
                build.applied += count
            self.position = position = new
            self.on_batch(position, target)
        return position

    def _apply_batch(self, cursor: Cursor, position: int, target: int,
                     applied: dict[_Build, int]) -> int:
        """Reads one batch after `position` on the held transaction and applies it to every
        view; the position it reaches."""
        new, events = read_batch(self.app, cursor, position, target, self.batch_size,
                                 self.topics)
        for build in self.builds:
            # Only a rebuild holding every view's lease writes these rows: one that moved
            # means the lease was not what it seemed, and going on would not be exactly once.
            if not tracking.advance(cursor, build.tracking_name, position, new, self.holder):
                raise PositionMoved(build.tracking_name)
        for build in self.builds:
            mine = build.select(events)
            if mine:
                build.projection.apply(cursor, mine, self.suffix)
                applied[build] += len(mine)
        return new


def _secondary_indexes(projection: Projection, suffix: str) -> list[tuple[str, str, str]]:
    """(index, table, columns) of the indexes a view's `tables` declare, named as
    `Table.create` names them, so a swapped-in table has the names it would have had."""
    found = []
    for table in getattr(projection, "tables", ()):
        for index, columns in getattr(table, "indexes", ()):
            name = table.base + suffix
            found.append((f"{name}_{index}", name, columns))
    return found


def _swap(
    app: Application[Any],
    store: SqlStore,
    projection: Projection,
    suffix: str,
    rebuild_name: str,
    batch_size: int,
) -> tuple[int, int]:
    name = projection.name
    late = 0
    with store.transaction() as cursor:
        tracking.ensure_row(cursor, name)
        tracking.lock_row(cursor, name)
        position = tracking.read_position(cursor, rebuild_name) or 0
        # The writers in flight hold the safe head back for as long as their save lasts.
        head = LogHead(store, events_table(app.recorder)).safe(cursor, wait_s=SAFE_HEAD_WAIT_S)
        topics = tuple(getattr(projection, "topics", None) or ())
        while position < head:
            position, events = read_batch(app, cursor, position, head, batch_size, topics)
            if events:
                projection.apply(cursor, events, suffix)
                late += len(events)
        _replace_tables(cursor, projection, suffix)
        tracking.set_position(cursor, name, position, f"rebuild{suffix}")
        tracking.delete_row(cursor, rebuild_name)
    return position, late


def _replace_tables(cursor: Cursor, projection: Projection, suffix: str) -> None:
    bases = list(projection.table_names())
    if dialect(cursor) == POSTGRES:
        # Take every table in the same order readers meet them, up front, so a reader holding
        # one cannot wait on us for another while we wait on it.
        existing = [base for base in bases if table_exists(cursor, base)]
        if existing:
            cursor.execute(f"LOCK TABLE {', '.join(existing)} IN ACCESS EXCLUSIVE MODE")
    for base in bases:
        cursor.execute(f"DROP TABLE IF EXISTS {base}")
        cursor.execute(f"ALTER TABLE {base}{suffix} RENAME TO {base}")


def _drop_abandoned(store: SqlStore, projection: Projection) -> None:
    """Drops the tables and tracking rows of earlier rebuilds of this view that never swapped."""
    prefix = projection.name + tracking.REBUILD_MARK
    with store.transaction() as cursor:
        if not table_exists(cursor, tracking.TRACKING.base):
            return
        for row in tracking.read_all(cursor):
            if row.name.startswith(prefix):
                suffix = row.name[len(projection.name):]
                for base in projection.table_names():
                    cursor.execute(f"DROP TABLE IF EXISTS {base}{suffix}")
                tracking.delete_row(cursor, row.name)
